//! [`TransportError`]: everything that can go wrong while reaching a host,
//! running a command there or moving a file.
//!
//! Every variant names the host (the inventory name), so an executor can
//! report the failure against the right line of the recap without keeping
//! its own context. Secrets never appear here: commands are built so that
//! passwords travel on stdin only, and the command text kept in
//! [`TransportError::Timeout`] is the caller's command, shortened.

use std::path::PathBuf;
use std::time::Duration;

/// A failure of the transport layer for one host.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// No TCP connection could be made (refused, no route, connect timeout).
    #[error("host `{host}` is unreachable at `{address}`")]
    Unreachable {
        /// Inventory name of the host.
        host: String,
        /// `address:port` that was tried.
        address: String,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// The SSH connection failed after TCP was up (handshake, lost mid-run).
    #[error("ssh connection to `{host}` failed during {stage}")]
    Connection {
        /// Inventory name of the host.
        host: String,
        /// What the transport was doing (`handshake`, `opening a channel`, ...).
        stage: &'static str,
        /// The libssh2 error.
        #[source]
        source: std::io::Error,
    },
    /// The server refused every authentication method that was tried.
    #[error("authentication as `{user}` on `{host}` failed (tried: {tried})")]
    Auth {
        /// Inventory name of the host.
        host: String,
        /// Remote user.
        user: String,
        /// The methods tried, in order, with key paths; never a secret.
        tried: String,
    },
    /// The host presented a key that differs from the one in `known_hosts`.
    #[error(
        "host key of `{host}` does not match known_hosts: it presented {key_type} \
         SHA256:{fingerprint}, known_hosts has {known}; refusing to connect (possible \
         man-in-the-middle)"
    )]
    HostKeyMismatch {
        /// Inventory name of the host.
        host: String,
        /// SHA256 fingerprint (unpadded base64) of the key the host presented.
        fingerprint: String,
        /// OpenSSH's name of its type (`ED25519`, `ECDSA`, `RSA`).
        key_type: String,
        /// The offending entry: type, fingerprint and `file:line`.
        known: String,
    },
    /// The host presented a key that `known_hosts` marks `@revoked`.
    #[error("host key of `{host}` is revoked: {detail} Host key verification failed.")]
    HostKeyRevoked {
        /// Inventory name of the host.
        host: String,
        /// OpenSSH's wording: which key, for which name, where it is revoked.
        detail: String,
    },
    /// Strict checking is on and the host is not in `known_hosts`.
    #[error(
        "host key of `{host}` (SHA256:{fingerprint}) is not in known_hosts and \
         host_key_checking is strict{}",
        ca.as_ref().map(|at| format!("; known_hosts trusts it only through the \
         @cert-authority at {at}, and host certificates are not verified here: add the \
         host's own key")).unwrap_or_default()
    )]
    UnknownHostKey {
        /// Inventory name of the host.
        host: String,
        /// SHA256 fingerprint (unpadded base64) of the key the host presented.
        fingerprint: String,
        /// `file:line` of an `@cert-authority` entry covering the host.
        ca: Option<String>,
    },
    /// A `known_hosts` file could not be read or appended to.
    #[error("known_hosts file `{}` could not be used for `{host}`", path.display())]
    KnownHostsFile {
        /// Inventory name of the host.
        host: String,
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A command ran past its deadline. The session is dropped.
    #[error("command `{command}` on `{host}` timed out after {after:?}")]
    Timeout {
        /// Inventory name of the host.
        host: String,
        /// The command (as given by the caller, shortened), never a secret.
        command: String,
        /// The timeout that expired.
        after: Duration,
    },
    /// Privilege escalation failed (wrong password, no sudo rights, ...).
    #[error("become `{user}` on `{host}` failed: {reason}")]
    Become {
        /// Inventory name of the host.
        host: String,
        /// The user to become.
        user: String,
        /// What sudo or su said (never contains the password).
        reason: String,
    },
    /// An environment variable name that a shell cannot assign.
    #[error("environment variable name `{name}` is not valid for `{host}`")]
    InvalidEnvName {
        /// Inventory name of the host.
        host: String,
        /// The offending name.
        name: String,
    },
    /// Reading the local source or writing the local sink of a transfer failed.
    #[error("local i/o for a transfer with `{host}` failed")]
    LocalIo {
        /// Inventory name of the host.
        host: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Writing a file on the host failed; the destination was left as it was.
    #[error("writing `{path}` on `{host}` failed (rc {rc}): {stderr}")]
    PutFailed {
        /// Inventory name of the host.
        host: String,
        /// Destination path.
        path: String,
        /// Exit code of the remote install step.
        rc: i32,
        /// Its stderr, trimmed.
        stderr: String,
    },
    /// Reading a file on the host failed.
    #[error("reading `{path}` on `{host}` failed (rc {rc}): {stderr}")]
    FetchFailed {
        /// Inventory name of the host.
        host: String,
        /// Source path on the host.
        path: String,
        /// Exit code of the remote read.
        rc: i32,
        /// Its stderr, trimmed.
        stderr: String,
    },
    /// A local command (connection `local`) could not be started.
    #[error("cannot start a local shell for `{host}`")]
    LocalSpawn {
        /// Inventory name of the host.
        host: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// No file descriptor could be had for a session: every one the
    /// process may open was held by a running command for
    /// [`WAIT_LIMIT`](super::pool::WAIT_LIMIT).
    #[error(
        "no file descriptor for a session to `{host}`: all {limit} the session budget allows \
         stayed busy (raise `ulimit -n` or lower `--forks`)"
    )]
    Exhausted {
        /// Inventory name of the host.
        host: String,
        /// The session budget (descriptors).
        limit: usize,
    },
    /// The jump host (ProxyJump) could not relay to the target.
    #[error("jump host `{jump}` could not open a tunnel to `{host}`")]
    Jump {
        /// Inventory name of the target host.
        host: String,
        /// `address:port` of the bastion.
        jump: String,
        /// The libssh2 error.
        #[source]
        source: std::io::Error,
    },
}

impl TransportError {
    /// The inventory name of the host the error is about.
    pub fn host(&self) -> &str {
        match self {
            TransportError::Unreachable { host, .. }
            | TransportError::Connection { host, .. }
            | TransportError::Auth { host, .. }
            | TransportError::HostKeyMismatch { host, .. }
            | TransportError::UnknownHostKey { host, .. }
            | TransportError::HostKeyRevoked { host, .. }
            | TransportError::Exhausted { host, .. }
            | TransportError::Timeout { host, .. }
            | TransportError::Become { host, .. }
            | TransportError::InvalidEnvName { host, .. }
            | TransportError::LocalIo { host, .. }
            | TransportError::PutFailed { host, .. }
            | TransportError::FetchFailed { host, .. }
            | TransportError::LocalSpawn { host, .. }
            | TransportError::Jump { host, .. }
            | TransportError::KnownHostsFile { host, .. } => host,
        }
    }

    /// True when the host cannot be talked to at all, so Ansible would
    /// report it `UNREACHABLE` rather than the task `FAILED`.
    pub fn is_unreachable(&self) -> bool {
        matches!(
            self,
            TransportError::Unreachable { .. }
                | TransportError::Connection { .. }
                | TransportError::Auth { .. }
                | TransportError::HostKeyMismatch { .. }
                | TransportError::UnknownHostKey { .. }
                | TransportError::HostKeyRevoked { .. }
                | TransportError::Exhausted { .. }
                | TransportError::Jump { .. }
        )
    }
}

/// Shortens a command for an error message: the first line, at most 120
/// characters, so a 5 KiB probe script does not flood the recap.
pub(crate) fn short_command(command: &str) -> String {
    let first = command.lines().next().unwrap_or("");
    let mut out: String = first.chars().take(120).collect();
    if out.len() < command.len() {
        out.push_str(" ...");
    }
    out
}
