//! Lookups: `lookup(name, *terms, wantlist=False, errors='strict')`,
//! `query(...)`/`q(...)` (always a list), with the plugins `env`, `file`,
//! `template`, `pipe`, `vars`, `items`, `list`, `dict`, `nested`,
//! `together`, `indexed_items`, `sequence`, `subelements`,
//! `first_found`, `varnames`, `lines`, `random_choice`, `ini`,
//! `csvfile`, `password` and `inventory_hostnames` (many mostly for
//! `with_<lookup>` loops, see `Templar::lookup`). A plugin's failure is
//! worded as ansible-core words it: `The lookup plugin 'x' failed: ...`.
//!
//! Lookups run on the controller, as Ansible's do: `pipe` runs `sh -c` on
//! the machine running the engine, `file` reads controller files,
//! `password` writes them. `file`, `template`, `ini` and `csvfile` search
//! the paths given by [`Vars::set_search_paths`] (`files/` resp.
//! `templates/` inside each, then the directory itself).

mod csvfile;
mod ini;
mod inventory_hostnames;
mod loops;
mod password;
mod sequence;
mod subelements;
mod template;

use crate::template::frame;
use crate::template::native::{from_jinja, to_jinja};
use crate::template::vars::Vars;
use crate::template::{Templar, TemplateError};
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

/// A plugin's failure, worded as ansible-core words it.
pub(super) fn lookup_failed(plugin: &str, message: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorKind::InvalidOperation,
        format!("The lookup plugin '{plugin}' failed: {message}"),
    )
}

fn run(name: &str, terms: &[Value], kwargs: Kwargs, wantlist: bool) -> Result<Value, Error> {
    let errors = kwargs
        .get::<Option<String>>("errors")?
        .unwrap_or_else(|| "strict".into());
    let result = plugin(name, terms, &kwargs);
    let ran = match result {
        Ok(ran) => ran,
        Err(_) if errors == "ignore" || errors == "warn" => {
            return Ok(if wantlist {
                Value::from(Vec::<Value>::new())
            } else {
                Value::from(())
            });
        }
        Err(err) => return Err(err),
    };
    kwargs.assert_all_used()?;
    if wantlist || ran.is_empty() {
        return Ok(Value::from(ran));
    }
    // As ansible-core's `_invoke_lookup`: one element is returned as it is
    // (an undefined one stays undefined); several strings are joined with
    // commas; anything else stays a list.
    if ran.len() == 1 {
        return Ok(ran.into_iter().next().unwrap_or_default());
    }
    if ran.iter().all(|v| v.kind() == ValueKind::String) {
        let parts: Vec<&str> = ran.iter().map(|v| v.as_str().unwrap_or_default()).collect();
        return Ok(Value::from(parts.join(",")));
    }
    Ok(Value::from(ran))
}

/// The lookups [`plugin`] runs (short names).
pub(crate) const NAMES: &[&str] = &[
    "env",
    "file",
    "template",
    "pipe",
    "vars",
    "items",
    "list",
    "dict",
    "nested",
    "together",
    "indexed_items",
    "sequence",
    "subelements",
    "ini",
    "csvfile",
    "password",
    "inventory_hostnames",
    "first_found",
    "varnames",
    "lines",
    "random_choice",
];

/// Runs lookup plugin `name` (short or `ansible.builtin.` name) on `terms`:
/// the list Ansible's plugin returns (also what `with_<name>` loops over).
pub(crate) fn plugin(name: &str, terms: &[Value], kwargs: &Kwargs) -> Result<Vec<Value>, Error> {
    let short = name.strip_prefix("ansible.builtin.").unwrap_or(name);
    match short {
        "env" => env(terms, kwargs),
        "file" => file(terms, kwargs),
        "template" => template::template(terms, kwargs),
        "pipe" => pipe(terms),
        "vars" => vars(terms, kwargs),
        "items" => Ok(loops::items(terms)),
        "list" => Ok(terms.to_vec()),
        "dict" => loops::dict(terms),
        "nested" => loops::nested(terms),
        "together" => loops::together(terms),
        "indexed_items" => loops::indexed_items(terms),
        "sequence" => sequence::sequence(terms, kwargs),
        "subelements" => subelements::subelements(terms),
        "ini" => ini::ini(terms, kwargs),
        "csvfile" => csvfile::csvfile(terms, kwargs),
        "password" => password::password(terms, kwargs),
        "inventory_hostnames" => inventory_hostnames::inventory_hostnames(terms),
        "first_found" => loops::first_found(terms, kwargs, None),
        "varnames" => loops::varnames(terms),
        "lines" => lines(terms),
        "random_choice" => Ok(random_choice(terms)),
        // One Ansible has (`config`, `url`, ...) fails the task saying so.
        other if crate::catalog::catalog().has_lookup(other) => Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("lookup plugin `{other}` is not implemented by konvoy-image"),
        )),
        other => Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("lookup plugin `{other}` was not found"),
        )),
    }
}

pub(super) fn term_text(term: &Value) -> String {
    crate::template::filters::regex_support::text_of(term)
}

pub(super) fn current_vars(plugin: &str) -> Result<Vars, Error> {
    frame::current_vars().ok_or_else(|| lookup_failed(plugin, "no variables in scope"))
}

/// `env`: a variable's value, else `default` (`''`; an undefined default,
/// such as `undef()`, makes the result undefined, as in ansible-core 2.19).
fn env(terms: &[Value], kwargs: &Kwargs) -> Result<Vec<Value>, Error> {
    let default = if kwargs.has("default") {
        kwargs.get::<Value>("default")?
    } else {
        Value::from("")
    };
    Ok(terms
        .iter()
        .map(|t| {
            let name = term_text(t);
            let name = name.split_whitespace().next().unwrap_or_default();
            std::env::var(name).map_or_else(|_| default.clone(), Value::from)
        })
        .collect())
}

/// The first existing `dir/<sub>/name`, then `dir/name`, over the search
/// paths; absolute names are used as they are.
pub(super) fn find(plugin: &str, sub: Option<&str>, name: &str) -> Result<PathBuf, Error> {
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
    // Ansible's `path_dwim_relative_stack` over the task's search path:
    // the role, the task file's directory, then the playbook's, each with
    // `sub/` first (unless the name already starts with it). The
    // executor's search paths also hold `files/` and `templates/`, which
    // are `sub/` here.
    let mut bases: Vec<&PathBuf> = vars
        .search_paths()
        .iter()
        .filter(|d| !(d.ends_with("files") || d.ends_with("templates")))
        .collect();
    for i in 0..bases.len().saturating_sub(1) {
        if bases[i].ends_with("tasks") && bases[i].parent() == Some(bases[i + 1].as_path()) {
            bases.swap(i, i + 1);
        }
    }
    let sub = sub.filter(|s| name.split('/').next() != Some(*s));
    for dir in bases {
        let in_sub = sub.map(|s| dir.join(s).join(name));
        for candidate in in_sub.into_iter().chain([dir.join(name)]) {
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
        let path = find("file", Some("files"), &name)?;
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

/// `lines`: each term is a shell command run on the controller; its
/// output's lines are the items.
fn lines(terms: &[Value]) -> Result<Vec<Value>, Error> {
    let mut out = Vec::new();
    for term in terms {
        let cmd = term_text(term);
        let result = std::process::Command::new("sh")
            .arg("-c")
            .arg(&cmd)
            .stdin(std::process::Stdio::null())
            .output()
            .map_err(|e| lookup_failed("lines", format_args!("running `{cmd}`: {e}")))?;
        if !result.status.success() {
            return Err(lookup_failed(
                "lines",
                format_args!(
                    "lookup_plugin.lines({cmd}) returned {}",
                    result.status.code().unwrap_or(-1)
                ),
            ));
        }
        out.extend(
            String::from_utf8_lossy(&result.stdout)
                .lines()
                .map(Value::from),
        );
    }
    Ok(out)
}

/// `random_choice`: one of the terms, picked at random (none: none).
fn random_choice(terms: &[Value]) -> Vec<Value> {
    use std::hash::{BuildHasher, Hasher};
    if terms.is_empty() {
        return Vec::new();
    }
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    let i = (h.finish() % terms.len() as u64) as usize;
    vec![terms[i].clone()]
}

/// `vars`: the values of the named variables. A missing one without a
/// `default` (`None` counts as none) fails with ansible-core's text (there
/// the plugin returns an undefined value carrying it, which fails where
/// it is used).
fn vars(terms: &[Value], kwargs: &Kwargs) -> Result<Vec<Value>, Error> {
    let default = kwargs
        .get::<Option<Value>>("default")?
        .filter(|d| !d.is_none());
    let vars = current_vars("vars")?;
    let mut out = Vec::with_capacity(terms.len());
    for term in terms {
        let Some(name) = term.as_str() else {
            return Err(lookup_failed(
                "vars",
                format_args!(
                    "Variable name must be 'str' not '{}'.",
                    from_jinja(term).type_name()
                ),
            ));
        };
        let found = vars
            .get(name)
            .map_err(|e| lookup_failed("vars", e))?
            .map(|v| to_jinja(&v));
        match found.or_else(|| default.clone()) {
            Some(v) => out.push(v),
            None => {
                // Not `UndefinedError`: that would be reported as an
                // undefined variable named after the whole call.
                return Err(Error::new(
                    ErrorKind::InvalidOperation,
                    format!("No variable named '{name}' was found."),
                ));
            }
        }
    }
    Ok(out)
}

impl Templar {
    /// Runs lookup plugin `name` on already templated `terms` and returns
    /// its list, as `query(name, *terms)` would: what a `with_<name>` loop
    /// iterates over (`with_items`, `with_dict`, `with_nested`,
    /// `with_sequence`, `with_first_found`, ...). For a loop, `terms` are
    /// the items of the templated `with_<name>` value when it is a list,
    /// else that one value (as Ansible passes them).
    ///
    /// # Errors
    /// [`TemplateError::Evaluation`] when the plugin is unknown or fails.
    pub fn lookup(
        &self,
        name: &str,
        terms: &[crate::value::Value],
        vars: &Vars,
    ) -> Result<Vec<crate::value::Value>, TemplateError> {
        self.loop_lookup(name, terms, vars, "files")
    }

    /// [`Templar::lookup`] for a `with_<name>` loop whose `with_first_found`
    /// looks in `subdir` first (`templates`, `vars` or `files`, by the
    /// task's action).
    ///
    /// # Errors
    /// [`TemplateError::Evaluation`] when the plugin is unknown or fails.
    pub fn loop_lookup(
        &self,
        name: &str,
        terms: &[crate::value::Value],
        vars: &Vars,
        subdir: &str,
    ) -> Result<Vec<crate::value::Value>, TemplateError> {
        let terms: Vec<Value> = terms.iter().map(to_jinja).collect();
        let kwargs = Kwargs::from_iter(std::iter::empty::<(&str, Value)>());
        let (result, _frame) = frame::with_frame(vars, || {
            // A `with_first_found` loop searches the action's directory
            // first.
            match name.strip_prefix("ansible.builtin.").unwrap_or(name) {
                "first_found" => loops::first_found(&terms, &kwargs, Some(subdir)),
                _ => plugin(name, &terms, &kwargs),
            }
        });
        match result {
            Ok(items) => Ok(items.iter().map(from_jinja).collect()),
            Err(err) => Err(TemplateError::Evaluation {
                message: err.detail().unwrap_or("lookup failed").to_owned(),
                excerpt: format!("with_{name}"),
                span: None,
            }),
        }
    }
}
