//! YAML as Ansible (PyYAML, YAML 1.1) reads it: the only code that names a
//! YAML crate.
//!
//! Parsing goes through an event-level parser that exposes scalar styles,
//! tags and positions, because Ansible's typing depends on them: plain `no`
//! is `False` but `"no"` is a string, plain `0644` is 420. Every [`Node`]
//! keeps its [`Span`] so later layers can report `file:line:column`.

use crate::source::Span;
use crate::value::Value;
use indexmap::IndexMap;

/// A loaded YAML node with its position.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// The typed value of this node.
    pub kind: NodeKind,
    /// Where the node starts.
    pub span: Span,
}

/// The typed content of a [`Node`].
#[derive(Clone, Debug, PartialEq)]
pub enum NodeKind {
    /// `~`, `null`, empty.
    Null,
    /// `yes`, `True`, `off`, ...
    Bool(bool),
    /// `42`, `0644` (420), `0x1F`, `1_000`, `1:30` (90).
    Int(i64),
    /// `1.10`, `.inf`, `1.0e+3`.
    Float(f64),
    /// Any string (quoted scalars always).
    Str(String),
    /// `!unsafe` string: never templated.
    Unsafe(String),
    /// A timestamp, as Python's `isoformat()` text.
    Date(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, merge keys applied, duplicates resolved (last wins).
    Map(Mapping),
}

/// A mapping whose keys keep their spans.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Mapping {
    /// Entries in document order (a duplicate keeps the first position
    /// and the last value, as a Python dict does).
    pub entries: IndexMap<String, MapEntry>,
}

/// One entry of a [`Mapping`].
#[derive(Clone, Debug, PartialEq)]
pub struct MapEntry {
    /// Where the key is.
    pub key_span: Span,
    /// The value.
    pub value: Node,
}

/// A YAML file that did not load.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
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
}

impl Node {
    /// Drops the spans: the plain data.
    pub fn to_value(&self) -> Value {
        match &self.kind {
            NodeKind::Null => Value::Null,
            NodeKind::Bool(b) => Value::Bool(*b),
            NodeKind::Int(i) => Value::Int(*i),
            NodeKind::Float(f) => Value::Float(*f),
            NodeKind::Str(s) => Value::Str(s.clone()),
            NodeKind::Unsafe(s) => Value::Unsafe(s.clone()),
            NodeKind::Date(s) => Value::Date(s.clone()),
            NodeKind::Seq(items) => Value::List(items.iter().map(Node::to_value).collect()),
            NodeKind::Map(m) => Value::Map(
                m.entries
                    .iter()
                    .map(|(k, e)| (k.clone(), e.value.to_value()))
                    .collect(),
            ),
        }
    }
}

/// Loaded documents (interim stand-in).
pub struct Loaded {
    /// Documents.
    pub docs: Vec<Node>,
}
impl Loaded {
    /// First document.
    pub fn single(self) -> (Option<Node>, Vec<crate::source::Warning>) {
        (self.docs.into_iter().next(), Vec::new())
    }
}
/// Loads a file (interim stand-in: unsupported).
pub fn load_file(path: &std::path::Path) -> Result<Loaded, YamlError> {
    Err(YamlError::Io { file: path.display().to_string(), message: "yaml loader not available yet".into() })
}
