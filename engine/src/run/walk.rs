//! Walking a play's steps over a batch of hosts: tasks in lockstep
//! (linear) or per host (free), blocks with rescue/always, handlers,
//! dynamic includes.
//!
//! Each host's result is reported from the worker that ran it, the moment
//! it is known; the counters are updated afterwards, in inventory order.

use super::env::TaskEnv;
use super::eval::keyword_int;
use super::host::{HostState, Standing};
use super::include;
use super::prefetch::prefetch;
use super::result::{TaskResult, TaskRun};
use super::task::run_task;
use super::vars::task_vars;
use crate::modules::Builtin;
use crate::plan::{BlockStep, Handler, IncludeStep, Step, TaskStep};
use crate::playbook::keyword_table::Keyword;
use crate::report::{Event, Reporter, Status};
use crate::value::{Map, Value};
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Condvar, Mutex};

/// What a walk over steps needs besides the hosts.
pub(crate) struct Walk<'a> {
    pub env: TaskEnv<'a>,
    pub reporter: &'a dyn Reporter,
    pub pool: &'a rayon::ThreadPool,
    pub any_errors_fatal: bool,
    pub max_fail_percentage: Option<f64>,
    /// The play's handlers; `include_role` appends its role's (Ansible's
    /// `IncludeRole.get_block_list`), so the list only grows and a
    /// pending handler's index stays valid.
    pub handlers: &'a std::sync::RwLock<Vec<Handler>>,
    pub force_handlers: bool,
    pub batch_size: usize,
    /// Fetch the probes of upcoming tasks in one round trip.
    pub batching: bool,
    /// The play's tasks in order, for the lookahead of probe batching.
    pub timeline: &'a super::timeline::Timeline,
    /// `throttle:` limits in force, one per task (shared by the hosts of
    /// the `free` strategy, which reach a task at different times).
    pub throttles: Mutex<HashMap<usize, Arc<Throttle>>>,
    /// An error that ends the run at once (Ansible raises it from its
    /// strategy): set by the worker that hit it.
    pub fatal: Mutex<Option<String>>,
    /// A `meta: end_play` ran: the play's later batches do not run.
    pub play_ended: std::sync::atomic::AtomicBool,
    /// The `free` strategy: each host walks alone, and a templated module
    /// name is only rendered by the task's own post-validation.
    pub free: bool,
}

/// At most `max` hosts inside at once (`throttle:`).
pub(crate) struct Throttle {
    max: usize,
    running: Mutex<usize>,
    freed: Condvar,
}

impl Throttle {
    fn new(max: usize) -> Throttle {
        Throttle {
            max: max.max(1),
            running: Mutex::new(0),
            freed: Condvar::new(),
        }
    }

    /// Runs `f` once fewer than `max` others are running.
    fn run<T>(&self, f: impl FnOnce() -> T) -> T {
        {
            let mut n = self.running.lock().unwrap_or_else(|e| e.into_inner());
            while *n >= self.max {
                n = self.freed.wait(n).unwrap_or_else(|e| e.into_inner());
            }
            *n += 1;
        }
        let out = f();
        *self.running.lock().unwrap_or_else(|e| e.into_inner()) -= 1;
        self.freed.notify_one();
        out
    }
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
                        .for_each(|s| prefetch(&self.env, s, self.timeline, rest));
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
                    // Counted as the host enters the rescue, whatever the
                    // rescue then does (ansible-core's strategy counts it
                    // where it moves a failed host into `rescue`).
                    s.standing = Standing::Active;
                    s.stats.rescued += 1;
                    s.name.clone()
                })
                .collect();
            if !rescuing.is_empty()
                && !self.steps_for(&b.rescue, batch, rescuable, Who::Named(&rescuing))
            {
                return false;
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
            let cleared =
                |batch: &[HostState]| -> u32 { batch.iter().map(|s| s.errors_cleared).sum() };
            let cleared_before = cleared(batch);
            let go_on = self.steps_for(&b.always, batch, rescuable, Who::Named(&entered));
            // `meta: clear_host_errors` in the section: the hosts that came
            // in failed leave it as they are now (ansible-core resets
            // their iterator's fail state; the recap keeps the failures).
            let kept_failed = if cleared(batch) != cleared_before {
                &[][..]
            } else {
                &was_failed[..]
            };
            for (name, before) in kept_failed {
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
        let (banner, own_name) = {
            // With the task's own variables (its role's defaults and vars,
            // its `vars:`), as ansible-core post-validates the name.
            let vars = task_vars(self.env.pv, &batch[first], Some(t));
            let name = t.name.as_ref().map(|n| {
                self.env
                    .templar
                    .render_string(n, &vars)
                    .unwrap_or_else(|_| n.clone())
            });
            t.keywords.read(Keyword::Name);
            (t.banner(name.as_deref()), name.unwrap_or_default())
        };
        // The module of a templated name and `run_once`, decided host by
        // host before the banner: what does not render ends the run.
        t.keywords.read(Keyword::RunOnce);
        let reaching =
            match super::reaching::reaching(&self.env, t, batch, self.free, |s| who.takes(s)) {
                Ok(r) => r,
                Err((i, e)) => {
                    if i > first {
                        self.reporter.event(&Event::TaskStart {
                            name: banner.clone(),
                            handler,
                        });
                    }
                    if let Ok(mut f) = self.fatal.lock() {
                        f.get_or_insert(e);
                    }
                    return false;
                }
            };
        // Ansible 2.19 shows a meta task's banner once per host (below).
        let is_meta = reaching.step(first, t).module.builtin() == Some(Builtin::Meta);
        if !is_meta {
            self.reporter.event(&Event::TaskStart {
                name: banner.clone(),
                handler,
            });
        }
        let throttle = self.throttle(t, &batch[first]);
        let one = |i: usize, st: &mut HostState| -> TaskRun {
            let step = reaching.step(i, t);
            let run = match &throttle {
                Err(e) => TaskRun::single(TaskResult::task_error(e)),
                Ok(Some(limit)) => limit.run(|| self.run_one(step, st, &banner)),
                Ok(None) => self.run_one(step, st, &banner),
            };
            if run.result.changed {
                // Ansible checks each notification as it saves it and
                // stops the run, before showing the result, when no
                // handler answers to it.
                let missing = {
                    let handlers = self.handlers_now();
                    t.notify
                        .iter()
                        .find(|n| handlers_for(&handlers, n).is_empty())
                };
                if let Some(n) = missing {
                    if let Ok(mut f) = self.fatal.lock() {
                        f.get_or_insert_with(|| {
                            format!(
                                "The requested handler '{n}' was not found in either the main \
                                 handlers list nor in the listening handlers list"
                            )
                        });
                    }
                    return run;
                }
            }
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
        // `pause` and `add_host` bypass the host loop: they run once for
        // the batch, as run_once does (measured: only the first host
        // prints and counts; see `reaching`).
        t.keywords.read(Keyword::IgnoreUnreachable);
        let results: Vec<(usize, TaskRun)> = match reaching.once_at {
            Some(k) if k == first => vec![(first, one(first, &mut batch[first]))],
            _ => self.pool.install(|| {
                batch
                    .par_iter_mut()
                    .enumerate()
                    .filter(|(i, s)| who.takes(s) && reaching.runs(*i))
                    .map(|(i, s)| (i, one(i, s)))
                    .collect()
            }),
        };
        for step in reaching.steps.iter().flatten() {
            t.keywords.read_from(&step.keywords);
        }
        // Only run_once registers the result for every host
        // (ansible-core's `get_task_hosts`), not a bypass of the host loop.
        if let Some(k) = reaching.once_at.filter(|_| reaching.run_once) {
            // Ansible gives the run_once result to every host of the batch.
            let run = results.iter().find(|(i, _)| *i == k).map(|(_, r)| r);
            if let (Some(reg), Some(run)) = (&t.register, run) {
                let registered = super::result::registered(run.result.to_map());
                for s in batch.iter_mut().filter(|s| who.takes(s)) {
                    s.set_fact(reg, registered.clone());
                }
            }
        }
        self.deliver_facts(batch);
        if self.fatal.lock().is_ok_and(|f| f.is_some()) {
            return false;
        }
        let mut failed_now = 0usize;
        let any_results = !results.is_empty();
        // `end_play` and `end_batch` that ran (not skipped by `when`) end
        // every host of the batch; `end_play` also the batches to come.
        let ending = is_meta
            && results.iter().any(|(_, r)| r.result.status() == Status::Ok)
            && matches!(
                t.args.get("_raw_params").and_then(Value::as_str),
                Some("end_play" | "end_batch")
            );
        for (i, run) in results {
            if is_meta && matches!(run.result.status(), Status::Ok | Status::Skipped) {
                continue;
            }
            let st = &mut batch[i];
            account(st, &run, (&own_name, &t.action), rescuable);
            if run.result.status() == Status::Failed && !run.ignored {
                failed_now += 1;
            }
        }
        if ending {
            for s in batch.iter_mut().filter(|s| s.active()) {
                s.standing = Standing::Ended;
            }
            if t.args.get("_raw_params").and_then(Value::as_str) == Some("end_play") {
                self.play_ended
                    .store(true, std::sync::atomic::Ordering::Relaxed);
            }
        }
        t.keywords.read(Keyword::AnyErrorsFatal);
        let fatal = t.any_errors_fatal.unwrap_or(self.any_errors_fatal);
        if failed_now > 0 && fatal && !rescuable {
            for s in batch.iter_mut() {
                s.fail();
            }
        }
        if let (Some(pct), true) = (self.max_fail_percentage, any_results) {
            // As Ansible's linear strategy: hosts failed in this batch (not
            // unreachable ones, not failures a rescue may still take back)
            // over the batch size.
            let failed = batch
                .iter()
                .filter(|s| s.standing == Standing::Failed { rescuable: false })
                .count();
            if self.batch_size > 0 && (failed as f64) / (self.batch_size as f64) > pct / 100.0 {
                for s in batch.iter_mut() {
                    s.fail();
                }
                // Once for the percentage, once because no host is left.
                self.reporter.event(&Event::NoHostsRemaining);
                self.reporter.event(&Event::NoHostsRemaining);
                return false;
            }
        }
        true
    }

    /// Hands the facts the batch's hosts returned for other hosts
    /// (`delegate_facts`) to those hosts, once every host has finished the
    /// task: in batch order, so the result does not depend on which
    /// worker finished first, and before any host starts the next task,
    /// which sees them (as ansible-core's linear strategy stores results
    /// before queueing the next task).
    fn deliver_facts(&self, batch: &mut [HostState]) {
        let writes: Vec<_> = batch.iter_mut().flat_map(|s| s.outbox.drain(..)).collect();
        if writes.is_empty() {
            return;
        }
        for (owner, w) in writes {
            if let Some(shared) = self.env.pv.hostvars.shared(&owner) {
                shared.deliver(w);
            }
        }
        for s in batch.iter_mut() {
            s.absorb();
        }
    }

    /// One host's run of `t`, reported from the worker running it.
    fn run_one(&self, t: &TaskStep, st: &mut HostState, banner: &str) -> TaskRun {
        self.reporter.event(&Event::HostTaskStart {
            host: st.name.clone(),
            task: banner.to_owned(),
        });
        run_task(&self.env, st, t, banner)
    }

    /// The `throttle:` of `t` (rendered with `st`'s variables), shared by
    /// every host running `t`; `None` when unset or 0.
    fn throttle(&self, t: &TaskStep, st: &HostState) -> Result<Option<Arc<Throttle>>, String> {
        t.keywords.read(Keyword::Throttle);
        let Some(v) = &t.throttle else {
            return Ok(None);
        };
        let vars = task_vars(self.env.pv, st, Some(t));
        let n = keyword_int(self.env.templar, "throttle", v, &vars)?.unwrap_or(0);
        if n <= 0 {
            return Ok(None);
        }
        let mut map = self.throttles.lock().unwrap_or_else(|e| e.into_inner());
        let limit = map
            .entry(super::invocation::task_id(t))
            .or_insert_with(|| Arc::new(Throttle::new(n as usize)));
        Ok(Some(limit.clone()))
    }

    /// Runs the notified handlers, in the order they are defined, each
    /// once for the hosts that notified it (also by a handler that ran
    /// earlier in this flush).
    pub(crate) fn flush(&self, batch: &mut [HostState]) -> bool {
        self.resolve_notifications(batch);
        let mut i = 0;
        while let Some(h) = self.handlers_now().get(i).cloned() {
            i += 1;
            let i = i - 1;
            h.task().keywords.read(Keyword::Listen);
            let who: HashSet<String> = batch
                .iter()
                .filter(|s| {
                    (s.active() || (self.force_handlers && s.failed()))
                        && s.pending_handlers.contains(&i)
                })
                .map(|s| s.name.clone())
                .collect();
            if who.is_empty() {
                continue;
            }
            for s in batch.iter_mut().filter(|s| who.contains(&s.name)) {
                s.pending_handlers.remove(&i);
            }
            let chosen = if self.force_handlers {
                Who::Forced(&who)
            } else {
                Who::Named(&who)
            };
            let go_on = match &h {
                Handler::Task(t) => self.task(t, batch, false, chosen, true),
                Handler::Include(inc) => self.include_handler(inc, batch, chosen),
            };
            if !go_on {
                return false;
            }
            self.resolve_notifications(batch);
        }
        true
    }

    /// Turns each host's notifications into the handlers they name.
    fn resolve_notifications(&self, batch: &mut [HostState]) {
        let handlers = self.handlers_now();
        for s in batch.iter_mut() {
            let notified: Vec<String> = s.notified.drain(..).collect();
            for n in notified {
                s.pending_handlers.extend(handlers_for(&handlers, &n));
            }
        }
    }

    /// A snapshot of the play's handlers as they are now.
    fn handlers_now(&self) -> Vec<Handler> {
        self.handlers
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
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
        self.expand_include(inc, batch, who, false, |walk, steps, batch, hosts| {
            walk.steps_for(steps, batch, rescuable, Who::Named(hosts))
        })
    }
}

impl Walk<'_> {
    /// A handler that is an include: expanded for the notified hosts, its
    /// tasks run at once as handlers (Ansible marks them notified by the
    /// hosts that included them).
    fn include_handler(&self, inc: &IncludeStep, batch: &mut [HostState], who: Who<'_>) -> bool {
        let forced = matches!(who, Who::Forced(_));
        self.expand_include(inc, batch, who, true, |walk, steps, batch, hosts| {
            let chosen = if forced {
                Who::Forced(hosts)
            } else {
                Who::Named(hosts)
            };
            walk.handler_steps(steps, batch, chosen)
        })
    }

    /// Announces `inc`, expands it for the hosts `who` names, adds the
    /// handlers it brings to the play's, and runs each expansion's steps
    /// with `run` for the hosts that got it; `false` once `run` stops.
    fn expand_include(
        &self,
        inc: &IncludeStep,
        batch: &mut [HostState],
        who: Who<'_>,
        handler: bool,
        mut run: impl FnMut(&Self, &[Step], &mut [HostState], &HashSet<String>) -> bool,
    ) -> bool {
        let banner = include::banner(inc);
        self.reporter.event(&Event::TaskStart {
            name: banner.clone(),
            handler,
        });
        let who = who_set(batch, who);
        for (exp, hosts) in include::expand_all(&self.env, inc, batch, &who, &banner) {
            let Some(included) = include::compile(&self.env, inc, &exp, &hosts, batch, &banner)
            else {
                continue;
            };
            self.handlers
                .write()
                .unwrap_or_else(|e| e.into_inner())
                .extend(included.handlers);
            let set: HashSet<String> = hosts.into_iter().collect();
            if !run(self, &included.steps, batch, &set) {
                return false;
            }
        }
        true
    }

    /// Steps an include handler brought in, run as handlers.
    fn handler_steps(&self, steps: &[Step], batch: &mut [HostState], who: Who<'_>) -> bool {
        for step in steps {
            let go_on = match step {
                Step::Task(t) => self.task(t, batch, false, who, true),
                Step::Block(b) => self.block(b, batch, false, who),
                Step::Include(inc) => self.include_handler(inc, batch, who),
                Step::FlushHandlers | Step::MetaFlushHandlers(_) => true,
            };
            if !go_on {
                return false;
            }
        }
        true
    }
}

/// The handlers notification `n` names, as Ansible's
/// `search_handlers_by_notification` finds them: the last handler
/// defined with that name (or `role : name`), and every handler that
/// `listen`s to it (one per name).
fn handlers_for(handlers: &[Handler], n: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let named = (0..handlers.len()).rev().find(|&i| {
        let h = handlers[i].task();
        h.name.as_deref().is_some_and(|name| {
            name == n
                || h.role
                    .as_ref()
                    .is_some_and(|r| format!("{} : {name}", r.name) == n)
        })
    });
    out.extend(named);
    let mut seen: HashSet<&str> = HashSet::new();
    for i in (0..handlers.len()).rev() {
        let h = handlers[i].task();
        if !h.listen.iter().any(|l| l == n) {
            continue;
        }
        if let Some(name) = h.name.as_deref() {
            if !seen.insert(name) {
                continue;
            }
        }
        if !out.contains(&i) {
            out.push(i);
        }
    }
    out
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
/// failure inside a block with a rescue waits for the rescue, which reads
/// `ansible_failed_task.name`: the task's own name, no role prefix, empty
/// when unnamed (the `name` attribute of Ansible's task), and `.action`: the
/// action as written.
fn account(st: &mut HostState, run: &TaskRun, task: (&str, &str), rescuable: bool) {
    let (task, action) = task;
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
                // What a rescue section reads about the failure, its
                // strings unsafe as a registered result's (a message
                // quoting a template is not rendered again when read).
                let result = super::result::registered(run.result.to_map());
                st.set_fact("ansible_failed_result", result);
                let mut t = Map::new();
                t.insert("name".into(), Value::Str(task.to_owned()));
                t.insert("action".into(), Value::Str(action.to_owned()));
                st.set_fact("ansible_failed_task", Value::Map(t));
            } else {
                st.stats.failed += 1;
            }
        }
        Status::Unreachable if run.ignored => {
            st.stats.ok += 1;
            st.stats.ignored += 1;
        }
        Status::Unreachable => {
            st.standing = Standing::Unreachable;
            st.stats.unreachable = 1;
        }
    }
}
