//! Host patterns, as Ansible's `hosts:`, `--limit` and `ansible-inventory
//! --host` read them.
//!
//! - Items are separated by `,`, or by `:` when the whole text is not a
//!   valid address or range (`web:db`, but `web[1:2]` and `h:22` stay one).
//! - An item is `all`/`*`, a group (all hosts under it), a host, a glob
//!   (`*`, `?`, `[ab]`, `[!ab]`, matched against group names and host names)
//!   or `~regex` (anchored at the start only).
//! - `&item` intersects, `!item` excludes; plain items apply first (union in
//!   order), then every `&`, then every `!`; with only `&`/`!`, `all` is
//!   implied.
//! - `item[i]`, `item[-1]`, `item[a:b]` (inclusive), `item[a:]` subscript.
//! - `localhost`, `127.0.0.1` and `::1` match an implicit localhost when
//!   the inventory does not define one.

use super::address::parse_address;
use super::error::InventoryError;
use super::model::{Data, HostId, LOCALHOST_NAMES};
use std::collections::HashSet;

/// One selected host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Selected {
    /// An inventory host.
    Host(HostId),
    /// The implicit localhost (not in the inventory), by the name used.
    ImplicitLocalhost(&'static str),
}

/// Hosts matching `pattern`, intersected with `limit` when given.
pub(crate) fn select(
    data: &Data,
    pattern: &str,
    limit: Option<&str>,
) -> Result<Vec<Selected>, InventoryError> {
    let mut hosts = evaluate(data, &split(pattern))?;
    if let Some(limit) = limit {
        let allowed: HashSet<Selected> = evaluate(data, &subset_patterns(limit)?)?
            .into_iter()
            .collect();
        hosts.retain(|h| allowed.contains(h));
    }
    let mut seen = HashSet::with_capacity(hosts.len());
    hosts.retain(|h| seen.insert(*h));
    Ok(hosts)
}

/// The items of `pattern` (a `--limit` value: `@file` lines expanded)
/// that match no host: Ansible warns "Could not match supplied host
/// pattern, ignoring: ITEM" for each.
pub(crate) fn unmatched(data: &Data, pattern: &str) -> Result<Vec<String>, InventoryError> {
    let mut out = Vec::new();
    for p in subset_patterns(pattern)? {
        if p.is_empty() || data.hosts.contains_key(p.as_str()) {
            continue;
        }
        let bare = p.strip_prefix(['&', '!']).unwrap_or(&p);
        let (expr, _) = split_subscript(bare);
        let matches_group = Matcher::new(expr)?.is_match_any(data.groups.keys());
        if expr != "all" && !matches_group && enumerate(data, expr)?.is_empty() {
            out.push(expr.to_owned());
        }
    }
    Ok(out)
}

/// The patterns of a `--limit` value, `@file` lines expanded.
fn subset_patterns(limit: &str) -> Result<Vec<String>, InventoryError> {
    let mut out = Vec::new();
    for p in split(limit) {
        if let Some(path) = p.strip_prefix('@') {
            let text = std::fs::read_to_string(path).map_err(|e| InventoryError::LimitFile {
                path: path.to_owned(),
                message: e.to_string(),
            })?;
            out.extend(text.split('\n').map(|l| l.trim().to_owned()));
        } else {
            out.push(p);
        }
    }
    Ok(out)
}

/// Ansible's `split_host_pattern`.
pub(crate) fn split(pattern: &str) -> Vec<String> {
    let items: Vec<&str> = if pattern.contains(',') {
        pattern.split(',').collect()
    } else if parse_address(pattern, true).is_some() {
        vec![pattern]
    } else {
        // `(?:[^\s:\[\]]|\[[^\]]*\])+`, found repeatedly.
        let mut out = Vec::new();
        let b = pattern.as_bytes();
        let mut i = 0;
        let mut start = None;
        while i < b.len() {
            let c = b[i];
            if c == b'[' {
                if let Some(close) = pattern[i..].find(']') {
                    start.get_or_insert(i);
                    i += close + 1;
                    continue;
                }
            }
            if c.is_ascii_whitespace() || c == b':' || c == b'[' || c == b']' {
                if let Some(s) = start.take() {
                    out.push(&pattern[s..i]);
                }
            } else {
                start.get_or_insert(i);
            }
            i += 1;
        }
        if let Some(s) = start {
            out.push(&pattern[s..]);
        }
        out
    };
    items
        .into_iter()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn evaluate(data: &Data, patterns: &[String]) -> Result<Vec<Selected>, InventoryError> {
    let mut regular: Vec<&str> = Vec::new();
    let mut and: Vec<&str> = Vec::new();
    let mut not: Vec<&str> = Vec::new();
    for p in patterns.iter().filter(|p| !p.is_empty()) {
        match p.as_bytes()[0] {
            b'!' => not.push(p),
            b'&' => and.push(p),
            _ => regular.push(p),
        }
    }
    if regular.is_empty() {
        regular.push("all");
    }
    let mut hosts: Vec<Selected> = Vec::new();
    let mut present: HashSet<Selected> = HashSet::new();
    for p in regular.into_iter().chain(and).chain(not) {
        if let Some(h) = data.hosts.get_index_of(p) {
            hosts.push(Selected::Host(h));
            present.insert(Selected::Host(h));
            continue;
        }
        let that = match_one(data, p)?;
        match p.as_bytes()[0] {
            b'!' | b'&' => {
                let keep = p.starts_with('&');
                let that: HashSet<Selected> = that.into_iter().collect();
                hosts.retain(|h| that.contains(h) == keep);
                present = hosts.iter().copied().collect();
            }
            _ => {
                for h in that {
                    if present.insert(h) {
                        hosts.push(h);
                    }
                }
            }
        }
    }
    Ok(hosts)
}

fn match_one(data: &Data, pattern: &str) -> Result<Vec<Selected>, InventoryError> {
    let bare = pattern.strip_prefix(['&', '!']).unwrap_or(pattern);
    let (expr, subscript) = split_subscript(bare);
    let hosts = enumerate(data, expr)?;
    apply_subscript(hosts, subscript).ok_or_else(|| InventoryError::SubscriptOutOfRange {
        pattern: bare.to_owned(),
    })
}

/// `(index, None)` or `(start, Some(end))`; `end` -1 means "to the end".
type Subscript = (i64, Option<i64>);

fn split_subscript(pattern: &str) -> (&str, Option<Subscript>) {
    if pattern.starts_with('~') || !pattern.ends_with(']') {
        return (pattern, None);
    }
    let Some(open) = pattern.rfind('[') else {
        return (pattern, None);
    };
    if open == 0 {
        return (pattern, None);
    }
    let inner = &pattern[open + 1..pattern.len() - 1];
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let head = &pattern[..open];
    let idx = inner.strip_prefix('-').unwrap_or(inner);
    if digits(idx) {
        return match inner.parse() {
            Ok(i) => (head, Some((i, None))),
            Err(_) => (pattern, None),
        };
    }
    if let Some(sep) = inner.find([':', '-']) {
        let (a, b) = (&inner[..sep], &inner[sep + 1..]);
        if digits(a) && (b.is_empty() || digits(b)) {
            let start = a.parse().unwrap_or(i64::MAX);
            let end = if b.is_empty() {
                -1
            } else {
                b.parse().unwrap_or(i64::MAX)
            };
            return (head, Some((start, Some(end))));
        }
    }
    (pattern, None)
}

fn apply_subscript(hosts: Vec<Selected>, sub: Option<Subscript>) -> Option<Vec<Selected>> {
    let Some((start, end)) = sub else {
        return Some(hosts);
    };
    if hosts.is_empty() {
        return Some(hosts);
    }
    let len = hosts.len() as i64;
    match end {
        // Python: a 0 end is falsy, so `g[2:0]` is `g[2]`.
        Some(end) if end != 0 => {
            let end = if end == -1 { len - 1 } else { end };
            let s = start.clamp(0, len) as usize;
            let e = (end.saturating_add(1)).clamp(0, len) as usize;
            Some(if s < e {
                hosts[s..e].to_vec()
            } else {
                Vec::new()
            })
        }
        _ => {
            let i = if start < 0 { len + start } else { start };
            (0..len).contains(&i).then(|| vec![hosts[i as usize]])
        }
    }
}

fn enumerate(data: &Data, pattern: &str) -> Result<Vec<Selected>, InventoryError> {
    let matcher = Matcher::new(pattern)?;
    let mut out: Vec<Selected> = Vec::new();
    let mut matched_group = false;
    for (g, name) in data.groups.keys().enumerate() {
        if matcher.is_match(name) {
            matched_group = true;
            out.extend(data.hosts_under(g).into_iter().map(Selected::Host));
        }
    }
    if !matched_group || pattern.starts_with('~') || pattern.contains(['.', '?', '*', '[']) {
        for (h, name) in data.hosts.keys().enumerate() {
            if matcher.is_match(name) {
                out.push(Selected::Host(h));
            }
        }
    }
    if out.is_empty() {
        if let Some(&name) = LOCALHOST_NAMES.iter().find(|n| **n == pattern) {
            out.push(match data.localhost {
                Some(h) => Selected::Host(h),
                None => Selected::ImplicitLocalhost(name),
            });
        }
    }
    Ok(out)
}

/// A compiled pattern item: literal, glob (`fnmatch`) or `~regex`.
enum Matcher<'a> {
    Literal(&'a str),
    Glob(Vec<char>),
    Regex(fancy_regex::Regex),
}

impl<'a> Matcher<'a> {
    fn new(pattern: &'a str) -> Result<Matcher<'a>, InventoryError> {
        if let Some(re) = pattern.strip_prefix('~') {
            let re = crate::pyre::compile(&format!("^(?:{re})"), crate::pyre::Flags::NONE)
                .map_err(|e| InventoryError::BadPattern {
                    pattern: pattern.to_owned(),
                    expected: format!("expected a valid regular expression after `~`: {e}"),
                })?;
            return Ok(Matcher::Regex(re));
        }
        if pattern.contains(['*', '?', '[']) {
            return Ok(Matcher::Glob(pattern.chars().collect()));
        }
        Ok(Matcher::Literal(pattern))
    }

    fn is_match_any<'k>(&self, mut names: impl Iterator<Item = &'k String>) -> bool {
        names.any(|n| self.is_match(n))
    }

    fn is_match(&self, name: &str) -> bool {
        match self {
            Matcher::Literal(l) => *l == name,
            Matcher::Glob(g) => {
                let n: Vec<char> = name.chars().collect();
                glob(g, &n)
            }
            Matcher::Regex(re) => re.is_match(name).unwrap_or(false),
        }
    }
}

/// Python's `fnmatch.fnmatch` on POSIX (case-sensitive): whether `name`
/// matches the glob `pattern`.
pub(crate) fn fnmatch(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    glob(&p, &n)
}

/// Python's `fnmatch.fnmatchcase`: `*`, `?`, `[seq]`, `[!seq]`; a `[` with
/// no closing `]` is literal.
fn glob(p: &[char], n: &[char]) -> bool {
    let (mut pi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        if pi < p.len() {
            match p[pi] {
                '*' => {
                    star = Some((pi, ni));
                    pi += 1;
                    continue;
                }
                '?' => {
                    pi += 1;
                    ni += 1;
                    continue;
                }
                '[' => {
                    if let Some((matched, len)) = class(&p[pi..], n[ni]) {
                        if matched {
                            pi += len;
                            ni += 1;
                            continue;
                        }
                    } else if n[ni] == '[' {
                        pi += 1;
                        ni += 1;
                        continue;
                    }
                }
                c if c == n[ni] => {
                    pi += 1;
                    ni += 1;
                    continue;
                }
                _ => {}
            }
        }
        match star {
            Some((sp, sn)) => {
                pi = sp + 1;
                ni = sn + 1;
                star = Some((sp, sn + 1));
            }
            None => return false,
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// A `[...]` class at the start of `p`: whether `c` matches and its length.
fn class(p: &[char], c: char) -> Option<(bool, usize)> {
    let mut i = 1;
    let negate = p.get(i) == Some(&'!');
    if negate {
        i += 1;
    }
    let start = i;
    // A `]` right after `[` or `[!` is literal.
    if p.get(i) == Some(&']') {
        i += 1;
    }
    while p.get(i)? != &']' {
        i += 1;
    }
    let body = &p[start..i];
    let mut matched = false;
    let mut j = 0;
    while j < body.len() {
        if j + 2 < body.len() && body[j + 1] == '-' {
            if body[j] <= c && c <= body[j + 2] {
                matched = true;
            }
            j += 3;
        } else {
            if body[j] == c {
                matched = true;
            }
            j += 1;
        }
    }
    Some((matched != negate, i + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitting() {
        assert_eq!(split("a:b"), ["a", "b"]);
        assert_eq!(split("web[1:2]"), ["web[1:2]"]);
        assert_eq!(split("app-servers:&db"), ["app-servers", "&db"]);
        assert_eq!(split(" a , ,b"), ["a", "b"]);
        assert_eq!(split("foo:bar:baz[1:2]"), ["foo", "bar", "baz[1:2]"]);
    }

    #[test]
    fn subscripts() {
        assert_eq!(split_subscript("web[1:2]"), ("web", Some((1, Some(2)))));
        assert_eq!(split_subscript("web[-1]"), ("web", Some((-1, None))));
        assert_eq!(split_subscript("web[2:]"), ("web", Some((2, Some(-1)))));
        assert_eq!(split_subscript("~web[1:2]"), ("~web[1:2]", None));
    }

    #[test]
    fn globs() {
        let g = |p: &str, n: &str| {
            glob(
                &p.chars().collect::<Vec<_>>(),
                &n.chars().collect::<Vec<_>>(),
            )
        };
        assert!(g("web*", "web01"));
        assert!(g("w?b[0-9]*", "web1x"));
        assert!(g("web[!2]", "web1"));
        assert!(!g("web[!2]", "web2"));
        assert!(!g("web*", "db1"));
        assert!(g("*", ""));
    }
}
