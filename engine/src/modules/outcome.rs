//! What a module run gives back.

use super::args::ArgError;
use crate::value::{Map, Value};

/// The result of one module run, in Ansible's terms.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Outcome {
    /// The host was (or, in check mode, would be) changed.
    pub changed: bool,
    /// The module failed (`failed: true` in the result).
    pub failed: bool,
    /// The module did nothing by design (command in check mode).
    pub skipped: bool,
    /// Ansible's result keys (`rc`, `stdout`, `path`, `msg`, ...).
    pub result: Map,
    /// Unified diff text for `--diff`.
    pub diff: Option<String>,
}

impl Outcome {
    /// An unchanged, successful outcome.
    pub fn ok() -> Outcome {
        Outcome::default()
    }

    /// A changed, successful outcome.
    pub fn changed() -> Outcome {
        Outcome {
            changed: true,
            ..Outcome::default()
        }
    }

    /// A failed outcome with Ansible's `msg`.
    pub fn failed(msg: impl Into<String>) -> Outcome {
        Outcome::default().failing(msg)
    }

    /// A failure as a module's `fail_json(msg=...)` gives it: ansible-core
    /// 2.19 adds `exception` (no traceback is captured there).
    pub fn fail_json(msg: impl Into<String>) -> Outcome {
        Outcome::failed(msg).with("exception", "(traceback unavailable)")
    }

    /// Marks this outcome failed with `msg`.
    pub fn failing(mut self, msg: impl Into<String>) -> Outcome {
        self.failed = true;
        self.result.insert("msg".into(), Value::Str(msg.into()));
        self
    }

    /// Adds a result key.
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Outcome {
        self.result.insert(key.to_owned(), value.into());
        self
    }
}

/// A module could not run at all (as opposed to running and failing).
#[derive(Debug, thiserror::Error)]
pub enum ModuleError {
    /// Bad arguments.
    #[error(transparent)]
    Args(#[from] ArgError),
    /// The host could not be reached or the command channel broke.
    #[error(transparent)]
    Transport(#[from] crate::transport::TransportError),
    /// A controller-side file (a `src`, a template) is missing or unreadable.
    #[error("{path}: {message}")]
    LocalFile {
        /// The path as resolved.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// A template failed to render.
    #[error("{0}")]
    Template(String),
    /// The module is known but not available in this build.
    #[error("module `{0}` is not implemented by konvoy-image")]
    Unsupported(&'static str),
    /// The probe printed something the module cannot read.
    #[error("unexpected probe output: {0}")]
    Probe(String),
    /// A loop item's apply sent with the item before it (see the
    /// executor's `ahead.rs`) cannot be given to the item.
    #[error("{0}")]
    Ahead(String),
}
