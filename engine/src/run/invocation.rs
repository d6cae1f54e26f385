//! One task (or loop item) made ready to run on one host: arguments
//! rendered (with `omit` removed) and parsed by the module, check and
//! diff mode, become, connection, environment and timeout decided.
//!
//! The single place both the lookahead of probe batching (on a copy of
//! the host's variables) and execution prepare work.

use super::connection::{self, TargetError};
use super::env::TaskEnv;
use super::eval::{self, render_bool, LoopSettings};
use super::host::HostState;
use super::work::{HostWork, Unprepared, Work};
use crate::modules::{ArgMap, RunMode};
use crate::plan::TaskStep;
use crate::playbook::keyword_table::Keyword;
use crate::template::{Vars, OMIT};
use crate::value::{Map, Value};
use std::time::Duration;

/// The task's arguments rendered for `vars`, with `omit` removed, then
/// completed from the `module_defaults` in force: the module's own
/// entry, then its groups', each only for arguments still unset (the
/// task's own always win).
pub(crate) fn render_args(env: &TaskEnv<'_>, task: &TaskStep, vars: &Vars) -> Result<Map, String> {
    let mut raw = task.args.clone();
    // `assert`'s `that` holds conditionals, which are never templated as
    // arguments (ansible-core's `finalize_task_arg` for assert): only a
    // string that is wholly one template is resolved, and used when it
    // gives a list.
    let that = if task.module.builtin() == Some(crate::modules::Builtin::Assert) {
        raw.shift_remove("that").map(|v| assert_that(env, v, vars))
    } else {
        None
    };
    let mut args = match env.templar.render_value(&Value::Map(raw), vars) {
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
    if let Some(that) = that {
        args.insert("that".into(), that);
    }
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

/// `assert`'s `that` as ansible-core 2.19 finalizes it: left as written,
/// except a string that is one whole template and resolves to a list.
fn assert_that(env: &TaskEnv<'_>, that: Value, vars: &Vars) -> Value {
    let whole = that
        .as_str()
        .is_some_and(|s| crate::template::is_lone_expression(s.trim()));
    if whole {
        if let Ok(list @ Value::List(_)) = env.templar.render_value(&that, vars) {
            return list;
        }
    }
    that
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
    if task.module.as_str() == "gather_facts" {
        super::facts_modules::check(env.templar, vars).map_err(failed)?;
    }
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
    let mut module = task
        .module
        .parse(&task.action, ArgMap::new(args))
        .expect("a module with a host implementation parses");
    if declared_read_only(task) {
        if let Ok(m) = &mut module {
            m.read_only();
        }
    }
    Ok(Work::Host(Box::new(HostWork {
        module,
        mode,
        diff: task.diff.unwrap_or(env.opts.diff),
        environment,
        target,
        timeout,
    })))
}

/// Whether the task says, as written, that it changes nothing and is safe
/// to run in check mode: `changed_when: false` and `check_mode: false`,
/// the way Ansible playbooks mark a command that only reads. Such a
/// command may be answered from a batch read ahead of time.
pub(crate) fn declared_read_only(task: &TaskStep) -> bool {
    let never_changes = task
        .changed_when
        .as_ref()
        .is_some_and(|c| !c.is_empty() && c.iter().all(|e| e == "False"));
    never_changes && task.check_mode == Some(Value::Bool(false))
}

/// The vars of item `index` of `items`.
pub(crate) fn item_vars(ls: &LoopSettings, vars: &Vars, index: usize, items: &[Value]) -> Vars {
    let mut iv = vars.clone();
    for (k, v) in eval::loop_keys(ls, index, items) {
        iv = iv.with(&k, v);
    }
    iv
}

/// Identity of a task within this run (plans are not rebuilt mid-run).
pub(crate) fn task_id(t: &TaskStep) -> usize {
    t as *const TaskStep as usize
}
