//! The events of a run and the per-host result of a task.

use crate::value::{Map, Value};

/// The outcome class of one task on one host, as the recap counts it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Ran, changed nothing.
    Ok,
    /// Ran and changed the host.
    Changed,
    /// Its condition was false (or check mode skipped it).
    Skipped,
    /// Failed.
    Failed,
    /// The host could not be reached.
    Unreachable,
}

/// One loop item's result.
#[derive(Clone, Debug, PartialEq)]
pub struct ItemResult {
    /// The label shown as `(item=...)`.
    pub label: String,
    /// Its status.
    pub status: Status,
    /// The module result (Ansible's shape), `item` included.
    pub result: Map,
    /// As [`HostResult::failure_kind`], for this item's failure.
    pub failure_kind: &'static str,
    /// As [`HostResult::delegated_to`], for this item (each item of a loop
    /// may name its own delegate).
    pub delegated_to: Option<Delegate>,
}

/// The host a delegated task ran on (`delegate_to`), as ansible-core's
/// callback names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delegate {
    /// The delegate's inventory name.
    pub name: String,
    /// Its `ansible_host`, when that differs from the name.
    pub address: Option<String>,
}

impl Delegate {
    /// `host -> name`, or `host -> name(address)` (`CallbackBase.host_label`).
    pub fn label(&self, host: &str) -> String {
        match &self.address {
            Some(a) => format!("{host} -> {}({a})", self.name),
            None => format!("{host} -> {}", self.name),
        }
    }
}

/// The result of one task on one host.
#[derive(Clone, Debug, PartialEq)]
pub struct HostResult {
    /// Inventory name.
    pub host: String,
    /// The task as displayed in its banner.
    pub task: String,
    /// Overall status.
    pub status: Status,
    /// A failure that `ignore_errors` turned into `ok`.
    pub ignored: bool,
    /// The result as `register` stores it (Ansible's keys).
    pub result: Map,
    /// Loop items, when the task looped.
    pub items: Vec<ItemResult>,
    /// Shown with `=> {...}` even when not failed (debug, assert, verbose).
    pub show_result: bool,
    /// A `debug` result: the callback shows only `msg` (or the variable).
    pub debug_output: bool,
    /// Unified diffs to print in diff mode.
    pub diffs: Vec<String>,
    /// The host the task ran on when delegated to another host.
    pub delegated_to: Option<Delegate>,
    /// Where the task is written, for the `Origin:` of error reports.
    pub origin: Option<crate::source::Span>,
    /// `Module failed` or `Action failed` (controller-side actions), as
    /// Ansible's error report words it; empty when the failure is the
    /// task's own (a timeout) and `msg` is the whole `Task failed: ...`.
    pub failure_kind: &'static str,
    /// A line the action prints itself before its result, as `pause`
    /// prints `Pausing for N seconds`.
    pub notice: Option<String>,
    /// Fact gathering: the result is never dumped, at any verbosity
    /// (Ansible's `_ansible_verbose_override`).
    pub verbose_override: bool,
    /// The task has `no_log: true`: reporters show [`HostResult::censored`]
    /// instead of the result (the registered variable keeps it all).
    pub no_log: bool,
}

impl HostResult {
    /// A bare result with a status and an Ansible result map.
    pub fn new(host: &str, task: &str, status: Status, result: Map) -> HostResult {
        HostResult {
            host: host.to_owned(),
            task: task.to_owned(),
            status,
            ignored: false,
            result,
            items: Vec::new(),
            show_result: false,
            debug_output: false,
            diffs: Vec::new(),
            delegated_to: None,
            origin: None,
            failure_kind: "Module failed",
            notice: None,
            verbose_override: false,
            no_log: false,
        }
    }

    /// What a reporter may show: the result itself, or for a `no_log`
    /// task Ansible's censored shape (`censored` plus the keys
    /// `censor_result` keeps), for the task and each loop item; diffs and
    /// notices are dropped.
    pub fn censored(&self) -> std::borrow::Cow<'_, HostResult> {
        if !self.no_log {
            return std::borrow::Cow::Borrowed(self);
        }
        let mut r = self.clone();
        // A `debug` result reaches Ansible's callback without `changed`.
        let keep_changed = !self.debug_output;
        r.result = censor(&self.result, keep_changed);
        for item in &mut r.items {
            item.result = censor(&item.result, keep_changed);
            item.label = CENSORED_ITEM.to_owned();
        }
        r.diffs.clear();
        r.notice = None;
        // Censoring drops `_ansible_verbose_always`: a `debug` result is
        // printed as any other.
        r.show_result = false;
        r.debug_output = false;
        std::borrow::Cow::Owned(r)
    }

    /// `result["msg"]` as text, when present.
    pub fn msg(&self) -> Option<&str> {
        self.result.get("msg").and_then(Value::as_str)
    }
}

/// Ansible's text for a hidden result (`executor/task_result.py`).
pub const CENSORED: &str =
    "the output has been hidden due to the fact that 'no_log: true' was specified for this result";

/// The loop item label of a `no_log` task (`_get_item_label`).
pub const CENSORED_ITEM: &str = "(censored due to no_log)";

/// `censor_result`: the keys Ansible preserves, plus `censored`.
fn censor(result: &Map, keep_changed: bool) -> Map {
    const PRESERVE: &[&str] = &[
        "attempts",
        "changed",
        "retries",
        "_ansible_no_log",
        "exception",
        "warnings",
        "deprecations",
    ];
    let mut out: Map = result
        .iter()
        .filter(|(k, _)| PRESERVE.contains(&k.as_str()) && (keep_changed || *k != "changed"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    out.insert("censored".into(), Value::Str(CENSORED.into()));
    out
}

/// Something that happened during a run.
///
/// `#[non_exhaustive]`: new kinds of events are added without a breaking
/// change, so a reporter outside this crate ends its `match` with `_ => {}`.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// A play begins.
    PlayStart {
        /// The play's name (or its host pattern when unnamed).
        name: String,
    },
    /// No host matched a play's pattern.
    NoHostsMatched,
    /// Every host left was taken out of the play (`max_fail_percentage`):
    /// the playbook ends.
    NoHostsRemaining,
    /// A task (or handler) begins on the current batch.
    TaskStart {
        /// Banner text: `role : name`, the name, or the action.
        name: String,
        /// A handler (`RUNNING HANDLER`).
        handler: bool,
    },
    /// A task starts on one host (sent from the worker running it, so a
    /// live display can show which hosts are busy).
    HostTaskStart {
        /// The host.
        host: String,
        /// The task's banner name.
        task: String,
    },
    /// A task finished on one host (sent the moment it did).
    HostResult(Box<HostResult>),
    /// A dynamic include was expanded for some hosts.
    Included {
        /// The included file.
        file: String,
        /// The hosts that included it.
        hosts: Vec<String>,
        /// The loop item's label, for a looped include.
        item: Option<String>,
    },
    /// An `until` condition was false; the task runs again.
    Retrying {
        /// The host.
        host: String,
        /// The task's banner name.
        task: String,
        /// Attempts left.
        retries_left: i64,
    },
    /// A job started by `async:` was checked by `poll:`, or ended.
    Async {
        /// The host.
        host: String,
        /// The job id (`ansible_job_id`).
        jid: String,
        /// What was found.
        state: AsyncState,
    },
    /// A warning to show the user.
    Warning(String),
    /// The play(book) ended; counts per host.
    Recap(super::Recap),
    /// The run begins. Emitted by whoever starts the run (the CLI), before
    /// anything is loaded, so pre-run errors have a run to belong to.
    RunStart(Box<RunInfo>),
    /// A command was sent to a host and finished (shown at `-vvv`).
    Command(Box<CommandTrace>),
    /// An SSH-level detail of a host's connection (shown at `-vvvv`): how
    /// a session was opened (address, user, server version, algorithms,
    /// host key, authentication method, timings), a retry, a reconnect.
    Ssh {
        /// The host.
        host: String,
        /// One line of detail (no secret: passwords and passphrases are
        /// never part of it).
        text: String,
    },
    /// An input error or warning, rendered (pre-run errors included).
    Diagnostic(Box<DiagnosticEvent>),
    /// The user asked the run to stop (Ctrl-C, SIGTERM).
    Interrupt {
        /// `false` for the first request (no new work is scheduled; the
        /// running tasks finish), `true` for the second (the run ends now).
        forced: bool,
        /// The hosts still running a task, as `host: task`.
        waiting_for: Vec<String>,
    },
    /// The run is over; the last event.
    RunEnd {
        /// The process exit code.
        exit_code: i32,
        /// The run was stopped by the user.
        interrupted: bool,
    },
}

/// Where a polled `async:` job stands ([`Event::Async`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AsyncState {
    /// Checked and still running.
    Poll {
        /// The job file says it started.
        started: bool,
        /// The job file says it finished.
        finished: bool,
    },
    /// Finished and succeeded.
    Ok,
    /// Failed, or did not finish in its `async:` time.
    Failed,
}

/// What a run is, for the first event of its record.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunInfo {
    /// Unique id of the run (also the suffix of its run folder).
    pub id: String,
    /// The command line, secrets redacted.
    pub argv: Vec<String>,
    /// The tool's version.
    pub version: String,
    /// The working directory.
    pub cwd: String,
}

/// One command sent to a host, as `-vvv` shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct CommandTrace {
    /// Inventory name.
    pub host: String,
    /// The command text, with secrets redacted (a `no_log` task's command
    /// is replaced as a whole). Secrets never travel in command text
    /// anyway: passwords go on stdin.
    pub command: String,
    /// Exit code; `None` when the command did not finish (timeout, lost
    /// connection).
    pub rc: Option<i32>,
    /// Wall time from sending to the exit status.
    pub duration: std::time::Duration,
}

/// How bad a diagnostic event is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiagnosticLevel {
    /// The run does not start (or stops).
    Error,
    /// Reported; the run goes on.
    Warning,
}

/// A rendered diagnostic: the message plus where it points.
#[derive(Clone, Debug, PartialEq)]
pub struct DiagnosticEvent {
    /// Error or warning.
    pub level: DiagnosticLevel,
    /// The whole rendered text (message, source line, caret, help).
    pub text: String,
    /// Where it points, when it does.
    pub span: Option<crate::source::Span>,
}
