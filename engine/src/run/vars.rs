//! Assembling a host's variables for one task, in Ansible's precedence
//! order (lowest first):
//!
//! role defaults < inventory (group and host vars, both sides) < facts <
//! play vars and vars_files < role vars < block and task vars <
//! include_vars < set_fact and register < role params < include params <
//! extra vars, then the magic variables, which nothing overrides.

use super::host::{HostState, SharedVars};
use super::live::LiveInventory;
use crate::plan::TaskStep;
use crate::playbook::keyword_table::Keyword;
use crate::template::{HostVars, Vars};
use crate::value::{Map, Value};
use indexmap::IndexMap;
use std::sync::{Arc, RwLock};

/// Play-wide values every task's variables start from.
pub(crate) struct PlayVars {
    /// Play `vars` + `vars_files`.
    pub play: Map,
    /// `-e` values.
    pub extra: Arc<Map>,
    /// Magic variables shared by all hosts of the play (`groups`,
    /// `playbook_dir`, `ansible_play_hosts`, `ansible_check_mode`, ...).
    pub magic: Map,
    /// Per-host magic (`inventory_hostname`, `group_names`, ...).
    pub host_magic: IndexMap<String, Map>,
    /// The `hostvars` table.
    pub hostvars: Arc<HostTable>,
    /// The run's inventory, which `group_by` and `add_host` change.
    pub live: Arc<LiveInventory>,
    /// Its [`LiveInventory::changes`] when `magic` and `host_magic` were
    /// made: once it moves, `groups` and `group_names` are read anew.
    pub changes_seen: u64,
    /// The play's roles as `include_role` adds to them.
    pub roles: RwLock<PlayRoles>,
    /// The connection of the run's configuration or `-c`, else `ssh`:
    /// what `ansible_connection` is in a task where neither a variable
    /// nor the `connection` keyword names one.
    pub default_connection: String,
}

/// The roles of a play (`ansible_play_role_names`) and their
/// dependencies, as ansible-core's `play.roles` grows.
#[derive(Clone, Debug, Default)]
pub(crate) struct PlayRoles {
    pub named: Vec<String>,
    pub dependent: std::collections::BTreeSet<String>,
    /// An include added some since `magic` was made.
    pub grown: bool,
}

impl PlayRoles {
    /// `role_names`, `ansible_play_role_names`,
    /// `ansible_dependent_role_names` and `ansible_role_names` (both, a set
    /// in ansible-core: sorted here).
    pub(crate) fn magic(&self) -> [(&'static str, Value); 4] {
        let list = |v: &mut dyn Iterator<Item = &String>| {
            Value::List(v.map(|s| Value::Str(s.clone())).collect())
        };
        let mut all: std::collections::BTreeSet<&String> = self.named.iter().collect();
        all.extend(self.dependent.iter());
        [
            ("role_names", list(&mut self.named.iter())),
            ("ansible_play_role_names", list(&mut self.named.iter())),
            (
                "ansible_dependent_role_names",
                list(&mut self.dependent.iter()),
            ),
            ("ansible_role_names", list(&mut all.into_iter())),
        ]
    }
}

impl PlayVars {
    /// Roles an `include_role` brought into the play.
    pub(crate) fn add_roles(&self, named: &[String], dependent: &[String]) {
        if named.is_empty() && dependent.is_empty() {
            return;
        }
        let mut roles = self.roles.write().unwrap_or_else(|e| e.into_inner());
        roles.named.extend(named.iter().cloned());
        roles.dependent.extend(dependent.iter().cloned());
        roles.grown = true;
    }
}

/// All hosts' variables, for `hostvars[...]`.
pub(crate) struct HostTable {
    /// Inventory hosts, with those `add_host` adds.
    pub hosts: RwLock<IndexMap<String, Arc<SharedVars>>>,
    pub extra: Arc<Map>,
    /// `localhost` when the inventory does not name it: as in
    /// ansible-core, `hostvars['localhost']` and `delegate_facts` to it
    /// work, and iterating `hostvars` does not show it.
    pub implicit_localhost: Option<Arc<SharedVars>>,
    /// For each host's `group_names`.
    pub live: Arc<LiveInventory>,
}

impl HostTable {
    /// The shared variables of `host` (an inventory host or the implicit
    /// `localhost`).
    pub(crate) fn shared(&self, host: &str) -> Option<Arc<SharedVars>> {
        let found = self.hosts.read().ok().and_then(|h| h.get(host).cloned());
        found.or_else(|| {
            self.implicit_localhost
                .clone()
                .filter(|_| host == "localhost")
        })
    }
}

impl HostVars for HostTable {
    fn host_names(&self) -> Vec<String> {
        self.hosts
            .read()
            .map(|h| h.keys().cloned().collect())
            .unwrap_or_default()
    }

    fn vars_of(&self, host: &str) -> Option<Vars> {
        let shared = self.shared(host)?;
        let mut m = (*shared.inventory()).clone();
        if let Ok(d) = shared.dynamic.read() {
            extend(&mut m, &d);
        }
        extend(&mut m, &self.extra);
        // The magic variables ansible-core's `hostvars[host]` holds that
        // are the host's own.
        m.insert("inventory_hostname".into(), Value::Str(host.to_owned()));
        m.insert(
            "inventory_hostname_short".into(),
            Value::Str(short_name(host).to_owned()),
        );
        m.insert("group_names".into(), self.live.group_names(host));
        Some(Vars::new(Arc::new(m)))
    }
}

/// `inventory_hostname_short`: up to the first dot, an IP address whole.
pub(crate) fn short_name(host: &str) -> &str {
    if host.parse::<std::net::IpAddr>().is_ok() {
        host
    } else {
        host.split('.').next().unwrap_or(host)
    }
}

fn extend(into: &mut Map, from: &Map) {
    for (k, v) in from {
        into.insert(k.clone(), v.clone());
    }
}

/// The merged variables of `host` for `task` (or for play-level work when
/// `task` is `None`), plus `extra` overlay (include params).
pub(crate) fn task_vars(pv: &PlayVars, host: &HostState, task: Option<&TaskStep>) -> Vars {
    let inventory = host.shared.inventory();
    let mut m = Map::with_capacity(inventory.len() + pv.play.len() + 64);
    let role = task.and_then(|t| t.role.as_deref());
    if let Some(r) = role {
        extend(&mut m, &r.defaults);
    }
    extend(&mut m, &inventory);
    extend(&mut m, &host.facts);
    extend(&mut m, &pv.play);
    if let Some(r) = role {
        extend(&mut m, &r.vars);
    }
    if let Some(t) = task {
        t.keywords.read(Keyword::Vars);
        extend(&mut m, &t.vars);
    }
    extend(&mut m, &host.included);
    extend(&mut m, &host.set_facts);
    if let Some(r) = role {
        extend(&mut m, &r.params);
        m.insert("role_name".into(), Value::Str(r.name.clone()));
        // Absolute, as Ansible's (content joins paths onto it).
        let path = std::path::absolute(&r.path).unwrap_or_else(|_| r.path.clone());
        m.insert("role_path".into(), Value::Str(path.display().to_string()));
    }
    extend(&mut m, &pv.extra);
    extend(&mut m, &pv.magic);
    if let Some(hm) = pv.host_magic.get(&host.name) {
        extend(&mut m, hm);
    }
    if let Ok(roles) = pv.roles.read() {
        if roles.grown {
            for (k, v) in roles.magic() {
                m.insert(k.into(), v);
            }
        }
    }
    if pv.live.changes() != pv.changes_seen {
        m.insert("groups".into(), pv.live.groups_var());
        m.insert("group_names".into(), pv.live.group_names(&host.name));
    }
    if let Some(t) = task {
        m.insert("ansible_search_path".into(), search_path(pv, t));
    }
    // ansible-core's `PlayContext.update_vars`: a task sees the connection
    // it runs with as `ansible_connection` (its keyword, else the
    // default) even when no variable sets it. It is what the task's
    // connection would be anyway, so reading it back as a variable
    // changes nothing. Not for play-level work: the implicit gathering
    // decides its connection from the play's keywords after these
    // variables, which a default here would override.
    if let Some(t) = task.filter(|_| !m.contains_key("ansible_connection")) {
        let keyword = t.connection.connection.clone();
        let connection = keyword.unwrap_or_else(|| pv.default_connection.clone());
        m.insert("ansible_connection".into(), Value::Str(connection));
    }
    let mut vars = Vars::new(Arc::new(m));
    vars.set_hostvars(pv.hostvars.clone());
    if let Some(t) = task {
        vars.set_search_paths(t.search_paths.clone());
    }
    vars
}

/// `ansible_search_path`: ansible-core's `task.get_search_path()`, the
/// task's role, the directory of its file, then the playbook's, each
/// once and absolute.
fn search_path(pv: &PlayVars, t: &TaskStep) -> Value {
    let mut dirs: Vec<std::path::PathBuf> = Vec::new();
    let mut add = |p: &std::path::Path| {
        let p = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
        if !dirs.contains(&p) {
            dirs.push(p);
        }
    };
    if let Some(r) = t.role.as_deref() {
        add(&r.path);
    }
    // A relative file name is relative to the working directory.
    match std::path::Path::new(&*t.span.file).parent() {
        Some(dir) if !dir.as_os_str().is_empty() => add(dir),
        _ => add(std::path::Path::new(".")),
    }
    if let Some(Value::Str(d)) = pv.magic.get("playbook_dir") {
        add(std::path::Path::new(d));
    }
    Value::List(
        dirs.iter()
            .map(|d| Value::Str(d.display().to_string()))
            .collect(),
    )
}

/// The variables of `delegate` for `task`, which its connection settings
/// come from under `delegate_to`: the delegate's inventory and run-time
/// variables, then the play's, the role's and the task's, then `-e`
/// (ansible-core computes a delegate's variables with the same play and
/// task). A name outside the inventory has none of its own, except the
/// implicit `localhost`, which connects locally.
pub(crate) fn delegate_vars(pv: &PlayVars, delegate: &str, task: &TaskStep) -> Vars {
    let mut vars = Vars::new(Arc::new(delegate_map(pv, delegate, task)));
    vars.set_hostvars(pv.hostvars.clone());
    vars
}

/// The map [`delegate_vars`] holds.
pub(crate) fn delegate_map(pv: &PlayVars, delegate: &str, task: &TaskStep) -> Map {
    let mut m = Map::new();
    let role = task.role.as_deref();
    if let Some(r) = role {
        extend(&mut m, &r.defaults);
    }
    match pv.hostvars.shared(delegate) {
        Some(shared) => {
            extend(&mut m, &shared.inventory());
            if let Ok(d) = shared.dynamic.read() {
                extend(&mut m, &d);
            }
        }
        None if matches!(delegate, "localhost" | "127.0.0.1" | "::1") => {
            m.insert("ansible_connection".into(), Value::Str("local".into()));
        }
        None => {}
    }
    extend(&mut m, &pv.play);
    if let Some(r) = role {
        extend(&mut m, &r.vars);
    }
    extend(&mut m, &task.vars);
    extend(&mut m, &pv.extra);
    m.insert("inventory_hostname".into(), Value::Str(delegate.to_owned()));
    m
}
