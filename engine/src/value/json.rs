//! JSON text as Python's `json.dumps` writes it, and `serde_json` bridges.
//!
//! `ansible-inventory --list`, `to_json`/`to_nice_json` and registered
//! results print through `json.dumps`; matching its bytes (separators,
//! `indent`, `sort_keys`, `ensure_ascii`, Python float repr, `NaN` and
//! `Infinity`) lets our output be diffed against Ansible's.

use super::pyrepr::py_float_repr;
use super::{Map, Value};
use std::fmt::Write;

/// The `json.dumps` arguments that change the bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct JsonOptions {
    /// `indent=`: `None` for one line with `", "` and `": "` separators;
    /// `Some(n)` for one item per line, `n` spaces per level, `","`.
    pub indent: Option<usize>,
    /// `sort_keys=True`: keys in code point order.
    pub sort_keys: bool,
    /// `ensure_ascii=True`: every non-ASCII character as `\uXXXX`.
    pub ensure_ascii: bool,
}

impl Value {
    /// This value as `json.dumps(value, indent=.., sort_keys=..,
    /// ensure_ascii=..)` prints it, byte for byte (dates as their ISO text,
    /// unsafe strings as plain strings, as Ansible's encoder does).
    ///
    /// ```
    /// use engine::value::{JsonOptions, Value};
    /// let v = Value::List(vec![Value::Float(1e16), Value::Null, "é".into()]);
    /// assert_eq!(v.to_json(JsonOptions::default()), r#"[1e+16, null, "é"]"#);
    /// ```
    pub fn to_json(&self, opts: JsonOptions) -> String {
        let mut out = String::new();
        write_json(&mut out, self, opts, 0);
        out
    }

    /// Converts parsed JSON (as `json.loads` would give it).
    ///
    /// Integers beyond 64 bits become floats (Python keeps them as ints).
    pub fn from_json(v: serde_json::Value) -> Value {
        match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            serde_json::Value::String(s) => Value::Str(s),
            serde_json::Value::Array(items) => {
                Value::List(items.into_iter().map(Value::from_json).collect())
            }
            serde_json::Value::Object(map) => Value::Map(
                map.into_iter()
                    .map(|(k, v)| (k, Value::from_json(v)))
                    .collect::<Map>(),
            ),
        }
    }

    /// Converts to `serde_json` (for typed deserialization and minijinja).
    ///
    /// `NaN` and infinities, which JSON cannot hold, become `null`.
    pub fn to_serde_json(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Int(i) => serde_json::Value::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f)
                .map_or(serde_json::Value::Null, serde_json::Value::Number),
            Value::Str(s) | Value::Unsafe(s) | Value::Date(s) => {
                serde_json::Value::String(s.clone())
            }
            Value::List(items) => {
                serde_json::Value::Array(items.iter().map(Value::to_serde_json).collect())
            }
            Value::Map(map) => serde_json::Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), v.to_serde_json()))
                    .collect(),
            ),
        }
    }
}

/// A float as `json.dumps` prints it: Python's repr, `NaN`, `Infinity`.
pub fn py_float_json(f: f64) -> String {
    if f.is_nan() {
        "NaN".into()
    } else if f.is_infinite() {
        if f > 0.0 { "Infinity" } else { "-Infinity" }.into()
    } else {
        py_float_repr(f)
    }
}

fn newline(out: &mut String, indent: usize, level: usize) {
    out.push('\n');
    out.extend(std::iter::repeat_n(' ', indent * level));
}

fn write_json(out: &mut String, value: &Value, opts: JsonOptions, level: usize) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(f) => out.push_str(&py_float_json(*f)),
        Value::Str(s) | Value::Unsafe(s) | Value::Date(s) => {
            write_json_str(out, s, opts.ensure_ascii)
        }
        Value::List(items) if items.is_empty() => out.push_str("[]"),
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                separator(out, opts, level, i);
                write_json(out, item, opts, level + 1);
            }
            close(out, opts, level, ']');
        }
        Value::Map(map) if map.is_empty() => out.push_str("{}"),
        Value::Map(map) => {
            out.push('{');
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            if opts.sort_keys {
                entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            }
            for (i, (k, v)) in entries.into_iter().enumerate() {
                separator(out, opts, level, i);
                write_json_str(out, k, opts.ensure_ascii);
                out.push_str(": ");
                write_json(out, v, opts, level + 1);
            }
            close(out, opts, level, '}');
        }
    }
}

fn separator(out: &mut String, opts: JsonOptions, level: usize, index: usize) {
    match opts.indent {
        Some(indent) => {
            if index > 0 {
                out.push(',');
            }
            newline(out, indent, level + 1);
        }
        None if index > 0 => out.push_str(", "),
        None => {}
    }
}

fn close(out: &mut String, opts: JsonOptions, level: usize, bracket: char) {
    if let Some(indent) = opts.indent {
        newline(out, indent, level);
    }
    out.push(bracket);
}

/// A JSON string literal with Python's escapes.
fn write_json_str(out: &mut String, s: &str, ensure_ascii: bool) {
    out.push('"');
    let mut plain_from = 0;
    for (i, c) in s.char_indices() {
        let escape: Option<&str> = match c {
            '"' => Some("\\\""),
            '\\' => Some("\\\\"),
            '\n' => Some("\\n"),
            '\r' => Some("\\r"),
            '\t' => Some("\\t"),
            '\u{8}' => Some("\\b"),
            '\u{c}' => Some("\\f"),
            c if (c as u32) < 0x20 || (ensure_ascii && (c as u32) >= 0x7f) => Some(""),
            _ => None,
        };
        let Some(escape) = escape else { continue };
        out.push_str(&s[plain_from..i]);
        plain_from = i + c.len_utf8();
        if escape.is_empty() {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                let _ = write!(out, "\\u{unit:04x}");
            }
        } else {
            out.push_str(escape);
        }
    }
    out.push_str(&s[plain_from..]);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Value {
        let mut inner = Map::new();
        inner.insert(
            "b".into(),
            Value::List(vec![Value::Int(1), Value::Map(Map::new())]),
        );
        inner.insert("a".into(), Value::List(vec![]));
        inner.insert("c".into(), Value::Str("é\u{7f}\u{2028}😀\u{1}\"\\".into()));
        Value::Map(inner)
    }

    #[test]
    fn indent_and_ascii_match_python() {
        // python3 -c 'import json; print(json.dumps(x, indent=2, sort_keys=True))'
        let opts = JsonOptions {
            indent: Some(2),
            sort_keys: true,
            ensure_ascii: true,
        };
        assert_eq!(
            sample().to_json(opts),
            "{\n  \"a\": [],\n  \"b\": [\n    1,\n    {}\n  ],\n  \"c\": \"\\u00e9\\u007f\\u2028\\ud83d\\ude00\\u0001\\\"\\\\\"\n}"
        );
    }

    #[test]
    fn compact_unicode_matches_python() {
        assert_eq!(
            sample().to_json(JsonOptions::default()),
            "{\"b\": [1, {}], \"a\": [], \"c\": \"é\u{7f}\u{2028}😀\\u0001\\\"\\\\\"}"
        );
    }
}
