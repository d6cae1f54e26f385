//! The run's inventory as its tasks change it: `group_by` puts a host in
//! a group, `add_host` adds a host (see [`crate::inventory::DynamicError`]
//! for the rules). Later tasks see the new `groups` and `group_names`,
//! the variables of the new groups (`group_vars/` beside the inventory
//! and the playbook) and `hostvars` of the new hosts; later plays select
//! them by pattern.

use super::host::SharedVars;
use super::vars::HostTable;
use crate::inventory::{DynamicError, Inventory};
use crate::report::{Event, Reporter};
use crate::value::{Map, Value};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard};

/// The inventory shared by every host of the run.
pub(crate) struct LiveInventory {
    inventory: RwLock<Inventory>,
    /// Where the playbook's own `group_vars/` and `host_vars/` are.
    playbook_dir: PathBuf,
    /// `force_valid_group_names = ignore`.
    quiet_group_names: bool,
    /// How many changes were made: what [`super::vars::PlayVars`] made
    /// before one must read again.
    changes: AtomicU64,
}

impl LiveInventory {
    pub(crate) fn new(
        mut inventory: Inventory,
        playbook_dir: PathBuf,
        quiet_group_names: bool,
    ) -> LiveInventory {
        // Read once for every host's variables; a file that does not parse
        // is not kept, and each `host_vars` then reports it.
        let _ = inventory.keep_playbook_layer(&playbook_dir);
        LiveInventory {
            inventory: RwLock::new(inventory),
            playbook_dir,
            quiet_group_names,
            changes: AtomicU64::new(0),
        }
    }

    /// The inventory as it is now.
    pub(crate) fn read(&self) -> RwLockReadGuard<'_, Inventory> {
        self.inventory
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn changes(&self) -> u64 {
        self.changes.load(Ordering::Acquire)
    }

    /// `groups`: every group and its hosts.
    pub(crate) fn groups_var(&self) -> Value {
        Value::Map(
            self.read()
                .groups_var()
                .into_iter()
                .map(|(g, hs)| (g, names(&hs)))
                .collect(),
        )
    }

    /// `group_names` of `host`.
    pub(crate) fn group_names(&self, host: &str) -> Value {
        names(&self.read().group_names(host))
    }

    /// `host`'s inventory-level variables (levels 3-10, the playbook's
    /// `group_vars/` and `host_vars/` included).
    pub(crate) fn host_vars(&self, host: &str) -> Result<Map, String> {
        self.read()
            .host_vars_with_playbook(host, Some(&self.playbook_dir))
            .map_err(|e| e.to_string())
    }

    /// `group_by` for `host`: whether anything changed. The variables of
    /// the hosts whose groups it changed (`host`, and every member of
    /// `group` when its parents changed) are read again into `table`.
    pub(crate) fn add_group(
        &self,
        reporter: &dyn Reporter,
        table: &HostTable,
        host: &str,
        group: &str,
        parents: &[String],
    ) -> Result<bool, String> {
        let before: Vec<(String, Vec<String>)> = {
            let inv = self.read();
            let members = inv.select(group).unwrap_or_default();
            members
                .into_iter()
                .map(|h| {
                    let groups = inv.group_names(&h);
                    (h, groups)
                })
                .collect()
        };
        let changed = self.edit(reporter, |i| i.add_dynamic_group(host, group, parents))?;
        if changed {
            let moved: Vec<String> = {
                let inv = self.read();
                let mut moved: Vec<String> = before
                    .into_iter()
                    .filter(|(h, groups)| inv.group_names(h) != *groups)
                    .map(|(h, _)| h)
                    .collect();
                if !moved.iter().any(|h| h == host) {
                    moved.push(host.to_owned());
                }
                moved
            };
            for h in moved {
                if let Some(shared) = table.shared(&h) {
                    shared.set_inventory(self.host_vars(&h)?);
                }
            }
        }
        Ok(changed)
    }

    /// `add_host`: whether anything changed. A new host gets its
    /// `hostvars` entry in `table`.
    pub(crate) fn add_host(
        &self,
        reporter: &dyn Reporter,
        table: &HostTable,
        host: &str,
        groups: &[String],
        vars: &Map,
    ) -> Result<bool, String> {
        let changed = self.edit(reporter, |i| i.add_dynamic_host(host, groups, vars))?;
        if changed {
            let vars = self.host_vars(host)?;
            match table.shared(host) {
                Some(shared) => shared.set_inventory(vars),
                None => {
                    if let Ok(mut hosts) = table.hosts.write() {
                        hosts.insert(host.to_owned(), SharedVars::new(Arc::new(vars)));
                    }
                }
            }
        }
        Ok(changed)
    }

    /// Runs one change; the warnings it raised (a group name Ansible
    /// finds invalid, the first time) go to `reporter`.
    fn edit<T>(
        &self,
        reporter: &dyn Reporter,
        f: impl FnOnce(&mut Inventory) -> Result<T, DynamicError>,
    ) -> Result<T, String> {
        let mut inventory = self
            .inventory
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let before = inventory.warnings().len();
        let out = f(&mut inventory).map_err(|e| e.to_string())?;
        for w in &inventory.warnings()[before..] {
            let group_name = w
                .message
                .starts_with("Invalid characters were found in group names");
            if !(group_name && self.quiet_group_names) {
                reporter.event(&Event::Warning(w.message.clone()));
            }
        }
        self.changes.fetch_add(1, Ordering::AcqRel);
        Ok(out)
    }
}

fn names(hosts: &[String]) -> Value {
    Value::List(hosts.iter().map(|h| Value::Str(h.clone())).collect())
}
