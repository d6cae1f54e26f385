//! Python's `repr()` and `str()` of [`Value`]s, byte for byte.
//!
//! Ansible shows data the way Python prints it: `debug: msg=...` of a list,
//! `{{ x | string }}`, error texts. These functions reproduce CPython 3:
//! `True`/`None`, the quote choice for strings (`'` unless the text has a
//! `'` and no `"`), `\n`/`\xNN`/`\uNNNN` escapes for unprintable characters,
//! shortest round-trip floats (`1e+16`, `1e-05`, `1.0`).
//!
//! Deviation: Python's notion of "printable" covers every Unicode category;
//! we escape controls, separators, format characters and private-use code
//! points that real data contains, not unassigned code points.

use super::Value;
use std::fmt::Write;

impl Value {
    /// Python's `repr()` of this value: `{'a': 1, 'b': [True, None]}`.
    pub fn py_repr(&self) -> String {
        let mut out = String::new();
        write_repr(&mut out, self);
        out
    }

    /// Python's `str()` of this value: strings as they are, everything else
    /// as `repr()` (dates as Python's `str(date)`).
    pub fn py_str(&self) -> String {
        match self {
            Value::Str(s) | Value::Unsafe(s) => s.clone(),
            Value::Date(iso) => iso.replacen('T', " ", 1),
            other => other.py_repr(),
        }
    }
}

fn write_repr(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("None"),
        Value::Bool(true) => out.push_str("True"),
        Value::Bool(false) => out.push_str("False"),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(f) => out.push_str(&py_float_repr(*f)),
        Value::Str(s) | Value::Unsafe(s) => out.push_str(&py_str_repr(s)),
        Value::Date(iso) => write_date_repr(out, iso),
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_repr(out, item);
            }
            out.push(']');
        }
        Value::Map(map) => {
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&py_str_repr(k));
                out.push_str(": ");
                write_repr(out, v);
            }
            out.push('}');
        }
    }
}

/// Python's `repr()` of a string: `'a'`, `"it's"`, `'a\n'`.
pub fn py_str_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if is_printable(c) => out.push(c),
            c => {
                let code = c as u32;
                let _ = if code < 0x100 {
                    write!(out, "\\x{code:02x}")
                } else if code < 0x10000 {
                    write!(out, "\\u{code:04x}")
                } else {
                    write!(out, "\\U{code:08x}")
                };
            }
        }
    }
    out.push(quote);
    out
}

/// Python's `str.isprintable()` for one character, for the categories real
/// data contains (see the module deviation note).
fn is_printable(c: char) -> bool {
    let code = c as u32;
    if code < 0x7f {
        return code >= 0x20;
    }
    !matches!(code,
        0x7f..=0xa0 // DEL, C1 controls, no-break space
        | 0xad // soft hyphen
        | 0x600..=0x605 | 0x61c | 0x6dd | 0x70f | 0x180e
        | 0x1680 | 0x2000..=0x200f | 0x2028..=0x202f | 0x205f..=0x2064
        | 0x2066..=0x206f | 0x3000 | 0xd800..=0xf8ff | 0xfeff
        | 0xfff9..=0xfffb | 0xfffe | 0xffff
        | 0x110bd | 0x1bca0..=0x1bca3 | 0x1d173..=0x1d17a
        | 0xe0000..=0xe0fff | 0xf0000..)
}

/// Python's `repr()` of a float: the shortest text that reads back the same,
/// in exponent form below `1e-4` and from `1e16` (`1e+16`, `1e-05`).
pub fn py_float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf" } else { "-inf" }.into();
    }
    // `{:e}` gives Rust's shortest round-trip digits: `1.5e-7`, `1e16`.
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (negative, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let mut out = String::with_capacity(24);
    if negative {
        out.push('-');
    }
    if !(-4..16).contains(&exp) {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let sign = if exp < 0 { '-' } else { '+' };
        let _ = write!(out, "e{sign}{:02}", exp.abs());
    } else if exp < 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-exp - 1) as usize));
        out.push_str(&digits);
    } else {
        let point = exp as usize + 1;
        if digits.len() > point {
            out.push_str(&digits[..point]);
            out.push('.');
            out.push_str(&digits[point..]);
        } else {
            out.push_str(&digits);
            out.extend(std::iter::repeat_n('0', point - digits.len()));
            out.push_str(".0");
        }
    }
    out
}

/// Python's `repr()` of a `date` or `datetime` given its `isoformat()`.
fn write_date_repr(out: &mut String, iso: &str) {
    let num = |s: Option<&str>| s.and_then(|s| s.parse::<i64>().ok()).unwrap_or(0);
    let (date, time) = match iso.split_once('T') {
        Some((d, t)) => (d, Some(t)),
        None => (iso, None),
    };
    let mut ymd = date.splitn(3, '-');
    let (y, m, d) = (num(ymd.next()), num(ymd.next()), num(ymd.next()));
    let Some(time) = time else {
        let _ = write!(out, "datetime.date({y}, {m}, {d})");
        return;
    };
    // time is `HH:MM:SS[.ffffff][(+|-)HH:MM]`
    let (clock, zone) = match time.find(['+', '-']) {
        Some(i) => (&time[..i], Some(&time[i..])),
        None => (time, None),
    };
    let (hms, micro) = match clock.split_once('.') {
        Some((hms, f)) => (hms, num(Some(f))),
        None => (clock, 0),
    };
    let mut parts = hms.splitn(3, ':');
    let (hh, mm, ss) = (num(parts.next()), num(parts.next()), num(parts.next()));
    let _ = write!(out, "datetime.datetime({y}, {m}, {d}, {hh}, {mm}");
    if ss != 0 || micro != 0 {
        let _ = write!(out, ", {ss}");
    }
    if micro != 0 {
        let _ = write!(out, ", {micro}");
    }
    if let Some(zone) = zone {
        let sign = if zone.starts_with('-') { -1 } else { 1 };
        let mut hm = zone[1..].splitn(2, ':');
        let seconds = sign * (num(hm.next()) * 3600 + num(hm.next()) * 60);
        if seconds == 0 {
            out.push_str(", tzinfo=datetime.timezone.utc");
        } else if seconds < 0 {
            let _ = write!(
                out,
                ", tzinfo=datetime.timezone(datetime.timedelta(days=-1, seconds={}))",
                86400 + seconds
            );
        } else {
            let _ = write!(
                out,
                ", tzinfo=datetime.timezone(datetime.timedelta(seconds={seconds}))"
            );
        }
    }
    out.push(')');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_as_python_repr() {
        let cases = [
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (123456789.123, "123456789.123"),
            (-0.0, "-0.0"),
            (1.0, "1.0"),
            (1.1, "1.1"),
            (2.5e300, "2.5e+300"),
            (5e-324, "5e-324"),
            (f64::NEG_INFINITY, "-inf"),
        ];
        for (f, want) in cases {
            assert_eq!(py_float_repr(f), want);
        }
    }

    #[test]
    fn strings_pick_quotes_and_escapes_as_python() {
        assert_eq!(py_str_repr("a'b"), "\"a'b\"");
        assert_eq!(py_str_repr("a\"b"), "'a\"b'");
        assert_eq!(py_str_repr("a'\"b"), "'a\\'\"b'");
        assert_eq!(
            py_str_repr("\u{a0}\u{ad}\u{200b}\u{85}é\t\0\u{7f}😀\u{e0001}"),
            "'\\xa0\\xad\\u200b\\x85é\\t\\x00\\x7f😀\\U000e0001'"
        );
    }

    #[test]
    fn dates_repr_as_python() {
        let cases = [
            ("2024-01-01", "datetime.date(2024, 1, 1)"),
            ("2024-01-01T10:00:00", "datetime.datetime(2024, 1, 1, 10, 0)"),
            (
                "2024-01-01T10:00:05.000010",
                "datetime.datetime(2024, 1, 1, 10, 0, 5, 10)",
            ),
            (
                "2024-01-01T00:00:00-05:00",
                "datetime.datetime(2024, 1, 1, 0, 0, tzinfo=datetime.timezone(datetime.timedelta(days=-1, seconds=68400)))",
            ),
            (
                "2024-01-01T00:00:00+00:00",
                "datetime.datetime(2024, 1, 1, 0, 0, tzinfo=datetime.timezone.utc)",
            ),
        ];
        for (iso, want) in cases {
            assert_eq!(Value::Date(iso.into()).py_repr(), want);
        }
    }
}
