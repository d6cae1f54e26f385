//! Where a task's commands go and as whom: the connection and become
//! settings of one task on one host, decided here and nowhere else, and
//! the sessions they open.
//!
//! Precedence, lowest first, as ansible-core 2.19 resolves a task's play
//! context and its connection and become plugins' options:
//!
//! 1. built-in defaults (`ssh`, port 22, the local user, sudo to `root`);
//! 2. configuration and command line ([`super::RunDefaults`]);
//! 3. keywords: play < role < block < task (merged by the plan, the
//!    innermost wins);
//! 4. variables: `ansible_*` from any source (inventory, play, role,
//!    block and task `vars`, `set_fact`, `-e`), so `ansible_become_user`
//!    in the inventory beats a `become_user:` keyword, as in Ansible.
//!
//! Every level is written into one map of `ansible_*` names, a level
//! filling only what the levels above left unset, and
//! [`crate::inventory::connection_spec`] reads that map once.
//!
//! With `delegate_to`, the connection variables are the delegate's (its
//! inventory variables plus the play's and task's), the keywords the
//! task's: nothing of the original host's connection carries over
//! (ansible-core's `set_task_and_variable_override`).
//!
//! Sessions are kept per host for the whole run, one per distinct
//! connection setting; become is set on the session per task, so a task
//! with another `become_user` does not open another connection.

use super::env::TaskEnv;
use super::eval::render_bool;
use super::host::{HostState, Session};
use super::trace::{Meter, Traced};
use super::vars::delegate_vars;
use super::work::Target;
use crate::inventory::{connection_spec, CONNECTION_VARS};
use crate::plan::TaskStep;
use crate::playbook::keyword_table::Keyword;
use crate::report::Delegate;
use crate::template::Vars;
use crate::transport::{self, ConnectionSpec, Privilege};
use crate::value::{Map, Value};

/// Why no target could be decided: a keyword or variable does not
/// render or has a bad value (an unknown become method, a port that is
/// no number). The task fails, as in Ansible.
#[derive(Debug)]
pub(crate) enum TargetError {
    /// The task fails with this message.
    Failed(String),
}

/// The names under which one setting can be given, in the order
/// [`connection_spec`] reads them (the first is the one a keyword or a
/// default is written under, so that any variable overrides it).
const USER: &[&str] = &["ansible_user", "ansible_ssh_user"];
const PORT: &[&str] = &["ansible_port", "ansible_ssh_port"];
const CONNECTION: &[&str] = &["ansible_connection"];
const KEY: &[&str] = &[
    "ansible_private_key_file",
    "ansible_ssh_private_key_file",
    "ansible_ssh_key_name",
];
const PASSWORD: &[&str] = &[
    "ansible_password",
    "ansible_ssh_pass",
    "ansible_ssh_password",
];
const TIMEOUT: &[&str] = &["ansible_timeout", "ansible_ssh_timeout"];
const HOST_KEY_CHECKING: &[&str] = &["ansible_host_key_checking", "ansible_ssh_host_key_checking"];
const COMMON_ARGS: &[&str] = &["ansible_ssh_common_args"];
const EXTRA_ARGS: &[&str] = &["ansible_ssh_extra_args"];
const BECOME: &[&str] = &["ansible_become"];
const BECOME_METHOD: &[&str] = &["ansible_become_method"];
const BECOME_USER: &[&str] = &[
    "ansible_become_user",
    "ansible_sudo_user",
    "ansible_su_user",
];
const BECOME_PASSWORD: &[&str] = &[
    "ansible_become_password",
    "ansible_become_pass",
    "ansible_sudo_pass",
    "ansible_su_pass",
];
const BECOME_FLAGS: &[&str] = &[
    "ansible_become_flags",
    "ansible_sudo_flags",
    "ansible_su_flags",
];
const BECOME_EXE: &[&str] = &["ansible_become_exe", "ansible_sudo_exe", "ansible_su_exe"];

/// Sets `value` for a setting unless one of its `names` is set already.
fn fill(settings: &mut Map, names: &[&str], value: Option<Value>) {
    if let Some(v) = value {
        if !names.iter().any(|n| settings.contains_key(*n)) {
            settings.insert(names[0].to_owned(), v);
        }
    }
}

/// Whom the facts of a host's run of `task` belong to (`vars`: the
/// task's, the item's in a loop): the `delegate_to` host when
/// `delegate_facts` is true, `None` for the host itself. A host that
/// delegates to itself gets its facts the delegated way too (at the end
/// of the task, in host order), so when several hosts give the same fact
/// to one host, the last in host order wins, itself included, every run
/// (ansible-playbook keeps the result it processed last, which depends on
/// timing; measured both ways). As in ansible-core, `delegate_facts` without
/// `delegate_to` does nothing; one that does not render as a boolean is
/// the task's error, worded as ansible-core words it.
pub(crate) fn fact_owner(
    env: &TaskEnv<'_>,
    task: &TaskStep,
    vars: &Vars,
) -> Result<Option<String>, String> {
    task.keywords.read(Keyword::DelegateFacts);
    let Some(v) = &task.delegate_facts else {
        return Ok(None);
    };
    let bad = |e: String| format!("Error processing keyword 'delegate_facts': {e}");
    let rendered = env
        .templar
        .render_value(v, vars)
        .map_err(|e| bad(e.to_string()))?;
    let on = crate::modules::parse_bool(&rendered).ok_or_else(|| {
        bad(format!(
            "The value {} could not be converted to 'bool'.",
            crate::report::python_repr(&rendered)
        ))
    })?;
    match on {
        true => delegate(env, task, vars),
        false => Ok(None),
    }
}

/// `delegate_to` rendered with `vars`: the one place it is rendered, for
/// where the task's commands go ([`target`]), whose facts its results are
/// ([`fact_owner`]) and how its results are labelled ([`delegate_of`]).
fn delegate(env: &TaskEnv<'_>, task: &TaskStep, vars: &Vars) -> Result<Option<String>, String> {
    task.keywords.read(Keyword::DelegateTo);
    match &task.delegate_to {
        Some(d) => env
            .templar
            .render_string(d, vars)
            .map(Some)
            .map_err(|e| format!("delegate_to: {e}")),
        None => Ok(None),
    }
}

/// `ansible_delegated_vars` for a delegated task: the delegate's
/// variables under its name, with `inventory_hostname` the host's (as
/// ansible-core's `get_delegated_vars_and_hostname` gives them to the
/// task). `None` when not delegated, or when `delegate_to` needs the
/// item's variables.
pub(crate) fn delegated_vars(
    env: &TaskEnv<'_>,
    host: &str,
    task: &TaskStep,
    vars: &Vars,
) -> Option<Value> {
    let d = delegate(env, task, vars).ok()??;
    let mut own = super::vars::delegate_map(env.pv, &d, task);
    own.insert("inventory_hostname".into(), Value::Str(host.to_owned()));
    let mut by_name = Map::new();
    by_name.insert(d, Value::Map(own));
    Some(Value::Map(by_name))
}

/// The delegate a result names (`[host -> delegate(address)]`, see
/// [`Delegate`]): `None` when the task is not delegated or is delegated to
/// `host` itself, whose result reads `[host]` as in ansible-core. `vars`
/// are the task's, the item's in a loop, so each item names its own.
pub(crate) fn delegate_of(
    env: &TaskEnv<'_>,
    host: &str,
    task: &TaskStep,
    vars: &Vars,
) -> Option<Delegate> {
    let delegate = delegate(env, task, vars).ok()??;
    if delegate == host {
        return None;
    }
    let address = delegate_vars(env.pv, &delegate, task)
        .get("ansible_host")
        .ok()
        .flatten()
        .map(|v| crate::report::python_str(&v))
        .filter(|a| *a != delegate);
    Some(Delegate {
        name: delegate,
        address,
    })
}

/// Decides where `task`'s commands go for host `st` and as whom; `vars`
/// are the task's variables (the item's, in a loop).
pub(crate) fn target(
    env: &TaskEnv<'_>,
    st: &HostState,
    task: &TaskStep,
    vars: &Vars,
) -> Result<Target, TargetError> {
    let failed = TargetError::Failed;
    let delegate = delegate(env, task, vars)
        .map_err(failed)?
        .filter(|d| d != &st.name);
    // Level 4: variables (the delegate's, when delegating).
    let (name, mut settings) = match &delegate {
        None => (st.name.clone(), variables(vars).map_err(failed)?),
        Some(d) => {
            let dv = delegate_vars(env.pv, d, task);
            (d.clone(), variables(&dv).map_err(failed)?)
        }
    };
    // Level 3: keywords, rendered with the task's own variables.
    let kw = keywords(env, task, vars).map_err(failed)?;
    if let Some(d) = &delegate {
        delegated_connection(&mut settings, d, &kw, env);
    }
    for (names, value) in kw {
        fill(&mut settings, names, Some(value));
    }
    // Level 2: configuration and command line.
    defaults(env, &mut settings);
    let mut spec = connection_spec(&name, &settings).map_err(|e| failed(e.to_string()))?;
    skip_become_to_self(&mut spec);
    let privilege = if spec.become_.is_some() {
        Privilege::Become
    } else {
        Privilege::User
    };
    Ok(Target { spec, privilege })
}

/// ansible-core's `BECOME_ALLOW_SAME_USER` (default false, the only value
/// this engine has): no become when the become user is the remote user,
/// which is the configured one over SSH (none unless set: then become is
/// used) and the user running the controller for `local`
/// (`ActionBase._low_level_execute_command`, `_get_remote_user`).
fn skip_become_to_self(spec: &mut ConnectionSpec) {
    let remote = match spec.kind {
        transport::ConnectionKind::Ssh => spec.user.clone(),
        transport::ConnectionKind::Local => controller_user(),
    };
    if let (Some(r), Some(b)) = (remote, &spec.become_) {
        if r == b.user {
            spec.become_ = None;
        }
    }
}

/// Python's `getpass.getuser()`: `LOGNAME`, `USER`, `LNAME`, `USERNAME`,
/// then the password database.
fn controller_user() -> Option<String> {
    for var in ["LOGNAME", "USER", "LNAME", "USERNAME"] {
        if let Some(v) = std::env::var(var).ok().filter(|v| !v.is_empty()) {
            return Some(v);
        }
    }
    // SAFETY: getpwuid returns a pointer into static storage or null; the
    // name is copied before any other call can reuse it.
    unsafe {
        let pw = libc::getpwuid(libc::getuid());
        if pw.is_null() || (*pw).pw_name.is_null() {
            return None;
        }
        std::ffi::CStr::from_ptr((*pw).pw_name)
            .to_str()
            .ok()
            .map(str::to_owned)
    }
}

/// The connection variables among `vars`, rendered.
fn variables(vars: &Vars) -> Result<Map, String> {
    let mut out = Map::new();
    for name in CONNECTION_VARS {
        if vars.raw(name).is_none() {
            continue;
        }
        match vars.get(name) {
            Ok(Some(Value::Null)) | Ok(None) => {}
            Ok(Some(v)) => {
                out.insert((*name).to_owned(), v);
            }
            Err(e) => return Err(format!("{name}: {e}")),
        }
    }
    Ok(out)
}

/// The task's connection and become keywords, rendered, each with the
/// names it fills.
fn keywords(
    env: &TaskEnv<'_>,
    task: &TaskStep,
    vars: &Vars,
) -> Result<Vec<(&'static [&'static str], Value)>, String> {
    let text = |keyword: &str, raw: &Option<String>| -> Result<Option<Value>, String> {
        match raw {
            None => Ok(None),
            Some(t) => env
                .templar
                .render_string(t, vars)
                .map(|s| Some(Value::Str(s)))
                .map_err(|e| format!("{keyword}: {e}")),
        }
    };
    let b = &task.become_;
    let c = &task.connection;
    for k in [
        Keyword::Become,
        Keyword::BecomeUser,
        Keyword::BecomeMethod,
        Keyword::BecomeFlags,
        Keyword::BecomeExe,
        Keyword::Connection,
        Keyword::RemoteUser,
        Keyword::Port,
    ] {
        task.keywords.read(k);
    }
    let mut out: Vec<(&'static [&'static str], Value)> = Vec::new();
    if let Some(v) = &b.become_ {
        out.push((BECOME, Value::Bool(render_bool(env.templar, v, vars)?)));
    }
    let port = match &c.port {
        None => None,
        Some(p) => Some(
            env.templar
                .render_value(p, vars)
                .map_err(|e| format!("port: {e}"))?,
        ),
    };
    let pairs = [
        (BECOME_USER, text("become_user", &b.user)?),
        (BECOME_METHOD, text("become_method", &b.method)?),
        (BECOME_FLAGS, text("become_flags", &b.flags)?),
        (BECOME_EXE, text("become_exe", &b.exe)?),
        (CONNECTION, text("connection", &c.connection)?),
        (USER, text("remote_user", &c.remote_user)?),
        (PORT, port),
    ];
    out.extend(pairs.into_iter().filter_map(|(n, v)| v.map(|v| (n, v))));
    Ok(out)
}

/// Ansible's connection rule for a delegate whose variables name no
/// connection: `local` when the delegate is this machine (by name and
/// address), and the default transport instead of a `local` asked for
/// the original host. Its address, port and user come from its own
/// variables, else the keywords and defaults, never from the original
/// host.
fn delegated_connection(
    settings: &mut Map,
    delegate: &str,
    kw: &[(&'static [&'static str], Value)],
    env: &TaskEnv<'_>,
) {
    if settings.contains_key(CONNECTION[0]) {
        return;
    }
    const LOCALHOST: [&str; 3] = ["localhost", "127.0.0.1", "::1"];
    let address = ["ansible_ssh_host", "ansible_host"]
        .iter()
        .find_map(|n| settings.get(*n).and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_else(|| delegate.to_owned());
    let asked = kw
        .iter()
        .find(|(n, _)| n.first() == CONNECTION.first())
        .and_then(|(_, v)| v.as_str().map(str::to_owned))
        .or_else(|| env.opts.defaults.connection.clone());
    if LOCALHOST.contains(&delegate) && LOCALHOST.contains(&address.as_str()) {
        settings.insert(CONNECTION[0].into(), Value::Str("local".into()));
    } else if asked.as_deref() == Some("local") {
        settings.insert(CONNECTION[0].into(), Value::Str("ssh".into()));
    }
}

/// Level 2: the run's configuration and command-line defaults.
fn defaults(env: &TaskEnv<'_>, settings: &mut Map) {
    let d = &env.opts.defaults;
    let s = |v: &Option<String>| v.clone().map(Value::Str);
    fill(settings, BECOME, d.become_.map(Value::Bool));
    fill(settings, BECOME_METHOD, s(&d.become_method));
    fill(settings, BECOME_USER, s(&d.become_user));
    fill(settings, BECOME_FLAGS, s(&d.become_flags));
    fill(settings, BECOME_EXE, s(&d.become_exe));
    fill(
        settings,
        BECOME_PASSWORD,
        d.become_password
            .as_ref()
            .map(|p| Value::Str(p.expose().to_owned())),
    );
    fill(settings, CONNECTION, s(&d.connection));
    fill(settings, USER, s(&d.remote_user));
    fill(settings, PORT, d.port.map(|p| Value::Int(i64::from(p))));
    fill(
        settings,
        KEY,
        d.private_key_file
            .as_ref()
            .map(|p| Value::Str(p.display().to_string())),
    );
    fill(
        settings,
        PASSWORD,
        d.connection_password
            .as_ref()
            .map(|p| Value::Str(p.expose().to_owned())),
    );
    fill(settings, TIMEOUT, d.timeout.map(|t| Value::Int(t as i64)));
    fill(
        settings,
        HOST_KEY_CHECKING,
        d.host_key_checking.map(Value::Bool),
    );
    fill(settings, COMMON_ARGS, s(&d.ssh_common_args));
    fill(settings, EXTRA_ARGS, s(&d.ssh_extra_args));
}

/// The settings of the host's own connection and become for the play's
/// implicit fact-gathering task (`gather`, the play's keywords).
pub(crate) fn gather_target(
    env: &TaskEnv<'_>,
    st: &HostState,
    gather: Option<&TaskStep>,
    vars: &Vars,
) -> Result<Target, TargetError> {
    match gather {
        Some(task) => target(env, st, task, vars),
        None => {
            let settings = variables(vars).map_err(TargetError::Failed)?;
            let mut spec = connection_spec(&st.name, &settings)
                .map_err(|e| TargetError::Failed(e.to_string()))?;
            skip_become_to_self(&mut spec);
            Ok(Target {
                privilege: if spec.become_.is_some() {
                    Privilege::Become
                } else {
                    Privilege::User
                },
                spec,
            })
        }
    }
}

/// The session for `spec` among a host's `sessions`, opened on first use
/// and kept; its become settings are set to `spec`'s. Lent through
/// [`Traced`], so every round trip on it is reported and counted in the
/// host's `meter`.
pub(crate) fn session<'s>(
    env: &TaskEnv<'s>,
    sessions: &'s mut Vec<Session>,
    meter: &'s Meter,
    spec: &ConnectionSpec,
) -> Result<Traced<'s>, transport::TransportError> {
    let key = session_key(spec);
    let at = match sessions.iter().position(|s| s.spec == key) {
        Some(i) => i,
        None => {
            let started = std::time::Instant::now();
            let t = transport::connect(&key, &env.opts.connect);
            if key.kind != transport::ConnectionKind::Local {
                meter.connected(started.elapsed());
            }
            let t = t?;
            sessions.push(Session {
                spec: key,
                transport: t,
            });
            sessions.len() - 1
        }
    };
    // Host key warnings of the connect, or of a reconnect during the
    // previous task, are shown now.
    for w in sessions[at].transport.take_warnings() {
        env.reporter.event(&crate::report::Event::Warning(w));
    }
    for text in sessions[at].transport.take_details() {
        env.reporter.event(&crate::report::Event::Ssh {
            host: spec.name.clone(),
            text,
        });
    }
    let t = sessions[at].transport.as_mut();
    t.set_become(spec.become_.clone());
    let local = spec.kind == transport::ConnectionKind::Local;
    Ok(Traced::new(t, meter, env.reporter, local))
}

/// What sessions are found by: the connection settings without become.
fn session_key(spec: &ConnectionSpec) -> ConnectionSpec {
    ConnectionSpec {
        become_: None,
        ..spec.clone()
    }
}

/// Forgets the session for `spec` (it broke: the next use reconnects).
pub(crate) fn drop_session(st: &mut HostState, spec: &ConnectionSpec) {
    let key = session_key(spec);
    st.sessions.retain(|s| s.spec != key);
}
