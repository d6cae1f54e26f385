//! `host[:port]` parsing as Ansible's `parse_address` does it: what an INI
//! host line or a `h1,h2,` list names, and whether `a:b` in a host pattern
//! is one address or two patterns.
//!
//! Accepted: hostnames (labels of word characters and `-`, not ending in
//! `-`/`_`, with `[x:y]` ranges), IPv4 (with numeric ranges), IPv6, and a
//! `:port` suffix (`[v6]:port` for IPv6). Anything else is "not an address";
//! callers then use the text as it is, as Ansible does.

/// A parsed `host[:port]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Address<'a> {
    /// The host part (brackets of `[v6]:port` removed).
    pub(crate) host: &'a str,
    /// The port, when one was given.
    pub(crate) port: Option<u32>,
}

/// Parses `text` as `host[:port]`, or `None` when it is not an address.
/// With `allow_ranges` false, an address holding a range is refused.
pub(crate) fn parse_address(text: &str, allow_ranges: bool) -> Option<Address<'_>> {
    let mut host = text;
    let mut port = None;
    if let Some((h, p)) = bracketed_hostport(host) {
        host = h;
        port = Some(p);
    }
    if let Some((h, p)) = hostport(host) {
        host = h;
        port = Some(p);
    }
    if !(is_ipv4(host) || is_ipv6(host) || is_hostname(host)) {
        return None;
    }
    if !allow_ranges && host.contains('[') {
        return None;
    }
    Some(Address { host, port })
}

fn parse_port(digits: &str) -> Option<u32> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Python's int() has no upper bound; a huge port is still "a port".
    Some(digits.parse().unwrap_or(u32::MAX))
}

/// `[anything]:digits`.
fn bracketed_hostport(text: &str) -> Option<(&str, u32)> {
    let rest = text.strip_prefix('[')?;
    let close = rest.rfind("]:")?;
    let inner = &rest[..close];
    if inner.is_empty() {
        return None;
    }
    Some((inner, parse_port(&rest[close + 2..])?))
}

/// `(non-[:] chars | [bracketed])* : digits`.
fn hostport(text: &str) -> Option<(&str, u32)> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'[' => {
                let close = text[i + 1..].find(']')?;
                i += close + 2;
            }
            b']' => return None,
            b':' => return Some((&text[..i], parse_port(&text[i + 1..])?)),
            _ => i += 1,
        }
    }
    None
}

/// `[digits:digits(:digits)?]` (numeric) or with hex digits (`hex`), or with
/// single letters (`alpha`) as bounds. Returns the length consumed.
fn range_len(text: &str, bound: fn(&str) -> bool) -> Option<usize> {
    let rest = text.strip_prefix('[')?;
    let close = rest.find(']')?;
    let parts: Vec<&str> = rest[..close].split(':').collect();
    let ok = match parts.as_slice() {
        [b, e] => bound(b) && bound(e) && same_kind(b, e),
        [b, e, s] => bound(b) && bound(e) && same_kind(b, e) && !s.is_empty() && is_digits(s),
        _ => false,
    };
    ok.then_some(close + 2)
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn is_hex(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn is_alnum_bound(s: &str) -> bool {
    is_digits(s) || (s.len() == 1 && s.as_bytes()[0].is_ascii_alphabetic())
}

/// Alphabetic ranges need letters at both ends, numeric digits at both.
fn same_kind(b: &str, e: &str) -> bool {
    is_digits(b) == is_digits(e) || is_hex(b) && is_hex(e)
}

fn is_ipv4(text: &str) -> bool {
    let parts: Vec<&str> = text.split('.').collect();
    parts.len() == 4
        && parts.iter().all(|p| {
            if p.starts_with('[') {
                range_len(p, is_digits) == Some(p.len())
            } else {
                is_digits(p) && p.len() <= 3 && p.parse::<u32>().is_ok_and(|n| n <= 255)
            }
        })
}

fn is_ipv6_component(p: &str) -> bool {
    if p.starts_with('[') {
        range_len(p, is_hex) == Some(p.len())
    } else {
        is_hex(p) && p.len() <= 4
    }
}

fn is_ipv6(text: &str) -> bool {
    if !text.contains(':') {
        return false;
    }
    // An embedded IPv4 tail counts as two components.
    let (body, tail_components) = match text.rfind(':') {
        Some(i) if text[i + 1..].contains('.') => {
            if !is_ipv4(&text[i + 1..]) {
                return false;
            }
            (&text[..=i], 2)
        }
        _ => (text, 0),
    };
    let double = body.matches("::").count();
    if double > 1 {
        return false;
    }
    let pieces: Vec<&str> = if double == 1 {
        let (a, b) = body.split_once("::").unwrap_or((body, ""));
        let left: Vec<&str> = a.split(':').filter(|s| !s.is_empty()).collect();
        let right: Vec<&str> = b.split(':').filter(|s| !s.is_empty()).collect();
        if a.split(':').any(str::is_empty) && !a.is_empty()
            || b.split(':').filter(|s| s.is_empty()).count() > usize::from(tail_components > 0)
                && !b.is_empty()
        {
            return false;
        }
        if left.len() + right.len() + tail_components > 7 {
            return false;
        }
        left.into_iter().chain(right).collect()
    } else {
        let body = if tail_components > 0 {
            body.strip_suffix(':').unwrap_or(body)
        } else {
            body
        };
        let all: Vec<&str> = body.split(':').collect();
        if all.len() + tail_components != 8 {
            return false;
        }
        all
    };
    pieces.iter().all(|p| is_ipv6_component(p))
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// One DNS-ish label with ranges: starts with a word char or a range, then
/// word chars, `-` or ranges, and does not end in `-` or `_`.
fn is_label(label: &str) -> bool {
    let mut rest = label;
    let mut first = true;
    let mut last_plain = None;
    while let Some(c) = rest.chars().next() {
        if c == '[' {
            let Some(n) = range_len(rest, is_alnum_bound) else {
                return false;
            };
            rest = &rest[n..];
            last_plain = None;
        } else if is_word(c) || (!first && c == '-') {
            rest = &rest[c.len_utf8()..];
            last_plain = Some(c);
        } else {
            return false;
        }
        first = false;
    }
    !first && !matches!(last_plain, Some('-' | '_'))
}

fn is_hostname(text: &str) -> bool {
    text.split('.').all(is_label)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(t: &str) -> Option<(String, Option<u32>)> {
        parse_address(t, true).map(|a| (a.host.to_owned(), a.port))
    }

    #[test]
    fn hosts_and_ports() {
        assert_eq!(parse("web1"), Some(("web1".into(), None)));
        assert_eq!(parse("web1:2222"), Some(("web1".into(), Some(2222))));
        assert_eq!(parse("10.0.0.1:22"), Some(("10.0.0.1".into(), Some(22))));
        assert_eq!(parse("[::1]:22"), Some(("::1".into(), Some(22))));
        assert_eq!(parse("::1"), Some(("::1".into(), None)));
        assert_eq!(parse("fe80::1:2"), Some(("fe80::1:2".into(), None)));
        assert_eq!(
            parse("web[01:10].x:22"),
            Some(("web[01:10].x".into(), Some(22)))
        );
        assert_eq!(parse("10.0.0.[1:5]"), Some(("10.0.0.[1:5]".into(), None)));
        assert_eq!(
            parse("db-[a:c].internal"),
            Some(("db-[a:c].internal".into(), None))
        );
    }

    #[test]
    fn not_addresses() {
        assert_eq!(parse("web-"), None);
        assert_eq!(parse("web:"), None);
        assert_eq!(parse("a:b"), None);
        assert_eq!(parse("app-servers:&db"), None);
        assert_eq!(parse("web*"), None);
        assert!(parse_address("web[1:2]", false).is_none());
    }
}
