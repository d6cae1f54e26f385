//! Parser events to [`Node`]s: the composer and constructor in one pass.
//!
//! `saphyr-parser` yields events with scalar styles, tags, anchor ids and
//! positions. This file builds nodes with an explicit stack (no recursion, so
//! hostile nesting cannot overflow the thread stack), applies PyYAML's typing
//! ([`super::resolve`]) and Ansible's tags (`!unsafe`, `!vault`), hands
//! finished mappings to [`super::mapping`], and turns parser positions into
//! [`Span`]s.

use super::mapping::{self, Duplicates, MapBuilder};
use super::position::Mapper;
use super::{Loaded, Node, NodeKind, YamlError};
use crate::source::Span;
use saphyr_parser::{Event, ScanError, Tag};
use std::collections::HashMap;
use std::sync::Arc;

mod scalar;

use scalar::{canonical, tag_text, CORE};

/// Deepest nesting accepted (Ansible cannot process much deeper data either).
const MAX_DEPTH: usize = 1000;

/// A mapping key while its mapping is being built.
pub(super) enum Key {
    /// A `<<` merge key.
    Merge,
    /// Any other key node.
    Node(Node),
}

/// A collection under construction.
// Frames live only on the open-collection stack (at most `MAX_DEPTH`), so
// the size difference costs nothing that boxing would save.
#[allow(clippy::large_enum_variant)]
enum Frame {
    Document,
    Seq { node: Open, items: Vec<Node> },
    Map { node: Open, map: MapBuilder },
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

/// Builds the documents of one text from its parser events.
pub(super) struct Builder<'t> {
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
    /// The text is JSON: Python's `json.loads` typing, silent duplicates.
    json: bool,
    /// What has been built so far.
    pub(super) loaded: Loaded,
}

impl<'t> Builder<'t> {
    pub(super) fn new(text: &'t str, map: &'t mut Mapper, file: Arc<str>, json: bool) -> Self {
        // Alias expansion budget: generous for real files, fatal for
        // "billion laughs".
        let budget = 1_000_000usize.saturating_add(text.len().saturating_mul(100));
        Builder {
            text,
            map,
            file,
            stack: Vec::new(),
            anchors: HashMap::new(),
            unsafe_depth: 0,
            nodes_left: budget,
            node_budget: budget,
            json,
            loaded: Loaded::default(),
        }
    }

    pub(super) fn span(
        &mut self,
        start: saphyr_parser::Marker,
        end: saphyr_parser::Marker,
    ) -> Span {
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

    pub(super) fn scan_error(&mut self, e: &ScanError) -> YamlError {
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
    pub(super) fn event(
        &mut self,
        event: Event<'_>,
        raw: saphyr_parser::Span,
    ) -> Result<bool, YamlError> {
        if let Event::SequenceEnd | Event::MappingEnd = event {
            // Only the end offset matters here: no span to build.
            let end = self.map.offset(self.text, raw.end.index());
            self.close(end)?;
            return Ok(false);
        }
        let span = self.span(raw.start, raw.end);
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
                let duplicates = if self.json {
                    Duplicates::Silent
                } else {
                    Duplicates::Warn
                };
                self.stack.push(Frame::Map {
                    node,
                    map: MapBuilder::new(duplicates),
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {}
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

    /// Finishes the innermost collection; `end` is the byte offset after it.
    fn close(&mut self, end: usize) -> Result<(), YamlError> {
        let (open, kind) = match self.stack.pop() {
            Some(Frame::Seq { node, items }) => (node, NodeKind::Seq(items)),
            Some(Frame::Map { node, map }) => {
                let map = map.finish(&mut self.loaded.warnings);
                let kind = if self.json {
                    mapping::json_marker(map)?
                } else {
                    NodeKind::Map(map)
                };
                (node, kind)
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
        span.len = u32::try_from(end)
            .unwrap_or(u32::MAX)
            .saturating_sub(span.offset);
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
                items.push(mapping::into_node(key));
            }
            Some(Frame::Map { node, map }) => {
                node.count += count;
                map.push(key, &mut self.loaded.warnings)?;
            }
            Some(Frame::Document) | None => self.loaded.docs.push(mapping::into_node(key)),
        }
        Ok(())
    }
}
