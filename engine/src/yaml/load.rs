//! Parser events to [`Node`]s: the composer and constructor in one pass.
//!
//! `saphyr-parser` yields events with scalar styles, tags, anchor ids and
//! positions. This file builds nodes with an explicit stack (no recursion, so
//! hostile nesting cannot overflow the thread stack), applies PyYAML's typing
//! ([`super::resolve`]), Ansible's tags (`!unsafe`, `!vault`), merge keys and
//! last-wins duplicate keys, and turns character positions into [`Span`]s.

use super::position::{Mapper, Source};
use super::resolve::{self, Implicit, IntValue};
use super::{timestamp, Loaded, MapEntry, Mapping, Node, NodeKind, YamlError};
use crate::source::{Span, Warning};
use crate::value::Value;
use indexmap::map::Entry;
use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Tag};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

/// Deepest nesting accepted (Ansible cannot process much deeper data either).
const MAX_DEPTH: usize = 1000;

/// The YAML core schema's tag prefix (`!!` expands to it).
const CORE: &str = "tag:yaml.org,2002:";

/// Loads every document of `text`; see [`super::load_str`].
pub(crate) fn load(text: &str, file: Arc<str>) -> Result<Loaded, YamlError> {
    // PyYAML drops a leading byte-order mark; so does our position mapping.
    let (body, bom) = match text.strip_prefix('\u{feff}') {
        Some(rest) => (rest, '\u{feff}'.len_utf8()),
        None => (text, 0),
    };
    let mut source = Source::new(body, bom);
    // Each retry fixes one more quoted scalar (see `position`); a text has
    // at most one per line.
    let retries = body.bytes().filter(|&b| b == b'\n').count() + 1;
    for _ in 0..retries {
        let budget = 1_000_000usize.saturating_add(body.len().saturating_mul(100));
        let mut builder = Builder {
            text: &source.text,
            map: &mut source.map,
            file: file.clone(),
            stack: Vec::new(),
            anchors: HashMap::new(),
            unsafe_depth: 0,
            nodes_left: budget,
            node_budget: budget,
            loaded: Loaded::default(),
        };
        let mut parser = Parser::new_from_str(builder.text);
        let mut quoted_indent = None;
        let result = loop {
            let Some(next) = parser.next_event() else {
                break Ok(());
            };
            let (event, span) = match next {
                Ok(ok) => ok,
                Err(e) => {
                    if e.info() == "invalid indentation in quoted scalar" {
                        quoted_indent = Some((e.marker().index(), e.marker().col()));
                    }
                    break Err(builder.scan_error(&e));
                }
            };
            let start = builder.span(span.start, span.end);
            match builder.event(event, start) {
                Ok(false) => {}
                Ok(true) => break Ok(()),
                Err(e) => break Err(e),
            }
        };
        let loaded = builder.loaded;
        match (result, quoted_indent) {
            (Ok(()), _) => return Ok(loaded),
            (Err(e), Some((index, col))) => {
                if !source.indent_quoted(index, col) {
                    return Err(e);
                }
            }
            (Err(e), None) => return Err(e),
        }
    }
    Err(YamlError::Syntax {
        span: Span::file(file),
        message: "invalid indentation in quoted scalar".into(),
    })
}

/// A mapping key while its mapping is being built.
enum Key {
    /// A `<<` merge key.
    Merge,
    /// Any other key node.
    Node(Node),
}

/// A collection under construction.
enum Frame {
    Document,
    Seq {
        node: Open,
        items: Vec<Node>,
    },
    Map {
        node: Open,
        pairs: Vec<(Key, Node)>,
        key: Option<Key>,
    },
}

/// What every open collection remembers until its end event.
struct Open {
    span: Span,
    anchor: usize,
    /// Tagged `!unsafe`: every string inside is unsafe.
    is_unsafe: bool,
    /// Nodes inside so far (for the alias expansion budget).
    count: usize,
}

struct Builder<'t> {
    /// The text being parsed.
    text: &'t str,
    map: &'t mut Mapper,
    file: Arc<str>,
    stack: Vec<Frame>,
    /// Anchored nodes by the parser's anchor id, with their node counts.
    anchors: HashMap<usize, (Node, usize)>,
    unsafe_depth: usize,
    /// Alias expansion budget: nodes that may still be created.
    nodes_left: usize,
    /// The budget at the start.
    node_budget: usize,
    loaded: Loaded,
}

impl Builder<'_> {
    fn span(&mut self, start: saphyr_parser::Marker, end: saphyr_parser::Marker) -> Span {
        let offset = self.map.offset(self.text, start.index());
        let end = self.map.offset(self.text, end.index()).max(offset);
        let column = self.map.column(start.line(), start.col());
        Span {
            file: self.file.clone(),
            line: u32::try_from(start.line()).unwrap_or(u32::MAX),
            column: u32::try_from(column).unwrap_or(u32::MAX),
            offset: offset as u32,
            len: (end - offset) as u32,
        }
    }

    fn scan_error(&mut self, e: &ScanError) -> YamlError {
        let span = self.span(*e.marker(), *e.marker());
        if e.info().contains("unknown anchor") {
            return YamlError::UnknownAnchor { span };
        }
        YamlError::Syntax {
            span,
            message: e.info().to_owned(),
        }
    }

    /// Handles one event; `true` at the end of the stream.
    fn event(&mut self, event: Event<'_>, span: Span) -> Result<bool, YamlError> {
        match event {
            Event::StreamEnd => return Ok(true),
            Event::Nothing | Event::StreamStart => {}
            Event::DocumentStart(_) => self.stack.push(Frame::Document),
            Event::DocumentEnd => {
                self.stack.pop();
            }
            Event::Alias(id) => {
                let (node, count) = self
                    .anchors
                    .get(&id)
                    .ok_or_else(|| YamlError::UnknownAnchor { span: span.clone() })?;
                if *count > self.nodes_left {
                    return Err(YamlError::AliasExpansion {
                        span,
                        limit: self.node_budget,
                    });
                }
                self.nodes_left -= count;
                let (node, count) = (node.clone(), *count);
                self.complete(Key::Node(node), count, 0)?;
            }
            Event::Scalar(text, style, anchor, tag) => {
                let key = self.scalar(text, style, tag.as_deref(), span)?;
                self.complete(key, 1, anchor)?;
            }
            Event::SequenceStart(anchor, tag) => {
                let node = self.open(span, anchor, tag.as_deref(), "sequence", "seq")?;
                self.stack.push(Frame::Seq {
                    node,
                    items: Vec::new(),
                });
            }
            Event::MappingStart(anchor, tag) => {
                let node = self.open(span, anchor, tag.as_deref(), "mapping", "map")?;
                self.stack.push(Frame::Map {
                    node,
                    pairs: Vec::new(),
                    key: None,
                });
            }
            Event::SequenceEnd | Event::MappingEnd => self.close(span)?,
        }
        Ok(false)
    }

    fn open(
        &mut self,
        span: Span,
        anchor: usize,
        tag: Option<&Tag>,
        kind: &'static str,
        core: &str,
    ) -> Result<Open, YamlError> {
        if self.stack.len() > MAX_DEPTH {
            return Err(YamlError::TooDeep {
                span,
                limit: MAX_DEPTH,
            });
        }
        let mut is_unsafe = false;
        if let Some(tag) = tag {
            match canonical(tag) {
                ("", "!") => {}
                ("!", "unsafe") => is_unsafe = true,
                ("!", "vault" | "vault-encrypted") => return Err(YamlError::Vault { span }),
                (CORE, suffix) if suffix == core => {}
                (CORE, "str" | "int" | "float" | "bool" | "null" | "timestamp" | "map" | "seq") => {
                    let expected = match canonical(tag).1 {
                        "map" => "mapping",
                        "seq" => "sequence",
                        _ => "scalar",
                    };
                    return Err(YamlError::TagKindMismatch {
                        span,
                        tag: tag_text(tag),
                        expected,
                        found: kind,
                    });
                }
                _ => {
                    return Err(YamlError::UnknownTag {
                        span,
                        tag: tag_text(tag),
                    })
                }
            }
        }
        if is_unsafe {
            self.unsafe_depth += 1;
        }
        Ok(Open {
            span,
            anchor,
            is_unsafe,
            count: 1,
        })
    }

    fn close(&mut self, end: Span) -> Result<(), YamlError> {
        let (open, kind) = match self.stack.pop() {
            Some(Frame::Seq { node, items }) => (node, NodeKind::Seq(items)),
            Some(Frame::Map { node, pairs, .. }) => {
                let map = self.mapping(pairs)?;
                (node, NodeKind::Map(map))
            }
            other => {
                // The parser pairs start and end events; keep the frame.
                self.stack.extend(other);
                return Ok(());
            }
        };
        if open.is_unsafe {
            self.unsafe_depth -= 1;
        }
        let mut span = open.span;
        span.len = (end.offset + end.len).saturating_sub(span.offset);
        self.complete(Key::Node(Node { kind, span }), open.count, open.anchor)
    }

    /// Adds a finished node to its parent.
    fn complete(&mut self, key: Key, count: usize, anchor: usize) -> Result<(), YamlError> {
        if anchor != 0 {
            let node = match &key {
                Key::Node(node) => node.clone(),
                Key::Merge => Node {
                    kind: NodeKind::Str("<<".into()),
                    span: Span::file(self.file.clone()),
                },
            };
            self.anchors.insert(anchor, (node, count));
        }
        match self.stack.last_mut() {
            Some(Frame::Seq { node, items }) => {
                node.count += count;
                items.push(into_node(key));
            }
            Some(Frame::Map {
                node,
                pairs,
                key: pending,
            }) => {
                node.count += count;
                match pending.take() {
                    None => *pending = Some(key),
                    Some(k) => pairs.push((k, into_node(key))),
                }
            }
            Some(Frame::Document) | None => self.loaded.docs.push(into_node(key)),
        }
        Ok(())
    }

    fn in_key_position(&self) -> bool {
        matches!(self.stack.last(), Some(Frame::Map { key: None, .. }))
    }

    /// Types one scalar: its tag, else (plain only) the YAML 1.1 resolver.
    fn scalar(
        &mut self,
        text: Cow<'_, str>,
        style: ScalarStyle,
        tag: Option<&Tag>,
        span: Span,
    ) -> Result<Key, YamlError> {
        let Some(tag) = tag else {
            return if style == ScalarStyle::Plain {
                self.implicit(text, span, false)
            } else {
                Ok(self.string(text.into_owned(), span, false))
            };
        };
        let kind = match canonical(tag) {
            // `!` (non-specific) resolves as plain whatever the style: PyYAML
            // marks it implicit, so `! 123` is the int 123.
            ("", "!") => return self.implicit(text, span, false),
            // Ansible re-resolves an `!unsafe` scalar as if it were plain
            // (`!unsafe "yes"` is True) and marks the strings unsafe.
            ("!", "unsafe") => return self.implicit(text, span, true),
            ("!", "vault" | "vault-encrypted") => return Err(YamlError::Vault { span }),
            (CORE, "str") => return Ok(self.string(text.into_owned(), span, false)),
            (CORE, "null") => NodeKind::Null,
            (CORE, "bool") => match resolve::construct_bool(&text) {
                Some(b) => NodeKind::Bool(b),
                None => return Err(invalid(span, &text, "bool", "not a boolean word")),
            },
            (CORE, "int") => self.int(&text, &span)?,
            (CORE, "float") => match resolve::construct_float(&text) {
                Some(f) => NodeKind::Float(f),
                None => return Err(invalid(span, &text, "float", "not a number")),
            },
            (CORE, "timestamp") => match timestamp::construct(&text) {
                Ok(iso) => NodeKind::Date(iso),
                Err(reason) => return Err(invalid(span, &text, "timestamp", reason)),
            },
            (CORE, "merge") if self.in_key_position() => return Ok(Key::Merge),
            (CORE, "value") if self.in_key_position() => {
                return Ok(self.string(text.into_owned(), span, false))
            }
            (CORE, suffix @ ("map" | "seq")) => {
                return Err(YamlError::TagKindMismatch {
                    tag: tag_text(tag),
                    span,
                    expected: if suffix == "map" {
                        "mapping"
                    } else {
                        "sequence"
                    },
                    found: "scalar",
                })
            }
            _ => {
                return Err(YamlError::UnknownTag {
                    span,
                    tag: tag_text(tag),
                })
            }
        };
        Ok(Key::Node(Node { kind, span }))
    }

    fn implicit(
        &mut self,
        text: Cow<'_, str>,
        span: Span,
        is_unsafe: bool,
    ) -> Result<Key, YamlError> {
        let kind = match resolve::implicit(&text) {
            Implicit::Str => return Ok(self.string(text.into_owned(), span, is_unsafe)),
            Implicit::Null => NodeKind::Null,
            Implicit::Bool => NodeKind::Bool(resolve::parse_bool(&text).unwrap_or_default()),
            Implicit::Int => self.int(&text, &span)?,
            Implicit::Float => match resolve::construct_float(&text) {
                Some(f) => NodeKind::Float(f),
                None => return Err(invalid(span, &text, "float", "not a number")),
            },
            Implicit::Timestamp => match timestamp::construct(&text) {
                Ok(iso) => NodeKind::Date(iso),
                Err(reason) => return Err(invalid(span, &text, "timestamp", reason)),
            },
            Implicit::Merge if self.in_key_position() => return Ok(Key::Merge),
            Implicit::ValueKey if self.in_key_position() => {
                return Ok(self.string(text.into_owned(), span, is_unsafe))
            }
            Implicit::Merge | Implicit::ValueKey => {
                let suffix = if text == "<<" { "merge" } else { "value" };
                return Err(YamlError::UnknownTag {
                    span,
                    tag: format!("!!{suffix}"),
                });
            }
        };
        Ok(Key::Node(Node { kind, span }))
    }

    fn int(&mut self, text: &str, span: &Span) -> Result<NodeKind, YamlError> {
        match resolve::construct_int(text) {
            Some(IntValue::Small(i)) => Ok(NodeKind::Int(i)),
            Some(IntValue::Big(digits)) => {
                self.loaded.warnings.push(Warning {
                    span: Some(span.clone()),
                    message: format!(
                        "integer `{text}` does not fit in 64 bits and is kept as a string"
                    ),
                });
                Ok(NodeKind::Str(digits))
            }
            None => Err(invalid(span.clone(), text, "int", "not an integer")),
        }
    }

    fn string(&self, text: String, span: Span, is_unsafe: bool) -> Key {
        let kind = if is_unsafe || self.unsafe_depth > 0 {
            NodeKind::Unsafe(text)
        } else {
            NodeKind::Str(text)
        };
        Key::Node(Node { kind, span })
    }

    /// Builds a mapping as PyYAML's `flatten_mapping` + `construct_mapping`
    /// and Ansible's duplicate check do: merged pairs first (a list of merged
    /// mappings in reverse, so earlier ones win), then the explicit pairs;
    /// a repeated key keeps its first position and takes the last value,
    /// with a warning (also when an explicit key overrides a merged one, as
    /// Ansible warns there too).
    fn mapping(&mut self, pairs: Vec<(Key, Node)>) -> Result<Mapping, YamlError> {
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
                    let repr = key
                        .repr
                        .unwrap_or_else(|| crate::value::py_str_repr(slot.key()));
                    self.loaded.warnings.push(Warning {
                        message: format!(
                            "Found duplicate mapping key {repr}. Using last defined value only."
                        ),
                        span: Some(entry.key_span),
                    });
                    slot.get_mut().value = entry.value;
                }
            }
        }
        Ok(map)
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

fn into_node(key: Key) -> Node {
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

fn invalid(span: Span, text: &str, kind: &'static str, reason: &'static str) -> YamlError {
    YamlError::InvalidScalar {
        span,
        text: text.to_owned(),
        kind,
        reason,
    }
}

/// A tag as (handle, suffix) with verbatim tags (`!<tag:yaml.org,2002:str>`,
/// `!<!unsafe>`) expressed like their shorthands, so one `match` covers both.
fn canonical(tag: &Tag) -> (&str, &str) {
    let (handle, suffix) = (tag.handle.as_str(), tag.suffix.as_str());
    if handle.is_empty() {
        if let Some(rest) = suffix.strip_prefix(CORE) {
            return (CORE, rest);
        }
        if suffix != "!" {
            if let Some(rest) = suffix.strip_prefix('!') {
                return ("!", rest);
            }
        }
    }
    (handle, suffix)
}

/// A tag as the user wrote it (`!!int` for core tags).
fn tag_text(tag: &Tag) -> String {
    match canonical(tag) {
        (CORE, suffix) => format!("!!{suffix}"),
        (handle, suffix) => format!("{handle}{suffix}"),
    }
}

#[cfg(test)]
mod tests {
    use super::super::load_str;
    use crate::value::Value;

    fn value(text: &str) -> Value {
        let (doc, _) = load_str(text, "t.yml").expect("loads").single();
        doc.expect("a document").to_value()
    }

    #[test]
    fn smoke() {
        let v = value("a: yes\nb: '0644'\nc: 0644\nd: [1.5, ~, 2024-01-01]\n<<: {e: 1, a: 2}\n");
        assert_eq!(
            v.py_repr(),
            "{'e': 1, 'a': True, 'b': '0644', 'c': 420, 'd': [1.5, None, datetime.date(2024, 1, 1)]}"
        );
    }
}
