//! Lookups: `lookup(name, *terms, wantlist=False, errors='strict')`,
//! `query(...)`/`q(...)` (always a list), with the plugins `env`, `file`,
//! `template`, `pipe`, `vars`, `items`, `list`, `dict`, `nested`,
//! `together`, `indexed_items`, `sequence`, `first_found` and `varnames`
//! (the last ones mostly for `with_<lookup>` loops, see
//! `Templar::lookup`).
//!
//! Lookups run on the controller, as Ansible's do: `pipe` runs `sh -c` on
//! the machine running the engine, `file` reads controller files. `file`
//! and `template` search the paths given by [`Vars::set_search_paths`]
//! (`files/` resp. `templates/` inside each, then the directory itself).

use crate::template::frame;
use crate::template::native::{from_jinja, to_jinja};
use crate::template::vars::Vars;
use crate::template::Templar;
use minijinja::value::{Kwargs, Rest, ValueKind};
use minijinja::{Environment, Error, ErrorKind, Value};
use std::path::PathBuf;

/// Adds `lookup`, `query` and `q` to `env`.
pub(crate) fn register(env: &mut Environment<'static>) {
    env.add_function(
        "lookup",
        |name: &str, terms: Rest<Value>, kwargs: Kwargs| {
            let wantlist = kwargs.get::<Option<bool>>("wantlist")?.unwrap_or(false);
            run(name, &terms, kwargs, wantlist)
        },
    );
    for global in ["query", "q"] {
        env.add_function(global, |name: &str, terms: Rest<Value>, kwargs: Kwargs| {
            run(name, &terms, kwargs, true)
        });
    }
}

fn lookup_failed(plugin: &str, message: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorKind::InvalidOperation,
        format!("lookup `{plugin}` failed: {message}"),
    )
}

fn run(name: &str, terms: &[Value], kwargs: Kwargs, wantlist: bool) -> Result<Value, Error> {
    let errors = kwargs
        .get::<Option<String>>("errors")?
        .unwrap_or_else(|| "strict".into());
    let result = plugin(name, terms, &kwargs);
    let ran = match result {
        Ok(ran) => ran,
        Err(_) if errors == "ignore" || errors == "warn" => return Ok(Value::from(())),
        Err(err) => return Err(err),
    };
    kwargs.assert_all_used()?;
    if wantlist {
        return Ok(Value::from(ran));
    }
    // Several strings are joined with commas; anything else stays a list.
    if ran.iter().all(|v| v.kind() == ValueKind::String) {
        let parts: Vec<&str> = ran.iter().map(|v| v.as_str().unwrap_or_default()).collect();
        return Ok(Value::from(parts.join(",")));
    }
    Ok(Value::from(ran))
}

/// Runs lookup plugin `name` (short or `ansible.builtin.` name) on `terms`:
/// the list Ansible's plugin returns (also what `with_<name>` loops over).
pub(crate) fn plugin(name: &str, terms: &[Value], kwargs: &Kwargs) -> Result<Vec<Value>, Error> {
    let short = name.strip_prefix("ansible.builtin.").unwrap_or(name);
    match short {
        "env" => env(terms, kwargs),
        "file" => file(terms, kwargs),
        "template" => template(terms),
        "pipe" => pipe(terms),
        "vars" => vars(terms, kwargs),
        "items" => Ok(items(terms)),
        "list" => Ok(terms.to_vec()),
        "dict" => dict(terms),
        "nested" => nested(terms),
        "together" => together(terms),
        "indexed_items" => indexed_items(terms),
        "sequence" => sequence(terms, kwargs),
        "first_found" => first_found(terms, kwargs),
        "varnames" => varnames(terms),
        other => Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("lookup plugin `{other}` was not found"),
        )),
    }
}

fn term_text(term: &Value) -> String {
    crate::template::filters::regex_support::text_of(term)
}

fn current_vars(plugin: &str) -> Result<Vars, Error> {
    frame::current_vars().ok_or_else(|| lookup_failed(plugin, "no variables in scope"))
}

fn env(terms: &[Value], kwargs: &Kwargs) -> Result<Vec<Value>, Error> {
    let default = kwargs.get::<Option<String>>("default")?.unwrap_or_default();
    Ok(terms
        .iter()
        .map(|t| Value::from(std::env::var(term_text(t)).unwrap_or_else(|_| default.clone())))
        .collect())
}

/// The first existing `dir/<sub>/name`, then `dir/name`, over the search
/// paths; absolute names are used as they are.
fn find(plugin: &str, sub: &str, name: &str) -> Result<PathBuf, Error> {
    let path = PathBuf::from(name);
    if path.is_absolute() {
        return if path.exists() {
            Ok(path)
        } else {
            Err(lookup_failed(
                plugin,
                format_args!("could not find `{name}`"),
            ))
        };
    }
    let vars = current_vars(plugin)?;
    for dir in vars.search_paths() {
        for candidate in [dir.join(sub).join(name), dir.join(name)] {
            if candidate.exists() {
                return Ok(candidate);
            }
        }
    }
    Err(lookup_failed(
        plugin,
        format_args!("could not find `{name}` in the search paths"),
    ))
}

fn file(terms: &[Value], kwargs: &Kwargs) -> Result<Vec<Value>, Error> {
    let rstrip = kwargs.get::<Option<bool>>("rstrip")?.unwrap_or(true);
    let lstrip = kwargs.get::<Option<bool>>("lstrip")?.unwrap_or(false);
    let mut out = Vec::with_capacity(terms.len());
    for term in terms {
        let name = term_text(term);
        let path = find("file", "files", &name)?;
        let text = std::fs::read_to_string(&path).map_err(|e| {
            lookup_failed("file", format_args!("reading `{}`: {e}", path.display()))
        })?;
        let text = if rstrip {
            text.trim_end()
        } else {
            text.as_str()
        };
        let text = if lstrip { text.trim_start() } else { text };
        out.push(Value::from(text));
    }
    Ok(out)
}

fn template(terms: &[Value]) -> Result<Vec<Value>, Error> {
    let vars = current_vars("template")?;
    let mut out = Vec::with_capacity(terms.len());
    for term in terms {
        let name = term_text(term);
        let path = find("template", "templates", &name)?;
        let source = std::fs::read_to_string(&path).map_err(|e| {
            lookup_failed(
                "template",
                format_args!("reading `{}`: {e}", path.display()),
            )
        })?;
        let rendered = Templar::new()
            .render_template(&source, &name, &vars)
            .map_err(|e| lookup_failed("template", e))?;
        out.push(Value::from(rendered));
    }
    Ok(out)
}

fn pipe(terms: &[Value]) -> Result<Vec<Value>, Error> {
    let mut out = Vec::with_capacity(terms.len());
    for term in terms {
        let cmd = term_text(term);
        let result = std::process::Command::new("sh")
            .arg("-c")
            .arg(&cmd)
            .stdin(std::process::Stdio::null())
            .output()
            .map_err(|e| lookup_failed("pipe", format_args!("running `{cmd}`: {e}")))?;
        if !result.status.success() {
            return Err(lookup_failed(
                "pipe",
                format_args!("`{cmd}` exited with {}", result.status),
            ));
        }
        let stdout = String::from_utf8_lossy(&result.stdout);
        out.push(Value::from(stdout.trim_end()));
    }
    Ok(out)
}

fn vars(terms: &[Value], kwargs: &Kwargs) -> Result<Vec<Value>, Error> {
    let default = kwargs.get::<Option<Value>>("default")?;
    let vars = current_vars("vars")?;
    let mut out = Vec::with_capacity(terms.len());
    for term in terms {
        let name = term_text(term);
        let found = vars
            .get(&name)
            .map_err(|e| lookup_failed("vars", e))?
            .map(|v| to_jinja(&v));
        match found.or_else(|| default.clone()) {
            Some(v) => out.push(v),
            None => {
                return Err(lookup_failed(
                    "vars",
                    format_args!("no variable named `{name}`"),
                ))
            }
        }
    }
    Ok(out)
}

/// `items`: the terms with lists flattened one level (`with_items`).
fn items(terms: &[Value]) -> Vec<Value> {
    let mut out = Vec::new();
    for term in terms {
        match from_jinja(term) {
            crate::value::Value::List(inner) => out.extend(inner.iter().map(to_jinja)),
            _ => out.push(term.clone()),
        }
    }
    out
}

/// Items of a term that must be a list.
fn list_items(plugin: &str, term: &Value) -> Result<Vec<Value>, Error> {
    if term.kind() != ValueKind::Seq {
        return Err(lookup_failed(
            plugin,
            format_args!("expected a list, got {}", term.kind()),
        ));
    }
    Ok(term.try_iter()?.collect())
}

/// `dict`: each dict term as `{key, value}` items.
fn dict(terms: &[Value]) -> Result<Vec<Value>, Error> {
    let mut out = Vec::new();
    for term in terms {
        if term.kind() != ValueKind::Map {
            return Err(lookup_failed("dict", "expects a dict"));
        }
        for key in term.try_iter()? {
            let value = term.get_item(&key)?;
            out.push(Value::from_pairs([("key", key), ("value", value)]));
        }
    }
    Ok(out)
}

/// `nested`: every combination of the lists, as lists.
fn nested(terms: &[Value]) -> Result<Vec<Value>, Error> {
    let mut rows: Vec<Vec<Value>> = vec![Vec::new()];
    for term in terms {
        let choices = list_items("nested", term)?;
        rows = rows
            .iter()
            .flat_map(|row| {
                choices.iter().map(move |c| {
                    let mut next = row.clone();
                    next.push(c.clone());
                    next
                })
            })
            .collect();
    }
    Ok(rows.into_iter().map(Value::from).collect())
}

/// `together`: the lists zipped, shorter ones padded with `None`.
fn together(terms: &[Value]) -> Result<Vec<Value>, Error> {
    let lists: Vec<Vec<Value>> = terms
        .iter()
        .map(|t| list_items("together", t))
        .collect::<Result<_, _>>()?;
    let longest = lists.iter().map(Vec::len).max().unwrap_or(0);
    Ok((0..longest)
        .map(|i| {
            let row: Vec<Value> = lists
                .iter()
                .map(|l| l.get(i).cloned().unwrap_or_else(|| Value::from(())))
                .collect();
            Value::from(row)
        })
        .collect())
}

/// `indexed_items`: `[index, item]` pairs.
fn indexed_items(terms: &[Value]) -> Result<Vec<Value>, Error> {
    Ok(items(terms)
        .into_iter()
        .enumerate()
        .map(|(i, item)| Value::from(vec![Value::from(i), item]))
        .collect())
}

/// `sequence`: `start=1 end=5 stride=1 format=%d` or `count=5`, written
/// as a term (`"start=0 end=3 format=node%02d"`) or as keyword arguments.
fn sequence(terms: &[Value], kwargs: &Kwargs) -> Result<Vec<Value>, Error> {
    let mut specs: Vec<String> = terms.iter().map(term_text).collect();
    if specs.is_empty() {
        specs.push(String::new());
    }
    let mut out = Vec::new();
    for spec in specs {
        let mut start = kwargs.get::<Option<i64>>("start")?.unwrap_or(1);
        let mut end = kwargs.get::<Option<i64>>("end")?;
        let mut count = kwargs.get::<Option<i64>>("count")?;
        let mut stride = kwargs.get::<Option<i64>>("stride")?.unwrap_or(1);
        let mut format = kwargs
            .get::<Option<String>>("format")?
            .unwrap_or_else(|| "%d".into());
        for word in spec.split_whitespace() {
            let (key, value) = word.split_once('=').unwrap_or(("end", word));
            let number = || {
                value
                    .parse::<i64>()
                    .map_err(|_| lookup_failed("sequence", format_args!("can't parse `{word}`")))
            };
            match key {
                "start" => start = number()?,
                "end" => end = Some(number()?),
                "count" => count = Some(number()?),
                "stride" => stride = number()?,
                "format" => format = value.to_owned(),
                other => {
                    return Err(lookup_failed(
                        "sequence",
                        format_args!("unknown argument `{other}`"),
                    ))
                }
            }
        }
        let end = match (end, count) {
            (_, Some(count)) => start + (count - 1) * stride,
            (Some(end), None) => end,
            (None, None) => return Err(lookup_failed("sequence", "must specify count or end")),
        };
        if stride == 0 {
            return Err(lookup_failed("sequence", "stride must not be 0"));
        }
        let mut i = start;
        let mut guard = 0;
        while (stride > 0 && i <= end) || (stride < 0 && i >= end) {
            out.push(Value::from(printf_int(&format, i)));
            i += stride;
            guard += 1;
            if guard > 1_000_000 {
                return Err(lookup_failed("sequence", "more than 1000000 items"));
            }
        }
    }
    Ok(out)
}

/// `format % i` for one `%d`, `%0Nd`, `%x` or `%o` conversion.
fn printf_int(format: &str, i: i64) -> String {
    let Some(pos) = format.find('%') else {
        return format.to_owned();
    };
    let rest = &format[pos + 1..];
    let spec_len = rest
        .find(|c: char| c.is_ascii_alphabetic())
        .map_or(rest.len(), |p| p + 1);
    let (spec, tail) = rest.split_at(spec_len);
    let width: usize = spec
        .trim_start_matches('0')
        .trim_end_matches(|c: char| c.is_ascii_alphabetic())
        .parse()
        .unwrap_or(0);
    let zero = spec.starts_with('0');
    let body = match spec.chars().last() {
        Some('x') => format!("{i:x}"),
        Some('X') => format!("{i:X}"),
        Some('o') => format!("{i:o}"),
        _ => i.to_string(),
    };
    let padded = if zero {
        format!("{body:0>width$}")
    } else {
        format!("{body:>width$}")
    };
    format!("{}{padded}{tail}", &format[..pos])
}

/// `first_found`: the first existing file among the names (lists and
/// `{files, paths}` dicts allowed), searched like `lookup('file')`.
fn first_found(terms: &[Value], kwargs: &Kwargs) -> Result<Vec<Value>, Error> {
    let skip = kwargs.get::<Option<bool>>("skip")?.unwrap_or(false);
    let mut files = Vec::new();
    let mut paths: Vec<String> = Vec::new();
    for term in terms {
        match term.kind() {
            ValueKind::Map => {
                for f in term.get_attr("files")?.try_iter()? {
                    files.push(term_text(&f));
                }
                for p in term.get_attr("paths")?.try_iter()? {
                    paths.push(term_text(&p));
                }
            }
            ValueKind::Seq => files.extend(term.try_iter()?.map(|f| term_text(&f))),
            _ => files.push(term_text(term)),
        }
    }
    for file in &files {
        let candidates: Vec<String> = if paths.is_empty() {
            vec![file.clone()]
        } else {
            paths
                .iter()
                .map(|p| format!("{}/{file}", p.trim_end_matches('/')))
                .collect()
        };
        for candidate in candidates {
            if let Ok(path) = find("first_found", "files", &candidate) {
                return Ok(vec![Value::from(path.to_string_lossy().into_owned())]);
            }
        }
    }
    if skip {
        return Ok(Vec::new());
    }
    Err(lookup_failed(
        "first_found",
        "no file was found when using first_found",
    ))
}

/// `varnames`: the names of variables matching any of the regexes.
fn varnames(terms: &[Value]) -> Result<Vec<Value>, Error> {
    let vars = current_vars("varnames")?;
    let mut out = Vec::new();
    for term in terms {
        let pattern = term_text(term);
        let regex = crate::template::filters::regex_support::compile(
            "varnames",
            &format!("\\A(?:{pattern})"),
            Default::default(),
        )?;
        for name in vars.names() {
            if regex.is_match(name).unwrap_or(false)
                && !out.iter().any(|v: &Value| v.as_str() == Some(name))
            {
                out.push(Value::from(name));
            }
        }
    }
    Ok(out)
}
