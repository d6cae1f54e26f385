//! What the caller chooses about a run, and what it gets back.

use crate::modules::RunMode;
use crate::report::Recap;
use crate::value::Map;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// Options of one run (the `ansible-playbook` flags).
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Parallel hosts (`-f`); 0 = all hosts, up to 50.
    pub forks: usize,
    /// `--check`.
    pub mode: RunMode,
    /// `--diff`.
    pub diff: bool,
    /// Number of `-v`.
    pub verbosity: u8,
    /// `--limit` pattern.
    pub limit: Option<String>,
    /// `--tags`.
    pub tags: Vec<String>,
    /// `--skip-tags`.
    pub skip_tags: Vec<String>,
    /// `-e` values, merged in order (highest precedence).
    pub extra_vars: Map,
    /// Set to stop scheduling new work (Ctrl-C); running commands finish
    /// or time out, then the recap is reported.
    pub cancel: Arc<AtomicBool>,
    /// Per-command timeout in seconds (`--timeout`-like; 0 = none).
    pub command_timeout: u64,
    /// SSH settings shared by every connection (known_hosts, keys, agent).
    pub connect: crate::transport::ConnectOptions,
    /// Send the probes of upcoming tasks as one script (on by default).
    pub probe_batching: bool,
    /// While a host is changing (a cold run), send the probes of the next
    /// task or loop item in the same command as the apply before it (on
    /// by default; needs `probe_batching`; see `run/piggyback.rs`).
    pub apply_batching: bool,
    /// Connection and become settings from `ansible.cfg`, `ANSIBLE_*` and
    /// the command line: the lowest rungs of Ansible's chain
    /// (config < flags < play/block/task keywords < variables < `-e`).
    pub defaults: RunDefaults,
    /// `--start-at-task`: tasks before the first one with this name are
    /// not run (Ansible's rule: matched against the task name, then the
    /// `role : name` form, glob patterns allowed).
    pub start_at_task: Option<String>,
    /// `--strict`: a module or option Ansible has and this engine lacks
    /// refuses the playbook before any host is touched, instead of
    /// failing only the tasks that hosts reach.
    pub strict: bool,
    /// `--shard K/N`: only this shard's part of each play's hosts.
    pub shard: Option<crate::inventory::Shard>,
    /// Defaults of play keywords a play does not set, from `ansible.cfg`,
    /// `ANSIBLE_*` and `--force-handlers` (applied to the plan by
    /// [`crate::job::PlaybookJob`]).
    pub play_defaults: PlayDefaults,
    /// Role directories searched after `<playbook dir>/roles` (`roles_path`).
    pub roles_path: Vec<std::path::PathBuf>,
    /// `host_pattern_mismatch`: what a host pattern or `--limit` item that
    /// matches nothing does (checked by [`crate::job::check_hosts`]).
    pub host_pattern_mismatch: crate::config::PatternMismatch,
    /// `force_valid_group_names = ignore`: no warning about the names of
    /// groups `group_by` and `add_host` make.
    pub quiet_group_names: bool,
    /// `localhost_warning`: warn when the inventory has no hosts.
    pub localhost_warning: bool,
}

/// Play keyword defaults (Ansible's `gathering`, `strategy`,
/// `any_errors_fatal` and `force_handlers` settings): what a play that does
/// not set the keyword gets.
#[derive(Clone, Debug, PartialEq)]
pub struct PlayDefaults {
    /// `gather_facts` (`gathering = implicit`: true; `explicit`: false).
    pub gather_facts: bool,
    /// `gathering = smart`: a play gathers only the hosts whose facts no
    /// earlier play or `gather_facts` task of the run has gathered.
    pub gather_once: bool,
    /// `strategy`.
    pub strategy: crate::plan::Strategy,
    /// `any_errors_fatal`.
    pub any_errors_fatal: bool,
    /// `force_handlers` (`--force-handlers` or the setting).
    pub force_handlers: bool,
}

impl Default for PlayDefaults {
    fn default() -> PlayDefaults {
        PlayDefaults {
            gather_facts: true,
            gather_once: false,
            strategy: crate::plan::Strategy::Linear,
            any_errors_fatal: false,
            force_handlers: false,
        }
    }
}

/// Settings that apply to every task unless a keyword or a variable says
/// otherwise: Ansible's configuration (`ansible.cfg`, `ANSIBLE_*`) and
/// `ansible-playbook` flags, already merged by the caller (the flag wins
/// over the config). `None` means "Ansible's built-in default".
///
/// Filled by the CLI (see `engine::config`); the executor consumes every
/// field when it decides a task's connection and become settings.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunDefaults {
    /// `remote_user` / `-u`.
    pub remote_user: Option<String>,
    /// `remote_port`.
    pub port: Option<u16>,
    /// `-c` / `transport` (`ssh`, `local`, ...).
    pub connection: Option<String>,
    /// `private_key_file` / `--private-key`.
    pub private_key_file: Option<std::path::PathBuf>,
    /// `timeout` / `-T`: SSH connect timeout in seconds.
    pub timeout: Option<u64>,
    /// `become` / `-b`.
    pub become_: Option<bool>,
    /// `become_method` / `--become-method`.
    pub become_method: Option<String>,
    /// `become_user` / `--become-user`.
    pub become_user: Option<String>,
    /// `become_flags`.
    pub become_flags: Option<String>,
    /// `become_exe`.
    pub become_exe: Option<String>,
    /// `-K` / `--ask-become-pass`: asked once, sent on stdin only.
    pub become_password: Option<crate::shell::Secret>,
    /// `-k` / `--ask-pass`: the SSH password.
    pub connection_password: Option<crate::shell::Secret>,
    /// `ssh_common_args` / `--ssh-common-args` (`ssh_args` in `[ssh_connection]`).
    pub ssh_common_args: Option<String>,
    /// `ssh_extra_args` / `--ssh-extra-args`.
    pub ssh_extra_args: Option<String>,
    /// `host_key_checking` / `ANSIBLE_HOST_KEY_CHECKING`.
    pub host_key_checking: Option<bool>,
}

impl Default for RunOptions {
    fn default() -> RunOptions {
        RunOptions {
            forks: 0,
            mode: RunMode::Apply,
            diff: false,
            verbosity: 0,
            limit: None,
            tags: Vec::new(),
            skip_tags: Vec::new(),
            extra_vars: Map::new(),
            cancel: Arc::new(AtomicBool::new(false)),
            command_timeout: 0,
            connect: crate::transport::ConnectOptions::default(),
            probe_batching: true,
            apply_batching: true,
            defaults: RunDefaults::default(),
            start_at_task: None,
            strict: false,
            shard: None,
            play_defaults: PlayDefaults::default(),
            roles_path: Vec::new(),
            host_pattern_mismatch: crate::config::PatternMismatch::Warning,
            quiet_group_names: false,
            localhost_warning: true,
        }
    }
}

impl RunOptions {
    /// Whether a task with `tags` runs under `--tags`/`--skip-tags`
    /// (`always` runs unless skipped by name, `never` only when asked for).
    pub fn tags_allow(&self, tags: &[String]) -> bool {
        let has = |t: &str| tags.iter().any(|x| x == t);
        if self
            .skip_tags
            .iter()
            .any(|s| has(s) || (s == "all" && !has("always")))
        {
            return false;
        }
        if self.tags.is_empty() || self.tags.iter().any(|t| t == "all") {
            return !has("never");
        }
        has("always")
            || self.tags.iter().any(|t| {
                has(t)
                    || (t == "tagged" && !tags.is_empty())
                    || (t == "untagged" && tags.is_empty())
            })
    }
}

/// The outcome of a run.
#[derive(Clone, Debug, Default)]
pub struct RunSummary {
    /// Per-host counters.
    pub recap: Recap,
    /// `ansible-playbook`'s exit code (0, 2 failed, 4 unreachable, 130 cancelled).
    pub exit_code: i32,
    /// Round trips per host (commands, puts and fetches), measured: the
    /// same as [`RunSummary::traffic`]'s `commands`.
    pub commands: std::collections::BTreeMap<String, u64>,
    /// Per host: round trips, bytes and time by phase (`--stats`).
    pub traffic: std::collections::BTreeMap<String, crate::report::Traffic>,
    /// `--start-at-task` named no task of the playbook (ansible-playbook
    /// then says `No matching task "X" found` and still exits 0).
    pub start_at_task_unmatched: Option<String>,
}

/// A run that could not start or had to stop as a whole.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// A `hosts:` or `--limit` pattern is invalid.
    #[error("invalid host pattern `{pattern}`: {message}")]
    Pattern {
        /// The pattern.
        pattern: String,
        /// Why.
        message: String,
    },
    /// Nothing to run on: ansible-playbook's words and exit code 1.
    #[error("Specified inventory, host pattern and/or --limit leaves us with no hosts to target.")]
    NoHostsToTarget {
        /// The warnings ansible-playbook prints before this error (the
        /// `--limit` items that matched nothing).
        warnings: Vec<String>,
    },
    /// A host pattern item matched nothing and `host_pattern_mismatch` is
    /// `error`.
    #[error("Could not match supplied host pattern, ignoring: {0}")]
    UnmatchedPattern(String),
    /// A dynamic include could not be loaded or compiled.
    #[error("{0}")]
    Include(String),
    /// A play could not start (a `serial:` that does not render to
    /// batch sizes).
    #[error("{0}")]
    Play(String),
    /// The run stopped as ansible-playbook stops, with no recap (a
    /// notified handler that does not exist): Ansible's message.
    #[error("{0}")]
    Fatal(String),
}
