//! [`TaskEnv`]: what every task run needs besides the host.

use super::options::RunOptions;
use super::vars::PlayVars;
use crate::report::Reporter;
use crate::template::Templar;

/// The play-wide context a task runs in.
pub(crate) struct TaskEnv<'a> {
    /// The play's variables.
    pub pv: &'a PlayVars,
    /// Where events go.
    pub reporter: &'a dyn Reporter,
    /// The template engine.
    pub templar: &'a Templar,
    /// The run's options.
    pub opts: &'a RunOptions,
}
