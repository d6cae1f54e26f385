//! The actions the executor runs itself, on the controller, for one
//! host: `set_fact`, `debug`, `assert`, `fail`, `include_vars`, `meta`,
//! `pause`, `validate_argument_spec` (the [`Builtin`] rows of the module
//! registry). Nothing here sends anything to the host.

use super::host::{HostState, Standing};
use crate::modules::{Builtin, Outcome};
use crate::plan::TaskStep;
use crate::template::{Templar, Vars};
use crate::value::{Map, Value};
use std::time::{Duration, Instant};

/// Runs the action `b` for `st`.
pub(crate) fn run(
    b: Builtin,
    templar: &Templar,
    st: &mut HostState,
    task: &TaskStep,
    vars: &Vars,
    args: &Map,
    deadline: Option<Instant>,
) -> Result<Outcome, String> {
    match b {
        Builtin::SetFact => set_fact(st, args),
        Builtin::Debug => debug(templar, vars, args),
        Builtin::Fail => Ok(Outcome::failed(
            args.get("msg")
                .map(crate::report::python_str)
                .unwrap_or_else(|| "Failed as requested from task".into()),
        )),
        Builtin::Assert => assert(templar, vars, args),
        Builtin::Pause => pause(args, deadline),
        Builtin::Meta => meta(st, args),
        Builtin::IncludeVars => include_vars(st, task, args),
        // The task a role's `meta/argument_specs.yml` implies: accepted
        // without validating the role's parameters (not implemented).
        Builtin::ValidateArgumentSpec => {
            Ok(Outcome::ok().with("msg", "The arg spec validation passed"))
        }
    }
}

fn set_fact(st: &mut HostState, args: &Map) -> Result<Outcome, String> {
    let mut facts = Map::new();
    for (k, v) in args.iter().filter(|(k, _)| *k != "cacheable") {
        st.set_fact(k, v.clone());
        facts.insert(k.clone(), v.clone());
    }
    Ok(Outcome::ok().with("ansible_facts", Value::Map(facts)))
}

fn debug(t: &Templar, vars: &Vars, args: &Map) -> Result<Outcome, String> {
    if let Some(var) = args.get("var") {
        let name = crate::report::python_str(var);
        let expr = format!("{{{{ {name} }}}}");
        let value = match t.render(&expr, vars) {
            Ok(v) => v,
            Err(_) => Value::Str(undefined_text(t, vars, &name)),
        };
        return Ok(Outcome::ok().with(&name, value));
    }
    let msg = args
        .get("msg")
        .cloned()
        .unwrap_or_else(|| Value::Str("Hello world!".into()));
    Ok(Outcome::ok().with("msg", msg))
}

/// What `debug: var=` shows for a variable that does not resolve, as
/// Ansible 2.19 words it (measured): for a dotted path, the first name
/// that is undefined or the first attribute its parent lacks; otherwise
/// the older generic text.
fn undefined_text(t: &Templar, vars: &Vars, path: &str) -> String {
    let is_ident = |s: &str| {
        s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    let mut parts = path.split('.');
    let root = parts.next().unwrap_or_default();
    if !is_ident(root) || !path.split('.').all(is_ident) {
        return "VARIABLE IS NOT DEFINED!".into();
    }
    let Ok(mut value) = t.render(&format!("{{{{ {root} }}}}"), vars) else {
        return format!("<< error 1 - '{root}' is undefined >>");
    };
    for attr in parts {
        let next = match &value {
            Value::Map(m) => m.get(attr).cloned(),
            _ => None,
        };
        match next {
            Some(v) => value = v,
            None => {
                return format!(
                    "<< error 1 - object of type '{}' has no attribute '{attr}' >>",
                    python_type(&value)
                )
            }
        }
    }
    "VARIABLE IS NOT DEFINED!".into()
}

/// Python's type name for a value, as Jinja's errors print it.
fn python_type(v: &Value) -> &'static str {
    match v {
        Value::Map(_) => "dict",
        Value::List(_) => "list",
        Value::Str(_) | Value::Unsafe(_) | Value::Date(_) => "str",
        Value::Int(_) => "int",
        Value::Float(_) => "float",
        Value::Bool(_) => "bool",
        Value::Null => "NoneType",
    }
}

fn assert(t: &Templar, vars: &Vars, args: &Map) -> Result<Outcome, String> {
    let that: Vec<String> = match args.get("that") {
        Some(Value::List(l)) => l.iter().map(crate::report::python_str).collect(),
        Some(v) => vec![crate::report::python_str(v)],
        None => return Err("assert: missing required argument `that`".into()),
    };
    for cond in &that {
        if !t.condition(cond, vars).map_err(|e| e.to_string())? {
            let msg = args
                .get("fail_msg")
                .or_else(|| args.get("msg"))
                .map(crate::report::python_str)
                .unwrap_or_else(|| "Assertion failed".into());
            // Registered, the failure also carries the `exception` text
            // Ansible 2.19 puts there; the callback hides it.
            return Ok(Outcome::failed(msg)
                .with("assertion", cond.as_str())
                .with("evaluated_to", Value::Bool(false))
                .with("exception", "(traceback unavailable)"));
        }
    }
    let msg = args
        .get("success_msg")
        .map(crate::report::python_str)
        .unwrap_or_else(|| "All assertions passed".into());
    Ok(Outcome::ok().with("msg", msg))
}

/// `pause: seconds=N`; a task `timeout:` shorter than the pause ends
/// the sleep at the deadline (the caller reports the timeout).
fn pause(args: &Map, deadline: Option<Instant>) -> Result<Outcome, String> {
    let num = |k: &str| -> Option<f64> {
        match args.get(k)? {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            Value::Str(s) => s.trim().parse().ok(),
            _ => None,
        }
    };
    let secs = num("seconds")
        .or_else(|| num("minutes").map(|m| m * 60.0))
        .unwrap_or(0.0);
    let secs = secs.clamp(0.0, 3600.0);
    let mut sleep = Duration::from_secs_f64(secs);
    if let Some(d) = deadline {
        sleep = sleep.min(d.saturating_duration_since(Instant::now()));
    }
    std::thread::sleep(sleep);
    // `stdout` as Ansible words it, with the seconds as a Python float.
    Ok(Outcome::ok()
        .with("delta", Value::Int(secs as i64))
        .with("stdout", format!("Paused for {secs:?} seconds")))
}

fn meta(st: &mut HostState, args: &Map) -> Result<Outcome, String> {
    let what = args
        .get("_raw_params")
        .map(crate::report::python_str)
        .unwrap_or_default();
    match what.as_str() {
        "noop" | "flush_handlers" | "refresh_inventory" | "reset_connection" => {
            if what == "reset_connection" {
                st.drop_sessions();
            }
            Ok(Outcome::ok())
        }
        "end_host" | "end_play" => {
            st.standing = Standing::Ended;
            Ok(Outcome::ok())
        }
        "clear_facts" => {
            st.clear_facts();
            Ok(Outcome::ok())
        }
        "clear_host_errors" => Ok(Outcome::ok()),
        other => Err(format!("meta `{other}` is not supported")),
    }
}

/// `include_vars`: a file (or `file:`/`dir:`), loaded as YAML; with
/// `name:` the vars go under that key. Precedence level 18.
fn include_vars(st: &mut HostState, task: &TaskStep, args: &Map) -> Result<Outcome, String> {
    let file = args
        .get("_raw_params")
        .or_else(|| args.get("file"))
        .and_then(Value::as_str)
        .ok_or("include_vars: give a file (`dir` is not supported)")?;
    let path = task
        .search_paths
        .iter()
        .map(|d| d.join(file))
        .find(|p| p.exists())
        .unwrap_or_else(|| std::path::PathBuf::from(file));
    let loaded = crate::yaml::load_file(&path).map_err(|e| e.to_string())?;
    let (doc, _warnings) = loaded.single();
    let vars = match doc.map(|d| d.to_value()) {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Map(m)) => m,
        Some(other) => {
            return Err(format!(
                "{}: vars file must be a mapping, got {}",
                path.display(),
                other.type_name()
            ))
        }
    };
    let vars = match args.get("name").and_then(Value::as_str) {
        Some(n) => std::iter::once((n.to_owned(), Value::Map(vars))).collect(),
        None => vars,
    };
    st.include_vars(&vars);
    // Ansible lists the file by its absolute path and registers
    // `failed: false` (measured in tests/golden/run/logic).
    let shown = std::fs::canonicalize(&path).unwrap_or(path);
    Ok(Outcome::ok()
        .with("ansible_facts", Value::Map(vars))
        .with(
            "ansible_included_var_files",
            Value::List(vec![Value::Str(shown.display().to_string())]),
        )
        .with("failed", Value::Bool(false)))
}
