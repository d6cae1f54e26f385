//! `async_status`: the state of a job started by a task with `async:`.
//!
//! Supported: `jid`, `mode` (`status`, `cleanup`). A job's results file
//! (`~/.ansible_async/<jid>`, or under `ansible_async_dir`) holds JSON:
//! `{"started": true, "finished": false, "ansible_job_id": ...}` while the
//! job runs, the module's result once it ended. The result is shaped as
//! Ansible's action plugin and module shape it together (measured with
//! ansible-core 2.19.14): `started`, `finished`, `ansible_job_id`,
//! `results_file` (or `erased`), `stdout`/`stderr` and their `_lines`,
//! merged with the job's own result.
//!
//! The executor's `poll:` loop reads jobs through [`status`] too, so a
//! job's state is read in one place.

use super::args::{ArgError, ArgMap};
use super::context::ModuleContext;
use super::outcome::{ModuleError, Outcome};
use super::Module;
use crate::shell::quote;
use crate::value::{Map, Value};

/// What to do with the job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Read its state.
    Status,
    /// Remove its results file.
    Cleanup,
}

/// Arguments of `async_status`.
#[derive(Clone, Debug, PartialEq)]
pub struct AsyncStatusArgs {
    /// The job id (`ansible_job_id` of the task that started it).
    pub jid: String,
    /// Status or cleanup.
    pub mode: Mode,
}

/// The `async_status` module.
pub struct AsyncStatusModule;

impl Module for AsyncStatusModule {
    type Args = AsyncStatusArgs;

    fn parse(args: &mut ArgMap) -> Result<AsyncStatusArgs, ArgError> {
        let jid = args.required_str(&["jid"])?;
        let mode = match args.choice(&["mode"], &["status", "cleanup"])?.as_deref() {
            Some("cleanup") => Mode::Cleanup,
            _ => Mode::Status,
        };
        args.finish(&["jid", "mode"])?;
        Ok(AsyncStatusArgs { jid, mode })
    }

    fn run(args: &AsyncStatusArgs, ctx: &mut ModuleContext<'_>) -> Result<Outcome, ModuleError> {
        let dir = async_dir(ctx);
        status(ctx, &dir, &args.jid, args.mode)
    }
}

/// The async directory as the task sees it: `ansible_async_dir`, else
/// Ansible's default `~/.ansible_async` (expanded on the host).
pub fn async_dir(ctx: &ModuleContext<'_>) -> String {
    match ctx.vars.get("ansible_async_dir") {
        Ok(Some(Value::Str(s))) if !s.is_empty() => s,
        _ => "~/.ansible_async".to_owned(),
    }
}

/// Shell text for `path` with a leading `~` left for the shell to expand.
pub fn shell_path(path: &str) -> String {
    match path.strip_prefix("~/") {
        Some(rest) => format!("~/{}", quote(rest)),
        None if path == "~" => "~".to_owned(),
        None => quote(path).into_owned(),
    }
}

/// Reads (or, in `Cleanup` mode, removes) job `jid`'s results file under
/// `dir` on the host, in one command.
///
/// # Errors
/// The host could not be asked.
pub fn status(
    ctx: &mut ModuleContext<'_>,
    dir: &str,
    jid: &str,
    mode: Mode,
) -> Result<Outcome, ModuleError> {
    let act = match mode {
        Mode::Status => "cat -- \"$f\"",
        Mode::Cleanup => "rm -f -- \"$f\"",
    };
    let script = format!(
        "d={}; f=\"$d\"/{}; case $f in /*) ;; *) f=\"$PWD/$f\";; esac; \
         printf '%s\\n' \"$f\"; if [ -e \"$f\" ]; then echo found; {act}; else echo missing; fi",
        shell_path(dir),
        quote(jid)
    );
    let out = match mode {
        Mode::Status => ctx.probe(&script)?,
        Mode::Cleanup => ctx.apply(&script, None)?,
    };
    let text = out.stdout_str();
    let mut lines = text.splitn(3, '\n');
    let path = lines.next().unwrap_or_default().to_owned();
    let found = lines.next() == Some("found");
    let body = lines.next().unwrap_or_default();
    Ok(shape(jid, &path, mode, found.then_some(body)))
}

/// Ansible's result for a job whose file is at `path` and holds `body`
/// (`None`: no such file).
fn shape(jid: &str, path: &str, mode: Mode, body: Option<&str>) -> Outcome {
    let mut r = Map::new();
    let set = |r: &mut Map, k: &str, v: Value| {
        r.insert(k.to_owned(), v);
    };
    // What the action plugin starts from.
    set(&mut r, "started", Value::Bool(mode == Mode::Status));
    set(&mut r, "finished", Value::Bool(false));
    for k in ["stdout", "stderr"] {
        set(&mut r, k, Value::Str(String::new()));
        set(&mut r, &format!("{k}_lines"), Value::List(Vec::new()));
    }
    set(&mut r, "ansible_job_id", Value::Str(jid.to_owned()));
    let key = match mode {
        Mode::Status => "results_file",
        Mode::Cleanup => "erased",
    };
    set(&mut r, key, Value::Str(path.to_owned()));
    let Some(body) = body else {
        set(&mut r, "started", Value::Bool(true));
        set(&mut r, "finished", Value::Bool(true));
        return Outcome {
            result: r,
            ..Outcome::default()
        }
        .failing("could not find job");
    };
    if mode == Mode::Cleanup {
        return Outcome {
            result: r,
            ..Outcome::ok()
        };
    }
    // What the module prints: the file's JSON (unreadable counts as still
    // running, as the module's `except` does), `finished` filled in.
    let mut data = match serde_json::from_str::<serde_json::Value>(body.trim()) {
        Ok(v @ serde_json::Value::Object(_)) => match Value::from_json(v) {
            Value::Map(m) => m,
            _ => Map::new(),
        },
        _ => {
            let mut m = Map::new();
            m.insert("results_file".into(), Value::Str(path.to_owned()));
            m.insert("ansible_job_id".into(), Value::Str(jid.to_owned()));
            m.insert("started".into(), Value::Bool(true));
            m.insert("finished".into(), Value::Bool(false));
            m
        }
    };
    if !data.contains_key("started") {
        data.insert("finished".into(), Value::Bool(true));
        data.insert("ansible_job_id".into(), Value::Str(jid.to_owned()));
    } else if !data.contains_key("finished") {
        data.insert("finished".into(), Value::Bool(false));
    }
    for k in ["stdout", "stderr"] {
        let lines = format!("{k}_lines");
        if let (Some(text), false) = (data.get(k), data.contains_key(&lines)) {
            let text = match text {
                Value::Str(s) => s.clone(),
                Value::Null | Value::Bool(false) => String::new(),
                other => crate::report::python_str(other),
            };
            let split = text.lines().map(|l| Value::Str(l.to_owned())).collect();
            data.insert(lines, Value::List(split));
        }
    }
    let truthy = |v: Option<&Value>| v.is_some_and(|v| super::parse_bool(v) == Some(true));
    let changed = truthy(data.get("changed"));
    let failed = match data.get("failed") {
        Some(v) => truthy(Some(v)),
        // Ansible's executor: a non-zero `rc` without `failed` fails.
        None => data
            .get("rc")
            .is_some_and(|rc| !matches!(rc, Value::Int(0)) && rc.as_str() != Some("0")),
    };
    let skipped = truthy(data.get("skipped"));
    for (k, v) in data {
        r.insert(k, v);
    }
    for k in ["started", "finished"] {
        let b = truthy(r.get(k));
        r.insert(k.to_owned(), Value::Bool(b));
    }
    Outcome {
        changed,
        failed,
        skipped,
        result: r,
        diff: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn running_finished_missing_and_cleaned_jobs_read_as_ansible_does() {
        let running = shape(
            "j1.2",
            "/root/.ansible_async/j1.2",
            Mode::Status,
            Some(r#"{"started": true, "finished": false, "ansible_job_id": "j1.2"}"#),
        );
        assert!(!running.changed && !running.failed);
        assert_eq!(running.result["finished"], Value::Bool(false));
        assert_eq!(running.result["stdout_lines"], Value::List(Vec::new()));
        let done = shape(
            "j1.2",
            "/f",
            Mode::Status,
            Some(r#"{"changed": true, "rc": 0, "stdout": "a\nb", "failed": false}"#),
        );
        assert!(done.changed && !done.failed);
        assert_eq!(done.result["finished"], Value::Bool(true));
        assert_eq!(done.result["started"], Value::Bool(true));
        assert_eq!(
            done.result["stdout_lines"],
            Value::List(vec!["a".into(), "b".into()])
        );
        let timed_out = shape(
            "j1.2",
            "/f",
            Mode::Status,
            Some(r#"{"msg": "Timeout exceeded", "failed": true, "child_pid": 5}"#),
        );
        assert!(timed_out.failed);
        assert_eq!(timed_out.result["finished"], Value::Bool(true));
        let missing = shape("j9", "/f", Mode::Status, None);
        assert!(missing.failed);
        assert_eq!(
            missing.result["msg"],
            Value::Str("could not find job".into())
        );
        assert_eq!(missing.result["finished"], Value::Bool(true));
        let cleaned = shape("j9", "/f", Mode::Cleanup, Some(""));
        assert!(!cleaned.failed && !cleaned.changed);
        assert_eq!(cleaned.result["erased"], Value::Str("/f".into()));
        assert_eq!(cleaned.result["started"], Value::Bool(false));
        assert!(!cleaned.result.contains_key("results_file"));
    }

    #[test]
    fn a_tilde_stays_for_the_shell() {
        assert_eq!(shell_path("~/.ansible_async"), "~/.ansible_async");
        assert_eq!(shell_path("~/my dir"), "~/'my dir'");
        assert_eq!(shell_path("/var/tmp/x"), "/var/tmp/x");
    }
}
