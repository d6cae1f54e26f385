//! The data of a task prepared for one host: made by `invocation.rs`,
//! kept in the host's state when prepared ahead of time, consumed by
//! `task.rs`.

use crate::modules::{ArgError, Parsed, RunMode};
use crate::plan::TaskStep;
use crate::transport::{ConnectionSpec, Privilege};
use crate::value::{Map, Value};
use std::sync::Arc;
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

/// An invocation for one task, or each item of its loop, prepared ahead
/// of time and valid while the run's variables are unchanged.
pub(crate) struct Prepared {
    /// The task (held, so its identity stays unique while this lives).
    pub task: Arc<TaskStep>,
    /// The run's variable epoch when it was made.
    pub epoch: u64,
    /// The loop items (`None` without a loop).
    pub items: Option<Vec<Value>>,
    /// One invocation per item (one without a loop), taken when run.
    pub invocations: Vec<Option<Result<Work, Unprepared>>>,
}

impl Prepared {
    /// Whether it is still valid for `task` at variable epoch `epoch`.
    pub(crate) fn valid_for(&self, epoch: u64, task: &TaskStep) -> bool {
        self.epoch == epoch && std::ptr::eq(&*self.task, task)
    }
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
