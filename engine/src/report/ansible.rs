//! Ansible's default stdout callback, byte for byte (no colour).
//!
//! The formats below were captured from ansible-playbook 2.19.14 with
//! `ANSIBLE_NOCOLOR=1`: banners padded with `*` to 80 columns and preceded
//! by a blank line, one line per host result, loop items as `(item=...)`,
//! failures as `fatal: [h]: FAILED! => {json}` with sorted keys.

use super::event::{Event, HostResult, Status};
use super::Reporter;
use crate::value::{Map, Value};
use std::io::Write;
use std::sync::Mutex;

/// Prints events the way `ansible-playbook` does by default.
pub struct AnsiblePrinter<W: Write + Send> {
    out: Mutex<W>,
    verbosity: u8,
}

impl<W: Write + Send> AnsiblePrinter<W> {
    /// A printer writing to `out`; `verbosity` is the number of `-v`.
    pub fn new(out: W, verbosity: u8) -> AnsiblePrinter<W> {
        AnsiblePrinter {
            out: Mutex::new(out),
            verbosity,
        }
    }

    fn render(&self, event: &Event) -> String {
        match event {
            Event::PlayStart { name } => banner(&format!("PLAY [{name}]")),
            Event::NoHostsMatched => "skipping: no hosts matched\n".to_owned(),
            Event::TaskStart { name, handler } => {
                let word = if *handler { "RUNNING HANDLER" } else { "TASK" };
                banner(&format!("{word} [{name}]"))
            }
            Event::HostResult(r) => self.host_result(r),
            // ansible-playbook's default callback does not show it.
            Event::HostTaskStart { .. } => String::new(),
            Event::Included { file, hosts, item } => match item {
                Some(label) => format!(
                    "included: {file} for {} => (item={label})\n",
                    hosts.join(", ")
                ),
                None => format!("included: {file} for {}\n", hosts.join(", ")),
            },
            Event::Retrying {
                host,
                task,
                retries_left,
            } => {
                format!("FAILED - RETRYING: [{host}]: {task} ({retries_left} retries left).\n")
            }
            Event::Warning(w) => format!("[WARNING]: {w}\n"),
            Event::Recap(recap) => format!("\n{}\n", recap.render()),
        }
    }

    fn host_result(&self, r: &HostResult) -> String {
        let host = match &r.delegated_to {
            Some(d) => format!("{} -> {d}", r.host),
            None => r.host.clone(),
        };
        let mut out = String::new();
        if let Some(line) = &r.notice {
            out.push_str(line);
            out.push('\n');
        }
        for item in &r.items {
            let word = status_word(item.status, true);
            match item.status {
                Status::Failed => out.push_str(&format!(
                    "failed: [{host}] (item={}) => {}\n",
                    item.label,
                    json_line(&clean(&item.result, self.verbosity))
                )),
                Status::Skipped => {
                    out.push_str(&format!("skipping: [{host}] => (item={}) \n", item.label))
                }
                _ if r.show_result || self.verbosity > 0 => out.push_str(&format!(
                    "{word}: [{host}] => (item={}) => {}\n",
                    item.label,
                    if r.debug_output {
                        json_pretty_debug(&clean(&item.result, self.verbosity))
                    } else {
                        json_pretty(&clean(&item.result, self.verbosity))
                    }
                )),
                _ => out.push_str(&format!("{word}: [{host}] => (item={})\n", item.label)),
            }
        }
        for d in &r.diffs {
            out.push_str(d);
        }
        let looped = !r.items.is_empty();
        match r.status {
            Status::Failed => {
                if let Some(origin) = &r.origin {
                    out.push_str(&error_report(r, origin));
                }
                if !looped || r.items.iter().all(|i| i.status != Status::Failed) {
                    // debug/assert results are "verbose always": indented.
                    let mut shown = clean(&r.result, self.verbosity);
                    shown.shift_remove("exception");
                    let json = if r.show_result {
                        json_pretty(&shown)
                    } else {
                        json_line(&shown)
                    };
                    out.push_str(&format!("fatal: [{host}]: FAILED! => {json}\n"));
                } else {
                    let mut summary = Map::new();
                    summary.insert("changed".into(), Value::Bool(false));
                    summary.insert("msg".into(), "One or more items failed".into());
                    out.push_str(&format!(
                        "fatal: [{host}]: FAILED! => {}\n",
                        json_line(&summary)
                    ));
                }
                if r.ignored {
                    out.push_str("...ignoring\n");
                }
            }
            Status::Unreachable => out.push_str(&format!(
                "fatal: [{host}]: UNREACHABLE! => {}\n",
                json_line(&clean(&r.result, self.verbosity))
            )),
            _ if looped => {}
            Status::Skipped => out.push_str(&format!("skipping: [{host}]\n")),
            status => {
                let word = status_word(status, false);
                if r.show_result || self.verbosity > 0 {
                    out.push_str(&format!(
                        "{word}: [{host}] => {}\n",
                        if r.debug_output {
                            json_pretty_debug(&clean(&r.result, self.verbosity))
                        } else {
                            json_pretty(&clean(&r.result, self.verbosity))
                        }
                    ));
                } else {
                    out.push_str(&format!("{word}: [{host}]\n"));
                }
            }
        }
        out
    }
}

impl<W: Write + Send> Reporter for AnsiblePrinter<W> {
    fn event(&self, event: &Event) {
        let text = self.render(event);
        if let Ok(mut out) = self.out.lock() {
            let _ = out.write_all(text.as_bytes());
            let _ = out.flush();
        }
    }
}

/// `\nMSG ****...` to 80 columns, at least 3 stars.
fn banner(msg: &str) -> String {
    let stars = 79usize.saturating_sub(msg.chars().count()).max(3);
    format!("\n{msg} {}\n", "*".repeat(stars))
}

fn status_word(s: Status, _item: bool) -> &'static str {
    match s {
        Status::Changed => "changed",
        Status::Skipped => "skipping",
        Status::Failed => "failed",
        Status::Unreachable => "unreachable",
        Status::Ok => "ok",
    }
}

/// Ansible 2.19's `[ERROR]: Task failed: ...` block with the task's
/// origin and the three source lines ending at it, caret under the column.
fn error_report(r: &HostResult, origin: &crate::source::Span) -> String {
    let msg = r.msg().unwrap_or("");
    // Ansible names the file by its absolute path.
    let file = std::fs::canonicalize(&*origin.file)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| origin.file.to_string());
    // An empty `msg` (a `failed_when` or an exhausted `until` on a result
    // without a message) reads `Action failed.` in Ansible 2.19.
    let what = if msg.is_empty() && r.msg().is_some() {
        "Action failed.".to_owned()
    } else {
        format!("{}: {msg}", r.failure_kind)
    };
    let mut out = format!(
        "[ERROR]: Task failed: {what}\nOrigin: {file}:{}:{}\n\n",
        origin.line, origin.column
    );
    if let Ok(text) = std::fs::read_to_string(&*origin.file) {
        let line = origin.line as usize;
        let first = line.saturating_sub(2).max(1);
        let width = line.to_string().len();
        for (i, l) in text
            .lines()
            .enumerate()
            .skip(first - 1)
            .take(line + 1 - first)
        {
            out.push_str(&format!("{:>width$} {l}\n", i + 1));
        }
        out.push_str(&format!(
            "{}^ column {}\n\n",
            " ".repeat(width + origin.column as usize),
            origin.column
        ));
    }
    out
}

/// Drops the keys Ansible's callback hides (internal `_ansible_*` keys,
/// and `invocation`/`diff` below `-vvv`).
fn clean(result: &Map, verbosity: u8) -> Map {
    result
        .iter()
        .filter(|(k, _)| {
            !k.starts_with("_ansible")
                && *k != "failed"
                && (verbosity >= 3 || (*k != "invocation" && *k != "diff"))
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Python's `json.dumps(sort_keys=True)` sorts nested dicts too.
fn sorted(map: &Map) -> Value {
    let mut m: Map = map
        .iter()
        .map(|(k, v)| (k.clone(), sorted_value(v)))
        .collect();
    m.sort_keys();
    Value::Map(m)
}

fn sorted_value(v: &Value) -> Value {
    match v {
        Value::Map(m) => sorted(m),
        Value::List(l) => Value::List(l.iter().map(sorted_value).collect()),
        other => other.clone(),
    }
}

fn json_line(map: &Map) -> String {
    crate::report::json::python_json(&sorted(map), None)
}

fn json_pretty_debug(map: &Map) -> String {
    // Ansible's callback shows debug's `msg` alone; with `var`, it hides
    // the bookkeeping keys and leaves the variable.
    let m: Map = if map.contains_key("msg") {
        map.iter()
            .filter(|(k, _)| {
                matches!(
                    k.as_str(),
                    "msg" | "exception" | "warnings" | "deprecations"
                )
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    } else {
        const HIDDEN: &[&str] = &[
            "changed",
            "failed",
            "skipped",
            "invocation",
            "skip_reason",
            "ansible_loop_var",
            "ansible_index_var",
            "ansible_loop",
        ];
        map.iter()
            .filter(|(k, _)| !HIDDEN.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    };
    json_pretty(&m)
}

fn json_pretty(map: &Map) -> String {
    crate::report::json::python_json(&sorted(map), Some(4))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn banners_are_80_columns() {
        let b = banner("PLAY [Demo play]");
        assert_eq!(b.trim().len(), 80);
        assert!(b.starts_with("\nPLAY [Demo play] ****"));
        let long = banner(&format!("TASK [{}]", "x".repeat(90)));
        assert!(long.trim_end().ends_with(" ***"));
    }

    #[test]
    fn debug_and_skip_lines_match_ansible() {
        let p = AnsiblePrinter::new(Vec::new(), 0);
        let mut m = Map::new();
        m.insert("msg".into(), "hello".into());
        let mut r = HostResult::new("localhost", "debug", Status::Ok, m);
        r.show_result = true;
        assert_eq!(
            p.host_result(&r),
            "ok: [localhost] => {\n    \"msg\": \"hello\"\n}\n"
        );
        let s = HostResult::new("h1", "x", Status::Skipped, Map::new());
        assert_eq!(p.host_result(&s), "skipping: [h1]\n");
    }
}
