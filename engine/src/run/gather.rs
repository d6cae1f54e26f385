//! The implicit `Gathering Facts` task of a play: one script, one round
//! trip per host, which also reads the probes the play's first tasks will
//! ask for when they do not depend on facts (see [`super::prefetch`]).

use super::connection::{self, TargetError};
use super::env::TaskEnv;
use super::host::HostState;
use super::lookahead::Wanted;
use super::prefetch::{env_script, facts_and_probes_script, parse_batch, split_facts};
use super::result::{TaskResult, TaskRun};
use super::trace::Phase;
use super::vars::task_vars;
use crate::plan::TaskStep;
use crate::transport::{ExecRequest, Transport};

/// Gathers `st`'s facts and stores them as its variables. `play` is the
/// play's implicit gathering task: its keywords (`become`, `connection`,
/// `remote_user`, ...) apply, as in Ansible. `probes`, read in the same
/// round trip when they go the same way (connection and privilege), land
/// in the host's probe cache.
pub(crate) fn gather_facts(
    env: &TaskEnv<'_>,
    st: &mut HostState,
    play: Option<&TaskStep>,
    probes: Option<Wanted>,
) -> TaskRun {
    let vars = task_vars(env.pv, st, None);
    if let Err(msg) = super::facts_modules::check(env.templar, &vars) {
        return TaskRun::single(TaskResult::failed(msg));
    }
    let target = match connection::gather_target(env, st, play, &vars) {
        Ok(t) => t,
        Err(TargetError::Failed(msg)) => return TaskRun::single(TaskResult::failed(msg)),
    };
    // The play's `environment:` applies to the gathering task as to any
    // other (ansible-core's setup task inherits it): `ansible_env` shows it.
    let layers = play.map_or(&[][..], |p| &p.environment[..]);
    let environment = match super::eval::environment(env.templar, layers, &vars) {
        Ok(e) => e,
        Err(msg) => return TaskRun::single(TaskResult::failed(msg)),
    };
    // The play's `fact_path` (templated with the play's variables).
    let fact_path = match play.and_then(|p| p.args.get("fact_path")) {
        None => None,
        Some(v) => match env.templar.render_value(v, &vars) {
            Ok(v) => Some(crate::report::python_str(&v)),
            Err(e) => return TaskRun::single(TaskResult::failed(format!("fact_path: {e}"))),
        },
    };
    let script = match &fact_path {
        Some(p) => crate::facts::gather_script_with_fact_path(p),
        None => crate::facts::gather_script().to_owned(),
    };
    let separator = format!("konvoy-probes-{}", crate::transport::nonce());
    // Probes ride along only with the default script they are built on.
    let probes = probes.filter(|_| fact_path.is_none()).and_then(|w| {
        let same_way = w.context.spec == target.spec
            && w.context.privilege == target.privilege
            && environment.is_empty();
        let stdin = env_script(&w.context.environment)?;
        same_way.then_some((w, stdin))
    });
    let req = match &probes {
        Some((w, stdin)) => ExecRequest {
            command: facts_and_probes_script(
                &w.probes,
                &separator,
                crate::transport::env_lines(&w.context.environment),
            ),
            stdin: Some(stdin.clone()),
            privilege: target.privilege,
            ..Default::default()
        },
        None => ExecRequest {
            command: script,
            env: environment,
            privilege: target.privilege,
            ..Default::default()
        },
    };
    let out = {
        let _facts = st.meter.phase(Phase::Facts);
        st.meter
            .set_no_log(probes.as_ref().is_some_and(|(w, _)| w.hidden));
        match connection::session(env, &mut st.sessions, &st.meter, &target.spec) {
            Ok(mut t) => t.exec(&req),
            Err(e) => return TaskRun::single(TaskResult::unreachable_by(&e, &target.spec)),
        }
    };
    let out = match out {
        Ok(o) => o,
        Err(e) if e.is_unreachable() => {
            connection::drop_session(st, &target.spec);
            return TaskRun::single(TaskResult::unreachable_by(&e, &target.spec));
        }
        // The host answered (a become that failed, a command error): the
        // task fails, as ansible-core's does.
        Err(e) => return TaskRun::single(TaskResult::task_error(&e.to_string())),
    };
    let mut facts_out = &out.stdout[..];
    if let Some((w, _)) = &probes {
        if let Some((facts, batch)) = split_facts(&out.stdout, &separator) {
            facts_out = facts;
            if let Some(answers) = parse_batch(batch, w.probes.len()) {
                let answers = w.probes.iter().cloned().zip(answers);
                st.probe_cache.insert(&w.context, answers, &st.meter);
            }
        }
    }
    let mut run = TaskRun::single(match crate::facts::parse(facts_out) {
        Ok(facts) => {
            st.set_gathered_facts(facts.to_vars());
            st.facts_gathered = true;
            TaskResult::from_outcome(crate::facts::outcome(&facts), false)
        }
        Err(e) => TaskResult::failed(format!("fact gathering failed: {e}")),
    });
    run.presentation.verbose_override = run.result.ending == super::result::Ending::Ran;
    run
}
