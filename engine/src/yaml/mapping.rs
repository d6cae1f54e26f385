//! Mapping construction: merge keys, duplicate keys, key text.
//!
//! PyYAML flattens `<<` merges before building a mapping and Python's dict
//! keeps a repeated key at its first position with the last value; Ansible
//! warns for each repeat. Keys are stored as the text `json.dumps` prints
//! for them, and keys Python compares as equal (`True`, `1`, `1.0`) meet.

use super::compose::Key;
use super::{MapEntry, Mapping, Node, NodeKind, YamlError};
use crate::source::Warning;
use crate::value::Value;
use indexmap::map::Entry;
use std::collections::HashMap;

/// What a repeated key does besides keeping the last value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Duplicates {
    /// Ansible's YAML loader: a warning per repeat.
    Warn,
    /// Python's `json.loads`: silently.
    Silent,
}

/// Builds a mapping as PyYAML's `flatten_mapping` + `construct_mapping`
/// and Ansible's duplicate check do: merged pairs first (a list of merged
/// mappings in reverse, so earlier ones win), then the explicit pairs;
/// a repeated key keeps its first position and takes the last value,
/// with a warning (also when an explicit key overrides a merged one, as
/// Ansible warns there too).
pub(super) fn build(
    pairs: Vec<(Key, Node)>,
    warnings: &mut Vec<Warning>,
    duplicates: Duplicates,
) -> Result<Mapping, YamlError> {
    let mut merged: Vec<(String, MapEntry)> = Vec::new();
    let mut own: Vec<(KeyText, MapEntry)> = Vec::with_capacity(pairs.len());
    for (key, value) in pairs {
        match key {
            Key::Merge => merge_into(&mut merged, value)?,
            Key::Node(key) => {
                let text = key_text(&key)?;
                let entry = MapEntry {
                    key_span: key.span,
                    value,
                };
                own.push((text, entry));
            }
        }
    }
    let merged = merged.into_iter().map(|(text, entry)| {
        let key = KeyText {
            text,
            numeric: None,
            repr: None,
        };
        (key, entry)
    });
    let mut map = Mapping::default();
    map.entries.reserve(merged.len() + own.len());
    // Python compares `True`, `1` and `1.0` as equal keys: the first one
    // written stays (its text), the last value wins.
    let mut numbers: HashMap<String, String> = HashMap::new();
    for (key, entry) in merged.chain(own) {
        let mut text = key.text;
        if let Some(number) = key.numeric {
            match numbers.get(&number) {
                Some(first) => text = first.clone(),
                None => {
                    numbers.insert(number, text.clone());
                }
            }
        }
        match map.entries.entry(text) {
            Entry::Vacant(slot) => {
                slot.insert(entry);
            }
            Entry::Occupied(mut slot) => {
                if duplicates == Duplicates::Warn {
                    let repr = key
                        .repr
                        .unwrap_or_else(|| crate::value::py_str_repr(slot.key()));
                    warnings.push(Warning {
                        message: format!(
                            "Found duplicate mapping key {repr}. Using last defined value only."
                        ),
                        span: Some(entry.key_span),
                    });
                }
                slot.get_mut().value = entry.value;
            }
        }
    }
    Ok(map)
}

/// A mapping key as stored, with what Python's dict needs to compare it.
struct KeyText {
    /// The stored text (`json.dumps` form for non-strings).
    text: String,
    /// For `bool`, `int` and `float` keys: the number, so `True`, `1` and
    /// `1.0` meet as they do in a Python dict.
    numeric: Option<String>,
    /// Python's `repr()` of a non-string key, for the duplicate warning.
    repr: Option<String>,
}

fn merge_into(merged: &mut Vec<(String, MapEntry)>, value: Node) -> Result<(), YamlError> {
    match value.kind {
        NodeKind::Map(map) => merged.extend(map.entries),
        NodeKind::Seq(items) => {
            let mut maps = Vec::with_capacity(items.len());
            for item in items {
                match item.kind {
                    NodeKind::Map(map) => maps.push(map),
                    _ => {
                        return Err(YamlError::BadMerge {
                            found: item.kind_name(),
                            span: item.span,
                        })
                    }
                }
            }
            for map in maps.into_iter().rev() {
                merged.extend(map.entries);
            }
        }
        _ => {
            return Err(YamlError::BadMerge {
                found: value.kind_name(),
                span: value.span,
            })
        }
    }
    Ok(())
}

/// A scalar key as the string `json.dumps` would print it.
fn key_text(key: &Node) -> Result<KeyText, YamlError> {
    use crate::value::{py_float_json, py_float_repr};
    let (text, numeric, repr) = match &key.kind {
        NodeKind::Str(s) | NodeKind::Unsafe(s) => (s.clone(), None, None),
        NodeKind::Date(s) => (s.clone(), None, Some(Value::Date(s.clone()).py_repr())),
        NodeKind::Null => ("null".into(), None, Some("None".into())),
        NodeKind::Bool(b) => {
            let (text, number, repr) = if *b {
                ("true", "1", "True")
            } else {
                ("false", "0", "False")
            };
            (text.into(), Some(number.into()), Some(repr.into()))
        }
        NodeKind::Int(i) => (i.to_string(), Some(i.to_string()), Some(i.to_string())),
        NodeKind::Float(f) => {
            // An integral float equals the int of the same value.
            let number = if f.fract() == 0.0 && f.abs() < 9.0e15 {
                format!("{}", *f as i64)
            } else {
                py_float_json(*f)
            };
            (py_float_json(*f), Some(number), Some(py_float_repr(*f)))
        }
        NodeKind::Seq(_) | NodeKind::Map(_) => {
            return Err(YamlError::NonScalarKey {
                span: key.span.clone(),
                found: key.kind_name(),
            })
        }
    };
    Ok(KeyText {
        text,
        numeric,
        repr,
    })
}
