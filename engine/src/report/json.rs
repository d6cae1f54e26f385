//! JSON lines: one object per event, for machines (`--json-log`).

use super::event::{Event, Status};
use super::Reporter;
use crate::value::{Map, Value};
use std::io::Write;
use std::sync::Mutex;

/// Writes one JSON object per event.
pub struct JsonLines<W: Write + Send> {
    out: Mutex<W>,
}

impl<W: Write + Send> JsonLines<W> {
    /// A JSON-lines reporter writing to `out`.
    pub fn new(out: W) -> JsonLines<W> {
        JsonLines {
            out: Mutex::new(out),
        }
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

fn event_value(event: &Event) -> Value {
    let mut m = Map::new();
    let mut put = |k: &str, v: Value| {
        m.insert(k.to_owned(), v);
    };
    match event {
        Event::PlayStart { name } => {
            put("event", "play_start".into());
            put("name", name.as_str().into());
        }
        Event::NoHostsMatched => put("event", "no_hosts_matched".into()),
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
            put("host", r.host.as_str().into());
            put("task", r.task.as_str().into());
            put("status", status_name(r.status).into());
            put("ignored", Value::Bool(r.ignored));
            put("result", Value::Map(r.result.clone()));
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
        Event::Included { file, hosts, .. } => {
            put("event", "included".into());
            put("file", file.as_str().into());
            put(
                "hosts",
                Value::List(hosts.iter().map(|h| h.as_str().into()).collect()),
            );
        }
        Event::Warning(w) => {
            put("event", "warning".into());
            put("message", w.as_str().into());
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
    Value::Map(m)
}

impl<W: Write + Send> Reporter for JsonLines<W> {
    fn event(&self, event: &Event) {
        let line = python_json(&event_value(event), None);
        if let Ok(mut out) = self.out.lock() {
            let _ = writeln!(out, "{line}");
        }
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
