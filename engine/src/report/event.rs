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
    /// The host the task ran on when delegated.
    pub delegated_to: Option<String>,
    /// Where the task is written, for the `Origin:` of error reports.
    pub origin: Option<crate::source::Span>,
    /// `Module failed` or `Action failed` (controller-side actions), as
    /// Ansible's error report words it.
    pub failure_kind: &'static str,
    /// A line the action prints itself before its result, as `pause`
    /// prints `Pausing for N seconds`.
    pub notice: Option<String>,
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
        }
    }

    /// `result["msg"]` as text, when present.
    pub fn msg(&self) -> Option<&str> {
        self.result.get("msg").and_then(Value::as_str)
    }
}

/// Something that happened during a run.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// A play begins.
    PlayStart {
        /// The play's name (or its host pattern when unnamed).
        name: String,
    },
    /// No host matched a play's pattern.
    NoHostsMatched,
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
    /// A warning to show the user.
    Warning(String),
    /// The play(book) ended; counts per host.
    Recap(super::Recap),
}
