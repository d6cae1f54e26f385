//! `plan`: playbooks compiled into what the executor runs.
//!
//! [`compile`] turns a parsed [`crate::playbook`] tree into [`PlayPlan`]s:
//! static imports and roles are flattened into [`Step`]s, block and play
//! keywords are pushed down onto every task (the `when` chain, `vars`,
//! `become`, `environment`, `tags`), module names are resolved against the
//! module table, and every mistake that can be found before touching a
//! host is reported with its span. The plan knows nothing about SSH.

mod checks;
mod compile;
mod defaults;
mod error;
mod keyword_use;
mod module_args;
mod names;
mod resolve;
mod role_vars;
mod template_files;
mod types;
mod vars_files;

pub use checks::{check, Checked};
pub use compile::{compile, compile_include, Included};
pub use defaults::{for_module as module_defaults_for, DefaultsFor, ModuleDefault};
pub use error::{PlanError, PlanErrors};
pub use keyword_use::KeywordUse;
pub use resolve::templated_module;

pub use types::{
    BecomeKeywords, BlockStep, ConnectionKeywords, Handler, HostOrder, IncludeStep, LoopControl,
    LoopSpec, Plan, PlayPlan, RoleCtx, Serial, Step, Strategy, TaskStep, When,
};
