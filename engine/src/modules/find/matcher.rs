//! Which listed entries `find` reports: kind, name patterns (globs as
//! Python's `fnmatch`, or regexes), excludes, hidden names, age and size.

use super::{AgeStamp, Entry, FindArgs, FindType};
use crate::modules::fstat::FileKind;
use crate::pyre::{compile, Flags};
use fancy_regex::Regex;

/// Compiled patterns and excludes.
pub(super) struct Matcher {
    patterns: Vec<Regex>,
    excludes: Vec<Regex>,
}

impl Matcher {
    pub(super) fn new(a: &FindArgs) -> Result<Matcher, String> {
        let one = |p: &String| {
            if a.use_regex {
                compile(&format!(r"\A(?:{p})"), Flags::NONE)
            } else {
                compile(&glob_regex(p), Flags::NONE)
            }
        };
        Ok(Matcher {
            patterns: a.patterns.iter().map(one).collect::<Result<_, _>>()?,
            excludes: a.excludes.iter().map(one).collect::<Result<_, _>>()?,
        })
    }

    pub(super) fn matches(&self, a: &FindArgs, e: &Entry, now: f64) -> bool {
        let name = e.path.rsplit('/').next().unwrap_or(&e.path);
        let kind = e.st.kind();
        let type_ok = match a.file_type {
            FindType::Any => true,
            FindType::File => kind == FileKind::Regular,
            FindType::Directory => kind == FileKind::Directory,
            FindType::Link => kind == FileKind::Symlink,
        };
        let hit = |res: &[Regex]| res.iter().any(|r| r.is_match(name).unwrap_or(false));
        let pattern_ok = self.patterns.is_empty() || hit(&self.patterns);
        let exclude_ok = !hit(&self.excludes);
        let hidden_ok = a.hidden || !name.starts_with('.');
        let age_ok = a.age.is_none_or(|age| {
            let stamp = match a.age_stamp {
                AgeStamp::Atime => e.times[0],
                AgeStamp::Mtime => e.times[1],
                AgeStamp::Ctime => e.times[2],
            };
            let d = now - stamp;
            if age >= 0 {
                d >= age as f64
            } else {
                d <= (-age) as f64
            }
        });
        let size_ok = a.size.is_none_or(|s| {
            let sz = e.st.size as i64;
            if s >= 0 {
                sz >= s
            } else {
                sz <= -s
            }
        });
        type_ok && pattern_ok && exclude_ok && hidden_ok && age_ok && size_ok
    }
}

/// Python `fnmatch` as a regex: `*`, `?`, `[seq]`, `[!seq]`.
fn glob_regex(p: &str) -> String {
    let mut out = String::from(r"(?s)\A");
    let chars: Vec<char> = p.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '*' => out.push_str(".*"),
            '?' => out.push('.'),
            '[' => match chars[i + 1..].iter().skip(1).position(|c| *c == ']') {
                Some(off) => {
                    let end = i + 2 + off;
                    let body: String = chars[i + 1..end].iter().collect();
                    let (neg, body) = match body.strip_prefix('!') {
                        Some(b) => (true, b.to_owned()),
                        None => (false, body),
                    };
                    out.push('[');
                    if neg {
                        out.push('^');
                    }
                    out.push_str(
                        &body
                            .replace('\\', r"\\")
                            .replace('[', r"\[")
                            .replace('&', r"\&")
                            .replace('~', r"\~"),
                    );
                    out.push(']');
                    i = end;
                }
                None => out.push_str(r"\["),
            },
            c => out.push_str(&fancy_regex::escape(&c.to_string())),
        }
        i += 1;
    }
    out.push_str(r"\z");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_follow_fnmatch() {
        // Expected values from python3: fnmatch.fnmatchcase(name, pat)
        let m = |p: &str, s: &str| {
            compile(&glob_regex(p), Flags::NONE)
                .unwrap()
                .is_match(s)
                .unwrap()
        };
        assert!(m("*.txt", "a.txt"));
        assert!(!m("*.txt", "a.txt.bak"));
        assert!(m("a?c", "abc"));
        assert!(m("[!x]*", "abc"));
        assert!(!m("[!a]*", "abc"));
        assert!(m("[ab].conf", "b.conf"));
        assert!(m("a[", "a["));
        assert!(m("$(x)*", "$(x)y"));
    }
}
