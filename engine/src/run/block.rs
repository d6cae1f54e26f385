//! Walking a play's steps over a batch of hosts: tasks in lockstep
//! (linear) or per host (free), blocks with rescue/always, handlers,
//! dynamic includes, `include_vars`.

use super::host::HostState;
use super::task::{run_task, TaskEnv};
use crate::modules::{Builtin, Outcome};
use crate::plan::{BlockStep, Step, TaskStep};
use crate::report::{Event, HostResult, Reporter, Status};
use crate::value::{Map, Value};
use rayon::prelude::*;
use std::collections::HashSet;
use std::sync::atomic::Ordering;

/// What a walk over steps needs besides the hosts.
pub(crate) struct Walk<'a> {
    pub env: TaskEnv<'a>,
    pub reporter: &'a dyn Reporter,
    pub pool: &'a rayon::ThreadPool,
    pub any_errors_fatal: bool,
    pub max_fail_percentage: Option<f64>,
    pub handlers: &'a [std::sync::Arc<TaskStep>],
    pub force_handlers: bool,
    pub batch_size: usize,
    /// Fetch the probes of upcoming tasks in one round trip.
    pub batching: bool,
}

/// Which hosts a step runs on.
#[derive(Clone, Copy)]
enum Who<'s> {
    /// Every host still in the play.
    Active,
    /// These hosts, while still in the play.
    Named(&'s HashSet<String>),
    /// These hosts even if failed (`force_handlers`).
    Forced(&'s HashSet<String>),
}

impl Who<'_> {
    fn takes(&self, st: &HostState) -> bool {
        match self {
            Who::Active => st.active(),
            Who::Named(set) => set.contains(&st.name) && st.active(),
            Who::Forced(set) => set.contains(&st.name) && !st.unreachable && !st.ended,
        }
    }
}

impl Walk<'_> {
    /// Runs `steps` on the active hosts of `batch` (linear strategy).
    /// Returns false when the play must stop (max_fail_percentage, Ctrl-C).
    pub(crate) fn steps(&self, steps: &[Step], batch: &mut [HostState], rescuable: bool) -> bool {
        self.steps_for(steps, batch, rescuable, Who::Active)
    }

    fn steps_for(
        &self,
        steps: &[Step],
        batch: &mut [HostState],
        rescuable: bool,
        who: Who<'_>,
    ) -> bool {
        for (i, step) in steps.iter().enumerate() {
            if self.env.opts.cancel.load(Ordering::Relaxed) {
                return false;
            }
            if matches!(step, Step::Task(_)) && self.batching {
                let rest = &steps[i..];
                self.pool.install(|| {
                    batch
                        .par_iter_mut()
                        .filter(|s| who.takes(s))
                        .for_each(|s| super::prefetch::prefetch(&self.env, s, rest));
                });
            }
            if !batch.iter().any(|s| who.takes(s)) {
                return true;
            }
            let go_on = match step {
                Step::Task(t) => self.task(t, batch, rescuable, who, false),
                Step::Block(b) => self.block(b, batch, rescuable, who),
                Step::FlushHandlers => self.flush(batch),
                Step::MetaFlushHandlers(banner) => {
                    // One banner per host, as Ansible 2.19 prints it.
                    for _ in batch.iter().filter(|s| who.takes(s)) {
                        self.reporter.event(&Event::TaskStart {
                            name: banner.clone(),
                            handler: false,
                        });
                    }
                    self.flush(batch)
                }
                Step::Include(inc) => self.include(inc, batch, rescuable, who),
            };
            if !go_on {
                return false;
            }
        }
        true
    }

    fn block(&self, b: &BlockStep, batch: &mut [HostState], rescuable: bool, who: Who<'_>) -> bool {
        let entered: HashSet<String> = batch
            .iter()
            .filter(|s| who.takes(s))
            .map(|s| s.name.clone())
            .collect();
        let has_rescue = !b.rescue.is_empty();
        if !self.steps_for(
            &b.block,
            batch,
            rescuable || has_rescue,
            Who::Named(&entered_active(batch, &entered)),
        ) {
            return false;
        }
        if has_rescue {
            let rescuing: HashSet<String> = batch
                .iter_mut()
                .filter(|s| entered.contains(&s.name) && s.block_failed && !s.unreachable)
                .map(|s| {
                    s.block_failed = false;
                    s.failed = false;
                    s.name.clone()
                })
                .collect();
            if !rescuing.is_empty() {
                if !self.steps_for(&b.rescue, batch, rescuable, Who::Named(&rescuing)) {
                    return false;
                }
                for s in batch
                    .iter_mut()
                    .filter(|s| rescuing.contains(&s.name) && !s.failed && !s.block_failed)
                {
                    s.stats.rescued += 1;
                }
            }
        }
        if !b.always.is_empty() {
            // `always` runs for every host that entered, failed ones included;
            // they stay failed afterwards.
            let was_failed: Vec<String> = batch
                .iter_mut()
                .filter(|s| entered.contains(&s.name) && s.failed && !s.unreachable)
                .map(|s| {
                    s.failed = false;
                    s.name.clone()
                })
                .collect();
            let go_on = self.steps_for(&b.always, batch, rescuable, Who::Named(&entered));
            for s in batch.iter_mut().filter(|s| was_failed.contains(&s.name)) {
                s.failed = true;
            }
            if !go_on {
                return false;
            }
        }
        true
    }

    /// Runs one task on the chosen hosts in lockstep and reports results
    /// in inventory order.
    fn task(
        &self,
        t: &TaskStep,
        batch: &mut [HostState],
        rescuable: bool,
        who: Who<'_>,
        handler: bool,
    ) -> bool {
        if !self.env.opts.tags_allow(&t.tags) {
            return true;
        }
        let first = batch.iter().position(|s| who.takes(s));
        let Some(first) = first else { return true };
        let banner = {
            let vars = super::vars::task_vars(self.env.pv, &batch[first], None);
            let name = t.name.as_ref().map(|n| {
                self.env
                    .templar
                    .render_string(n, &vars)
                    .unwrap_or_else(|_| n.clone())
            });
            t.banner(name.as_deref())
        };
        // Ansible 2.19 shows a meta task's banner once per host (below).
        let is_meta = t.module.builtin() == Some(Builtin::Meta);
        if !is_meta {
            self.reporter.event(&Event::TaskStart {
                name: banner.clone(),
                handler,
            });
        }
        // `pause` bypasses the host loop: it runs once for the batch, as
        // run_once does (measured: only the first host prints and counts).
        let once = t.run_once || t.module.builtin() == Some(Builtin::Pause);
        let results: Vec<(usize, HostResult)> = if once {
            let hr = run_task(&self.env, &mut batch[first], t, &banner);
            vec![(first, hr)]
        } else {
            self.pool.install(|| {
                batch
                    .par_iter_mut()
                    .enumerate()
                    .filter(|(_, s)| who.takes(s))
                    .map(|(i, s)| (i, run_task(&self.env, s, t, &banner)))
                    .collect()
            })
        };
        if once {
            // Ansible gives the run_once result to every host of the batch.
            if let (Some(reg), Some((_, hr))) = (&t.register, results.first()) {
                for s in batch.iter_mut().filter(|s| who.takes(s)) {
                    s.set_fact(reg, Value::Map(hr.result.clone()));
                }
            }
        }
        let mut failed_now = 0usize;
        for (i, hr) in results {
            // A `meta` that ran prints no host line; run or skipped, it
            // counts nothing in the recap (measured: `end_host` in
            // tests/golden/run/logic and tests/run/logic.rs).
            if is_meta {
                self.reporter.event(&Event::TaskStart {
                    name: banner.clone(),
                    handler,
                });
                if matches!(hr.status, Status::Ok | Status::Skipped) {
                    if hr.status == Status::Skipped {
                        self.reporter.event(&Event::HostResult(Box::new(hr)));
                    }
                    continue;
                }
            }
            let st = &mut batch[i];
            account(st, &hr, rescuable, t.ignore_unreachable);
            if hr.status == Status::Failed && !hr.ignored {
                failed_now += 1;
            }
            self.reporter.event(&Event::HostResult(Box::new(hr)));
        }
        if is_meta && t.args.get("_raw_params").and_then(Value::as_str) == Some("end_play") {
            for s in batch.iter_mut() {
                s.ended = true;
            }
        }
        if failed_now > 0 && self.any_errors_fatal && !rescuable {
            for s in batch.iter_mut() {
                s.failed = true;
            }
        }
        if let Some(pct) = self.max_fail_percentage {
            let failed = batch.iter().filter(|s| s.failed || s.unreachable).count();
            if self.batch_size > 0 && (failed as f64) * 100.0 / (self.batch_size as f64) > pct {
                for s in batch.iter_mut() {
                    s.failed = true;
                }
                return false;
            }
        }
        true
    }

    /// Runs the notified handlers, in the order they are defined.
    pub(crate) fn flush(&self, batch: &mut [HostState]) -> bool {
        for h in self.handlers {
            let keys: Vec<String> = std::iter::once(h.name.clone().unwrap_or_default())
                .chain(
                    h.role
                        .as_ref()
                        .map(|r| format!("{} : {}", r.name, h.name.clone().unwrap_or_default())),
                )
                .chain(h.listen.iter().cloned())
                .collect();
            let who: HashSet<String> = batch
                .iter()
                .filter(|s| {
                    (s.active() || (self.force_handlers && !s.unreachable))
                        && keys.iter().any(|k| s.notified.contains(k))
                })
                .map(|s| s.name.clone())
                .collect();
            if who.is_empty() {
                continue;
            }
            for s in batch.iter_mut().filter(|s| who.contains(&s.name)) {
                for k in &keys {
                    s.notified.shift_remove(k);
                }
            }
            let chosen = if self.force_handlers {
                Who::Forced(&who)
            } else {
                Who::Named(&who)
            };
            if !self.task(h, batch, false, chosen, true) {
                return false;
            }
        }
        true
    }

    fn include(
        &self,
        inc: &crate::plan::IncludeStep,
        batch: &mut [HostState],
        rescuable: bool,
        who: Who<'_>,
    ) -> bool {
        super::include::run(
            self,
            inc,
            batch,
            rescuable,
            |w, steps, b, r, set| w.steps_for(steps, b, r, Who::Named(set)),
            who_set(batch, who),
        )
    }
}

fn who_set(batch: &[HostState], who: Who<'_>) -> HashSet<String> {
    batch
        .iter()
        .filter(|s| who.takes(s))
        .map(|s| s.name.clone())
        .collect()
}

fn entered_active(batch: &[HostState], entered: &HashSet<String>) -> HashSet<String> {
    batch
        .iter()
        .filter(|s| entered.contains(&s.name) && s.active())
        .map(|s| s.name.clone())
        .collect()
}

/// Updates the recap counters and failure flags of one host, by
/// Ansible's rules: changed counts as ok too; an ignored failure is ok +
/// ignored; a failure inside a block with a rescue waits for the rescue.
fn account(st: &mut HostState, hr: &HostResult, rescuable: bool, ignore_unreachable: bool) {
    let changed = hr.result.get("changed") == Some(&Value::Bool(true));
    st.converged = matches!(hr.status, Status::Ok | Status::Skipped) && !changed;
    match hr.status {
        Status::Ok => st.stats.ok += 1,
        Status::Changed => {
            st.stats.ok += 1;
            st.stats.changed += 1;
        }
        Status::Skipped => st.stats.skipped += 1,
        Status::Failed if hr.ignored => {
            st.stats.ok += 1;
            st.stats.ignored += 1;
            if changed {
                st.stats.changed += 1;
            }
        }
        Status::Failed => {
            st.failed = true;
            if rescuable {
                st.block_failed = true;
                // What a rescue section reads about the failure.
                st.set_fact("ansible_failed_result", Value::Map(hr.result.clone()));
                let mut task = Map::new();
                task.insert("name".into(), Value::Str(hr.task.clone()));
                st.set_fact("ansible_failed_task", Value::Map(task));
            } else {
                st.stats.failed += 1;
            }
        }
        Status::Unreachable if ignore_unreachable => {
            st.stats.ok += 1;
            st.stats.ignored += 1;
        }
        Status::Unreachable => {
            st.unreachable = true;
            st.stats.unreachable = 1;
        }
    }
}

/// `include_vars`: a file (or `file:`/`dir:`), loaded as YAML; with
/// `name:` the vars go under that key. Precedence level 18.
pub(crate) fn include_vars(
    st: &mut HostState,
    task: &TaskStep,
    args: &Map,
) -> Result<Outcome, String> {
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
    for (k, v) in &vars {
        st.included.insert(k.clone(), v.clone());
    }
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
