//! Running one task on one host: conditions, loops, retries, the module,
//! `changed_when`/`failed_when`, `register`, notifications and counters.

use super::control;
use super::host::HostState;
use super::options::RunOptions;
use super::remote::TransportRemote;
use super::vars::{task_vars, PlayVars};
use crate::modules::{self, ArgMap, Builtin, ModuleContext, ModuleError, Outcome, RunMode};
use crate::plan::TaskStep;
use crate::report::{HostResult, ItemResult, Status};
use crate::template::{Templar, Vars, OMIT};
use crate::transport::Privilege;
use crate::value::{Map, Value};
use std::time::Duration;

/// What every task run needs besides the host.
pub(crate) struct TaskEnv<'a> {
    pub pv: &'a PlayVars,
    pub reporter: &'a dyn crate::report::Reporter,
    pub templar: &'a Templar,
    pub opts: &'a RunOptions,
}

/// The result of one attempt (one item, or the task when not looping).
struct Attempt {
    status: Status,
    result: Map,
    diff: Option<String>,
}

impl Attempt {
    fn failed(msg: impl Into<String>) -> Attempt {
        let mut result = Map::new();
        result.insert("changed".into(), Value::Bool(false));
        result.insert("msg".into(), Value::Str(msg.into()));
        result.insert("failed".into(), Value::Bool(true));
        Attempt {
            status: Status::Failed,
            result,
            diff: None,
        }
    }

    fn skipped(condition: &str) -> Attempt {
        let mut result = Map::new();
        result.insert("changed".into(), Value::Bool(false));
        result.insert("false_condition".into(), Value::Str(condition.to_owned()));
        result.insert(
            "skip_reason".into(),
            Value::Str("Conditional result was False".into()),
        );
        result.insert("skipped".into(), Value::Bool(true));
        Attempt {
            status: Status::Skipped,
            result,
            diff: None,
        }
    }
}

/// Runs `task` on `st` and returns what the printer and the recap need.
/// Updates the host's registered vars, notifications and counters.
pub(crate) fn run_task(
    env: &TaskEnv<'_>,
    st: &mut HostState,
    task: &TaskStep,
    banner: &str,
) -> HostResult {
    let vars = task_vars(env.pv, st, Some(task));
    let ignore = task
        .ignore_errors
        .as_ref()
        .map(|v| render_bool(env.templar, v, &vars).unwrap_or(false))
        .unwrap_or(false);
    let mut hr = match &task.loop_ {
        None => {
            let a = match first_false(env.templar, &task.when, &vars) {
                Err(e) => Attempt::failed(e),
                Ok(Some(cond)) => Attempt::skipped(&cond),
                Ok(None) => attempt(env, st, task, &vars, banner),
            };
            let mut hr = HostResult::new(&st.name, banner, a.status, a.result);
            hr.diffs.extend(a.diff);
            hr.show_result = matches!(
                task.module.builtin(),
                Some(Builtin::Debug | Builtin::Assert)
            ) && a.status != Status::Skipped;
            hr.debug_output = task.module.builtin() == Some(Builtin::Debug);
            if task.module.builtin() == Some(Builtin::Pause) && hr.status == Status::Ok {
                if let Some(Value::Int(secs)) = hr.result.get("delta") {
                    hr.notice = Some(format!("Pausing for {secs} seconds"));
                }
            }
            hr
        }
        Some(spec) => match control::loop_items(env.templar, spec, &vars) {
            Err(e) => match first_false(env.templar, &task.when, &vars) {
                // Ansible defers a loop that cannot render until its
                // condition says the task runs at all.
                Ok(Some(cond)) => {
                    let a = Attempt::skipped(&cond);
                    HostResult::new(&st.name, banner, a.status, a.result)
                }
                _ => {
                    let a = Attempt::failed(e);
                    HostResult::new(&st.name, banner, a.status, a.result)
                }
            },
            Ok(items) => run_items(env, st, task, &vars, items, banner),
        },
    };
    if hr.status == Status::Failed && ignore {
        hr.ignored = true;
    }
    hr.origin = Some(task.span.clone());
    if task.module.is_action_plugin() {
        hr.failure_kind = "Action failed";
    }
    if let Some(name) = &task.register {
        let mut reg = hr.result.clone();
        if hr.status == Status::Unreachable {
            reg.insert("unreachable".into(), Value::Bool(true));
        }
        st.set_fact(name, Value::Map(reg));
    }
    if hr.status == Status::Changed
        || (hr.status == Status::Failed && hr.result.get("changed") == Some(&Value::Bool(true)))
    {
        for n in &task.notify {
            st.notified.insert(n.clone());
        }
    }
    hr
}

fn run_items(
    env: &TaskEnv<'_>,
    st: &mut HostState,
    task: &TaskStep,
    vars: &Vars,
    items: Vec<Value>,
    banner: &str,
) -> HostResult {
    let loop_var = task.loop_control.loop_var.as_deref().unwrap_or("item");
    let mut results = Vec::with_capacity(items.len());
    let mut item_results = Vec::with_capacity(items.len());
    let (mut any_changed, mut any_failed, mut all_skipped) = (false, false, true);
    for (i, item) in items.into_iter().enumerate() {
        let mut iv = vars.with(loop_var, item.clone());
        if let Some(ix) = &task.loop_control.index_var {
            iv = iv.with(ix, Value::Int(i as i64));
        }
        let a = match first_false(env.templar, &task.when, &iv) {
            Err(e) => Attempt::failed(e),
            Ok(Some(cond)) => Attempt::skipped(&cond),
            Ok(None) => attempt(env, st, task, &iv, banner),
        };
        if a.status == Status::Unreachable {
            return HostResult::new(&st.name, banner, Status::Unreachable, a.result);
        }
        any_changed |= a.status == Status::Changed;
        any_failed |= a.status == Status::Failed;
        all_skipped &= a.status == Status::Skipped;
        let mut r = a.result;
        r.insert(loop_var.to_owned(), item.clone());
        r.insert("ansible_loop_var".into(), Value::Str(loop_var.to_owned()));
        if let Some(ix) = &task.loop_control.index_var {
            r.insert(ix.clone(), Value::Int(i as i64));
            r.insert("ansible_index_var".into(), Value::Str(ix.clone()));
        }
        let label = match &task.loop_control.label {
            Some(l) => env
                .templar
                .render_string(l, &iv)
                .unwrap_or_else(|_| l.clone()),
            None => label_of(&item),
        };
        results.push(Value::Map(r.clone()));
        item_results.push(ItemResult {
            label,
            status: a.status,
            result: r,
        });
        if let Some(p) = task.loop_control.pause {
            std::thread::sleep(Duration::from_secs_f64(p.clamp(0.0, 3600.0)));
        }
    }
    let status = if any_failed {
        Status::Failed
    } else if all_skipped && !item_results.is_empty() {
        Status::Skipped
    } else if any_changed {
        Status::Changed
    } else {
        Status::Ok
    };
    let mut result = Map::new();
    result.insert("changed".into(), Value::Bool(any_changed));
    if any_failed {
        result.insert("failed".into(), Value::Bool(true));
        result.insert("msg".into(), Value::Str("One or more items failed".into()));
    } else {
        result.insert("msg".into(), Value::Str("All items completed".into()));
    }
    result.insert("results".into(), Value::List(results));
    if status == Status::Skipped {
        result.insert("skipped".into(), Value::Bool(true));
    }
    let mut hr = HostResult::new(&st.name, banner, status, result);
    hr.show_result = matches!(
        task.module.builtin(),
        Some(Builtin::Debug | Builtin::Assert)
    );
    hr.debug_output = task.module.builtin() == Some(Builtin::Debug);
    hr.items = item_results;
    hr
}

/// `(item=...)` text: Python's str() of the item.
fn label_of(item: &Value) -> String {
    match item {
        Value::Str(s) | Value::Unsafe(s) | Value::Date(s) => s.clone(),
        other => crate::report::python_repr(other),
    }
}

/// The first condition of `when` that is false, if any.
fn first_false(t: &Templar, when: &[String], vars: &Vars) -> Result<Option<String>, String> {
    for c in when {
        if !t.condition(c, vars).map_err(|e| e.to_string())? {
            return Ok(Some(c.clone()));
        }
    }
    Ok(None)
}

fn all_true(t: &Templar, conds: &[String], vars: &Vars) -> Result<bool, String> {
    Ok(first_false(t, conds, vars)?.is_none())
}

pub(crate) fn render_bool(t: &Templar, v: &Value, vars: &Vars) -> Result<bool, String> {
    let r = t.render_value(v, vars).map_err(|e| e.to_string())?;
    modules::parse_bool(&r).ok_or_else(|| {
        format!(
            "expected a boolean, got `{}`",
            crate::report::python_repr(&r)
        )
    })
}

/// One run of the module (with `until` retries), then `changed_when`
/// and `failed_when`.
fn attempt(
    env: &TaskEnv<'_>,
    st: &mut HostState,
    task: &TaskStep,
    vars: &Vars,
    banner: &str,
) -> Attempt {
    let args = match env
        .templar
        .render_value(&Value::Map(task.args.clone()), vars)
    {
        Ok(Value::Map(m)) => m
            .into_iter()
            .filter(|(_, v)| v.as_str() != Some(OMIT))
            .collect::<Map>(),
        Ok(_) => return Attempt::failed("module arguments must be a mapping"),
        Err(e) => return Attempt::failed(e.to_string()),
    };
    let reg = task.register.as_deref();
    let retries = match &task.until {
        None => 0,
        Some(_) => task
            .retries
            .as_ref()
            .and_then(|r| env.templar.render_value(r, vars).ok())
            .and_then(|v| match v {
                Value::Int(i) => Some(i),
                Value::Str(s) => s.trim().parse().ok(),
                _ => None,
            })
            .unwrap_or(3)
            .clamp(0, 10_000),
    };
    let delay = task
        .delay
        .as_ref()
        .and_then(|d| env.templar.render_value(d, vars).ok())
        .and_then(|v| match v {
            Value::Int(i) => Some(i as f64),
            Value::Float(f) => Some(f),
            Value::Str(s) => s.trim().parse().ok(),
            _ => None,
        })
        .unwrap_or(5.0)
        .clamp(0.0, 3600.0);
    let mut tries = 0;
    let mut a = loop {
        tries += 1;
        let a = once(env, st, task, vars, args.clone());
        let Some(until) = &task.until else { break a };
        if a.status == Status::Unreachable {
            break a;
        }
        let rv = vars.with(reg.unwrap_or("result"), Value::Map(a.result.clone()));
        match all_true(env.templar, until, &rv) {
            Ok(true) => break a,
            Err(e) => break Attempt::failed(e),
            Ok(false)
                if tries > retries
                    || env.opts.cancel.load(std::sync::atomic::Ordering::Relaxed) =>
            {
                // As Ansible: the last attempt's result (its `msg` says
                // what went wrong), failed, and `attempts` = the retry count.
                let mut a = a;
                a.status = Status::Failed;
                a.result.insert("failed".into(), Value::Bool(true));
                tries = retries;
                break a;
            }
            Ok(false) => {
                env.reporter.event(&crate::report::Event::Retrying {
                    host: st.name.clone(),
                    task: banner.to_owned(),
                    retries_left: retries - tries + 1,
                });
                std::thread::sleep(Duration::from_secs_f64(delay));
            }
        }
    };
    if task.until.is_some() {
        a.result.insert("attempts".into(), Value::Int(tries));
    }
    if a.status == Status::Unreachable || a.status == Status::Skipped {
        return a;
    }
    let rv = vars.with(reg.unwrap_or("result"), Value::Map(a.result.clone()));
    if let Some(cw) = &task.changed_when {
        match all_true(env.templar, cw, &rv) {
            Ok(changed) => {
                a.result.insert("changed".into(), Value::Bool(changed));
                if a.status != Status::Failed {
                    a.status = if changed { Status::Changed } else { Status::Ok };
                }
            }
            Err(e) => return Attempt::failed(e),
        }
    }
    if let Some(fw) = &task.failed_when {
        let rv = vars.with(reg.unwrap_or("result"), Value::Map(a.result.clone()));
        match all_true(env.templar, fw, &rv) {
            Ok(true) => {
                a.status = Status::Failed;
                a.result.insert("failed".into(), Value::Bool(true));
                a.result
                    .insert("failed_when_result".into(), Value::Bool(true));
            }
            Ok(false) => {
                let changed = a.result.get("changed") == Some(&Value::Bool(true));
                a.status = if changed { Status::Changed } else { Status::Ok };
                a.result.insert("failed".into(), Value::Bool(false));
                a.result
                    .insert("failed_when_result".into(), Value::Bool(false));
            }
            Err(e) => return Attempt::failed(e),
        }
    }
    a
}

fn once(env: &TaskEnv<'_>, st: &mut HostState, task: &TaskStep, vars: &Vars, args: Map) -> Attempt {
    if let Some(r) = control::run_controller_module(env, st, task, vars, &args) {
        return match r {
            Ok(o) => from_outcome(o),
            Err(e) => Attempt::failed(e),
        };
    }
    let mode = match &task.check_mode {
        Some(v) => match render_bool(env.templar, v, vars) {
            Ok(true) => RunMode::Check,
            Ok(false) => RunMode::Apply,
            Err(e) => return Attempt::failed(e),
        },
        None => env.opts.mode,
    };
    let become_ = match &task.become_.become_ {
        Some(v) => match render_bool(env.templar, v, vars) {
            Ok(b) => b,
            Err(e) => return Attempt::failed(e),
        },
        None => false,
    };
    let environment = match control::environment(env.templar, &task.environment, vars) {
        Ok(e) => e,
        Err(e) => return Attempt::failed(e),
    };
    let use_local = match control::ensure_session(env, st, task.delegate_to.as_ref(), vars) {
        Ok(l) => l,
        Err(msg) => {
            let mut result = Map::new();
            result.insert("changed".into(), Value::Bool(false));
            result.insert("msg".into(), Value::Str(msg));
            result.insert("unreachable".into(), Value::Bool(true));
            return Attempt {
                status: Status::Unreachable,
                result,
                diff: None,
            };
        }
    };
    let timeout =
        (env.opts.command_timeout > 0).then(|| Duration::from_secs(env.opts.command_timeout));
    let slot = if use_local {
        &mut st.local
    } else {
        &mut st.transport
    };
    let Some(transport) = slot.as_deref_mut() else {
        return Attempt::failed("no session");
    };
    let privilege = if become_ {
        Privilege::Become
    } else {
        Privilege::User
    };
    let mut remote = TransportRemote::new(transport)
        .env(environment)
        .privilege(privilege)
        .timeout(timeout);
    let mut ctx = ModuleContext {
        host: &st.name,
        remote: &mut remote,
        mode,
        diff: task.diff.unwrap_or(env.opts.diff),
        search_paths: &task.search_paths,
        templar: env.templar,
        vars,
        probe_cache: &mut st.probe_cache,
        commands: 0,
    };
    let outcome = modules::dispatch(task.module, &mut ArgMap::new(args), &mut ctx);
    st.commands += u64::from(ctx.commands);
    match outcome {
        Ok(o) => {
            // A module that ran on the host registers `failed: false` too,
            // as Ansible's module results do (measured on command/shell).
            let mut a = from_outcome(o);
            if a.status != Status::Skipped && !a.result.contains_key("failed") {
                a.result.insert("failed".into(), Value::Bool(false));
            }
            a
        }
        Err(ModuleError::Transport(e)) if control::is_unreachable(&e) => {
            st.transport = None;
            st.spec = None;
            let mut result = Map::new();
            result.insert("changed".into(), Value::Bool(false));
            result.insert("msg".into(), Value::Str(e.to_string()));
            result.insert("unreachable".into(), Value::Bool(true));
            Attempt {
                status: Status::Unreachable,
                result,
                diff: None,
            }
        }
        Err(e) => Attempt::failed(e.to_string()),
    }
}

fn from_outcome(o: Outcome) -> Attempt {
    let mut result = o.result;
    result.insert("changed".into(), Value::Bool(o.changed));
    let status = if o.failed {
        result.insert("failed".into(), Value::Bool(true));
        Status::Failed
    } else if o.skipped {
        result.insert("skipped".into(), Value::Bool(true));
        Status::Skipped
    } else if o.changed {
        Status::Changed
    } else {
        Status::Ok
    };
    Attempt {
        status,
        result,
        diff: o.diff,
    }
}
