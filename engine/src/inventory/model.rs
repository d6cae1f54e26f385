//! The inventory graph: [`Host`]s, [`Group`]s and the rules that tie them
//! together while sources are read (Ansible's `InventoryData`).
//!
//! Hosts and groups live in insertion-ordered maps and refer to each other by
//! index, so the graph has no reference cycles and `ansible-inventory`'s
//! orders (hosts as added, `all.children` as attached) fall out directly.

use super::error::InventoryError;
use crate::source::{Span, Warning};
use crate::value::{Map, Value};
use indexmap::IndexMap;
use std::sync::Arc;

/// Index of a host in [`Data::hosts`].
pub(crate) type HostId = usize;
/// Index of a group in [`Data::groups`].
pub(crate) type GroupId = usize;

/// `all` is always group 0 and `ungrouped` group 1.
pub(crate) const ALL: GroupId = 0;
/// See [`ALL`].
pub(crate) const UNGROUPED: GroupId = 1;

/// Host names that Ansible treats as the controller itself.
pub(crate) const LOCALHOST_NAMES: [&str; 3] = ["127.0.0.1", "localhost", "::1"];

/// One inventory host.
#[derive(Debug, Clone)]
pub struct Host {
    pub(crate) name: String,
    /// Vars set by inventory sources (INI/YAML), in the order set.
    pub(crate) vars: Map,
    /// Groups the host was added to directly, in order.
    pub(crate) groups: Vec<GroupId>,
    /// The source that first named the host (Ansible's `inventory_file`).
    pub(crate) source: Option<Arc<str>>,
}

impl Host {
    /// The inventory name (`inventory_hostname`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The vars written for this host in inventory files (not group vars,
    /// not `host_vars/`): what `ansible-inventory --export` shows.
    pub fn own_vars(&self) -> &Map {
        &self.vars
    }

    /// The inventory file that first named the host (`inventory_file`),
    /// `None` for `h1,h2,` lists.
    pub fn inventory_file(&self) -> Option<&str> {
        self.source.as_deref()
    }
}

/// One inventory group.
#[derive(Debug, Clone)]
pub struct Group {
    pub(crate) name: String,
    pub(crate) vars: Map,
    pub(crate) hosts: Vec<HostId>,
    pub(crate) children: Vec<GroupId>,
    pub(crate) parents: Vec<GroupId>,
    pub(crate) priority: i64,
    pub(crate) depth: u32,
}

impl Group {
    fn new(name: &str) -> Group {
        Group {
            name: name.to_owned(),
            vars: Map::new(),
            hosts: Vec::new(),
            children: Vec::new(),
            parents: Vec::new(),
            priority: 1,
            depth: 0,
        }
    }

    /// The group name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Vars written for the group in inventory files (`[g:vars]`, YAML
    /// `vars:`), without `group_vars/` files.
    pub fn own_vars(&self) -> &Map {
        &self.vars
    }

    /// `ansible_group_priority` (default 1): among groups of equal depth, a
    /// higher priority is applied later and so wins.
    pub fn priority(&self) -> i64 {
        self.priority
    }

    /// Length of the longest parent chain up to `all` (which is 0).
    pub fn depth(&self) -> u32 {
        self.depth
    }
}

/// The graph under construction and, once reconciled, the loaded inventory.
#[derive(Debug, Clone)]
pub(crate) struct Data {
    pub(crate) hosts: IndexMap<String, Host>,
    pub(crate) groups: IndexMap<String, Group>,
    pub(crate) localhost: Option<HostId>,
    pub(crate) warnings: Vec<Warning>,
    warned_group_chars: bool,
}

impl Data {
    pub(crate) fn new() -> Data {
        let mut data = Data {
            hosts: IndexMap::new(),
            groups: IndexMap::new(),
            localhost: None,
            warnings: Vec::new(),
            warned_group_chars: false,
        };
        data.groups.insert("all".into(), Group::new("all"));
        data.groups
            .insert("ungrouped".into(), Group::new("ungrouped"));
        data.groups[ALL].children.push(UNGROUPED);
        data.groups[UNGROUPED].parents.push(ALL);
        data.groups[UNGROUPED].depth = 1;
        data
    }

    pub(crate) fn warn(&mut self, span: Option<Span>, message: impl Into<String>) {
        let message = message.into();
        if !self.warnings.iter().any(|w| w.message == message) {
            self.warnings.push(Warning { span, message });
        }
    }

    /// Adds `name` if new; returns its id either way.
    pub(crate) fn add_group(&mut self, name: &str) -> GroupId {
        if let Some(id) = self.groups.get_index_of(name) {
            return id;
        }
        // Ansible keeps such names (TRANSFORM_INVALID_GROUP_CHARS=never) and warns once.
        let invalid = name.starts_with(|c: char| c.is_ascii_digit())
            || name.chars().any(|c| !(c.is_alphanumeric() || c == '_'));
        if invalid && !self.warned_group_chars {
            self.warned_group_chars = true;
            self.warn(
                None,
                "Invalid characters were found in group names but not replaced, use -vvvv to see details",
            );
        }
        self.groups.insert_full(name.to_owned(), Group::new(name)).0
    }

    /// Adds host `name` (once), and to `group` when given. `port` only
    /// applies when the host is new, as in Ansible.
    pub(crate) fn add_host(
        &mut self,
        name: &str,
        group: Option<GroupId>,
        port: Option<u32>,
        source: Option<&Arc<str>>,
    ) -> HostId {
        let id = match self.hosts.get_index_of(name) {
            Some(id) => id,
            None => {
                let mut vars = Map::new();
                if let Some(port) = port {
                    vars.insert("ansible_port".into(), Value::Int(i64::from(port)));
                }
                let id = self
                    .hosts
                    .insert_full(
                        name.to_owned(),
                        Host {
                            name: name.to_owned(),
                            vars,
                            groups: Vec::new(),
                            source: source.cloned(),
                        },
                    )
                    .0;
                if LOCALHOST_NAMES.contains(&name) {
                    match self.localhost {
                        None => self.localhost = Some(id),
                        Some(first) => {
                            let msg = format!(
                                "A duplicate localhost-like entry was found ({name}). First found localhost was {}",
                                self.hosts[first].name
                            );
                            self.warn(None, msg);
                        }
                    }
                }
                id
            }
        };
        // Membership is recorded on both sides together, so the host's
        // short list answers "already in the group?" without scanning the
        // group's (possibly huge) one.
        if let Some(g) = group {
            if !self.hosts[id].groups.contains(&g) {
                self.hosts[id].groups.push(g);
                self.groups[g].hosts.push(id);
            }
        }
        id
    }

    /// Sets a host var (later wins).
    pub(crate) fn set_host_var(&mut self, host: HostId, key: String, value: Value) {
        self.hosts[host].vars.insert(key, value);
    }

    /// Sets a group var; `ansible_group_priority` is consumed as the priority.
    pub(crate) fn set_group_var(
        &mut self,
        group: GroupId,
        key: String,
        value: Value,
        span: &Span,
    ) -> Result<(), InventoryError> {
        if key == "ansible_group_priority" {
            let priority = match &value {
                Value::Int(i) => Some(*i),
                Value::Bool(b) => Some(i64::from(*b)),
                Value::Float(f) if f.is_finite() => Some(f.trunc() as i64),
                Value::Str(s) => s.trim().parse().ok(),
                _ => None,
            };
            self.groups[group].priority =
                priority.ok_or_else(|| InventoryError::BadGroupPriority {
                    span: span.clone(),
                    group: self.groups[group].name.clone(),
                    found: crate::inventory::json::py_str(&value),
                })?;
            return Ok(());
        }
        self.groups[group].vars.insert(key, value);
        Ok(())
    }

    /// Whether `a` is `b` or one of its ancestors.
    fn is_ancestor_or_self(&self, a: GroupId, b: GroupId) -> bool {
        let mut stack = vec![b];
        let mut seen = vec![false; self.groups.len()];
        while let Some(g) = stack.pop() {
            if g == a {
                return true;
            }
            if !std::mem::replace(&mut seen[g], true) {
                stack.extend(self.groups[g].parents.iter().copied());
            }
        }
        false
    }

    /// Makes `child` a child of `parent`, refusing loops.
    pub(crate) fn add_child(
        &mut self,
        parent: GroupId,
        child: GroupId,
        span: &Span,
    ) -> Result<(), InventoryError> {
        if self.groups[parent].children.contains(&child) {
            return Ok(());
        }
        if self.is_ancestor_or_self(child, parent) {
            return Err(InventoryError::GroupCycle {
                span: span.clone(),
                parent: self.groups[parent].name.clone(),
                child: self.groups[child].name.clone(),
            });
        }
        self.groups[parent].children.push(child);
        if !self.groups[child].parents.contains(&parent) {
            self.groups[child].parents.push(parent);
        }
        Ok(())
    }

    /// Ansible's `reconcile_inventory`, run once after every source: roots
    /// join `all`, hosts in no group join `ungrouped`, `ungrouped` loses
    /// hosts that are elsewhere; then depths are computed.
    pub(crate) fn reconcile(&mut self) {
        for g in 0..self.groups.len() {
            if g != ALL && self.groups[g].parents.is_empty() {
                self.groups[ALL].children.push(g);
                self.groups[g].parents.push(ALL);
            }
        }
        for h in 0..self.hosts.len() {
            let groups = &self.hosts[h].groups;
            let in_ungrouped = groups.contains(&UNGROUPED);
            let elsewhere = groups.iter().any(|&g| g != ALL && g != UNGROUPED);
            if in_ungrouped && elsewhere {
                self.groups[UNGROUPED].hosts.retain(|&x| x != h);
                self.hosts[h].groups.retain(|&g| g != UNGROUPED);
            } else if !in_ungrouped && !elsewhere {
                self.groups[UNGROUPED].hosts.push(h);
                self.hosts[h].groups.push(UNGROUPED);
            }
        }
        let names: Vec<String> = self
            .hosts
            .keys()
            .filter(|h| self.groups.contains_key(*h))
            .cloned()
            .collect();
        for name in names {
            self.warn(
                None,
                format!("Found both group and host with same name: {name}"),
            );
        }
        self.compute_depths();
    }

    /// Depth = longest parent chain to `all`; the graph is acyclic here.
    fn compute_depths(&mut self) {
        let n = self.groups.len();
        let mut depth: Vec<Option<u32>> = vec![None; n];
        depth[ALL] = Some(0);
        for start in 0..n {
            let mut stack = vec![(start, false)];
            while let Some((g, expanded)) = stack.pop() {
                if depth[g].is_some() {
                    continue;
                }
                if expanded {
                    let d = self.groups[g]
                        .parents
                        .iter()
                        .filter_map(|&p| depth[p])
                        .max()
                        .map_or(0, |d| d + 1);
                    depth[g] = Some(d);
                } else {
                    stack.push((g, true));
                    for &p in &self.groups[g].parents {
                        if depth[p].is_none() {
                            stack.push((p, false));
                        }
                    }
                }
            }
        }
        for (g, d) in depth.into_iter().enumerate() {
            self.groups[g].depth = d.unwrap_or(0);
        }
    }

    /// Every group a host belongs to, ancestors included, without `all`,
    /// sorted as Ansible applies their vars: (depth, priority, name).
    pub(crate) fn sorted_groups_of(&self, host: HostId) -> Vec<GroupId> {
        let mut seen = vec![false; self.groups.len()];
        let mut stack: Vec<GroupId> = self.hosts[host].groups.clone();
        let mut out = Vec::new();
        while let Some(g) = stack.pop() {
            if std::mem::replace(&mut seen[g], true) {
                continue;
            }
            if g != ALL {
                out.push(g);
            }
            stack.extend(self.groups[g].parents.iter().copied());
        }
        out.sort_by(|&a, &b| {
            let (ga, gb) = (&self.groups[a], &self.groups[b]);
            (ga.depth, ga.priority, &ga.name).cmp(&(gb.depth, gb.priority, &gb.name))
        });
        out
    }

    /// Hosts of `group` and its descendants: the group's own hosts, then
    /// each descendant level in order, each host once (Ansible's
    /// `get_hosts`; its deeper levels follow set order, ours are stable).
    pub(crate) fn hosts_under(&self, group: GroupId) -> Vec<HostId> {
        let mut seen_g = vec![false; self.groups.len()];
        let mut seen_h = vec![false; self.hosts.len()];
        let mut level = vec![group];
        seen_g[group] = true;
        let mut out = Vec::new();
        while !level.is_empty() {
            let mut next = Vec::new();
            for &g in &level {
                for &h in &self.groups[g].hosts {
                    if !std::mem::replace(&mut seen_h[h], true) {
                        out.push(h);
                    }
                }
                for &c in &self.groups[g].children {
                    if !std::mem::replace(&mut seen_g[c], true) {
                        next.push(c);
                    }
                }
            }
            level = next;
        }
        out
    }
}
