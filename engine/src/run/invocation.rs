//! One task (or loop item) made ready to run on one host: arguments
//! rendered (with `omit` removed) and parsed by the module, check and
//! diff mode, become, connection, environment and timeout decided.
//!
//! The single place both probe batching and execution prepare work:
//! batching prepares the next tasks ahead of time and keeps what it made
//! ([`HostState::prepared`]); execution takes it when no variable changed
//! since ([`HostState::vars_epoch`]), so arguments are rendered once and
//! parsed once.

use super::connection::{self, TargetError};
use super::env::TaskEnv;
use super::eval::{self, render_bool, LoopSettings};
use super::host::HostState;
use super::work::{HostWork, Prepared, Unprepared, Work};
use crate::modules::{ArgMap, RunMode};
use crate::plan::TaskStep;
use crate::playbook::keyword_table::Keyword;
use crate::template::{Vars, OMIT};
use crate::value::{Map, Value};
use std::sync::Arc;
use std::time::Duration;

/// The task's arguments rendered for `vars`, with `omit` removed, then
/// completed from the `module_defaults` in force: the module's own
/// entry, then its groups', each only for arguments still unset (the
/// task's own always win).
pub(crate) fn render_args(env: &TaskEnv<'_>, task: &TaskStep, vars: &Vars) -> Result<Map, String> {
    let mut args = match env
        .templar
        .render_value(&Value::Map(task.args.clone()), vars)
    {
        Ok(Value::Map(mut m)) => {
            // "Arg splat": `assert: '{{ item }}'` on an action that takes
            // no free-form text: the template's mapping is the arguments,
            // and keys under `args:` win.
            if let Some(Value::Map(splat)) = m.get("_raw_params").cloned() {
                if crate::catalog::catalog()
                    .no_raw_params(&task.action)
                    .is_some()
                {
                    m.shift_remove("_raw_params");
                    let mut merged = splat;
                    merged.extend(m);
                    m = merged;
                }
            }
            m
        }
        Ok(_) => return Err("module arguments must be a mapping".into()),
        Err(e) => return Err(e.to_string()),
    };
    task.keywords
        .read(crate::playbook::keyword_table::Keyword::ModuleDefaults);
    task.keywords
        .read(crate::playbook::keyword_table::Keyword::Collections);
    for defaults in crate::plan::module_defaults_for(task.module, &task.module_defaults)
        .into_iter()
        .rev()
    {
        match env.templar.render_value(defaults, vars) {
            Ok(Value::Map(m)) => {
                for (k, v) in m {
                    args.entry(k).or_insert(v);
                }
            }
            Ok(Value::Null) => {}
            Ok(other) => {
                return Err(format!(
                    "module_defaults for `{}` must be a dictionary, got {}",
                    task.module.as_str(),
                    other.type_name()
                ))
            }
            Err(e) => return Err(e.to_string()),
        }
    }
    Ok(args
        .into_iter()
        .filter(|(_, v)| v.as_str() != Some(OMIT))
        .collect())
}

/// Prepares `task` for `st` with `vars` (the item's, in a loop).
pub(crate) fn prepare(
    env: &TaskEnv<'_>,
    st: &HostState,
    task: &TaskStep,
    vars: &Vars,
) -> Result<Work, Unprepared> {
    let args = render_args(env, task, vars).map_err(Unprepared::Args)?;
    if task.module.host_impl().is_none() {
        return Ok(Work::Controller(args));
    }
    let failed = Unprepared::Failed;
    for k in [Keyword::CheckMode, Keyword::Diff, Keyword::Environment] {
        task.keywords.read(k);
    }
    let mode = match &task.check_mode {
        Some(v) => match render_bool(env.templar, v, vars).map_err(failed)? {
            true => RunMode::Check,
            false => RunMode::Apply,
        },
        None => env.opts.mode,
    };
    let environment = eval::environment(env.templar, &task.environment, vars).map_err(failed)?;
    let target = connection::target(env, st, task, vars).map_err(|e| match e {
        TargetError::Failed(m) => Unprepared::Failed(m),
    })?;
    let timeout =
        (env.opts.command_timeout > 0).then(|| Duration::from_secs(env.opts.command_timeout));
    Ok(Work::Host(Box::new(HostWork {
        module: task
            .module
            .parse(&task.action, ArgMap::new(args))
            .expect("a module with a host implementation parses"),
        mode,
        diff: task.diff.unwrap_or(env.opts.diff),
        environment,
        target,
        timeout,
    })))
}

/// The vars of item `index` of `items`.
pub(crate) fn item_vars(ls: &LoopSettings, vars: &Vars, index: usize, items: &[Value]) -> Vars {
    let mut iv = vars.clone();
    for (k, v) in eval::loop_keys(ls, index, items) {
        iv = iv.with(&k, v);
    }
    iv
}

/// Prepares `task` ahead of time: its loop items and one invocation per
/// item. `None` when the loop does not render (left to the run to report).
pub(crate) fn prepare_ahead(
    env: &TaskEnv<'_>,
    st: &HostState,
    task: &Arc<TaskStep>,
    vars: &Vars,
) -> Option<Prepared> {
    let epoch = st.vars_epoch();
    let (items, invocations) = match &task.loop_ {
        None => (None, vec![Some(prepare(env, st, task, vars))]),
        Some(spec) => {
            let items = eval::loop_items(env.templar, spec, vars).ok()?;
            let ls = eval::loop_settings(env.templar, &task.loop_control, vars).ok()?;
            let invocations = (0..items.len())
                .map(|i| Some(prepare(env, st, task, &item_vars(&ls, vars, i, &items))))
                .collect();
            (Some(items), invocations)
        }
    };
    Some(Prepared {
        task: task.clone(),
        epoch,
        items,
        invocations,
    })
}

/// Identity of a task within this run (plans are not rebuilt mid-run).
pub(crate) fn task_id(t: &TaskStep) -> usize {
    t as *const TaskStep as usize
}

/// The loop items prepared ahead for `task`, when still valid.
pub(crate) fn prepared_items(st: &HostState, task: &TaskStep) -> Option<Vec<Value>> {
    let p = st.prepared.get(&task_id(task))?;
    p.valid_for(st.vars_epoch(), task)
        .then(|| p.items.clone())
        .flatten()
}

/// Takes the invocation prepared ahead for item `index` of `task` (0
/// without a loop), or prepares it now.
pub(crate) fn take_or_prepare(
    env: &TaskEnv<'_>,
    st: &mut HostState,
    task: &TaskStep,
    index: usize,
    vars: &Vars,
) -> Result<Work, Unprepared> {
    let epoch = st.vars_epoch();
    if let Some(p) = st.prepared.get_mut(&task_id(task)) {
        if p.valid_for(epoch, task) {
            if let Some(w) = p.invocations.get_mut(index).and_then(Option::take) {
                return w;
            }
        }
    }
    prepare(env, st, task, vars)
}
