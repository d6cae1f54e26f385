//! [`ModuleContext`]: everything a module may use while it runs.

use super::outcome::ModuleError;
use crate::template::{Templar, Vars};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Output of one command on the host.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExecOutput {
    /// Standard output.
    pub stdout: Vec<u8>,
    /// Standard error.
    pub stderr: Vec<u8>,
    /// Exit code (-1 when killed by a signal).
    pub rc: i32,
}

impl ExecOutput {
    /// Standard output as (lossy) UTF-8.
    pub fn stdout_str(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// Standard error as (lossy) UTF-8.
    pub fn stderr_str(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
}

/// The host as a module sees it: run a script, write a file. The
/// executor implements it over a transport, with the task's become and
/// environment already applied.
pub trait Remote {
    /// Runs `script` with `/bin/sh` on the host (stdin optional).
    fn exec(&mut self, script: &str, stdin: Option<&[u8]>) -> Result<ExecOutput, ModuleError>;

    /// Runs a read-only `script` (a probe). The same as `exec` with no
    /// stdin; an executor may tell probes apart (it counts their time).
    fn probe(&mut self, script: &str) -> Result<ExecOutput, ModuleError> {
        self.exec(script, None)
    }

    /// Writes `data` to `dest` atomically (temp file in the same
    /// directory, then rename), with `mode` (octal) when given.
    fn put(&mut self, data: &[u8], dest: &str, mode: Option<u32>) -> Result<(), ModuleError>;

    /// Reads a whole file from the host.
    fn fetch(&mut self, path: &str) -> Result<Vec<u8>, ModuleError>;
}

/// Normal run or check mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunMode {
    /// Change the host.
    Apply,
    /// Only say what would change (`--check`).
    Check,
}

/// What a module may use while it runs.
pub struct ModuleContext<'a> {
    /// The host, for messages.
    pub host: &'a str,
    /// The target.
    pub remote: &'a mut dyn Remote,
    /// Apply or check.
    pub mode: RunMode,
    /// Produce diffs (`--diff`).
    pub diff: bool,
    /// Where `src` of copy/template/script is looked for, in order (role
    /// `files/` or `templates/`, the role, the playbook dir).
    pub search_paths: &'a [PathBuf],
    /// For the template module.
    pub templar: &'a Templar,
    /// The task's variables, for the template module.
    pub vars: &'a Vars,
    /// Probe outputs fetched ahead of time, by script text.
    pub probe_cache: &'a mut HashMap<String, ExecOutput>,
    /// Number of commands this module sent (probes included): measured.
    pub commands: u32,
}

impl ModuleContext<'_> {
    /// Runs a read-only probe, answered from the prefetched batch when
    /// the executor already has it. An answer stays valid until something
    /// changes the host (loop items often repeat the same probe).
    pub fn probe(&mut self, script: &str) -> Result<ExecOutput, ModuleError> {
        if let Some(out) = self.probe_cache.get(script) {
            return Ok(out.clone());
        }
        self.commands += 1;
        self.remote.probe(script)
    }

    /// Runs a command that changes the host. Invalidates prefetched probes.
    pub fn apply(&mut self, script: &str, stdin: Option<&[u8]>) -> Result<ExecOutput, ModuleError> {
        self.probe_cache.clear();
        self.commands += 1;
        self.remote.exec(script, stdin)
    }

    /// Writes a file atomically. Invalidates prefetched probes.
    pub fn put(&mut self, data: &[u8], dest: &str, mode: Option<u32>) -> Result<(), ModuleError> {
        self.probe_cache.clear();
        self.commands += 1;
        self.remote.put(data, dest, mode)
    }

    /// Whether this is check mode.
    pub fn check_mode(&self) -> bool {
        self.mode == RunMode::Check
    }

    /// Finds a controller-side file: absolute paths as they are, relative
    /// ones in the search paths, in order.
    pub fn find_local(&self, name: &str) -> Result<PathBuf, ModuleError> {
        let p = Path::new(name);
        if p.is_absolute() {
            return if p.exists() {
                Ok(p.to_path_buf())
            } else {
                Err(ModuleError::LocalFile {
                    path: name.to_owned(),
                    message: "no such file on the controller".into(),
                })
            };
        }
        self.search_paths
            .iter()
            .map(|d| d.join(p))
            .find(|c| c.exists())
            .ok_or_else(|| ModuleError::LocalFile {
                path: name.to_owned(),
                message: format!(
                    "not found in {}",
                    self.search_paths
                        .iter()
                        .map(|d| d.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            })
    }
}
