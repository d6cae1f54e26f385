//! Regular-expression filters and tests with Python `re` semantics
//! (`fancy-regex`: lookaround and backreferences): `regex_replace`,
//! `regex_search`, `regex_findall`, `regex_escape`, and the tests `match`,
//! `search`, `regex`.

use super::failed;
pub(crate) use crate::pyre::Flags;
use fancy_regex::{Captures, Regex};
use minijinja::value::{Kwargs, Rest};
use minijinja::{Environment, Error, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

pub(super) fn register(env: &mut Environment<'static>) {
    env.add_filter("regex_replace", regex_replace);
    env.add_filter("regex_search", regex_search);
    env.add_filter("regex_findall", regex_findall);
    env.add_filter("regex_escape", regex_escape);
}

/// The flags every regex filter and test takes as keyword arguments.
pub(crate) fn flags_from_kwargs(kwargs: &Kwargs) -> Result<Flags, Error> {
    Ok(Flags {
        ignorecase: kwargs.get::<Option<bool>>("ignorecase")?.unwrap_or(false),
        multiline: kwargs.get::<Option<bool>>("multiline")?.unwrap_or(false),
    })
}

type RegexCache = Mutex<HashMap<(String, Flags), Arc<Regex>>>;

/// Compiles `pattern` (cached: the same few patterns run for every host).
pub(crate) fn compile(filter: &str, pattern: &str, flags: Flags) -> Result<Arc<Regex>, Error> {
    static CACHE: OnceLock<RegexCache> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let key = (pattern.to_owned(), flags);
    if let Some(hit) = cache.lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
        return Ok(hit.clone());
    }
    let regex = crate::pyre::compile(pattern, flags).map_err(|e| failed(filter, e))?;
    let regex = Arc::new(regex);
    cache
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(key, regex.clone());
    Ok(regex)
}

fn regex_replace(
    value: &Value,
    pattern: &str,
    replacement: Option<&str>,
    kwargs: Kwargs,
) -> Result<String, Error> {
    let flags = flags_from_kwargs(&kwargs)?;
    let count = kwargs.get::<Option<usize>>("count")?.unwrap_or(0);
    kwargs.assert_all_used()?;
    let text = text_of(value);
    let regex = compile("regex_replace", pattern, flags)?;
    let template = python_template(replacement.unwrap_or(""));
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (done, caps) in regex.captures_iter(text.as_str()).enumerate() {
        if count > 0 && done >= count {
            break;
        }
        let caps = caps.map_err(|e| failed("regex_replace", e))?;
        let whole = caps.get(0).map_or(0..0, |m| m.range());
        out.push_str(&text[last..whole.start]);
        expand(&caps, &template, &mut out);
        last = whole.end;
    }
    out.push_str(&text[last..]);
    Ok(out)
}

/// `regex_search(pattern, '\\1', '\\g<name>', ...)`: the match, `None`
/// when nothing matches, or the list of the named groups when any are
/// asked for.
fn regex_search(
    value: &Value,
    pattern: &str,
    groups: Rest<String>,
    kwargs: Kwargs,
) -> Result<Value, Error> {
    let flags = flags_from_kwargs(&kwargs)?;
    kwargs.assert_all_used()?;
    let text = text_of(value);
    let regex = compile("regex_search", pattern, flags)?;
    let Some(caps) = regex
        .captures(text.as_str())
        .map_err(|e| failed("regex_search", e))?
    else {
        return Ok(Value::from(()));
    };
    if groups.is_empty() {
        return Ok(Value::from(caps.get(0).map_or("", |m| m.as_str())));
    }
    let mut items = Vec::with_capacity(groups.len());
    for reference in groups.iter() {
        let name = reference
            .strip_prefix("\\g<")
            .and_then(|r| r.strip_suffix('>'))
            .or_else(|| reference.strip_prefix('\\'))
            .ok_or_else(|| {
                failed(
                    "regex_search",
                    format_args!("unknown argument `{reference}`"),
                )
            })?;
        let group = match name.parse::<usize>() {
            Ok(i) => caps.get(i),
            Err(_) => caps.name(name),
        };
        items.push(group.map_or(Value::from(()), |m| Value::from(m.as_str())));
    }
    Ok(Value::from(items))
}

/// Every match; with groups, the groups (a list per match when several).
fn regex_findall(value: &Value, pattern: &str, kwargs: Kwargs) -> Result<Value, Error> {
    let flags = flags_from_kwargs(&kwargs)?;
    kwargs.assert_all_used()?;
    let text = text_of(value);
    let regex = compile("regex_findall", pattern, flags)?;
    let groups = regex.captures_len() - 1;
    let mut out = Vec::new();
    for caps in regex.captures_iter(text.as_str()) {
        let caps = caps.map_err(|e| failed("regex_findall", e))?;
        let group = |i: usize| Value::from(caps.get(i).map_or("", |m| m.as_str()));
        out.push(match groups {
            0 => group(0),
            1 => group(1),
            n => Value::from((1..=n).map(group).collect::<Vec<_>>()),
        });
    }
    Ok(Value::from(out))
}

/// Python's `re.escape`: every character but ASCII letters, digits and `_`
/// gets a backslash.
fn regex_escape(value: &str, re_type: Option<&str>) -> Result<String, Error> {
    if let Some(kind) = re_type.filter(|t| *t != "python") {
        return Err(failed(
            "regex_escape",
            format_args!("unsupported re_type `{kind}`"),
        ));
    }
    let mut out = String::with_capacity(value.len() * 2);
    for c in value.chars() {
        if !(c.is_alphanumeric() || c == '_') {
            out.push('\\');
        }
        out.push(c);
    }
    Ok(out)
}

/// A value's text; non-strings as Python's `str()`.
pub(crate) fn text_of(value: &Value) -> String {
    match value.as_str() {
        Some(s) => s.to_owned(),
        None => {
            let mut out = String::new();
            crate::template::native::py_str(&mut out, value);
            out
        }
    }
}

/// One piece of a Python replacement template.
enum Piece {
    Text(String),
    Group(usize),
    Named(String),
}

/// Parses Python's replacement syntax (`\1`, `\g<1>`, `\g<name>`, `\n`).
fn python_template(repl: &str) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut text = String::new();
    let mut chars = repl.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            text.push(c);
            continue;
        }
        let group = match chars.peek().copied() {
            Some(d) if d.is_ascii_digit() => {
                let mut n = String::new();
                while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                    n.push(d);
                    chars.next();
                    if n.len() == 2 {
                        break;
                    }
                }
                Some(Piece::Group(n.parse().unwrap_or(0)))
            }
            Some('g') => {
                chars.next();
                let mut name = String::new();
                if chars.peek() == Some(&'<') {
                    chars.next();
                    for c in chars.by_ref() {
                        if c == '>' {
                            break;
                        }
                        name.push(c);
                    }
                }
                Some(match name.parse::<usize>() {
                    Ok(i) => Piece::Group(i),
                    Err(_) => Piece::Named(name),
                })
            }
            Some(e) => {
                chars.next();
                match e {
                    'n' => text.push('\n'),
                    't' => text.push('\t'),
                    'r' => text.push('\r'),
                    '\\' => text.push('\\'),
                    other => {
                        text.push('\\');
                        text.push(other);
                    }
                }
                None
            }
            None => {
                text.push('\\');
                None
            }
        };
        if let Some(group) = group {
            if !text.is_empty() {
                pieces.push(Piece::Text(std::mem::take(&mut text)));
            }
            pieces.push(group);
        }
    }
    if !text.is_empty() {
        pieces.push(Piece::Text(text));
    }
    pieces
}

fn expand(caps: &Captures<'_, str>, template: &[Piece], out: &mut String) {
    for piece in template {
        match piece {
            Piece::Text(t) => out.push_str(t),
            Piece::Group(i) => out.push_str(caps.get(*i).map_or("", |m| m.as_str())),
            Piece::Named(n) => out.push_str(caps.name(n).map_or("", |m| m.as_str())),
        }
    }
}
