//! Dynamic `include_tasks` / `include_role`: evaluated per host at run
//! time (its `when`, its `loop` with `vars`), grouped by what was
//! included, and compiled; the walker (`walk.rs`) runs the steps.

use super::env::TaskEnv;
use super::eval::{all_true, loop_items, loop_keys, loop_settings};
use super::host::{HostState, Standing};
use super::result::{Ending, TaskResult, TaskRun};
use super::vars::task_vars;
use crate::plan::IncludeStep;
use crate::report::Event;
use crate::value::{Map, Value};
use std::collections::HashSet;

/// One expansion: a file and the parameters its tasks see.
#[derive(Clone, PartialEq)]
pub(crate) struct Expansion {
    file: String,
    /// A role's `tasks_from` and friends, rendered.
    from: crate::playbook::RoleFrom,
    params: Map,
    label: Option<String>,
}

/// The banner of an include task. An `include_role` is named without the
/// role it is in (ansible-core's `IncludeRole.get_name`), an unnamed one
/// after the role it includes.
pub(crate) fn banner(inc: &IncludeStep) -> String {
    let t = &inc.task;
    match (&t.name, inc.is_role) {
        (Some(name), true) => name.clone(),
        (None, true) => format!("{} : {}", t.action, inc.target),
        _ => t.banner(None),
    }
}

fn report(env: &TaskEnv<'_>, st: &mut HostState, banner: &str, result: TaskResult) {
    match result.ending {
        Ending::Failed => {
            st.standing = Standing::Failed { rescuable: false };
            st.stats.failed += 1;
        }
        _ => st.stats.skipped += 1,
    }
    let run = TaskRun::single(result);
    env.reporter
        .event(&Event::HostResult(Box::new(run.event(&st.name, banner))));
}

/// Expands `inc` for the hosts in `who` (in inventory order), reports
/// every expansion (Ansible reports them all before running any), and
/// returns them with the hosts that included each.
///
/// Grouping is Ansible's (`IncludedFile.process_include_results`): an
/// expansion joins the first equal one (same file and parameters) that
/// does not have its host yet; a host including the same thing twice (a
/// loop with a repeated item) gets a second entry, which runs again.
pub(crate) fn expand_all(
    env: &TaskEnv<'_>,
    inc: &IncludeStep,
    batch: &mut [HostState],
    who: &HashSet<String>,
    banner: &str,
) -> Vec<(Expansion, Vec<String>)> {
    let mut groups: Vec<(String, Expansion, Vec<String>)> = Vec::new();
    for st in batch.iter_mut().filter(|s| who.contains(&s.name)) {
        match expand(env, inc, st) {
            Err(msg) => report(
                env,
                st,
                banner,
                TaskResult::include(Ending::Failed, Some(msg)),
            ),
            Ok(None) => report(env, st, banner, TaskResult::include(Ending::Skipped, None)),
            Ok(Some(exps)) => {
                for e in exps {
                    st.stats.ok += 1;
                    let key = format!(
                        "{}\u{0}{:?}\u{0}{}",
                        e.file,
                        e.from,
                        crate::report::python_repr(&Value::Map(e.params.clone()))
                    );
                    match groups
                        .iter_mut()
                        .find(|(k, _, hosts)| *k == key && !hosts.contains(&st.name))
                    {
                        Some((_, _, hosts)) => hosts.push(st.name.clone()),
                        None => groups.push((key, e, vec![st.name.clone()])),
                    }
                }
            }
        }
    }
    let mut out = Vec::new();
    for (_, exp, hosts) in groups {
        // A role is shown by name, a tasks file by its absolute path.
        let shown = if inc.is_role {
            exp.file.clone()
        } else {
            absolute(&inc.base_dir, &exp.file)
        };
        env.reporter.event(&Event::Included {
            file: shown,
            hosts: hosts.clone(),
            item: exp.label.clone(),
        });
        out.push((exp, hosts));
    }
    out
}

/// Compiles one expansion; on error, fails its hosts and returns `None`.
/// The roles it brings join the play's (`ansible_play_role_names`).
pub(crate) fn compile(
    env: &TaskEnv<'_>,
    inc: &IncludeStep,
    exp: &Expansion,
    hosts: &[String],
    batch: &mut [HostState],
    banner: &str,
) -> Option<crate::plan::Included> {
    match crate::plan::compile_include(inc, &exp.file, &exp.from, &exp.params) {
        Ok(included) => {
            env.pv
                .add_roles(&included.role_names, &included.dependent_role_names);
            Some(included)
        }
        Err(msg) => {
            for st in batch.iter_mut().filter(|s| hosts.contains(&s.name)) {
                let r = TaskResult::include(Ending::Failed, Some(msg.clone()));
                report(env, st, banner, r);
            }
            None
        }
    }
}

/// `None` when the include's condition is false for this host.
fn expand(
    env: &TaskEnv<'_>,
    inc: &IncludeStep,
    st: &HostState,
) -> Result<Option<Vec<Expansion>>, String> {
    let t = &inc.task;
    let templar = env.templar;
    let vars = task_vars(env.pv, st, Some(t));
    let items: Option<Vec<Value>> = match &t.loop_ {
        None => None,
        Some(spec) => Some(loop_items(templar, spec, &vars)?),
    };
    let ls = loop_settings(templar, &t.loop_control, &vars)?;
    let mut out = Vec::new();
    let count = items.as_ref().map_or(1, Vec::len);
    for i in 0..count {
        if i > 0 && ls.pause > 0.0 {
            std::thread::sleep(std::time::Duration::from_secs_f64(ls.pause));
        }
        // The loop var, index var and `ansible_loop` are vars of the
        // included tasks too.
        let keys = items.as_ref().map(|items| loop_keys(&ls, i, items));
        let item = items.as_ref().map(|items| items[i].clone());
        let mut iv = vars.clone();
        for (k, v) in keys.iter().flatten() {
            iv = iv.with(k, v.clone());
        }
        let mut run = true;
        for c in &t.when {
            if !templar.condition(&c.text, &iv).map_err(|e| e.to_string())? {
                run = false;
                break;
            }
        }
        if !run {
            continue;
        }
        let file = templar
            .render_string(&inc.target, &iv)
            .map_err(|e| e.to_string())?;
        let render = |v: &Option<String>| -> Result<Option<String>, String> {
            v.as_ref()
                .map(|s| templar.render_string(s, &iv).map_err(|e| e.to_string()))
                .transpose()
        };
        let from = crate::playbook::RoleFrom {
            tasks_from: render(&inc.from.tasks_from)?,
            vars_from: render(&inc.from.vars_from)?,
            defaults_from: render(&inc.from.defaults_from)?,
            handlers_from: render(&inc.from.handlers_from)?,
        };
        let mut params = Map::new();
        for (k, v) in &t.vars {
            params.insert(
                k.clone(),
                templar.render_value(v, &iv).map_err(|e| e.to_string())?,
            );
        }
        let label = item.as_ref().map(|v| match &t.loop_control.label {
            Some(l) => templar.render_string(l, &iv).unwrap_or_else(|_| l.clone()),
            None => v.py_str(),
        });
        for (k, v) in keys.into_iter().flatten() {
            params.insert(k, v);
        }
        out.push(Expansion {
            file,
            from,
            params,
            label,
        });
        if !t.loop_control.break_when.is_empty()
            && all_true(templar, &t.loop_control.break_when, &iv)?
        {
            break;
        }
    }
    Ok(if out.is_empty() { None } else { Some(out) })
}

/// The include's file as Ansible shows it: absolute.
fn absolute(base: &std::path::Path, file: &str) -> String {
    let p = base.join(file);
    std::fs::canonicalize(&p).unwrap_or(p).display().to_string()
}
