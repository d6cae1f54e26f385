//! PyYAML's `safe_dump` layout for template values (`to_yaml`,
//! `to_nice_yaml`): sorted keys, `default_flow_style=None` (a collection of
//! scalars only is written in flow style), indentless block sequences
//! under mapping keys, YAML 1.1 quoting of strings that would read back as
//! another type.
//!
//! Deviation: long scalars are not folded at 80 columns as PyYAML does.
//! The engine's `yaml` layer is getting a full PyYAML-compatible dumper;
//! this module gives way to it once merged.

use crate::template::filters::entries;
use crate::template::native::py_float;
use minijinja::value::ValueKind;
use minijinja::{Error, Value};

/// Dumps `value` as PyYAML does with `indent` and `default_flow_style`
/// (`None`: flow for leaf collections; `Some(false)`: block everywhere).
pub(crate) fn dump(value: &Value, indent: usize, flow: Option<bool>) -> Result<String, Error> {
    let mut out = String::new();
    let d = Dumper { indent: indent.max(2), flow };
    if d.is_block(value)? {
        d.block(&mut out, value, 0)?;
    } else {
        d.flow_node(&mut out, value)?;
        out.push('\n');
    }
    Ok(out)
}

struct Dumper {
    indent: usize,
    flow: Option<bool>,
}

fn is_collection(v: &Value) -> bool {
    matches!(v.kind(), ValueKind::Seq | ValueKind::Map | ValueKind::Iterable)
}

fn children(v: &Value) -> Result<Vec<Value>, Error> {
    Ok(match v.kind() {
        ValueKind::Map => entries(v, true)?.into_iter().map(|(_, item)| item).collect(),
        _ => v.try_iter()?.collect(),
    })
}

impl Dumper {
    /// Whether a collection is written in block style.
    fn is_block(&self, v: &Value) -> Result<bool, Error> {
        if !is_collection(v) || v.len() == Some(0) {
            return Ok(false);
        }
        Ok(match self.flow {
            Some(flow) => !flow,
            None => children(v)?.iter().any(is_collection),
        })
    }

    fn block(&self, out: &mut String, v: &Value, depth: usize) -> Result<(), Error> {
        let pad = " ".repeat(depth);
        if v.kind() == ValueKind::Map {
            for (key, item) in entries(v, true)? {
                out.push_str(&pad);
                scalar(out, &key, false);
                out.push(':');
                self.block_child(out, &item, depth, true)?;
            }
        } else {
            for item in v.try_iter()? {
                out.push_str(&pad);
                out.push('-');
                if item.kind() == ValueKind::Map && self.is_block(&item)? {
                    // `- k: v` with the rest of the mapping aligned after `- `.
                    let mut inner = String::new();
                    self.block(&mut inner, &item, depth + 2)?;
                    out.push(' ');
                    out.push_str(&inner[depth + 2..]);
                } else {
                    self.block_child(out, &item, depth, false)?;
                }
            }
        }
        Ok(())
    }

    /// Writes what follows `key:` or `-`.
    fn block_child(&self, out: &mut String, item: &Value, depth: usize, in_map: bool) -> Result<(), Error> {
        if self.is_block(item)? {
            out.push('\n');
            // Sequences under a mapping key are not indented (PyYAML).
            let child_depth = if in_map && item.kind() != ValueKind::Map {
                depth
            } else {
                depth + self.indent
            };
            self.block(out, item, child_depth)
        } else {
            out.push(' ');
            self.flow_node(out, item)?;
            out.push('\n');
            Ok(())
        }
    }

    fn flow_node(&self, out: &mut String, v: &Value) -> Result<(), Error> {
        match v.kind() {
            ValueKind::Map => {
                out.push('{');
                for (i, (key, item)) in entries(v, true)?.into_iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    scalar(out, &key, true);
                    out.push_str(": ");
                    self.flow_node(out, &item)?;
                }
                out.push('}');
            }
            ValueKind::Seq | ValueKind::Iterable => {
                out.push('[');
                for (i, item) in v.try_iter()?.enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    self.flow_node(out, &item)?;
                }
                out.push(']');
            }
            _ => scalar(out, v, true),
        }
        Ok(())
    }
}

fn scalar(out: &mut String, v: &Value, in_flow: bool) {
    match v.kind() {
        ValueKind::Undefined | ValueKind::None => out.push_str("null"),
        ValueKind::Bool => out.push_str(if v.is_true() { "true" } else { "false" }),
        ValueKind::Number if v.is_integer() => out.push_str(&v.to_string()),
        ValueKind::Number => {
            let f = f64::try_from(v.clone()).unwrap_or(f64::NAN);
            out.push_str(&match py_float(f).as_str() {
                "inf" => ".inf".to_owned(),
                "-inf" => "-.inf".to_owned(),
                "nan" => ".nan".to_owned(),
                other => other.to_owned(),
            });
        }
        _ => {
            let owned;
            let s = match v.as_str() {
                Some(s) => s,
                None => {
                    owned = v.to_string();
                    &owned
                }
            };
            string(out, s, in_flow);
        }
    }
}

fn string(out: &mut String, s: &str, in_flow: bool) {
    if s.chars().any(|c| c.is_control() && c != '\n') || s.contains('\n') {
        double_quoted(out, s);
    } else if needs_quotes(s, in_flow) {
        out.push('\'');
        out.push_str(&s.replace('\'', "''"));
        out.push('\'');
    } else {
        out.push_str(s);
    }
}

/// Whether a plain scalar would be misread (another type under YAML 1.1's
/// resolvers) or is not allowed plain.
fn needs_quotes(s: &str, in_flow: bool) -> bool {
    if s.is_empty() || s.starts_with(' ') || s.ends_with(' ') {
        return true;
    }
    let first = s.chars().next().unwrap_or(' ');
    if "-?:,[]{}#&*!|>'\"%@`".contains(first) {
        // `-`, `?`, `:` may start a plain scalar when followed by a non-space.
        let second = s.chars().nth(1);
        let ok = matches!(first, '-' | '?' | ':') && second.is_some_and(|c| c != ' ');
        if !ok {
            return true;
        }
    }
    if s.contains(": ") || s.contains(" #") || s.ends_with(':') {
        return true;
    }
    if in_flow && s.contains(|c| ",[]{}".contains(c)) {
        return true;
    }
    resolves_to_other_type(s)
}

fn resolves_to_other_type(s: &str) -> bool {
    const WORDS: &[&str] = &[
        "yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE",
        "on", "On", "ON", "off", "Off", "OFF", "y", "Y", "n", "N", "null", "Null", "NULL", "~",
        ".inf", ".Inf", ".INF", "-.inf", "+.inf", ".nan", ".NaN", ".NAN", "<<", "=",
    ];
    if WORDS.contains(&s) {
        return true;
    }
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    let numeric = |c: char| c.is_ascii_digit() || c == '_';
    if !body.is_empty() && body.chars().all(numeric) {
        return true;
    }
    if let Some(hex) = body.strip_prefix("0x") {
        if !hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit() || c == '_') {
            return true;
        }
    }
    // Floats: digits with one dot, optional exponent; sexagesimal `1:30`.
    let mantissa = body.split(['e', 'E']).next().unwrap_or(body);
    if mantissa.contains('.')
        && mantissa.chars().all(|c| numeric(c) || c == '.')
        && mantissa.chars().any(|c| c.is_ascii_digit())
    {
        return true;
    }
    if body.contains(':') && body.split(':').all(|p| !p.is_empty() && p.chars().all(numeric)) {
        return true;
    }
    // Dates and timestamps: 2001-12-14...
    let b = s.as_bytes();
    b.len() >= 10 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-' && b[7] == b'-'
}

fn double_quoted(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                use std::fmt::Write;
                let _ = write!(out, "\\x{:02X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}
