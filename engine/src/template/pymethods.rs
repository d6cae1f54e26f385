//! Python methods on template values (`s.startswith(..)`, `d.items()`).
//!
//! minijinja has no methods on plain values; `minijinja_contrib::pycompat`
//! supplies most of Python's `str` and `dict` methods. This adds the ones
//! it lacks and Ansible playbooks use: `str.rsplit`, `str.index`,
//! `str.rindex`, `startswith`/`endswith` with a tuple of prefixes,
//! `list.index`, `list.count`.
//!
//! Not supported: mutating methods (`dict.update`, `list.append`), since
//! template values are immutable.

use minijinja::value::{from_args, ValueKind};
use minijinja::{Error, ErrorKind, State, Value};

/// The unknown-method callback of the environment.
pub(crate) fn call_method(
    state: &mut State,
    value: &Value,
    method: &str,
    args: &[Value],
) -> Result<Value, Error> {
    if let Some(s) = value.as_str() {
        if let Some(result) = str_method(s, method, args)? {
            return Ok(result);
        }
    } else if value.kind() == ValueKind::Seq {
        if let Some(result) = seq_method(value, method, args)? {
            return Ok(result);
        }
    }
    minijinja_contrib::pycompat::unknown_method_callback(state, value, method, args)
}

fn str_method(s: &str, method: &str, args: &[Value]) -> Result<Option<Value>, Error> {
    Ok(Some(match method {
        "rsplit" => {
            let (sep, maxsplit): (Option<&str>, Option<i64>) = from_args(args)?;
            Value::from(rsplit(s, sep, maxsplit.unwrap_or(-1)))
        }
        "index" | "rindex" => {
            let (needle,): (&str,) = from_args(args)?;
            let found = if method == "index" {
                s.find(needle)
            } else {
                s.rfind(needle)
            };
            match found {
                Some(byte) => Value::from(s[..byte].chars().count()),
                None => {
                    return Err(Error::new(
                        ErrorKind::InvalidOperation,
                        "substring not found",
                    ))
                }
            }
        }
        "startswith" | "endswith" if args.first().is_some_and(|a| a.kind() == ValueKind::Seq) => {
            let prefixes = &args[0];
            let mut hit = false;
            for p in prefixes.try_iter()? {
                let p = p.as_str().unwrap_or_default();
                if (method == "startswith" && s.starts_with(p))
                    || (method == "endswith" && s.ends_with(p))
                {
                    hit = true;
                    break;
                }
            }
            Value::from(hit)
        }
        _ => return Ok(None),
    }))
}

/// Python's `str.rsplit(sep, maxsplit)`.
fn rsplit(s: &str, sep: Option<&str>, maxsplit: i64) -> Vec<String> {
    let limit = usize::try_from(maxsplit).ok();
    let mut parts: Vec<String> = match sep {
        Some(sep) if !sep.is_empty() => match limit {
            Some(n) => s.rsplitn(n + 1, sep).map(str::to_owned).collect(),
            None => s.rsplit(sep).map(str::to_owned).collect(),
        },
        _ => {
            let words: Vec<&str> = s.split_whitespace().collect();
            match limit {
                Some(n) if n < words.len() => {
                    let cut = words.len() - n;
                    // The head keeps its inner whitespace, as Python does.
                    let mut rest = s.trim_end();
                    let mut tail = Vec::new();
                    for w in words[cut..].iter().rev() {
                        rest = rest.strip_suffix(w).unwrap_or(rest).trim_end();
                        tail.push((*w).to_owned());
                    }
                    tail.push(rest.trim_start().to_owned());
                    tail
                }
                _ => words.iter().rev().map(|w| (*w).to_owned()).collect(),
            }
        }
    };
    parts.reverse();
    parts
}

fn seq_method(value: &Value, method: &str, args: &[Value]) -> Result<Option<Value>, Error> {
    Ok(Some(match method {
        "index" => {
            let (needle,): (Value,) = from_args(args)?;
            match value.try_iter()?.position(|item| item == needle) {
                Some(i) => Value::from(i),
                None => return Err(Error::new(ErrorKind::InvalidOperation, "value not in list")),
            }
        }
        "count" => {
            let (needle,): (Value,) = from_args(args)?;
            Value::from(value.try_iter()?.filter(|item| *item == needle).count())
        }
        _ => return Ok(None),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rsplit_matches_python() {
        assert_eq!(rsplit("a,b,,c", Some(","), 1), ["a,b,", "c"]);
        assert_eq!(rsplit("a b  c", None, 1), ["a b", "c"]);
        assert_eq!(rsplit("a,b", Some(","), -1), ["a", "b"]);
    }
}
