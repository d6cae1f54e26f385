//! Python's `'%s-%d' % (a, b)` string formatting, which minijinja lacks.
//!
//! [`rewrite`] turns `<string literal> % <operand>` inside template tags
//! into `<string literal> | __pyformat(<operand>)` (a filter binds to the
//! literal just as `%` binds tighter than `~` and `+`), and [`pyformat`]
//! implements the conversions: `%s %r %d %i %f %F %e %x %X %o %c %%`, with
//! flags, width, precision and `%(name)s` mapping keys.

use crate::template::native::{py_repr, py_str};
use minijinja::value::ValueKind;
use minijinja::{Error, ErrorKind, Value};
use std::borrow::Cow;

/// Rewrites `'...' % x` in `text`; `in_tag` as for
/// [`crate::template::syntax::preserve_backslashes`].
pub(crate) fn rewrite(text: &str, in_tag: bool) -> Cow<'_, str> {
    if !["' %", "'%", "\" %", "\"%"]
        .iter()
        .any(|p| text.contains(p))
    {
        return Cow::Borrowed(text);
    }
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len() + 16);
    let mut tag = in_tag;
    let mut i = 0;
    let mut copied = 0;
    // Byte index just past the last string literal closed in a tag.
    let mut literal_end: Option<usize> = None;
    while i < b.len() {
        let c = b[i];
        if !tag {
            if c == b'{' && matches!(b.get(i + 1), Some(b'{' | b'%')) {
                tag = true;
                i += 2;
                continue;
            }
            i += 1;
            continue;
        }
        match c {
            b'\'' | b'"' => {
                i = skip_string(b, i);
                literal_end = Some(i);
                continue;
            }
            b'}' | b'%' if !in_tag && b.get(i + 1) == Some(&b'}') => {
                tag = false;
                literal_end = None;
                i += 2;
                continue;
            }
            b'%' if literal_end.is_some_and(|end| text[end..i].trim().is_empty()) => {
                let start = skip_spaces(b, i + 1);
                let end = operand_end(b, start);
                if end > start {
                    out.push_str(&text[copied..i]);
                    out.push_str("| __pyformat(");
                    out.push_str(&text[start..end]);
                    out.push(')');
                    copied = end;
                    i = end;
                    literal_end = None;
                    continue;
                }
            }
            b' ' | b'\t' | b'\n' => {
                i += 1;
                continue;
            }
            _ => {}
        }
        literal_end = None;
        i += 1;
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

fn skip_string(b: &[u8], start: usize) -> usize {
    let q = b[start];
    let mut i = start + 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            c if c == q => return i + 1,
            _ => i += 1,
        }
    }
    b.len()
}

fn skip_spaces(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n') {
        i += 1;
    }
    i
}

fn skip_group(b: &[u8], start: usize) -> usize {
    let mut depth = 0usize;
    let mut i = start;
    while i < b.len() {
        match b[i] {
            b'\'' | b'"' => {
                i = skip_string(b, i);
                continue;
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    b.len()
}

/// The end of a primary operand: a group, a literal, or a name with
/// attribute, index and call suffixes.
fn operand_end(b: &[u8], start: usize) -> usize {
    let Some(&c) = b.get(start) else {
        return start;
    };
    let mut i = match c {
        b'(' | b'[' | b'{' => skip_group(b, start),
        b'\'' | b'"' => skip_string(b, start),
        c if c.is_ascii_alphanumeric() || c == b'_' => {
            let mut j = start;
            while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_' || b[j] == b'.') {
                j += 1;
            }
            j
        }
        _ => return start,
    };
    while let Some(&next) = b.get(i) {
        match next {
            b'[' | b'(' => i = skip_group(b, i),
            b'.' => {
                i += 1;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
            }
            _ => break,
        }
    }
    i
}

fn format_error(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidOperation, message.into())
}

/// `format % args` as Python computes it.
pub(crate) fn pyformat(format: &str, args: Value) -> Result<String, Error> {
    let positional: Vec<Value> = match args.kind() {
        ValueKind::Seq => args.try_iter()?.collect(),
        _ => vec![args.clone()],
    };
    let mut next = 0;
    let mut out = String::with_capacity(format.len() + 16);
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut key = None;
        if chars.peek() == Some(&'(') {
            chars.next();
            let name: String = chars.by_ref().take_while(|c| *c != ')').collect();
            key = Some(name);
        }
        let mut flags = String::new();
        while let Some(&f) = chars.peek().filter(|f| "-+ 0#".contains(**f)) {
            flags.push(f);
            chars.next();
        }
        let mut width = String::new();
        while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
            width.push(d);
            chars.next();
        }
        let mut precision = None;
        if chars.peek() == Some(&'.') {
            chars.next();
            let mut p = String::new();
            while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                p.push(d);
                chars.next();
            }
            precision = Some(p.parse::<usize>().unwrap_or(0));
        }
        let conv = chars
            .next()
            .ok_or_else(|| format_error("incomplete format"))?;
        if conv == '%' {
            out.push('%');
            continue;
        }
        let value = match &key {
            Some(name) => args.get_attr(name)?,
            None => {
                let v = positional
                    .get(next)
                    .cloned()
                    .ok_or_else(|| format_error("not enough arguments for format string"))?;
                next += 1;
                v
            }
        };
        let body = convert(conv, &value, &flags, precision)?;
        let width: usize = width.parse().unwrap_or(0);
        let len = body.chars().count();
        if len >= width {
            out.push_str(&body);
        } else if flags.contains('-') {
            out.push_str(&body);
            out.push_str(&" ".repeat(width - len));
        } else if flags.contains('0') && conv != 's' && conv != 'r' {
            let (sign, digits) = match body.strip_prefix('-') {
                Some(d) => ("-", d),
                None => ("", body.as_str()),
            };
            out.push_str(sign);
            out.push_str(&"0".repeat(width - len));
            out.push_str(digits);
        } else {
            out.push_str(&" ".repeat(width - len));
            out.push_str(&body);
        }
    }
    if key_free(format) && next < positional.len() && args.kind() == ValueKind::Seq {
        return Err(format_error(
            "not all arguments converted during string formatting",
        ));
    }
    Ok(out)
}

fn key_free(format: &str) -> bool {
    !format.contains("%(")
}

fn convert(
    conv: char,
    value: &Value,
    flags: &str,
    precision: Option<usize>,
) -> Result<String, Error> {
    let number = || -> Result<f64, Error> {
        f64::try_from(value.clone()).map_err(|_| {
            format_error(format!(
                "%{conv} format: a real number is required, not {}",
                value.kind()
            ))
        })
    };
    let int = || -> Result<i64, Error> { Ok(number()?.trunc() as i64) };
    let plus = |s: String| {
        if flags.contains('+') && !s.starts_with('-') {
            format!("+{s}")
        } else {
            s
        }
    };
    Ok(match conv {
        's' => {
            let mut s = String::new();
            py_str(&mut s, value);
            match precision {
                Some(p) => s.chars().take(p).collect(),
                None => s,
            }
        }
        'r' => {
            let mut s = String::new();
            py_repr(&mut s, value);
            s
        }
        'd' | 'i' | 'u' => plus(int()?.to_string()),
        'f' | 'F' => plus(format!("{:.*}", precision.unwrap_or(6), number()?)),
        'e' | 'E' => {
            let text = format!("{:.*e}", precision.unwrap_or(6), number()?);
            let (m, e) = text.split_once('e').unwrap_or((&text, "0"));
            let e: i32 = e.parse().unwrap_or(0);
            let s = format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs());
            plus(if conv == 'E' { s.to_uppercase() } else { s })
        }
        'x' => format!("{:x}", int()?),
        'X' => format!("{:X}", int()?),
        'o' => format!("{:o}", int()?),
        'c' => match value.as_str() {
            Some(s) => s.to_owned(),
            None => char::from_u32(u32::try_from(int()?).unwrap_or(0))
                .map(String::from)
                .unwrap_or_default(),
        },
        other => {
            return Err(format_error(format!(
                "unsupported format character `{other}`"
            )))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_only_string_literal_left_operands() {
        assert_eq!(
            rewrite("'%s-%d' % ('a', 3)", true),
            "'%s-%d' | __pyformat(('a', 3))"
        );
        assert_eq!(
            rewrite("x ~ '%05d' % n.m[0]", true),
            "x ~ '%05d' | __pyformat(n.m[0])"
        );
        assert_eq!(rewrite("7 % 3", true), "7 % 3");
        assert_eq!(
            rewrite("{% if '%' in s %}x{% endif %}", false),
            "{% if '%' in s %}x{% endif %}"
        );
    }

    #[test]
    fn formats_like_python() {
        let args = Value::from(vec![Value::from("a"), Value::from(3)]);
        assert_eq!(pyformat("%s-%d", args).unwrap(), "a-3");
        assert_eq!(
            pyformat(
                "%05d|%-4s|%.2f",
                Value::from(vec![
                    Value::from(42),
                    Value::from("x"),
                    Value::from(1.23456)
                ])
            )
            .unwrap(),
            "00042|x   |1.23"
        );
        assert_eq!(
            pyformat("%(k)s", Value::from_pairs([("k", "v")])).unwrap(),
            "v"
        );
    }
}
