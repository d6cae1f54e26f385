//! The play loop: host selection, `serial` batches, fact gathering,
//! strategies, end-of-play handlers, and the recap.

use super::env::TaskEnv;
use super::gather::gather_facts;
use super::host::{HostState, Standing};
use super::live::LiveInventory;
use super::options::{RunError, RunOptions, RunSummary};
use super::prefetch::before_facts;
use super::start_at;
use super::vars::PlayRoles;
use super::vars::{HostTable, PlayVars};
use super::walk::Walk;
use crate::config::PatternMismatch;
use crate::inventory::Inventory;
use crate::modules::RunMode;
use crate::plan::{HostOrder, Plan, PlayPlan, Serial, Step, Strategy};
use crate::playbook::keyword_table::Keyword;
use crate::report::{Event, Recap, Reporter, Status};
use crate::template::{Templar, Vars};
use crate::value::{Map, Value};
use indexmap::IndexMap;
use rayon::prelude::*;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Runs a compiled playbook against an inventory, reporting every event
/// to `reporter`. Host failures do not stop other hosts; the summary's
/// exit code says what happened, as `ansible-playbook`'s does.
///
/// # Errors
/// Only for problems that stop the whole run (an invalid host pattern).
pub fn run(
    plan: &Plan,
    inventory: &Inventory,
    opts: &RunOptions,
    reporter: &dyn Reporter,
) -> Result<RunSummary, RunError> {
    let templar = Templar::new();
    let extra = Arc::new(opts.extra_vars.clone());
    let mut states: IndexMap<String, HostState> = IndexMap::new();
    let foreign = Arc::new(AtomicU64::new(0));
    let live = Arc::new(LiveInventory::new(
        inventory.clone(),
        plan.playbook_dir.clone(),
        opts.quiet_group_names,
    ));
    for host in inventory.hosts() {
        let name = host.name().to_owned();
        let vars = live.host_vars(&name).map_err(|message| RunError::Pattern {
            pattern: name.clone(),
            message,
        })?;
        states.insert(
            name.clone(),
            HostState::new(&name, Arc::new(vars), foreign.clone()),
        );
    }
    let local_vars = || {
        let mut vars = Map::new();
        vars.insert("ansible_connection".into(), Value::Str("local".into()));
        Arc::new(vars)
    };
    // The implicit localhost exists from the start (facts may be
    // delegated to it before any play targets it).
    let mut implicit = (!states.contains_key("localhost"))
        .then(|| HostState::new("localhost", local_vars(), foreign.clone()));
    let hostvars = Arc::new(HostTable {
        hosts: std::sync::RwLock::new(
            states
                .iter()
                .map(|(k, s)| (k.clone(), s.shared.clone()))
                .collect(),
        ),
        extra: extra.clone(),
        implicit_localhost: implicit.as_ref().map(|s| s.shared.clone()),
        live: live.clone(),
    });
    // Plays past these select from an inventory earlier plays may have
    // changed: their patterns are checked when they start, as Ansible
    // checks every play's (the others were checked before the run).
    let static_plays = plan.plays_with_static_hosts();
    let mut warned: std::collections::HashSet<String> = Default::default();
    let mut cancelled = false;
    let mut stopped = false;
    let mut start_at = opts.start_at_task.clone();
    for (index, play) in plan.plays.iter().enumerate() {
        if opts.cancel.load(Ordering::Relaxed) {
            cancelled = true;
            break;
        }
        // Every play-level keyword is applied below: the name here, the
        // pattern, batches, gathering, strategy and failure rules in the
        // batch loop, play vars in `play_vars`.
        for k in [
            Keyword::Name,
            Keyword::Hosts,
            Keyword::Serial,
            Keyword::GatherFacts,
            Keyword::FactPath,
            Keyword::GatherTimeout,
            Keyword::Strategy,
            Keyword::AnyErrorsFatal,
            Keyword::MaxFailPercentage,
            Keyword::ForceHandlers,
            Keyword::Vars,
        ] {
            play.keywords.read(k);
        }
        let pattern = templar
            .render_string(&play.hosts, &Vars::new(extra.clone()))
            .map_err(|e| RunError::Pattern {
                pattern: play.hosts.clone(),
                message: e.to_string(),
            })?;
        if index >= static_plays {
            let unmatched =
                live.read()
                    .unmatched_patterns(&pattern)
                    .map_err(|e| RunError::Pattern {
                        pattern: pattern.clone(),
                        message: e.to_string(),
                    })?;
            for item in unmatched {
                match opts.host_pattern_mismatch {
                    PatternMismatch::Error => return Err(RunError::UnmatchedPattern(item)),
                    PatternMismatch::Ignore => {}
                    PatternMismatch::Warning => {
                        if warned.insert(item.clone()) {
                            reporter.event(&Event::Warning(format!(
                                "Could not match supplied host pattern, ignoring: {item}"
                            )));
                        }
                    }
                }
            }
        }
        let selected = live
            .read()
            .select_with_limit(&pattern, opts.limit.as_deref())
            .map_err(|e| RunError::Pattern {
                pattern: pattern.clone(),
                message: e.to_string(),
            })?;
        let selected = match opts.shard {
            Some(shard) => shard.filter(&live.read(), selected),
            None => selected,
        };
        let mut hosts: Vec<String> = Vec::new();
        for h in selected {
            if !states.contains_key(&h) {
                // A host `add_host` made, or an implicit localhost (not in
                // the inventory, runs locally).
                let st = match implicit.take() {
                    Some(st) if h == "localhost" => st,
                    other => {
                        implicit = other;
                        match hostvars.shared(&h) {
                            Some(shared) => HostState::with_shared(&h, shared, foreign.clone()),
                            None => HostState::new(&h, local_vars(), foreign.clone()),
                        }
                    }
                };
                states.insert(h.clone(), st);
            }
            if matches!(states[&h].standing, Standing::Active | Standing::Ended) {
                hosts.push(h);
            }
        }
        for h in &hosts {
            if let Some(s) = states.get_mut(h) {
                s.standing = Standing::Active;
            }
        }
        if hosts.is_empty() {
            reporter.event(&Event::PlayStart {
                name: play.name.clone(),
            });
            reporter.event(&Event::NoHostsMatched);
            continue;
        }
        // `ansible_play_hosts*` keep the inventory's order; batches and
        // scheduling follow `order:`.
        let play_hosts = hosts.clone();
        play.keywords.read(Keyword::Order);
        ordered(&mut hosts, play.order);
        let serial = resolve_serial(&templar, play, &extra)?;
        let strategy = super::strategy::resolve(&templar, play, &extra)?;
        let forks = if opts.forks == 0 {
            hosts.len().clamp(1, 50)
        } else {
            opts.forks
        };
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(forks)
            .build()
            .expect("a thread pool of `forks` workers can always be built");
        let timeline = super::timeline::Timeline::of(&play.steps);
        // The play's handlers, with those `include_role` adds in any batch.
        let handlers = std::sync::RwLock::new(play.handlers.clone());
        for batch_hosts in batches(&hosts, &serial) {
            // Each batch is a run of the play: its own banner.
            reporter.event(&Event::PlayStart {
                name: play.name.clone(),
            });
            let mut batch: Vec<HostState> = batch_hosts
                .iter()
                .filter_map(|h| states.shift_remove(h))
                .collect();
            // Facts delegated to these hosts while they were out of play
            // come before what this play gathers.
            for s in &mut batch {
                s.absorb();
            }
            let pv = play_vars(
                play,
                plan,
                &live,
                opts,
                &extra,
                &hostvars,
                &play_hosts,
                &batch_hosts,
            );
            let walk = Walk {
                env: TaskEnv {
                    pv: &pv,
                    reporter,
                    templar: &templar,
                    opts,
                },
                reporter,
                pool: &pool,
                any_errors_fatal: play.any_errors_fatal,
                max_fail_percentage: play.max_fail_percentage,
                handlers: &handlers,
                force_handlers: play.force_handlers,
                batch_size: batch.len(),
                batching: opts.probe_batching,
                timeline: &timeline,
                throttles: Default::default(),
                fatal: Default::default(),
                play_ended: Default::default(),
                free: strategy == Strategy::Free,
            };
            // `--start-at-task`: until a batch finds the task, each runs
            // nothing (not even fact gathering); the batch that finds it
            // starts there, and everything after runs in full.
            let started;
            let (steps, gathers): (&[Step], usize) = match &start_at {
                None => (&play.steps, usize::from(play.gather_facts)),
                Some(pattern) => match start_at::start(&play.steps, play.gather_facts, pattern) {
                    Some(s) => {
                        started = s;
                        start_at = None;
                        (&started.steps, started.gathers)
                    }
                    None => (&[], 0),
                },
            };
            for _ in 0..gathers {
                gather(&walk, &mut batch, play.gather.as_deref(), steps);
            }
            let finished = match strategy {
                Strategy::Linear => walk.steps(steps, &mut batch, false) && walk.flush(&mut batch),
                Strategy::Free => pool.install(|| {
                    batch
                        .par_iter_mut()
                        .map(|s| {
                            let one = std::slice::from_mut(s);
                            walk.steps(steps, one, false) && walk.flush(one)
                        })
                        .collect::<Vec<_>>()
                        .into_iter()
                        .all(|ok| ok)
                }),
            };
            for s in batch {
                states.insert(s.name.clone(), s);
            }
            if let Some(msg) = walk.fatal.lock().ok().and_then(|mut f| f.take()) {
                // Ansible stops at once: no recap.
                for s in states.values_mut() {
                    s.wait_jobs();
                    s.close_sessions();
                }
                return Err(RunError::Fatal(msg));
            }
            // Ansible ends the whole playbook (no more batches, no more
            // plays) when `max_fail_percentage` is exceeded or when every
            // host of a batch failed or was unreachable.
            let batch_failed = batch_hosts
                .iter()
                .all(|h| states.get(h).is_some_and(|s| s.failed() || s.unreachable()));
            if !finished || batch_failed {
                cancelled = opts.cancel.load(Ordering::Relaxed);
                stopped = true;
                break;
            }
            if walk.play_ended.load(Ordering::Relaxed) {
                break;
            }
        }
        for s in states.values_mut() {
            s.notified.clear();
            s.pending_handlers.clear();
        }
        if stopped {
            break;
        }
    }
    let mut recap = Recap::default();
    let mut commands = std::collections::BTreeMap::new();
    let mut traffic = std::collections::BTreeMap::new();
    for (name, s) in &mut states {
        s.wait_jobs();
        s.close_sessions();
        let t = s.meter.traffic();
        if s.stats != Default::default() || t.commands > 0 {
            *recap.host(name) = s.stats;
        }
        commands.insert(name.clone(), t.commands);
        traffic.insert(name.clone(), t);
    }
    reporter.event(&Event::Recap(recap.clone()));
    let exit_code = if cancelled { 130 } else { recap.exit_code() };
    Ok(RunSummary {
        start_at_task_unmatched: start_at,
        recap,
        exit_code,
        commands,
        traffic,
    })
}

/// `serial` batches as Ansible's `_get_serialized_batches` cuts them:
/// counts or percentages of the play's hosts (`pct_to_int`: truncated,
/// at least 1), the last size repeating; a size of 0 or less takes every
/// host left.
fn batches(hosts: &[String], serial: &[Serial]) -> Vec<Vec<String>> {
    if serial.is_empty() {
        return vec![hosts.to_vec()];
    }
    let mut out = Vec::new();
    let mut rest = hosts;
    let mut i = 0;
    while !rest.is_empty() {
        let n = match &serial[i.min(serial.len() - 1)] {
            Serial::Count(n) => *n,
            Serial::Percent(p) => match ((hosts.len() as f64) * p / 100.0).trunc() as i64 {
                0 => 1,
                n => n,
            },
            // Resolved before batching.
            Serial::Template(_) => 0,
        };
        let n = if n <= 0 {
            rest.len()
        } else {
            (n as usize).min(rest.len())
        };
        out.push(rest[..n].to_vec());
        rest = &rest[n..];
        i += 1;
    }
    out
}

/// `order:` applied to the play's hosts.
fn ordered(hosts: &mut [String], order: HostOrder) {
    match order {
        HostOrder::Inventory => {}
        HostOrder::ReverseInventory => hosts.reverse(),
        HostOrder::Sorted => hosts.sort(),
        HostOrder::ReverseSorted => hosts.sort_by(|a, b| b.cmp(a)),
        HostOrder::Shuffle => {
            // Fisher-Yates with a clock-seeded xorshift: a different
            // order each run, as Python's `shuffle`.
            let mut x = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0x9e37_79b9, |d| d.as_nanos() as u64)
                | 1;
            for i in (1..hosts.len()).rev() {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                hosts.swap(i, (x % (i as u64 + 1)) as usize);
            }
        }
    }
}

/// `serial:` with its templates rendered (play vars and extra vars, as
/// Ansible templates play keywords when the play starts): each renders
/// to a count, a percentage or a list of them.
fn resolve_serial(
    templar: &Templar,
    play: &PlayPlan,
    extra: &Arc<Map>,
) -> Result<Vec<Serial>, RunError> {
    if !play.serial.iter().any(|s| matches!(s, Serial::Template(_))) {
        return Ok(play.serial.clone());
    }
    let mut vars = play.vars.clone();
    vars.extend(extra.iter().map(|(k, v)| (k.clone(), v.clone())));
    let vars = Vars::new(Arc::new(vars));
    let bad = |v: &Value| {
        RunError::Play(format!(
            "Error processing keyword 'serial': the value {} is not an integer or a percentage",
            crate::report::python_repr(v)
        ))
    };
    let one = |v: &Value| -> Result<Serial, RunError> {
        match v {
            Value::Int(i) => Ok(Serial::Count(*i)),
            Value::Str(s) | Value::Unsafe(s) => {
                let t = s.trim();
                match t.strip_suffix('%') {
                    Some(p) => p.trim().parse::<i64>().map(|p| Serial::Percent(p as f64)),
                    None => t.parse::<i64>().map(Serial::Count),
                }
                .map_err(|_| bad(v))
            }
            other => Err(bad(other)),
        }
    };
    let mut out = Vec::new();
    for s in &play.serial {
        let Serial::Template(t) = s else {
            out.push(s.clone());
            continue;
        };
        let v = templar
            .render_value(&Value::Str(t.clone()), &vars)
            .map_err(|e| RunError::Play(format!("Error processing keyword 'serial': {e}")))?;
        match &v {
            Value::List(items) => {
                for i in items {
                    out.push(one(i)?);
                }
            }
            other => out.push(one(other)?),
        }
    }
    Ok(out)
}

/// `ansible_run_tags` / `ansible_skip_tags` as ansible-core's CLI leaves
/// them: each tag once (a set there, so in no set order; content sorts),
/// and `['all']` for no `--tags` (`run` only).
fn run_tags(tags: &[String], run: bool) -> Value {
    let mut out: Vec<Value> = Vec::new();
    for t in tags.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
        if !out.iter().any(|v| v.as_str() == Some(t)) {
            out.push(Value::Str(t.to_owned()));
        }
    }
    if out.is_empty() && run {
        out.push(Value::Str("all".into()));
    }
    Value::List(out)
}

#[allow(clippy::too_many_arguments)]
fn play_vars(
    play: &PlayPlan,
    plan: &Plan,
    live: &Arc<LiveInventory>,
    opts: &RunOptions,
    extra: &Arc<Map>,
    hostvars: &Arc<HostTable>,
    play_hosts: &[String],
    batch: &[String],
) -> PlayVars {
    let list = |v: &[String]| Value::List(v.iter().map(|h| Value::Str(h.clone())).collect());
    let mut magic = Map::new();
    // Read before the groups: a change in between is read again by each
    // task (see `task_vars`).
    let changes_seen = live.changes();
    magic.insert("groups".into(), live.groups_var());
    magic.insert(
        "playbook_dir".into(),
        Value::Str(plan.playbook_dir.display().to_string()),
    );
    magic.insert("ansible_play_hosts".into(), list(play_hosts));
    magic.insert("ansible_play_hosts_all".into(), list(play_hosts));
    magic.insert("ansible_play_batch".into(), list(batch));
    magic.insert("play_hosts".into(), list(batch));
    magic.insert("ansible_play_name".into(), Value::Str(play.name.clone()));
    let roles = PlayRoles {
        named: play.role_names.clone(),
        dependent: play.dependent_role_names.iter().cloned().collect(),
        grown: false,
    };
    for (k, v) in roles.magic() {
        magic.insert(k.into(), v);
    }
    magic.insert(
        "ansible_check_mode".into(),
        Value::Bool(opts.mode == RunMode::Check),
    );
    magic.insert("ansible_diff_mode".into(), Value::Bool(opts.diff));
    magic.insert("ansible_run_tags".into(), run_tags(&opts.tags, true));
    magic.insert("ansible_skip_tags".into(), run_tags(&opts.skip_tags, false));
    magic.insert(
        "ansible_verbosity".into(),
        Value::Int(i64::from(opts.verbosity)),
    );
    magic.insert("omit".into(), Value::Str(crate::template::OMIT.into()));
    // Ansible's controller interpreter (`sys.executable`). konvoy-image
    // runs no Python; content uses the name as `ansible_python_interpreter`
    // for local hosts (ansible-test's inventories do), which konvoy-image
    // accepts and does not need: the system python3 is the honest answer.
    magic.insert(
        "ansible_playbook_python".into(),
        Value::Str("/usr/bin/python3".into()),
    );
    let mut version = Map::new();
    for (k, v) in [("full", "2.19.14"), ("string", "2.19.14")] {
        version.insert(k.into(), Value::Str(v.into()));
    }
    for (k, v) in [("major", 2), ("minor", 19), ("revision", 14)] {
        version.insert(k.into(), Value::Int(v));
    }
    magic.insert("ansible_version".into(), Value::Map(version));
    let host_magic = play_hosts
        .iter()
        .map(|h| {
            let mut m = Map::new();
            m.insert("inventory_hostname".into(), Value::Str(h.clone()));
            m.insert(
                "inventory_hostname_short".into(),
                Value::Str(super::vars::short_name(h).to_owned()),
            );
            m.insert("group_names".into(), live.group_names(h));
            (h.clone(), m)
        })
        .collect();
    PlayVars {
        play: play.vars.clone(),
        extra: extra.clone(),
        magic,
        host_magic,
        hostvars: hostvars.clone(),
        live: live.clone(),
        changes_seen,
        roles: std::sync::RwLock::new(roles),
        default_connection: opts
            .defaults
            .connection
            .clone()
            .unwrap_or_else(|| "ssh".into()),
    }
}

/// The implicit `Gathering Facts` task: one script per host, in parallel,
/// each host reported as soon as it is done.
/// With probe batching, each host's script also reads the probes of the
/// first tasks of `steps` that do not need facts.
fn gather(
    walk: &Walk<'_>,
    batch: &mut [HostState],
    play: Option<&crate::plan::TaskStep>,
    steps: &[Step],
) {
    const TASK: &str = "Gathering Facts";
    // `gathering = smart`: only hosts whose facts this run has not
    // gathered yet; none left, no banner (ansible-core's iterator gives
    // them no setup task).
    let once = walk.env.opts.play_defaults.gather_once;
    let wanted = |s: &HostState| s.active() && !(once && s.facts_gathered);
    if !batch.iter().any(wanted) {
        return;
    }
    walk.reporter.event(&Event::TaskStart {
        name: TASK.into(),
        handler: false,
    });
    walk.pool.install(|| {
        batch.par_iter_mut().filter(|s| wanted(s)).for_each(|st| {
            walk.reporter.event(&Event::HostTaskStart {
                host: st.name.clone(),
                task: TASK.into(),
            });
            let probes = walk
                .batching
                .then(|| before_facts(&walk.env, st, walk.timeline, steps))
                .flatten();
            let run = gather_facts(&walk.env, st, play, probes);
            match run.result.status() {
                Status::Unreachable => {
                    st.standing = Standing::Unreachable;
                    st.stats.unreachable = 1;
                }
                Status::Failed => {
                    st.standing = Standing::Failed { rescuable: false };
                    st.stats.failed += 1;
                }
                _ => st.stats.ok += 1,
            }
            walk.reporter
                .event(&Event::HostResult(Box::new(run.event(&st.name, TASK))));
        })
    });
}
