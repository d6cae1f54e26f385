//! The inventory as a run changes it: `group_by` (a host joins a group)
//! and `add_host` (a host, its groups and variables), with the effects of
//! ansible-core's `InventoryManager.add_dynamic_group` and
//! `add_dynamic_host`: what is new makes the result `changed`, groups
//! without parents join `all`, hosts leave `ungrouped`, and the
//! `group_vars`/`host_vars` beside the inventory apply to the new groups
//! and hosts (ansible-core reads them per task for the host's current
//! groups).

use super::address::parse_address;
use super::model::ALL;
use super::precedence::Layer;
use super::source::SourceKind;
use super::Inventory;
use crate::value::Map;

/// A change [`Inventory::add_dynamic_group`] refused.
#[derive(Debug, thiserror::Error)]
pub enum DynamicError {
    /// The host is not in the inventory.
    #[error("{0} cannot be matched in inventory")]
    UnknownHost(String),
    /// A parent that is the group itself or below it.
    #[error("Adding group '{child}' as child to '{parent}' creates a recursive dependency loop.")]
    Loop {
        /// The group that was to be a child.
        child: String,
        /// The parent asked for.
        parent: String,
    },
    /// Reading the new groups' `group_vars`.
    #[error(transparent)]
    Vars(#[from] super::InventoryError),
}

impl Inventory {
    /// `group_by`: puts `host` in `group` and `group` under each of
    /// `parents` (each made if new). True when anything changed.
    ///
    /// # Errors
    ///
    /// A host not in the inventory, a parent that would make a loop, or a
    /// `group_vars` file of a new group that does not parse.
    pub fn add_dynamic_group(
        &mut self,
        host: &str,
        group: &str,
        parents: &[String],
    ) -> Result<bool, DynamicError> {
        let h = self
            .data
            .hosts
            .get_index_of(host)
            .ok_or_else(|| DynamicError::UnknownHost(host.to_owned()))?;
        let mut changed = false;
        let g = self.data.add_group(group);
        for p in parents {
            changed |= !self.data.groups.contains_key(p.as_str());
            let pid = self.data.add_group(p);
            if self.data.groups[pid].children.contains(&g) {
                continue;
            }
            let span = crate::source::Span::file("group_by");
            self.data
                .add_child(pid, g, &span)
                .map_err(|_| DynamicError::Loop {
                    child: group.to_owned(),
                    parent: p.clone(),
                })?;
            changed = true;
        }
        if !self.data.hosts[h].groups.contains(&g) && g != ALL {
            self.join(h, g);
            changed = true;
        }
        self.settle(changed)?;
        Ok(changed)
    }

    /// `add_host`: adds host `name` if new, merges `vars` into its own
    /// variables and puts it in each of `groups` (made if new). True when
    /// anything changed.
    ///
    /// # Errors
    ///
    /// A `group_vars`/`host_vars` file of the new entries that does not
    /// parse.
    pub fn add_dynamic_host(
        &mut self,
        name: &str,
        groups: &[String],
        vars: &Map,
    ) -> Result<bool, DynamicError> {
        let mut changed = !self.data.hosts.contains_key(name);
        let h = self.data.add_host(name, None, None, None);
        for (k, v) in vars {
            if self.data.hosts[h].vars.get(k) != Some(v) {
                self.data.set_host_var(h, k.clone(), v.clone());
                changed = true;
            }
        }
        for group in groups {
            changed |= !self.data.groups.contains_key(group.as_str());
            let g = self.data.add_group(group);
            if !self.data.hosts[h].groups.contains(&g) {
                self.join(h, g);
                changed = true;
            }
        }
        self.settle(changed)?;
        Ok(changed)
    }

    /// `host[:port]` as `add_host` reads its name: the host, and the port
    /// when one is given (text that is no address is a name as it is).
    pub fn split_host_port(name: &str) -> (String, Option<u32>) {
        match parse_address(name, false) {
            Some(a) => (a.host.to_owned(), a.port),
            None => (name.to_owned(), None),
        }
    }

    /// Puts host `h` in group `g`, among its hosts in inventory order:
    /// hosts run a task in parallel, and the order they finish in must
    /// not decide `groups[g]`.
    fn join(&mut self, h: usize, g: usize) {
        let hosts = &mut self.data.groups[g].hosts;
        let at = hosts.partition_point(|&x| x < h);
        hosts.insert(at, h);
        self.data.hosts[h].groups.push(g);
    }

    /// After a change: Ansible's `reconcile_inventory`, then the vars
    /// directories read again for the groups and hosts there are now.
    fn settle(&mut self, changed: bool) -> Result<(), DynamicError> {
        if !changed {
            return Ok(());
        }
        self.data.reconcile();
        let mut layers = Vec::new();
        for kind in &self.sources {
            if let SourceKind::Path(dir) = kind {
                if let Some(layer) = Layer::load(dir, &self.data, &mut Vec::new())? {
                    layers.push(layer);
                }
            }
        }
        self.layers = layers;
        if let Some((dir, _)) = self.playbook.take() {
            self.keep_playbook_layer(&dir)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;

    fn inv() -> Inventory {
        Inventory::from_ini_str("a\nb\n[web]\nc\n", "inline").expect("inventory")
    }

    #[test]
    fn group_by_changes_only_what_is_new() {
        let mut i = inv();
        let all = ["all".to_owned()];
        assert!(i.add_dynamic_group("a", "os_x", &all).unwrap());
        assert_eq!(i.group_names("a"), ["os_x"]);
        assert!(!i.add_dynamic_group("a", "os_x", &all).unwrap());
        assert!(i.add_dynamic_group("b", "os_x", &all).unwrap());
        assert_eq!(i.select("os_x").unwrap(), ["a", "b"]);
        assert_eq!(i.select("ungrouped").unwrap(), Vec::<String>::new());
        // A new parent is made, and holds the group.
        assert!(i
            .add_dynamic_group("c", "os_x", &["linux".to_owned()])
            .unwrap());
        assert_eq!(i.select("linux").unwrap(), ["a", "b", "c"]);
        assert!(matches!(
            i.add_dynamic_group("c", "linux", &["os_x".to_owned()]),
            Err(DynamicError::Loop { .. })
        ));
        assert!(matches!(
            i.add_dynamic_group("zz", "g", &all),
            Err(DynamicError::UnknownHost(_))
        ));
    }

    #[test]
    fn add_host_adds_groups_and_vars() {
        let mut i = inv();
        let mut vars = Map::new();
        vars.insert("k".into(), Value::Int(1));
        let (name, port) = Inventory::split_host_port("new.example:2222");
        assert_eq!((name.as_str(), port), ("new.example", Some(2222)));
        assert_eq!(Inventory::split_host_port("a b").0, "a b");
        let groups = ["web".to_owned(), "extra".to_owned()];
        assert!(i.add_dynamic_host(&name, &groups, &vars).unwrap());
        assert_eq!(i.select("extra").unwrap(), ["new.example"]);
        let v = i.host_vars_with_playbook("new.example", None).unwrap();
        assert_eq!(v.get("k"), Some(&Value::Int(1)));
        assert!(!i.add_dynamic_host(&name, &groups[..1], &vars).unwrap());
        // Alone it is ungrouped, as ansible-core's reconcile leaves it.
        assert!(i.add_dynamic_host("lone", &[], &Map::new()).unwrap());
        assert_eq!(i.select("ungrouped").unwrap(), ["a", "b", "lone"]);
    }
}
