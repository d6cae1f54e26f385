//! `run`: the parallel executor.
//!
//! Hosts run on a `rayon` pool of `forks` workers. In the `linear`
//! strategy every host finishes a task before any starts the next; in
//! `free` each host runs ahead. A host that fails or cannot be reached is
//! taken out of the play and reported, while the others go on. Results
//! flow out as [`crate::report::Event`]s, each host's the moment it is
//! known.
//!
//! Layers (each file imports only from the ones above it, never from a
//! file below, and nothing here imports from this file):
//!
//! | layer | files |
//! | --- | --- |
//! | state | `options` (what the caller chose), `work` (a prepared task's data), `trace` (the wrapper every session is lent through: `-vvv` commands, `--stats`), `host` (per-host state), `vars` (precedence) and `live` (the inventory `group_by` and `add_host` change), `env` (play context) |
//! | evaluation | `eval` (conditions, loops, environment), `result` (the typed task result) |
//! | decisions | `connection` (connection + become per task, sessions), `action_name` (a templated module name resolved for one host), `invocation` (one task prepared for one host) |
//! | execution | `remote` (a module's view of the host), `actions` (controller-side actions), `async_job` (`async:`/`poll:` jobs), `gather` (facts), `piggyback` (next probes sent with an apply), `ahead` (next loop items' applies sent with an apply), `task` (one task on one host), `prefetch` (probe batching) |
//! | walking | `reaching` (per-host decisions before a task's banner: templated module, `run_once`), `include` (dynamic includes), `start_at` (`--start-at-task`), `walk` (steps, blocks, handlers), `play` (plays, batches, recap) |

mod action_name;
mod actions;
mod ahead;
mod async_job;
mod connection;
mod env;
mod eval;
mod facts_modules;
mod gather;
mod host;
mod include;
mod include_vars;
mod invocation;
mod live;
mod lookahead;
mod options;
mod piggyback;
mod play;
mod prefetch;
mod probe_cache;
mod reaching;
pub mod remote;
mod result;
mod start_at;
mod strategy;
mod task;
mod timeline;
mod trace;
mod vars;
mod walk;
mod work;

pub use options::{PlayDefaults, RunDefaults, RunError, RunOptions, RunSummary};
pub use play::run;
