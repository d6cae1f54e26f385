//! `plan`: playbooks compiled into what the executor runs.
//!
//! [`compile`] turns a parsed [`crate::playbook`] tree into [`PlayPlan`]s:
//! static imports and roles are flattened into [`Step`]s, block and play
//! keywords are pushed down onto every task (the `when` chain, `vars`,
//! `become`, `environment`, `tags`), module names are resolved against the
//! module table, and every mistake that can be found before touching a
//! host is reported with its span. The plan knows nothing about SSH.

mod types;

pub use types::{
    BecomeKeywords, BlockStep, IncludeStep, LoopControl, LoopSpec, PlayPlan, Plan, RoleCtx, Serial,
    Step, Strategy, TaskStep,
};

/// Compiles a dynamically included file into steps (interim: not yet).
pub fn compile_include(inc: &IncludeStep, file: &str, _params: &crate::value::Map) -> Result<Vec<Step>, String> {
    Err(format!("{}: cannot include `{file}` yet", inc.task.span))
}
