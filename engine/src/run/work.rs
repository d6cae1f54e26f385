//! The data of a task prepared for one host: made by `invocation.rs`,
//! consumed by `task.rs` (and simulated by `lookahead.rs`).

use crate::modules::{ArgError, Parsed, RunMode};
use crate::transport::{ConnectionSpec, Privilege};
use crate::value::Map;
use std::time::{Duration, Instant};

/// Where and how one task's commands run.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Target {
    /// How to reach the host the commands go to.
    pub spec: ConnectionSpec,
    /// Login user or become.
    pub privilege: Privilege,
}

/// What runs the task.
pub(crate) enum Work {
    /// An action the executor runs itself: its rendered arguments.
    Controller(Map),
    /// A module on the host.
    Host(Box<HostWork>),
}

/// A host module's invocation.
pub(crate) struct HostWork {
    /// The parsed arguments, or why they do not parse (reported once the
    /// host is known to be reachable, as Ansible reports it).
    pub module: Result<Box<dyn Parsed>, ArgError>,
    /// Apply or check (`check_mode:`, `--check`).
    pub mode: RunMode,
    /// Produce diffs (`diff:`, `--diff`).
    pub diff: bool,
    /// The task's `environment:`.
    pub environment: Vec<(String, String)>,
    /// Where and as whom.
    pub target: Target,
    /// A deadline for each command.
    pub timeout: Option<Duration>,
}

/// Why a task could not be prepared.
#[derive(Debug)]
pub(crate) enum Unprepared {
    /// The arguments do not render: the task fails without running.
    Args(String),
    /// The task fails with this message.
    Failed(String),
}

/// The end of one attempt's `timeout:` (Ansible's alarm around the
/// module run): every command of the attempt must finish before `at`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Deadline {
    /// When the attempt times out.
    pub at: Instant,
    /// The `timeout:` value, for the message.
    pub secs: i64,
}

impl Deadline {
    /// A deadline `secs` seconds from now.
    pub(crate) fn after(secs: i64) -> Deadline {
        Deadline {
            at: Instant::now() + Duration::from_secs(secs.max(0) as u64),
            secs,
        }
    }

    /// Whether it has passed.
    pub(crate) fn passed(&self) -> bool {
        Instant::now() >= self.at
    }
}
