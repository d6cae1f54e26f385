//! A play's `vars_files`: where an entry is looked for and what the file
//! may hold, as ansible-core's `VariableManager` does it.
//!
//! Ansible resolves each name with `path_dwim_relative_stack(play search
//! path, 'vars', name)`, so `x.yml` is first looked for as `vars/x.yml`
//! beside the playbook, then as `x.yml`; a playbook shipping both a
//! `vars/x.yml` and a playbook named `x.yml` loads the former. The file is
//! then passed through `preprocess_vars`: a mapping, or a list of mappings
//! merged in order; anything else is "Invalid variable file contents".

use crate::value::{Map, Value};
use std::path::{Path, PathBuf};

/// The paths tried for `name`, in Ansible's order, for a play whose
/// playbook lives in `dir`. `path_dwim_relative_stack` compares the
/// name's first component (bytes) with `"vars"` (text), which never
/// matches on Python 3, so `vars/` is prepended even to `vars/x.yml`.
pub(crate) fn candidates(dir: &Path, name: &str) -> Vec<PathBuf> {
    if let Some(rest) = name.strip_prefix('~') {
        let home = std::env::var_os("HOME").map(PathBuf::from);
        return match (
            home,
            rest.strip_prefix('/').or(rest.is_empty().then_some("")),
        ) {
            (Some(h), Some(tail)) => vec![h.join(tail)],
            _ => vec![PathBuf::from(name)],
        };
    }
    if Path::new(name).is_absolute() {
        return vec![PathBuf::from(name)];
    }
    vec![dir.join("vars").join(name), dir.join(name)]
}

/// The first existing file among the names of one entry (a list entry
/// means "the first of these that exists").
pub(crate) fn find(dir: &Path, names: &[String]) -> Option<PathBuf> {
    names
        .iter()
        .flat_map(|n| candidates(dir, n))
        .find(|p| p.is_file())
}

/// A vars file's contents as variables (`preprocess_vars`): `None` for a
/// value that is neither a mapping nor a list of mappings.
pub(crate) fn contents(v: Value) -> Option<Map> {
    match v {
        Value::Null => Some(Map::new()),
        Value::Map(m) => Some(m),
        Value::List(items) => {
            let mut all = Map::new();
            for item in items {
                let Value::Map(m) = item else { return None };
                all.extend(m);
            }
            Some(all)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vars_subdirectory_is_tried_first() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir(d.path().join("vars")).unwrap();
        std::fs::write(d.path().join("x.yml"), "- hosts: all\n").unwrap();
        assert_eq!(
            find(d.path(), &["x.yml".into()]),
            Some(d.path().join("x.yml"))
        );
        std::fs::write(d.path().join("vars/x.yml"), "a: 1\n").unwrap();
        assert_eq!(
            find(d.path(), &["x.yml".into()]),
            Some(d.path().join("vars/x.yml"))
        );
        assert_eq!(
            candidates(d.path(), "vars/y.yml"),
            vec![
                d.path().join("vars/vars/y.yml"),
                d.path().join("vars/y.yml")
            ]
        );
        assert_eq!(
            candidates(d.path(), "/etc/z.yml"),
            vec![PathBuf::from("/etc/z.yml")]
        );
        assert_eq!(
            find(d.path(), &["nope.yml".into(), "x.yml".into()]),
            Some(d.path().join("vars/x.yml"))
        );
    }

    /// The play loads `vars/common.yml`, not the playbook `common.yml`
    /// beside it (a list of plays, which would be merged as variables).
    #[test]
    fn a_play_loads_the_vars_directory_file_before_the_playbook_dir_one() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir(d.path().join("vars")).unwrap();
        std::fs::write(d.path().join("vars/common.yml"), "from: vars_dir\n").unwrap();
        let site = "- hosts: all\n  vars_files: [common.yml, list.yml]\n  tasks: []\n";
        std::fs::write(d.path().join("common.yml"), site).unwrap();
        std::fs::write(d.path().join("list.yml"), "- {a: 1, b: 1}\n- {b: 2}\n").unwrap();
        let pb = crate::playbook::load_playbook(&d.path().join("common.yml")).unwrap();
        let plan = crate::plan::compile(&pb).unwrap();
        let vars = &plan.plays[0].vars;
        assert_eq!(vars.get("from"), Some(&Value::Str("vars_dir".into())));
        assert_eq!(vars.get("a"), Some(&Value::Int(1)));
        assert_eq!(vars.get("b"), Some(&Value::Int(2)));
        assert_eq!(vars.get("hosts"), None);
        std::fs::write(d.path().join("list.yml"), "- 1\n").unwrap();
        let pb = crate::playbook::load_playbook(&d.path().join("common.yml")).unwrap();
        let e = crate::plan::compile(&pb).unwrap_err().to_string();
        assert!(e.contains("Invalid variable file contents"), "{e}");
        assert!(e.contains("common.yml:2:"), "{e}");
    }

    #[test]
    fn a_list_of_mappings_is_merged_in_order() {
        let mut a = Map::new();
        a.insert("k".into(), Value::Int(1));
        a.insert("only_a".into(), Value::Int(3));
        let mut b = Map::new();
        b.insert("k".into(), Value::Int(2));
        let m = contents(Value::List(vec![Value::Map(a), Value::Map(b)])).unwrap();
        assert_eq!(m.get("k"), Some(&Value::Int(2)));
        assert_eq!(m.get("only_a"), Some(&Value::Int(3)));
        assert_eq!(contents(Value::Null), Some(Map::new()));
        assert_eq!(contents(Value::List(vec![Value::Int(1)])), None);
        assert_eq!(contents(Value::Str("s".into())), None);
    }
}
