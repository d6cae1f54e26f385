//! A task whose module is named by a template (`action: "{{ pkg_mgr }}"`,
//! `action: {module: "{{ m }}"}`), made concrete for one host as
//! ansible-core does it: its strategy renders the name with the host's
//! task variables (no loop variables) before the task's banner, and a
//! name that does not render ends the run; the task's post-validation,
//! after its `when` (each loop item's), resolves the rendered name and
//! fails the task (the item) when nothing answers to it.
//!
//! The rendered name goes through the compiler's own resolution
//! ([`crate::plan::templated_module`]), and the task's arguments through
//! the module it names, exactly as for a name written literally.

use super::env::TaskEnv;
use super::host::HostState;
use super::vars::task_vars;
use crate::plan::TaskStep;
use crate::playbook::short_name;
use crate::value::Value;

/// Names that only mean something to ansible-core's parser or strategy
/// (includes, imports, `meta`): a templated name cannot turn a task into
/// one of them here.
const NOT_BY_TEMPLATE: &[&str] = &[
    "meta",
    "include_tasks",
    "import_tasks",
    "include_role",
    "import_role",
    "import_playbook",
    "include",
];

/// `t` for the host `st` once its templated module name is resolved;
/// `Ok(None)` when the name is written literally.
///
/// # Errors
/// The name does not render for this host, or renders to `omit`
/// (ansible-core's linear strategy ends the run).
pub(crate) fn for_host(
    env: &TaskEnv<'_>,
    st: &HostState,
    t: &TaskStep,
) -> Result<Option<TaskStep>, String> {
    if !t.module_is_templated() {
        return Ok(None);
    }
    let vars = task_vars(env.pv, st, Some(t));
    let name = env
        .templar
        .render_string(&t.action, &vars)
        .map_err(|e| e.to_string())?;
    if name == crate::template::OMIT {
        return Err("Omit is not valid for the `action` keyword.".into());
    }
    let mut step = t.clone();
    let failure = if NOT_BY_TEMPLATE.contains(&short_name(&name)) {
        Some(format!(
            "a templated module name that renders to `{name}` is not supported by konvoy-image"
        ))
    } else {
        match crate::plan::templated_module(t, &name) {
            Some(m) => {
                step.module = m;
                None
            }
            None => Some(format!(
                "Cannot resolve {} to an action or module.",
                crate::report::python_repr(&Value::Str(name))
            )),
        }
    };
    // A keyword whose literal is not a boolean was found first.
    if step.reach_error.is_none() {
        step.reach_error = failure;
    }
    Ok(Some(step))
}
