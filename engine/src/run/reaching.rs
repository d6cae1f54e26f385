//! What ansible-core's strategy decides host by host, in batch order,
//! before a task's banner and before any host runs it: the module a
//! templated name resolves to for each host (see `action_name`), and
//! `run_once`, rendered with each host's variables. The first host for
//! whom `run_once` holds (or whose module bypasses the host loop, as
//! `pause` and `add_host` do) runs the task for the batch; the hosts before it run it
//! as usual, the hosts after it do not run it. A value that does not
//! render ends the run, as the strategy raises it (the `free` strategy
//! leaves the module name to the task: see [`reaching`]).

use super::env::TaskEnv;
use super::host::HostState;
use super::vars::task_vars;
use crate::modules::Builtin;
use crate::plan::TaskStep;
use crate::value::Value;

/// The per-host decisions for one task over a batch.
pub(crate) struct Reaching {
    /// Per batch index: the task with its templated module resolved for
    /// that host (`None`: the task as compiled, or a host not taking it).
    pub steps: Vec<Option<TaskStep>>,
    /// The host that runs the task for the whole batch, if any.
    pub once_at: Option<usize>,
    /// It does because of `run_once` (its result is every host's), not
    /// because its module bypasses the host loop.
    pub run_once: bool,
}

impl Reaching {
    /// The task as host `i` runs it.
    pub(crate) fn step<'t>(&'t self, i: usize, t: &'t TaskStep) -> &'t TaskStep {
        self.steps.get(i).and_then(Option::as_ref).unwrap_or(t)
    }

    /// Whether host `i` (taking the task) runs it.
    pub(crate) fn runs(&self, i: usize) -> bool {
        self.once_at.is_none_or(|k| i <= k)
    }
}

/// Decides, host by host in batch order, for the hosts `takes` accepts.
/// Under the `free` strategy (`free`), which does not render the module
/// name, a name that does not render fails the task for the host (after
/// its `when`), as the task's post-validation does.
///
/// # Errors
/// The batch index of the host whose module name or `run_once` did not
/// render, and why: the run ends there.
pub(crate) fn reaching(
    env: &TaskEnv<'_>,
    t: &TaskStep,
    batch: &[HostState],
    free: bool,
    takes: impl Fn(&HostState) -> bool,
) -> Result<Reaching, (usize, String)> {
    let mut r = Reaching {
        steps: Vec::with_capacity(batch.len()),
        once_at: None,
        run_once: false,
    };
    for (i, s) in batch.iter().enumerate() {
        if !takes(s) || r.once_at.is_some() {
            r.steps.push(None);
            continue;
        }
        let step = match super::action_name::for_host(env, s, t) {
            Ok(step) => step,
            Err(e) if free => Some(TaskStep {
                reach_error: t.reach_error.clone().or(Some(e)),
                ..t.clone()
            }),
            Err(e) => return Err((i, e)),
        };
        let bypass = matches!(
            step.as_ref().unwrap_or(t).module.builtin(),
            Some(Builtin::Pause | Builtin::AddHost)
        );
        r.steps.push(step);
        let once = match &t.run_once {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(v) => {
                let vars = task_vars(env.pv, s, Some(t));
                let value = env
                    .templar
                    .render_value(v, &vars)
                    .map_err(|e| (i, e.to_string()))?;
                truthy(&value)
            }
        };
        if once || bypass {
            r.once_at = Some(i);
            r.run_once = once;
        }
    }
    Ok(r)
}

/// Python's truth value, which the strategy gives the rendered
/// `run_once`.
fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Int(i) => *i != 0,
        Value::Float(f) => *f != 0.0,
        Value::Str(s) | Value::Unsafe(s) | Value::Date(s) => !s.is_empty(),
        Value::List(l) => !l.is_empty(),
        Value::Map(m) => !m.is_empty(),
    }
}
