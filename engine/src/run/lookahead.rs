//! The lookahead: which probes will a converged host be asked for next?
//!
//! From where a host stands in its play's [`Timeline`], the play is run
//! ahead on a detached copy of the host's variables ([`HostState::shadow`])
//! with the real code: conditions, loops, `set_fact`, `register`,
//! `changed_when`/`failed_when`, and each module's own `run`, against a
//! remote ([`DryRemote`]) that answers probes from the host's
//! [`ProbeCache`] and changes nothing. A probe it cannot answer yet is
//! wanted (with every probe its task declares); the task's result is then
//! unknown, and so is every task that reads what it registers or sets
//! (found by reading the templates of conditions, loops and arguments,
//! through the variables they name, without rendering them; before fact
//! gathering, facts are unknown too). The simulation goes on. It stops
//! where the host would change (a module applies something), fail, leave
//! the play (`fail`, `meta`) or run handlers, and at anything it cannot
//! foresee (a dynamic include, `pause`).
//!
//! Nothing here decides a result: the run itself asks every probe again
//! and gets the cached answer only for the exact same text sent the same
//! way, while nothing has written to the host since it was read. A wrong
//! guess costs bytes in a batch, never a different result.
//!
//! Tasks on the controller (`delegate_to: localhost`, as the login user)
//! have their probes answered at once, locally: a `find` of the files to
//! copy is known before the probes of the copies are chosen.

use super::actions;
use super::connection;
use super::env::TaskEnv;
use super::eval::{
    all_true, first_false, loop_items, loop_keys, loop_settings, no_log, render_bool,
};
use super::host::{HostState, Session};
use super::invocation::{declared_read_only, item_vars, prepare};
use super::probe_cache::{ProbeCache, ProbeContext};
use super::remote::TransportRemote;
use super::result::{loop_result, registered, Ending, ItemRun, TaskResult};
use super::task::judge;
use super::timeline::Mark;
use super::trace::{Meter, Phase};
use super::vars::task_vars;
use super::work::{HostWork, Work};
use crate::modules::{Builtin, ExecOutput, ModuleContext, ModuleError, Remote};
use crate::plan::TaskStep;
use crate::template::Vars;
use crate::transport::{ConnectionKind, Privilege};
use crate::value::Value;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// At most this many task (or loop item) simulations per lookahead.
const MAX_STEPS: usize = 256;

/// A lookahead stops wanting probes past this many ...
const MAX_PROBES: usize = 256;

/// ... or this many bytes of probe text (what one batch carries).
const MAX_BYTES: usize = 256 * 1024;

/// What a variable not known yet renders as in [`Sim::want_declared`].
const PLACEHOLDER: &str = "\u{1}konvoy-lookahead-unknown\u{1}";

/// Probes to read in one context, in the order the tasks ask for them.
pub(crate) struct Wanted {
    /// How they are sent.
    pub context: ProbeContext,
    /// The probe texts.
    pub probes: Vec<String>,
    /// A `no_log` task asked for some: the batch's text is not shown.
    pub hidden: bool,
}

/// What a lookahead found.
pub(crate) struct Lookahead {
    /// Probes to read, by context.
    pub wanted: Vec<Wanted>,
    /// The timeline position it stopped before.
    pub end: usize,
}

/// Simulates `marks` from `start` for `st` (see the module docs).
/// `facts_pending`: the host's facts are being gathered (what reads them
/// is unknown, not undefined).
pub(crate) fn look(
    env: &TaskEnv<'_>,
    st: &mut HostState,
    marks: &[Mark],
    start: usize,
    facts_pending: bool,
) -> Lookahead {
    simulate(env, st, marks, start, facts_pending, false)
}

/// The probes of the first task (or loop item) from `start` that wants
/// any, in its context: what a host that is changing will be asked next.
pub(crate) fn look_next(
    env: &TaskEnv<'_>,
    st: &mut HostState,
    marks: &[Mark],
    start: usize,
) -> Option<Wanted> {
    if start >= marks.len() {
        return None;
    }
    simulate(env, st, marks, start, false, true)
        .wanted
        .into_iter()
        .find(|w| !w.probes.is_empty())
}

fn simulate(
    env: &TaskEnv<'_>,
    st: &mut HostState,
    marks: &[Mark],
    start: usize,
    facts_pending: bool,
    first_only: bool,
) -> Lookahead {
    let host = st.shadow();
    let mut sim = Sim {
        env,
        host,
        facts_pending,
        unknown: HashSet::new(),
        verdicts: HashMap::new(),
        cache: &mut st.probe_cache,
        meter: &st.meter,
        sessions: &mut st.sessions,
        wanted: Vec::new(),
        first_only,
        steps: 0,
        probes: 0,
        bytes: 0,
    };
    let mut end = start;
    for mark in marks.iter().skip(start) {
        let flow = match mark {
            Mark::Stop => Flow::Stop,
            Mark::Flush if sim.host.notified.is_empty() && sim.host.pending_handlers.is_empty() => {
                Flow::Go
            }
            Mark::Flush => Flow::Stop,
            Mark::Task(t) => sim.task(t),
        };
        if flow == Flow::Stop || sim.full() {
            break;
        }
        end += 1;
    }
    Lookahead {
        wanted: sim.wanted,
        end,
    }
}

/// Go on past a task, or stop the lookahead there.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Flow {
    Go,
    Stop,
}

/// What the simulation of one task (or loop item) says.
enum Guess {
    /// Its result, as the run will find it.
    Known(TaskResult),
    /// Not known yet (a probe is wanted, or a condition cannot render).
    Unknown,
    /// The host changes, fails or leaves here.
    Stop,
}

struct Sim<'a, 'e> {
    env: &'a TaskEnv<'e>,
    host: HostState,
    /// Facts are being gathered: unknown, not undefined.
    facts_pending: bool,
    /// Variables whose value is not known (what unknown tasks register
    /// or set).
    unknown: HashSet<String>,
    /// Whether each variable read so far depends on an unknown one.
    verdicts: HashMap<String, bool>,
    cache: &'a mut ProbeCache,
    meter: &'a Meter,
    sessions: &'a mut Vec<Session>,
    wanted: Vec<Wanted>,
    /// Stop at the first task or item that wants probes.
    first_only: bool,
    steps: usize,
    probes: usize,
    bytes: usize,
}

impl Sim<'_, '_> {
    fn full(&self) -> bool {
        (self.first_only && self.probes > 0)
            || self.steps >= MAX_STEPS
            || self.probes >= MAX_PROBES
            || self.bytes >= MAX_BYTES
    }

    fn task(&mut self, t: &Arc<TaskStep>) -> Flow {
        if !self.env.opts.tags_allow(&t.tags) {
            return Flow::Go;
        }
        // A templated module name is only resolved when the host reaches
        // the task: what it will run is not foreseen.
        if !self.host.active() || t.async_.is_some() || t.module_is_templated() {
            return Flow::Stop;
        }
        let templar = self.env.templar;
        let vars = task_vars(self.env.pv, &self.host, Some(t));
        if self.reads_unknown(t, &vars) {
            self.want_declared(t, &vars);
            self.forget(t);
            return Flow::Go;
        }
        let guess = match &t.loop_ {
            None => match first_false(templar, &t.when, &vars) {
                Err(_) => {
                    self.want_declared(t, &vars);
                    Guess::Unknown
                }
                Ok(Some(cond)) => Guess::Known(TaskResult::skipped(cond)),
                Ok(None) => self.attempt(t, &vars),
            },
            Some(spec) => match loop_items(templar, spec, &vars) {
                Ok(items) => self.items(t, &vars, &items),
                Err(_) => Guess::Unknown,
            },
        };
        let r = match guess {
            Guess::Stop => return Flow::Stop,
            Guess::Unknown => {
                self.forget(t);
                return Flow::Go;
            }
            Guess::Known(r) => r,
        };
        let ignored = t
            .ignore_errors
            .as_ref()
            .is_some_and(|v| render_bool(templar, v, &vars).unwrap_or(false));
        match r.ending {
            // The host's play ends here (what the task reads is known: a
            // task reading an unknown variable is not simulated), and
            // nothing past it may be run, not even a read-only command.
            Ending::Failed if !ignored => return Flow::Stop,
            Ending::Unreachable => return Flow::Stop,
            _ => {}
        }
        if r.changed && matches!(r.ending, Ending::Ran | Ending::Failed) {
            for n in &t.notify {
                self.host.notified.insert(n.clone());
            }
        }
        if let Some(name) = &t.register {
            self.host.set_fact(name, registered(r.to_map()));
        }
        // What this task registered or set is known again.
        for n in written(t) {
            if self.unknown.remove(&n) {
                self.verdicts.clear();
            }
        }
        Flow::Go
    }

    /// A loop, item by item as the run goes (each item sees the previous
    /// one registered).
    fn items(&mut self, t: &Arc<TaskStep>, vars: &Vars, items: &[Value]) -> Guess {
        let templar = self.env.templar;
        let Ok(ls) = loop_settings(templar, &t.loop_control, vars) else {
            return Guess::Stop;
        };
        let mut runs: Vec<ItemRun> = Vec::with_capacity(items.len());
        let mut unknown = false;
        for i in 0..items.len() {
            if self.first_only && self.probes > 0 {
                return Guess::Stop;
            }
            let mut iv = item_vars(&ls, vars, i, items);
            if let (Some(reg), Some(prev)) = (&t.register, runs.last()) {
                iv = iv.with(reg, registered(prev.to_map()));
            }
            let r = match first_false(templar, &t.when, &iv) {
                Err(_) => {
                    unknown = true;
                    continue;
                }
                Ok(Some(cond)) => TaskResult::skipped(cond),
                Ok(None) => match self.attempt(t, &iv) {
                    Guess::Known(r) => r,
                    Guess::Unknown => {
                        unknown = true;
                        continue;
                    }
                    Guess::Stop => return Guess::Stop,
                },
            };
            let item = ItemRun {
                label: String::new(),
                result: r,
                loop_keys: loop_keys(&ls, i, items),
                delegated_to: None,
            };
            let after = match &t.register {
                Some(reg) => iv.with(reg, registered(item.to_map())),
                None => iv,
            };
            runs.push(item);
            if !t.loop_control.break_when.is_empty() {
                match all_true(templar, &t.loop_control.break_when, &after) {
                    Ok(true) => break,
                    Ok(false) => {}
                    Err(_) => return Guess::Unknown,
                }
            }
            if self.full() {
                return Guess::Stop;
            }
        }
        if unknown {
            Guess::Unknown
        } else {
            Guess::Known(loop_result(&runs))
        }
    }

    /// One run of the task's action (the first attempt of an `until`).
    fn attempt(&mut self, t: &Arc<TaskStep>, vars: &Vars) -> Guess {
        self.steps += 1;
        let templar = self.env.templar;
        let Ok(work) = prepare(self.env, &self.host, t, vars) else {
            // Its arguments or keywords do not render: the task fails
            // (the host stops there), unless what is missing may only be
            // unknown yet (facts not gathered, or read through a variable
            // the lookahead does not know, as `hostvars[...]` does).
            if self.facts_pending || !self.unknown.is_empty() {
                return Guess::Unknown;
            }
            return Guess::Stop;
        };
        let r = match work {
            Work::Controller(args) => match t.module.builtin() {
                Some(
                    b @ (Builtin::SetFact
                    | Builtin::Debug
                    | Builtin::Assert
                    | Builtin::IncludeVars
                    | Builtin::ValidateArgumentSpec),
                ) => match actions::run(b, self.env, &mut self.host, t, vars, &args, None) {
                    Ok(o) => TaskResult::from_outcome(o, false),
                    Err(e) => TaskResult::failed(e),
                },
                // `fail`, `meta`, `pause`: the host stops, leaves or waits.
                _ => return Guess::Stop,
            },
            Work::Host(w) => match self.dry_run(t, &w, vars) {
                Guess::Known(r) => r,
                other => return other,
            },
        };
        if let Some(until) = &t.until {
            let rv = vars.with(
                t.register.as_deref().unwrap_or("result"),
                Value::Map(r.to_map()),
            );
            // A retry waits and reads the host anew: not foreseeable.
            if !matches!(all_true(templar, until, &rv), Ok(true)) {
                return Guess::Unknown;
            }
        }
        let mut r = judge(self.env, t, vars, r);
        if t.until.is_some() {
            r.set("attempts", Value::Int(1));
        }
        Guess::Known(r)
    }

    /// The module's own `run`, against the cache (see [`DryRemote`]).
    fn dry_run(&mut self, t: &TaskStep, w: &HostWork, vars: &Vars) -> Guess {
        let Ok(module) = &w.module else {
            return Guess::Stop;
        };
        let context = ProbeContext {
            spec: w.target.spec.clone(),
            privilege: w.target.privilege,
            environment: w.environment.clone(),
        };
        let declared = module.probes();
        let local = w.target.spec.kind == ConnectionKind::Local
            && (w.target.privilege == Privilege::User || w.target.spec.become_.is_none());
        self.meter.set_no_log(no_log(self.env.templar, t, vars));
        let mut dry = DryRemote {
            env: self.env,
            cache: &mut *self.cache,
            meter: self.meter,
            sessions: &mut *self.sessions,
            context: &context,
            declared: &declared,
            local,
            missed: false,
            unknown: false,
            wrote: false,
        };
        let mut scratch = HashMap::new();
        let outcome = {
            let mut ctx = ModuleContext {
                host: &self.host.name,
                remote: &mut dry,
                mode: w.mode,
                diff: w.diff,
                search_paths: &t.search_paths,
                templar: self.env.templar,
                vars,
                probe_cache: &mut scratch,
                commands: 0,
            };
            module.run(&mut ctx)
        };
        let (missed, unknown, wrote) = (dry.missed, dry.unknown, dry.wrote);
        if wrote {
            return Guess::Stop;
        }
        if missed {
            let hidden = no_log(self.env.templar, t, vars);
            self.want(context, declared, hidden);
            return Guess::Unknown;
        }
        if unknown {
            return Guess::Unknown;
        }
        match outcome {
            Ok(o) => Guess::Known(TaskResult::from_outcome(o, true)),
            Err(ModuleError::Transport(_)) => Guess::Stop,
            Err(e) => Guess::Known(TaskResult::failed(e.to_string())),
        }
    }

    /// The declared probes of a task whose condition cannot be decided
    /// yet: read-only, so worth reading in case it runs (a declared
    /// read-only command is only ever run when it would run).
    fn want_declared(&mut self, t: &TaskStep, vars: &Vars) {
        if declared_read_only(t) {
            return;
        }
        // What is not known yet stands in as a placeholder: a copy whose
        // content reads a result not known yet still declares the probe of
        // its destination. A probe that holds the placeholder is dropped.
        let mut stand_in = vars.clone();
        for n in &self.unknown {
            stand_in = stand_in.with(n, Value::Str(PLACEHOLDER.into()));
        }
        let work = prepare(self.env, &self.host, t, vars)
            .or_else(|_| prepare(self.env, &self.host, t, &stand_in));
        let Ok(Work::Host(w)) = work else {
            return;
        };
        let Ok(module) = &w.module else {
            return;
        };
        let context = ProbeContext {
            spec: w.target.spec.clone(),
            privilege: w.target.privilege,
            environment: w.environment.clone(),
        };
        // Sent somewhere not known yet: nothing to read.
        let unknown_way = format!("{:?}", w.target.spec).contains(PLACEHOLDER)
            || w.environment.iter().any(|(_, v)| v.contains(PLACEHOLDER));
        if unknown_way {
            return;
        }
        let hidden = no_log(self.env.templar, t, vars);
        let probes = module
            .probes()
            .into_iter()
            .filter(|p| !p.contains(PLACEHOLDER))
            .collect();
        self.want(context, probes, hidden);
    }

    /// Adds `probes` not answered yet to what is wanted.
    fn want(&mut self, context: ProbeContext, probes: Vec<String>, hidden: bool) {
        let fresh: Vec<String> = probes
            .into_iter()
            .filter(|p| self.cache.get(&context, p, self.meter).is_none())
            .collect();
        let at = match self.wanted.iter().position(|w| w.context == context) {
            Some(i) => i,
            None => {
                self.wanted.push(Wanted {
                    context,
                    probes: Vec::new(),
                    hidden: false,
                });
                self.wanted.len() - 1
            }
        };
        let w = &mut self.wanted[at];
        for p in fresh {
            if !w.probes.contains(&p) && self.bytes + p.len() <= MAX_BYTES {
                self.probes += 1;
                self.bytes += p.len();
                w.probes.push(p);
                w.hidden |= hidden;
            }
        }
    }

    /// Whether anything the task's run depends on (conditions, loop,
    /// arguments, `changed_when`, `failed_when`, `until`) reads a variable
    /// whose value is not known yet.
    fn reads_unknown(&mut self, t: &TaskStep, vars: &Vars) -> bool {
        let conds = t
            .when
            .iter()
            .map(|w| &w.text)
            .chain(t.changed_when.iter().flatten())
            .chain(t.failed_when.iter().flatten())
            .chain(t.until.iter().flatten());
        for c in conds {
            if self.text_reads_unknown(vars, c, true, 0) {
                return true;
            }
        }
        let mut texts = Vec::new();
        strings(&Value::Map(t.args.clone()), &mut texts);
        if let Some(l) = &t.loop_ {
            strings(&l.items, &mut texts);
        }
        texts
            .iter()
            .any(|s| self.text_reads_unknown(vars, s, false, 0))
    }

    /// Whether `text` reads an unknown variable, directly or through the
    /// templates of the variables it reads (a few levels deep).
    fn text_reads_unknown(
        &mut self,
        vars: &Vars,
        text: &str,
        conditional: bool,
        depth: usize,
    ) -> bool {
        if !conditional && !crate::template::Templar::is_template(text) {
            return false;
        }
        let Ok(names) = self.env.templar.variables(text, conditional) else {
            return false;
        };
        names.iter().any(|n| self.var_is_unknown(vars, n, depth))
    }

    fn var_is_unknown(&mut self, vars: &Vars, name: &str, depth: usize) -> bool {
        if self.unknown.contains(name) {
            return true;
        }
        if let Some(v) = self.verdicts.get(name) {
            return *v;
        }
        let verdict = match vars.raw(name) {
            // Facts not gathered yet.
            None => self.facts_pending && (name == "ansible_facts" || name.starts_with("ansible_")),
            Some(v) if depth < 4 => {
                let mut texts = Vec::new();
                strings(v, &mut texts);
                texts
                    .iter()
                    .any(|s| self.text_reads_unknown(vars, s, false, depth + 1))
            }
            Some(_) => false,
        };
        self.verdicts.insert(name.to_owned(), verdict);
        verdict
    }

    /// The task's result is not known: what it registers or sets is
    /// unknown for the tasks after it.
    fn forget(&mut self, t: &TaskStep) {
        let names = written(t);
        if !names.is_empty() {
            self.verdicts.clear();
        }
        for n in names {
            self.host.set_facts.shift_remove(&n);
            if let Ok(mut d) = self.host.shared.dynamic.write() {
                d.shift_remove(&n);
            }
            self.unknown.insert(n);
        }
    }
}

/// The variables a task registers or sets.
fn written(t: &TaskStep) -> Vec<String> {
    let mut names: Vec<String> = t.register.iter().cloned().collect();
    if t.module.builtin() == Some(Builtin::SetFact) {
        names.extend(t.args.keys().filter(|k| *k != "cacheable").cloned());
    }
    names
}

/// Every string inside `v` (keys excluded).
fn strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Str(s) | Value::Unsafe(s) => out.push(s.clone()),
        Value::List(l) => l.iter().for_each(|x| strings(x, out)),
        Value::Map(m) => m.values().for_each(|x| strings(x, out)),
        _ => {}
    }
}

/// The host as the lookahead lets a module see it: probes answered from
/// the cache (on the controller, read now), nothing else done.
struct DryRemote<'a, 'e> {
    env: &'a TaskEnv<'e>,
    cache: &'a mut ProbeCache,
    meter: &'a Meter,
    sessions: &'a mut Vec<Session>,
    context: &'a ProbeContext,
    declared: &'a [String],
    /// Probes may be run now: the context is the controller itself.
    local: bool,
    /// A declared probe is not answered yet.
    missed: bool,
    /// Something was asked that cannot be read ahead.
    unknown: bool,
    /// The module would change the host.
    wrote: bool,
}

impl DryRemote<'_, '_> {
    fn not_yet() -> ModuleError {
        ModuleError::Probe("not read yet (lookahead)".into())
    }

    /// Runs a probe on the controller and keeps the answer.
    fn read_locally(&mut self, script: &str) -> Option<ExecOutput> {
        let _probes = self.meter.phase(Phase::Probes);
        let mut t =
            connection::session(self.env, self.sessions, self.meter, &self.context.spec).ok()?;
        let out = TransportRemote::new(&mut t)
            .env(self.context.environment.clone())
            .exec(script, None)
            .ok()?;
        self.cache
            .insert(self.context, [(script.to_owned(), out.clone())], self.meter);
        Some(out)
    }
}

impl Remote for DryRemote<'_, '_> {
    fn probe(&mut self, script: &str) -> Result<ExecOutput, ModuleError> {
        if let Some(out) = self.cache.get(self.context, script, self.meter) {
            return Ok(out.clone());
        }
        let declared = self.declared.iter().any(|d| d == script);
        if declared && self.local {
            if let Some(out) = self.read_locally(script) {
                return Ok(out);
            }
        }
        if declared {
            self.missed = true;
        } else {
            self.unknown = true;
        }
        Err(Self::not_yet())
    }

    fn exec(&mut self, _script: &str, _stdin: Option<&[u8]>) -> Result<ExecOutput, ModuleError> {
        self.wrote = true;
        Err(Self::not_yet())
    }

    fn put(&mut self, _data: &[u8], _dest: &str, _mode: Option<u32>) -> Result<(), ModuleError> {
        self.wrote = true;
        Err(Self::not_yet())
    }

    fn fetch(&mut self, _path: &str) -> Result<Vec<u8>, ModuleError> {
        self.unknown = true;
        Err(Self::not_yet())
    }
}
