//! Why a host could not be reached, kept and worded for the operator.
//!
//! [`TransportError`] keeps the operating system's or libssh2's error as its
//! `#[source]`; its `Display` is the top line only, as the style rules
//! want. An unreachable result must not stop there: "unreachable" alone
//! does not tell a closed port from a DNS typo or a reinstalled host.
//! [`unreachable_message`] renders the whole chain once, names the cause
//! ([`UnreachableCause`]) and, for host-key failures, ends with the exact
//! commands that fix it.

use crate::transport::TransportError;
use std::error::Error as _;
use std::io::ErrorKind;

/// The cause of an unreachable host, in one word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UnreachableCause {
    /// Nothing listens on the port (`ECONNREFUSED`).
    Refused,
    /// The TCP connection was not answered in time.
    ConnectTimeout,
    /// The name does not resolve.
    Dns,
    /// No route to the host or its network.
    NoRoute,
    /// This process ran out of file descriptors (`EMFILE`, `ENFILE`).
    TooManyOpenFiles,
    /// TCP is up but no SSH server greeted in time.
    HandshakeTimeout,
    /// TCP is up but the SSH handshake failed (not an SSH server, no
    /// common algorithm).
    Handshake,
    /// The server refused every key or password tried.
    Auth,
    /// The host's key differs from the one in `known_hosts`.
    HostKeyMismatch,
    /// The host is not in `known_hosts` and checking is strict.
    UnknownHostKey,
    /// The host's key is marked `@revoked` in `known_hosts`.
    HostKeyRevoked,
    /// The connection broke after it was set up.
    ConnectionLost,
    /// Anything else (the message says what).
    Other,
}

impl UnreachableCause {
    /// A short phrase for messages and the event log.
    pub fn phrase(self) -> &'static str {
        match self {
            UnreachableCause::Refused => "connection refused",
            UnreachableCause::ConnectTimeout => "connection timed out",
            UnreachableCause::Dns => "name does not resolve",
            UnreachableCause::NoRoute => "no route to host",
            UnreachableCause::TooManyOpenFiles => "too many open files on the controller",
            UnreachableCause::HandshakeTimeout => "no SSH greeting before the timeout",
            UnreachableCause::Handshake => "SSH handshake failed",
            UnreachableCause::Auth => "authentication failed",
            UnreachableCause::HostKeyMismatch => "host key mismatch",
            UnreachableCause::UnknownHostKey => "unknown host key",
            UnreachableCause::HostKeyRevoked => "revoked host key",
            UnreachableCause::ConnectionLost => "connection lost",
            UnreachableCause::Other => "unreachable",
        }
    }
}

/// Classifies a transport error; `None` when it does not make a host
/// unreachable.
pub fn classify(e: &TransportError) -> Option<UnreachableCause> {
    if !e.is_unreachable() {
        return None;
    }
    Some(match e {
        TransportError::Unreachable { source, .. } => tcp_cause(source),
        TransportError::Connection { stage, source, .. } => {
            if *stage == "handshake" {
                if source.kind() == ErrorKind::TimedOut {
                    UnreachableCause::HandshakeTimeout
                } else {
                    UnreachableCause::Handshake
                }
            } else if *stage == "session setup" {
                UnreachableCause::Other
            } else {
                UnreachableCause::ConnectionLost
            }
        }
        TransportError::Auth { .. } => UnreachableCause::Auth,
        TransportError::HostKeyMismatch { .. } => UnreachableCause::HostKeyMismatch,
        TransportError::UnknownHostKey { .. } => UnreachableCause::UnknownHostKey,
        TransportError::HostKeyRevoked { .. } => UnreachableCause::HostKeyRevoked,
        TransportError::Exhausted { .. } => UnreachableCause::TooManyOpenFiles,
        TransportError::Jump { source, .. } => tcp_cause(source),
        _ => UnreachableCause::Other,
    })
}

/// The cause of a failed name lookup or TCP connect.
fn tcp_cause(e: &std::io::Error) -> UnreachableCause {
    match e.raw_os_error() {
        Some(libc::ECONNREFUSED) => return UnreachableCause::Refused,
        Some(libc::ETIMEDOUT) => return UnreachableCause::ConnectTimeout,
        Some(libc::EMFILE | libc::ENFILE) => return UnreachableCause::TooManyOpenFiles,
        Some(libc::EHOSTUNREACH | libc::ENETUNREACH) => return UnreachableCause::NoRoute,
        Some(_) => return UnreachableCause::Other,
        None => {}
    }
    match e.kind() {
        ErrorKind::ConnectionRefused => UnreachableCause::Refused,
        // `connect_timeout` reports its own deadline without an OS error.
        ErrorKind::TimedOut => UnreachableCause::ConnectTimeout,
        // std reports getaddrinfo failures without an OS error code.
        _ if e.to_string().contains("lookup address") => UnreachableCause::Dns,
        ErrorKind::NotFound => UnreachableCause::Dns,
        _ => UnreachableCause::Other,
    }
}

/// The message of an unreachable result: the error, its whole cause chain
/// once, the cause named, and for host-key failures the fix. `target` is
/// the address (and port) that was dialled, for the commands of the fix.
pub fn unreachable_message(e: &TransportError, target: Option<(&str, u16)>) -> String {
    let mut msg = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !msg.contains(&text) {
            msg.push_str(": ");
            msg.push_str(&text);
        }
        source = s.source();
    }
    let Some(cause) = classify(e) else {
        return msg;
    };
    msg.push_str(&format!(" ({})", cause.phrase()));
    let name = match target {
        Some((addr, 22)) => addr.to_owned(),
        Some((addr, port)) => format!("[{addr}]:{port}"),
        None => e.host().to_owned(),
    };
    let keyscan = match target {
        Some((addr, port)) if port != 22 => format!("ssh-keyscan -H -p {port} {addr}"),
        Some((addr, _)) => format!("ssh-keyscan -H {addr}"),
        None => format!("ssh-keyscan -H {name}"),
    };
    match cause {
        UnreachableCause::HostKeyMismatch => msg.push_str(&format!(
            ". If the host was reinstalled and its new key is expected, replace the old entry: \
             `ssh-keygen -R {name} && {keyscan} >> ~/.ssh/known_hosts`; \
             to skip the check instead: `host_key_checking = False` in ansible.cfg or \
             `ANSIBLE_HOST_KEY_CHECKING=False`"
        )),
        UnreachableCause::UnknownHostKey => msg.push_str(&format!(
            ". To trust it: `{keyscan} >> ~/.ssh/known_hosts`; \
             or accept keys of hosts seen for the first time: \
             `ansible_ssh_common_args='-o StrictHostKeyChecking=accept-new'`; \
             or skip the check: `host_key_checking = False` in ansible.cfg or \
             `ANSIBLE_HOST_KEY_CHECKING=False`"
        )),
        UnreachableCause::HostKeyRevoked => msg.push_str(
            ". The key is revoked on purpose: the host must get a new host key (and its \
             `known_hosts` entry); turning host key checking off would accept the revoked key",
        ),
        UnreachableCause::TooManyOpenFiles => {
            msg.push_str(". Raise the limit (`ulimit -n`) or lower the parallelism (`--forks`)")
        }
        _ => {}
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tcp(e: std::io::Error) -> TransportError {
        TransportError::Unreachable {
            host: "h".into(),
            address: "127.0.0.9:22".into(),
            source: e,
        }
    }

    #[test]
    fn os_errors_name_their_cause() {
        use std::io::Error;
        let cases = [
            (
                Error::from_raw_os_error(libc::ECONNREFUSED),
                UnreachableCause::Refused,
            ),
            (
                Error::from_raw_os_error(libc::EMFILE),
                UnreachableCause::TooManyOpenFiles,
            ),
            (
                Error::from_raw_os_error(libc::EHOSTUNREACH),
                UnreachableCause::NoRoute,
            ),
            (
                Error::new(ErrorKind::TimedOut, "connection timed out"),
                UnreachableCause::ConnectTimeout,
            ),
        ];
        for (e, want) in cases {
            assert_eq!(classify(&tcp(e)), Some(want));
        }
        let m = unreachable_message(&tcp(Error::from_raw_os_error(libc::ECONNREFUSED)), None);
        assert!(
            m.starts_with("host `h` is unreachable at `127.0.0.9:22`: Connection refused"),
            "{m}"
        );
        assert!(m.ends_with("(connection refused)"), "{m}");
        let k = TransportError::UnknownHostKey {
            host: "h".into(),
            fingerprint: "abc".into(),
            ca: None,
        };
        let m = unreachable_message(&k, Some(("10.0.0.5", 2222)));
        assert!(
            m.contains("`ssh-keyscan -H -p 2222 10.0.0.5 >> ~/.ssh/known_hosts`"),
            "{m}"
        );
        assert!(m.contains("StrictHostKeyChecking=accept-new"), "{m}");
    }
}
