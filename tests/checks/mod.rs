//! Static checks before any connection (rendered errors, all at once, no
//! host touched), check mode on real hosts, and the listing flags through
//! the real `konvoy-image` binary.
//!
//! The rendered diagnostics are our own format (style.md 2.4), asserted as
//! full text. Exit code 4 is what ansible-playbook 2.19.14 returns for a
//! playbook it rejects while parsing (measured on an unknown module), 1 for
//! a missing role.

mod check_mode;
mod gaps;
mod listing;
mod static_errors;

use std::path::Path;
use std::process::{Command, Output};

/// Writes `files` (relative path, text) under `dir`.
pub(crate) fn write_tree(dir: &Path, files: &[(&str, &str)]) {
    for (rel, text) in files {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, crate::run::unindent(text)).expect("write file");
    }
}

/// Runs `konvoy-image` with `args` in `dir`.
pub(crate) fn konvoy(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_konvoy-image"))
        .current_dir(dir)
        .env("ANSIBLE_NOCOLOR", "1")
        .args(args)
        .output()
        .expect("run konvoy-image")
}
