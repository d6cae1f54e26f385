//! YAML as Ansible (PyYAML, YAML 1.1) reads it: the only code that names a
//! YAML crate.
//!
//! Parsing goes through an event-level parser that exposes scalar styles,
//! tags and positions, because Ansible's typing depends on them: plain `no`
//! is `False` but `"no"` is a string, plain `0644` is 420. Every [`Node`]
//! keeps its [`Span`] so later layers can report `file:line:column`.
//!
//! What it reproduces (checked against ansible-core 2.19's own loader and
//! dumper by `tests/yaml`, whose expected data `tests/yaml/regen.py`
//! regenerates):
//!
//! - JSON first, then YAML, as Ansible's `from_yaml` reads every file
//!   ([`load_str`]);
//! - PyYAML's YAML 1.1 resolver for plain scalars: `yes`/`On`/`FALSE`
//!   booleans (not `y`/`n`), `~`/`null`/empty, `0644` (420), `0x1F`,
//!   `0b101`, `1_000`, `1:30` (90), floats that need a dot (`1e3` stays a
//!   string), `.inf`/`.nan`, dates and date-times (kept as Python's
//!   `isoformat()` text);
//! - explicit core tags (`!!str`, `!!int`, ...), the non-specific `!`
//!   (resolved as plain, like PyYAML), Ansible's `!unsafe` (a tagged scalar
//!   is re-resolved as plain, as Ansible does, and every string inside a
//!   tagged collection is unsafe), `!vault`/`!vault-encrypted` (rejected:
//!   [`YamlError::Vault`]);
//! - merge keys `<<` (a mapping or a list of mappings, earlier ones winning)
//!   and duplicate keys (last value at the first position, with Ansible's
//!   warning, also for a key that overrides a merged one);
//! - libyaml's leniency for under-indented continuation lines of quoted
//!   scalars;
//! - output: [`dump`] writes what `yaml.dump` with Ansible's dumper writes.
//!
//! Known differences: `!!binary`, `!!set`, `!!omap` and `!!pairs` are
//! [`YamlError::UnknownTag`]; integers beyond 64 bits stay strings (with a
//! warning); keys are strings, so `{1: a, "1": b}` has one key; the
//! parser follows YAML 1.2 where libyaml differs in corners (U+2028 is
//! content, not a line break; `{a: b -}` is rejected); `NaN`/`Infinity`
//! in JSON are read as YAML; aliases are copied, so a recursive alias is an
//! error and expansion is capped ([`YamlError::AliasExpansion`]).

mod analysis;
mod compose;
mod dump;
mod emitter;
mod error;
mod load;
mod mapping;
mod position;
mod resolve;
mod timestamp;

pub use dump::{dump, DumpStyle};
pub use error::YamlError;

use crate::source::{Span, Warning};
use crate::value::Value;
use indexmap::IndexMap;
use std::path::Path;
use std::sync::Arc;

/// The documents of one YAML text, with the warnings loading produced.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Loaded {
    /// One node per document, in order (empty for an empty or comment-only
    /// text).
    pub docs: Vec<Node>,
    /// Duplicate keys and similar problems that did not stop loading.
    pub warnings: Vec<Warning>,
}

impl Loaded {
    /// The first document (`None` for an empty file) and the warnings.
    ///
    /// Ansible reads inventory and vars files with `yaml.load`, which
    /// expects one document; use [`Loaded::expect_single`] to reject a
    /// second one as Ansible does.
    pub fn single(self) -> (Option<Node>, Vec<Warning>) {
        (self.docs.into_iter().next(), self.warnings)
    }

    /// Like [`Loaded::single`], but a second document is an error, as it is
    /// for Ansible's `yaml.load`.
    ///
    /// # Errors
    ///
    /// [`YamlError::MultipleDocuments`] pointing at the second document.
    pub fn expect_single(self) -> Result<(Option<Node>, Vec<Warning>), YamlError> {
        if let Some(second) = self.docs.get(1) {
            return Err(YamlError::MultipleDocuments {
                span: second.span.clone(),
            });
        }
        Ok(self.single())
    }
}

/// Loads YAML text as Ansible does (PyYAML 6, YAML 1.1, Ansible's tags).
///
/// `file` names the text in every [`Span`] (use the path the user gave).
/// Plain scalars are typed by the YAML 1.1 rules (`yes` is `true`, `0644`
/// is 420); quoted and block scalars stay strings. Duplicate keys keep the
/// last value and add a warning.
///
/// ```
/// use engine::yaml::{load_str, NodeKind};
/// let (doc, warnings) = load_str("mode: 0644\nlabel: '0644'\n", "vars.yml")?.single();
/// let doc = doc.expect("one document");
/// assert_eq!(doc.get("mode").map(|n| &n.kind), Some(&NodeKind::Int(420)));
/// assert_eq!(doc.get("label").and_then(|n| n.as_str()), Some("0644"));
/// assert!(warnings.is_empty());
/// # Ok::<(), engine::yaml::YamlError>(())
/// ```
///
/// # Errors
///
/// [`YamlError::Syntax`] for malformed YAML, and the other variants for
/// `!vault`, unknown tags or anchors, invalid typed scalars and bad keys.
pub fn load_str(text: &str, file: &str) -> Result<Loaded, YamlError> {
    load::load(text, Arc::from(file))
}

/// Reads and loads a YAML file; see [`load_str`]. Spans name the file as
/// `path` displays.
///
/// # Errors
///
/// [`YamlError::Io`] when the file cannot be read (or is not UTF-8), else
/// as [`load_str`].
pub fn load_file(path: &Path) -> Result<Loaded, YamlError> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| YamlError::Io {
        file: name.clone(),
        message: e.to_string(),
    })?;
    load::load(&text, Arc::from(name))
}

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

impl Node {
    /// The string inside `Str` or `Unsafe` (not dates: Ansible treats
    /// those as `date` objects, not text).
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Str(s) | NodeKind::Unsafe(s) => Some(s),
            _ => None,
        }
    }

    /// The mapping inside `Map`.
    pub fn as_map(&self) -> Option<&Mapping> {
        match &self.kind {
            NodeKind::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The items inside `Seq`.
    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.kind {
            NodeKind::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// The value under `key` when this node is a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?.get(key)
    }

    /// Whether this is `~`/`null`/empty.
    pub fn is_null(&self) -> bool {
        matches!(self.kind, NodeKind::Null)
    }

    /// The node's kind in words, for errors ("expected a mapping, found a
    /// string").
    pub fn kind_name(&self) -> &'static str {
        self.kind.name()
    }

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

impl NodeKind {
    /// The kind in words: `null`, `boolean`, `integer`, `float`, `string`,
    /// `date`, `sequence`, `mapping`.
    pub fn name(&self) -> &'static str {
        match self {
            NodeKind::Null => "null",
            NodeKind::Bool(_) => "boolean",
            NodeKind::Int(_) => "integer",
            NodeKind::Float(_) => "float",
            NodeKind::Str(_) | NodeKind::Unsafe(_) => "string",
            NodeKind::Date(_) => "date",
            NodeKind::Seq(_) => "sequence",
            NodeKind::Map(_) => "mapping",
        }
    }
}

impl Mapping {
    /// The value under `key`.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries.get(key).map(|e| &e.value)
    }

    /// The entry (key span and value) under `key`.
    pub fn entry(&self, key: &str) -> Option<&MapEntry> {
        self.entries.get(key)
    }

    /// Keys and values in document order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Node)> + '_ {
        self.entries.iter().map(|(k, e)| (k.as_str(), &e.value))
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no keys.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_accessors_follow_the_kind() {
        let text = "name: web\nports: [80, 443]\nvars: {a: 1}\nempty:\n";
        let (doc, warnings) = load_str(text, "n.yml").expect("loads").single();
        assert!(warnings.is_empty());
        let doc = doc.expect("a document");
        assert_eq!(doc.kind_name(), "mapping");
        assert_eq!(doc.get("name").and_then(Node::as_str), Some("web"));
        let ports = doc.get("ports").and_then(Node::as_seq).expect("a list");
        assert_eq!(
            ports.iter().map(Node::kind_name).collect::<Vec<_>>(),
            ["integer", "integer"]
        );
        let vars = doc.get("vars").and_then(Node::as_map).expect("a map");
        assert_eq!(vars.len(), 1);
        assert_eq!(vars.iter().map(|(k, _)| k).collect::<Vec<_>>(), ["a"]);
        assert!(doc.get("empty").is_some_and(Node::is_null));
        assert_eq!(doc.get("missing"), None);
        assert_eq!(doc.get("name").and_then(|n| n.get("x")), None);
    }

    #[test]
    fn an_empty_text_has_no_document() {
        let (doc, warnings) = load_str("# only a comment\n", "e.yml")
            .expect("loads")
            .single();
        assert_eq!(doc, None);
        assert!(warnings.is_empty());
    }

    #[test]
    fn unreadable_files_are_io_errors() {
        let err = load_file(Path::new("/nonexistent/dir/hosts.yml")).expect_err("missing");
        assert!(
            matches!(err, YamlError::Io { ref file, .. } if file == "/nonexistent/dir/hosts.yml")
        );
        assert!(
            err.to_string().starts_with("/nonexistent/dir/hosts.yml: "),
            "{err}"
        );
    }
}
