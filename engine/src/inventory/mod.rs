//! Ansible inventories, read as ansible-core 2.19 reads them.
//!
//! Sources are INI files, YAML files, directories of them, and `h1,h2,`
//! lists; `group_vars/` and `host_vars/` beside each source are applied with
//! Ansible's precedence; host patterns select hosts as `hosts:` and
//! `--limit` do. The output functions print what `ansible-inventory`
//! prints, byte for byte (without `_meta.profile`).
//!
//! ```
//! use engine::inventory::Inventory;
//! # let dir = tempfile::tempdir().unwrap();
//! # let path = dir.path().join("hosts.ini");
//! std::fs::write(&path, "[web]\nweb[01:03] http_port=8080\n[web:vars]\nenv=prod\n")?;
//! let inv = Inventory::load(&[path.to_str().unwrap()])?;
//! assert_eq!(inv.select("web[0:1]")?, ["web01", "web02"]);
//! let vars = inv.host_vars("web02");
//! assert_eq!(vars["http_port"], engine::Value::Int(8080)); // INI values are typed
//! assert_eq!(vars["env"], engine::Value::from("prod"));
//! assert_eq!(inv.group_names("web02"), ["web"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! This layer never prints: warnings are returned by [`Inventory::warnings`].
//!
//! # Where we differ from ansible-core 2.19
//!
//! - A source that does not parse is an error with `file:line:column`
//!   (Ansible warns and goes on, possibly with an empty inventory).
//! - Only the `host_list`, `yaml` and `ini` plugins: executable files are
//!   read as INI/YAML (no `script` plugin); TOML and `plugin:` configuration
//!   files are refused.
//! - Implicit `localhost` gets `ansible_connection: local` but no
//!   `ansible_python_interpreter` (nothing runs Python here).
//! - INI integers beyond 64 bits stay text; YAML/INI dicts with integer keys
//!   keep string keys, so `--graph --vars` prints `{'1': ...}` where Python
//!   prints `{1: ...}`.
//! - `--yaml` prints PyYAML's anchors/aliases (`&id001`) for group-level
//!   lists and dicts shared by hosts, but not for values shared by the hosts
//!   of one range line, YAML anchors reused in a file, empty collections or
//!   dates.
//! - One host pattern expands to at most 1,000,000 hosts.
//! - Host order under deeper group levels of `all` (for `all[0:2]`) is
//!   stable here; Ansible's follows Python set order past the first level.

mod address;
mod connection;
mod dynamic;
mod error;
mod graph;
mod host_list;
mod ini;
pub(crate) mod json;
mod list;
mod merged;
mod model;
mod pattern;
mod precedence;
mod pyliteral;
mod range;
mod shard;
mod source;
mod vars_files;
mod yaml_anchors;
mod yaml_out;
mod yaml_plugin;

pub use connection::{become_method, connection_kind, connection_spec, CONNECTION_VARS};
pub use dynamic::DynamicError;
pub use error::InventoryError;
pub use list::{ListOptions, VarsView};
pub use model::{Group, Host};
pub(crate) use pattern::fnmatch;
pub use shard::{Shard, ShardError};

use crate::source::Warning;
use crate::value::{Map, Value};
use indexmap::IndexMap;
use model::{Data, HostId};
use precedence::Layer;
use source::SourceKind;
use std::path::Path;

/// A loaded inventory: hosts, groups, and inventory-side variables.
#[derive(Debug, Clone)]
pub struct Inventory {
    data: Data,
    sources: Vec<SourceKind>,
    /// `group_vars`/`host_vars` beside each source, in source order.
    layers: Vec<Layer>,
    /// The layer beside a playbook directory, read once
    /// ([`Inventory::keep_playbook_layer`]) for a run that asks for every
    /// host's variables, and again when the groups change.
    playbook: Option<(std::path::PathBuf, Option<Layer>)>,
}

impl Inventory {
    /// Reads `sources` in order, as `-i SRC -i SRC ...` does: each one a
    /// file, a directory, or a comma list (`h1,h2,`). Later sources add
    /// hosts and groups and override vars of earlier ones.
    ///
    /// # Errors
    ///
    /// Any source that does not exist or does not parse, with its
    /// `file:line:column` (Ansible only warns and goes on; we stop).
    pub fn load<S: AsRef<str>>(sources: &[S]) -> Result<Inventory, InventoryError> {
        let mut data = Data::new();
        let mut kinds = Vec::with_capacity(sources.len());
        for s in sources {
            kinds.push(source::load_source(&mut data, s.as_ref())?);
        }
        data.reconcile();
        let mut layers = Vec::new();
        let mut warnings = Vec::new();
        for kind in &kinds {
            if let SourceKind::Path(dir) = kind {
                if let Some(layer) = Layer::load(dir, &data, &mut warnings)? {
                    layers.push(layer);
                }
            }
        }
        data.warnings.extend(warnings);
        Ok(Inventory {
            data,
            sources: kinds,
            layers,
            playbook: None,
        })
    }

    /// Reads INI inventory text, as if from a file named `name` (no
    /// `group_vars/` or `host_vars/` are looked for). For tests, fuzzing
    /// and inventories that do not live in files.
    ///
    /// ```
    /// let inv = engine::inventory::Inventory::from_ini_str("[db]\ndb[1:2] port=5432\n", "inline")?;
    /// assert_eq!(inv.select("db")?, ["db1", "db2"]);
    /// # Ok::<(), engine::inventory::InventoryError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Inventory::load`] for an INI file.
    pub fn from_ini_str(text: &str, name: &str) -> Result<Inventory, InventoryError> {
        let mut data = Data::new();
        ini::parse(&mut data, text, &std::sync::Arc::from(name))?;
        data.reconcile();
        Ok(Inventory {
            data,
            sources: vec![SourceKind::HostList],
            layers: Vec::new(),
            playbook: None,
        })
    }

    /// Problems that did not stop loading, in Ansible's words.
    pub fn warnings(&self) -> &[Warning] {
        &self.data.warnings
    }

    /// Every host, in the order sources first named them.
    pub fn hosts(&self) -> impl Iterator<Item = &Host> {
        self.data.hosts.values()
    }

    /// The host named `name`, if the inventory has it.
    pub fn host(&self, name: &str) -> Option<&Host> {
        self.data.hosts.get(name)
    }

    /// Every group (`all` and `ungrouped` first), in creation order.
    pub fn groups(&self) -> impl Iterator<Item = &Group> {
        self.data.groups.values()
    }

    /// The group named `name`.
    pub fn group(&self, name: &str) -> Option<&Group> {
        self.data.groups.get(name)
    }

    /// Names of the direct child groups of `group`, in order.
    pub fn child_groups(&self, group: &Group) -> Vec<&str> {
        group
            .children
            .iter()
            .map(|&g| self.data.groups[g].name.as_str())
            .collect()
    }

    /// Names of the hosts placed directly in `group`, in order.
    pub fn group_hosts(&self, group: &Group) -> Vec<&str> {
        group
            .hosts
            .iter()
            .map(|&h| self.data.hosts[h].name.as_str())
            .collect()
    }

    /// Ansible's `group_names` for `host`: every group it is in, ancestors
    /// included, sorted, without `all`. Empty for an unknown host.
    pub fn group_names(&self, host: &str) -> Vec<String> {
        let Some(h) = self.data.hosts.get_index_of(host) else {
            return Vec::new();
        };
        let mut names: Vec<String> = self
            .data
            .sorted_groups_of(h)
            .into_iter()
            .map(|g| self.data.groups[g].name.clone())
            .collect();
        names.sort();
        names
    }

    /// Ansible's `groups` magic var: every group name → all hosts under it
    /// (descendants included), `all` and `ungrouped` included.
    pub fn groups_var(&self) -> IndexMap<String, Vec<String>> {
        self.data
            .groups
            .iter()
            .enumerate()
            .map(|(g, (name, _))| {
                let hosts = self
                    .data
                    .hosts_under(g)
                    .into_iter()
                    .map(|h| self.data.hosts[h].name.clone());
                (name.clone(), hosts.collect())
            })
            .collect()
    }

    /// The merged inventory-side vars of `host`: exactly what
    /// `ansible-inventory --host HOST` prints (with no playbook directory).
    /// Empty for an unknown host. Implicit `localhost` gets `all`'s vars
    /// and `ansible_connection: local`.
    pub fn host_vars(&self, host: &str) -> Map {
        self.resolve(host, None)
    }

    /// Levels 3-10 of the precedence for `host`, including `group_vars/`
    /// and `host_vars/` beside the playbook in `playbook_dir`: what the
    /// playbook engine starts from before facts, play and task vars.
    ///
    /// # Errors
    ///
    /// A vars file beside the playbook that cannot be read or parsed.
    pub fn host_vars_with_playbook(
        &self,
        host: &str,
        playbook_dir: Option<&Path>,
    ) -> Result<Map, InventoryError> {
        if let (Some(d), Some((kept, layer))) = (playbook_dir, &self.playbook) {
            if kept == d {
                return Ok(self.resolve(host, layer.as_ref()));
            }
        }
        let play = self.play_layer(playbook_dir)?;
        Ok(self.resolve(host, play.as_ref()))
    }

    /// The `group_vars`/`host_vars` layer beside a playbook directory.
    pub(crate) fn play_layer(&self, dir: Option<&Path>) -> Result<Option<Layer>, InventoryError> {
        match dir {
            Some(d) => Layer::load(d, &self.data, &mut Vec::new()),
            None => Ok(None),
        }
    }

    /// Reads the layer beside playbook directory `dir` once, for every
    /// later [`Inventory::host_vars_with_playbook`] with that directory
    /// (a run asks for each host's), instead of once per call.
    ///
    /// # Errors
    ///
    /// A vars file there that cannot be read or parsed.
    pub fn keep_playbook_layer(&mut self, dir: &Path) -> Result<(), InventoryError> {
        let layer = Layer::load(dir, &self.data, &mut Vec::new())?;
        self.playbook = Some((dir.to_path_buf(), layer));
        Ok(())
    }

    fn resolve(&self, host: &str, play: Option<&Layer>) -> Map {
        match self.data.hosts.get_index_of(host) {
            Some(h) => {
                let mut vars = self.merged(h, play);
                precedence::remove_internal(&mut vars);
                vars
            }
            None if model::LOCALHOST_NAMES.contains(&host) => {
                let mut vars = precedence::group_levels(&self.data, &[], &self.layers, play);
                vars.insert("ansible_connection".into(), Value::from("local"));
                precedence::remove_internal(&mut vars);
                vars
            }
            None => Map::new(),
        }
    }

    /// Levels 3-10 for host id `h`, internal vars not yet removed.
    pub(crate) fn merged(&self, h: HostId, play: Option<&Layer>) -> Map {
        let groups = self.data.sorted_groups_of(h);
        let mut vars = precedence::group_levels(&self.data, &groups, &self.layers, play);
        precedence::host_levels(&mut vars, &self.data, h, &self.layers, play);
        vars
    }

    /// Hosts matching an Ansible host pattern (`web:&prod:!web03`,
    /// `~re`, `g[0:2]`, globs), in inventory order. Implicit `localhost`
    /// matches when named and not in the inventory.
    ///
    /// # Errors
    ///
    /// An invalid regex or glob, or a subscript past the end of a group.
    pub fn select(&self, pattern: &str) -> Result<Vec<String>, InventoryError> {
        self.select_with_limit(pattern, None)
    }

    /// [`Inventory::select`] intersected with a `--limit` pattern (which
    /// may use `@file`, one pattern per line).
    ///
    /// # Errors
    ///
    /// As [`Inventory::select`], and an unreadable limit file.
    pub fn select_with_limit(
        &self,
        pattern: &str,
        limit: Option<&str>,
    ) -> Result<Vec<String>, InventoryError> {
        let ids = pattern::select(&self.data, pattern, limit)?;
        Ok(ids.into_iter().map(|h| self.host_name(h)).collect())
    }

    /// The items of a host pattern (or `--limit` value, `@file` read) that
    /// match no host, for Ansible's "Could not match supplied host pattern,
    /// ignoring: ITEM" warning.
    ///
    /// # Errors
    ///
    /// As [`Inventory::select_with_limit`].
    pub fn unmatched_patterns(&self, pattern: &str) -> Result<Vec<String>, InventoryError> {
        pattern::unmatched(&self.data, pattern)
    }

    /// Variable names in the inventory that Ansible reserves for keywords
    /// (`become`, `order`, `name`, ...), in first-seen order: Ansible warns
    /// "Found variable using reserved name" for each when it resolves vars.
    pub fn reserved_var_names(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let groups = self.data.groups.values().map(|g| &g.vars);
        let hosts = self.data.hosts.values().map(|h| &h.vars);
        let files = self.layers.iter().flat_map(|l| l.maps());
        for map in groups.chain(hosts).chain(files) {
            for k in map.keys() {
                if precedence::is_reserved(k) && !out.contains(k) {
                    out.push(k.clone());
                }
            }
        }
        out
    }

    fn host_name(&self, h: pattern::Selected) -> String {
        match h {
            pattern::Selected::Host(h) => self.data.hosts[h].name.clone(),
            pattern::Selected::ImplicitLocalhost(name) => name.to_owned(),
        }
    }

    /// The `--list` JSON `ansible-inventory` prints (without
    /// `_meta.profile`), with a trailing newline.
    ///
    /// # Errors
    ///
    /// A bad `--limit` pattern or an unreadable playbook-side vars file.
    pub fn to_list_json(&self, opts: &ListOptions<'_>) -> Result<String, InventoryError> {
        list::json(self, opts)
    }

    /// The `--graph [group]` text (with `--vars` when `opts.show_vars`).
    ///
    /// # Errors
    ///
    /// `group` is not a group, or a vars file cannot be read.
    pub fn to_graph(&self, group: &str, opts: &ListOptions<'_>) -> Result<String, InventoryError> {
        graph::graph(self, group, opts)
    }

    /// The `--list --yaml` text.
    ///
    /// # Errors
    ///
    /// As [`Inventory::to_list_json`].
    pub fn to_list_yaml(&self, opts: &ListOptions<'_>) -> Result<String, InventoryError> {
        yaml_out::yaml(self, opts)
    }

    /// The `--host HOST` output (JSON, or YAML with `yaml`).
    ///
    /// # Errors
    ///
    /// `host` does not name exactly one host.
    pub fn to_host_output(
        &self,
        host: &str,
        opts: &ListOptions<'_>,
        yaml: bool,
    ) -> Result<String, InventoryError> {
        list::host_output(self, host, opts, yaml)
    }

    pub(crate) fn data(&self) -> &Data {
        &self.data
    }

    pub(crate) fn layers(&self) -> &[Layer] {
        &self.layers
    }

    /// The number of sources read.
    pub fn source_count(&self) -> usize {
        self.sources.len()
    }
}
