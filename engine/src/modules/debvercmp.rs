//! Debian version comparison (dpkg's `verrevcmp`), and the `fnmatch`
//! glob Ansible's apt module uses for pinned versions (`name=1.2*`).
//! Both are decided on the controller from what the probe printed.

use std::cmp::Ordering;

/// Compares two Debian versions (`[epoch:]upstream[-revision]`) as
/// `dpkg --compare-versions` does.
pub(crate) fn debvercmp(a: &str, b: &str) -> Ordering {
    let (ea, ra) = split_epoch(a);
    let (eb, rb) = split_epoch(b);
    if ea != eb {
        return ea.cmp(&eb);
    }
    let (ua, va) = ra.rsplit_once('-').unwrap_or((ra, ""));
    let (ub, vb) = rb.rsplit_once('-').unwrap_or((rb, ""));
    verrevcmp(ua, ub).then_with(|| verrevcmp(va, vb))
}

fn split_epoch(v: &str) -> (u64, &str) {
    match v.split_once(':') {
        Some((e, rest)) if e.chars().all(|c| c.is_ascii_digit()) => (e.parse().unwrap_or(0), rest),
        _ => (0, v),
    }
}

/// dpkg's character order: `~` before everything (even the end), then
/// the end, then letters, then everything else.
fn order(c: Option<u8>) -> i32 {
    match c {
        None => 0,
        Some(b'~') => -1,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => i32::from(c),
        Some(c) => i32::from(c) + 256,
    }
}

fn verrevcmp(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        // Non-digit prefixes, character by character.
        while (i < a.len() && !a[i].is_ascii_digit()) || (j < b.len() && !b[j].is_ascii_digit()) {
            let ac = order(a.get(i).copied().filter(|c| !c.is_ascii_digit()));
            let bc = order(b.get(j).copied().filter(|c| !c.is_ascii_digit()));
            if ac != bc {
                return ac.cmp(&bc);
            }
            if i < a.len() && !a[i].is_ascii_digit() {
                i += 1;
            }
            if j < b.len() && !b[j].is_ascii_digit() {
                j += 1;
            }
        }
        // Digit runs, numerically (leading zeros ignored).
        while i < a.len() && a[i] == b'0' {
            i += 1;
        }
        while j < b.len() && b[j] == b'0' {
            j += 1;
        }
        let mut first = Ordering::Equal;
        while i < a.len() && a[i].is_ascii_digit() && j < b.len() && b[j].is_ascii_digit() {
            if first == Ordering::Equal {
                first = a[i].cmp(&b[j]);
            }
            i += 1;
            j += 1;
        }
        if i < a.len() && a[i].is_ascii_digit() {
            return Ordering::Greater;
        }
        if j < b.len() && b[j].is_ascii_digit() {
            return Ordering::Less;
        }
        if first != Ordering::Equal {
            return first;
        }
    }
    Ordering::Equal
}

/// Python's `fnmatch.fnmatch` on POSIX (case-sensitive): `*`, `?`,
/// `[seq]`, `[!seq]`.
pub(crate) fn fnmatch(name: &str, pattern: &str) -> bool {
    let n: Vec<char> = name.chars().collect();
    let p: Vec<char> = pattern.chars().collect();
    glob(&n, &p)
}

fn glob(n: &[char], p: &[char]) -> bool {
    match p.first() {
        None => n.is_empty(),
        Some('*') => (0..=n.len()).any(|k| glob(&n[k..], &p[1..])),
        Some('?') => !n.is_empty() && glob(&n[1..], &p[1..]),
        Some('[') => match class(p) {
            Some((matches, rest)) => n.first().is_some_and(|c| matches(*c)) && glob(&n[1..], rest),
            None => n.first() == Some(&'[') && glob(&n[1..], &p[1..]),
        },
        Some(c) => n.first() == Some(c) && glob(&n[1..], &p[1..]),
    }
}

/// A `[...]` class at the start of `p`: a matcher and the pattern after it.
#[allow(clippy::type_complexity)]
fn class(p: &[char]) -> Option<(Box<dyn Fn(char) -> bool + '_>, &[char])> {
    let mut i = 1;
    let negate = p.get(i) == Some(&'!');
    if negate {
        i += 1;
    }
    let start = i;
    if p.get(i) == Some(&']') {
        i += 1;
    }
    while i < p.len() && p[i] != ']' {
        i += 1;
    }
    if i >= p.len() {
        return None;
    }
    let set = &p[start..i];
    let matcher = move |c: char| {
        let mut k = 0;
        let mut hit = false;
        while k < set.len() {
            if k + 2 < set.len() && set[k + 1] == '-' {
                hit |= set[k] <= c && c <= set[k + 2];
                k += 3;
            } else {
                hit |= set[k] == c;
                k += 1;
            }
        }
        hit != negate
    };
    Some((Box::new(matcher), &p[i + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_like_dpkg() {
        use Ordering::*;
        // Pairs checked with `dpkg --compare-versions` on Debian 12.
        for (a, b, o) in [
            ("1.0-1", "1.0-1", Equal),
            ("1.0-1", "2.0-1", Less),
            ("1:0.1", "2.0", Greater),
            ("1.0~rc1", "1.0", Less),
            ("1.0", "1.0+b1", Less),
            ("1.10", "1.9", Greater),
            ("1.0a", "1.0", Greater),
            ("1.0-1ubuntu1", "1.0-1", Greater),
            ("2.0-1", "2.0-01", Equal),
            ("1.2.3-4", "1.2.3", Greater),
        ] {
            assert_eq!(debvercmp(a, b), o, "{a} vs {b}");
        }
    }

    #[test]
    fn globs_like_python_fnmatch() {
        assert!(fnmatch("1.2.3-1", "1.2*"));
        assert!(!fnmatch("1.3-1", "1.2*"));
        assert!(fnmatch("2.0-1", "2.0-?"));
        assert!(fnmatch("2.0-1", "[12].0-1"));
        assert!(!fnmatch("3.0-1", "[!3].0-1"));
        assert!(fnmatch("a[", "a["));
    }
}
