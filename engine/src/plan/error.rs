//! Problems found while compiling, before any host is touched.

use crate::source::Span;

/// A static problem in a playbook, with the place it is written.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    /// A module name that no module answers to.
    #[error("{span}: couldn't resolve module/action `{name}`{}", hint(suggestion))]
    UnknownModule {
        /// The name as written.
        name: String,
        /// Where.
        span: Span,
        /// The closest known module.
        suggestion: Option<&'static str>,
    },
    /// `vars:` (or a vars file) that is not a mapping.
    #[error("{span}: `{what}` must be a mapping, got {found}")]
    NotAMapping {
        /// Which keyword or file.
        what: String,
        /// What it was.
        found: &'static str,
        /// Where.
        span: Span,
    },
    /// A `vars_files` entry that could not be loaded.
    #[error("{span}: vars file `{file}`: {message}")]
    VarsFile {
        /// The file.
        file: String,
        /// Why.
        message: String,
        /// Where it is named.
        span: Span,
    },
    /// The playbook itself did not parse.
    #[error("{0}")]
    Playbook(String),
}

fn hint(s: &Option<&'static str>) -> String {
    match s {
        Some(s) => format!(" (did you mean `{s}`?)"),
        None => String::new(),
    }
}

/// Every static problem found in one pass.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
pub struct PlanErrors(pub Vec<PlanError>);
