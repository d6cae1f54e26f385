//! `async:` and `poll:`: a host module run as a background job.
//!
//! As Ansible's `async_wrapper` does, starting a job writes its results
//! file on the host (`~/.ansible_async/<jid>`, or under
//! `ansible_async_dir`) saying it started, and the task returns at once
//! with `ansible_job_id`, `results_file`, `started` and `finished`. The
//! module then runs on its own connection (a thread of this process)
//! within `async:` seconds; every command is cut at that deadline, and
//! the results file gets the module's result, or Ansible's
//! `Timeout exceeded` failure.
//!
//! With `poll:` above 0 the task waits: it reads the job through
//! `async_status` every `poll` seconds, reporting `ASYNC POLL` lines,
//! until the job finishes or `async:` seconds of polling have passed
//! (then `async task did not complete within the requested time`), and
//! removes the results file of a finished job, exactly as Ansible's
//! `_poll_async_result`.
//!
//! Deviation: the job runs in this process, not in a daemon on the host:
//! a `poll: 0` job still running when the playbook ends is waited for
//! (at most until its `async:` deadline) before the run returns, where
//! ansible-playbook would leave it running on the host.

use super::connection;
use super::env::TaskEnv;
use super::eval::keyword_int;
use super::host::HostState;
use super::invocation;
use super::remote::TransportRemote;
use super::result::{Blame, TaskResult};
use super::work::{HostWork, Unprepared, Work};
use crate::modules::async_status::{self, Mode};
use crate::modules::{ArgError, ModuleContext, Outcome, Placement};
use crate::plan::TaskStep;
use crate::report::{AsyncState, Event};
use crate::shell::quote;
use crate::template::{Templar, Vars};
use crate::value::{Map, Value};
use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime};

/// Ansible's `DEFAULT_POLL_INTERVAL`: `poll` when `async` is set alone.
const DEFAULT_POLL: i64 = 15;

/// `async:` and `poll:` of one attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct AsyncSpec {
    /// Seconds the job may run.
    pub limit: i64,
    /// Seconds between checks; 0: fire and forget.
    pub poll: i64,
}

/// The task's `async`/`poll` for `vars`: `None` when `async` is unset
/// or 0 (the task runs in the foreground).
pub(crate) fn spec(
    t: &Templar,
    task: &TaskStep,
    vars: &Vars,
) -> Result<Option<AsyncSpec>, TaskResult> {
    let int = |name: &str, v: &Option<Value>| match v {
        None => Ok(None),
        Some(v) => keyword_int(t, name, v, vars).map_err(|e| TaskResult::task_error(&e)),
    };
    task.keywords
        .read(crate::playbook::keyword_table::Keyword::Async);
    task.keywords
        .read(crate::playbook::keyword_table::Keyword::Poll);
    let Some(limit) = int("async", &task.async_)?.filter(|l| *l > 0) else {
        return Ok(None);
    };
    let poll = int("poll", &task.poll)?.unwrap_or(DEFAULT_POLL);
    Ok(Some(AsyncSpec { limit, poll }))
}

/// Starts `task` as a job on `st` and, with `poll` above 0, waits for it.
pub(crate) fn run(
    env: &TaskEnv<'_>,
    st: &mut HostState,
    task: &TaskStep,
    vars: &Vars,
    spec: AsyncSpec,
) -> TaskResult {
    let supported = matches!(task.module.entry().placement, Placement::Host(_))
        && task.module.as_str() != "async_status";
    if !supported {
        // Raised by Ansible's action before it runs: the task's own error.
        return TaskResult {
            blame: Blame::Task,
            ..TaskResult::failed(format!(
                "This action ({}) does not support async.",
                task.action
            ))
        };
    }
    st.meter
        .set_no_log(super::eval::no_log(env.templar, task, vars));
    let mut work = match invocation::prepare(env, st, task, vars) {
        Ok(Work::Host(w)) => w,
        Ok(Work::Controller(_)) => unreachable!("a host module prepares host work"),
        Err(Unprepared::Args(m) | Unprepared::Failed(m)) => return TaskResult::failed(m),
    };
    let taken = std::mem::replace(&mut work.module, Err(ArgError::Invalid(String::new())));
    let module = match taken {
        Ok(m) => m,
        Err(e) => return TaskResult::failed(e.to_string()),
    };
    let dir = match vars.get("ansible_async_dir") {
        Ok(Some(Value::Str(s))) if !s.is_empty() => s,
        _ => "~/.ansible_async".to_owned(),
    };
    let job = match create(env, st, &work, &dir) {
        Ok(job) => job,
        Err(r) => return r,
    };
    // The job's own connection, opened before the task returns so the
    // job starts at once (as the wrapper has forked the module by then).
    // Its commands run on a thread of their own after this task returns,
    // outside the host's traced sessions: only the connect is counted.
    let connecting = Instant::now();
    let transport = crate::transport::connect(&work.target.spec, &env.opts.connect);
    st.meter.connected(connecting.elapsed());
    let transport = match transport {
        Ok(t) => t,
        Err(e) => return TaskResult::unreachable_via(&e, &work.target.spec),
    };
    let started = Instant::now();
    let background = Background {
        environment: work.environment.clone(),
        privilege: work.target.privilege,
        mode: work.mode,
        diff: work.diff,
        search_paths: task.search_paths.clone(),
        vars: vars.clone(),
        host: st.name.clone(),
        file: job.file.clone(),
        pid: job.pid,
        deadline: started + kill_after(spec.limit),
    };
    st.jobs.push(std::thread::spawn(move || {
        background.run(module, transport)
    }));
    let mut start = Map::new();
    start.insert("ansible_job_id".into(), Value::Str(job.jid.clone()));
    start.insert("finished".into(), Value::Bool(false));
    start.insert("results_file".into(), Value::Str(job.file.clone()));
    start.insert("started".into(), Value::Bool(true));
    let started_result = Outcome {
        changed: true,
        result: start,
        ..Outcome::default()
    };
    if spec.poll <= 0 {
        return TaskResult::from_outcome(started_result, true);
    }
    poll(env, st, &work, &dir, &job.jid, spec)
}

/// A job as created on the host.
struct Job {
    jid: String,
    file: String,
    /// The pid of the shell that created it (the jid's suffix, as the
    /// wrapper's pid is in Ansible's).
    pid: i64,
}

/// Writes the job's "started" results file; returns its id and path.
fn create(
    env: &TaskEnv<'_>,
    st: &mut HostState,
    work: &HostWork,
    dir: &str,
) -> Result<Job, TaskResult> {
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let prefix = format!("j{}", (nanos ^ (nanos >> 17)) % 1_000_000_000_000);
    let script = format!(
        "d={}; mkdir -p \"$d\" || exit 1; cd \"$d\" || exit 1; j={prefix}.$$; \
         printf '{{\"started\": true, \"finished\": false, \"ansible_job_id\": \"%s\"}}' \"$j\" \
         > \"$j.tmp\" && mv -f \"$j.tmp\" \"$j\" && printf '%s\\n%s\\n' \"$j\" \"$PWD/$j\"",
        async_status::shell_path(dir),
    );
    let out = with_remote(env, st, work, |ctx| ctx.apply(&script, None))?;
    let text = out.stdout_str();
    let mut lines = text.lines();
    match (out.rc, lines.next(), lines.next()) {
        (0, Some(jid), Some(file)) => Ok(Job {
            pid: jid
                .rsplit('.')
                .next()
                .and_then(|p| p.parse().ok())
                .unwrap_or(0),
            jid: jid.to_owned(),
            file: file.to_owned(),
        }),
        _ => Err(TaskResult::failed(format!(
            "could not create directory: {dir} - {}",
            out.stderr_str().trim()
        ))),
    }
}

/// Runs `f` with a module context over the host's own session, as the
/// task's user and environment.
fn with_remote<T>(
    env: &TaskEnv<'_>,
    st: &mut HostState,
    work: &HostWork,
    f: impl FnOnce(&mut ModuleContext<'_>) -> Result<T, crate::modules::ModuleError>,
) -> Result<T, TaskResult> {
    let mut transport =
        match connection::session(env, &mut st.sessions, &st.meter, &work.target.spec) {
            Ok(t) => t,
            Err(e) => return Err(TaskResult::unreachable_via(&e, &work.target.spec)),
        };
    let mut remote = TransportRemote::new(&mut transport)
        .env(work.environment.clone())
        .privilege(work.target.privilege)
        .timeout(work.timeout)
        .meter(&st.meter);
    let empty = Vars::new(Default::default());
    let mut cache = HashMap::new();
    let mut ctx = ModuleContext {
        host: &st.name,
        remote: &mut remote,
        mode: work.mode,
        diff: false,
        search_paths: &[],
        templar: env.templar,
        vars: &empty,
        probe_cache: &mut cache,
        commands: 0,
    };
    let r = f(&mut ctx);
    match r {
        Ok(v) => Ok(v),
        Err(crate::modules::ModuleError::Transport(e)) if e.is_unreachable() => {
            connection::drop_session(st, &work.target.spec);
            Err(TaskResult::unreachable_via(&e, &work.target.spec))
        }
        Err(e) => Err(TaskResult::failed(e.to_string())),
    }
}

/// Ansible's `_poll_async_result`: check every `poll` seconds for at most
/// `limit` seconds of polling, then clean up a finished job.
fn poll(
    env: &TaskEnv<'_>,
    st: &mut HostState,
    work: &HostWork,
    dir: &str,
    jid: &str,
    spec: AsyncSpec,
) -> TaskResult {
    let mut time_left = spec.limit;
    let mut last: Option<Outcome> = None;
    while time_left > 0 {
        std::thread::sleep(Duration::from_secs(spec.poll as u64));
        let checked = with_remote(env, st, work, |ctx| {
            async_status::status(ctx, dir, jid, Mode::Status)
        });
        time_left -= spec.poll;
        match checked {
            Ok(o) => {
                let finished = o.result.get("finished") == Some(&Value::Bool(true));
                if finished || o.failed || o.skipped {
                    last = Some(o);
                    break;
                }
                let started = o.result.get("started") == Some(&Value::Bool(true));
                env.reporter.event(&Event::Async {
                    host: st.name.clone(),
                    jid: jid.to_owned(),
                    state: AsyncState::Poll { started, finished },
                });
                last = Some(o);
            }
            // Polling goes on through connection trouble until the time
            // is up (a host may be rebooting).
            Err(r) if time_left <= 0 => return r,
            Err(_) => {}
        }
        if env.opts.cancel.load(std::sync::atomic::Ordering::Relaxed) {
            break;
        }
    }
    let finished = last
        .as_ref()
        .is_some_and(|o| o.result.get("finished") == Some(&Value::Bool(true)));
    let result = if finished {
        let _ = with_remote(env, st, work, |ctx| {
            async_status::status(ctx, dir, jid, Mode::Cleanup)
        });
        TaskResult::from_outcome(last.unwrap_or_default(), true)
    } else {
        let mut r = TaskResult::failed(format!(
            "async task did not complete within the requested time - {}s",
            spec.limit
        ));
        r.set(
            "async_result",
            Value::Map(last.map(|o| o.result).unwrap_or_default()),
        );
        r.set("exception", Value::Str("(traceback unavailable)".into()));
        r.blame = Blame::Action;
        r
    };
    let state = if result.ending == super::result::Ending::Failed {
        AsyncState::Failed
    } else {
        AsyncState::Ok
    };
    env.reporter.event(&Event::Async {
        host: st.name.clone(),
        jid: jid.to_owned(),
        state,
    });
    result
}

/// When `async_wrapper` ends a job that runs on: it checks every `step`
/// seconds (5, or half the limit when that is 5 or less) and kills at the
/// first check with no time left, then writes the failure a second later.
fn kill_after(limit: i64) -> Duration {
    let limit = limit as f64;
    let step = if limit <= 5.0 { limit / 2.0 } else { 5.0 };
    Duration::from_secs_f64((limit / step).ceil() * step)
}

/// What a job's thread needs: its own connection settings and the
/// module's context, owned.
struct Background {
    environment: Vec<(String, String)>,
    privilege: crate::transport::Privilege,
    mode: crate::modules::RunMode,
    diff: bool,
    search_paths: Vec<std::path::PathBuf>,
    vars: Vars,
    host: String,
    file: String,
    pid: i64,
    deadline: Instant,
}

impl Background {
    /// Runs the module within the deadline, then writes its result (or
    /// the wrapper's `Timeout exceeded`) to the results file.
    fn run(
        self,
        module: Box<dyn crate::modules::Parsed>,
        mut transport: Box<dyn crate::transport::Transport>,
    ) {
        let outcome = {
            let mut remote = TransportRemote::new(transport.as_mut())
                .env(self.environment.clone())
                .privilege(self.privilege)
                .deadline(Some(self.deadline));
            let templar = Templar::new();
            let mut cache = HashMap::new();
            let mut ctx = ModuleContext {
                host: &self.host,
                remote: &mut remote,
                mode: self.mode,
                diff: self.diff,
                search_paths: &self.search_paths,
                templar: &templar,
                vars: &self.vars,
                probe_cache: &mut cache,
                commands: 0,
            };
            module.run(&mut ctx)
        };
        let result = if Instant::now() >= self.deadline {
            // The wrapper sleeps a second after the kill before it writes.
            std::thread::sleep(Duration::from_secs(1));
            let mut m = Map::new();
            m.insert("msg".into(), Value::Str("Timeout exceeded".into()));
            m.insert("failed".into(), Value::Bool(true));
            m.insert("child_pid".into(), Value::Int(self.pid));
            m
        } else {
            match outcome {
                Ok(o) => TaskResult::from_outcome(o, true).to_map(),
                Err(e) => {
                    let mut m = Map::new();
                    m.insert("failed".into(), Value::Bool(true));
                    m.insert("msg".into(), Value::Str(e.to_string()));
                    m
                }
            }
        };
        let json = Value::Map(result).to_json(Default::default());
        let tmp = format!("{}.tmp", self.file);
        let write = format!(
            "cat > {t} && mv -f {t} {f}",
            t = quote(&tmp),
            f = quote(&self.file)
        );
        let mut remote = TransportRemote::new(transport.as_mut())
            .env(self.environment)
            .privilege(self.privilege)
            .timeout(Some(Duration::from_secs(60)));
        let _ = crate::modules::Remote::exec(&mut remote, &write, Some(json.as_bytes()));
        transport.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_are_ended_when_async_wrapper_ends_them() {
        let secs = |l| kill_after(l).as_secs_f64();
        assert_eq!(secs(2), 2.0);
        assert_eq!(secs(5), 5.0);
        assert_eq!(secs(7), 10.0);
        assert_eq!(secs(30), 30.0);
        assert_eq!(secs(31), 35.0);
    }
}
