//! Path, shell and URL filters (POSIX, controller-side): `basename`,
//! `dirname`, `expanduser`, `realpath`, `relpath`, `splitext`, `path_join`, `quote`,
//! `urlsplit`, `urldecode`, `urlencode`.

use super::failed;
use minijinja::value::ValueKind;
use minijinja::{Environment, Error, Value};

pub(super) fn register(env: &mut Environment<'static>) {
    env.add_filter("basename", |p: &str| basename(p).to_owned());
    env.add_filter("dirname", |p: &str| dirname(p).to_owned());
    env.add_filter("expanduser", expanduser);
    env.add_filter("realpath", realpath);
    env.add_filter("relpath", |p: &str, start: Option<&str>| relpath(p, start));
    env.add_filter("splitext", splitext);
    env.add_filter("path_join", path_join);
    env.add_filter("quote", |v: &Value| {
        crate::shell::quote(&super::regex::text_of(v)).into_owned()
    });
    env.add_filter("urlsplit", urlsplit);
    env.add_filter("urldecode", |s: &str| urldecode(s));
    env.add_filter("urlencode", urlencode);
}

/// Python's `os.path.relpath(path, start)`: both made absolute (from the
/// working directory) and normalised without reading the file system,
/// then the way from `start` to `path`.
fn relpath(path: &str, start: Option<&str>) -> Result<String, Error> {
    if path.is_empty() {
        return Err(failed("relpath", "no path specified"));
    }
    let cwd = std::env::current_dir()
        .map(|d| d.display().to_string())
        .unwrap_or_else(|_| "/".into());
    let parts = |p: &str| -> Vec<String> {
        let full = if p.starts_with('/') {
            p.to_owned()
        } else {
            format!("{cwd}/{p}")
        };
        let mut out: Vec<String> = Vec::new();
        for c in full.split('/') {
            match c {
                "" | "." => {}
                ".." => {
                    out.pop();
                }
                c => out.push(c.to_owned()),
            }
        }
        out
    };
    let (to, from) = (parts(path), parts(start.unwrap_or(".")));
    let common = to.iter().zip(&from).take_while(|(a, b)| a == b).count();
    let mut rel: Vec<&str> = vec![".."; from.len() - common];
    rel.extend(to[common..].iter().map(String::as_str));
    Ok(if rel.is_empty() {
        ".".into()
    } else {
        rel.join("/")
    })
}

/// Jinja's `urlencode`: a string (or any non-iterable) quoted with `/`
/// kept; a mapping's items, or an iterable's pairs, as a query string.
fn urlencode(v: &Value) -> Result<String, Error> {
    let text = |v: &Value| match v.as_str() {
        Some(s) if v.kind() == ValueKind::String => s.to_owned(),
        _ => crate::report::python_str(&crate::template::native::from_jinja(v)),
    };
    let pairs: Vec<(Value, Value)> = match v.kind() {
        ValueKind::Map => v
            .try_iter()?
            .map(|k| {
                let val = v.get_item(&k).unwrap_or_default();
                (k, val)
            })
            .collect(),
        ValueKind::Seq | ValueKind::Iterable => v
            .try_iter()?
            .map(|pair| {
                let k = pair.get_item_by_index(0).unwrap_or_default();
                let val = pair.get_item_by_index(1).unwrap_or_default();
                (k, val)
            })
            .collect(),
        _ => return Ok(url_quote(&text(v), false)),
    };
    Ok(pairs
        .iter()
        .map(|(k, val)| {
            format!(
                "{}={}",
                url_quote(&text(k), true),
                url_quote(&text(val), true)
            )
        })
        .collect::<Vec<_>>()
        .join("&"))
}

/// Jinja's `url_quote`: `quote_from_bytes` of the UTF-8 bytes (`/` kept
/// unless for a query string, where a space becomes `+`).
fn url_quote(s: &str, for_qs: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for &c in s.as_bytes() {
        let keep = c.is_ascii_alphanumeric() || b"_.-~".contains(&c) || (!for_qs && c == b'/');
        if keep {
            out.push(c as char);
        } else if for_qs && c == b' ' {
            out.push('+');
        } else {
            out.push_str(&format!("%{c:02X}"));
        }
    }
    out
}

/// `urllib.parse.unquote_plus`: `+` is a space, `%XX` escapes are bytes
/// decoded as UTF-8 (invalid sequences become U+FFFD), a `%` that starts
/// no escape is kept.
fn urldecode(s: &str) -> String {
    let b = s.as_bytes();
    let hex = |c: u8| (c as char).to_digit(16);
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let escaped = (b[i] == b'%')
            .then(|| Some((hex(*b.get(i + 1)?)?, hex(*b.get(i + 2)?)?)))
            .flatten();
        match (b[i], escaped) {
            (_, Some((hi, lo))) => {
                out.push((hi * 16 + lo) as u8);
                i += 3;
                continue;
            }
            (b'+', None) => out.push(b' '),
            (c, None) => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `posixpath.basename`: the text after the last `/`.
fn basename(p: &str) -> &str {
    p.rsplit_once('/').map_or(p, |(_, base)| base)
}

/// `posixpath.dirname`: the text before the last `/`, trailing slashes
/// removed unless it is all slashes.
fn dirname(p: &str) -> &str {
    match p.rfind('/') {
        None => "",
        Some(i) => {
            let head = &p[..=i];
            let trimmed = head.trim_end_matches('/');
            if trimmed.is_empty() {
                head
            } else {
                trimmed
            }
        }
    }
}

/// `~` and `~/...` become the controller user's home (`$HOME`).
fn expanduser(p: &str) -> String {
    let home = std::env::var("HOME").unwrap_or_default();
    match p.strip_prefix('~') {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => format!("{home}{rest}"),
        _ => p.to_owned(),
    }
}

/// `os.path.realpath`: symlinks resolved where the path exists, `.` and
/// `..` folded lexically otherwise.
fn realpath(p: &str) -> String {
    if let Ok(real) = std::fs::canonicalize(p) {
        return real.to_string_lossy().into_owned();
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    if p.starts_with('/') {
        format!("/{joined}")
    } else {
        let cwd = std::env::current_dir().unwrap_or_default();
        cwd.join(joined).to_string_lossy().into_owned()
    }
}

/// `os.path.splitext`: `(root, ext)`; leading dots of the name do not
/// start an extension.
fn splitext(p: &str) -> Vec<String> {
    let base_start = p.rfind('/').map_or(0, |i| i + 1);
    let base = &p[base_start..];
    let stripped = base.trim_start_matches('.');
    let lead = base.len() - stripped.len();
    match stripped.rfind('.') {
        Some(dot) => {
            let at = base_start + lead + dot;
            vec![p[..at].to_owned(), p[at..].to_owned()]
        }
        None => vec![p.to_owned(), String::new()],
    }
}

/// `os.path.join` over a list (or one string): an absolute part restarts.
fn path_join(parts: &Value) -> Result<String, Error> {
    let parts: Vec<String> = match parts.kind() {
        ValueKind::String => return Ok(parts.as_str().unwrap_or_default().to_owned()),
        ValueKind::Seq => parts
            .try_iter()?
            .map(|p| super::regex::text_of(&p))
            .collect(),
        kind => {
            return Err(failed(
                "path_join",
                format_args!("expected a list, got {kind}"),
            ))
        }
    };
    let mut out = String::new();
    for part in parts {
        if part.starts_with('/') {
            out = part;
        } else if out.is_empty() || out.ends_with('/') {
            out.push_str(&part);
        } else {
            out.push('/');
            out.push_str(&part);
        }
    }
    Ok(out)
}

/// `urllib.parse.urlsplit` as a dict, or one of its fields.
fn urlsplit(url: &str, query: Option<&str>) -> Result<Value, Error> {
    let (scheme, rest) = match url.split_once(':') {
        Some((s, r))
            if !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) =>
        {
            (s.to_ascii_lowercase(), r)
        }
        _ => (String::new(), url),
    };
    let (rest, fragment) = rest.split_once('#').unwrap_or((rest, ""));
    let (rest, query_text) = rest.split_once('?').unwrap_or((rest, ""));
    let (netloc, path) = match rest.strip_prefix("//") {
        Some(r) => match r.find('/') {
            Some(i) => (&r[..i], &r[i..]),
            None => (r, ""),
        },
        None => ("", rest),
    };
    let (userinfo, hostport) = match netloc.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, netloc),
    };
    let (username, password) = match userinfo {
        Some(u) => match u.split_once(':') {
            Some((name, pass)) => (Value::from(name), Value::from(pass)),
            None => (Value::from(u), Value::from(())),
        },
        None => (Value::from(()), Value::from(())),
    };
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || hostport.starts_with('[') => (h, Some(p)),
        _ => (hostport, None),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let hostname = if host.is_empty() {
        Value::from(())
    } else {
        Value::from(host.to_ascii_lowercase())
    };
    let port = match port.filter(|p| !p.is_empty()) {
        Some(p) => Value::from(p.parse::<u16>().map_err(|_| {
            failed(
                "urlsplit",
                format_args!("port could not be cast to integer value as `{p}`"),
            )
        })?),
        None => Value::from(()),
    };
    let fields = [
        ("fragment", Value::from(fragment)),
        ("hostname", hostname),
        ("netloc", Value::from(netloc)),
        ("password", password),
        ("path", Value::from(path)),
        ("port", port),
        ("query", Value::from(query_text)),
        ("scheme", Value::from(scheme)),
        ("username", username),
    ];
    match query {
        None => Ok(Value::from_pairs(fields)),
        Some(q) => fields
            .into_iter()
            .find(|(name, _)| *name == q)
            .map(|(_, v)| v)
            .ok_or_else(|| failed("urlsplit", format_args!("unknown URL component `{q}`"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posix_path_helpers() {
        assert_eq!(basename("/etc/"), "");
        assert_eq!(dirname("/etc/kubernetes/admin.conf"), "/etc/kubernetes");
        assert_eq!(dirname("/x"), "/");
        assert_eq!(splitext(".bashrc"), [".bashrc", ""]);
        assert_eq!(splitext("a/file.tar.gz"), ["a/file.tar", ".gz"]);
    }

    #[test]
    fn relpath_is_pythons() {
        // Values from Python's os.path.relpath.
        for (p, start, want) in [
            ("/a/b/c", "/a", "b/c"),
            ("/a", "/a/b/c", "../.."),
            ("/a/b", "/a/b", "."),
            ("/x/y", "/a/b", "../../x/y"),
            ("/a/./b/../c", "/a", "c"),
        ] {
            assert_eq!(relpath(p, Some(start)).unwrap(), want, "{p} from {start}");
        }
        assert!(relpath("", None).is_err());
    }

    #[test]
    fn urldecode_is_unquote_plus() {
        // Values from Python's urllib.parse.unquote_plus.
        assert_eq!(urldecode("a+b%20c"), "a b c");
        assert_eq!(urldecode("%C3%A9%26%25%C2%A3"), "é&%£");
        assert_eq!(urldecode("100%"), "100%");
        assert_eq!(urldecode("%zz%4"), "%zz%4");
        assert_eq!(urldecode("%FF"), "\u{FFFD}");
    }

    #[test]
    fn urlencode_is_jinjas() {
        // Values from Jinja 3.1's do_urlencode.
        let enc = |v: Value| urlencode(&v).expect("urlencode");
        assert_eq!(enc(Value::from("a b/é")), "a%20b/%C3%A9");
        assert_eq!(
            enc(Value::from_pairs([
                ("k y", Value::from("v/w")),
                ("n", Value::from(1))
            ])),
            "k+y=v%2Fw&n=1"
        );
        assert_eq!(enc(Value::from(Vec::<Value>::new())), "");
        assert_eq!(enc(Value::from(7)), "7");
    }
}
