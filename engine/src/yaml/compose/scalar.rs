//! Typing one scalar: its tag, else (plain scalars only) the YAML 1.1
//! resolver; Ansible's `!unsafe` and `!vault`; JSON literals in JSON mode.

use super::super::resolve::{self, Implicit, IntValue};
use super::super::{timestamp, Node, NodeKind, YamlError};
use super::{Builder, Frame, Key};
use crate::source::{Span, Warning};
use saphyr_parser::{ScalarStyle, Tag};
use std::borrow::Cow;

/// The YAML core schema's tag prefix (`!!` expands to it).
pub(super) const CORE: &str = "tag:yaml.org,2002:";

impl Builder<'_> {
    fn in_key_position(&self) -> bool {
        matches!(self.stack.last(), Some(Frame::Map { map, .. }) if map.wants_key())
    }

    /// Types one scalar: its tag, else (plain only) the YAML 1.1 resolver.
    pub(super) fn scalar(
        &mut self,
        text: Cow<'_, str>,
        style: ScalarStyle,
        tag: Option<&Tag>,
        span: Span,
    ) -> Result<Key, YamlError> {
        let Some(tag) = tag else {
            return if style == ScalarStyle::Plain && self.json {
                self.json_scalar(&text, span)
            } else if style == ScalarStyle::Plain {
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

    /// A bare JSON literal as `json.loads` types it: `true`, `false`,
    /// `null`, an int, or a float when there is a fraction or exponent.
    fn json_scalar(&mut self, text: &str, span: Span) -> Result<Key, YamlError> {
        let kind = match text {
            "true" => NodeKind::Bool(true),
            "false" => NodeKind::Bool(false),
            "null" => NodeKind::Null,
            number if number.contains(['.', 'e', 'E']) => match number.parse() {
                Ok(f) => NodeKind::Float(f),
                Err(_) => return Err(invalid(span, number, "float", "not a number")),
            },
            number => self.int(number, &span)?,
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
pub(super) fn canonical(tag: &Tag) -> (&str, &str) {
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
pub(super) fn tag_text(tag: &Tag) -> String {
    match canonical(tag) {
        (CORE, suffix) => format!("!!{suffix}"),
        (handle, suffix) => format!("{handle}{suffix}"),
    }
}
