//! The YAML 1.1 scalar resolver and constructors, as PyYAML 6 applies them.
//!
//! PyYAML decides the type of a *plain* scalar with a short list of regular
//! expressions (bool, float, int, merge, null, timestamp, value) tried in that
//! order for the scalar's first character; a match picks the tag and the tag's
//! constructor turns the text into a value. This file does the same with
//! hand-written checks (no regex compilation on the load path), so that
//! `yes`, `0644`, `1:30`, `1_000`, `.inf` and `2024-01-01` come out exactly as
//! Ansible sees them. Explicit tags (`!!int "0x1F"`) go through the same
//! constructors, which are more lenient than the resolver (PyYAML's).

use super::timestamp;

/// What a plain scalar resolves to, before construction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Implicit {
    /// `~`, `null`, `Null`, `NULL`, empty.
    Null,
    /// `yes`, `No`, `ON`, `false`, ...
    Bool,
    /// `42`, `0644`, `0x1F`, `0b101`, `1_000`, `1:30`.
    Int,
    /// `1.5`, `.inf`, `1.0e+3`, `1:30.5`.
    Float,
    /// `2024-01-01`, `2024-01-01 10:00:00Z`.
    Timestamp,
    /// `<<`: a merge key (only meaningful as a mapping key).
    Merge,
    /// `=`: PyYAML's "value" tag (a string as a mapping key, an error
    /// elsewhere).
    ValueKey,
    /// Anything else: a string.
    Str,
}

/// Resolves a plain scalar the way PyYAML's `Resolver` does.
pub(crate) fn implicit(text: &str) -> Implicit {
    let Some(&first) = text.as_bytes().first() else {
        return Implicit::Null;
    };
    match first {
        b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' => {
            if parse_bool(text).is_some() {
                Implicit::Bool
            } else if matches!(text, "null" | "Null" | "NULL") {
                Implicit::Null
            } else {
                Implicit::Str
            }
        }
        b'-' | b'+' | b'0'..=b'9' | b'.' => {
            if is_float(text) {
                Implicit::Float
            } else if is_int(text) {
                Implicit::Int
            } else if first.is_ascii_digit() && timestamp::is_implicit(text) {
                Implicit::Timestamp
            } else {
                Implicit::Str
            }
        }
        b'~' if text.len() == 1 => Implicit::Null,
        b'<' if text == "<<" => Implicit::Merge,
        b'=' if text.len() == 1 => Implicit::ValueKey,
        _ => Implicit::Str,
    }
}

/// PyYAML's bool values (`y`/`n` are deliberately absent, as in PyYAML).
pub(crate) fn parse_bool(text: &str) -> Option<bool> {
    match text {
        "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => Some(true),
        "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => Some(false),
        _ => None,
    }
}

/// The `!!bool` constructor: any case of the six words.
pub(crate) fn construct_bool(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "yes" | "true" | "on" => Some(true),
        "no" | "false" | "off" => Some(false),
        _ => None,
    }
}

fn split_sign(b: &[u8]) -> &[u8] {
    match b.first() {
        Some(b'-' | b'+') => &b[1..],
        _ => b,
    }
}

fn all(b: &[u8], ok: impl Fn(u8) -> bool) -> bool {
    !b.is_empty() && b.iter().all(|&c| ok(c))
}

/// `[0-5]?[0-9]`: one base-60 digit group after a colon.
fn is_sexagesimal_part(p: &[u8]) -> bool {
    match p {
        [d] => d.is_ascii_digit(),
        [a, b] => (b'0'..=b'5').contains(a) && b.is_ascii_digit(),
        _ => false,
    }
}

/// `[0-9][0-9_]*` (or `[1-9][0-9_]*` when `nonzero`).
fn is_digits_head(p: &[u8], nonzero: bool) -> bool {
    match p.split_first() {
        Some((&d, rest)) => {
            let head_ok = if nonzero {
                (b'1'..=b'9').contains(&d)
            } else {
                d.is_ascii_digit()
            };
            head_ok && rest.iter().all(|&c| c.is_ascii_digit() || c == b'_')
        }
        None => false,
    }
}

/// PyYAML's int rule: `0b…`, `0x…`, `0[0-7_]+`, decimal, base 60.
fn is_int(text: &str) -> bool {
    let b = split_sign(text.as_bytes());
    if let Some(rest) = b.strip_prefix(b"0b") {
        return all(rest, |c| matches!(c, b'0' | b'1' | b'_'));
    }
    if let Some(rest) = b.strip_prefix(b"0x") {
        return all(rest, |c| c.is_ascii_hexdigit() || c == b'_');
    }
    match b {
        [b'0'] => true,
        [b'0', rest @ ..] => all(rest, |c| matches!(c, b'0'..=b'7' | b'_')),
        _ => {
            let mut parts = b.split(|&c| c == b':');
            let head = parts.next().unwrap_or_default();
            is_digits_head(head, true) && parts.all(is_sexagesimal_part)
        }
    }
}

/// PyYAML's float rule: a dot is required; an exponent needs a sign.
fn is_float(text: &str) -> bool {
    let t = text.as_bytes();
    match t {
        b".nan" | b".NaN" | b".NAN" => return true,
        _ => {}
    }
    let b = split_sign(t);
    if matches!(b, b".inf" | b".Inf" | b".INF") {
        return true;
    }
    // `\.[0-9][0-9_]*(exp)?` has no sign in PyYAML's rule.
    if let Some(rest) = t.strip_prefix(b".") {
        let (mantissa, exp) = split_exponent(rest);
        return is_digits_head(mantissa, false) && exp.is_none_or(is_exponent);
    }
    let Some(dot) = b.iter().position(|&c| c == b'.') else {
        return false;
    };
    let (int_part, frac) = (&b[..dot], &b[dot + 1..]);
    let mut groups = int_part.split(|&c| c == b':');
    let head = groups.next().unwrap_or_default();
    if !is_digits_head(head, false) {
        return false;
    }
    if int_part.contains(&b':') {
        // base 60: `[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]*`, no exponent
        return groups.all(is_sexagesimal_part) && frac.iter().all(|&c| is_digit_or_us(c));
    }
    let (frac, exp) = split_exponent(frac);
    frac.iter().all(|&c| is_digit_or_us(c)) && exp.is_none_or(is_exponent)
}

fn is_digit_or_us(c: u8) -> bool {
    c.is_ascii_digit() || c == b'_'
}

fn split_exponent(b: &[u8]) -> (&[u8], Option<&[u8]>) {
    match b.iter().position(|&c| c == b'e' || c == b'E') {
        Some(i) => (&b[..i], Some(&b[i + 1..])),
        None => (b, None),
    }
}

/// `[-+][0-9]+`
fn is_exponent(e: &[u8]) -> bool {
    matches!(e.first(), Some(b'-' | b'+')) && all(&e[1..], |c| c.is_ascii_digit())
}

/// An int as PyYAML constructs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum IntValue {
    /// Fits an `i64`.
    Small(i64),
    /// A valid Python int beyond 64 bits (kept as its decimal text).
    Big(String),
}

/// PyYAML's `construct_yaml_int`: drop `_`, take the sign, then `0b`, `0x`,
/// leading-zero octal, base 60 or decimal. `None` where Python raises.
pub(crate) fn construct_int(text: &str) -> Option<IntValue> {
    let cleaned: std::borrow::Cow<'_, str> = if text.contains('_') {
        text.replace('_', "").into()
    } else {
        text.into()
    };
    let mut value = cleaned.as_ref();
    let mut negative = false;
    if let Some(rest) = value.strip_prefix('-') {
        negative = true;
        value = rest;
    } else if let Some(rest) = value.strip_prefix('+') {
        value = rest;
    }
    let magnitude: i128 = if value == "0" {
        0
    } else if let Some(bin) = value.strip_prefix("0b") {
        parse_radix(bin, 2)?
    } else if let Some(hex) = value.strip_prefix("0x") {
        parse_radix(hex, 16)?
    } else if value.starts_with('0') {
        parse_radix(value, 8)?
    } else if value.contains(':') {
        let mut total: i128 = 0;
        let mut base: i128 = 1;
        for part in value.rsplit(':') {
            let digit = parse_python_int(part)?;
            total = total.checked_add(digit.checked_mul(base)?)?;
            base = base.checked_mul(60)?;
        }
        total
    } else {
        parse_python_int(value)?
    };
    let signed = if negative { -magnitude } else { magnitude };
    Some(match i64::try_from(signed) {
        Ok(i) => IntValue::Small(i),
        Err(_) => IntValue::Big(signed.to_string()),
    })
}

fn parse_radix(digits: &str, radix: u32) -> Option<i128> {
    if digits.is_empty() || digits.starts_with(['+', '-']) {
        return None;
    }
    i128::from_str_radix(digits, radix).ok()
}

/// Python's `int(text)` for base 10: surrounding whitespace and a sign are
/// accepted.
fn parse_python_int(text: &str) -> Option<i128> {
    let t = text.trim();
    let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

/// PyYAML's `construct_yaml_float`: drop `_`, lowercase, sign, `.inf`,
/// `.nan`, base 60, else Python's `float()`. `None` where Python raises.
pub(crate) fn construct_float(text: &str) -> Option<f64> {
    let cleaned: String = text
        .chars()
        .filter(|&c| c != '_')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let mut value = cleaned.as_str();
    let mut sign = 1.0;
    if let Some(rest) = value.strip_prefix('-') {
        sign = -1.0;
        value = rest;
    } else if let Some(rest) = value.strip_prefix('+') {
        value = rest;
    }
    if value == ".inf" {
        return Some(sign * f64::INFINITY);
    }
    if value == ".nan" {
        return Some(f64::NAN);
    }
    if value.contains(':') {
        let mut total = 0.0;
        let mut base = 1.0;
        for part in value.rsplit(':') {
            total += python_float(part)? * base;
            base *= 60.0;
        }
        return Some(sign * total);
    }
    Some(sign * python_float(value)?)
}

/// Python's `float(text)`: Rust's grammar plus surrounding whitespace.
fn python_float(text: &str) -> Option<f64> {
    let t = text.trim();
    // Rust accepts `infinity`/`nan` as Python does; both reject the rest
    // alike for the inputs that reach here.
    t.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn implicit_types_follow_pyyaml() {
        let cases: &[(&str, Implicit)] = &[
            ("", Implicit::Null),
            ("~", Implicit::Null),
            ("NULL", Implicit::Null),
            ("nULL", Implicit::Str),
            ("yes", Implicit::Bool),
            ("OFF", Implicit::Bool),
            ("y", Implicit::Str),
            ("0644", Implicit::Int),
            ("09", Implicit::Str),
            ("0o644", Implicit::Str),
            ("1_000", Implicit::Int),
            ("1:30", Implicit::Int),
            ("1:60", Implicit::Str),
            ("0x1F", Implicit::Int),
            ("0b", Implicit::Str),
            ("1e3", Implicit::Str),
            ("1.0e+3", Implicit::Float),
            ("1.0e3", Implicit::Str),
            ("-.inf", Implicit::Float),
            ("-.nan", Implicit::Str),
            (".5", Implicit::Float),
            ("+.5", Implicit::Str),
            ("1.", Implicit::Float),
            ("1:30.5", Implicit::Float),
            ("2024-01-01", Implicit::Timestamp),
            ("2024-1-1", Implicit::Str),
            ("<<", Implicit::Merge),
            ("=", Implicit::ValueKey),
        ];
        for (text, want) in cases {
            assert_eq!(implicit(text), *want, "{text:?}");
        }
    }

    #[test]
    fn ints_construct_as_python_does() {
        assert_eq!(construct_int("0644"), Some(IntValue::Small(420)));
        assert_eq!(construct_int("-0b1_01"), Some(IntValue::Small(-5)));
        assert_eq!(construct_int("1:30"), Some(IntValue::Small(90)));
        assert_eq!(construct_int("0b_"), None);
        assert_eq!(
            construct_int("123456789012345678901234"),
            Some(IntValue::Big("123456789012345678901234".into()))
        );
    }

    #[test]
    fn floats_construct_as_python_does() {
        assert_eq!(construct_float("1:30.5"), Some(90.5));
        assert_eq!(construct_float("-.INF"), Some(f64::NEG_INFINITY));
        assert_eq!(construct_float("1e3"), Some(1000.0));
        assert_eq!(construct_float("abc"), None);
    }
}
