//! Source-level adjustments that make minijinja read templates as
//! ansible-core 2.19 does, and the scanner that finds a lone `{{ expr }}`.
//!
//! ansible-core 2.19 keeps backslashes in Jinja string literals as written
//! (`'\1'` has two characters, `'\d'` too), so regex replacements like
//! `regex_replace('(a)', '\1')` work; minijinja unescapes `\1` to U+0001
//! and `\b` to a backspace. [`preserve_backslashes`] doubles every
//! backslash inside string literals in tags (except before a quote or a
//! backslash) so minijinja's unescaping gives back the written text.

use crate::template::env::{Whitespace, ANSIBLE_WHITESPACE};
use std::borrow::Cow;

/// Doubles backslashes inside string literals of `text`. `in_tag` says
/// whether `text` is an expression (inside a tag from the start) rather
/// than template text.
pub(crate) fn preserve_backslashes(text: &str, in_tag: bool) -> Cow<'_, str> {
    backslashes(text, in_tag, false)
}

/// For a bare conditional, which ansible-core 2.19 compiles as a Jinja
/// expression whose string literals decode Python's escapes (`'\n'` is a
/// newline there, `'\d'` stays two characters), unlike templates, which
/// keep backslashes as written: the escapes minijinja decodes the same
/// way are left to it, the others are decoded here, and unknown ones keep
/// their backslash.
pub(crate) fn python_escapes(text: &str) -> Cow<'_, str> {
    backslashes(text, true, true)
}

/// Decodes the escape at the start of `rest` (a backslash) that
/// minijinja would read differently from Python into `out`; the bytes it
/// used, or `None` when minijinja reads it as Python does or Python keeps
/// it as written.
fn python_escape(rest: &str, out: &mut String) -> Option<usize> {
    let mut chars = rest[1..].chars();
    let n = chars.next()?;
    let hex = |len: usize| -> Option<(char, usize)> {
        let digits = rest.get(2..2 + len)?;
        let code = u32::from_str_radix(digits, 16).ok()?;
        Some((char::from_u32(code)?, 2 + len))
    };
    let (c, used) = match n {
        // minijinja decodes these as Python does.
        'n' | 't' | 'r' | 'b' | 'f' | 'u' => {
            out.push_str(&rest[..2]);
            return Some(2);
        }
        'a' => ('\u{7}', 2),
        'v' => ('\u{b}', 2),
        'x' => hex(2)?,
        'U' => hex(8)?,
        '0'..='7' => {
            let digits: String = rest[1..]
                .chars()
                .take(3)
                .take_while(|d| ('0'..='7').contains(d))
                .collect();
            let code = u32::from_str_radix(&digits, 8).ok()?;
            (char::from_u32(code)?, 1 + digits.len())
        }
        _ => return None,
    };
    if matches!(c, '\'' | '"' | '\\') {
        out.push('\\');
    }
    out.push(c);
    Some(used)
}

fn backslashes(text: &str, in_tag: bool, python: bool) -> Cow<'_, str> {
    if !text.contains('\\') {
        return Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len() + 8);
    let mut tag = in_tag;
    let mut quote: Option<u8> = None;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let next = bytes.get(i + 1).copied();
        match (tag, quote) {
            (false, _) => {
                if b == b'{' && matches!(next, Some(b'{' | b'%')) {
                    tag = true;
                    out.push_str(&text[i..i + 2]);
                    i += 2;
                    continue;
                }
            }
            (true, None) => {
                if b == b'\'' || b == b'"' {
                    quote = Some(b);
                } else if !in_tag && matches!(b, b'}' | b'%') && next == Some(b'}') {
                    tag = false;
                    out.push_str(&text[i..i + 2]);
                    i += 2;
                    continue;
                }
            }
            (true, Some(q)) => {
                if b == b'\\' {
                    match next {
                        Some(n) if n == b'\'' || n == b'"' || n == b'\\' => {
                            out.push_str(&text[i..i + 2]);
                            i += 2;
                            continue;
                        }
                        _ if python => {
                            if let Some(used) = python_escape(&text[i..], &mut out) {
                                i += used;
                                continue;
                            }
                            out.push('\\');
                        }
                        _ => out.push('\\'),
                    }
                } else if b == q {
                    quote = None;
                }
            }
        }
        // Copy one UTF-8 character.
        let len = utf8_len(b);
        out.push_str(&text[i..(i + len).min(text.len())]);
        i += len;
    }
    Cow::Owned(out)
}

fn utf8_len(first: u8) -> usize {
    match first {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        _ => 4,
    }
}

/// The expression inside `text` when `text` is exactly one `{{ expr }}`
/// (string literals and brackets inside may hold `}}`).
pub(crate) fn lone_expression(text: &str) -> Option<&str> {
    let body = text.strip_prefix("{{")?;
    let bytes = body.as_bytes();
    let mut quote: Option<u8> = None;
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) => {
                if b == b'\\' {
                    i += 1;
                } else if b == q {
                    quote = None;
                }
            }
            None => match b {
                b'\'' | b'"' => quote = Some(b),
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' => depth = depth.saturating_sub(1),
                b'}' if depth > 0 => depth -= 1,
                b'}' if bytes.get(i + 1) == Some(&b'}') => {
                    if i + 2 != bytes.len() {
                        return None;
                    }
                    let inner = &body[..i];
                    let inner = inner.strip_prefix('-').unwrap_or(inner);
                    let inner = inner.strip_suffix('-').unwrap_or(inner);
                    return Some(inner);
                }
                _ => {}
            },
        }
        i += 1;
    }
    None
}

pub(crate) fn trailing_newlines(s: &str) -> usize {
    s.bytes().rev().take_while(|b| *b == b'\n').count()
}

/// Splits off a `#jinja2:` first line and applies its options.
pub(crate) fn parse_header(source: &str) -> (Whitespace, &str) {
    let mut ws = ANSIBLE_WHITESPACE;
    let Some(rest) = source.strip_prefix("#jinja2:") else {
        return (ws, source);
    };
    let (line, body) = rest.split_once('\n').unwrap_or((rest, ""));
    for option in line.split(',') {
        let Some((key, value)) = option.split_once(':') else {
            continue;
        };
        let on = matches!(value.trim(), "True" | "true" | "yes");
        match key.trim() {
            "trim_blocks" => ws.trim_blocks = on,
            "lstrip_blocks" => ws.lstrip_blocks = on,
            "keep_trailing_newline" => ws.keep_trailing_newline = on,
            _ => {}
        }
    }
    (ws, body)
}

/// Makes `{% if %}`, `{% elif %}` and `{% for ... in %}` fail on an
/// undefined value, as Ansible's strict undefined does (minijinja's
/// chainable mode would read it as false or empty): their expression is
/// wrapped as `(expr) | __kib_strict`. A `for` with a trailing
/// `if` filter or `recursive` is left alone.
pub(crate) fn strict_blocks(text: &str) -> Cow<'_, str> {
    if !text.contains("{%") {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 32);
    let mut rest = text;
    let mut changed = false;
    while let Some(open) = rest.find("{%") {
        let (before, tag) = rest.split_at(open);
        out.push_str(before);
        let Some(close) = tag_end(tag) else {
            out.push_str(tag);
            rest = "";
            break;
        };
        let (whole, after) = tag.split_at(close);
        match wrap_tag(whole) {
            Some(wrapped) => {
                out.push_str(&wrapped);
                changed = true;
            }
            None => out.push_str(whole),
        }
        rest = after;
    }
    out.push_str(rest);
    if changed {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(text)
    }
}

/// The byte length of the tag starting at `tag` (`{% ... %}`), strings
/// skipped.
fn tag_end(tag: &str) -> Option<usize> {
    let b = tag.as_bytes();
    let mut quote: Option<u8> = None;
    let mut i = 2;
    while i + 1 < b.len() {
        match quote {
            Some(_) if b[i] == b'\\' => i += 1,
            Some(q) if b[i] == q => quote = None,
            Some(_) => {}
            None if b[i] == b'\'' || b[i] == b'"' => quote = Some(b[i]),
            None if b[i] == b'%' && b[i + 1] == b'}' => return Some(i + 2),
            None => {}
        }
        i += 1;
    }
    None
}

/// `{% if x %}` → `{% if (x) | __kib_strict %}` (and `elif`, `for`).
fn wrap_tag(tag: &str) -> Option<String> {
    let open_len = if tag.starts_with("{%-") || tag.starts_with("{%+") {
        3
    } else {
        2
    };
    let close_len = if tag.ends_with("-%}") || tag.ends_with("+%}") {
        3
    } else {
        2
    };
    let body = tag.get(open_len..tag.len() - close_len)?;
    let trimmed = body.trim_start();
    let lead = &body[..body.len() - trimmed.len()];
    let (keyword, expr) = trimmed.split_once(char::is_whitespace)?;
    let (head, expr) = match keyword {
        "if" | "elif" => (format!("{keyword} "), expr),
        "for" => {
            let at = top_level_find(expr, " in ")?;
            let iterable = &expr[at + 4..];
            if top_level_find(iterable, " if ").is_some()
                || iterable.trim_end().ends_with(" recursive")
            {
                return None;
            }
            (format!("for {} in ", &expr[..at]), iterable)
        }
        _ => return None,
    };
    let expr = expr.trim();
    if expr.is_empty() {
        return None;
    }
    Some(format!(
        "{}{lead}{head}({expr}) | __kib_strict {}",
        &tag[..open_len],
        &tag[tag.len() - close_len..]
    ))
}

/// Finds `needle` outside strings and brackets.
fn top_level_find(hay: &str, needle: &str) -> Option<usize> {
    let b = hay.as_bytes();
    let mut quote: Option<u8> = None;
    let mut depth = 0usize;
    for i in 0..b.len() {
        match quote {
            Some(q) if b[i] == q => quote = None,
            Some(_) => {}
            None => match b[i] {
                b'\'' | b'"' => quote = Some(b[i]),
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' => depth = depth.saturating_sub(1),
                _ if depth == 0 && b[i..].starts_with(needle.as_bytes()) => return Some(i),
                _ => {}
            },
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lone_expression_allows_braces_inside() {
        assert_eq!(
            lone_expression("{{ d | combine({'b': {'e': 3}}) }}"),
            Some(" d | combine({'b': {'e': 3}}) ")
        );
        assert_eq!(lone_expression("{{ a }}{{ b }}"), None);
        assert_eq!(lone_expression("{{ '}}' }}"), Some(" '}}' "));
        assert_eq!(lone_expression("x{{ a }}"), None);
    }

    #[test]
    fn block_conditions_become_strict() {
        assert_eq!(
            strict_blocks("{% if a %}x{% endif %}"),
            "{% if (a) | __kib_strict %}x{% endif %}"
        );
        assert_eq!(
            strict_blocks("{%- for k, v in d.items() -%}{% endfor %}"),
            "{%- for k, v in (d.items()) | __kib_strict -%}{% endfor %}"
        );
        assert_eq!(
            strict_blocks("{% for x in l if x %}{% endfor %}"),
            "{% for x in l if x %}{% endfor %}"
        );
        assert_eq!(strict_blocks("{% set x = '%}' %}"), "{% set x = '%}' %}");
    }

    #[test]
    fn backslashes_in_literals_survive_unescaping() {
        assert_eq!(preserve_backslashes(r"'\1' ~ '\''", true), r"'\\1' ~ '\''");
        assert_eq!(
            preserve_backslashes(r"a\b {{ '\d' }}", false),
            r"a\b {{ '\\d' }}"
        );
    }
}
