//! [`PlaybookError`]: everything that can be wrong with a playbook before
//! any variable is known, each with the [`Span`] of the offending text.

use crate::source::Span;
use crate::yaml::YamlError;
use std::fmt;

/// One problem found while parsing a playbook, a task file or a role.
///
/// Parsing never stops at the first of these: see [`PlaybookErrors`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlaybookError {
    /// A file did not load as YAML.
    #[error(transparent)]
    Yaml(#[from] YamlError),
    /// A file that must exist (a task file, a vars file of a role) does not.
    #[error("{span}: could not find task file `{file}` (searched: {})", searched.join(", "))]
    MissingTaskFile {
        /// The file name as written.
        file: String,
        /// Every path tried, in order.
        searched: Vec<String>,
        /// Where the file was named.
        span: Span,
    },
    /// A role was named that exists in none of the search paths.
    #[error("{span}: the role `{name}` was not found in: {}", searched.join(", "))]
    MissingRole {
        /// The role name as written.
        name: String,
        /// Every directory tried, in order.
        searched: Vec<String>,
        /// Where the role was named.
        span: Span,
    },
    /// A keyword's value has the wrong YAML type (`hosts: {a: 1}`).
    #[error("{span}: `{keyword}` expects {expected}, found {found}")]
    BadKeywordType {
        /// The keyword.
        keyword: String,
        /// What would have been accepted.
        expected: &'static str,
        /// The YAML type written.
        found: &'static str,
        /// The value.
        span: Span,
    },
    /// A key that is no keyword of this kind of object, where no module
    /// may stand (plays, blocks, role entries of `meta/main.yml`).
    #[error("{span}: `{keyword}` is not a valid attribute for a {object}")]
    UnknownKeyword {
        /// The key as written.
        keyword: String,
        /// `Play`, `Block`, ...
        object: &'static str,
        /// The key.
        span: Span,
    },
    /// A keyword ansible-core has that this engine does not honour (see
    /// [`super::keyword_table`]): refused before any host is touched
    /// rather than parsed and ignored.
    #[error("{span}: `{keyword}` on a {object} is not supported: {reason}")]
    RefusedKeyword {
        /// The key as written.
        keyword: String,
        /// `Play`, `Task`, ...
        object: &'static str,
        /// Why, from the keyword table.
        reason: &'static str,
        /// The key.
        span: Span,
    },
    /// A keyword value this engine cannot honour (`become_method: doas`,
    /// `connection: winrm`), refused before any host is touched.
    #[error("{span}: `{keyword}: {value}` is not supported (supported: {supported})")]
    UnsupportedValue {
        /// The keyword.
        keyword: String,
        /// The value as written.
        value: String,
        /// What is supported.
        supported: &'static str,
        /// The value.
        span: Span,
    },
    /// A boolean whose literal is not a boolean where ansible-core checks it
    /// before any host runs (a play's `gather_facts`, a role's
    /// `allow_duplicates`, `loop_control`'s `extended`, ...).
    #[error("{span}: Error processing keyword '{keyword}': The value {value} could not be converted to 'bool'.")]
    NotABoolean {
        /// The keyword.
        keyword: String,
        /// The value as Python shows it (`'maybe'`, `2`).
        value: String,
        /// The value.
        span: Span,
    },
    /// A task names more than one action (two module keys, or `action:`
    /// plus a module key).
    #[error("{span}: conflicting action statements: `{first}`, `{second}`")]
    ConflictingActions {
        /// The first action key.
        first: String,
        /// The second action key.
        second: String,
        /// The second key.
        span: Span,
    },
    /// A task with no module key at all.
    #[error("{span}: no module/action detected in task")]
    NoAction {
        /// The task.
        span: Span,
    },
    /// Free-form arguments (`command: ls creates=/x`) that do not split:
    /// an unbalanced quote, or a `k=v` form with an empty key.
    #[error("{span}: malformed arguments `{text}`: {reason}")]
    MalformedArgs {
        /// The argument text.
        text: String,
        /// What is wrong with it.
        reason: &'static str,
        /// The argument scalar.
        span: Span,
    },
    /// A play without `hosts`.
    #[error("{span}: the field `hosts` is required but was not set")]
    MissingHosts {
        /// The play.
        span: Span,
    },
    /// A `template`/`copy`/`script` source with a literal name that exists
    /// in none of the places Ansible would look (reported by
    /// [`super::missing_sources`], a check the caller opts into).
    #[error("{span}: could not find `{src}` for `{module}` (searched: {})", searched.join(", "))]
    MissingSource {
        /// The module (`template`, `copy`, `script`).
        module: String,
        /// The source as written.
        src: String,
        /// Every path tried, in order.
        searched: Vec<String>,
        /// The `src` value.
        span: Span,
    },
    /// A playbook file with no content at all.
    #[error("{span}: empty playbook, nothing to do")]
    EmptyPlaybook {
        /// The file.
        span: Span,
    },
    /// A playbook that is an empty list.
    #[error("{span}: a playbook must contain at least one play")]
    NoPlays {
        /// The list.
        span: Span,
    },
    /// A static include or `import_playbook` that names a template
    /// (`import_tasks: "{{ f }}"`): it cannot be resolved before variables exist.
    #[error("{span}: `{keyword}` cannot use a templated file name `{file}` here")]
    TemplatedImport {
        /// `import_tasks`, `import_playbook`, `import_role`.
        keyword: &'static str,
        /// The name as written.
        file: String,
        /// The name.
        span: Span,
    },
    /// A templated `import_playbook` name that does not render with the
    /// `-e` values and the import's own `vars:`.
    #[error("{span}: the `import_playbook` name `{file}` does not render: {message}")]
    ImportName {
        /// The name as written.
        file: String,
        /// Why.
        message: String,
        /// The name.
        span: Span,
    },
    /// A file includes itself, directly or through other files.
    #[error("{span}: `{file}` includes itself")]
    RecursiveImport {
        /// The file.
        file: String,
        /// The include that closes the cycle.
        span: Span,
    },
    /// Two loop keywords on one task (`loop` and `with_items`).
    #[error("{span}: duplicate loop in task (the first is at {first})")]
    DuplicateLoop {
        /// The first loop keyword.
        first: Span,
        /// The second.
        span: Span,
    },
    /// A loop on a static import, which is expanded before any loop runs.
    #[error("{span}: you cannot use loops on `{keyword}` statements, use `include_tasks`/`include_role` instead")]
    LoopOnImport {
        /// `import_tasks` or `import_role`.
        keyword: String,
        /// The loop keyword.
        span: Span,
    },
    /// A role dependency chain that loops (`a` needs `b` needs `a`).
    #[error("{span}: role `{name}` depends on itself")]
    RecursiveRole {
        /// The role.
        name: String,
        /// The dependency entry that closes the cycle.
        span: Span,
    },
}

impl PlaybookError {
    /// Where the problem is (for I/O errors, the file alone).
    pub fn span(&self) -> Span {
        match self {
            PlaybookError::Yaml(e) => match (e.span(), e) {
                (Some(span), _) => span.clone(),
                (None, YamlError::Io { file, .. }) => Span::file(file.as_str()),
                (None, _) => Span::file(""),
            },
            PlaybookError::MissingTaskFile { span, .. }
            | PlaybookError::MissingRole { span, .. }
            | PlaybookError::BadKeywordType { span, .. }
            | PlaybookError::UnknownKeyword { span, .. }
            | PlaybookError::RefusedKeyword { span, .. }
            | PlaybookError::UnsupportedValue { span, .. }
            | PlaybookError::NotABoolean { span, .. }
            | PlaybookError::ConflictingActions { span, .. }
            | PlaybookError::NoAction { span }
            | PlaybookError::MalformedArgs { span, .. }
            | PlaybookError::EmptyPlaybook { span }
            | PlaybookError::NoPlays { span }
            | PlaybookError::MissingHosts { span }
            | PlaybookError::MissingSource { span, .. }
            | PlaybookError::TemplatedImport { span, .. }
            | PlaybookError::ImportName { span, .. }
            | PlaybookError::RecursiveImport { span, .. }
            | PlaybookError::RecursiveRole { span, .. }
            | PlaybookError::DuplicateLoop { span, .. }
            | PlaybookError::LoopOnImport { span, .. } => span.clone(),
        }
    }
}

/// Every problem found in one parse, in the order they were found.
///
/// Parsing collects instead of stopping so that five typos cost one run.
/// Never empty when returned as an error.
#[derive(Debug, Clone, PartialEq)]
pub struct PlaybookErrors(pub Vec<PlaybookError>);

impl fmt::Display for PlaybookErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for PlaybookErrors {}
