//! Dynamic `include_tasks` / `include_role`: evaluated per host at run
//! time (its `when`, its `loop` with `vars`), compiled, and run for the
//! hosts that included the same file with the same parameters.

use super::block::Walk;
use super::control::loop_items;
use super::host::HostState;
use super::vars::task_vars;
use crate::plan::{IncludeStep, Step};
use crate::report::{Event, HostResult, Status};
use crate::value::{Map, Value};
use indexmap::IndexMap;
use std::collections::HashSet;

/// One expansion: a file and the parameters its tasks see.
#[derive(Clone, PartialEq)]
struct Expansion {
    file: String,
    params: Map,
    label: Option<String>,
}

pub(crate) fn run(
    walk: &Walk<'_>,
    inc: &IncludeStep,
    batch: &mut [HostState],
    rescuable: bool,
    mut steps_for: impl FnMut(&Walk<'_>, &[Step], &mut [HostState], bool, &HashSet<String>) -> bool,
    who: HashSet<String>,
) -> bool {
    let t = &inc.task;
    if !walk.env.opts.tags_allow(&t.tags) {
        return true;
    }
    // Ansible names an unnamed include_role after its role.
    let banner = match (&t.name, inc.is_role) {
        (None, true) => format!("{} : {}", t.banner(None), inc.target),
        _ => t.banner(None),
    };
    walk.reporter.event(&Event::TaskStart {
        name: banner.clone(),
        handler: false,
    });
    // Expand per host, in inventory order.
    let mut groups: IndexMap<String, (Expansion, Vec<String>)> = IndexMap::new();
    for st in batch.iter_mut().filter(|s| who.contains(&s.name)) {
        match expand(walk, inc, st) {
            Err(msg) => {
                let mut r = Map::new();
                r.insert("msg".into(), Value::Str(msg));
                r.insert("failed".into(), Value::Bool(true));
                st.failed = true;
                st.stats.failed += 1;
                walk.reporter
                    .event(&Event::HostResult(Box::new(HostResult::new(
                        &st.name,
                        &banner,
                        Status::Failed,
                        r,
                    ))));
            }
            Ok(None) => {
                st.stats.skipped += 1;
                walk.reporter
                    .event(&Event::HostResult(Box::new(HostResult::new(
                        &st.name,
                        &banner,
                        Status::Skipped,
                        Map::new(),
                    ))));
            }
            Ok(Some(exps)) => {
                for e in exps {
                    st.stats.ok += 1;
                    let key = format!(
                        "{}\u{0}{}",
                        e.file,
                        crate::report::python_repr(&Value::Map(e.params.clone()))
                    );
                    groups
                        .entry(key)
                        .or_insert_with(|| (e.clone(), Vec::new()))
                        .1
                        .push(st.name.clone());
                }
            }
        }
    }
    // Ansible reports every expansion first, then runs them in order.
    let mut compiled = Vec::new();
    for (_, (exp, hosts)) in groups {
        // A role is shown by name, a tasks file by its absolute path.
        let shown = if inc.is_role {
            exp.file.clone()
        } else {
            absolute(&inc.base_dir, &exp.file)
        };
        walk.reporter.event(&Event::Included {
            file: shown,
            hosts: hosts.clone(),
            item: exp.label.clone(),
        });
        compiled.push((exp, hosts));
    }
    for (exp, hosts) in compiled {
        let steps: Vec<Step> = match crate::plan::compile_include(inc, &exp.file, &exp.params) {
            Ok(s) => s,
            Err(msg) => {
                for st in batch.iter_mut().filter(|s| hosts.contains(&s.name)) {
                    let mut r = Map::new();
                    r.insert("msg".into(), Value::Str(msg.clone()));
                    st.failed = true;
                    st.stats.failed += 1;
                    walk.reporter
                        .event(&Event::HostResult(Box::new(HostResult::new(
                            &st.name,
                            &banner,
                            Status::Failed,
                            r,
                        ))));
                }
                continue;
            }
        };
        let set: HashSet<String> = hosts.into_iter().collect();
        if !steps_for(walk, &steps, batch, rescuable, &set) {
            return false;
        }
    }
    true
}

/// `None` when the include's condition is false for this host.
fn expand(
    walk: &Walk<'_>,
    inc: &IncludeStep,
    st: &HostState,
) -> Result<Option<Vec<Expansion>>, String> {
    let t = &inc.task;
    let templar = walk.env.templar;
    let vars = task_vars(walk.env.pv, st, Some(t));
    let items: Vec<Option<Value>> = match &t.loop_ {
        None => vec![None],
        Some(spec) => loop_items(templar, spec, &vars)?
            .into_iter()
            .map(Some)
            .collect(),
    };
    let loop_var = t.loop_control.loop_var.as_deref().unwrap_or("item");
    let mut out = Vec::new();
    for item in items {
        let iv = match &item {
            Some(v) => vars.with(loop_var, v.clone()),
            None => vars.clone(),
        };
        let mut run = true;
        for c in &t.when {
            if !templar.condition(c, &iv).map_err(|e| e.to_string())? {
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
        if let Some(v) = item {
            params.insert(loop_var.to_owned(), v);
        }
        out.push(Expansion {
            file,
            params,
            label,
        });
    }
    Ok(if out.is_empty() { None } else { Some(out) })
}

/// The include's file as Ansible shows it: absolute.
fn absolute(base: &std::path::Path, file: &str) -> String {
    let p = base.join(file);
    std::fs::canonicalize(&p).unwrap_or(p).display().to_string()
}
