//! `dump`, `to_json`, `py_repr` and `py_str` against PyYAML and Python.

use super::cases;
use engine::value::{JsonOptions, Value};
use engine::yaml::{dump, load_str, DumpStyle};
use serde::Deserialize;

#[derive(Deserialize)]
struct Expected {
    name: String,
    repr: String,
    str: String,
    block: String,
    flow: String,
    nice: String,
    json: String,
    json_nice: String,
    json_ascii: String,
}

fn data() -> Vec<(Value, Expected)> {
    let inputs = cases(include_str!("dump_cases.txt"));
    let expected: Vec<Expected> =
        serde_json::from_str(include_str!("dump_expected.json")).expect("valid expected data");
    assert_eq!(inputs.len(), expected.len(), "run tests/yaml/regen.py");
    inputs
        .into_iter()
        .zip(expected)
        .map(|((name, text), want)| {
            assert_eq!(name, want.name, "run tests/yaml/regen.py");
            let (doc, _) = load_str(text, "case.yml").expect("loads").single();
            (doc.expect("a document").to_value(), want)
        })
        .collect()
}

/// Compares one printer over every case and reports all mismatches.
fn check(printer: &str, print: impl Fn(&Value) -> String, want: impl Fn(&Expected) -> &str) {
    let mut failures = Vec::new();
    for (value, expected) in data() {
        let ours = print(&value);
        let theirs = want(&expected);
        if ours != theirs {
            failures.push(format!(
                "{printer} `{}`:\n--- ours\n{ours}\n--- python\n{theirs}",
                expected.name
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn repr_matches_python() {
    check("repr", Value::py_repr, |e| &e.repr);
}

#[test]
fn str_matches_python() {
    check("str", Value::py_str, |e| &e.str);
}

#[test]
fn json_matches_json_dumps() {
    let compact = JsonOptions::default();
    check("json", |v| v.to_json(compact), |e| &e.json);
    let nice = JsonOptions {
        indent: Some(4),
        sort_keys: true,
        ensure_ascii: false,
    };
    check(
        "json indent=4 sort_keys",
        |v| v.to_json(nice),
        |e| &e.json_nice,
    );
    let ascii = JsonOptions {
        indent: Some(2),
        sort_keys: false,
        ensure_ascii: true,
    };
    check("json ensure_ascii", |v| v.to_json(ascii), |e| &e.json_ascii);
}

#[test]
fn block_dump_matches_ansible_inventory_yaml() {
    check("block", |v| dump(v, DumpStyle::Block), |e| &e.block);
}

#[test]
fn flow_dump_matches_to_yaml() {
    check("flow", |v| dump(v, DumpStyle::Flow), |e| &e.flow);
}

#[test]
fn nice_dump_matches_to_nice_yaml() {
    check(
        "nice",
        |v| dump(v, DumpStyle::Nice { indent: 4 }),
        |e| &e.nice,
    );
}
