//! Turning an [`ExecRequest`](super::ExecRequest) into the text sent to a
//! host: the environment inlined with `env`, the command run by `/bin/sh
//! -c`, and the become wrapper around both.
//!
//! Everything here is pure string building with [`crate::shell`], so the
//! exact text is unit-tested without a host.

use super::become_::{self, BecomeSession};
use super::spec::Become;
use super::{Privilege, TransportError};
use crate::shell::Cmd;
use std::sync::atomic::{AtomicU64, Ordering};

/// A command ready to send: its text plus what the become handshake needs.
#[derive(Debug)]
pub(crate) struct Prepared {
    /// Shell text for the login shell of the remote user.
    pub(crate) text: String,
    /// The prompt/marker handshake, when become is used.
    pub(crate) become_: Option<BecomeSession>,
    /// `su` needs a terminal; sudo and plain commands do not.
    pub(crate) pty: bool,
}

/// Builds the text for `command` with `env`, wrapped in become when
/// `privilege` asks for it and the host has become settings.
pub(crate) fn prepare(
    host: &str,
    become_spec: Option<&Become>,
    command: &str,
    env: &[(String, String)],
    privilege: Privilege,
) -> Result<Prepared, TransportError> {
    let inner = inner_command(host, command, env)?;
    match (privilege, become_spec) {
        (Privilege::Become, Some(spec)) => {
            let (text, session, pty) = become_::wrap(spec, inner);
            Ok(Prepared {
                text,
                become_: Some(session),
                pty,
            })
        }
        _ => Ok(Prepared {
            text: inner.into_string(),
            become_: None,
            pty: false,
        }),
    }
}

/// `/bin/sh -c CMD`, or `env K=V ... /bin/sh -c CMD` with an environment.
///
/// Always through `/bin/sh`, as Ansible does, so the remote user's login
/// shell (which may be `csh` or `fish`) never parses the command itself.
fn inner_command(
    host: &str,
    command: &str,
    env: &[(String, String)],
) -> Result<Cmd, TransportError> {
    let mut cmd = if env.is_empty() {
        Cmd::new("/bin/sh -c")
    } else {
        let mut cmd = Cmd::new("env");
        for (key, value) in env {
            if !is_env_name(key) {
                return Err(TransportError::InvalidEnvName {
                    host: host.to_owned(),
                    name: key.clone(),
                });
            }
            cmd = cmd.arg(format!("{key}={value}"));
        }
        cmd.flag("/bin/sh -c")
    };
    cmd = cmd.arg(command);
    Ok(cmd)
}

/// POSIX name: a letter or `_`, then letters, digits or `_`.
fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A value unique per call in this process (and unlikely across
/// processes): names temp files and become markers.
pub(crate) fn nonce() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let mixed =
        nanos ^ (u64::from(std::process::id()) << 40) ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    format!("{mixed:016x}{n:x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_command_runs_under_sh() {
        let p = prepare("h", None, "echo hi", &[], Privilege::User).unwrap();
        assert_eq!(p.text, "/bin/sh -c 'echo hi'");
        assert!(p.become_.is_none());
    }

    #[test]
    fn env_is_inlined_and_quoted() {
        let env = vec![
            ("A".to_owned(), "x y".to_owned()),
            ("B_2".to_owned(), "it's".to_owned()),
        ];
        let p = prepare("h", None, "env", &env, Privilege::User).unwrap();
        assert_eq!(p.text, r#"env 'A=x y' 'B_2=it'"'"'s' /bin/sh -c env"#);
    }

    #[test]
    fn bad_env_name_is_an_error() {
        let env = vec![("A-B".to_owned(), "x".to_owned())];
        let err = prepare("node1", None, "true", &env, Privilege::User).unwrap_err();
        assert_eq!(
            err.to_string(),
            "environment variable name `A-B` is not valid for `node1`"
        );
    }

    #[test]
    fn become_without_spec_runs_plainly() {
        let p = prepare("h", None, "id", &[], Privilege::Become).unwrap();
        assert_eq!(p.text, "/bin/sh -c id");
    }

    #[test]
    fn nonces_differ() {
        assert_ne!(nonce(), nonce());
    }
}
