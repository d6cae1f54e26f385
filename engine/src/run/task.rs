//! Running one task on one host: conditions, loops, retries, the module,
//! `changed_when`/`failed_when`, `register`, notifications.

use super::actions;
use super::ahead;
use super::async_job;
use super::connection::{self, delegate_of, fact_owner};
use super::env::TaskEnv;
use super::eval::{
    all_true, first_false, keyword_int, loop_items, loop_keys, loop_settings, no_log, render_bool,
    render_f64, render_int,
};
use super::host::{FactWrite, HostState};
use super::invocation::{item_vars, prepare, task_id};
use super::piggyback::Piggyback;
use super::probe_cache::ProbeContext;
use super::remote::TransportRemote;
use super::result::{loop_result, registered, Ending, ItemRun, Presentation, TaskResult, TaskRun};
use super::vars::task_vars;
use super::work::{Deadline, HostWork, Unprepared, Work};
use crate::modules::{Builtin, ModuleContext, ModuleError};
use crate::plan::TaskStep;
use crate::playbook::keyword_table::Keyword;
use crate::template::Vars;
use crate::value::Value;
use std::time::Duration;

/// Runs `task` on `st`. Updates the host's registered vars and
/// notifications; the caller reports and counts the result.
pub(crate) fn run_task(
    env: &TaskEnv<'_>,
    st: &mut HostState,
    task: &TaskStep,
    banner: &str,
) -> TaskRun {
    // Facts other hosts' tasks gave this one (the `free` strategy has no
    // common point where the walk could hand them over).
    st.absorb();
    let mut vars = task_vars(env.pv, st, Some(task));
    if let Some(dv) = connection::delegated_vars(env, &st.name, task, &vars) {
        vars = vars.with("ansible_delegated_vars", dv);
    }
    let used = &task.keywords;
    for k in [
        Keyword::When,
        Keyword::IgnoreErrors,
        Keyword::Loop,
        Keyword::WithLookup,
        Keyword::LoopControl,
        Keyword::Register,
        Keyword::Notify,
    ] {
        // Each is applied below (or, for `loop_control`, per item).
        used.read(k);
    }
    let ignore = task
        .ignore_errors
        .as_ref()
        .map(|v| render_bool(env.templar, v, &vars).unwrap_or(false))
        .unwrap_or(false);
    let builtin = task.module.builtin();
    // Whom each result's facts belong to (`delegate_facts`): the whole
    // task's, or each item's.
    let mut owners: Vec<Option<String>> = Vec::new();
    let mut run = match &task.loop_ {
        None => {
            let owner = fact_owner(env, task, &vars);
            let r = run_or_skip(env, st, task, &vars, &owner, banner);
            owners.push(owner.unwrap_or(None));
            let mut run = TaskRun::single(r);
            let p = &mut run.presentation;
            // `assert` asks for its result to be shown unless `quiet`; a
            // task that failed before its action ran (a timeout, async
            // refused) shows its result on one line, as Ansible does.
            let verbose_always = run
                .result
                .data
                .shift_remove("_ansible_verbose_always")
                .is_some();
            p.show_result = (builtin == Some(Builtin::Debug) || verbose_always)
                && run.result.ending != Ending::Skipped
                && !run.result.blame.is_task();
            p.debug_output = builtin == Some(Builtin::Debug);
            if builtin == Some(Builtin::Pause) && run.result.status() == crate::report::Status::Ok {
                if let Some(Value::Int(secs)) = run.result.data.get("delta") {
                    p.notice = Some(format!("Pausing for {secs} seconds"));
                }
            }
            run
        }
        Some(spec) => {
            let items = loop_items(env.templar, spec, &vars);
            match items {
                // Ansible defers a loop that cannot render until its
                // condition says the task runs at all.
                Err(e) => match first_false(env.templar, &task.when, &vars) {
                    Ok(Some(cond)) => TaskRun::single(TaskResult::skipped(cond)),
                    _ => TaskRun::single(TaskResult::failed(e)),
                },
                Ok(items) => run_items(env, st, task, &vars, items, banner, &mut owners),
            }
        }
    };
    if run.result.ending == Ending::Failed && ignore {
        run.ignored = true;
    }
    if run.result.ending == Ending::Unreachable {
        // `ignore_unreachable`: counted ok + ignored, the host stays.
        run.ignored = task
            .ignore_unreachable
            .as_ref()
            .is_some_and(|v| render_bool(env.templar, v, &vars).unwrap_or(false));
    }
    run.presentation.origin = Some(task.span.clone());
    // A skipped result names no delegate (`skipping: [h1]`), as in Ansible.
    if task.loop_.is_none() && run.result.ending != Ending::Skipped {
        run.presentation.delegated_to = delegate_of(env, &st.name, task, &vars);
    }
    task.keywords.read(Keyword::NoLog);
    run.presentation.no_log = no_log(env.templar, task, &vars);
    run.presentation.action_plugin = task.module.is_action_plugin();
    if task.module.host_impl().is_some() {
        merge_facts(st, &run, &owners);
        // As ansible-core's `gather_facts` action marks the facts it
        // returns (`_ansible_facts_gathered`), for `gathering = smart`.
        if task.module.as_str() == "gather_facts"
            && run.result.ending == Ending::Ran
            && run.result.status() != crate::report::Status::Failed
            && owners.first().is_none_or(Option::is_none)
        {
            st.facts_gathered = true;
        }
    }
    if let Some(name) = &task.register {
        st.set_fact(name, registered(run.result.to_map()));
    }
    if run.result.changed && matches!(run.result.ending, Ending::Ran | Ending::Failed) {
        for n in &task.notify {
            st.notified.insert(n.clone());
        }
    }
    run
}

/// The task (or one loop item) for `vars`: skipped when a `when`
/// condition is false, failed when `delegate_facts` could not say whose
/// facts it returns (`owner`), else attempted.
fn run_or_skip(
    env: &TaskEnv<'_>,
    st: &mut HostState,
    task: &TaskStep,
    vars: &Vars,
    owner: &Result<Option<String>, String>,
    banner: &str,
) -> TaskResult {
    match first_false(env.templar, &task.when, vars) {
        Err(e) => TaskResult::failed(e),
        Ok(Some(cond)) => TaskResult::skipped(cond),
        Ok(None) if task.reach_error.is_some() => {
            TaskResult::task_error(task.reach_error.as_deref().unwrap_or_default())
        }
        Ok(None) => match owner {
            Err(e) => TaskResult::task_error(e),
            Ok(_) => attempt(env, st, task, vars, banner),
        },
    }
}

/// The `ansible_facts` of a host module's result (of each item in a
/// loop) become the facts of the host they belong to (`owners`: the
/// result's, then each item's; `None` is this host), unless the result
/// failed or skipped.
fn merge_facts(st: &mut HostState, run: &TaskRun, owners: &[Option<String>]) {
    let (whole, items) = match run.items.len() {
        0 => (owners.first().cloned().flatten(), &[][..]),
        _ => (None, owners),
    };
    let results = std::iter::once((&run.result, whole)).chain(
        run.items
            .iter()
            .map(|i| &i.result)
            .zip(items.iter().cloned()),
    );
    let facts: Vec<(crate::value::Map, Option<String>)> = results
        .filter(|(r, _)| r.ending == Ending::Ran)
        .filter_map(|(r, owner)| match r.data.get("ansible_facts") {
            Some(Value::Map(m)) => Some((m.clone(), owner)),
            _ => None,
        })
        .collect();
    for (f, owner) in facts {
        match owner {
            Some(o) => st.outbox.push((o, FactWrite::Module(f))),
            None => st.add_module_facts(&f),
        }
    }
}

fn run_items(
    env: &TaskEnv<'_>,
    st: &mut HostState,
    task: &TaskStep,
    vars: &Vars,
    items: Vec<Value>,
    banner: &str,
    owners: &mut Vec<Option<String>>,
) -> TaskRun {
    let ls = match loop_settings(env.templar, &task.loop_control, vars) {
        Ok(ls) => ls,
        Err(e) => return TaskRun::single(TaskResult::task_error(&e)),
    };
    let mut runs: Vec<ItemRun> = Vec::with_capacity(items.len());
    let clean_facts = matches!(
        task.module.builtin(),
        Some(Builtin::SetFact | Builtin::IncludeVars)
    );
    let mut carried: Vec<(String, Value)> = Vec::new();
    // What the last item's apply carries: the next task's probes.
    let after_loop = st.piggyback.take();
    // On a converged host too: probes ride only on an apply, and once an
    // item applies, the next item's cached answers are stale anyway.
    let changing = env.opts.probe_batching && env.opts.apply_batching;
    st.ahead.clear();
    for i in 0..items.len() {
        // `pause` waits between items, not before the first.
        if i > 0 && ls.pause > 0.0 {
            std::thread::sleep(Duration::from_secs_f64(ls.pause));
        }
        st.piggyback = match i + 1 < items.len() {
            true if changing => next_item(env, st, task, &ls, vars, i + 1, &items),
            true => None,
            false => after_loop.clone(),
        };
        // The next items' applies ride on this one's when their decisions
        // can be made now (see `ahead.rs`); they need no probes then.
        st.ahead.item = Some(i);
        st.ahead.plan = None;
        if env.opts.apply_batching && st.ahead.applied.is_empty() && i + 1 < items.len() {
            st.ahead.plan = ahead::plan(env, st, task, &ls, vars, i + 1, &items);
            if st.ahead.plan.is_some() {
                st.piggyback = None;
            }
        }
        let mut iv = item_vars(&ls, vars, i, &items);
        // Ansible registers each item's result as it goes: later items,
        // their labels and `break_when` see the previous one.
        if let (Some(reg), Some(prev)) = (&task.register, runs.last()) {
            iv = iv.with(reg, registered(prev.to_map()));
        }
        let owner = fact_owner(env, task, &iv);
        // So do the variables an earlier item's `set_fact`/`include_vars`
        // set (ansible-core updates the loop's task vars with them, unless
        // they went to a delegate).
        for (k, v) in &carried {
            iv = iv.with(k, v.clone());
        }
        let mut r = run_or_skip(env, st, task, &iv, &owner, banner);
        if r.ending == Ending::Unreachable {
            // Ansible tries every item (each reconnects); the loop's
            // results keep the traceback marker its callback hides on
            // the item line.
            r.data
                .entry("exception".to_owned())
                .or_insert_with(|| Value::Str("(traceback unavailable)".into()));
        }
        if clean_facts && r.ending == Ending::Ran && matches!(owner, Ok(None)) {
            if let Some(Value::Map(facts)) = r.data.get("ansible_facts") {
                carried.extend(facts.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
        }
        let loop_keys = loop_keys(&ls, i, &items);
        let mut item = ItemRun {
            label: label_of(&items[i]),
            result: r.clone(),
            loop_keys,
            delegated_to: match r.ending {
                Ending::Skipped => None,
                _ => delegate_of(env, &st.name, task, &iv),
            },
        };
        let after = match &task.register {
            Some(reg) => iv.with(reg, registered(item.to_map())),
            None => iv,
        };
        if let Some(l) = &task.loop_control.label {
            match env.templar.render_string(l, &after) {
                Ok(label) => item.label = label,
                Err(e) => {
                    r.fail();
                    r.set(
                        "msg",
                        Value::Str(format!("Failed to template loop_control.label: {e}")),
                    );
                    item.result = r;
                }
            }
        }
        owners.push(owner.unwrap_or(None));
        runs.push(item);
        if !task.loop_control.break_when.is_empty() {
            match all_true(env.templar, &task.loop_control.break_when, &after) {
                Ok(true) => break,
                Ok(false) => {}
                Err(e) => return TaskRun::single(TaskResult::failed(e)),
            }
        }
    }
    // Every item sent ahead was taken by its item (the decision that sent
    // it is the one the item made), unless the host could not be reached
    // when the item's turn came (reported so).
    st.ahead.clear();
    let builtin = task.module.builtin();
    let mut verbose_always = false;
    for r in &mut runs {
        verbose_always |= r
            .result
            .data
            .shift_remove("_ansible_verbose_always")
            .is_some();
    }
    TaskRun {
        result: loop_result(&runs),
        items: runs,
        ignored: false,
        presentation: Presentation {
            show_result: builtin == Some(Builtin::Debug) || verbose_always,
            debug_output: builtin == Some(Builtin::Debug),
            ..Presentation::default()
        },
    }
}

/// The probes of item `i` of a loop, to ride on the apply of the item
/// before it (see `piggyback.rs`): `None` when its condition or arguments
/// read what the item before will register, or it has none.
fn next_item(
    env: &TaskEnv<'_>,
    st: &HostState,
    task: &TaskStep,
    ls: &super::eval::LoopSettings,
    vars: &Vars,
    i: usize,
    items: &[Value],
) -> Option<Piggyback> {
    // A module whose apply may travel ahead (see `ahead.rs`) gets the
    // probes of the items after too: the next item decides their applies
    // from them and sends them with its own.
    let upto = match task.module.final_apply() {
        true => items.len().min(i + ahead::MAX_ITEMS),
        false => i + 1,
    };
    let mut carried: Option<(ProbeContext, Vec<String>)> = None;
    for j in i..upto {
        let iv = item_vars(ls, vars, j, items);
        match first_false(env.templar, &task.when, &iv) {
            Ok(None) => {}
            Ok(Some(_)) if j > i => continue,
            _ => break,
        }
        if no_log(env.templar, task, &iv) {
            break;
        }
        let Ok(Work::Host(w)) = prepare(env, st, task, &iv) else {
            break;
        };
        let Ok(module) = w.module.as_ref() else {
            break;
        };
        let context = ProbeContext {
            spec: w.target.spec.clone(),
            privilege: w.target.privilege,
            environment: w.environment.clone(),
        };
        match &mut carried {
            None => carried = Some((context, module.probes())),
            Some((c, probes)) if *c == context => {
                for p in module.probes() {
                    if !probes.contains(&p) {
                        probes.push(p);
                    }
                }
            }
            Some(_) => break,
        }
    }
    let (context, probes) = carried?;
    Piggyback::new(context, probes, false)
}

/// `(item=...)` text: Python's str() of the item.
fn label_of(item: &Value) -> String {
    match item {
        Value::Str(s) | Value::Unsafe(s) | Value::Date(s) => s.clone(),
        other => crate::report::python_repr(other),
    }
}

/// One run of the module (with `until` retries), then `changed_when`
/// and `failed_when`, for `vars` (an item's, in a loop).
fn attempt(
    env: &TaskEnv<'_>,
    st: &mut HostState,
    task: &TaskStep,
    vars: &Vars,
    banner: &str,
) -> TaskResult {
    let timeout = match task_timeout(env, task, vars) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let background = match async_job::spec(env.templar, task, vars) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let work = match prepare(env, st, task, vars) {
        Err(Unprepared::Args(m)) => return TaskResult::failed(m),
        other => other,
    };
    let reg = task.register.as_deref();
    for k in [
        Keyword::Until,
        Keyword::Retries,
        Keyword::Delay,
        Keyword::ChangedWhen,
        Keyword::FailedWhen,
    ] {
        task.keywords.read(k);
    }
    let retries = match &task.until {
        None => 0,
        Some(_) => task
            .retries
            .as_ref()
            .and_then(|r| render_int(env.templar, r, vars))
            .unwrap_or(3)
            .clamp(0, 10_000),
    };
    let delay = task
        .delay
        .as_ref()
        .and_then(|d| render_f64(env.templar, d, vars))
        .unwrap_or(5.0)
        .clamp(0.0, 3600.0);
    let mut tries = 0;
    let mut r = loop {
        tries += 1;
        let deadline = timeout.map(Deadline::after);
        let r = match (&work, background) {
            // The job gets a fresh invocation of its own (it outlives this
            // attempt); Ansible's alarm does not cover the polling.
            (Ok(_), Some(b)) => async_job::run(env, st, task, vars, b),
            (Ok(w), None) => once(env, st, task, w, vars, deadline),
            (Err(Unprepared::Failed(m) | Unprepared::Args(m)), _) => TaskResult::failed(m.clone()),
        };
        if r.blame.is_task() {
            // A timeout ends the task at once: no retry, no
            // `changed_when`/`failed_when`, no `attempts` (as Ansible's
            // alarm raises out of its retry loop).
            return r;
        }
        let mut r = r;
        // `attempts` is there for changed_when/failed_when already.
        if task.until.is_some() {
            r.set("attempts", Value::Int(tries));
        }
        if !matches!(r.ending, Ending::Unreachable | Ending::Skipped) {
            post_conditions(env, task, vars, reg, &mut r);
        }
        let Some(until) = &task.until else { break r };
        if r.ending == Ending::Unreachable {
            break r;
        }
        let rv = vars.with(reg.unwrap_or("result"), Value::Map(r.to_map()));
        match all_true(env.templar, until, &rv) {
            Ok(true) => break r,
            Err(e) => break TaskResult::failed(e),
            Ok(false)
                if tries > retries
                    || env.opts.cancel.load(std::sync::atomic::Ordering::Relaxed) =>
            {
                // As Ansible: the last attempt's result (its `msg` says
                // what went wrong), failed, and `attempts` = the retry count;
                // but a `failed_when` verdict decides whether the task
                // failed (Ansible's `TaskResult.is_failed` reads
                // `failed_when_result` first).
                let mut r = r;
                if !r.data.contains_key("failed_when_result") {
                    r.fail();
                }
                tries = retries;
                break r;
            }
            Ok(false) => {
                // The next attempt must see the host as it is then, not
                // as a batch read it earlier.
                st.probe_cache.clear();
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
        r.set("attempts", Value::Int(tries));
    }
    r
}

/// `changed_when` then `failed_when` applied to one attempt's result, as
/// the run applies them (the lookahead simulates tasks with it).
pub(crate) fn judge(env: &TaskEnv<'_>, task: &TaskStep, vars: &Vars, r: TaskResult) -> TaskResult {
    let mut r = r;
    if !matches!(r.ending, Ending::Unreachable | Ending::Skipped) {
        post_conditions(env, task, vars, task.register.as_deref(), &mut r);
    }
    r
}

/// `changed_when`, then `failed_when`, on one attempt's result, as
/// ansible-core 2.19's task executor does (before `until` sees it): a
/// false `failed_when` moves the module's `exception` to
/// `failed_when_suppressed_exception`; a condition that does not evaluate
/// fails the task, keeps the module's result, and records the error as
/// `changed_when_result` / `failed_when_result`.
fn post_conditions(
    env: &TaskEnv<'_>,
    task: &TaskStep,
    vars: &Vars,
    reg: Option<&str>,
    r: &mut TaskResult,
) {
    let mut which = "changed";
    let mut evaluate = |r: &mut TaskResult| -> Result<(), String> {
        if let Some(cw) = &task.changed_when {
            let rv = vars.with(reg.unwrap_or("result"), Value::Map(r.to_map()));
            r.changed = all_true(env.templar, cw, &rv)?;
        }
        which = "failed";
        if let Some(fw) = &task.failed_when {
            let rv = vars.with(reg.unwrap_or("result"), Value::Map(r.to_map()));
            let failed = all_true(env.templar, fw, &rv)?;
            r.set("failed_when_result", Value::Bool(failed));
            if failed {
                r.fail();
            } else {
                r.ending = Ending::Ran;
                r.reports_failed = true;
                if let Some(e) = r.data.shift_remove("exception") {
                    r.set("failed_when_suppressed_exception", e);
                }
            }
        }
        Ok(())
    };
    if let Err(e) = evaluate(r) {
        r.fail();
        r.set(&format!("{which}_when_result"), Value::Str(e));
    }
}

/// The task's `timeout:` in seconds for `vars`: `None` for none (unset
/// or 0); `Err` with the failed result when it does not validate, worded
/// as Ansible words it.
fn task_timeout(
    env: &TaskEnv<'_>,
    task: &TaskStep,
    vars: &Vars,
) -> Result<Option<i64>, TaskResult> {
    const MAX: i64 = 100_000_000;
    task.keywords.read(Keyword::Timeout);
    let Some(v) = &task.timeout else {
        return Ok(None);
    };
    match keyword_int(env.templar, "timeout", v, vars) {
        Err(e) => Err(TaskResult::task_error(&e)),
        Ok(Some(n)) if !(0..=MAX).contains(&n) => Err(TaskResult::task_error(&format!(
            "Timeout {n} is invalid, it must be between 0 and {MAX}."
        ))),
        Ok(n) => Ok(n.filter(|n| *n > 0)),
    }
}

/// Runs the prepared work once, within `deadline` when the task has a
/// `timeout:`.
fn once(
    env: &TaskEnv<'_>,
    st: &mut HostState,
    task: &TaskStep,
    work: &Work,
    vars: &Vars,
    deadline: Option<Deadline>,
) -> TaskResult {
    let r = match work {
        Work::Controller(args) => {
            let Some(b) = task.module.builtin() else {
                return TaskResult::failed(
                    crate::modules::ModuleError::Unsupported(task.module.as_str()).to_string(),
                );
            };
            let until = deadline.map(|d| d.at);
            match actions::run(b, env, st, task, vars, args, until) {
                Ok(o) => TaskResult::from_outcome(o, false),
                Err(e) => TaskResult::failed(e),
            }
        }
        Work::Host(w) => on_host(env, st, task, w, vars, deadline),
    };
    match deadline {
        // Ansible's alarm fires whatever the module was doing; here every
        // command was cut at the deadline, so the attempt ends there too.
        Some(d) if d.passed() && r.ending != Ending::Unreachable => TaskResult::timed_out(d.secs),
        _ => r,
    }
}

fn on_host(
    env: &TaskEnv<'_>,
    st: &mut HostState,
    task: &TaskStep,
    w: &HostWork,
    vars: &Vars,
    deadline: Option<Deadline>,
) -> TaskResult {
    if w.mode == crate::modules::RunMode::Check
        && task.module.host_impl().is_some_and(|h| !h.check_mode)
    {
        let mut o = crate::modules::Outcome::ok()
            .with("failed", Value::Bool(false))
            .with(
                "msg",
                format!(
                    "remote module ({}) does not support check mode",
                    task.action
                ),
            );
        o.skipped = true;
        return TaskResult::from_outcome(o, true);
    }
    st.meter.set_no_log(no_log(env.templar, task, vars));
    let piggyback = st.piggyback.take();
    let mut transport = match connection::session(env, &mut st.sessions, &st.meter, &w.target.spec)
    {
        Ok(t) => t,
        Err(e) => return TaskResult::unreachable_by(&e, &w.target.spec),
    };
    let module = match &w.module {
        Ok(m) => m,
        Err(e) => return TaskResult::failed(e.to_string()),
    };
    let context = ProbeContext {
        spec: w.target.spec.clone(),
        privilege: w.target.privilege,
        environment: w.environment.clone(),
    };
    let carried = piggyback
        .filter(|p| p.context == context)
        .map(|p| p.probes)
        .unwrap_or_default();
    // This loop item's apply, sent ahead with the item before it: its
    // probes get what the host answered right before it ran.
    let pre = st.ahead.item.and_then(|i| st.ahead.take(task, &context, i));
    if let Some(a) = &pre {
        if st.ahead.stamp == st.meter.stamp() {
            st.probe_cache
                .insert(&context, a.answers.clone(), &st.meter);
        }
    }
    let steps = st
        .ahead
        .plan
        .take()
        .filter(|c| c.context == context && pre.is_none())
        .map(|c| c.steps)
        .unwrap_or_default();
    let mut remote = TransportRemote::new(&mut transport)
        .env(w.environment.clone())
        .privilege(w.target.privilege)
        .timeout(w.timeout)
        .deadline(deadline.map(|d| d.at))
        .meter(&st.meter)
        .piggyback(carried)
        .ahead(steps);
    if let Some(a) = pre {
        remote = remote.preapplied(a.script, a.output);
    }
    let mut ctx = ModuleContext {
        host: &st.name,
        remote: &mut remote,
        mode: w.mode,
        diff: w.diff,
        search_paths: &task.search_paths,
        templar: env.templar,
        vars,
        probe_cache: st.probe_cache.answers(
            &w.target.spec,
            w.target.privilege,
            &w.environment,
            &st.meter,
        ),
        commands: 0,
    };
    let mut outcome = module.run(&mut ctx);
    let applied = remote.take_applied();
    if !applied.is_empty() {
        st.ahead.owner = Some((task_id(task), context.clone()));
        st.ahead.applied = applied.into();
    }
    st.ahead.stamp = st.meter.stamp();
    if remote.preapplied_unused() && outcome.is_ok() {
        outcome = Err(ModuleError::Ahead(
            "internal error: this loop item's apply was sent ahead of it, \
             and the module did not ask for it"
                .into(),
        ));
    }
    if let Some((stamp, answers)) = remote.take_answers() {
        // Read after the last write, and nothing written since.
        if stamp == st.meter.stamp() {
            st.probe_cache.insert(&context, answers, &st.meter);
        }
    }
    match outcome {
        Ok(mut o) => {
            // A module's `fail_json` in ansible-core 2.19 always carries
            // `exception` (the callback hides it); action plugins' own
            // failures do not.
            if o.failed && !task.module.is_action_plugin() {
                o.result
                    .entry("exception".to_owned())
                    .or_insert_with(|| Value::Str("(traceback unavailable)".into()));
            }
            TaskResult::from_outcome(o, true)
        }
        Err(ModuleError::Transport(e)) if e.is_unreachable() => {
            connection::drop_session(st, &w.target.spec);
            TaskResult::unreachable_by(&e, &w.target.spec)
        }
        // Becoming the user failed: the task's error, not the module's
        // (ansible-core: `Task failed: ...` with no `Module failed`).
        Err(ModuleError::Transport(e @ crate::transport::TransportError::Become { .. })) => {
            TaskResult::task_error(&e.to_string())
        }
        Err(e) => TaskResult::failed(e.to_string()),
    }
}
