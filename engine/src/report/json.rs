//! JSON lines: one object per event, for machines (`--json-log`,
//! `events.jsonl` of a run folder).
//!
//! Every line carries `schema_version` ([`SCHEMA_VERSION`]), `time` (RFC
//! 3339, UTC, milliseconds, when the line was written), `seq` (0, 1, 2, ...)
//! and `event`; the other keys depend on the event. The schema is
//! `docs/events.schema.json`; a change that removes or retypes a key bumps
//! the version, new keys and new events do not. Each line is flushed as it
//! is written, so a reader sees the run as it happens. Secrets are
//! redacted ([`Redactor`]) and `no_log` results censored before writing.

use super::event::{AsyncState, DiagnosticLevel, Event, HostResult, Status};
use super::redact::Redactor;
use super::Reporter;
use crate::value::{Map, Value};
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

/// Version of the event format (`docs/events.schema.json`).
pub const SCHEMA_VERSION: i64 = 1;

/// Writes one JSON object per event.
pub struct JsonLines<W: Write + Send> {
    out: Mutex<(W, i64)>,
    redactor: Arc<Redactor>,
}

impl<W: Write + Send> JsonLines<W> {
    /// A JSON-lines reporter writing to `out`.
    pub fn new(out: W) -> JsonLines<W> {
        JsonLines {
            out: Mutex::new((out, 0)),
            redactor: Arc::default(),
        }
    }

    /// Redacts secrets with `redactor` before writing.
    #[must_use]
    pub fn with_redactor(mut self, redactor: Arc<Redactor>) -> JsonLines<W> {
        self.redactor = redactor;
        self
    }
}

fn status_name(s: Status) -> &'static str {
    match s {
        Status::Ok => "ok",
        Status::Changed => "changed",
        Status::Skipped => "skipped",
        Status::Failed => "failed",
        Status::Unreachable => "unreachable",
    }
}

fn strings(list: &[String]) -> Value {
    Value::List(list.iter().map(|h| h.as_str().into()).collect())
}

fn host_result(r: &HostResult, put: &mut dyn FnMut(&str, Value)) {
    let r = r.censored();
    put("host", r.host.as_str().into());
    put("task", r.task.as_str().into());
    put("status", status_name(r.status).into());
    put("ignored", Value::Bool(r.ignored));
    put("result", Value::Map(r.result.clone()));
    if !r.items.is_empty() {
        let items = r
            .items
            .iter()
            .map(|i| {
                let mut m = Map::new();
                m.insert("label".into(), i.label.as_str().into());
                m.insert("status".into(), status_name(i.status).into());
                m.insert("result".into(), Value::Map(i.result.clone()));
                Value::Map(m)
            })
            .collect();
        put("items", Value::List(items));
    }
    if let Some(d) = &r.delegated_to {
        put("delegated_to", d.name.as_str().into());
    }
    if !r.diffs.is_empty() {
        put("diffs", strings(&r.diffs));
    }
    if r.no_log {
        put("no_log", Value::Bool(true));
    }
}

/// The event's own keys (after `event`).
fn event_value(event: &Event, m: &mut Map) {
    let mut put = |k: &str, v: Value| {
        m.insert(k.to_owned(), v);
    };
    match event {
        Event::RunStart(info) => {
            put("event", "run_start".into());
            put("id", info.id.as_str().into());
            put("argv", strings(&info.argv));
            put("version", info.version.as_str().into());
            put("cwd", info.cwd.as_str().into());
        }
        Event::PlayStart { name } => {
            put("event", "play_start".into());
            put("name", name.as_str().into());
        }
        Event::NoHostsMatched => put("event", "no_hosts_matched".into()),
        Event::NoHostsRemaining => put("event", "no_hosts_remaining".into()),
        Event::TaskStart { name, handler } => {
            put("event", "task_start".into());
            put("name", name.as_str().into());
            put("handler", Value::Bool(*handler));
        }
        Event::HostTaskStart { host, task } => {
            put("event", "host_task_start".into());
            put("host", host.as_str().into());
            put("task", task.as_str().into());
        }
        Event::HostResult(r) => {
            put("event", "host_result".into());
            host_result(r, &mut put);
        }
        Event::Retrying {
            host,
            task,
            retries_left,
        } => {
            put("event", "retrying".into());
            put("host", host.as_str().into());
            put("task", task.as_str().into());
            put("retries_left", Value::Int(*retries_left));
        }
        Event::Included { file, hosts, item } => {
            put("event", "included".into());
            put("file", file.as_str().into());
            put("hosts", strings(hosts));
            if let Some(i) = item {
                put("item", i.as_str().into());
            }
        }
        Event::Async { host, jid, state } => {
            put("event", "async".into());
            put("host", host.as_str().into());
            put("jid", jid.as_str().into());
            let (word, flags) = match state {
                AsyncState::Poll { started, finished } => ("poll", Some((*started, *finished))),
                AsyncState::Ok => ("ok", None),
                AsyncState::Failed => ("failed", None),
            };
            put("state", word.into());
            if let Some((started, finished)) = flags {
                put("started", Value::Bool(started));
                put("finished", Value::Bool(finished));
            }
        }
        Event::Warning(w) => {
            put("event", "warning".into());
            put("message", w.as_str().into());
        }
        Event::Command(c) => {
            put("event", "command".into());
            put("host", c.host.as_str().into());
            put("command", c.command.as_str().into());
            put(
                "rc",
                c.rc.map_or(Value::Null, |rc| Value::Int(i64::from(rc))),
            );
            put("duration", Value::Float(c.duration.as_secs_f64()));
        }
        Event::Ssh { host, text } => {
            put("event", "ssh".into());
            put("host", host.as_str().into());
            put("text", text.as_str().into());
        }
        Event::Diagnostic(d) => {
            put("event", "diagnostic".into());
            let level = match d.level {
                DiagnosticLevel::Error => "error",
                DiagnosticLevel::Warning => "warning",
            };
            put("level", level.into());
            put("text", d.text.as_str().into());
            if let Some(s) = &d.span {
                put("file", s.file.as_ref().into());
                put("line", Value::Int(i64::from(s.line)));
                put("column", Value::Int(i64::from(s.column)));
            }
        }
        Event::Interrupt {
            forced,
            waiting_for,
        } => {
            put("event", "interrupt".into());
            put("forced", Value::Bool(*forced));
            put("waiting_for", strings(waiting_for));
        }
        Event::RunEnd {
            exit_code,
            interrupted,
        } => {
            put("event", "run_end".into());
            put("exit_code", Value::Int(i64::from(*exit_code)));
            put("interrupted", Value::Bool(*interrupted));
        }
        Event::Recap(r) => {
            put("event", "recap".into());
            let mut hosts = Map::new();
            for (h, s) in &r.hosts {
                let mut c = Map::new();
                for (k, v) in [
                    ("ok", s.ok),
                    ("changed", s.changed),
                    ("unreachable", s.unreachable),
                    ("failed", s.failed),
                    ("skipped", s.skipped),
                    ("rescued", s.rescued),
                    ("ignored", s.ignored),
                ] {
                    c.insert(k.into(), Value::Int(i64::from(v)));
                }
                hosts.insert(h.clone(), Value::Map(c));
            }
            put("hosts", Value::Map(hosts));
        }
    }
}

impl<W: Write + Send> Reporter for JsonLines<W> {
    fn event(&self, event: &Event) {
        let Ok(mut out) = self.out.lock() else {
            return;
        };
        let mut m = Map::new();
        m.insert("schema_version".into(), Value::Int(SCHEMA_VERSION));
        m.insert(
            "time".into(),
            super::clock::rfc3339(SystemTime::now()).into(),
        );
        m.insert("seq".into(), Value::Int(out.1));
        event_value(event, &mut m);
        let line = python_json(&self.redactor.value(&Value::Map(m)), None);
        out.1 += 1;
        let _ = writeln!(out.0, "{line}");
        let _ = out.0.flush();
    }
}

/// JSON text as Python's `json.dumps` writes it (", " and ": " separators
/// on one line, or `indent` spaces per level).
pub(crate) fn python_json(v: &Value, indent: Option<usize>) -> String {
    v.to_json(crate::value::JsonOptions {
        indent,
        sort_keys: false,
        ensure_ascii: false,
    })
}
