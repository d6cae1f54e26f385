//! Host ranges: `web[01:50]`, `db-[a:f]`, `n[0:10:2]`, `a[0:1][2:3]`.
//!
//! Ansible expands the first `[...]` and recurses on the result, so several
//! ranges give a cartesian product with the leftmost range outermost. Rules
//! followed (ansible-core 2.19 `expand_hostname_range`):
//! - `[beg:end]` and `[beg:end:step]` are inclusive; an empty `beg` is 0;
//! - a numeric `beg` with a leading zero fixes the width, and `end` must have
//!   the same width;
//! - `beg`/`end` that are letters (`a`..`z`, `A`..`Z`, in that order) give an
//!   alphabetic range, which must not run backwards;
//! - a numeric range that runs backwards is empty.

/// Why a range did not expand; the caller adds the span.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RangeError {
    /// Not `beg:end` or `beg:end:step`.
    Shape,
    /// `[a:]`.
    MissingEnd,
    /// `[01:100]`.
    UnequalWidth,
    /// `[f:a]`.
    Backwards,
    /// A bound or step that is not a number (or a zero step).
    NotANumber,
    /// A `[` with no `]`.
    Unclosed,
    /// More than [`MAX_HOSTS`] names from one pattern.
    TooLarge,
}

/// The most host names one pattern may expand to: far above any real
/// inventory, low enough that a typo cannot exhaust memory.
pub(crate) const MAX_HOSTS: usize = 1_000_000;

impl RangeError {
    /// The expectation, for error messages.
    pub(crate) fn expected(self) -> &'static str {
        match self {
            RangeError::Shape => "expected `[begin:end]` or `[begin:end:step]`",
            RangeError::MissingEnd => "expected an end value after `:`",
            RangeError::UnequalWidth => {
                "expected begin and end of equal length when begin has a leading zero"
            }
            RangeError::Backwards => "expected begin <= end in an alphabetic range",
            RangeError::NotANumber => {
                "expected numbers (or single letters) as bounds and a positive step"
            }
            RangeError::Unclosed => "expected a closing `]`",
            RangeError::TooLarge => "expected at most 1000000 hosts from one pattern",
        }
    }
}

const LETTERS: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// Whether `name` holds a range to expand (Ansible: any `[`).
pub(crate) fn has_range(name: &str) -> bool {
    name.contains('[')
}

/// Expands every range in `name`, appending the host names to `out`.
pub(crate) fn expand(name: &str, out: &mut Vec<String>) -> Result<(), RangeError> {
    let Some(open) = name.find('[') else {
        out.push(name.to_owned());
        return Ok(());
    };
    let close = name[open..]
        .find(']')
        .map(|i| open + i)
        .ok_or(RangeError::Unclosed)?;
    let (head, inner, tail) = (&name[..open], &name[open + 1..close], &name[close + 1..]);
    let bounds: Vec<&str> = inner.split(':').collect();
    if bounds.len() != 2 && bounds.len() != 3 {
        return Err(RangeError::Shape);
    }
    let beg = if bounds[0].is_empty() { "0" } else { bounds[0] };
    let end = bounds[1];
    if end.is_empty() {
        return Err(RangeError::MissingEnd);
    }
    let step: usize = match bounds.get(2) {
        Some(s) => parse_py_int(s)
            .and_then(|n| usize::try_from(n).ok())
            .filter(|n| *n > 0)
            .ok_or(RangeError::NotANumber)?,
        None => 1,
    };
    let width = if beg.len() > 1 && beg.starts_with('0') {
        if beg.len() != end.len() {
            return Err(RangeError::UnequalWidth);
        }
        beg.len()
    } else {
        0
    };
    let mut emit = |item: &str| -> Result<(), RangeError> {
        let mut host = String::with_capacity(head.len() + item.len() + tail.len());
        host.push_str(head);
        for _ in item.len()..width {
            host.push('0');
        }
        host.push_str(item);
        host.push_str(tail);
        if out.len() >= MAX_HOSTS {
            return Err(RangeError::TooLarge);
        }
        if has_range(&host) {
            expand(&host, out)
        } else {
            out.push(host);
            Ok(())
        }
    };
    // Python's `ascii_letters.index(beg)` finds substrings, so `ab` is "a".
    if let (Some(b), Some(e)) = (LETTERS.find(beg), LETTERS.find(end)) {
        if b > e {
            return Err(RangeError::Backwards);
        }
        for i in (b..=e).step_by(step) {
            emit(&LETTERS[i..i + 1])?;
        }
        return Ok(());
    }
    let b = parse_py_int(beg).ok_or(RangeError::NotANumber)?;
    let e = parse_py_int(end).ok_or(RangeError::NotANumber)?;
    let mut i = b;
    let mut buf = String::new();
    while i <= e {
        buf.clear();
        buf.push_str(&i.to_string());
        emit(&buf)?;
        i = match i.checked_add(step as i64) {
            Some(n) => n,
            None => break,
        };
    }
    Ok(())
}

/// Python's `int(text)` for a decimal string: surrounding spaces, a sign and
/// `_` between digits are allowed.
fn parse_py_int(text: &str) -> Option<i64> {
    let t = text.trim();
    let (neg, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
        || !digits.bytes().all(|b| b.is_ascii_digit() || b == b'_')
    {
        return None;
    }
    let n: i64 = digits.replace('_', "").parse().ok()?;
    Some(if neg { -n } else { n })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(p: &str) -> Vec<String> {
        let mut out = Vec::new();
        expand(p, &mut out).unwrap();
        out
    }

    #[test]
    fn numeric_with_width() {
        assert_eq!(hosts("web[01:03].x"), ["web01.x", "web02.x", "web03.x"]);
        assert_eq!(hosts("n[:2]"), ["n0", "n1", "n2"]);
        assert_eq!(hosts("n[8:11]"), ["n8", "n9", "n10", "n11"]);
    }

    #[test]
    fn steps_alpha_and_products() {
        assert_eq!(hosts("n[0:10:5]"), ["n0", "n5", "n10"]);
        assert_eq!(hosts("db-[a:c]"), ["db-a", "db-b", "db-c"]);
        assert_eq!(hosts("a[a:i:3]"), ["aa", "ad", "ag"]);
        assert_eq!(hosts("a[0:1][2:3]"), ["a02", "a03", "a12", "a13"]);
        assert_eq!(hosts("x[y:B]"), ["xy", "xz", "xA", "xB"]);
        assert!(hosts("n[5:1]").is_empty());
    }

    #[test]
    fn errors() {
        let err = |p: &str| expand(p, &mut Vec::new()).unwrap_err();
        assert_eq!(err("w[01:100]"), RangeError::UnequalWidth);
        assert_eq!(err("w[c:a]"), RangeError::Backwards);
        assert_eq!(err("w[1:]"), RangeError::MissingEnd);
        assert_eq!(err("w[1]"), RangeError::Shape);
        assert_eq!(err("w[1:x]"), RangeError::NotANumber);
        assert_eq!(err("w[1:3:0]"), RangeError::NotANumber);
        assert_eq!(err("w[1:3"), RangeError::Unclosed);
        assert_eq!(err("w[0:9999999]"), RangeError::TooLarge);
    }
}
