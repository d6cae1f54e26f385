//! `ansible-inventory --list` (JSON) and `--host`, byte for byte.
//!
//! Shape (2.19, `_meta.profile` left out): one key per group that has
//! direct hosts, children or (with `--export`) vars; `all` never lists
//! hosts; `_meta.hostvars` has every selected host with at least one var.
//! Hosts and children keep insertion order; dict keys are sorted.
//!
//! Performance: a host's group levels depend only on its set of groups, so
//! they are merged once per distinct set and reused; JSON is written
//! straight into one buffer.

use super::error::InventoryError;
use super::json::{write_json_map, write_json_str};
use super::merged::{write_json_sorted, FastMerged};
use super::model::{GroupId, HostId, ALL};
use super::pattern::Selected;
use super::precedence::{self, Layer};
use super::Inventory;
use crate::value::{Map, Value};
use std::collections::HashMap;
use std::path::Path;

/// Which variables the output shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VarsView {
    /// Hosts' fully merged vars (the default view).
    #[default]
    Merged,
    /// `--export`: groups carry their own `vars`, hosts only their own vars.
    Export,
}

/// Options shared by `--list`, `--graph`, `--host` and `--yaml`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ListOptions<'a> {
    /// Merged or `--export` vars.
    pub view: VarsView,
    /// `--playbook-dir`, as given.
    pub playbook_dir: Option<&'a Path>,
    /// The directory `ansible-inventory` runs in: without `--playbook-dir`
    /// Ansible reads `group_vars/`/`host_vars/` there for the merged view.
    pub cwd: Option<&'a Path>,
    /// `--limit`.
    pub limit: Option<&'a str>,
    /// `--graph --vars`.
    pub show_vars: bool,
}

/// Computes the vars the output shows, with the per-group-set cache.
pub(crate) struct VarsSource<'i> {
    inv: &'i Inventory,
    view: VarsView,
    /// Playbook-side layer for the merged view (`--playbook-dir` or cwd).
    merged_play: Option<Layer>,
    /// Playbook-side layer for `--export` (only an explicit `--playbook-dir`).
    export_play: Option<Layer>,
    cache: HashMap<Vec<GroupId>, Map>,
}

impl<'i> VarsSource<'i> {
    pub(crate) fn new(
        inv: &'i Inventory,
        opts: &ListOptions<'_>,
    ) -> Result<VarsSource<'i>, InventoryError> {
        let export_play = inv.play_layer(opts.playbook_dir)?;
        let merged_play = match (opts.view, opts.playbook_dir) {
            (VarsView::Merged, Some(_)) => export_play.clone(),
            (VarsView::Merged, None) => inv.play_layer(opts.cwd)?,
            (VarsView::Export, _) => None,
        };
        Ok(VarsSource {
            inv,
            view: opts.view,
            merged_play,
            export_play,
            cache: HashMap::new(),
        })
    }

    /// The playbook-side layer of the merged view.
    pub(crate) fn merged_play(&self) -> Option<&Layer> {
        self.merged_play.as_ref()
    }

    /// What `_get_host_variables` returns for host `h`.
    pub(crate) fn host(&mut self, h: HostId) -> Map {
        let data = self.inv.data();
        let layers = self.inv.layers();
        let mut vars = match self.view {
            VarsView::Merged => {
                let groups = data.sorted_groups_of(h);
                let play = self.merged_play.as_ref();
                let base = self
                    .cache
                    .entry(groups)
                    .or_insert_with_key(|g| precedence::group_levels(data, g, layers, play));
                let mut vars = base.clone();
                precedence::host_levels(&mut vars, data, h, layers, play);
                vars
            }
            VarsView::Export => {
                let mut vars = Map::new();
                precedence::host_levels(&mut vars, data, h, layers, self.export_play.as_ref());
                vars
            }
        };
        precedence::remove_internal(&mut vars);
        vars
    }

    /// What `_get_group_variables` returns for group `g`.
    pub(crate) fn group(&self, g: GroupId) -> Map {
        let data = self.inv.data();
        let mut vars = data.groups[g].vars.clone();
        for layer in self.inv.layers().iter().chain(self.export_play.as_ref()) {
            for (k, v) in layer.group(g) {
                vars.insert(k.clone(), v.clone());
            }
        }
        if data.groups[g].priority != 1 {
            vars.insert(
                "ansible_group_priority".into(),
                Value::Int(data.groups[g].priority),
            );
        }
        precedence::remove_internal(&mut vars);
        vars
    }
}

/// Selected hosts (`--limit` applied), inventory hosts only.
pub(crate) fn available(
    inv: &Inventory,
    limit: Option<&str>,
) -> Result<Vec<HostId>, InventoryError> {
    let data = inv.data();
    match limit {
        None => Ok(data.hosts_under(ALL)),
        Some(limit) => Ok(super::pattern::select(data, "all", Some(limit))?
            .into_iter()
            .filter_map(|s| match s {
                Selected::Host(h) => Some(h),
                Selected::ImplicitLocalhost(_) => None,
            })
            .collect()),
    }
}

struct GroupOut {
    hosts: Vec<HostId>,
    children: Vec<GroupId>,
    vars: Map,
}

pub(crate) fn json(inv: &Inventory, opts: &ListOptions<'_>) -> Result<String, InventoryError> {
    let data = inv.data();
    let hosts = available(inv, opts.limit)?;
    let mut avail = vec![false; data.hosts.len()];
    for &h in &hosts {
        avail[h] = true;
    }
    let mut vs = VarsSource::new(inv, opts)?;
    // Groups reachable from `all`, each once.
    let mut entries: Vec<(GroupId, GroupOut)> = Vec::new();
    let mut seen = vec![false; data.groups.len()];
    let mut stack = vec![ALL];
    while let Some(g) = stack.pop() {
        let group = &data.groups[g];
        let out = GroupOut {
            hosts: if g == ALL {
                Vec::new()
            } else {
                group.hosts.iter().copied().filter(|&h| avail[h]).collect()
            },
            children: group.children.clone(),
            vars: if opts.view == VarsView::Export {
                vs.group(g)
            } else {
                Map::new()
            },
        };
        for &c in group.children.iter().rev() {
            if !std::mem::replace(&mut seen[c], true) {
                stack.push(c);
            }
        }
        if !(out.hosts.is_empty() && out.children.is_empty() && out.vars.is_empty()) {
            entries.push((g, out));
        }
    }
    entries.sort_by(|a, b| data.groups[a.0].name.cmp(&data.groups[b.0].name));
    let mut host_order = hosts;
    host_order.sort_by(|&a, &b| data.hosts[a].name.cmp(&data.hosts[b].name));

    let mut out = String::with_capacity(256 * (host_order.len() + 1));
    out.push('{');
    let mut first = true;
    let mut meta_written = false;
    let merged = opts.view == VarsView::Merged;
    let play = if merged {
        vs.merged_play().cloned()
    } else {
        None
    };
    let mut fast = FastMerged {
        inv,
        play: play.as_ref(),
        cache: HashMap::new(),
    };
    let mut write_meta = |out: &mut String, vs: &mut VarsSource<'_>| {
        out.push_str("\n    \"_meta\": {\n        \"hostvars\": {");
        let mut any = false;
        for &h in &host_order {
            let owned;
            let vars = if merged {
                fast.host(h)
            } else {
                owned = vs.host(h);
                let mut v: Vec<(&str, &Value)> =
                    owned.iter().map(|(k, v)| (k.as_str(), v)).collect();
                v.sort_unstable_by(|a, b| a.0.cmp(b.0));
                v
            };
            if vars.is_empty() {
                continue;
            }
            out.push_str(if any {
                ",\n            "
            } else {
                "\n            "
            });
            any = true;
            write_json_str(out, &data.hosts[h].name);
            out.push_str(": ");
            write_json_sorted(out, &vars, 3);
        }
        out.push_str(if any {
            "\n        }\n    }"
        } else {
            "}\n    }"
        });
    };
    for (g, group) in &entries {
        let name = &data.groups[*g].name;
        if !meta_written && name.as_str() > "_meta" {
            write_meta(&mut out, &mut vs);
            meta_written = true;
            first = false;
        }
        if !first {
            out.push(',');
        }
        first = false;
        out.push_str("\n    ");
        write_json_str(&mut out, name);
        out.push_str(": {");
        let mut sep = "\n        ";
        if !group.children.is_empty() {
            out.push_str(sep);
            out.push_str("\"children\": [");
            write_names(
                &mut out,
                group.children.iter().map(|&c| data.groups[c].name.as_str()),
            );
            sep = ",\n        ";
        }
        if !group.hosts.is_empty() {
            out.push_str(sep);
            out.push_str("\"hosts\": [");
            write_names(
                &mut out,
                group.hosts.iter().map(|&h| data.hosts[h].name.as_str()),
            );
            sep = ",\n        ";
        }
        if !group.vars.is_empty() {
            out.push_str(sep);
            out.push_str("\"vars\": ");
            write_json_map(&mut out, group.vars.iter(), 2);
        }
        out.push_str("\n    }");
    }
    if !meta_written {
        if !first {
            out.push(',');
        }
        write_meta(&mut out, &mut vs);
    }
    out.push_str("\n}");
    Ok(out)
}

fn write_names<'a>(out: &mut String, names: impl Iterator<Item = &'a str>) {
    let mut first = true;
    for n in names {
        out.push_str(if first {
            "\n            "
        } else {
            ",\n            "
        });
        first = false;
        write_json_str(out, n);
    }
    out.push_str("\n        ]");
}

/// `--host HOST`: the pattern must select exactly one host.
pub(crate) fn host_output(
    inv: &Inventory,
    host: &str,
    opts: &ListOptions<'_>,
    yaml: bool,
) -> Result<String, InventoryError> {
    let selected = super::pattern::select(inv.data(), host, None)?;
    let [one] = selected.as_slice() else {
        return Err(InventoryError::BadPattern {
            pattern: host.to_owned(),
            expected: "expected a pattern that selects exactly one host for `--host`".to_owned(),
        });
    };
    let vars = match *one {
        Selected::Host(h) => VarsSource::new(inv, opts)?.host(h),
        Selected::ImplicitLocalhost(name) => {
            let play = match opts.playbook_dir.or(opts.cwd) {
                Some(d) if opts.view == VarsView::Merged => inv.play_layer(Some(d))?,
                _ => None,
            };
            let mut vars = precedence::group_levels(inv.data(), &[], inv.layers(), play.as_ref());
            vars.insert("ansible_connection".into(), Value::from("local"));
            let _ = name;
            vars
        }
    };
    // `--host` prints `!unsafe` strings as plain strings (`--list` does not).
    let value = plain_strings(Value::Map(vars));
    Ok(if yaml {
        super::yaml_out::dump(&value)
    } else {
        super::json::to_json(&value)
    })
}

/// `!unsafe` strings as plain strings, recursively.
fn plain_strings(v: Value) -> Value {
    match v {
        Value::Unsafe(s) => Value::Str(s),
        Value::List(l) => Value::List(l.into_iter().map(plain_strings).collect()),
        Value::Map(m) => Value::Map(m.into_iter().map(|(k, v)| (k, plain_strings(v))).collect()),
        other => other,
    }
}
