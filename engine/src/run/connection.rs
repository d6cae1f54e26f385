//! Where a task's commands go and as whom: the connection settings and
//! the become settings of one task on one host, decided here and nowhere
//! else, and the sessions they open.
//!
//! Sessions are kept per host for the whole run, one per distinct
//! connection setting: a task that needs another user, port or
//! connection type opens (and keeps) its own.

use super::env::TaskEnv;
use super::eval::render_bool;
use super::host::{HostState, Session};
use super::trace::{Meter, Traced};
use super::work::Target;
use crate::plan::TaskStep;
use crate::template::Vars;
use crate::transport::{self, ConnectionKind, ConnectionSpec, Privilege};
use crate::value::Map;
use std::time::Duration;

/// Why no target could be decided.
#[derive(Debug)]
pub(crate) enum TargetError {
    /// The connection settings are unusable (the host is unreachable).
    Unreachable(String),
}

/// The privilege a task's `become` keyword asks for.
pub(crate) fn privilege(
    env: &TaskEnv<'_>,
    task: &TaskStep,
    vars: &Vars,
) -> Result<Privilege, String> {
    let become_ = match &task.become_.become_ {
        Some(v) => render_bool(env.templar, v, vars)?,
        None => false,
    };
    Ok(if become_ {
        Privilege::Become
    } else {
        Privilege::User
    })
}

/// Decides the connection of `task` on `st`: the host's own, or the
/// controller for `delegate_to: localhost`.
pub(crate) fn target(
    env: &TaskEnv<'_>,
    st: &HostState,
    task: &TaskStep,
    vars: &Vars,
    privilege: Privilege,
) -> Result<Target, TargetError> {
    let delegate = match &task.delegate_to {
        Some(d) => Some(
            env.templar
                .render_string(d, vars)
                .map_err(|e| TargetError::Unreachable(e.to_string()))?,
        ),
        None => None,
    };
    if let Some(d) = delegate.filter(|d| d != &st.name) {
        if !matches!(d.as_str(), "localhost" | "127.0.0.1" | "::1") {
            return Err(TargetError::Unreachable(format!(
                "delegate_to `{d}` is not supported (only localhost)"
            )));
        }
        return Ok(Target {
            spec: local_spec(),
            privilege,
        });
    }
    let spec = host_spec(env, st, vars).map_err(TargetError::Unreachable)?;
    Ok(Target { spec, privilege })
}

/// The settings of the host's own connection, for work that is not a
/// task (fact gathering).
pub(crate) fn host_target(
    env: &TaskEnv<'_>,
    st: &HostState,
    vars: &Vars,
) -> Result<Target, String> {
    Ok(Target {
        spec: host_spec(env, st, vars)?,
        privilege: Privilege::User,
    })
}

fn local_spec() -> ConnectionSpec {
    ConnectionSpec {
        name: "localhost".into(),
        kind: ConnectionKind::Local,
        address: "localhost".into(),
        port: 22,
        user: None,
        private_key_file: None,
        password: None,
        connect_timeout: Duration::from_secs(10),
        host_key_checking: transport::HostKeyChecking::Strict,
        jump: None,
        known_hosts_file: None,
        become_: None,
    }
}

/// Resolves the host's connection variables (rendered) into a spec.
fn host_spec(env: &TaskEnv<'_>, st: &HostState, vars: &Vars) -> Result<ConnectionSpec, String> {
    let mut conn = Map::new();
    let sources = [&*st.shared.inventory, &st.set_facts, &*env.pv.extra];
    for src in sources {
        for (k, v) in src.iter().filter(|(k, _)| k.starts_with("ansible_")) {
            let r = env
                .templar
                .render_value(v, vars)
                .map_err(|e| format!("{k}: {e}"))?;
            conn.insert(k.clone(), r);
        }
    }
    let mut spec = crate::inventory::connection_spec(&st.name, &conn).map_err(|e| e.to_string())?;
    if spec.become_.is_none() {
        // `become: true` on a play or task with no `ansible_become*` vars:
        // sudo to root, as Ansible's defaults say.
        spec.become_ = Some(transport::Become {
            method: transport::BecomeMethod::Sudo,
            user: "root".into(),
            password: None,
            flags: None,
        });
    }
    Ok(spec)
}

/// The session for `spec` among a host's `sessions`, opened on first use
/// and kept; lent through [`Traced`], so every round trip on it is
/// reported and counted in the host's `meter`.
pub(crate) fn session<'s>(
    env: &TaskEnv<'s>,
    sessions: &'s mut Vec<Session>,
    meter: &'s Meter,
    spec: &ConnectionSpec,
) -> Result<Traced<'s>, transport::TransportError> {
    let at = match sessions.iter().position(|s| &s.spec == spec) {
        Some(i) => i,
        None => {
            let started = std::time::Instant::now();
            let t = transport::connect(spec, &env.opts.connect);
            meter.connected(started.elapsed());
            let t = t?;
            sessions.push(Session {
                spec: spec.clone(),
                transport: t,
            });
            sessions.len() - 1
        }
    };
    Ok(Traced::new(
        sessions[at].transport.as_mut(),
        meter,
        env.reporter,
    ))
}

/// Forgets the session for `spec` (it broke: the next use reconnects).
pub(crate) fn drop_session(st: &mut HostState, spec: &ConnectionSpec) {
    st.sessions.retain(|s| &s.spec != spec);
}
