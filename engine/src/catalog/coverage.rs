//! `docs/option-coverage.md`: which options of each module this engine
//! honours, measured with each module's own parser against the catalog,
//! and which modules, filters, tests and lookups of Ansible it lacks.
//!
//! An option counts as supported when the module's parser consumes it: the
//! parser is run on arguments that parse (found by filling required
//! arguments one by one, or [`MINIMAL`]) plus that option set to null,
//! which every getter reads as absent but marks as used. So the table
//! cannot drift from the code; a test keeps the file current
//! (`KONVOY_UPDATE_DOCS=1 cargo test --lib catalog::coverage` rewrites it).

use super::{catalog, ModuleDoc, ModuleKnown};
use crate::modules::{ArgError, ArgMap, ModuleName, Placement, TABLE};
use crate::template::{PluginKind, Templar};
use crate::value::{Map, Value};
use std::fmt::Write;

/// Arguments that parse, for modules whose required arguments are not
/// simply "one string" (choices, one-of rules).
const MINIMAL: &[(&str, &[(&str, &str)])] = &[
    ("command", &[("_raw_params", "true")]),
    ("shell", &[("_raw_params", "true")]),
    ("copy", &[("content", "x"), ("dest", "/x")]),
    ("template", &[("src", "a.j2"), ("dest", "/x")]),
    ("lineinfile", &[("path", "/x"), ("line", "x")]),
    ("replace", &[("path", "/x"), ("regexp", "x")]),
    (
        "unarchive",
        &[("src", "/a.tgz"), ("dest", "/x"), ("remote_src", "yes")],
    ),
    (
        "yum_repository",
        &[("name", "x"), ("baseurl", "http://x"), ("description", "x")],
    ),
    ("sysctl", &[("name", "a.b"), ("value", "1")]),
    ("get_url", &[("url", "http://x/a"), ("dest", "/x")]),
];

/// "Modules" the playbook parser implements as keywords.
const PARSER_KEYWORDS: &[&str] = &[
    "ansible.builtin.include_tasks",
    "ansible.builtin.import_tasks",
    "ansible.builtin.include_role",
    "ansible.builtin.import_role",
    "ansible.builtin.import_playbook",
];

/// What the parser of `module` makes of `args`.
fn parse(module: ModuleName, args: &Map) -> Result<(), ArgError> {
    match module.host_impl() {
        Some(h) => h.check(ArgMap::new(args.clone())),
        None => Ok(()),
    }
}

/// Arguments the module's parser accepts, if they can be found.
fn minimal(module: ModuleName) -> Option<Map> {
    let mut args: Map = MINIMAL
        .iter()
        .find(|(m, _)| *m == module.as_str())
        .map(|(_, kv)| {
            kv.iter()
                .map(|(k, v)| ((*k).to_owned(), Value::from(*v)))
                .collect()
        })
        .unwrap_or_default();
    for _ in 0..8 {
        let mut probe = args.clone();
        probe.insert("__konvoy_probe__".into(), Value::Int(1));
        match parse(module, &probe) {
            Err(ArgError::Unknown { name, .. }) if name == "__konvoy_probe__" => return Some(args),
            Err(ArgError::Missing(name)) => {
                let value = if name == "_raw_params" { "true" } else { "x" };
                args.insert(name, Value::from(value));
            }
            _ => return None,
        }
    }
    None
}

/// Whether `module` honours option `key` (or its alias).
fn supports(module: ModuleName, base: &Map, key: &str) -> bool {
    if base.contains_key(key) {
        return true;
    }
    if let Some(b) = module.builtin() {
        return b.options().is_none_or(|o| o.contains(&key));
    }
    let mut args = base.clone();
    args.insert(key.to_owned(), Value::Null);
    !matches!(parse(module, &args), Err(ArgError::Unknown { name, .. }) if name == key)
}

fn module_row(out: &mut String, module: ModuleName, doc: &ModuleDoc) {
    let base = match module.entry().placement {
        Placement::Controller(_) => Some(Map::new()),
        _ => minimal(module),
    };
    let Some(base) = base else {
        let _ = writeln!(
            out,
            "| `{}` | (not measured: no arguments found that parse) | |",
            doc.display_name()
        );
        return;
    };
    let (mut yes, mut no) = (Vec::new(), Vec::new());
    for o in doc.options.iter().flatten() {
        if matches!(o.name, "free_form" | "free-form" | "key_value") {
            continue;
        }
        // An option counts as supported under its own name; aliases this
        // engine also takes are listed with it.
        let aliases: Vec<&str> = o
            .aliases
            .iter()
            .copied()
            .filter(|a| supports(module, &base, a))
            .collect();
        let text = if aliases.is_empty() {
            o.name.to_owned()
        } else {
            format!("{} ({})", o.name, aliases.join(", "))
        };
        if supports(module, &base, o.name) {
            yes.push(text);
        } else {
            no.push(text);
        }
    }
    let _ = writeln!(
        out,
        "| `{}` | {} | {} |",
        doc.display_name(),
        yes.join(", "),
        no.join(", ")
    );
}

/// The whole document.
pub(crate) fn render() -> String {
    let c = catalog();
    let mut out = String::new();
    let _ = writeln!(out, "# Option coverage\n");
    let _ = writeln!(
        out,
        "Generated from `engine/src/catalog/ansible.catalog` ({}) and each module's own parser: \
         an option is supported when the parser takes it. A module or option in the right-hand \
         column, or listed below, is announced before a run (file:line:column, \"not implemented \
         by konvoy-image\") and fails only a task that a host reaches; `--strict` refuses the \
         playbook instead. A name Ansible does not know either is refused before any host is \
         touched.\n",
        c.source
    );
    let _ = writeln!(
        out,
        "Regenerate: `KONVOY_UPDATE_DOCS=1 cargo test --lib catalog::coverage`.\n"
    );
    let _ = writeln!(out, "## Implemented modules\n");
    let _ = writeln!(
        out,
        "| module | options supported | options not implemented |"
    );
    let _ = writeln!(out, "| --- | --- | --- |");
    let mut seen = std::collections::HashSet::new();
    for e in TABLE {
        if matches!(e.placement, Placement::Unsupported) {
            continue;
        }
        for name in e.names {
            let ModuleKnown::Documented(doc) = c.module(name) else {
                continue;
            };
            if !seen.insert(doc.fqcn) {
                continue;
            }
            let module = ModuleName::lookup(name).expect("a table name resolves");
            module_row(&mut out, module, doc);
        }
    }
    let _ = writeln!(
        out,
        "\n## Modules Ansible has that konvoy-image does not implement\n"
    );
    let mut by_collection: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
    for doc in c.documented() {
        let implemented = (ModuleName::lookup(doc.fqcn).is_some_and(ModuleName::is_implemented)
            && seen.contains(doc.fqcn))
            || PARSER_KEYWORDS.contains(&doc.fqcn);
        if !implemented {
            let (coll, short) = doc.fqcn.rsplit_once('.').unwrap_or(("", doc.fqcn));
            by_collection.entry(coll).or_default().push(short);
        }
    }
    for (coll, names) in &by_collection {
        let _ = writeln!(out, "- `{coll}` ({}): {}", names.len(), names.join(", "));
    }
    let _ = writeln!(
        out,
        "\nOther modules of `community.general` and `community.crypto` are known by name only."
    );
    let _ = writeln!(
        out,
        "\n## Filters, tests and lookups of `ansible.builtin` not implemented\n"
    );
    let t = Templar::new();
    for kind in [PluginKind::Filter, PluginKind::Test, PluginKind::Lookup] {
        let missing: Vec<&str> = c
            .plugin_names(kind)
            .into_iter()
            .filter(|n| !n.contains('.') && !t.implements(kind, n))
            .collect();
        let _ = writeln!(out, "- {kind}s ({}): {}", missing.len(), missing.join(", "));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_coverage_doc_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/option-coverage.md");
        let now = render();
        if std::env::var_os("KONVOY_UPDATE_DOCS").is_some() {
            std::fs::write(path, &now).expect("write docs/option-coverage.md");
        }
        let on_disk = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            on_disk == now,
            "docs/option-coverage.md is stale: KONVOY_UPDATE_DOCS=1 cargo test --lib catalog::coverage"
        );
    }

    #[test]
    fn support_is_measured_with_the_parser() {
        let copy = ModuleName::lookup("copy").expect("copy");
        let base = minimal(copy).expect("copy parses");
        assert!(supports(copy, &base, "backup") && supports(copy, &base, "dest"));
        assert!(!supports(copy, &base, "seuser"));
        let file = ModuleName::lookup("file").expect("file");
        let base = minimal(file).expect("file parses with a path");
        assert!(base.contains_key("path") && supports(file, &base, "mode"));
        let pause = ModuleName::lookup("pause").expect("pause");
        assert!(supports(pause, &Map::new(), "seconds") && !supports(pause, &Map::new(), "prompt"));
    }
}
