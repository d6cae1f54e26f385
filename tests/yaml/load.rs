//! `load_str` against Ansible's loader: values, types, warnings, errors.

use super::cases;
use engine::value::{Map, Value};
use engine::yaml::{load_str, YamlError};
use serde::Deserialize;

#[derive(Deserialize)]
struct Expected {
    name: String,
    docs: Option<Vec<String>>,
    error: Option<String>,
    warnings: Vec<ExpectedWarning>,
}

#[derive(Deserialize)]
struct ExpectedWarning {
    message: String,
    line: Option<u32>,
    column: Option<u32>,
}

/// Python's `repr()` of what the regen script prints: unsafe strings as
/// `{'!unsafe': text}`.
fn marked(value: &Value) -> Value {
    match value {
        Value::Unsafe(s) => Value::Map(Map::from([("!unsafe".to_owned(), Value::Str(s.clone()))])),
        Value::List(items) => Value::List(items.iter().map(marked).collect()),
        Value::Map(map) => Value::Map(map.iter().map(|(k, v)| (k.clone(), marked(v))).collect()),
        other => other.clone(),
    }
}

/// The error variant we return for each Python exception.
fn variant_for(python_error: &str) -> &'static [&'static str] {
    let (kind, message) = python_error.split_once(": ").unwrap_or((python_error, ""));
    match kind {
        "ScannerError" | "ParserError" => &["Syntax"],
        "ComposerError" => &["UnknownAnchor"],
        "ValueError" | "KeyError" => &["InvalidScalar"],
        "ConstructorError" if message.contains("could not determine a constructor") => {
            &["UnknownTag"]
        }
        "ConstructorError" if message.starts_with("expected a") => &["TagKindMismatch"],
        "ConstructorError" => &["NonScalarKey", "BadMerge"],
        _ => &[],
    }
}

fn variant_name(e: &YamlError) -> String {
    format!("{e:?}")
        .split([' ', '{', '('])
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn every_case_loads_as_ansible_loads_it() {
    let inputs = cases(include_str!("load_cases.txt"));
    let expected: Vec<Expected> =
        serde_json::from_str(include_str!("load_expected.json")).expect("valid expected data");
    assert_eq!(inputs.len(), expected.len(), "run tests/yaml/regen.py");
    let mut failures = Vec::new();
    for ((name, text), want) in inputs.iter().zip(&expected) {
        assert_eq!(*name, want.name, "run tests/yaml/regen.py");
        let got = load_str(text, "case.yml");
        if let Some(deviation) = name.split("[deviation: ").nth(1) {
            let deviation = deviation.trim_end_matches(']');
            let ok = match &got {
                Ok(_) => deviation == "accepted",
                Err(e) => variant_name(e) == deviation,
            };
            if !ok {
                failures.push(format!("{name}: expected {deviation}, got {got:?}"));
            }
            continue;
        }
        match (&got, &want.docs, &want.error) {
            (Ok(loaded), Some(docs), _) => {
                let ours: Vec<String> = loaded
                    .docs
                    .iter()
                    .map(|d| marked(&d.to_value()).py_repr())
                    .collect();
                if &ours != docs {
                    failures.push(format!("{name}:\n  ours:    {ours:?}\n  ansible: {docs:?}"));
                }
                let warnings: Vec<(String, Option<u32>, Option<u32>)> = loaded
                    .warnings
                    .iter()
                    .map(|w| {
                        let span = w.span.as_ref();
                        (
                            w.message.clone(),
                            span.map(|s| s.line),
                            span.map(|s| s.column),
                        )
                    })
                    .collect();
                let theirs: Vec<(String, Option<u32>, Option<u32>)> = want
                    .warnings
                    .iter()
                    .map(|w| (w.message.clone(), w.line, w.column))
                    .collect();
                // Ansible's warning for a non-string key has no position;
                // ours always has one.
                let same = warnings.len() == theirs.len()
                    && warnings
                        .iter()
                        .zip(&theirs)
                        .all(|(o, t)| o.0 == t.0 && (t.1.is_none() || (o.1, o.2) == (t.1, t.2)));
                if !same {
                    failures.push(format!(
                        "{name} warnings:\n  ours:    {warnings:?}\n  ansible: {theirs:?}"
                    ));
                }
            }
            (Ok(loaded), None, None) => {
                if !loaded.docs.is_empty() {
                    failures.push(format!("{name}: expected no document, got {loaded:?}"));
                }
            }
            (Err(e), _, Some(error)) => {
                let allowed = variant_for(error);
                if !allowed.contains(&variant_name(e).as_str()) {
                    failures.push(format!("{name}: ansible `{error}`, ours {e:?}"));
                }
            }
            (Ok(loaded), None, Some(error)) => failures.push(format!(
                "{name}: ansible fails with `{error}`, ours {loaded:?}"
            )),
            (Err(e), _, None) => failures.push(format!("{name}: ansible loads it, ours {e}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn errors_name_the_file_line_and_column() {
    let err = load_str("a:\n  b: [1, 2\n", "inv/hosts.yml").expect_err("unclosed flow");
    let text = err.to_string();
    assert!(text.starts_with("inv/hosts.yml:3:1: "), "{text}");
    let err = load_str("a: !vault |\n  xx\n", "vars.yml").expect_err("vault");
    assert_eq!(
        err.to_string(),
        "vars.yml:1:4: `!vault` encrypted values are not supported"
    );
    let err = load_str("x: 1\ny: !foo bar\n", "f.yml").expect_err("tag");
    assert_eq!(err.to_string(), "f.yml:2:4: unsupported tag `!foo`");
    let err = load_str("x: *nope\n", "f.yml").expect_err("alias");
    assert_eq!(err.to_string(), "f.yml:1:4: unknown anchor in alias");
}

#[test]
fn spans_are_one_based_with_byte_offsets() {
    let text = "é: 1\nlist:\n  - ü: \"quoted\"\n";
    let (doc, _) = load_str(text, "s.yml").expect("loads").single();
    let doc = doc.expect("a document");
    let entry = doc.as_map().and_then(|m| m.entry("list")).expect("list");
    assert_eq!((entry.key_span.line, entry.key_span.column), (2, 1));
    assert_eq!(
        entry.key_span.offset as usize,
        text.find("list").expect("in text")
    );
    let item = &entry.value.as_seq().expect("a sequence")[0];
    let quoted = item.get("ü").expect("key ü");
    assert_eq!((quoted.span.line, quoted.span.column), (3, 8));
    assert_eq!(quoted.span.offset as usize, text.find('"').expect("quote"));
    assert_eq!(quoted.span.len as usize, "\"quoted\"".len());
}

#[test]
fn a_second_document_is_rejected_on_request() {
    let loaded = load_str("a: 1\n---\nb: 2\n", "two.yml").expect("loads");
    assert_eq!(loaded.docs.len(), 2);
    let err = loaded.expect_single().expect_err("two documents");
    assert!(matches!(err, YamlError::MultipleDocuments { ref span } if span.line == 3));
}

#[test]
fn hostile_inputs_fail_cleanly() {
    let deep = "[".repeat(5000);
    assert!(load_str(&deep, "deep.yml").is_err());
    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..9 {
        let prev = i - 1;
        bomb.push_str(&format!(
            "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
        ));
    }
    let err = load_str(&bomb, "bomb.yml").expect_err("alias bomb");
    assert!(matches!(err, YamlError::AliasExpansion { .. }), "{err:?}");
}
