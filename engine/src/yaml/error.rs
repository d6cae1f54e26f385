//! [`YamlError`]: why a YAML text did not load.

use crate::source::Span;

/// A YAML file that did not load.
///
/// Every variant that comes from the text carries the [`Span`] of the node
/// or position at fault, so the message reads `file:line:column: ...`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum YamlError {
    /// The text is not valid YAML.
    #[error("{span}: {message}")]
    Syntax {
        /// Where the parser stopped.
        span: Span,
        /// What the parser expected.
        message: String,
    },
    /// `!vault` data: encrypted values are not supported.
    #[error("{span}: `!vault` encrypted values are not supported")]
    Vault {
        /// The tagged scalar.
        span: Span,
    },
    /// An alias to an anchor that does not exist.
    #[error("{span}: unknown anchor in alias")]
    UnknownAnchor {
        /// The alias.
        span: Span,
    },
    /// A tag this loader does not know.
    #[error("{span}: unsupported tag `{tag}`")]
    UnknownTag {
        /// The tagged node.
        span: Span,
        /// The tag as written.
        tag: String,
    },
    /// The file could not be read.
    #[error("{file}: {message}")]
    Io {
        /// The file.
        file: String,
        /// The OS error.
        message: String,
    },
    /// A core tag on the wrong kind of node (`!!str {a: 1}`, `!!map [1]`).
    #[error(
        "{span}: tag `{tag}` expects a {expected}, found {} {found}",
        article(found)
    )]
    TagKindMismatch {
        /// The tagged node.
        span: Span,
        /// The tag as written.
        tag: String,
        /// The node kind the tag needs.
        expected: &'static str,
        /// The node kind found.
        found: &'static str,
    },
    /// A scalar that its (explicit or resolved) type cannot hold:
    /// `!!int abc`, `0b_`, `2024-13-01` (PyYAML raises `ValueError`).
    #[error("{span}: `{text}` is not a valid {kind}: {reason}")]
    InvalidScalar {
        /// The scalar.
        span: Span,
        /// Its text.
        text: String,
        /// The type it was read as (`int`, `float`, `bool`, `timestamp`).
        kind: &'static str,
        /// Why Python rejects it.
        reason: &'static str,
    },
    /// A sequence or mapping used as a mapping key (Python: "unhashable").
    #[error("{span}: {} {found} cannot be a mapping key", article(found))]
    NonScalarKey {
        /// The key node.
        span: Span,
        /// `sequence` or `mapping`.
        found: &'static str,
    },
    /// A `<<` merge whose value is not a mapping or a list of mappings.
    #[error(
        "{span}: expected a mapping or list of mappings for merging, found {} {found}",
        article(found)
    )]
    BadMerge {
        /// The merged value.
        span: Span,
        /// What was found instead.
        found: &'static str,
    },
    /// Aliases expand to more nodes than any real file needs (an
    /// "exponential entity" attack); loading stops instead of exhausting
    /// memory.
    #[error("{span}: aliases expand to more than {limit} nodes")]
    AliasExpansion {
        /// The alias that crossed the limit.
        span: Span,
        /// The node budget.
        limit: usize,
    },
    /// Collections nested deeper than the loader allows (Python's own
    /// recursion limit stops Ansible far earlier).
    #[error("{span}: nesting deeper than {limit} levels")]
    TooDeep {
        /// The collection that crossed the limit.
        span: Span,
        /// The depth limit.
        limit: usize,
    },
    /// More than one document where one is expected (Ansible reads vars
    /// and inventory files with `yaml.load`, which accepts only one).
    #[error("{span}: expected a single document in the stream, found another document")]
    MultipleDocuments {
        /// The start of the second document.
        span: Span,
    },
}

impl YamlError {
    /// Where the error is, when it points into a text.
    pub fn span(&self) -> Option<&Span> {
        match self {
            YamlError::Syntax { span, .. }
            | YamlError::Vault { span }
            | YamlError::UnknownAnchor { span }
            | YamlError::UnknownTag { span, .. }
            | YamlError::TagKindMismatch { span, .. }
            | YamlError::InvalidScalar { span, .. }
            | YamlError::NonScalarKey { span, .. }
            | YamlError::BadMerge { span, .. }
            | YamlError::AliasExpansion { span, .. }
            | YamlError::TooDeep { span, .. }
            | YamlError::MultipleDocuments { span } => Some(span),
            YamlError::Io { .. } => None,
        }
    }
}

/// `a` or `an` before a kind name (`an integer`, `a mapping`).
fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}
