//! Playbook parsing against ansible-core 2.19.14.
//!
//! `golden.rs`: `--list-tasks`, `--list-hosts` and `--syntax-check` output
//! compared with what `ansible-playbook` printed for the same inputs
//! (`tests/golden/playbook/<case>/stdout`, produced by
//! `tests/golden/regen-playbook.sh`). `tree.rs`: the parsed shape of the
//! KIB-like fixture tree. `errors.rs`: rendered error messages.

mod errors;
pub(crate) mod golden;
mod keywords;
mod tree;
