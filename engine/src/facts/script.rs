//! The fact probe: one POSIX `sh` script, sent once per host.
//!
//! It runs under dash, bash, busybox `sh` and an empty environment
//! (`env -i`), needs no Python, and only reads: release files, `uname`,
//! `/proc`, `/sys/class/net`, `ip`, `id`, `getent`. Its output is a list of
//! sections (see [`super::parse`]) which the Rust side turns into Ansible's
//! facts, so every decision Ansible makes in Python happens on the
//! controller, on data, where it can be unit-tested.

/// The script text; see `gather.sh` next to this file.
pub(crate) const GATHER_SCRIPT: &str = include_str!("gather.sh");
