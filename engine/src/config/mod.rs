//! `config`: Ansible's settings as ansible-core 2.19.14 reads them, from
//! one `ansible.cfg` and the `ANSIBLE_*` environment variables, for the
//! command line to merge its flags over.
//!
//! - **Which file**: the first of `$ANSIBLE_CONFIG`, `./ansible.cfg` (not in
//!   a world-writable directory), `~/.ansible.cfg`,
//!   `/etc/ansible/ansible.cfg` ([`find`]); only that one is read, with
//!   Python's `configparser` rules ([`ini`]).
//! - **Precedence**: an environment variable beats the file; among a
//!   setting's variables (or keys) the last one listed by Ansible wins;
//!   command-line flags beat both (the CLI applies them with
//!   [`Settings::set_by_flag`]); play, block and task keywords and
//!   variables beat all of these (the executor's business).
//! - **What happens to each setting** is one row of [`table::RULES`]:
//!   honoured, no effect on a native engine (with the reason), or accepted
//!   only at Ansible's default and refused otherwise, before any host is
//!   touched. Keys of the file that no ansible-core setting has are
//!   warned about (ansible-core ignores them silently).
//!
//! The library reads no environment on its own: the caller passes it in
//! ([`ConfigEnv`]).

mod apply;
mod error;
pub mod find;
pub mod ini;
mod output;
mod settings;
pub mod ssh_args;
pub mod table;
pub mod value;

pub use error::{ConfigError, ConfigErrors};
pub use settings::{load, Accepted, Gathering, PatternMismatch, Settings, Values};
pub use table::{Field, Use};

use crate::source::Span;
use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

/// The process state settings are read from.
#[derive(Clone, Debug)]
pub struct ConfigEnv {
    /// Environment variables.
    pub vars: BTreeMap<String, String>,
    /// The working directory.
    pub cwd: PathBuf,
    /// `$HOME`.
    pub home: Option<PathBuf>,
    /// The system-wide file (`/etc/ansible/ansible.cfg`).
    pub system_config: PathBuf,
}

impl ConfigEnv {
    /// The state of this process (`std::env`), for the CLI.
    pub fn from_process() -> ConfigEnv {
        ConfigEnv {
            vars: std::env::vars().collect(),
            cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
            home: std::env::var_os("HOME").map(PathBuf::from),
            system_config: PathBuf::from("/etc/ansible/ansible.cfg"),
        }
    }
}

/// Where a setting's value comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// An environment variable.
    Env(String),
    /// A key of the config file.
    File {
        /// Where the key is written.
        span: Span,
        /// Its section.
        section: String,
        /// The key.
        key: String,
    },
    /// A command-line flag.
    Flag(String),
}

impl Origin {
    /// `path:line:column` for a file, else where in general.
    pub fn place(&self) -> String {
        match self {
            Origin::Env(_) => "environment".to_owned(),
            Origin::File { span, .. } => span.to_string(),
            Origin::Flag(_) => "command line".to_owned(),
        }
    }

    /// The variable, key or flag as the user wrote it.
    pub fn written(&self) -> String {
        match self {
            Origin::Env(name) => format!("`{name}`"),
            Origin::File { section, key, .. } => format!("`{key}` in [{section}]"),
            Origin::Flag(flag) => format!("`{flag}`"),
        }
    }

    /// The span, for a key of the file.
    pub fn span(&self) -> Option<&Span> {
        match self {
            Origin::File { span, .. } => Some(span),
            _ => None,
        }
    }
}

/// As `ansible-config dump` shows origins: `env: NAME`, the file (with
/// line and column here), `cli: FLAG`.
impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Env(name) => write!(f, "env: {name}"),
            Origin::File { span, .. } => write!(f, "{span}"),
            Origin::Flag(flag) => write!(f, "cli: {flag}"),
        }
    }
}
