//! The INI inventory plugin, as ansible-core 2.19 reads it.
//!
//! - Lines before any section belong to `ungrouped`; `#` and `;` start
//!   comment lines.
//! - `[g]` lists hosts, `[g:children]` child groups, `[g:vars]` one
//!   `key=value` per line; another `:kind` is an error. A `:vars` or
//!   `:children` section may name a group defined further down; one never
//!   defined is an error.
//! - Host lines are split like POSIX `shlex` with comments (quotes removed,
//!   `#` ends the line); the first token is `host[:port]` with ranges, the
//!   rest `key=value`.
//! - `:vars` lines split on the first `=` with no quote or comment handling.
//! - Every value goes through Python's `ast.literal_eval` ([`literal_eval`]),
//!   keeping the raw text when that fails: `80` is an int, `true` a string.

use super::address::parse_address;
use super::error::InventoryError;
use super::model::{Data, GroupId};
use super::pyliteral::literal_eval;
use super::range::{expand, has_range};
use crate::source::Span;
use crate::value::Value;
use indexmap::IndexMap;
use std::sync::Arc;

/// How a section's lines are read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Hosts,
    Children,
    Vars,
}

/// A group named before it is defined.
struct Pending {
    span: Span,
    state: State,
    parents: Vec<GroupId>,
}

/// Parses INI inventory `text` (from `file`) into `data`.
pub(crate) fn parse(data: &mut Data, text: &str, file: &Arc<str>) -> Result<(), InventoryError> {
    let mut pending: IndexMap<String, Pending> = IndexMap::new();
    let mut group = super::model::UNGROUPED;
    let mut state = State::Hosts;
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with(['#', ';']) {
            continue;
        }
        let indent = raw.len() - raw.trim_start().len();
        let span = Span::new(
            file.clone(),
            u32::try_from(n + 1).unwrap_or(u32::MAX),
            u32::try_from(raw[..indent].chars().count() + 1).unwrap_or(u32::MAX),
        );
        if let Some((name, kind)) = section(line) {
            state = match kind {
                None => State::Hosts,
                Some("hosts") => State::Hosts,
                Some("children") => State::Children,
                Some("vars") => State::Vars,
                Some(other) => {
                    return Err(InventoryError::UnknownSectionType {
                        span,
                        group: name.to_owned(),
                        kind: other.to_owned(),
                    })
                }
            };
            if !data.groups.contains_key(name)
                && state == State::Vars
                && !pending.contains_key(name)
            {
                pending.insert(
                    name.to_owned(),
                    Pending {
                        span: span.clone(),
                        state,
                        parents: Vec::new(),
                    },
                );
            }
            group = data.add_group(name);
            if state != State::Vars {
                if let Some(p) = pending.get(name) {
                    if p.state == State::Children {
                        add_pending_children(data, name, &mut pending, &span)?;
                    } else {
                        pending.shift_remove(name);
                    }
                }
            }
            continue;
        }
        if line.starts_with('[') && line.ends_with(']') {
            return Err(InventoryError::IniSyntax {
                span,
                expected: "expected a section `[name]`, `[name:vars]` or `[name:children]` with no spaces or other invalid characters",
                found: line.to_owned(),
            });
        }
        match state {
            State::Hosts => host_line(data, line, group, &span, file)?,
            State::Vars => {
                let Some((k, v)) = line.split_once('=') else {
                    return Err(InventoryError::IniSyntax {
                        span,
                        expected: "expected `key=value`",
                        found: line.to_owned(),
                    });
                };
                data.set_group_var(group, k.trim().to_owned(), value(v.trim()), &span)?;
            }
            State::Children => {
                let Some(child) = group_name(line) else {
                    return Err(InventoryError::IniSyntax {
                        span,
                        expected: "expected a group name",
                        found: line.to_owned(),
                    });
                };
                match data.groups.get_index_of(child) {
                    Some(c) => data.add_child(group, c, &span)?,
                    None => match pending.get_mut(child) {
                        Some(p) => p.parents.push(group),
                        None => {
                            pending.insert(
                                child.to_owned(),
                                Pending {
                                    span,
                                    state: State::Children,
                                    parents: vec![group],
                                },
                            );
                        }
                    },
                }
            }
        }
    }
    if let Some((name, p)) = pending.into_iter().next() {
        return Err(match p.state {
            State::Vars => InventoryError::VarsForUndefinedGroup {
                span: p.span,
                group: name,
            },
            _ => InventoryError::UndefinedChildGroup {
                span: p.span,
                parent: p
                    .parents
                    .last()
                    .map(|&g| data.groups[g].name.clone())
                    .unwrap_or_default(),
                child: name,
            },
        });
    }
    Ok(())
}

fn add_pending_children(
    data: &mut Data,
    name: &str,
    pending: &mut IndexMap<String, Pending>,
    span: &Span,
) -> Result<(), InventoryError> {
    let Some(p) = pending.shift_remove(name) else {
        return Ok(());
    };
    let child = data.add_group(name);
    for parent in p.parents {
        data.add_child(parent, child, span)?;
        let parent_name = data.groups[parent].name.clone();
        if pending
            .get(&parent_name)
            .is_some_and(|pp| pp.state == State::Children)
        {
            add_pending_children(data, &parent_name, pending, span)?;
        }
    }
    Ok(())
}

/// `[name]` or `[name:kind]`, optionally followed by a `#` comment.
fn section(line: &str) -> Option<(&str, Option<&str>)> {
    let rest = line.strip_prefix('[')?;
    let close = rest.find(']')?;
    let after = rest[close + 1..].trim_start();
    if !(after.is_empty() || after.starts_with('#')) {
        return None;
    }
    let inner = &rest[..close];
    let (name, kind) = match inner.split_once(':') {
        Some((n, k)) => (n, Some(k)),
        None => (inner, None),
    };
    let name_ok = !name.is_empty() && !name.contains(|c: char| c.is_whitespace() || c == ':');
    let kind_ok =
        kind.is_none_or(|k| !k.is_empty() && k.chars().all(|c| c.is_alphanumeric() || c == '_'));
    (name_ok && kind_ok).then_some((name, kind))
}

/// A `:children` line: one name, optionally followed by a `#` comment.
fn group_name(line: &str) -> Option<&str> {
    let end = line
        .find(|c: char| c.is_whitespace() || c == ':' || c == ']')
        .unwrap_or(line.len());
    let (name, after) = line.split_at(end);
    let after = after.trim_start();
    (!name.is_empty() && (after.is_empty() || after.starts_with('#'))).then_some(name)
}

/// Python `ast.literal_eval`, keeping the text when it fails.
pub(crate) fn value(text: &str) -> Value {
    literal_eval(text).unwrap_or_else(|| Value::Str(text.to_owned()))
}

fn host_line(
    data: &mut Data,
    line: &str,
    group: GroupId,
    span: &Span,
    file: &Arc<str>,
) -> Result<(), InventoryError> {
    let tokens = shlex_split(line).ok_or_else(|| InventoryError::IniSyntax {
        span: span.clone(),
        expected: "expected a host line with balanced quotes",
        found: line.to_owned(),
    })?;
    let Some(pattern) = tokens.first() else {
        return Ok(());
    };
    let (hosts, port) = expand_host_pattern(pattern, span)?;
    let mut vars = Vec::with_capacity(tokens.len() - 1);
    for t in &tokens[1..] {
        let Some((k, v)) = t.split_once('=') else {
            return Err(InventoryError::IniSyntax {
                span: span.clone(),
                expected: "expected `key=value` host variable assignment",
                found: t.clone(),
            });
        };
        vars.push((k.to_owned(), value(v)));
    }
    for name in &hosts {
        let h = data.add_host(name, Some(group), port, Some(file));
        for (k, v) in &vars {
            data.set_host_var(h, k.clone(), v.clone());
        }
    }
    Ok(())
}

/// A host pattern from an INI line or YAML key: `host[:port]` with ranges.
pub(crate) fn expand_host_pattern(
    pattern: &str,
    span: &Span,
) -> Result<(Vec<String>, Option<u32>), InventoryError> {
    let (host, port) = match parse_address(pattern, true) {
        Some(a) => (a.host, a.port),
        None => (pattern, None),
    };
    if pattern.trim().ends_with(':') && port.is_none() {
        return Err(InventoryError::InvalidHostPattern {
            span: span.clone(),
            pattern: pattern.to_owned(),
            expected: "expected no trailing `:` (it introduces a port)",
        });
    }
    let mut hosts = Vec::new();
    if has_range(host) {
        expand(host, &mut hosts).map_err(|e| InventoryError::BadRange {
            span: span.clone(),
            pattern: pattern.to_owned(),
            expected: e.expected(),
        })?;
    } else {
        hosts.push(host.to_owned());
    }
    if hosts.iter().any(|h| h.trim() == "---") {
        return Err(InventoryError::InvalidHostPattern {
            span: span.clone(),
            pattern: pattern.to_owned(),
            expected: "expected a host name (`---` is a sign of a YAML file)",
        });
    }
    Ok((hosts, port))
}

/// POSIX `shlex.split(line, comments=True)`; `None` on an open quote.
fn shlex_split(line: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_token = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_token {
                    out.push(std::mem::take(&mut cur));
                    in_token = false;
                }
            }
            '#' => break,
            '\'' => {
                in_token = true;
                loop {
                    match chars.next()? {
                        '\'' => break,
                        ch => cur.push(ch),
                    }
                }
            }
            '"' => {
                in_token = true;
                loop {
                    match chars.next()? {
                        '"' => break,
                        '\\' => match chars.next()? {
                            ch @ ('"' | '\\') => cur.push(ch),
                            ch => {
                                cur.push('\\');
                                cur.push(ch);
                            }
                        },
                        ch => cur.push(ch),
                    }
                }
            }
            '\\' => {
                in_token = true;
                if let Some(ch) = chars.next() {
                    cur.push(ch);
                }
            }
            c => {
                in_token = true;
                cur.push(c);
            }
        }
    }
    if in_token {
        out.push(cur);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shlex_matches_python() {
        assert_eq!(shlex_split("a#b c").unwrap(), ["a"]);
        assert_eq!(shlex_split(r#"x="a\"b" y"#).unwrap(), ["x=a\"b", "y"]);
        assert_eq!(shlex_split(r"x=a\ b").unwrap(), ["x=a b"]);
        assert_eq!(shlex_split(r#"x="a\nb""#).unwrap(), [r"x=a\nb"]);
        assert!(shlex_split("h x=\"open").is_none());
    }

    #[test]
    fn sections() {
        assert_eq!(section("[web]"), Some(("web", None)));
        assert_eq!(section("[web:vars] # c"), Some(("web", Some("vars"))));
        assert_eq!(section("[web x]"), None);
    }

    fn load(text: &str) -> Result<Data, InventoryError> {
        let mut d = Data::new();
        parse(&mut d, text, &Arc::from("h.ini"))?;
        Ok(d)
    }

    #[test]
    fn errors_name_the_line() {
        let e = load("[web]\nh1\n[web:nope]\n").unwrap_err().to_string();
        assert!(e.starts_with("h.ini:3:1: section `[web:nope]`"), "{e}");
        let e = load("[a:children]\nb\n").unwrap_err().to_string();
        assert!(
            e.starts_with("h.ini:2:1: section `[a:children]` includes undefined group `b`"),
            "{e}"
        );
        let e = load("[a:children]\nb\n[b:children]\na\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("creates a loop"), "{e}");
        let e = load("web[01:100]\n").unwrap_err().to_string();
        assert!(e.starts_with("h.ini:1:1: bad host range"), "{e}");
        let e = load("[web]\nh1 novalue\n").unwrap_err().to_string();
        assert!(e.contains("expected `key=value` host variable"), "{e}");
    }
}
