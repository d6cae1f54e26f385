//! The bodies of the fuzz targets, shared by `fuzz/fuzz_targets/*.rs`
//! (run by cargo-fuzz) and by `tests/fuzz` (which replays every input kept
//! in `fuzz/regressions/<target>/` on each `cargo test`). Each takes raw
//! bytes and must return without panicking, whatever they are.

#![allow(dead_code)]

use engine::inventory::{Inventory, ListOptions};
use engine::modules::{ArgMap, ModuleName};
use engine::template::{Templar, Vars};
use engine::value::{JsonOptions, Map, Value};
use engine::yaml::{dump, load_str, DumpStyle, YamlError};
use std::sync::Arc;

/// A target's body.
pub type Body = fn(&[u8]);

/// Every target, by the name of its directory in `fuzz/regressions`.
pub const TARGETS: &[(&str, Body)] = &[
    ("yaml", yaml),
    ("inventory_ini", inventory_ini),
    ("inventory_yaml", inventory_yaml),
    ("host_pattern", host_pattern),
    ("template", template),
    ("module_args", module_args),
    ("known_hosts", known_hosts),
];

/// The YAML loader never panics, and what it loads survives a round trip
/// through every printer.
pub fn yaml(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(loaded) = load_str(text, "fuzz.yml") else {
        return;
    };
    for doc in &loaded.docs {
        let value = doc.to_value();
        let sorted = JsonOptions {
            sort_keys: true,
            ..JsonOptions::default()
        };
        let repr = value.to_json(sorted);
        if repr.contains(['\u{2028}', '\u{2029}']) {
            // libyaml's output treats them as line breaks, the YAML 1.2
            // reader as content (see tests/yaml/robust.rs).
            continue;
        }
        let _ = value.py_repr();
        let _ = value.py_str();
        let _ = value.to_json(JsonOptions::default());
        for style in [
            DumpStyle::Block,
            DumpStyle::Flow,
            DumpStyle::Nice { indent: 4 },
        ] {
            let text = dump(&value, style);
            if serde_json::from_str::<serde::de::IgnoredAny>(&text).is_ok() {
                // A root scalar such as `1e3` reads back as JSON, as in
                // Ansible (JSON first): no round trip to check.
                continue;
            }
            let again = match load_str(&text, "dumped.yml") {
                Ok(again) => again,
                // libyaml writes `{v: -42 -}`; the YAML 1.2 parser rejects
                // it (see tests/yaml/robust.rs).
                Err(YamlError::Syntax { message, .. })
                    if message.starts_with("plain scalar cannot start with '-'") =>
                {
                    continue
                }
                Err(e) => panic!("dump output does not load: {e}\n{text}"),
            };
            let (doc, _) = again.single();
            let round = doc.map(|d| d.to_value().to_json(sorted));
            assert_eq!(round.as_deref(), Some(repr.as_str()), "{style:?}:\n{text}");
        }
    }
}

/// The INI inventory parser and everything after it (ranges, reconcile,
/// host patterns, `--list` output, connection settings). A line with
/// several ranges expands to their product (`a[1:84]b[1:84]c[1:84]`:
/// 592,704 hosts, as in Ansible): slow, not a crash, so skipped.
pub fn inventory_ini(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if text.lines().any(|l| l.matches('[').count() > 2) {
        return;
    }
    if let Ok(inv) = Inventory::from_ini_str(text, "fuzz.ini") {
        exercise(&inv, text.lines().next().unwrap_or("all"));
    }
}

/// The YAML inventory loader, from a file as users give it.
pub fn inventory_yaml(data: &[u8]) {
    if std::str::from_utf8(data).is_err() {
        return;
    }
    thread_local! {
        static FILE: std::path::PathBuf = {
            let dir = if std::path::Path::new("/dev/shm").is_dir() { "/dev/shm" } else { "/tmp" };
            std::path::PathBuf::from(format!(
                "{dir}/konvoy-fuzz-{}-{:?}.yaml",
                std::process::id(),
                std::thread::current().id()
            ))
        };
    }
    FILE.with(|path| {
        if std::fs::write(path, data).is_err() {
            return;
        }
        if let Ok(inv) = Inventory::load(&[path.to_string_lossy().into_owned()]) {
            exercise(&inv, "all");
        }
        let _ = std::fs::remove_file(path);
    });
}

fn exercise(inv: &Inventory, pattern: &str) {
    let _ = inv.to_list_json(&ListOptions::default());
    let _ = inv.to_list_yaml(&ListOptions::default());
    let _ = inv.to_graph("all", &ListOptions::default());
    let _ = inv.select(pattern);
    for host in inv.hosts() {
        let _ = engine::inventory::connection_spec(host.name(), &inv.host_vars(host.name()));
    }
}

/// Host patterns (`web[1:3]:&db:!x`, regexes, ranges) on a fixed inventory.
pub fn host_pattern(data: &[u8]) {
    let Ok(pattern) = std::str::from_utf8(data) else {
        return;
    };
    thread_local! {
        static INV: Inventory = Inventory::from_ini_str(
            "[web]\nweb[01:12].example.com\n[db]\ndb1 ansible_host=10.0.0.1\ndb2\n\
             [prod:children]\nweb\ndb\n[edge]\n10.1.0.[1:4]\n",
            "fixed.ini",
        )
        .expect("the fixed inventory parses");
    }
    INV.with(|inv| {
        let _ = inv.select(pattern);
        let _ = inv.select_with_limit("all", Some(pattern));
        let _ = inv.unmatched_patterns(pattern);
    });
}

/// Templates, with a few variables of each kind. Inputs that could ask
/// for unbounded work (long numbers: `range(10**9)`, `'x' * 99999999`)
/// are skipped: a slow template is not a crash.
pub fn template(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut digits = 0;
    for c in text.chars() {
        digits = if c.is_ascii_digit() { digits + 1 } else { 0 };
        if digits > 3 {
            return;
        }
    }
    if text.len() > 4096 || text.matches("for").count() > 2 || text.contains("**") {
        return;
    }
    thread_local! {
        static T: (Templar, Vars) = {
            let mut m = Map::new();
            m.insert("s".into(), Value::from("a 'b' \"c\" $(d)"));
            m.insert("n".into(), Value::Int(42));
            m.insert("l".into(), Value::List(vec![Value::Int(1), Value::from("x"), Value::Bool(true)]));
            let mut inner = Map::new();
            inner.insert("k".into(), Value::from("v"));
            m.insert("d".into(), Value::Map(inner));
            (Templar::new(), Vars::new(Arc::new(m)))
        };
    }
    T.with(|(templar, vars)| {
        let _ = templar.render_string(text, vars);
    });
}

/// Module argument parsing: a YAML mapping as the arguments of one of
/// the modules (picked by the first byte), checked and turned into probes.
pub fn module_args(data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let names: Vec<&str> = ModuleName::all_names().collect();
    let Some(name) = ModuleName::lookup(names[usize::from(pick) % names.len()]) else {
        return;
    };
    let Ok(loaded) = load_str(text, "args.yml") else {
        return;
    };
    let Some(doc) = loaded.docs.first() else {
        return;
    };
    let Value::Map(map) = doc.to_value() else {
        return;
    };
    if let Some(h) = name.host_impl() {
        let _ = h.check(ArgMap::new(map.clone()));
    }
    let _ = engine::modules::probes(name, &map);
}

/// known_hosts files: parsing, host matching (patterns, negation, hashes,
/// `[host]:port`) and the lookup of a key. The first line of the input is
/// `address port`, the second the key blob in hex; the rest is the file.
pub fn known_hosts(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.splitn(3, '\n');
    let head = lines.next().unwrap_or("");
    let key = hex::decode(lines.next().unwrap_or("").trim()).unwrap_or_default();
    let file = lines.next().unwrap_or("");
    let (address, port) = match head.split_once(' ') {
        Some((a, p)) => (a, p.trim().parse().unwrap_or(22)),
        None => (head, 22),
    };
    let _ = engine::transport::known_hosts_probe(file, address, port, &key);
}
