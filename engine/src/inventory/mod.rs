//! `inventory` (interim stand-in with the real layer's API).

use crate::transport::ConnectionSpec;
use crate::value::Map;
use indexmap::IndexMap;

/// An inventory error.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct InventoryError(pub String);

/// A host.
pub struct Host(String);
impl Host {
    /// Its name.
    pub fn name(&self) -> &str {
        &self.0
    }
}

/// An inventory.
#[derive(Default)]
pub struct Inventory {
    hosts: Vec<Host>,
}

impl Inventory {
    /// Loads from a comma list only (stand-in).
    pub fn load<S: AsRef<str>>(sources: &[S]) -> Result<Inventory, InventoryError> {
        let hosts = sources
            .iter()
            .flat_map(|s| {
                s.as_ref()
                    .split(',')
                    .map(str::trim)
                    .filter(|h| !h.is_empty())
                    .map(|h| Host(h.to_owned()))
                    .collect::<Vec<_>>()
            })
            .collect();
        Ok(Inventory { hosts })
    }
    /// Hosts.
    pub fn hosts(&self) -> impl Iterator<Item = &Host> {
        self.hosts.iter()
    }
    /// Vars.
    pub fn host_vars_with_playbook(
        &self,
        _h: &str,
        _d: Option<&std::path::Path>,
    ) -> Result<Map, InventoryError> {
        Ok(Map::new())
    }
    /// Selection.
    pub fn select_with_limit(
        &self,
        _p: &str,
        _l: Option<&str>,
    ) -> Result<Vec<String>, InventoryError> {
        Ok(self.hosts.iter().map(|h| h.0.clone()).collect())
    }
    /// `groups`.
    pub fn groups_var(&self) -> IndexMap<String, Vec<String>> {
        IndexMap::new()
    }
    /// `group_names`.
    pub fn group_names(&self, _h: &str) -> Vec<String> {
        Vec::new()
    }
}

/// Connection spec (stand-in: local).
pub fn connection_spec(name: &str, _vars: &Map) -> Result<ConnectionSpec, InventoryError> {
    Ok(ConnectionSpec {
        name: name.to_owned(),
        kind: crate::transport::ConnectionKind::Local,
        address: name.to_owned(),
        port: 22,
        user: None,
        private_key_file: None,
        password: None,
        connect_timeout: std::time::Duration::from_secs(10),
        host_key_checking: crate::transport::HostKeyChecking::Strict,
        jump: None,
        become_: None,
    })
}
