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
    fn backslashes_in_literals_survive_unescaping() {
        assert_eq!(preserve_backslashes(r"'\1' ~ '\''", true), r"'\\1' ~ '\''");
        assert_eq!(
            preserve_backslashes(r"a\b {{ '\d' }}", false),
            r"a\b {{ '\\d' }}"
        );
    }
}
