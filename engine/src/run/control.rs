//! Work the executor does itself rather than through a host module:
//! loops, the task environment, sessions, and the controller-side actions
//! (`set_fact`, `debug`, `assert`, `fail`, `include_vars`, `meta`, `pause`,
//! `setup`).

use super::host::HostState;
use super::task::TaskEnv;
use crate::modules::{Builtin, Outcome};
use crate::plan::{LoopSpec, TaskStep};
use crate::report::{HostResult, Status};
use crate::template::{Templar, Vars};
use crate::transport::{self, ConnectionKind, TransportError};
use crate::value::{Map, Value};
use std::time::Duration;

/// The items of a `loop:` or `with_<lookup>:`.
pub(crate) fn loop_items(t: &Templar, spec: &LoopSpec, vars: &Vars) -> Result<Vec<Value>, String> {
    let rendered = t
        .render_value(&spec.items, vars)
        .map_err(|e| e.to_string())?;
    let list = match rendered {
        Value::List(l) => l,
        Value::Null if spec.lookup.is_some() => Vec::new(),
        other if spec.lookup.as_deref() == Some("dict") => vec![other],
        Value::Str(s) if spec.lookup.is_some() => vec![Value::Str(s)],
        other => {
            return Err(format!(
                "Invalid data passed to 'loop', it requires a list, got this instead: {}. Hint: If you passed a list/dict of just one element, try adding wantlist=True to your lookup invocation or use q/query instead of lookup.",
                crate::report::python_repr(&other)
            ))
        }
    };
    match spec.lookup.as_deref() {
        None | Some("list") => Ok(list),
        Some("items") => Ok(list
            .into_iter()
            .flat_map(|v| match v {
                Value::List(inner) => inner,
                other => vec![other],
            })
            .collect()),
        Some("dict") => {
            let mut out = Vec::new();
            for v in list {
                let Value::Map(m) = v else {
                    return Err("with_dict expects a dict".into());
                };
                for (k, v) in m {
                    let mut e = Map::new();
                    e.insert("key".into(), Value::Str(k));
                    e.insert("value".into(), v);
                    out.push(Value::Map(e));
                }
            }
            Ok(out)
        }
        Some("indexed_items") => Ok(list
            .into_iter()
            .enumerate()
            .map(|(i, v)| Value::List(vec![Value::Int(i as i64), v]))
            .collect()),
        Some(other) => t.lookup(other, &list, vars).map_err(|e| e.to_string()),
    }
}

/// The task's `environment:` layers, rendered and merged (inner wins).
pub(crate) fn environment(
    t: &Templar,
    layers: &[Value],
    vars: &Vars,
) -> Result<Vec<(String, String)>, String> {
    let mut env = Map::new();
    for layer in layers {
        match t.render_value(layer, vars).map_err(|e| e.to_string())? {
            Value::Map(m) => env.extend(m),
            Value::Null => {}
            other => {
                return Err(format!(
                    "environment must be a dict, got {}",
                    other.type_name()
                ))
            }
        }
    }
    Ok(env
        .into_iter()
        .map(|(k, v)| {
            let s = match &v {
                Value::Null => String::new(),
                other => crate::report::python_str(other),
            };
            (k, s)
        })
        .collect())
}

/// Transport errors that mean "unreachable" rather than "task failed".
pub(crate) fn is_unreachable(e: &TransportError) -> bool {
    e.is_unreachable()
}

/// Opens the session a task runs on if needed: the host's own (kept for
/// the run), or the controller for `delegate_to: localhost`. Returns
/// which one: `true` for the controller.
pub(crate) fn ensure_session(
    env: &TaskEnv<'_>,
    st: &mut HostState,
    delegate_to: Option<&String>,
    vars: &Vars,
) -> Result<bool, String> {
    let delegate = match delegate_to {
        Some(d) => Some(
            env.templar
                .render_string(d, vars)
                .map_err(|e| e.to_string())?,
        ),
        None => None,
    };
    if let Some(d) = delegate.filter(|d| d != &st.name) {
        if !matches!(d.as_str(), "localhost" | "127.0.0.1" | "::1") {
            return Err(format!(
                "delegate_to `{d}` is not supported (only localhost)"
            ));
        }
        if st.local.is_none() {
            st.local = Some(
                transport::connect(&local_spec(), &env.opts.connect).map_err(|e| e.to_string())?,
            );
        }
        return Ok(true);
    }
    if st.transport.is_none() {
        let spec = connection_spec(env, st, vars)?;
        let t = transport::connect(&spec, &env.opts.connect).map_err(|e| e.to_string())?;
        st.spec = Some(spec);
        st.transport = Some(t);
    }
    Ok(false)
}

fn local_spec() -> transport::ConnectionSpec {
    transport::ConnectionSpec {
        name: "localhost".into(),
        kind: ConnectionKind::Local,
        address: "localhost".into(),
        port: 22,
        user: None,
        private_key_file: None,
        password: None,
        connect_timeout: Duration::from_secs(10),
        host_key_checking: transport::HostKeyChecking::Strict,
        jump: None,
        known_hosts_file: None,
        become_: None,
    }
}

/// Resolves the host's connection variables (rendered) into a spec.
fn connection_spec(
    env: &TaskEnv<'_>,
    st: &HostState,
    vars: &Vars,
) -> Result<transport::ConnectionSpec, String> {
    let mut conn = Map::new();
    let sources = [&*st.shared.inventory, &st.set_facts, &*env.pv.extra];
    for src in sources {
        for (k, v) in src.iter().filter(|(k, _)| k.starts_with("ansible_")) {
            let r = env
                .templar
                .render_value(v, vars)
                .map_err(|e| format!("{k}: {e}"))?;
            conn.insert(k.clone(), r);
        }
    }
    let mut spec = crate::inventory::connection_spec(&st.name, &conn).map_err(|e| e.to_string())?;
    if spec.become_.is_none() {
        // `become: true` on a play or task with no `ansible_become*` vars:
        // sudo to root, as Ansible's defaults say.
        spec.become_ = Some(transport::Become {
            method: transport::BecomeMethod::Sudo,
            user: "root".into(),
            password: None,
            flags: None,
        });
    }
    Ok(spec)
}

/// Runs the actions that never touch a host module. `None`: not one of them.
pub(crate) fn run_controller_module(
    env: &TaskEnv<'_>,
    st: &mut HostState,
    task: &TaskStep,
    vars: &Vars,
    args: &Map,
) -> Option<Result<Outcome, String>> {
    let out = match task.module.builtin()? {
        Builtin::SetFact => set_fact(st, args),
        Builtin::Debug => debug(env.templar, vars, args),
        Builtin::Fail => Ok(Outcome::failed(
            args.get("msg")
                .map(crate::report::python_str)
                .unwrap_or_else(|| "Failed as requested from task".into()),
        )),
        Builtin::Assert => assert(env.templar, vars, args),
        Builtin::Pause => pause(args),
        Builtin::Meta => meta(st, args),
        Builtin::IncludeVars => super::block::include_vars(st, task, args),
        // The task a role's `meta/argument_specs.yml` implies: accepted
        // without validating the role's parameters (not implemented).
        Builtin::ValidateArgumentSpec => {
            Ok(Outcome::ok().with("msg", "The arg spec validation passed"))
        }
    };
    Some(out)
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

fn pause(args: &Map) -> Result<Outcome, String> {
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
    std::thread::sleep(Duration::from_secs_f64(secs));
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
                st.transport = None;
            }
            Ok(Outcome::ok())
        }
        "end_host" | "end_play" => {
            st.ended = true;
            Ok(Outcome::ok())
        }
        "clear_facts" => {
            st.facts.clear();
            Ok(Outcome::ok())
        }
        "clear_host_errors" => Ok(Outcome::ok()),
        other => Err(format!("meta `{other}` is not supported")),
    }
}

/// The implicit fact gathering of a play: one script, one round trip.
pub(crate) fn gather_facts(env: &TaskEnv<'_>, st: &mut HostState) -> HostResult {
    let vars = super::vars::task_vars(env.pv, st, None);
    let name = st.name.clone();
    let unreachable = |msg: String| {
        let mut r = Map::new();
        r.insert("changed".into(), Value::Bool(false));
        r.insert("msg".into(), Value::Str(msg));
        r.insert("unreachable".into(), Value::Bool(true));
        HostResult::new(&name, "Gathering Facts", Status::Unreachable, r)
    };
    if let Err(msg) = ensure_session(env, st, None, &vars) {
        return unreachable(msg);
    }
    let Some(t) = st.transport.as_mut() else {
        return unreachable("no session".into());
    };
    let req = transport::ExecRequest {
        command: crate::facts::gather_script().to_owned(),
        ..Default::default()
    };
    let out = match t.exec(&req) {
        Ok(o) => o,
        Err(e) => {
            st.transport = None;
            return unreachable(e.to_string());
        }
    };
    st.commands += 1;
    match crate::facts::parse(&out.stdout) {
        Ok(facts) => {
            let vars = facts.to_vars();
            st.set_gathered_facts(vars);
            let mut r = Map::new();
            r.insert("changed".into(), Value::Bool(false));
            HostResult::new(&name, "Gathering Facts", Status::Ok, r)
        }
        Err(e) => {
            let mut r = Map::new();
            r.insert("changed".into(), Value::Bool(false));
            r.insert(
                "msg".into(),
                Value::Str(format!("fact gathering failed: {e}")),
            );
            HostResult::new(&name, "Gathering Facts", Status::Failed, r)
        }
    }
}
