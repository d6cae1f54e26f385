//! `subelements`: `(record, element)` pairs for every element of the
//! list a dotted key points to inside each record (`with_subelements`).
//!
//! Follows ansible-core 2.19's plugin to the letter, quirks included:
//! a record or a dict of records whose `skipped` is anything but `false`
//! is left out; the listed key is *removed* from the record each pair
//! carries (the plugin `pop`s it); with `skip_missing` a missing key is
//! passed over and the walk goes on with the next key in the same
//! record. Error texts are the plugin's.

use super::lookup_failed;
use crate::template::native::{from_jinja, to_jinja};
use crate::value::Value;
use minijinja::Error;

fn terms_error(msg: &str) -> Error {
    lookup_failed(
        "subelements",
        format_args!("subelements lookup expects a list of two or three items, {msg}"),
    )
}

/// Whether a `skipped` entry marks its record as skipped (`is not False`).
fn skipped(record: &crate::value::Map) -> bool {
    record
        .get("skipped")
        .is_some_and(|v| !matches!(v, Value::Bool(false)))
}

pub(super) fn subelements(terms: &[minijinja::Value]) -> Result<Vec<minijinja::Value>, Error> {
    if !(2..=3).contains(&terms.len()) {
        return Err(terms_error(""));
    }
    let first = from_jinja(&terms[0]);
    let (Value::List(_) | Value::Map(_), Value::Str(path) | Value::Unsafe(path)) =
        (&first, from_jinja(&terms[1]))
    else {
        return Err(terms_error(
            "first a dict or a list, second a string pointing to the subkey",
        ));
    };
    let keys: Vec<&str> = path.split('.').collect();
    let records = match first {
        Value::Map(m) if skipped(&m) => return Ok(Vec::new()),
        Value::Map(m) => m.into_values().collect(),
        Value::List(l) => l,
        _ => unreachable!("checked to be a list or a dict above"),
    };
    let skip_missing = match terms.get(2).map(from_jinja) {
        None => false,
        Some(Value::Map(flags)) => flags
            .get("skip_missing")
            .is_some_and(|v| crate::config::value::boolean(&v.py_str())),
        Some(_) => {
            return Err(terms_error(
                "the optional third item must be a dict with flags ('skip_missing',)",
            ))
        }
    };
    let mut out = Vec::new();
    for record in records {
        let Value::Map(mut record) = record else {
            return Err(lookup_failed(
                "subelements",
                format_args!(
                    "subelements lookup expects a dictionary, got '{}'",
                    record.py_str()
                ),
            ));
        };
        if skipped(&record) {
            continue;
        }
        let sublist = take_sublist(&mut record, &keys, skip_missing)?;
        let record = Value::Map(record);
        for element in sublist {
            out.push(to_jinja(&Value::List(vec![record.clone(), element])));
        }
    }
    Ok(out)
}

/// Walks `keys` into `record` and removes the list the last one names.
/// As the plugin, "last" means equal to the last key (so `a.a` takes the
/// first `a` as last) and the walk does not stop there.
fn take_sublist(
    record: &mut crate::value::Map,
    keys: &[&str],
    skip_missing: bool,
) -> Result<Vec<Value>, Error> {
    let mut node = record;
    let mut last = false;
    let mut sublist = Vec::new();
    for key in keys {
        last |= Some(key) == keys.last();
        let Some(value) = node.get(*key) else {
            if skip_missing {
                continue;
            }
            return Err(lookup_failed(
                "subelements",
                format_args!(
                    "could not find '{key}' key in iterated item '{}'",
                    Value::Map(node.clone()).py_str()
                ),
            ));
        };
        match value {
            Value::Map(_) if !last => {
                let Some(Value::Map(inner)) = node.get_mut(*key) else {
                    unreachable!("matched as a dict just above");
                };
                node = inner;
            }
            _ if !last => {
                if skip_missing {
                    continue;
                }
                return Err(lookup_failed(
                    "subelements",
                    format_args!(
                        "the key {key} should point to a dictionary, got '{}'",
                        value.py_str()
                    ),
                ));
            }
            Value::List(_) => {
                if let Some(Value::List(list)) = node.shift_remove(*key) {
                    sublist = list;
                }
            }
            _ => {
                return Err(lookup_failed(
                    "subelements",
                    format_args!(
                        "the key {key} should point to a list, got '{}'",
                        value.py_str()
                    ),
                ))
            }
        }
    }
    Ok(sublist)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(terms: serde_json::Value) -> Result<Value, String> {
        let serde_json::Value::Array(terms) = terms else {
            panic!("terms are a list")
        };
        let terms: Vec<minijinja::Value> = terms
            .into_iter()
            .map(|t| to_jinja(&Value::from_json(t)))
            .collect();
        subelements(&terms)
            .map(|out| Value::List(out.iter().map(from_jinja).collect()))
            .map_err(|e| e.detail().unwrap_or_default().to_owned())
    }

    fn users() -> serde_json::Value {
        serde_json::json!([
            {"name": "alice", "mysql": {"password": "p", "hosts": ["a", "b"]}, "x": {"list": [9]}},
            {"name": "bob", "skipped": 0, "mysql": {"hosts": ["c"]}},
            {"name": "carol", "mysql": {"hosts": ["d"]}}
        ])
    }

    // Expected values are ansible-core 2.19.14's `q('subelements', ...)` on
    // the same data: the listed key is gone from each record, `skipped: 0`
    // skips, `skip_missing` passes over records without the key.
    #[test]
    fn pairs_are_ansibles() {
        let alice =
            serde_json::json!({"name": "alice", "mysql": {"password": "p"}, "x": {"list": [9]}});
        let carol = serde_json::json!({"name": "carol", "mysql": {}});
        assert_eq!(
            run(serde_json::json!([users(), "mysql.hosts"])),
            Ok(Value::from_json(serde_json::json!([
                [alice, "a"],
                [alice, "b"],
                [carol, "d"]
            ])))
        );
        let alice = serde_json::json!({"name": "alice", "mysql": {"password": "p", "hosts": ["a", "b"]}, "x": {}});
        assert_eq!(
            run(serde_json::json!([users(), "x.list", {"skip_missing": true}])),
            Ok(Value::from_json(serde_json::json!([[alice, 9]])))
        );
        assert_eq!(
            run(serde_json::json!([{"skipped": true}, "mysql.hosts"])),
            Ok(Value::from_json(serde_json::json!([])))
        );
    }

    #[test]
    fn errors_are_ansibles() {
        let prefix = "The lookup plugin 'subelements' failed: ";
        let cases = [
            (serde_json::json!([users(), "mysql.password"]), "the key password should point to a list, got 'p'"),
            (serde_json::json!([users(), "mysql.nope"]), "could not find 'nope' key in iterated item '{'password': 'p', 'hosts': ['a', 'b']}'"),
            (serde_json::json!([users(), "mysql.password.x"]), "the key password should point to a dictionary, got 'p'"),
            (serde_json::json!([[1], "mysql.hosts"]), "subelements lookup expects a dictionary, got '1'"),
            (serde_json::json!([users()]), "subelements lookup expects a list of two or three items, "),
            (serde_json::json!([9001, "groups"]), "subelements lookup expects a list of two or three items, first a dict or a list, second a string pointing to the subkey"),
            (serde_json::json!([users(), "mysql.hosts", "wolves"]), "subelements lookup expects a list of two or three items, the optional third item must be a dict with flags ('skip_missing',)"),
        ];
        for (terms, want) in cases {
            assert_eq!(
                run(terms.clone()),
                Err(format!("{prefix}{want}")),
                "{terms}"
            );
        }
    }
}
