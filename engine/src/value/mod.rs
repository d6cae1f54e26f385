//! [`Value`]: variable data as Ansible's Python sees it, without spans.
//!
//! Inventories, vars files, extra vars, facts and registered results all
//! become `Value`s. YAML typing (YAML 1.1) happens before this point, in
//! [`crate::yaml`]; templating converts `Value`s to `minijinja::Value`s in
//! [`crate::template`]. Maps keep insertion order, as Python dicts do.
//!
//! Printing follows Python byte for byte, since Ansible's outputs are
//! Python's: [`Value::to_json`] is `json.dumps`, [`Value::py_repr`] is
//! `repr()`, [`Value::py_str`] is `str()`; YAML output is
//! [`crate::yaml::dump`].

mod json;
mod pyrepr;

pub use json::{py_float_json, JsonOptions};
pub use pyrepr::{py_float_repr, py_str_repr};

use indexmap::IndexMap;

/// An ordered map with string keys (Python dict order).
///
/// Ansible allows non-string scalar keys (`{1: a}`); they are kept as the
/// text `json.dumps` gives them (`"1"`, `"true"`, `"null"`), the form every
/// output of Ansible shows them in.
pub type Map = IndexMap<String, Value>;

/// One variable value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `None` / YAML `~`, `null`.
    Null,
    /// `True` / `False`.
    Bool(bool),
    /// A Python int (in i64 range).
    Int(i64),
    /// A Python float.
    Float(f64),
    /// A string that templating may expand.
    Str(String),
    /// A string tagged `!unsafe`: kept verbatim, never templated.
    Unsafe(String),
    /// A YAML timestamp, kept as the ISO text Python's `isoformat()` gives.
    Date(String),
    /// A list.
    List(Vec<Value>),
    /// A dict.
    Map(Map),
}

impl Value {
    /// The string inside `Str`, `Unsafe` or `Date`.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) | Value::Unsafe(s) | Value::Date(s) => Some(s),
            _ => None,
        }
    }

    /// The map inside `Map`.
    pub fn as_map(&self) -> Option<&Map> {
        match self {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The list inside `List`.
    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(l) => Some(l),
            _ => None,
        }
    }

    /// Python's name for the type, for error messages (`str`, `dict`, ...).
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "NoneType",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) | Value::Unsafe(_) => "str",
            Value::Date(_) => "date",
            Value::List(_) => "list",
            Value::Map(_) => "dict",
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Str(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Str(s)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Value {
        Value::Int(i)
    }
}
