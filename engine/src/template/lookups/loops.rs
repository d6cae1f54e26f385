//! Lookup plugins that mostly feed `with_<lookup>` loops: `items`,
//! `dict`, `nested`, `together`, `indexed_items`, `first_found`,
//! `varnames`.

use super::{current_vars, find, lookup_failed, term_text};
use crate::template::native::{from_jinja, to_jinja};
use minijinja::value::{Kwargs, ValueKind};
use minijinja::{Error, Value};

/// `items`: the terms with lists flattened one level (`with_items`).
pub(super) fn items(terms: &[Value]) -> Vec<Value> {
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
pub(super) fn dict(terms: &[Value]) -> Result<Vec<Value>, Error> {
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
pub(super) fn nested(terms: &[Value]) -> Result<Vec<Value>, Error> {
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
pub(super) fn together(terms: &[Value]) -> Result<Vec<Value>, Error> {
    if terms.is_empty() {
        return Err(lookup_failed(
            "together",
            "with_together requires at least one element in each list",
        ));
    }
    let lists: Vec<Vec<Value>> = terms
        .iter()
        .map(|t| list_items("together", t))
        .collect::<Result<_, _>>()?;
    let longest = lists.iter().map(Vec::len).max().unwrap_or(0);
    // Rows as `zip_longest` with `None`, each flattened one level (a list
    // element is spliced in), as `LookupBase._flatten` does.
    Ok((0..longest)
        .map(|i| {
            let mut row: Vec<Value> = Vec::new();
            for l in &lists {
                let v = l.get(i).cloned().unwrap_or_else(|| Value::from(()));
                match v.kind() {
                    ValueKind::Seq => row.extend(v.try_iter().into_iter().flatten()),
                    _ => row.push(v),
                }
            }
            Value::from(row)
        })
        .collect())
}

/// `indexed_items`: `[index, item]` pairs.
pub(super) fn indexed_items(terms: &[Value]) -> Result<Vec<Value>, Error> {
    Ok(items(terms)
        .into_iter()
        .enumerate()
        .map(|(i, item)| Value::from(vec![Value::from(i), item]))
        .collect())
}

/// `first_found`: the first existing file among the names, as
/// ansible-core 2.19's plugin: string, list and `{files, paths, skip}`
/// dict terms (a string `files`/`paths` is split on `,;` resp. `,:;`);
/// every path is joined with every file. Called from Jinja (`lookup`,
/// `query`) it searches each search path itself (`subdir` `None`); as a
/// `with_first_found` loop Ansible adds the action's directory (`files`,
/// `templates`, `vars`) first. Nothing found: an error, or an empty list
/// when `skip` is true (a dict term's `skip` counts, the last one wins).
pub(super) fn first_found(
    terms: &[Value],
    kwargs: &Kwargs,
    subdir: Option<&str>,
) -> Result<Vec<Value>, Error> {
    fn split(text: &str, seps: &[char]) -> Vec<String> {
        text.split(seps).map(str::to_owned).collect()
    }
    fn list(v: &Value, seps: &[char]) -> Result<Vec<String>, Error> {
        Ok(match v.kind() {
            ValueKind::Undefined | ValueKind::None => Vec::new(),
            ValueKind::String => split(&term_text(v), seps),
            _ => {
                let mut out = Vec::new();
                for item in v.try_iter()? {
                    out.extend(list(&item, seps)?);
                }
                out
            }
        })
    }
    let mut skip = kwargs.get::<Option<bool>>("skip")?.unwrap_or(false);
    let global_paths = match kwargs.get::<Option<Value>>("paths")? {
        Some(p) => list(&p, &[',', ':', ';'])?,
        None => Vec::new(),
    };
    let global_files = kwargs.get::<Option<Value>>("files")?;
    let mut search: Vec<String> = Vec::new();
    fn walk(
        term: &Value,
        global_paths: &[String],
        skip: &mut bool,
        search: &mut Vec<String>,
    ) -> Result<(), Error> {
        let (files, paths) = match term.kind() {
            ValueKind::Map => {
                let files = list(&term.get_attr("files")?, &[',', ';'])?;
                let paths = match term.get_attr("paths")? {
                    p if p.is_undefined() || p.is_none() => global_paths.to_vec(),
                    p => list(&p, &[',', ':', ';'])?,
                };
                if let Ok(s) = term.get_attr("skip") {
                    if !s.is_undefined() && !s.is_none() {
                        *skip = s.is_true();
                    }
                }
                (files, paths)
            }
            ValueKind::Seq | ValueKind::Iterable => {
                for item in term.try_iter()? {
                    walk(&item, global_paths, skip, search)?;
                }
                return Ok(());
            }
            _ => (vec![term_text(term)], global_paths.to_vec()),
        };
        if paths.is_empty() {
            search.extend(files);
        } else {
            for path in &paths {
                for file in &files {
                    search.push(format!("{}/{file}", path.trim_end_matches('/')));
                }
            }
        }
        Ok(())
    }
    let owned_files;
    let terms = if terms.is_empty() {
        owned_files = global_files.map(|f| vec![f]).unwrap_or_default();
        &owned_files[..]
    } else {
        terms
    };
    for term in terms {
        walk(term, &global_paths, &mut skip, &mut search)?;
    }
    for candidate in &search {
        if let Ok(path) = find("first_found", subdir, candidate) {
            return Ok(vec![Value::from(path.to_string_lossy().into_owned())]);
        }
    }
    if skip {
        return Ok(Vec::new());
    }
    Err(lookup_failed(
        "first_found",
        "No file was found when using first_found.",
    ))
}

/// `varnames`: the names of variables a regex finds anything in
/// (Python's `search`, not anchored), term by term: a name several terms
/// find is listed once per term, as the plugin lists it.
pub(super) fn varnames(terms: &[Value]) -> Result<Vec<Value>, Error> {
    let vars = current_vars("varnames")?;
    let mut out = Vec::new();
    for term in terms {
        let Some(pattern) = term.as_str() else {
            let v = from_jinja(term);
            return Err(lookup_failed(
                "varnames",
                format_args!(
                    "Invalid setting identifier, \"{}\" is not a string, it is a <class '{}'>",
                    v.py_str(),
                    v.type_name()
                ),
            ));
        };
        let regex = crate::pyre::compile(pattern, crate::pyre::Flags::NONE).map_err(|e| {
            lookup_failed(
                "varnames",
                format_args!(
                    "Unable to use \"{pattern}\" as a search parameter: {}",
                    e.reason
                ),
            )
        })?;
        for name in vars.names() {
            if regex.is_match(name).unwrap_or(false) {
                out.push(Value::from(name));
            }
        }
    }
    Ok(out)
}
