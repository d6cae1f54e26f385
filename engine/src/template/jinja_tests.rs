//! Ansible's Jinja tests: regex (`match`, `search`, `regex`), `version`,
//! task results (`success`, `failed`, `changed`, `skipped`, ...), sets
//! (`subset`, `superset`, `contains`, `any`, `all`), truthiness and
//! controller-side paths (`file`, `directory`, `exists`, `link`, `abs`).
//! minijinja's built-in tests (`defined`, `none`, `string`, `number`, ...)
//! already behave as Ansible's.

use crate::template::filters::regex_support::{compile, flags_from_kwargs};
use minijinja::value::{Kwargs, ValueKind};
use minijinja::{Environment, Error, ErrorKind, Value};
use std::cmp::Ordering;
use std::path::Path;

/// Adds every Ansible test to `env`.
pub(crate) fn register(env: &mut Environment<'static>) {
    // minijinja extras that Ansible lacks: a typo of `match`/`search`
    // should fail here as it does there.
    env.remove_test("startingwith");
    env.remove_test("endingwith");
    env.add_test("match", |v: &Value, p: &str, k: Kwargs| {
        regex_test(v, p, k, "match")
    });
    env.add_test("search", |v: &Value, p: &str, k: Kwargs| {
        regex_test(v, p, k, "search")
    });
    env.add_test("regex", |v: &Value, p: &str, k: Kwargs| {
        let kind = k
            .get::<Option<String>>("match_type")?
            .unwrap_or_else(|| "search".into());
        regex_test(v, p, k, &kind)
    });
    env.add_test("version", version);
    env.add_test("version_compare", version);
    for name in ["success", "succeeded", "successful"] {
        env.add_test(name, |v: &Value| {
            Ok::<_, Error>(!flag(v, "failed", "success")?)
        });
    }
    for name in ["failed", "failure"] {
        env.add_test(name, |v: &Value| flag(v, "failed", "failed"));
    }
    for name in ["changed", "change"] {
        env.add_test(name, |v: &Value| flag(v, "changed", "changed"));
    }
    for name in ["skipped", "skip"] {
        env.add_test(name, |v: &Value| flag(v, "skipped", "skipped"));
    }
    env.add_test("unreachable", |v: &Value| {
        flag(v, "unreachable", "unreachable")
    });
    env.add_test("reachable", |v: &Value| {
        Ok::<_, Error>(!flag(v, "unreachable", "reachable")?)
    });
    env.add_test("timedout", |v: &Value| {
        Ok::<_, Error>(
            v.get_attr("timedout")?
                .get_attr("period")
                .is_ok_and(|p| !p.is_undefined()),
        )
    });
    // Without async jobs every finished result is finished and started.
    env.add_test("finished", |v: &Value| async_flag(v, "finished"));
    env.add_test("started", |v: &Value| async_flag(v, "started"));
    // Jinja2's `sequence`: anything with a length and items (str, list, dict).
    env.add_test("sequence", |v: &Value| {
        matches!(
            v.kind(),
            ValueKind::String | ValueKind::Seq | ValueKind::Map | ValueKind::Bytes
        )
    });
    env.add_test("truthy", |v: &Value| v.is_true());
    env.add_test("falsy", |v: &Value| !v.is_true());
    for name in ["subset", "issubset"] {
        env.add_test(name, |a: &Value, b: &Value| all_in(a, b));
    }
    for name in ["superset", "issuperset"] {
        env.add_test(name, |a: &Value, b: &Value| all_in(b, a));
    }
    // Python's `value in seq`: a substring for strings.
    env.add_test("contains", |seq: &Value, item: Value| {
        if let (Some(s), Some(i)) = (seq.as_str(), item.as_str()) {
            return Ok::<_, Error>(s.contains(i));
        }
        Ok::<_, Error>(seq.try_iter()?.any(|x| x == item))
    });
    env.add_test("any", |v: &Value| {
        Ok::<_, Error>(v.try_iter()?.any(|x| x.is_true()))
    });
    env.add_test("all", |v: &Value| {
        Ok::<_, Error>(v.try_iter()?.all(|x| x.is_true()))
    });
    for name in ["abs", "is_abs"] {
        env.add_test(name, |p: &str| p.starts_with('/'));
    }
    for name in ["file", "is_file"] {
        env.add_test(name, |p: &str| Path::new(p).is_file());
    }
    for name in ["directory", "is_dir"] {
        env.add_test(name, |p: &str| Path::new(p).is_dir());
    }
    env.add_test("exists", |p: &str| Path::new(p).exists());
    for name in ["link", "is_link"] {
        env.add_test(name, |p: &str| Path::new(p).is_symlink());
    }
    env.add_test("link_exists", |p: &str| {
        Path::new(p).symlink_metadata().is_ok()
    });
    for name in ["nan", "isnan"] {
        env.add_test(name, |v: &Value| {
            f64::try_from(v.clone()).is_ok_and(f64::is_nan)
        });
    }
}

fn test_failed(test: &str, message: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorKind::InvalidOperation,
        format!("test `{test}` failed: {message}"),
    )
}

fn regex_test(value: &Value, pattern: &str, kwargs: Kwargs, kind: &str) -> Result<bool, Error> {
    let flags = flags_from_kwargs(&kwargs)?;
    kwargs.assert_all_used()?;
    let text = crate::template::filters::regex_support::text_of(value);
    match kind {
        "match" => {
            let anchored = format!("\\A(?:{pattern})");
            Ok(compile("match", &anchored, flags)?
                .is_match(&text)
                .unwrap_or(false))
        }
        "search" => Ok(compile("search", pattern, flags)?
            .is_match(&text)
            .unwrap_or(false)),
        other => Err(test_failed(
            "regex",
            format_args!("unknown match_type `{other}`"),
        )),
    }
}

/// A boolean field of a task result; the value must be a mapping.
fn flag(result: &Value, field: &str, test: &str) -> Result<bool, Error> {
    if result.kind() != ValueKind::Map {
        return Err(test_failed(
            test,
            format_args!("expects a dictionary, got {}", result.kind()),
        ));
    }
    let v = result.get_attr(field)?;
    if !v.is_undefined() {
        return Ok(v.is_true());
    }
    if field == "changed" {
        // A loop result is changed when any item is.
        let results = result.get_attr("results")?;
        if results.kind() == ValueKind::Seq {
            return Ok(results
                .try_iter()?
                .any(|r| r.get_attr("changed").is_ok_and(|c| c.is_true())));
        }
    }
    Ok(false)
}

fn async_flag(result: &Value, field: &str) -> Result<bool, Error> {
    if result.kind() != ValueKind::Map {
        return Err(test_failed(field, "expects a dictionary"));
    }
    let v = result.get_attr(field)?;
    Ok(v.is_undefined() || v.is_true())
}

fn all_in(a: &Value, b: &Value) -> Result<bool, Error> {
    let b: Vec<Value> = b.try_iter()?.collect();
    for x in a.try_iter()? {
        if !b.contains(&x) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// `version(other, operator='eq', strict=False, version_type='loose')`.
fn version(value: &Value, other: &Value, op: Option<&str>, kwargs: Kwargs) -> Result<bool, Error> {
    let op = kwargs
        .get::<Option<&str>>("operator")?
        .or(op)
        .unwrap_or("eq");
    let strict = kwargs.get::<Option<bool>>("strict")?.unwrap_or(false);
    let version_type = kwargs.get::<Option<&str>>("version_type")?;
    kwargs.assert_all_used()?;
    let kind = version_type.unwrap_or(if strict { "strict" } else { "loose" });
    let a = crate::template::filters::regex_support::text_of(value);
    let b = crate::template::filters::regex_support::text_of(other);
    let ordering = match kind {
        "loose" => loose_cmp(&a, &b)?,
        "strict" => strict_key(&a)?.cmp(&strict_key(&b)?),
        "semver" | "semantic" => semver_cmp(&a, &b)?,
        other => {
            return Err(test_failed(
                "version",
                format_args!("unsupported version_type `{other}`"),
            ))
        }
    };
    Ok(match op {
        "==" | "=" | "eq" => ordering == Ordering::Equal,
        "!=" | "<>" | "ne" => ordering != Ordering::Equal,
        "<" | "lt" => ordering == Ordering::Less,
        "<=" | "le" => ordering != Ordering::Greater,
        ">" | "gt" => ordering == Ordering::Greater,
        ">=" | "ge" => ordering != Ordering::Less,
        other => {
            return Err(test_failed(
                "version",
                format_args!("invalid operator type `{other}`"),
            ))
        }
    })
}

#[derive(Debug, PartialEq, Eq)]
enum Part {
    Num(u64),
    Word(String),
}

/// `LooseVersion`: runs of digits (numbers) and of letters (words); other
/// characters separate, except that anything not a dot is kept as a word.
fn loose_parts(v: &str) -> Vec<Part> {
    let mut parts = Vec::new();
    let mut chars = v.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_ascii_digit() {
            let mut n = String::new();
            while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                n.push(d);
                chars.next();
            }
            parts.push(Part::Num(n.parse().unwrap_or(u64::MAX)));
        } else if c.is_ascii_alphabetic() {
            let mut w = String::new();
            while let Some(d) = chars.peek().copied().filter(char::is_ascii_alphabetic) {
                w.push(d);
                chars.next();
            }
            parts.push(Part::Word(w));
        } else {
            chars.next();
            if c != '.' {
                parts.push(Part::Word(c.to_string()));
            }
        }
    }
    parts
}

fn loose_cmp(a: &str, b: &str) -> Result<Ordering, Error> {
    let (a, b) = (loose_parts(a), loose_parts(b));
    for (x, y) in a.iter().zip(&b) {
        let ord = match (x, y) {
            (Part::Num(x), Part::Num(y)) => x.cmp(y),
            (Part::Word(x), Part::Word(y)) => x.cmp(y),
            // Python 3 cannot order int and str: Ansible reports an error.
            _ => {
                return Err(test_failed(
                    "version",
                    "cannot compare a number with a word",
                ))
            }
        };
        if ord != Ordering::Equal {
            return Ok(ord);
        }
    }
    Ok(a.len().cmp(&b.len()))
}

/// `StrictVersion`: `N.N[.N][(a|b)N]`; a pre-release sorts before the
/// release.
fn strict_key(v: &str) -> Result<(u64, u64, u64, (u8, u64)), Error> {
    let bad = || test_failed("version", format_args!("invalid version number `{v}`"));
    let (main, pre) = match v.find(['a', 'b']) {
        Some(i) => (&v[..i], Some(&v[i..])),
        None => (v, None),
    };
    let nums: Vec<u64> = main
        .split('.')
        .map(|p| p.parse::<u64>().map_err(|_| bad()))
        .collect::<Result<_, _>>()?;
    if !(2..=3).contains(&nums.len()) {
        return Err(bad());
    }
    let pre = match pre {
        None => (2, 0),
        Some(p) => {
            let n = p[1..].parse::<u64>().map_err(|_| bad())?;
            (u8::from(p.starts_with('b')), n)
        }
    };
    Ok((nums[0], nums[1], nums.get(2).copied().unwrap_or(0), pre))
}

/// Semantic versioning 2.0 precedence (build metadata ignored).
fn semver_cmp(a: &str, b: &str) -> Result<Ordering, Error> {
    fn parse(v: &str) -> Result<([u64; 3], Option<Vec<String>>), Error> {
        let v = v.split('+').next().unwrap_or(v);
        let (core, pre) = match v.split_once('-') {
            Some((c, p)) => (c, Some(p.split('.').map(str::to_owned).collect())),
            None => (v, None),
        };
        let nums: Vec<u64> = core
            .split('.')
            .map(|p| p.parse::<u64>())
            .collect::<Result<_, _>>()
            .map_err(|_| test_failed("version", format_args!("invalid semantic version `{v}`")))?;
        match nums.as_slice() {
            [x, y, z] => Ok(([*x, *y, *z], pre)),
            _ => Err(test_failed(
                "version",
                format_args!("invalid semantic version `{v}`"),
            )),
        }
    }
    let (ca, pa) = parse(a)?;
    let (cb, pb) = parse(b)?;
    Ok(ca.cmp(&cb).then_with(|| match (pa, pb) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(x), Some(y)) => {
            for (i, j) in x.iter().zip(&y) {
                let ord = match (i.parse::<u64>(), j.parse::<u64>()) {
                    (Ok(m), Ok(n)) => m.cmp(&n),
                    (Ok(_), Err(_)) => Ordering::Less,
                    (Err(_), Ok(_)) => Ordering::Greater,
                    _ => i.cmp(j),
                };
                if ord != Ordering::Equal {
                    return ord;
                }
            }
            x.len().cmp(&y.len())
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loose_versions_order_like_python() {
        assert_eq!(loose_cmp("1.10", "1.9").ok(), Some(Ordering::Greater));
        assert_eq!(loose_cmp("2.0", "2").ok(), Some(Ordering::Greater));
        assert!(loose_cmp("1.a", "1.1").is_err());
    }

    #[test]
    fn semver_prerelease_sorts_first() {
        assert_eq!(
            semver_cmp("1.2.3-alpha", "1.2.3").ok(),
            Some(Ordering::Less)
        );
        assert_eq!(semver_cmp("1.2.3", "1.2.10").ok(), Some(Ordering::Less));
    }
}
