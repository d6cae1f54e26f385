//! Python's `json.dumps(obj, indent=4, sort_keys=True, ensure_ascii=False)`
//! and `str()`/`repr()` of values, written straight into a `String`.
//!
//! `ansible-inventory` prints with exactly these settings, and `--graph
//! --vars` prints `str(value)`; byte-identical output needs Python's float
//! repr (`1e+16`, `1.5e-05`, `1.0`), its string escapes and its key order
//! (code points, which is UTF-8 byte order).

use crate::value::{Map, Value};
use std::fmt::Write;

/// Python's `repr(float)`: shortest round-trip digits, scientific notation
/// outside `1e-4 <= |f| < 1e16`.
pub(crate) fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".to_owned();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf" } else { "-inf" }.to_owned();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0.0" } else { "0.0" }.to_owned();
    }
    let sci = format!("{f:e}"); // e.g. "1.5e-5", shortest round-trip digits
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let neg = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if (-4..16).contains(&exp) {
        if exp < 0 {
            out.push_str("0.");
            for _ in 0..(-exp - 1) {
                out.push('0');
            }
            out.push_str(&digits);
        } else {
            let point = exp as usize + 1;
            if digits.len() <= point {
                out.push_str(&digits);
                for _ in digits.len()..point {
                    out.push('0');
                }
                out.push_str(".0");
            } else {
                out.push_str(&digits[..point]);
                out.push('.');
                out.push_str(&digits[point..]);
            }
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let _ = write!(out, "e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs());
    }
    out
}

/// A JSON string literal with Python's escapes (`ensure_ascii=False`).
pub(crate) fn write_json_str(out: &mut String, s: &str) {
    out.push('"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let esc = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            8 => "\\b",
            12 => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if esc.is_empty() {
            let _ = write!(out, "\\u{b:04x}");
        } else {
            out.push_str(esc);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

fn newline(out: &mut String, level: usize) {
    out.push('\n');
    for _ in 0..level {
        out.push_str("    ");
    }
}

/// Writes `v` as `json.dumps(indent=4, sort_keys=True)` would, starting at
/// nesting `level` (the caller has written the indentation of the first line).
pub(crate) fn write_json(out: &mut String, v: &Value, level: usize) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(f) => {
            if f.is_nan() {
                out.push_str("NaN");
            } else if f.is_infinite() {
                out.push_str(if *f > 0.0 { "Infinity" } else { "-Infinity" });
            } else {
                out.push_str(&float_repr(*f));
            }
        }
        Value::Str(s) | Value::Date(s) => write_json_str(out, s),
        // Ansible's JSON encoder marks `!unsafe` strings this way.
        Value::Unsafe(s) => {
            out.push('{');
            newline(out, level + 1);
            out.push_str("\"__ansible_unsafe\": ");
            write_json_str(out, s);
            newline(out, level);
            out.push('}');
        }
        Value::List(items) => {
            if items.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, level + 1);
                write_json(out, item, level + 1);
            }
            newline(out, level);
            out.push(']');
        }
        Value::Map(map) => write_json_map(out, map.iter(), level),
    }
}

/// Writes a mapping given as entries, sorted by key.
pub(crate) fn write_json_map<'a>(
    out: &mut String,
    entries: impl Iterator<Item = (&'a String, &'a Value)>,
    level: usize,
) {
    let mut sorted: Vec<(&String, &Value)> = entries.collect();
    if sorted.is_empty() {
        out.push_str("{}");
        return;
    }
    sorted.sort_unstable_by(|a, b| a.0.cmp(b.0));
    out.push('{');
    for (i, (k, v)) in sorted.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        newline(out, level + 1);
        write_json_str(out, k);
        out.push_str(": ");
        write_json(out, v, level + 1);
    }
    newline(out, level);
    out.push('}');
}

/// `json.dumps` of one value as a new document.
pub(crate) fn to_json(v: &Value) -> String {
    let mut out = String::new();
    write_json(&mut out, v, 0);
    out
}

/// Python's `str(value)`: strings bare, everything else as `repr`.
pub(crate) fn py_str(v: &Value) -> String {
    match v {
        Value::Str(s) | Value::Unsafe(s) => s.clone(),
        // `str(datetime)` separates date and time with a space.
        Value::Date(s) => s.replacen('T', " ", 1),
        _ => {
            let mut out = String::new();
            py_repr(&mut out, v);
            out
        }
    }
}

/// Python's `repr(value)` for dicts, lists and scalars.
pub(crate) fn py_repr(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("None"),
        Value::Bool(true) => out.push_str("True"),
        Value::Bool(false) => out.push_str("False"),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(f) => out.push_str(&float_repr(*f)),
        Value::Str(s) | Value::Unsafe(s) => py_repr_str(out, s),
        Value::Date(s) => py_repr_date(out, s),
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                py_repr(out, item);
            }
            out.push(']');
        }
        Value::Map(m) => py_repr_map(out, m),
    }
}

fn py_repr_map(out: &mut String, m: &Map) {
    out.push('{');
    for (i, (k, v)) in m.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        py_repr_str(out, k);
        out.push_str(": ");
        py_repr(out, v);
    }
    out.push('}');
}

/// `datetime.date(2024, 1, 1)` for an ISO date; other timestamps as strings.
fn py_repr_date(out: &mut String, iso: &str) {
    let parts: Vec<&str> = iso.split('-').collect();
    match parts.as_slice() {
        [y, m, d] if iso.len() == 10 => {
            let n = |s: &str| s.trim_start_matches('0').to_owned();
            let (m, d) = (n(m), n(d));
            let _ = write!(out, "datetime.date({y}, {m}, {d})");
        }
        _ => py_repr_str(out, iso),
    }
}

/// Python's `repr(str)` (the one implementation lives in `value`).
pub(crate) fn py_repr_str(out: &mut String, s: &str) {
    out.push_str(&crate::value::py_str_repr(s));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_like_python() {
        assert_eq!(float_repr(1.1), "1.1");
        assert_eq!(float_repr(1000.0), "1000.0");
        assert_eq!(float_repr(1e16), "1e+16");
        assert_eq!(float_repr(1.5e-5), "1.5e-05");
        assert_eq!(float_repr(0.0001), "0.0001");
        assert_eq!(float_repr(123456789012345.6), "123456789012345.6");
    }

    #[test]
    fn reprs_print_like_python() {
        let v = Value::List(vec![
            "a".into(),
            Value::Bool(true),
            Value::Null,
            "it's".into(),
        ]);
        assert_eq!(py_str(&v), r#"['a', True, None, "it's"]"#);
        assert_eq!(to_json(&"é\u{1}\"".into()), "\"é\\u0001\\\"\"");
    }
}
