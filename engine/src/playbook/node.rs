//! Typed reads of keyword values from YAML [`Node`]s, shared by every
//! parser in this layer: each returns the value or a
//! [`PlaybookError::BadKeywordType`] pointing at the node.
//!
//! These only look at [`NodeKind`], so they hold for any YAML shape: a
//! fuzz-safe parser is one where every read goes through here.

use super::error::PlaybookError;
use crate::source::Span;
use crate::yaml::{Mapping, Node, NodeKind};

/// A value with the place it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Where it was written.
    pub span: Span,
}

impl<T> Spanned<T> {
    /// Pairs a value with its span.
    pub fn new(value: T, span: Span) -> Spanned<T> {
        Spanned { value, span }
    }
}

/// A boolean keyword (`become`, `ignore_errors`, ...): typed when written
/// as a boolean, kept for the template layer when written as `{{ ... }}`.
#[derive(Clone, Debug, PartialEq)]
pub enum Flag {
    /// A literal boolean (`yes`, `true`, `"on"`, `1`).
    Bool(bool),
    /// A template, decided per host at run time.
    Template(String),
    /// A literal that is not a boolean (`maybe`, `2`), as Python shows it
    /// (`'maybe'`): ansible-core fails the task that reaches it, when it
    /// post-validates the task's keywords (after its `when`).
    NotBool(String),
}

impl Flag {
    /// Ansible's error for a [`Flag::NotBool`] of `keyword`.
    pub fn error(&self, keyword: &str) -> Option<String> {
        match self {
            Flag::NotBool(value) => Some(format!(
                "Error processing keyword '{keyword}': The value {value} could not be converted to 'bool'."
            )),
            _ => None,
        }
    }
}

/// The YAML type of a node, as error messages name it.
pub(crate) fn kind_name(node: &Node) -> &'static str {
    match node.kind {
        NodeKind::Null => "null",
        NodeKind::Bool(_) => "a boolean",
        NodeKind::Int(_) => "an integer",
        NodeKind::Float(_) => "a float",
        NodeKind::Str(_) | NodeKind::Unsafe(_) => "a string",
        NodeKind::Date(_) => "a date",
        NodeKind::Seq(_) => "a list",
        NodeKind::Map(_) => "a mapping",
    }
}

pub(crate) fn bad_type(keyword: &str, expected: &'static str, node: &Node) -> PlaybookError {
    PlaybookError::BadKeywordType {
        keyword: keyword.to_owned(),
        expected,
        found: kind_name(node),
        span: node.span.clone(),
    }
}

/// Whether a string holds Jinja (`{{`, `{%`): such values wait for templating.
pub(crate) fn is_template(text: &str) -> bool {
    text.contains("{{") || text.contains("{%")
}

/// A scalar as Python's `str()` shows it; `None` for collections and null.
pub(crate) fn scalar_text(node: &Node) -> Option<String> {
    match &node.kind {
        NodeKind::Str(s) | NodeKind::Unsafe(s) | NodeKind::Date(s) => Some(s.clone()),
        NodeKind::Int(i) => Some(i.to_string()),
        NodeKind::Float(f) => Some(python_float(*f)),
        NodeKind::Bool(true) => Some("True".to_owned()),
        NodeKind::Bool(false) => Some("False".to_owned()),
        NodeKind::Null | NodeKind::Seq(_) | NodeKind::Map(_) => None,
    }
}

fn python_float(f: f64) -> String {
    if f.is_nan() {
        "nan".to_owned()
    } else if f.is_infinite() {
        if f > 0.0 { "inf" } else { "-inf" }.to_owned()
    } else if f.fract() == 0.0 && f.abs() < 1e16 {
        format!("{f:.1}")
    } else {
        format!("{f}")
    }
}

/// A string keyword; scalars of other types become their text, as Ansible's
/// `isa='string'` attributes do.
pub(crate) fn string(keyword: &str, node: &Node) -> Result<Spanned<String>, PlaybookError> {
    scalar_text(node)
        .map(|s| Spanned::new(s, node.span.clone()))
        .ok_or_else(|| bad_type(keyword, "a string", node))
}

/// A string keyword that may also be null (`name:` with nothing after it).
pub(crate) fn opt_string(
    keyword: &str,
    node: &Node,
) -> Result<Option<Spanned<String>>, PlaybookError> {
    match node.kind {
        NodeKind::Null => Ok(None),
        _ => string(keyword, node).map(Some),
    }
}

/// A boolean keyword. A literal is read by the same parser a templated
/// value meets at run time ([`crate::modules::parse_bool`], ansible-core's
/// strict `boolean()`); any other literal (`maybe`, `2`) fails every task
/// it reaches in Ansible, so it is refused before the run.
pub(crate) fn flag(keyword: &str, node: &Node) -> Result<Spanned<Flag>, PlaybookError> {
    let f = keyword_flag(keyword, node)?;
    match f.value {
        Flag::NotBool(value) => Err(PlaybookError::NotABoolean {
            keyword: keyword.to_owned(),
            value,
            span: f.span,
        }),
        _ => Ok(f),
    }
}

/// A task, block or play keyword that the tasks under it carry: as
/// [`flag`], but a literal that is not a boolean is kept as
/// [`Flag::NotBool`], to fail the task a host reaches, as ansible-core
/// post-validates it there (see `TaskStep::reach_error`).
pub(crate) fn keyword_flag(keyword: &str, node: &Node) -> Result<Spanned<Flag>, PlaybookError> {
    let value = match &node.kind {
        NodeKind::Null => Flag::Bool(false),
        NodeKind::Str(s) | NodeKind::Unsafe(s) if is_template(s) => Flag::Template(s.clone()),
        NodeKind::Bool(_)
        | NodeKind::Int(_)
        | NodeKind::Float(_)
        | NodeKind::Str(_)
        | NodeKind::Unsafe(_) => {
            let literal = node.to_value();
            match crate::modules::parse_bool(&literal) {
                Some(b) => Flag::Bool(b),
                None => Flag::NotBool(crate::report::python_repr(&literal)),
            }
        }
        _ => return Err(bad_type(keyword, "a boolean", node)),
    };
    Ok(Spanned::new(value, node.span.clone()))
}

/// A list of names written as one string or a list of strings (`notify`,
/// `listen`, `collections`).
pub(crate) fn string_list(
    keyword: &str,
    node: &Node,
) -> Result<Vec<Spanned<String>>, PlaybookError> {
    match &node.kind {
        NodeKind::Null => Ok(Vec::new()),
        NodeKind::Seq(items) => items.iter().map(|n| string(keyword, n)).collect(),
        _ => string(keyword, node).map(|s| vec![s]),
    }
}

/// `tags`: a comma-separated string, a scalar, or a list of those (each
/// list item is split on commas too, as Ansible does).
pub(crate) fn tags(node: &Node) -> Result<Vec<Spanned<String>>, PlaybookError> {
    fn push(out: &mut Vec<Spanned<String>>, node: &Node) -> Result<(), PlaybookError> {
        let text = scalar_text(node).ok_or_else(|| bad_type("tags", "a string or list", node))?;
        for part in text.split(',') {
            let part = part.trim();
            if !part.is_empty() {
                out.push(Spanned::new(part.to_owned(), node.span.clone()));
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    match &node.kind {
        NodeKind::Null => {}
        NodeKind::Seq(items) => {
            for item in items {
                push(&mut out, item)?;
            }
        }
        _ => push(&mut out, node)?,
    }
    Ok(out)
}

/// A mapping keyword (`vars`, `loop_control`).
pub(crate) fn mapping<'n>(keyword: &str, node: &'n Node) -> Result<&'n Mapping, PlaybookError> {
    match &node.kind {
        NodeKind::Map(m) => Ok(m),
        _ => Err(bad_type(keyword, "a mapping", node)),
    }
}

/// A list of task entries (`tasks`, `block`, `rescue`, ...): null is empty.
pub(crate) fn task_list<'n>(keyword: &str, node: &'n Node) -> Result<&'n [Node], PlaybookError> {
    match &node.kind {
        NodeKind::Null => Ok(&[]),
        NodeKind::Seq(items) => Ok(items),
        _ => Err(bad_type(keyword, "a list", node)),
    }
}

/// The string inside a string node.
pub(crate) fn as_str(node: &Node) -> Option<&str> {
    match &node.kind {
        NodeKind::Str(s) | NodeKind::Unsafe(s) => Some(s),
        _ => None,
    }
}

/// A string node built by the parser (free-form arguments split from a
/// scalar keep the scalar's span).
pub(crate) fn str_node(text: impl Into<String>, span: Span) -> Node {
    Node {
        kind: NodeKind::Str(text.into()),
        span,
    }
}
