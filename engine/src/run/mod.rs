//! `run`: the parallel executor.
//!
//! Hosts run on a `rayon` pool of `forks` workers. In the `linear`
//! strategy every host finishes a task before any starts the next, and
//! results are reported in inventory order; in `free` each host runs
//! ahead. A host that fails or cannot be reached is taken out of the play
//! and reported, while the others go on. Each host keeps one transport
//! session for the whole run. Results flow out as [`crate::report::Event`]s.

mod block;
mod control;
mod host;
mod include;
mod options;
mod play;
mod prefetch;
pub mod remote;
mod task;
mod vars;

pub use options::{RunDefaults, RunError, RunOptions, RunSummary};
pub use play::run;
