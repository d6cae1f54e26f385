//! `transport`: running commands and moving files on one host, over SSH
//! (`ssh2`, one session per host) or locally. Knows nothing about Ansible.

mod spec;

pub use spec::{Become, BecomeMethod, ConnectionKind, ConnectionSpec, HostKeyChecking, JumpHost};

/// A transport failure (interim placeholder; the real enum lands from the transport work).
#[derive(Debug, thiserror::Error)]
#[error("{host}: {message}")]
pub struct TransportError {
    /// The host.
    pub host: String,
    /// What failed.
    pub message: String,
}
