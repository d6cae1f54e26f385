//! Transport tests against real sshd test hosts (see `crate::harness`).

mod smoke;
