//! `module_defaults` and `collections`: which arguments a task gets from
//! the defaults in force, and which module a short name means.
//!
//! `module_defaults` (play, role, block, task; outer entries first, a
//! later entry for the same module or group replacing an earlier one, as
//! Ansible's list of dicts merges) maps a module name (short,
//! `ansible.builtin.`/`ansible.legacy.`, or another FQCN) or
//! `group/<action group>` to default arguments. A task gets its groups'
//! defaults, then its module's, each only for arguments it does not set
//! itself (`_get_action_arg_defaults`). Keys must be written literally;
//! values may be templates (rendered per host, per item).
//!
//! Action groups are those of ansible-core 2.19's own runtime metadata:
//! `testgroup` (holds `ping`), `testlegacy`, and the cloud groups (`aws`,
//! `azure`, `gcp`, `k8s`, ...) that name only collection modules, none of
//! them implemented here. Any other group is refused, as Ansible refuses
//! a group it cannot resolve.
//!
//! `collections` (play, role `meta/main.yml`, block, task; innermost
//! wins): a short module name is looked up in each listed collection,
//! then in `ansible.legacy`. The collections whose modules this engine
//! implements (`ansible.builtin`, `ansible.legacy`, `ansible.posix`,
//! `community.general`) resolve to them; another listed collection that
//! is installed on this machine and ships a module (or action) of that
//! name takes the name, so the task names that collection's module.

use super::error::PlanError;
use crate::modules::ModuleName;
use crate::value::Value;
use crate::yaml::{Node, NodeKind};
use std::path::{Path, PathBuf};

/// What a `module_defaults` entry is for.
#[derive(Clone, Debug, PartialEq)]
pub enum DefaultsFor {
    /// A module this engine implements.
    Module(ModuleName),
    /// `group/<name>` of an action group (its fully qualified name).
    Group(String),
    /// A module this engine does not implement (applies to no task that
    /// can run).
    Other(String),
}

/// One `module_defaults` entry.
#[derive(Clone, Debug, PartialEq)]
pub struct ModuleDefault {
    /// The module or group.
    pub target: DefaultsFor,
    /// The default arguments as written: a mapping, or a template that
    /// renders to one.
    pub args: Value,
}

/// ansible-core 2.19's builtin action groups and the modules in them
/// that exist without any collection installed.
const GROUPS: &[(&str, &[&str])] = &[
    ("testgroup", &["ping"]),
    ("testlegacy", &[]),
    ("aws", &[]),
    ("acme", &[]),
    ("azure", &[]),
    ("cpm", &[]),
    ("docker", &[]),
    ("gcp", &[]),
    ("k8s", &[]),
    ("os", &[]),
    ("ovirt", &[]),
    ("vmware", &[]),
];

const MESSAGE: &str = "The field 'module_defaults' is supposed to be a dictionary or list of \
     dictionaries, the keys of which must be static action, module, or group names. Only the \
     values may contain templates. For example: {'ping': \"{{ ping_defaults }}\"}";

/// Parses one object's `module_defaults:` into its entries, in order.
pub(super) fn parse(node: &Node) -> Result<Vec<ModuleDefault>, Box<PlanError>> {
    let dicts: Vec<&Node> = match &node.kind {
        NodeKind::Null => return Ok(Vec::new()),
        NodeKind::Seq(items) => items.iter().collect(),
        _ => vec![node],
    };
    let mut out = Vec::new();
    for d in dicts {
        let NodeKind::Map(m) = &d.kind else {
            return Err(Box::new(PlanError::InvalidKeyword {
                message: MESSAGE.to_owned(),
                span: d.span.clone(),
            }));
        };
        for (key, entry) in &m.entries {
            let target = match key.strip_prefix("group/") {
                Some(group) => DefaultsFor::Group(group_name(group).ok_or_else(|| {
                    Box::new(PlanError::InvalidKeyword {
                        message: format!(
                            "Error loading module_defaults: could not resolve the module_defaults group {}",
                            qualified(group)
                        ),
                        span: entry.key_span.clone(),
                    })
                })?),
                None => match ModuleName::lookup(key) {
                    Some(m) => DefaultsFor::Module(m),
                    None => DefaultsFor::Other(key.clone()),
                },
            };
            out.push(ModuleDefault {
                target,
                args: entry.value.to_value(),
            });
        }
    }
    Ok(out)
}

/// `group` fully qualified (`ansible.builtin.` for a short name).
fn qualified(group: &str) -> String {
    if group.split('.').count() >= 3 {
        group.to_owned()
    } else {
        format!("ansible.builtin.{group}")
    }
}

/// The builtin group `group` names, fully qualified; `None` when it is
/// not one.
fn group_name(group: &str) -> Option<String> {
    let q = qualified(group);
    let short = q.strip_prefix("ansible.builtin.")?;
    GROUPS.iter().any(|(g, _)| *g == short).then_some(q)
}

/// The default arguments that apply to `module`, in the order they are
/// applied (each fills only what the previous and the task left unset,
/// the task's own arguments winning): its groups' entries, then its own.
/// `defaults` is every entry in force, outermost first.
pub fn for_module(module: ModuleName, defaults: &[ModuleDefault]) -> Vec<&Value> {
    // Later entries for the same target replace earlier ones, in the
    // position the target first appeared (Python's dict.update).
    let mut merged: Vec<(&DefaultsFor, &Value)> = Vec::new();
    for d in defaults {
        match merged.iter_mut().find(|(t, _)| *t == &d.target) {
            Some(slot) => slot.1 = &d.args,
            None => merged.push((&d.target, &d.args)),
        }
    }
    let in_group = |g: &str| {
        GROUPS.iter().any(|(name, members)| {
            g.strip_prefix("ansible.builtin.") == Some(name) && members.contains(&module.as_str())
        })
    };
    let mut out: Vec<&Value> = merged
        .iter()
        .filter(|(t, _)| matches!(t, DefaultsFor::Group(g) if in_group(g)))
        .map(|(_, v)| *v)
        .collect();
    out.extend(
        merged
            .iter()
            .filter(|(t, _)| **t == DefaultsFor::Module(module))
            .map(|(_, v)| *v),
    );
    out
}

/// Collections whose modules are this engine's own.
const KNOWN: &[&str] = &[
    "ansible.builtin",
    "ansible.legacy",
    "ansible.posix",
    "community.general",
];

/// What a task's module name resolves to: a module of this engine, or
/// the fully qualified name of one it does not implement.
pub(super) fn resolve(
    written: &str,
    collections: &[String],
    roots: &[PathBuf],
) -> Result<ModuleName, String> {
    let short = !written.contains('.');
    if short {
        for c in collections {
            if KNOWN.contains(&c.as_str()) {
                if let Some(m) = ModuleName::lookup(&format!("{c}.{written}")) {
                    return Ok(m);
                }
                continue;
            }
            if installed_plugin(roots, c, written) {
                return Err(format!("{c}.{written}"));
            }
        }
    }
    ModuleName::lookup(written).ok_or_else(|| written.to_owned())
}

/// Whether collection `coll` is installed under one of `roots` with a
/// module or action plugin called `name`.
fn installed_plugin(roots: &[PathBuf], coll: &str, name: &str) -> bool {
    let Some((ns, c)) = coll.split_once('.') else {
        return false;
    };
    roots.iter().any(|r| {
        let base = r
            .join("ansible_collections")
            .join(ns)
            .join(c)
            .join("plugins");
        ["modules", "action"]
            .iter()
            .any(|kind| base.join(kind).join(format!("{name}.py")).is_file())
    })
}

/// Where Ansible looks for installed collections, as its
/// `COLLECTIONS_PATHS` default has it: `ANSIBLE_COLLECTIONS_PATH` (or
/// `~/.ansible/collections:/usr/share/ansible/collections`), plus the
/// `collections/` directory next to the playbook. Read here because the
/// answer decides what a short module name means, before any run.
pub(super) fn collection_roots(playbook_dir: &Path) -> Vec<PathBuf> {
    let mut roots = vec![playbook_dir.join("collections")];
    match std::env::var_os("ANSIBLE_COLLECTIONS_PATH")
        .or_else(|| std::env::var_os("ANSIBLE_COLLECTIONS_PATHS"))
    {
        Some(p) => roots.extend(std::env::split_paths(&p)),
        None => {
            if let Some(home) = std::env::var_os("HOME") {
                roots.push(PathBuf::from(home).join(".ansible/collections"));
            }
            roots.push(PathBuf::from("/usr/share/ansible/collections"));
        }
    }
    roots
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(yaml: &str) -> Result<Vec<ModuleDefault>, Box<PlanError>> {
        let loaded = crate::yaml::load_str(yaml, "t.yml").expect("yaml");
        let (doc, _) = loaded.single();
        parse(&doc.expect("a document"))
    }

    #[test]
    fn later_entries_win_and_groups_come_first() {
        let d = entries(
            "- command: {chdir: /a}\n  group/testgroup: {data: g}\n- ansible.builtin.command: {chdir: /b}\n  ping: {data: p}\n",
        )
        .expect("parses");
        let cmd = ModuleName::lookup("command").expect("command");
        let got = for_module(cmd, &d);
        assert_eq!(got.len(), 1);
        let mut want = crate::value::Map::new();
        want.insert("chdir".into(), Value::Str("/b".into()));
        assert_eq!(got[0], &Value::Map(want));
        let ping = ModuleName::lookup("ping").expect("ping");
        assert_eq!(
            for_module(ping, &d).len(),
            2,
            "the group's, then ping's own"
        );
    }

    #[test]
    fn unknown_groups_and_non_mappings_are_refused() {
        let e = entries("group/nosuch: {}\n").expect_err("refused");
        assert!(e
            .to_string()
            .contains("could not resolve the module_defaults group ansible.builtin.nosuch"));
        assert!(entries("group/aws: {region: x}\n").is_ok());
        assert!(entries("- just a string\n").is_err());
    }

    #[test]
    fn short_names_follow_collections() {
        let dir = tempfile::tempdir().expect("dir");
        let m = dir
            .path()
            .join("ansible_collections/my/coll/plugins/modules");
        std::fs::create_dir_all(&m).expect("mkdir");
        std::fs::write(m.join("copy.py"), "").expect("write");
        let roots = vec![dir.path().to_path_buf()];
        let colls = vec!["my.coll".to_owned(), "ansible.posix".to_owned()];
        assert_eq!(resolve("copy", &colls, &roots), Err("my.coll.copy".into()));
        assert_eq!(
            resolve("sysctl", &colls, &roots),
            Ok(ModuleName::lookup("sysctl").expect("sysctl"))
        );
        assert_eq!(
            resolve("ansible.builtin.copy", &colls, &roots),
            Ok(ModuleName::lookup("copy").expect("copy"))
        );
    }
}
