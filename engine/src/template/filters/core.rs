//! Scalar filters: `bool`, `int`, `float`, `string`, `ternary`,
//! `mandatory`, `type_debug`, `comment`, `human_to_bytes`, `to_uuid`.

use super::failed;
use crate::template::native::{from_jinja, py_float, py_str};
use minijinja::value::{Kwargs, ValueKind};
use minijinja::{Environment, Error, State, Value};

pub(super) fn register(env: &mut Environment<'static>) {
    env.add_filter("bool", to_bool);
    env.add_filter("int", to_int);
    env.add_filter("float", to_float);
    env.add_filter("string", to_string);
    env.add_filter("ternary", ternary);
    env.add_filter("mandatory", mandatory);
    env.add_filter("type_debug", type_debug);
    env.add_filter("comment", comment);
    env.add_filter("human_to_bytes", human_to_bytes);
    env.add_filter("to_uuid", to_uuid);
    env.add_filter("wordcount", |s: &str| {
        s.split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .filter(|w| !w.is_empty())
            .count()
    });
    env.add_filter("center", center);
    env.add_filter("truncate", truncate);
}

/// Jinja2's `truncate(length=255, killwords=False, end='...', leeway=5)`:
/// text within `length + leeway` is kept whole; otherwise it is cut to
/// `length - len(end)` (at a word boundary unless `killwords`) plus `end`.
fn truncate(
    s: &str,
    length: Option<usize>,
    killwords: Option<bool>,
    end: Option<&str>,
    leeway: Option<usize>,
) -> String {
    let length = length.unwrap_or(255);
    let end = end.unwrap_or("...");
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= length + leeway.unwrap_or(5) {
        return s.to_owned();
    }
    let keep: String = chars[..length.saturating_sub(end.chars().count())]
        .iter()
        .collect();
    let cut = if killwords.unwrap_or(false) {
        keep
    } else {
        keep.rsplit_once(' ')
            .map_or(keep.clone(), |(head, _)| head.to_owned())
    };
    cut + end
}

/// Python's `str.center(width)` (the extra space goes left when the
/// padding is odd and the width is odd, as CPython does).
fn center(s: &str, width: Option<usize>) -> String {
    let width = width.unwrap_or(80);
    let len = s.chars().count();
    if width <= len {
        return s.to_owned();
    }
    let pad = width - len;
    let left = pad / 2 + (pad & width & 1);
    format!("{}{s}{}", " ".repeat(left), " ".repeat(pad - left))
}

/// Ansible's `bool`: `yes on true 1` (any case) are true, everything else
/// (including `y`, and `None`) false; non-strings by Python truthiness.
fn to_bool(value: &Value) -> bool {
    match value.kind() {
        ValueKind::Bool => value.is_true(),
        ValueKind::String => matches!(
            value
                .as_str()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
                .as_str(),
            "yes" | "on" | "true" | "1"
        ),
        ValueKind::Number => f64::try_from(value.clone()).is_ok_and(|f| f == 1.0),
        _ => false,
    }
}

/// Ansible's `int(default=0, base=10)`: invalid input gives the default;
/// `'3.9'` and `3.9` give 3; base 0 or 16 accept `0x` prefixes.
fn to_int(
    value: &Value,
    default: Option<i64>,
    base: Option<u32>,
    kwargs: Kwargs,
) -> Result<i64, Error> {
    let default = kwargs
        .get::<Option<i64>>("default")?
        .or(default)
        .unwrap_or(0);
    let base = kwargs.get::<Option<u32>>("base")?.or(base).unwrap_or(10);
    kwargs.assert_all_used()?;
    Ok(match value.kind() {
        ValueKind::Bool => i64::from(value.is_true()),
        ValueKind::Number => match value.as_i64() {
            Some(i) => i,
            None => f64::try_from(value.clone()).map_or(default, |f| f.trunc() as i64),
        },
        ValueKind::String => parse_int(value.as_str().unwrap_or_default(), base).unwrap_or(default),
        _ => default,
    })
}

fn parse_int(text: &str, base: u32) -> Option<i64> {
    let t = text.trim();
    if base == 10 {
        if let Ok(i) = t.parse::<i64>() {
            return Some(i);
        }
        // Jinja2 falls back to float() for base 10.
        return t
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(|f| f.trunc() as i64);
    }
    let (neg, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let lower = digits.to_ascii_lowercase();
    let (radix, body) = match (base, lower.get(..2)) {
        (0 | 16, Some("0x")) => (16, &digits[2..]),
        (0 | 8, Some("0o")) => (8, &digits[2..]),
        (0 | 2, Some("0b")) => (2, &digits[2..]),
        (0, _) => (10, digits),
        (b, _) => (b, digits),
    };
    let parsed = i64::from_str_radix(&body.replace('_', ""), radix).ok()?;
    Some(if neg { -parsed } else { parsed })
}

/// Ansible's `float(default=0.0)`: invalid input gives the default.
fn to_float(value: &Value, default: Option<f64>) -> f64 {
    let default = default.unwrap_or(0.0);
    match value.kind() {
        ValueKind::Bool => f64::from(u8::from(value.is_true())),
        ValueKind::Number => f64::try_from(value.clone()).unwrap_or(default),
        ValueKind::String => value
            .as_str()
            .unwrap_or_default()
            .trim()
            .parse()
            .unwrap_or(default),
        _ => default,
    }
}

/// Python's `str()`: `True`, `[1, 'a']`, `{'k': None}`.
fn to_string(value: &Value) -> Value {
    if value.kind() == ValueKind::String {
        return value.clone();
    }
    let mut out = String::new();
    if value.kind() == ValueKind::Number && !value.is_integer() {
        if let Ok(f) = f64::try_from(value.clone()) {
            return Value::from(py_float(f));
        }
    }
    py_str(&mut out, value);
    Value::from(out)
}

/// `ternary(true_val, false_val, none_val=None)`: `none_val` is used for
/// `None` only when given.
fn ternary(value: &Value, true_val: Value, false_val: Value, none_val: Option<Value>) -> Value {
    match none_val {
        Some(none_val) if value.is_none() => none_val,
        _ if value.is_true() => true_val,
        _ => false_val,
    }
}

/// Fails when the value is undefined, with an optional custom message.
fn mandatory(state: &mut State, value: Value, msg: Option<String>) -> Result<Value, Error> {
    if !value.is_undefined() {
        return Ok(value);
    }
    match msg {
        Some(msg) => Err(failed("mandatory", msg)),
        // Let the engine name the variable behind the undefined value.
        None => Err(crate::template::env::undefined_error(state, &value)),
    }
}

/// Python's type name of the value.
fn type_debug(value: &Value) -> &'static str {
    if value.kind() == ValueKind::Number && !value.is_integer() {
        return "float";
    }
    from_jinja(value).type_name()
}

/// `comment(style='plain')`: wraps text in a `#` comment block (plain
/// style only, the one provisioning templates use).
fn comment(value: &str, style: Option<&str>) -> Result<String, Error> {
    if let Some(style) = style.filter(|s| *s != "plain") {
        return Err(failed(
            "comment",
            format_args!("unsupported style `{style}`"),
        ));
    }
    let mut out = String::from("#\n");
    for line in value.lines() {
        out.push_str("# ");
        out.push_str(line);
        out.push('\n');
    }
    out.push('#');
    Ok(out)
}

/// `human_to_bytes`: `'1 KB'` → 1024, `'2MB'` → 2097152 (binary units).
fn human_to_bytes(value: &Value, default_unit: Option<&str>) -> Result<i64, Error> {
    let text = match value.as_str() {
        Some(s) => s.trim().to_owned(),
        None => value.to_string(),
    };
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number
        .parse()
        .map_err(|_| failed("human_to_bytes", format_args!("can't interpret `{text}`")))?;
    let unit = unit.trim();
    let unit = if unit.is_empty() {
        default_unit.unwrap_or("B")
    } else {
        unit
    };
    let power = match unit.chars().next().map(|c| c.to_ascii_uppercase()) {
        Some('B') => 0,
        Some('K') => 1,
        Some('M') => 2,
        Some('G') => 3,
        Some('T') => 4,
        Some('P') => 5,
        Some('E') => 6,
        Some('Z') => 7,
        Some('Y') => 8,
        _ => {
            return Err(failed(
                "human_to_bytes",
                format_args!("unknown unit `{unit}`"),
            ))
        }
    };
    Ok((number * 1024f64.powi(power)) as i64)
}

/// `to_uuid(namespace)`: a version-5 UUID of the text, in Ansible's
/// default namespace `361E6D51-FAEC-444A-9079-341386DA8E2E`.
fn to_uuid(value: &str, namespace: Option<&str>) -> Result<String, Error> {
    use sha1::{Digest, Sha1};
    let ns = namespace.unwrap_or("361E6D51-FAEC-444A-9079-341386DA8E2E");
    let ns_bytes = hex::decode(ns.replace('-', ""))
        .map_err(|_| failed("to_uuid", format_args!("invalid namespace `{ns}`")))?;
    let mut hasher = Sha1::new();
    hasher.update(&ns_bytes);
    hasher.update(value.as_bytes());
    let mut b: [u8; 16] = hasher.finalize()[..16].try_into().unwrap_or([0; 16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int_parsing_follows_python() {
        assert_eq!(parse_int("0x1F", 16), Some(31));
        assert_eq!(parse_int("1F", 16), Some(31));
        assert_eq!(parse_int(" 12 ", 10), Some(12));
        assert_eq!(parse_int("3.9", 10), Some(3));
        assert_eq!(parse_int("abc", 10), None);
    }
}
