//! Walking a play's steps over a batch of hosts: tasks in lockstep
//! (linear) or per host (free), blocks with rescue/always, handlers,
//! dynamic includes.
//!
//! Each host's result is reported from the worker that ran it, the moment
//! it is known; the counters are updated afterwards, in inventory order.

use super::env::TaskEnv;
use super::host::{HostState, Standing};
use super::include;
use super::prefetch::prefetch;
use super::result::TaskRun;
use super::task::run_task;
use super::vars::task_vars;
use crate::modules::Builtin;
use crate::plan::{BlockStep, IncludeStep, Step, TaskStep};
use crate::playbook::keyword_table::Keyword;
use crate::report::{Event, Reporter, Status};
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
            Who::Forced(set) => set.contains(&st.name) && (st.active() || st.failed()),
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
                        .for_each(|s| prefetch(&self.env, s, rest));
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
        let entered = who_set(batch, who);
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
                .filter(|s| {
                    entered.contains(&s.name) && s.standing == Standing::Failed { rescuable: true }
                })
                .map(|s| {
                    s.standing = Standing::Active;
                    s.name.clone()
                })
                .collect();
            if !rescuing.is_empty() {
                if !self.steps_for(&b.rescue, batch, rescuable, Who::Named(&rescuing)) {
                    return false;
                }
                for s in batch
                    .iter_mut()
                    .filter(|s| rescuing.contains(&s.name) && !s.failed())
                {
                    s.stats.rescued += 1;
                }
            }
        }
        if !b.always.is_empty() {
            // `always` runs for every host that entered, failed ones included;
            // they stay failed afterwards.
            let was_failed: Vec<(String, bool)> = batch
                .iter_mut()
                .filter(|s| entered.contains(&s.name))
                .filter_map(|s| match s.standing {
                    Standing::Failed { rescuable } => {
                        s.standing = Standing::Active;
                        Some((s.name.clone(), rescuable))
                    }
                    _ => None,
                })
                .collect();
            let go_on = self.steps_for(&b.always, batch, rescuable, Who::Named(&entered));
            for (name, before) in &was_failed {
                let Some(s) = batch.iter_mut().find(|s| &s.name == name) else {
                    continue;
                };
                s.standing = match s.standing {
                    Standing::Unreachable => Standing::Unreachable,
                    Standing::Failed { rescuable } => Standing::Failed {
                        rescuable: rescuable || *before,
                    },
                    _ => Standing::Failed { rescuable: *before },
                };
            }
            if !go_on {
                return false;
            }
        }
        true
    }

    /// Runs one task on the chosen hosts in lockstep; each host's result
    /// is reported as soon as that host finishes.
    fn task(
        &self,
        t: &TaskStep,
        batch: &mut [HostState],
        rescuable: bool,
        who: Who<'_>,
        handler: bool,
    ) -> bool {
        t.keywords.read(Keyword::Tags);
        if !self.env.opts.tags_allow(&t.tags) {
            return true;
        }
        let first = batch.iter().position(|s| who.takes(s));
        let Some(first) = first else { return true };
        let banner = {
            let vars = task_vars(self.env.pv, &batch[first], None);
            let name = t.name.as_ref().map(|n| {
                self.env
                    .templar
                    .render_string(n, &vars)
                    .unwrap_or_else(|_| n.clone())
            });
            t.keywords.read(Keyword::Name);
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
        let one = |st: &mut HostState| -> TaskRun {
            self.reporter.event(&Event::HostTaskStart {
                host: st.name.clone(),
                task: banner.clone(),
            });
            let run = run_task(&self.env, st, t, &banner);
            // A `meta` that ran prints no host line; run or skipped, it
            // counts nothing in the recap (measured: `end_host` in
            // tests/golden/run/logic and tests/run/logic.rs).
            let status = run.result.status();
            if is_meta {
                self.reporter.event(&Event::TaskStart {
                    name: banner.clone(),
                    handler,
                });
            }
            if !is_meta || !matches!(status, Status::Ok) {
                self.reporter
                    .event(&Event::HostResult(Box::new(run.event(&st.name, &banner))));
            }
            run
        };
        // `pause` bypasses the host loop: it runs once for the batch, as
        // run_once does (measured: only the first host prints and counts).
        t.keywords.read(Keyword::RunOnce);
        t.keywords.read(Keyword::IgnoreUnreachable);
        let once = t.run_once || t.module.builtin() == Some(Builtin::Pause);
        let results: Vec<(usize, TaskRun)> = if once {
            vec![(first, one(&mut batch[first]))]
        } else {
            self.pool.install(|| {
                batch
                    .par_iter_mut()
                    .enumerate()
                    .filter(|(_, s)| who.takes(s))
                    .map(|(i, s)| (i, one(s)))
                    .collect()
            })
        };
        if once {
            // Ansible gives the run_once result to every host of the batch.
            if let (Some(reg), Some((_, run))) = (&t.register, results.first()) {
                let registered = run.result.to_map();
                for s in batch.iter_mut().filter(|s| who.takes(s)) {
                    s.set_fact(reg, Value::Map(registered.clone()));
                }
            }
        }
        let mut failed_now = 0usize;
        for (i, run) in results {
            if is_meta && matches!(run.result.status(), Status::Ok | Status::Skipped) {
                continue;
            }
            let st = &mut batch[i];
            account(st, &run, &banner, rescuable, t.ignore_unreachable);
            if run.result.status() == Status::Failed && !run.ignored {
                failed_now += 1;
            }
        }
        if is_meta && t.args.get("_raw_params").and_then(Value::as_str) == Some("end_play") {
            for s in batch.iter_mut().filter(|s| s.active()) {
                s.standing = Standing::Ended;
            }
        }
        if failed_now > 0 && self.any_errors_fatal && !rescuable {
            for s in batch.iter_mut() {
                s.fail();
            }
        }
        if let Some(pct) = self.max_fail_percentage {
            let failed = batch
                .iter()
                .filter(|s| s.failed() || s.unreachable())
                .count();
            if self.batch_size > 0 && (failed as f64) * 100.0 / (self.batch_size as f64) > pct {
                for s in batch.iter_mut() {
                    s.fail();
                }
                return false;
            }
        }
        true
    }

    /// Runs the notified handlers, in the order they are defined.
    pub(crate) fn flush(&self, batch: &mut [HostState]) -> bool {
        for h in self.handlers {
            h.keywords.read(Keyword::Listen);
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
                    (s.active() || (self.force_handlers && s.failed()))
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
        inc: &IncludeStep,
        batch: &mut [HostState],
        rescuable: bool,
        who: Who<'_>,
    ) -> bool {
        if !self.env.opts.tags_allow(&inc.task.tags) {
            return true;
        }
        let banner = include::banner(inc);
        self.reporter.event(&Event::TaskStart {
            name: banner.clone(),
            handler: false,
        });
        let who = who_set(batch, who);
        for (exp, hosts) in include::expand_all(&self.env, inc, batch, &who, &banner) {
            let Some(steps) = include::compile(&self.env, inc, &exp, &hosts, batch, &banner) else {
                continue;
            };
            let set: HashSet<String> = hosts.into_iter().collect();
            if !self.steps_for(&steps, batch, rescuable, Who::Named(&set)) {
                return false;
            }
        }
        true
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

/// Updates the recap counters and standing of one host, by Ansible's
/// rules: changed counts as ok too; an ignored failure is ok + ignored; a
/// failure inside a block with a rescue waits for the rescue.
fn account(
    st: &mut HostState,
    run: &TaskRun,
    task: &str,
    rescuable: bool,
    ignore_unreachable: bool,
) {
    let status = run.result.status();
    let changed = run.result.changed;
    st.converged = matches!(status, Status::Ok | Status::Skipped) && !changed;
    match status {
        Status::Ok => st.stats.ok += 1,
        Status::Changed => {
            st.stats.ok += 1;
            st.stats.changed += 1;
        }
        Status::Skipped => st.stats.skipped += 1,
        Status::Failed if run.ignored => {
            st.stats.ok += 1;
            st.stats.ignored += 1;
            if changed {
                st.stats.changed += 1;
            }
        }
        Status::Failed => {
            st.standing = Standing::Failed { rescuable };
            if rescuable {
                // What a rescue section reads about the failure.
                st.set_fact("ansible_failed_result", Value::Map(run.result.to_map()));
                let mut t = Map::new();
                t.insert("name".into(), Value::Str(task.to_owned()));
                st.set_fact("ansible_failed_task", Value::Map(t));
            } else {
                st.stats.failed += 1;
            }
        }
        Status::Unreachable if ignore_unreachable => {
            st.stats.ok += 1;
            st.stats.ignored += 1;
        }
        Status::Unreachable => {
            st.standing = Standing::Unreachable;
            st.stats.unreachable = 1;
        }
    }
}
