//! The actions the executor runs itself, on the controller, for one
//! host: `set_fact`, `debug`, `assert`, `fail`, `include_vars`, `meta`,
//! `pause`, `validate_argument_spec` (the [`Builtin`] rows of the module
//! registry). Nothing here sends anything to the host.

use super::host::{FactWrite, HostState, Standing};
use crate::inventory::Inventory;
use crate::modules::{Builtin, Outcome};
use crate::plan::TaskStep;
use crate::template::{Templar, Vars};
use crate::value::{Map, Value};
use std::time::{Duration, Instant};

/// Runs the action `b` for `st`.
#[allow(clippy::too_many_arguments)] // one call site, each argument a different input
pub(crate) fn run(
    b: Builtin,
    env: &super::env::TaskEnv<'_>,
    st: &mut HostState,
    task: &TaskStep,
    vars: &Vars,
    args: &Map,
    deadline: Option<Instant>,
) -> Result<Outcome, String> {
    let templar = env.templar;
    let verbosity = env.opts.verbosity;
    if let Some(options) = b.options() {
        // The static checks refused arguments Ansible does not know; what
        // is left is an option Ansible has and this action lacks.
        if let Some(k) = args.keys().find(|k| !options.contains(&k.as_str())) {
            let module = task.module.as_str();
            if let Some(msg) = (k == "_raw_params")
                .then(|| crate::catalog::catalog().no_raw_params(&task.action))
                .flatten()
            {
                return Err(msg);
            }
            return Err(crate::modules::ArgError::NotImplemented {
                module: module.to_owned(),
                name: k.clone(),
            }
            .to_string());
        }
    }
    match b {
        Builtin::SetFact => {
            // Checked before the task ran (see `task.rs`).
            let owner = super::connection::fact_owner(env, task, vars).unwrap_or(None);
            set_fact(templar, vars, st, owner, args)
        }
        Builtin::Debug => debug(templar, vars, args, verbosity),
        Builtin::Fail => Ok(Outcome::failed(
            args.get("msg")
                .map(crate::report::python_str)
                .unwrap_or_else(|| "Failed as requested from task".into()),
        )),
        Builtin::Assert => assert(templar, vars, args),
        Builtin::Pause => pause(args, deadline),
        Builtin::Meta => meta(st, args),
        Builtin::IncludeVars => {
            let owner = super::connection::fact_owner(env, task, vars).unwrap_or(None);
            include_vars(st, owner, task, args, vars)
        }
        // The task a role's `meta/argument_specs.yml` implies: accepted
        // without validating the role's parameters (not implemented).
        Builtin::ValidateArgumentSpec => {
            Ok(Outcome::ok().with("msg", "The arg spec validation passed"))
        }
        Builtin::GroupBy => group_by(env, &st.name, args),
        Builtin::AddHost => add_host(env, args),
    }
}

/// A string or a list of strings (`parents`, `groups`); a string is split
/// at commas when `split` says so (`add_host`'s groups).
fn names(v: &Value, split: bool) -> Result<Vec<String>, ()> {
    match v {
        Value::List(items) => Ok(items.iter().map(crate::report::python_str).collect()),
        Value::Str(s) if split => Ok(s.split(',').map(|g| g.trim().to_owned()).collect()),
        Value::Str(s) => Ok(vec![s.clone()]),
        _ => Err(()),
    }
}

/// `group_by`: `host` joins the group `key` (spaces made dashes, as
/// ansible-core's action does), under `parents` (`all` unless given).
/// `changed` when the inventory changed.
fn group_by(env: &super::env::TaskEnv<'_>, host: &str, args: &Map) -> Result<Outcome, String> {
    let Some(key) = args.get("key") else {
        return Err("the 'key' param is required when using group_by".into());
    };
    let group = crate::report::python_str(key).replace(' ', "-");
    let parents = match args.get("parents") {
        None => vec!["all".to_owned()],
        Some(v) => names(v, false)
            .map_err(|()| "parents must be a string or a list of strings".to_owned())?
            .into_iter()
            .map(|p| p.replace(' ', "-"))
            .collect(),
    };
    let pv = env.pv;
    let changed = pv
        .live
        .add_group(env.reporter, &pv.hostvars, host, &group, &parents)?;
    let mut out = Outcome::ok();
    out.changed = changed;
    Ok(out.with("add_group", group).with(
        "parent_groups",
        Value::List(parents.into_iter().map(Value::Str).collect()),
    ))
}

/// `add_host`: the host `name` (or `hostname`, `host`; `host:port` sets
/// its port), in `groups` (or `groupname`, `group`; a list or a comma
/// list), with every other argument as a host variable.
fn add_host(env: &super::env::TaskEnv<'_>, args: &Map) -> Result<Outcome, String> {
    let mut args = args.clone();
    if let Some(raw) = args.shift_remove("_raw_params") {
        let Value::Map(raw) = raw else {
            return Err(format!(
                "Invalid raw parameters passed, requires a dictionary/mapping got a  {}",
                python_type(&raw)
            ));
        };
        for (k, v) in raw {
            args.entry(k).or_insert(v);
        }
    }
    let Some(name) = ["name", "hostname", "host"]
        .iter()
        .find_map(|k| args.get(*k))
    else {
        return Err("name, host or hostname needs to be provided".into());
    };
    let (name, port) = Inventory::split_host_port(&crate::report::python_str(name));
    if let Some(p) = port {
        args.insert("ansible_ssh_port".into(), Value::Int(i64::from(p)));
    }
    let groups = match ["groupname", "groups", "group"]
        .iter()
        .find_map(|k| args.get(*k))
    {
        None => Vec::new(),
        Some(v) => names(v, true).map_err(|()| "Groups must be specified as a list.".to_owned())?,
    };
    let mut unique: Vec<String> = Vec::new();
    for g in groups.into_iter().filter(|g| !g.is_empty()) {
        if !unique.contains(&g) {
            unique.push(g);
        }
    }
    let special = ["name", "hostname", "groupname", "groups"];
    let vars: Map = args
        .iter()
        .filter(|(k, _)| !special.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let pv = env.pv;
    let changed = pv
        .live
        .add_host(env.reporter, &pv.hostvars, &name, &unique, &vars)?;
    let mut added = Map::new();
    added.insert("host_name".into(), Value::Str(name));
    added.insert(
        "groups".into(),
        Value::List(unique.into_iter().map(Value::Str).collect()),
    );
    added.insert("host_vars".into(), Value::Map(vars));
    let mut out = Outcome::ok();
    out.changed = changed;
    Ok(out.with("add_host", Value::Map(added)))
}

/// `set_fact`: keys are templated too (Ansible's one case of key
/// templating) and must then be valid variable names. `owner`: the host
/// they go to instead of `st` (`delegate_facts`).
fn set_fact(
    t: &Templar,
    vars: &Vars,
    st: &mut HostState,
    owner: Option<String>,
    args: &Map,
) -> Result<Outcome, String> {
    let mut facts = Map::new();
    for (k, v) in args.iter().filter(|(k, _)| *k != "cacheable") {
        let name = if Templar::is_template(k) {
            // A key that renders to a number is refused with its type, as
            // Ansible's validate_variable_name words it.
            if let Ok(v @ (Value::Int(_) | Value::Float(_))) = t.render(k, vars) {
                return Err(format!(
                    "Invalid variable name '{}' of type '{}'.",
                    crate::report::python_str(&v),
                    if matches!(v, Value::Int(_)) {
                        "int"
                    } else {
                        "float"
                    }
                ));
            }
            t.render_string(k, vars).map_err(|e| e.to_string())?
        } else {
            k.clone()
        };
        let keyword = matches!(
            name.as_str(),
            "true" | "false" | "none" | "True" | "False" | "None" | "not"
        );
        let identifier = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !identifier || keyword {
            return Err(format!("Invalid variable name '{name}'."));
        }
        facts.insert(name, v.clone());
    }
    if facts.is_empty() {
        return Err(
            "No key/value pairs provided, at least one is required for this action to succeed"
                .into(),
        );
    }
    match owner {
        Some(o) => st.outbox.push((o, FactWrite::SetFact(facts.clone()))),
        None => st.apply(FactWrite::SetFact(facts.clone())),
    }
    Ok(Outcome::ok().with("ansible_facts", Value::Map(facts)))
}

fn debug(t: &Templar, vars: &Vars, args: &Map, verbosity: u8) -> Result<Outcome, String> {
    // `verbosity: N` shows the message only from `-v` × N on.
    let wanted = match args.get("verbosity") {
        None | Some(Value::Null) => 0,
        Some(v) => crate::report::python_str(v)
            .trim()
            .parse::<i64>()
            .map_err(|_| {
                format!(
                    "verbosity must be an integer, got {}",
                    crate::report::python_str(v)
                )
            })?,
    };
    if wanted > i64::from(verbosity) {
        let mut o = Outcome::ok().with("skipped_reason", "Verbosity threshold not met.");
        o.skipped = true;
        return Ok(o);
    }
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
    let quiet = match args.get("quiet") {
        None | Some(Value::Null) => false,
        Some(v) => crate::modules::parse_bool(v).ok_or_else(|| {
            format!(
                "quiet must be a boolean, got {}",
                crate::report::python_str(v)
            )
        })?,
    };
    // What makes Ansible's callback print the result (`quiet` does not).
    let shown = |o: Outcome| {
        if quiet {
            o
        } else {
            o.with("_ansible_verbose_always", Value::Bool(true))
        }
    };
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
            return Ok(shown(
                Outcome::failed(msg)
                    .with("assertion", cond.as_str())
                    .with("evaluated_to", Value::Bool(false))
                    .with("exception", "(traceback unavailable)"),
            ));
        }
    }
    let msg = args
        .get("success_msg")
        .map(crate::report::python_str)
        .unwrap_or_else(|| "All assertions passed".into());
    Ok(shown(Outcome::ok().with("msg", msg)))
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
        "end_host" | "end_play" | "end_batch" => {
            st.standing = Standing::Ended;
            Ok(Outcome::ok())
        }
        "clear_facts" => {
            st.clear_facts();
            Ok(Outcome::ok())
        }
        // Ansible clears the failed state of every play host whose
        // iterator still runs (one in an `always` section): the walker
        // reads this counter when the section ends.
        "clear_host_errors" => {
            st.errors_cleared += 1;
            Ok(Outcome::ok())
        }
        other => Err(format!("meta `{other}` is not supported")),
    }
}

/// `include_vars` (see [`super::include_vars`]): the variables go to the
/// host at precedence level 18 (`owner`'s, under `delegate_facts`).
fn include_vars(
    st: &mut HostState,
    owner: Option<String>,
    task: &TaskStep,
    args: &Map,
    vars: &Vars,
) -> Result<Outcome, String> {
    let (o, loaded) = super::include_vars::run(task, args, vars)?;
    if o.failed {
        return Ok(o);
    }
    match owner {
        Some(to) => st.outbox.push((to, FactWrite::Included(loaded))),
        None => st.include_vars(&loaded),
    }
    // Ansible registers `failed: false` (measured in tests/golden/run/logic).
    Ok(o.with("failed", Value::Bool(false)))
}
