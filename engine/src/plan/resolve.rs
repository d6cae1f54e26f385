//! Which module a task's name means, decided in one place: by the
//! compiler for a name written literally, and by the executor, per host,
//! for a templated one (`action: "{{ pkg_mgr }}"`), so both meet the same
//! registry, `collections:` and `library/` rules.

use super::defaults;
use super::types::TaskStep;
use crate::modules::ModuleName;
use crate::playbook::short_name;
use std::path::PathBuf;

/// The module `written` names for a task under `collections` (installed
/// ones found under `roots`, `library/` folders under `dirs`); the name
/// that was looked up when neither this engine nor Ansible knows it.
pub(super) fn module_of(
    written: &str,
    collections: &[String],
    roots: &[PathBuf],
    dirs: &[PathBuf],
) -> Result<ModuleName, String> {
    match defaults::resolve(written, collections, roots) {
        Ok(m) => Ok(m),
        Err(name) => {
            let looked_up = if name == written {
                short_name(written)
            } else {
                name.as_str()
            };
            resolve(looked_up, dirs).ok_or(name)
        }
    }
}

/// The module a templated task name rendered to (`name`) for one host, as
/// the compiler would have resolved it written literally in `task`'s
/// place; `None` when nothing answers to it.
pub fn templated_module(task: &TaskStep, name: &str) -> Option<ModuleName> {
    let playbook_dir = task
        .search_paths
        .last()
        .cloned()
        .unwrap_or_else(|| PathBuf::from("."));
    let roots = defaults::collection_roots(&playbook_dir);
    let mut dirs = vec![playbook_dir];
    dirs.extend(task.role.as_ref().map(|r| r.path.clone()));
    module_of(name, &task.collections, &roots, &dirs).ok()
}

/// The module a task names: one this engine runs, or one Ansible has and
/// this engine lacks (its tasks fail only when a host reaches them);
/// `None` when Ansible does not know the name either. A module or action
/// plugin in a `library/` or `action_plugins/` folder of `dirs` (the
/// playbook's, the role's) is one Ansible has: Python plugins are not run
/// here, so such tasks fail when a host reaches them.
pub(crate) fn resolve(name: &str, dirs: &[PathBuf]) -> Option<ModuleName> {
    use crate::catalog::{catalog, ModuleKnown};
    if let Some(m) = ModuleName::lookup(name) {
        return Some(m);
    }
    let short = name.rsplit('.').next().unwrap_or(name);
    let adjacent = dirs.iter().any(|d| {
        ["library", "action_plugins"].iter().any(|sub| {
            ["py", "sh", "ps1", ""].iter().any(|ext| {
                let file = if ext.is_empty() {
                    short.to_owned()
                } else {
                    format!("{short}.{ext}")
                };
                d.join(sub).join(file).is_file()
            })
        })
    });
    if adjacent {
        return Some(ModuleName::unimplemented(name));
    }
    match catalog().module(name) {
        ModuleKnown::Documented(doc) => Some(ModuleName::unimplemented(doc.display_name())),
        ModuleKnown::OtherCollection => Some(ModuleName::unimplemented(name)),
        ModuleKnown::Unknown => None,
    }
}
