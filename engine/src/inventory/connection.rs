//! Connection variables → [`ConnectionSpec`].
//!
//! Read (for aliases, the last name listed wins when several are set, as in
//! Ansible's plugin option resolution):
//!
//! | field | variables |
//! | --- | --- |
//! | kind | `ansible_connection` (`ssh`, `smart`, `paramiko` → SSH; `local`) |
//! | address | `ansible_host`, `ansible_ssh_host` (default: the inventory name) |
//! | port | `ansible_port`, `ansible_ssh_port` (default 22) |
//! | user | `ansible_user`, `ansible_ssh_user` |
//! | key file | `ansible_private_key_file`, `ansible_ssh_private_key_file`; else `ansible_ssh_key_name` |
//! | password | `ansible_password`, `ansible_ssh_pass`, `ansible_ssh_password` |
//! | timeout | `ansible_timeout`, `ansible_ssh_timeout` (seconds, default 10) |
//! | host keys | `ansible_host_key_checking` (bool); `StrictHostKeyChecking=` in `ansible_ssh_common_args`/`ansible_ssh_extra_args` |
//! | jump host | `-o ProxyJump=[user@]host[:port]` or `-J ...` in `ansible_ssh_common_args`/`ansible_ssh_extra_args` |
//! | known hosts | `-o UserKnownHostsFile=` in the same arguments |
//!
//! Other `-o` options in those arguments are not applied (the SSH client
//! is libssh2, not OpenSSH).
//! | become | `ansible_become` (bool), `ansible_become_method` (`sudo`, `su`), and the become plugin's options: `ansible_become_user` (root), `ansible_become_password`/`_pass`, `ansible_become_flags`, `ansible_become_exe`, each also as `ansible_sudo_*`/`ansible_su_*` for its method |
//!
//! **`ansible_ssh_key_name`** is not an Ansible variable: ansible-core never
//! reads it. An early Konvoy pre-provisioned guide put the key file there,
//! and inventories written from it still do, so we take it as the key file
//! when neither Ansible key variable is set. Under Ansible the same
//! inventory would fall back to the SSH agent and default keys.
//!
//! Booleans use Ansible's parser (`yes/no/on/off/true/false/y/n/t/f/1/0`,
//! any case), because INI values such as `ansible_become=true` are strings.
//! Values must already be templated.

use super::error::InventoryError;
use crate::shell::Secret;
use crate::transport::{
    Become, BecomeMethod, ConnectionKind, ConnectionSpec, HostKeyChecking, JumpHost,
};
use crate::value::{Map, Value};
use std::path::PathBuf;
use std::time::Duration;

/// Builds the typed connection settings of host `name` from its resolved
/// variables (e.g. [`super::Inventory::host_vars`] plus play-level vars).
///
/// ```
/// use engine::inventory::connection_spec;
/// use engine::value::{Map, Value};
/// let mut vars = Map::new();
/// vars.insert("ansible_host".into(), Value::from("10.0.0.5"));
/// vars.insert("ansible_port".into(), Value::from("2222"));
/// vars.insert("ansible_ssh_key_name".into(), Value::from("/keys/id_rsa"));
/// vars.insert("ansible_become".into(), Value::from("yes"));
/// let spec = connection_spec("node1", &vars)?;
/// assert_eq!((spec.address.as_str(), spec.port), ("10.0.0.5", 2222));
/// assert_eq!(spec.private_key_file.as_deref(), Some(std::path::Path::new("/keys/id_rsa")));
/// assert_eq!(spec.become_.map(|b| b.user), Some("root".to_owned()));
/// # Ok::<(), engine::inventory::InventoryError>(())
/// ```
///
/// # Errors
///
/// [`InventoryError::BadConnectionVar`] for a value of the wrong shape: a
/// non-numeric port, a boolean Ansible would not accept, an unsupported
/// connection or become method.
pub fn connection_spec(name: &str, vars: &Map) -> Result<ConnectionSpec, InventoryError> {
    let last = |names: &[&'static str]| -> Option<(&'static str, &Value)> {
        names
            .iter()
            .rev()
            .find_map(|n| vars.get(*n).filter(|v| **v != Value::Null).map(|v| (*n, v)))
    };
    let bad =
        |var: &'static str, expected: &'static str, v: &Value| InventoryError::BadConnectionVar {
            host: name.to_owned(),
            var,
            expected,
            found: super::json::py_str(v),
        };
    let text = |names: &[&'static str]| last(names).map(|(_, v)| super::json::py_str(v));

    let kind = match last(&["ansible_connection"]) {
        None => ConnectionKind::Ssh,
        Some((var, v)) => match v.as_str().and_then(connection_kind) {
            Some(kind) => kind,
            None => return Err(bad(var, "`ssh`, `smart`, `paramiko` or `local`", v)),
        },
    };
    let port = match last(&["ansible_port", "ansible_ssh_port"]) {
        None => 22,
        Some((var, v)) => as_int(v)
            .and_then(|p| u16::try_from(p).ok())
            .ok_or_else(|| bad(var, "a port number", v))?,
    };
    let connect_timeout = match last(&["ansible_timeout", "ansible_ssh_timeout"]) {
        None => Duration::from_secs(10),
        Some((var, v)) => as_f64(v)
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(Duration::from_secs_f64)
            .ok_or_else(|| bad(var, "a number of seconds", v))?,
    };
    let private_key_file = text(&["ansible_private_key_file", "ansible_ssh_private_key_file"])
        .or_else(|| text(&["ansible_ssh_key_name"]))
        .map(PathBuf::from);

    let mut host_key_checking =
        match last(&["ansible_host_key_checking", "ansible_ssh_host_key_checking"]) {
            None => HostKeyChecking::Strict,
            Some((var, v)) => match boolean(v) {
                Some(true) => HostKeyChecking::Strict,
                Some(false) => HostKeyChecking::Off,
                None => return Err(bad(var, "a boolean", v)),
            },
        };
    let mut jump = None;
    let mut known_hosts_file = None;
    // ssh gets the common arguments, then the extra ones; for each option
    // OpenSSH uses the first value it is given.
    let mut seen: Vec<String> = Vec::new();
    for name in ["ansible_ssh_common_args", "ansible_ssh_extra_args"] {
        let Some((var, v)) = last(&[name]) else {
            continue;
        };
        let args = super::json::py_str(v);
        for (key, value) in ssh_options(&args) {
            let key = key.to_ascii_lowercase();
            if seen.contains(&key) {
                continue;
            }
            seen.push(key.clone());
            match key.as_str() {
                "proxyjump" => {
                    if value.contains(',') {
                        return Err(bad(var, "a single ProxyJump host", v));
                    }
                    jump = Some(parse_jump(&value));
                }
                "userknownhostsfile" => {
                    // OpenSSH allows several files; the first is the one used.
                    known_hosts_file = value
                        .split_whitespace()
                        .next()
                        .map(|f| PathBuf::from(f.trim_matches('"')));
                }
                // Ansible passes `-o StrictHostKeyChecking=no` before these
                // arguments when host key checking is off, and ssh keeps
                // the first value: then they cannot turn it back on.
                "stricthostkeychecking" if host_key_checking != HostKeyChecking::Off => {
                    host_key_checking = match value.to_ascii_lowercase().as_str() {
                        "no" | "off" => HostKeyChecking::Off,
                        "accept-new" => HostKeyChecking::AcceptNew,
                        _ => HostKeyChecking::Strict,
                    };
                }
                _ => {}
            }
        }
    }

    let become_ = match last(&["ansible_become"]) {
        Some((var, v)) => match boolean(v) {
            Some(true) => {
                let method = match last(&["ansible_become_method"]) {
                    None => BecomeMethod::Sudo,
                    Some((var, v)) => match v.as_str().and_then(become_method) {
                        Some(method) => method,
                        None => return Err(bad(var, "`sudo` or `su`", v)),
                    },
                };
                // The become plugin's own variables (sudo.py, su.py in
                // ansible-core 2.19), the plugin-specific name last.
                let [user, pass, flags, exe] = match method {
                    BecomeMethod::Sudo => [
                        "ansible_sudo_user",
                        "ansible_sudo_pass",
                        "ansible_sudo_flags",
                        "ansible_sudo_exe",
                    ],
                    BecomeMethod::Su => [
                        "ansible_su_user",
                        "ansible_su_pass",
                        "ansible_su_flags",
                        "ansible_su_exe",
                    ],
                };
                Some(Become {
                    method,
                    user: text(&["ansible_become_user", user]).unwrap_or_else(|| "root".to_owned()),
                    password: text(&["ansible_become_password", "ansible_become_pass", pass])
                        .map(Secret::new),
                    flags: text(&["ansible_become_flags", flags]),
                    exe: text(&["ansible_become_exe", exe]),
                })
            }
            Some(false) => None,
            None => return Err(bad(var, "a boolean", v)),
        },
        None => None,
    };

    Ok(ConnectionSpec {
        name: name.to_owned(),
        kind,
        address: text(&["ansible_host", "ansible_ssh_host"]).unwrap_or_else(|| name.to_owned()),
        port,
        user: text(&["ansible_user", "ansible_ssh_user"]),
        private_key_file,
        password: text(&[
            "ansible_password",
            "ansible_ssh_pass",
            "ansible_ssh_password",
        ])
        .map(Secret::new),
        connect_timeout,
        host_key_checking,
        jump,
        known_hosts_file,
        become_,
    })
}

/// The connection plugin `name` (short or `ansible.builtin.` name) stands
/// for, among those this engine has: `paramiko` is another SSH client
/// with the same effect on the host, `smart` is `ssh`.
pub fn connection_kind(name: &str) -> Option<ConnectionKind> {
    match name.trim().trim_start_matches("ansible.builtin.") {
        "ssh" | "smart" | "paramiko" | "paramiko_ssh" => Some(ConnectionKind::Ssh),
        "local" => Some(ConnectionKind::Local),
        _ => None,
    }
}

/// The become plugin `name` (short or `ansible.builtin.` name) stands
/// for, among those this engine has.
pub fn become_method(name: &str) -> Option<BecomeMethod> {
    match name.trim().trim_start_matches("ansible.builtin.") {
        "sudo" => Some(BecomeMethod::Sudo),
        "su" => Some(BecomeMethod::Su),
        _ => None,
    }
}

/// Every variable [`connection_spec`] reads: the executor renders these
/// (and only these) from a task's variables.
pub const CONNECTION_VARS: &[&str] = &[
    "ansible_connection",
    "ansible_host",
    "ansible_ssh_host",
    "ansible_port",
    "ansible_ssh_port",
    "ansible_user",
    "ansible_ssh_user",
    "ansible_private_key_file",
    "ansible_ssh_private_key_file",
    "ansible_ssh_key_name",
    "ansible_password",
    "ansible_ssh_pass",
    "ansible_ssh_password",
    "ansible_timeout",
    "ansible_ssh_timeout",
    "ansible_host_key_checking",
    "ansible_ssh_host_key_checking",
    "ansible_ssh_common_args",
    "ansible_ssh_extra_args",
    "ansible_become",
    "ansible_become_method",
    "ansible_become_user",
    "ansible_sudo_user",
    "ansible_su_user",
    "ansible_become_password",
    "ansible_become_pass",
    "ansible_sudo_pass",
    "ansible_su_pass",
    "ansible_become_flags",
    "ansible_sudo_flags",
    "ansible_su_flags",
    "ansible_become_exe",
    "ansible_sudo_exe",
    "ansible_su_exe",
];

/// Ansible's `boolean(value, strict=True)`.
pub(crate) fn boolean(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::Int(1) => Some(true),
        Value::Int(0) => Some(false),
        Value::Float(f) if *f == 1.0 => Some(true),
        Value::Float(f) if *f == 0.0 => Some(false),
        Value::Str(s) | Value::Unsafe(s) => match s.trim().to_ascii_lowercase().as_str() {
            "y" | "yes" | "on" | "1" | "true" | "t" => Some(true),
            "n" | "no" | "off" | "0" | "false" | "f" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

fn as_int(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i),
        Value::Str(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn as_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        Value::Str(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// `-o Key=Value`, `-oKey=Value`, `-o 'Key Value'` and `-J value` options.
fn ssh_options(args: &str) -> Vec<(String, String)> {
    let words: Vec<String> = crate::shell::split_words_lossy(args);
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let w = &words[i];
        let (flag, inline) = if let Some(rest) = w.strip_prefix("-o") {
            ("o", rest)
        } else if let Some(rest) = w.strip_prefix("-J") {
            ("J", rest)
        } else {
            i += 1;
            continue;
        };
        let value = if inline.is_empty() {
            i += 1;
            words.get(i).cloned().unwrap_or_default()
        } else {
            inline.to_owned()
        };
        if flag == "J" {
            out.push(("ProxyJump".to_owned(), value));
        } else if let Some(pos) = value.find(['=', ' ', '\t']) {
            let v = value[pos + 1..].trim_start_matches(['=', ' ', '\t']);
            out.push((value[..pos].to_owned(), v.to_owned()));
        }
        i += 1;
    }
    out
}

/// `[user@]host[:port]`.
fn parse_jump(text: &str) -> JumpHost {
    let text = text.trim().trim_start_matches("ssh://");
    let (user, rest) = match text.rsplit_once('@') {
        Some((u, r)) => (Some(u.to_owned()), r),
        None => (None, text),
    };
    let (address, port) = match rest.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => match p.parse() {
            Ok(p) => (h.to_owned(), p),
            Err(_) => (rest.to_owned(), 22),
        },
        _ => (rest.to_owned(), 22),
    };
    JumpHost {
        address: address
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned(),
        port,
        user,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, Value)]) -> Map {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect()
    }

    #[test]
    fn defaults() {
        let s = connection_spec("h1", &Map::new()).unwrap();
        assert_eq!(s.address, "h1");
        assert_eq!(s.port, 22);
        assert_eq!(s.kind, ConnectionKind::Ssh);
        assert_eq!(s.connect_timeout, Duration::from_secs(10));
        assert_eq!(s.host_key_checking, HostKeyChecking::Strict);
        assert!(s.become_.is_none() && s.user.is_none() && s.private_key_file.is_none());
    }

    #[test]
    fn ansible_key_vars_beat_konvoy_key_name() {
        let s = connection_spec(
            "h",
            &vars(&[
                ("ansible_ssh_key_name", "/k/konvoy".into()),
                ("ansible_private_key_file", "/k/ansible".into()),
            ]),
        )
        .unwrap();
        assert_eq!(s.private_key_file, Some(PathBuf::from("/k/ansible")));
    }

    #[test]
    fn common_args_and_become() {
        let s = connection_spec(
            "h",
            &vars(&[
                (
                    "ansible_ssh_common_args",
                    "-o StrictHostKeyChecking=no -o ProxyJump=ops@bastion:2200".into(),
                ),
                ("ansible_become", "True".into()),
                ("ansible_become_method", "su".into()),
                ("ansible_become_user", "app".into()),
                ("ansible_ssh_host", "10.1.1.1".into()),
                ("ansible_host", "10.9.9.9".into()),
                ("ansible_connection", "local".into()),
            ]),
        )
        .unwrap();
        assert_eq!(s.host_key_checking, HostKeyChecking::Off);
        assert_eq!(
            s.jump,
            Some(JumpHost {
                address: "bastion".into(),
                port: 2200,
                user: Some("ops".into())
            })
        );
        let b = s.become_.unwrap();
        assert_eq!((b.method, b.user.as_str()), (BecomeMethod::Su, "app"));
        assert_eq!(s.address, "10.1.1.1");
        assert_eq!(s.kind, ConnectionKind::Local);
        let j = connection_spec(
            "h",
            &vars(&[("ansible_ssh_common_args", "-J bastion".into())]),
        )
        .unwrap();
        assert_eq!(j.jump.map(|j| j.address), Some("bastion".into()));
    }

    #[test]
    fn host_key_checking_off_wins_over_ssh_arguments() {
        let s = connection_spec(
            "h",
            &vars(&[
                ("ansible_host_key_checking", "false".into()),
                (
                    "ansible_ssh_common_args",
                    "-o StrictHostKeyChecking=yes".into(),
                ),
            ]),
        )
        .unwrap();
        assert_eq!(s.host_key_checking, HostKeyChecking::Off);
        let s = connection_spec(
            "h",
            &vars(&[
                (
                    "ansible_ssh_common_args",
                    "-o StrictHostKeyChecking=accept-new".into(),
                ),
                (
                    "ansible_ssh_extra_args",
                    "-o StrictHostKeyChecking=no".into(),
                ),
            ]),
        )
        .unwrap();
        assert_eq!(
            s.host_key_checking,
            HostKeyChecking::AcceptNew,
            "first value wins"
        );
    }

    #[test]
    fn bad_values_are_errors() {
        let e = connection_spec("h", &vars(&[("ansible_become", "maybe".into())])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "host `h`: `ansible_become` must be a boolean, found `maybe`"
        );
        assert!(connection_spec("h", &vars(&[("ansible_port", "ssh".into())])).is_err());
        assert!(connection_spec(
            "h",
            &vars(&[
                ("ansible_become_method", "doas".into()),
                ("ansible_become", true.into())
            ])
        )
        .is_err());
    }
}
