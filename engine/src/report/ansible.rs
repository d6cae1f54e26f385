//! Ansible's default stdout callback, byte for byte.
//!
//! The formats below were captured from ansible-playbook 2.19.14 with
//! `ANSIBLE_NOCOLOR=1`: banners padded with `*` to 80 columns and preceded
//! by a blank line, one line per host result, loop items as `(item=...)`,
//! failures as `fatal: [h]: FAILED! => {json}` with sorted keys. With
//! colour on, each line gets the colour the default callback gives it
//! (`C.COLOR_*`, see [`super::style`]).

use super::event::{AsyncState, Delegate, Event, HostResult, Status};
use super::profile::Timings;
use super::redact::Redactor;
use super::screen::Screen;
use super::style::{Color, Painter};
use super::Reporter;
use crate::value::{Map, Value};
use std::io::Write;
use std::sync::{Arc, Mutex};

/// Prints events the way `ansible-playbook` does by default.
///
/// Plain by default (byte for byte as with `ANSIBLE_NOCOLOR=1` on a pipe);
/// the builder methods add what a terminal gets: colour
/// ([`AnsiblePrinter::with_color`]), the banner width of the terminal
/// ([`AnsiblePrinter::with_columns`]) and a live status line
/// ([`AnsiblePrinter::with_status_line`]). Text is written as each event
/// arrives, so a host's result shows the moment the executor reports it.
pub struct AnsiblePrinter<W: Write + Send> {
    screen: Arc<Mutex<Screen<W>>>,
    verbosity: u8,
    painter: Painter,
    columns: usize,
    redactor: Arc<Redactor>,
    diagnostics: bool,
    profile: bool,
    timings: Mutex<Timings>,
    /// `[ERROR]` blocks already printed: Ansible's display prints each
    /// distinct error text once per run (`Display._deduplicate`).
    errors: Mutex<std::collections::HashSet<String>>,
}

impl<W: Write + Send> AnsiblePrinter<W> {
    /// A printer writing to `out`; `verbosity` is the number of `-v`.
    pub fn new(out: W, verbosity: u8) -> AnsiblePrinter<W> {
        AnsiblePrinter {
            screen: Arc::new(Mutex::new(Screen::new(out))),
            verbosity,
            painter: Painter::default(),
            columns: 79,
            redactor: Arc::default(),
            diagnostics: false,
            profile: false,
            timings: Mutex::new(Timings::new()),
            errors: Mutex::default(),
        }
    }

    /// Colours output as `ansible-playbook` does on a terminal.
    #[must_use]
    pub fn with_color(mut self, on: bool) -> AnsiblePrinter<W> {
        self.painter = Painter::new(on);
        self
    }

    /// Banner width: Ansible uses `max(79, terminal columns - 1)`.
    #[must_use]
    pub fn with_columns(mut self, columns: usize) -> AnsiblePrinter<W> {
        self.columns = columns.max(79);
        self
    }

    /// Hides registered secrets in everything printed.
    #[must_use]
    pub fn with_redactor(mut self, redactor: Arc<Redactor>) -> AnsiblePrinter<W> {
        self.redactor = redactor;
        self
    }

    /// Also prints [`Event::Diagnostic`] texts (a log file wants them; a
    /// terminal gets them on stderr from the caller instead).
    #[must_use]
    pub fn with_diagnostics(mut self, on: bool) -> AnsiblePrinter<W> {
        self.diagnostics = on;
        self
    }

    /// Prints task and play durations after the recap (`profile_tasks`).
    #[must_use]
    pub fn with_profile(mut self, on: bool) -> AnsiblePrinter<W> {
        self.profile = on;
        self
    }

    /// Keeps a live status line under the text (see [`super::StatusBoard`]),
    /// at most `width()` - 1 characters, redrawn every `tick`. Only for a
    /// terminal: the line is drawn with a carriage return and erased with
    /// `ESC[2K` before any text is printed, so it never mixes with it.
    #[must_use]
    pub fn with_status_line(
        self,
        width: Arc<dyn Fn() -> usize + Send + Sync>,
        tick: std::time::Duration,
    ) -> AnsiblePrinter<W>
    where
        W: 'static,
    {
        if let Ok(mut s) = self.screen.lock() {
            s.enable_status(width, self.painter);
        }
        Screen::start_ticker(Arc::downgrade(&self.screen), tick);
        self
    }

    /// Erases the status line for good (before the process ends in a
    /// hurry, or before someone else writes to the same terminal).
    pub fn finish(&self) {
        if let Ok(mut s) = self.screen.lock() {
            s.finish();
        }
    }

    /// Runs `f` with the status line erased, then redraws it: for text
    /// written to the same terminal by someone else (stderr).
    pub fn suspend<T>(&self, f: impl FnOnce() -> T) -> T {
        match self.screen.lock() {
            Ok(mut s) => s.suspend(f),
            Err(_) => f(),
        }
    }

    fn paint(&self, text: String, color: Color) -> String {
        self.painter.paint(&text, color)
    }

    /// The `[ERROR]` block of a failure, or nothing when the same text
    /// was printed before in this run.
    fn error_once(&self, msg: Option<&str>, kind: &str, origin: &crate::source::Span) -> String {
        let text = error_report(msg, kind, origin);
        let repeated = self
            .errors
            .lock()
            .is_ok_and(|mut seen| !seen.insert(text.clone()));
        if repeated {
            String::new()
        } else {
            self.paint(text, Color::Error)
        }
    }

    fn render(&self, event: &Event) -> String {
        match event {
            Event::PlayStart { name } => banner(&format!("PLAY [{name}]"), self.columns),
            Event::NoHostsMatched => self.paint("skipping: no hosts matched\n".into(), Color::Skip),
            Event::NoHostsRemaining => banner("NO MORE HOSTS LEFT", self.columns),
            Event::TaskStart { name, handler } => {
                let word = if *handler { "RUNNING HANDLER" } else { "TASK" };
                banner(&format!("{word} [{name}]"), self.columns)
            }
            Event::HostResult(r) => self.host_result(&r.censored()),
            // ansible-playbook's default callback does not show it.
            Event::HostTaskStart { .. } => String::new(),
            Event::Included { file, hosts, item } => self.paint(
                match item {
                    Some(label) => format!(
                        "included: {file} for {} => (item={label})\n",
                        hosts.join(", ")
                    ),
                    None => format!("included: {file} for {}\n", hosts.join(", ")),
                },
                Color::Skip,
            ),
            Event::Retrying {
                host,
                task,
                retries_left,
            } => self.paint(
                format!("FAILED - RETRYING: [{host}]: {task} ({retries_left} retries left).\n"),
                Color::Debug,
            ),
            Event::Async { host, jid, state } => {
                let py = |b: bool| if b { "True" } else { "False" };
                self.paint(
                    match state {
                        AsyncState::Poll { started, finished } => format!(
                            "ASYNC POLL on {host}: jid={jid} started={} finished={}\n",
                            py(*started),
                            py(*finished)
                        ),
                        AsyncState::Ok => format!("ASYNC OK on {host}: jid={jid}\n"),
                        AsyncState::Failed => format!("ASYNC FAILED on {host}: jid={jid}\n"),
                    },
                    Color::Debug,
                )
            }
            Event::Warning(w) => self.paint(format!("[WARNING]: {w}\n"), Color::Warn),
            Event::Recap(recap) => {
                let mut text = format!("\n{}\n", self.recap(recap));
                if self.profile {
                    if let Ok(t) = self.timings.lock() {
                        text.push_str(&t.render(self.columns));
                    }
                }
                text
            }
            Event::Command(c) if self.verbosity >= 3 => {
                let rc = c.rc.map_or("none".to_owned(), |rc| rc.to_string());
                let text = if self.verbosity >= 4 {
                    std::borrow::Cow::Borrowed(c.command.as_str())
                } else {
                    abbreviated(&c.command)
                };
                self.paint(
                    format!(
                        "<{}> EXEC (rc={rc}, {:.3}s) {text}\n",
                        c.host,
                        c.duration.as_secs_f64(),
                    ),
                    Color::Verbose,
                )
            }
            Event::Ssh { host, text } if self.verbosity >= 4 => {
                self.paint(format!("<{host}> {text}\n"), Color::Verbose)
            }
            Event::Diagnostic(d) if self.diagnostics => d.text.clone(),
            Event::Interrupt {
                forced: false,
                waiting_for,
            } => {
                let waiting = if waiting_for.is_empty() {
                    "the running tasks".to_owned()
                } else {
                    waiting_for.join(", ")
                };
                self.paint(
                    format!(
                        "\n[INTERRUPTED]: no new task will start; waiting for {waiting} to finish. \
                         Interrupt again to stop at once.\n"
                    ),
                    Color::Warn,
                )
            }
            Event::Interrupt { forced: true, .. } => self.paint(
                "\n[INTERRUPTED]: stopping at once; tasks still running on hosts are abandoned.\n"
                    .into(),
                Color::Warn,
            ),
            _ => String::new(),
        }
    }

    /// The recap in Ansible's colours (`hostcolor`, `colorize`), or the
    /// plain bytes of [`super::Recap::render`] without colour.
    fn recap(&self, recap: &super::Recap) -> String {
        let head = banner("PLAY RECAP", self.columns);
        let mut out = head.trim_start_matches('\n').to_owned();
        for (name, s) in &recap.hosts {
            let host = if self.painter.enabled() {
                let c = if s.failed > 0 || s.unreachable > 0 {
                    Color::Error
                } else if s.changed > 0 {
                    Color::Changed
                } else {
                    Color::Ok
                };
                // `%-37s` of the coloured name: 11 bytes are escape codes.
                format!("{:<37}", self.painter.paint(name, c))
            } else {
                format!("{name:<26}")
            };
            let field = |label: &str, n: u32, c: Color| {
                let f = format!("{label}={n:<4}");
                if n != 0 {
                    self.painter.paint(&f, c)
                } else {
                    f
                }
            };
            out.push_str(&format!(
                "{host} : {} {} {} {} {} {} {}\n",
                field("ok", s.ok, Color::Ok),
                field("changed", s.changed, Color::Changed),
                field("unreachable", s.unreachable, Color::Unreachable),
                field("failed", s.failed, Color::Error),
                field("skipped", s.skipped, Color::Skip),
                field("rescued", s.rescued, Color::Ok),
                field("ignored", s.ignored, Color::Warn),
            ));
        }
        out
    }

    /// `_dump_results`: indented for "verbose always" results (`debug`,
    /// `assert`) and from `-vvv` on, one line otherwise.
    fn dump(&self, r: &HostResult, result: &Map) -> String {
        if r.debug_output {
            json_pretty_debug(result)
        } else if r.show_result || self.verbosity > 2 {
            json_pretty(result)
        } else {
            json_line(result)
        }
    }

    /// Whether a result is shown with its dump (`_run_is_verbose`).
    fn verbose(&self, r: &HostResult) -> bool {
        !r.verbose_override && (r.show_result || self.verbosity > 0)
    }

    /// Whether a skipped result is shown with its dump: a task that never
    /// ran its action has no `_ansible_verbose_always` to ask for it.
    fn verbose_skip(&self, r: &HostResult) -> bool {
        !r.verbose_override && self.verbosity > 0
    }

    /// A skipped result as `v2_runner_on_skipped` dumps it: without its
    /// `skipped` flag, and a loop's without its items (shown above it).
    /// Skipped, a task never ran its action, so nothing asks for the
    /// indented form below `-vvv`.
    fn skipped_dump(&self, result: &Map) -> String {
        let mut shown = clean(result, self.verbosity);
        shown.shift_remove("skipped");
        shown.shift_remove("results");
        match self.verbosity > 2 {
            true => json_pretty(&shown),
            false => json_line(&shown),
        }
    }

    fn host_result(&self, r: &HostResult) -> String {
        let label = |d: &Option<Delegate>| match d {
            Some(d) => d.label(&r.host),
            None => r.host.clone(),
        };
        let host = label(&r.delegated_to);
        let mut out = String::new();
        if let Some(line) = &r.notice {
            out.push_str(line);
            out.push('\n');
        }
        // The callback shows a result's `warnings` before its line and
        // leaves them out of the result it prints.
        if let Some(Value::List(ws)) = r.result.get("warnings") {
            for w in ws {
                let text = crate::report::python_str(w);
                out.push_str(&self.paint(format!("[WARNING]: {text}\n"), Color::Warn));
            }
        }
        for item in &r.items {
            let word = status_word(item.status, true);
            let host = match &item.delegated_to {
                Some(_) => label(&item.delegated_to),
                None => host.clone(),
            };
            match item.status {
                // An unreachable item reads `failed:` too (ansible-core's
                // item callback).
                Status::Failed | Status::Unreachable => {
                    // Each failed item shows its own error first.
                    if let Some(origin) = &r.origin {
                        let msg = item.result.get("msg").and_then(Value::as_str);
                        out.push_str(&self.error_once(msg, item.failure_kind, origin));
                    }
                    let mut shown = clean(&item.result, self.verbosity);
                    shown.shift_remove("exception");
                    out.push_str(&self.paint(
                        format!(
                            "failed: [{host}] (item={}) => {}\n",
                            item.label,
                            json_line(&shown)
                        ),
                        Color::Error,
                    ))
                }
                // Two spaces before a verbose dump: the callback's item
                // label ends in one.
                Status::Skipped => out.push_str(&self.paint(
                    match self.verbose_skip(r) {
                        true => format!(
                            "skipping: [{host}] => (item={})  => {}\n",
                            item.label,
                            self.skipped_dump(&item.result)
                        ),
                        false => format!("skipping: [{host}] => (item={}) \n", item.label),
                    },
                    Color::Skip,
                )),
                _ if r.show_result || self.verbosity > 0 => out.push_str(&self.paint(
                    format!(
                        "{word}: [{host}] => (item={}) => {}\n",
                        item.label,
                        self.dump(r, &clean(&item.result, self.verbosity))
                    ),
                    status_color(item.status),
                )),
                _ => out.push_str(&self.paint(
                    format!("{word}: [{host}] => (item={})\n", item.label),
                    status_color(item.status),
                )),
            }
        }
        for d in &r.diffs {
            out.push_str(&self.painter.diff(d));
        }
        let looped = !r.items.is_empty();
        match r.status {
            // A loop whose items failed: the items said it all (Ansible's
            // callback prints no task line for it).
            Status::Failed if looped && r.items.iter().any(|i| i.status == Status::Failed) => {
                if r.ignored {
                    out.push_str(&self.paint("...ignoring\n".into(), Color::Skip));
                }
            }
            Status::Failed => {
                if r.origin.is_none() && r.failure_kind.is_empty() {
                    // The implicit fact gathering has no origin: its own
                    // error (a become that failed) stands alone.
                    let msg = r.msg().unwrap_or_default();
                    let what = msg.strip_prefix("Task failed: ").unwrap_or(msg);
                    out.push_str(
                        &self.paint(format!("[ERROR]: Task failed: {what}\n"), Color::Error),
                    );
                }
                if let Some(origin) = &r.origin {
                    // A `no_log` result has no `msg` left to show. (Ansible prints
                    // the task's real message here, secret or not; this
                    // engine does not.)
                    let msg = if r.no_log {
                        Some(super::event::CENSORED)
                    } else {
                        r.msg()
                    };
                    out.push_str(&self.error_once(msg, r.failure_kind, origin));
                }
                if !looped || r.items.iter().all(|i| i.status != Status::Failed) {
                    // debug/assert results are "verbose always": indented.
                    let mut shown = clean(&r.result, self.verbosity);
                    shown.shift_remove("exception");
                    if r.debug_output && shown.contains_key("msg") {
                        // `_clean_results` of debug: `msg` alone.
                        shown.retain(|k, _| k == "msg");
                    }
                    let json = if r.show_result || self.verbosity > 2 {
                        json_pretty(&shown)
                    } else {
                        json_line(&shown)
                    };
                    out.push_str(&self.paint(
                        format!("fatal: [{host}]: FAILED! => {json}\n"),
                        Color::Error,
                    ));
                } else {
                    let mut summary = Map::new();
                    summary.insert("changed".into(), Value::Bool(false));
                    summary.insert("msg".into(), "One or more items failed".into());
                    out.push_str(&self.paint(
                        format!("fatal: [{host}]: FAILED! => {}\n", json_line(&summary)),
                        Color::Error,
                    ));
                }
                if r.ignored {
                    out.push_str(&self.paint("...ignoring\n".into(), Color::Skip));
                }
            }
            Status::Unreachable => {
                // ansible-core 2.19 reports the cause as an error first,
                // with the task's origin (the implicit fact gathering has
                // none), as for a failure.
                let msg = if r.no_log {
                    Some(super::event::CENSORED)
                } else {
                    r.msg()
                };
                match &r.origin {
                    // A loop's items showed theirs.
                    _ if looped => {}
                    Some(origin) => out.push_str(&self.error_once(msg, "", origin)),
                    None => {
                        let msg = msg.unwrap_or_default();
                        let what = msg.strip_prefix("Task failed: ").unwrap_or(msg);
                        out.push_str(
                            &self.paint(format!("[ERROR]: Task failed: {what}\n"), Color::Error),
                        );
                    }
                }
                out.push_str(&self.paint(
                    format!(
                        "fatal: [{host}]: UNREACHABLE! => {}\n",
                        json_line(&clean(&r.result, self.verbosity))
                    ),
                    Color::Unreachable,
                ));
                if r.ignored {
                    out.push_str(&self.paint("...ignoring\n".into(), Color::Skip));
                }
            }
            // A loop with no skipped result of its own said it with its items.
            _ if looped && r.status != Status::Skipped => {}
            Status::Skipped => out.push_str(&self.paint(
                match self.verbose_skip(r) {
                    true => format!("skipping: [{host}] => {}\n", self.skipped_dump(&r.result)),
                    false => format!("skipping: [{host}]\n"),
                },
                Color::Skip,
            )),
            status => {
                let word = status_word(status, false);
                let text = if self.verbose(r) {
                    format!(
                        "{word}: [{host}] => {}\n",
                        self.dump(r, &clean(&r.result, self.verbosity))
                    )
                } else {
                    format!("{word}: [{host}]\n")
                };
                out.push_str(&self.paint(text, status_color(status)));
            }
        }
        out
    }
}

impl<W: Write + Send> Reporter for AnsiblePrinter<W> {
    fn event(&self, event: &Event) {
        if let Ok(mut t) = self.timings.lock() {
            t.update(event);
        }
        let text = self.render(event);
        let text = self.redactor.text(&text);
        if let Ok(mut screen) = self.screen.lock() {
            screen.event(event, &text);
        }
    }
}

/// `\nMSG ****...` to `columns` + 1 characters, at least 3 stars
/// (`Display.banner`).
/// Lines of a command `-vvv` shows; `-vvvv` shows every line.
const COMMAND_LINES: usize = 8;

/// A command as `-vvv` shows it: scripts (fact gathering, a probe batch)
/// run to hundreds of lines, so only their head, and how much is left.
fn abbreviated(command: &str) -> std::borrow::Cow<'_, str> {
    let lines = command.lines().count();
    if lines <= COMMAND_LINES {
        return std::borrow::Cow::Borrowed(command);
    }
    let head: Vec<&str> = command.lines().take(COMMAND_LINES).collect();
    std::borrow::Cow::Owned(format!(
        "{}\n... ({} more lines, {} bytes in all; -vvvv shows them)",
        head.join("\n"),
        lines - COMMAND_LINES,
        command.len()
    ))
}

fn banner(msg: &str, columns: usize) -> String {
    let stars = columns.saturating_sub(msg.chars().count()).max(3);
    format!("\n{msg} {}\n", "*".repeat(stars))
}

fn status_color(s: Status) -> Color {
    match s {
        Status::Changed => Color::Changed,
        Status::Skipped => Color::Skip,
        Status::Failed => Color::Error,
        Status::Unreachable => Color::Unreachable,
        Status::Ok => Color::Ok,
    }
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
/// `msg`: the result's `msg`; `kind`: [`HostResult::failure_kind`].
fn error_report(msg: Option<&str>, kind: &str, origin: &crate::source::Span) -> String {
    let has_msg = msg.is_some();
    let msg = msg.unwrap_or("");
    // Ansible names the file by its absolute path.
    let file = std::fs::canonicalize(&*origin.file)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| origin.file.to_string());
    // An empty `msg` (a `failed_when` or an exhausted `until` on a result
    // without a message) reads `Action failed.` in Ansible 2.19.
    let what = if msg.is_empty() && has_msg {
        "Action failed.".to_owned()
    } else if kind.is_empty() {
        // The task's own error: `msg` already reads `Task failed: ...`.
        msg.strip_prefix("Task failed: ").unwrap_or(msg).to_owned()
    } else {
        format!("{kind}: {msg}")
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
                && *k != "warnings"
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
        let b = banner("PLAY [Demo play]", 79);
        assert_eq!(b.trim().len(), 80);
        assert!(b.starts_with("\nPLAY [Demo play] ****"));
        let long = banner(&format!("TASK [{}]", "x".repeat(90)), 79);
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

    #[test]
    fn long_commands_are_cut_to_their_head() {
        let short = "test -e /etc/x";
        assert_eq!(abbreviated(short), short);
        let long: String = (1..=20).map(|i| format!("echo {i}\n")).collect();
        let cut = abbreviated(&long);
        assert!(cut.starts_with("echo 1\necho 2\n"), "{cut}");
        assert!(
            cut.contains("echo 8\n... (12 more lines, 151 bytes in all"),
            "{cut}"
        );
        assert!(!cut.contains("echo 9"), "{cut}");
    }

    /// A `Write` whose bytes the test reads back.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("lock").extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// Per-host events as an executor that reports each host on its own
    /// sends them: each result is printed at once, on a line of its own,
    /// the status line (erased before and drawn after) names the hosts
    /// still running, and nothing of it is left after the recap.
    #[test]
    fn results_print_as_they_come_under_a_status_line_that_leaves_no_trace() {
        let out = Shared::default();
        let p = AnsiblePrinter::new(out.clone(), 0)
            .with_color(true)
            .with_status_line(Arc::new(|| 100), std::time::Duration::from_secs(3600));
        p.event(&Event::TaskStart {
            name: "wait".into(),
            handler: false,
        });
        for h in ["node1", "node2", "node3"] {
            p.event(&Event::HostTaskStart {
                host: h.into(),
                task: "wait".into(),
            });
        }
        let text =
            |out: &Shared| String::from_utf8_lossy(&out.0.lock().expect("lock")).into_owned();
        let before = text(&out);
        assert!(
            before.ends_with("3 running: node1 0s node2 0s node3 0s\x1b[0m"),
            "{before:?}"
        );
        p.event(&Event::HostResult(Box::new(HostResult::new(
            "node2",
            "wait",
            Status::Changed,
            Map::new(),
        ))));
        let after = text(&out)[before.len()..].to_owned();
        assert_eq!(
            after,
            "\r\x1b[2K\x1b[0;33mchanged: [node2]\x1b[0m\n\x1b[1;30m[wait] 0s | 1 done, 0 failed, 0 unreachable, 2 running: node1 0s node3 0s\x1b[0m"
        );
        let mut recap = crate::report::Recap::default();
        recap.host("node2").changed = 1;
        p.event(&Event::Recap(recap));
        let all = text(&out);
        let end = &all[all.rfind("PLAY RECAP").expect("recap")..];
        assert!(!end.contains("running"), "{end:?}");
        assert!(end.ends_with("ignored=0   \n\n"), "{end:?}");
    }
}
