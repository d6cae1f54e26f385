//! The implicit `Gathering Facts` task of a play: one script, one round
//! trip per host.

use super::connection::{self, TargetError};
use super::env::TaskEnv;
use super::host::HostState;
use super::result::{TaskResult, TaskRun};
use super::trace::Phase;
use super::vars::task_vars;
use crate::plan::TaskStep;
use crate::transport::{ExecRequest, Transport};

/// Gathers `st`'s facts and stores them as its variables. `play` is the
/// play's implicit gathering task: its keywords (`become`, `connection`,
/// `remote_user`, ...) apply, as in Ansible.
pub(crate) fn gather_facts(
    env: &TaskEnv<'_>,
    st: &mut HostState,
    play: Option<&TaskStep>,
) -> TaskRun {
    let vars = task_vars(env.pv, st, None);
    let target = match connection::gather_target(env, st, play, &vars) {
        Ok(t) => t,
        Err(TargetError::Failed(msg)) => return TaskRun::single(TaskResult::failed(msg)),
    };
    let req = ExecRequest {
        command: crate::facts::gather_script().to_owned(),
        privilege: target.privilege,
        ..Default::default()
    };
    let out = {
        let _facts = st.meter.phase(Phase::Facts);
        match connection::session(env, &mut st.sessions, &st.meter, &target.spec) {
            Ok(mut t) => t.exec(&req),
            Err(e) => return TaskRun::single(TaskResult::unreachable_via(&e, &target.spec)),
        }
    };
    let out = match out {
        Ok(o) => o,
        Err(e) => {
            connection::drop_session(st, &target.spec);
            return TaskRun::single(TaskResult::unreachable_via(&e, &target.spec));
        }
    };
    let mut run = TaskRun::single(match crate::facts::parse(&out.stdout) {
        Ok(facts) => {
            st.set_gathered_facts(facts.to_vars());
            TaskResult::from_outcome(crate::modules::Outcome::ok(), false)
        }
        Err(e) => TaskResult::failed(format!("fact gathering failed: {e}")),
    });
    run.presentation.verbose_override = run.result.ending == super::result::Ending::Ran;
    run
}
