//! `ansible-inventory --list --yaml`: the group tree as nested
//! `children`/`hosts`/`vars` mappings.
//!
//! A group seen before shows as `{}`; a host's vars appear under the first
//! group (in traversal order: child groups first) that lists it, and as `{}`
//! after that. Empty keys and empty groups are dropped. Text is PyYAML's
//! `yaml.dump(default_flow_style=False, allow_unicode=True)`, keys sorted.

use super::error::InventoryError;
use super::list::{available, ListOptions, VarsSource, VarsView};
use super::merged::FastMerged;
use super::model::{GroupId, HostId, ALL};
use super::Inventory;
use crate::value::{Map, Value};

pub(crate) fn yaml(inv: &Inventory, opts: &ListOptions<'_>) -> Result<String, InventoryError> {
    let data = inv.data();
    let mut avail = vec![false; data.hosts.len()];
    for h in available(inv, opts.limit)? {
        avail[h] = true;
    }
    let vs = VarsSource::new(inv, opts)?;
    let play = if opts.view == VarsView::Merged {
        vs.merged_play().cloned()
    } else {
        None
    };
    let mut st = State {
        inv,
        fast: (opts.view == VarsView::Merged).then(|| FastMerged {
            inv,
            play: play.as_ref(),
            cache: std::collections::HashMap::new(),
        }),
        shared: Vec::new(),
        vs,
        export: opts.view == VarsView::Export,
        avail,
        seen_hosts: vec![false; data.hosts.len()],
        seen_groups: vec![false; data.groups.len()],
    };
    let mut top = Map::new();
    if let Some(v) = st.group(ALL, 0) {
        top.insert("all".into(), v);
    }
    let top = sorted(&Value::Map(top));
    if st.shared.is_empty() {
        return Ok(dump(&top));
    }
    Ok(super::yaml_anchors::dump_shared(&top, &st.shared))
}

struct State<'i> {
    inv: &'i Inventory,
    /// Merged view: host vars as references, so values shared between
    /// hosts (group-level lists and dicts) are recognised by address.
    fast: Option<FastMerged<'i>>,
    /// Shared-candidate values, by placeholder index.
    shared: Vec<&'i Value>,
    vs: VarsSource<'i>,
    export: bool,
    avail: Vec<bool>,
    seen_hosts: Vec<bool>,
    seen_groups: Vec<bool>,
}

impl<'i> State<'i> {
    /// A host's vars; lists and dicts are replaced by placeholders that
    /// [`super::yaml_anchors`] resolves.
    fn host_vars(&mut self, h: HostId) -> Map {
        let Some(fast) = self.fast.as_mut() else {
            return self.vs.host(h);
        };
        let mut out = Map::new();
        for (k, v) in fast.host(h) {
            let value = match v {
                Value::List(l) if !l.is_empty() => {
                    super::yaml_anchors::placeholder(&mut self.shared, v)
                }
                Value::Map(m) if !m.is_empty() => {
                    super::yaml_anchors::placeholder(&mut self.shared, v)
                }
                other => other.clone(),
            };
            out.insert(k.to_owned(), value);
        }
        out
    }

    fn group(&mut self, g: GroupId, depth: usize) -> Option<Value> {
        let data = self.inv.data();
        let mut body = Map::new();
        let mut children = Map::new();
        if depth < 512 {
            for &c in &data.groups[g].children {
                if c == ALL {
                    continue;
                }
                let name = data.groups[c].name.clone();
                if self.seen_groups[c] {
                    children.insert(name, Value::Map(Map::new()));
                } else {
                    if let Some(v) = self.group(c, depth + 1) {
                        children.insert(name, v);
                    }
                    self.seen_groups[c] = true;
                }
            }
        }
        let mut hosts = Map::new();
        if g != ALL {
            for &h in &data.groups[g].hosts {
                if !self.avail[h] {
                    continue;
                }
                let vars = if std::mem::replace(&mut self.seen_hosts[h], true) {
                    Map::new()
                } else {
                    self.host_vars(h)
                };
                hosts.insert(data.hosts[h].name.clone(), Value::Map(vars));
            }
        }
        if !children.is_empty() {
            body.insert("children".into(), Value::Map(children));
        }
        if !hosts.is_empty() {
            body.insert("hosts".into(), Value::Map(hosts));
        }
        if self.export {
            let vars = self.vs.group(g);
            if !vars.is_empty() {
                body.insert("vars".into(), Value::Map(vars));
            }
        }
        (!body.is_empty()).then_some(Value::Map(body))
    }
}

/// PyYAML block dump with sorted keys.
pub(crate) fn dump(v: &Value) -> String {
    crate::yaml::dump(&sorted(v), crate::yaml::DumpStyle::Block)
}

pub(crate) fn sorted(v: &Value) -> Value {
    match v {
        Value::Map(m) => {
            let mut entries: Vec<(&String, &Value)> = m.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            Value::Map(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.clone(), sorted(v)))
                    .collect(),
            )
        }
        Value::List(l) => Value::List(l.iter().map(sorted).collect()),
        other => other.clone(),
    }
}
