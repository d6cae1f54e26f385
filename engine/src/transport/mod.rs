//! `transport`: running commands and moving files on one host, over SSH
//! (`ssh2`, one session per host) or locally. Knows nothing about Ansible.

mod spec;

pub use spec::{Become, BecomeMethod, ConnectionKind, ConnectionSpec, HostKeyChecking, JumpHost};
