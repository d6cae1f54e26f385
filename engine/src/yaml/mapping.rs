//! Mapping construction: merge keys, duplicate keys, key text.
//!
//! PyYAML flattens `<<` merges before building a mapping and Python's dict
//! keeps a repeated key at its first position with the last value; Ansible
//! warns for each repeat. Keys are stored as the text `json.dumps` prints
//! for them, and keys Python compares as equal (`True`, `1`, `1.0`) meet.

use super::compose::Key;
use super::{MapEntry, Mapping, Node, NodeKind, YamlError};
use crate::source::{Span, Warning};
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

/// A mapping under construction, built as PyYAML's `flatten_mapping` +
/// `construct_mapping` and Ansible's duplicate check do: merged pairs first
/// (a list of merged mappings in reverse, so earlier ones win), then the
/// explicit pairs; a repeated key keeps its first position and takes the
/// last value, with a warning (also when an explicit key overrides a merged
/// one, as Ansible warns there too).
///
/// Explicit pairs go straight into the map as they arrive; merges are kept
/// aside and put in front at [`MapBuilder::finish`], so the common case
/// (no `<<`) builds the map once with no intermediate list.
pub(super) struct MapBuilder {
    map: Mapping,
    /// Flattened merge sources, in PyYAML's order.
    merged: Vec<(String, MapEntry)>,
    /// The key waiting for its value.
    pending: Option<Pending>,
    /// Numeric keys seen (`True`, `1`, `1.0` meet as in a Python dict):
    /// number → stored text. Only allocated when a numeric key appears.
    numbers: Option<HashMap<String, String>>,
    duplicates: Duplicates,
}

enum Pending {
    Merge,
    Key(KeyText, Span),
}

impl MapBuilder {
    pub(super) fn new(duplicates: Duplicates) -> MapBuilder {
        MapBuilder {
            map: Mapping::default(),
            merged: Vec::new(),
            pending: None,
            numbers: None,
            duplicates,
        }
    }

    /// Whether the next node is a key.
    pub(super) fn wants_key(&self) -> bool {
        self.pending.is_none()
    }

    /// Adds the next node: a key, or the value of the pending key.
    pub(super) fn push(&mut self, node: Key, warnings: &mut Vec<Warning>) -> Result<(), YamlError> {
        match (self.pending.take(), node) {
            (None, Key::Merge) => self.pending = Some(Pending::Merge),
            (None, Key::Node(key)) => {
                let span = key.span.clone();
                self.pending = Some(Pending::Key(key_text(key)?, span));
            }
            (Some(Pending::Merge), value) => merge_into(&mut self.merged, into_node(value))?,
            (Some(Pending::Key(key, key_span)), value) => {
                let text = self.number_text(key.text, key.numeric);
                let entry = MapEntry {
                    key_span,
                    value: into_node(value),
                };
                insert(
                    &mut self.map,
                    text,
                    key.repr,
                    entry,
                    self.duplicates,
                    warnings,
                );
            }
        }
        Ok(())
    }

    /// The stored text of a key, the first one's when Python's dict would
    /// find an equal numeric key already there.
    fn number_text(&mut self, text: String, numeric: Option<String>) -> String {
        let Some(number) = numeric else {
            return text;
        };
        let numbers = self.numbers.get_or_insert_with(HashMap::new);
        match numbers.get(&number) {
            Some(first) => first.clone(),
            None => {
                numbers.insert(number, text.clone());
                text
            }
        }
    }

    /// The finished mapping: merged entries first, then the explicit ones.
    pub(super) fn finish(self, warnings: &mut Vec<Warning>) -> Mapping {
        if self.merged.is_empty() {
            return self.map;
        }
        let mut map = Mapping::default();
        map.entries.reserve(self.merged.len() + self.map.len());
        let explicit = self.map.entries.into_iter();
        for (text, entry) in self.merged.into_iter().chain(explicit) {
            insert(&mut map, text, None, entry, self.duplicates, warnings);
        }
        map
    }
}

fn insert(
    map: &mut Mapping,
    text: String,
    repr: Option<String>,
    entry: MapEntry,
    duplicates: Duplicates,
    warnings: &mut Vec<Warning>,
) {
    match map.entries.entry(text) {
        Entry::Vacant(slot) => {
            slot.insert(entry);
        }
        Entry::Occupied(mut slot) => {
            if duplicates == Duplicates::Warn {
                let repr = repr.unwrap_or_else(|| crate::value::py_str_repr(slot.key()));
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

/// Ansible's JSON decoder reads an object with a `__ansible_unsafe` string
/// as that unsafe string (other keys dropped) and one with `__ansible_vault`
/// as vault data (what its own JSON output writes for them); any other
/// object is a mapping.
pub(super) fn json_marker(mut map: Mapping) -> Result<NodeKind, YamlError> {
    if let Some(entry) = map.entries.get("__ansible_vault") {
        return Err(YamlError::Vault {
            span: entry.key_span.clone(),
        });
    }
    match map.entries.swap_remove("__ansible_unsafe") {
        Some(MapEntry {
            value:
                Node {
                    kind: NodeKind::Str(text),
                    ..
                },
            ..
        }) => Ok(NodeKind::Unsafe(text)),
        Some(entry) => {
            map.entries.insert("__ansible_unsafe".into(), entry);
            Ok(NodeKind::Map(map))
        }
        None => Ok(NodeKind::Map(map)),
    }
}

pub(super) fn into_node(key: Key) -> Node {
    match key {
        Key::Node(node) => node,
        // A merge key only ever sits in key position; as a value it has
        // already been rejected.
        Key::Merge => Node {
            kind: NodeKind::Str("<<".into()),
            span: Span::file(""),
        },
    }
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
fn key_text(key: Node) -> Result<KeyText, YamlError> {
    use crate::value::{py_float_json, py_float_repr};
    let (text, numeric, repr) = match key.kind {
        NodeKind::Str(s) | NodeKind::Unsafe(s) => (s, None, None),
        NodeKind::Date(s) => {
            let repr = Value::Date(s.clone()).py_repr();
            (s, None, Some(repr))
        }
        NodeKind::Null => ("null".into(), None, Some("None".into())),
        NodeKind::Bool(b) => {
            let (text, number, repr) = if b {
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
                format!("{}", f as i64)
            } else {
                py_float_json(f)
            };
            (py_float_json(f), Some(number), Some(py_float_repr(f)))
        }
        kind @ (NodeKind::Seq(_) | NodeKind::Map(_)) => {
            return Err(YamlError::NonScalarKey {
                span: key.span,
                found: kind.name(),
            })
        }
    };
    Ok(KeyText {
        text,
        numeric,
        repr,
    })
}
