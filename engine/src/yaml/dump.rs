//! YAML text as Ansible prints it: PyYAML's representer and libyaml's
//! emitter (`yaml.dump` with Ansible's `AnsibleDumper`, a `CSafeDumper`).
//!
//! `ansible-inventory --yaml` calls `yaml.dump(data, default_flow_style=False,
//! allow_unicode=True)` (keys sorted), `to_yaml` leaves `default_flow_style`
//! at `None` (collections holding only scalars in flow style) and
//! `to_nice_yaml` is the block style with `indent=4`. The emitter's choices
//! are reproduced: a string that would read back as another type is quoted
//! (`'yes'`, `'0644'`, `''`), line breaks force quotes, characters libyaml
//! deems unprintable (tabs, emoji) force double quotes with escapes, long
//! scalars and flow collections wrap after column 80, and block sequences
//! under a mapping key are not indented.
//!
//! Deviation: keys are strings here, so keys that were numbers in Python
//! sort and quote as strings (`'1': a`).

use super::analysis::{Analysis, ScalarStyle};
use super::emitter::{is_break, Emitter, BEST_WIDTH};
use super::resolve::{implicit, Implicit};
use crate::value::{py_float_repr, Value};
use std::borrow::Cow;

/// How [`dump`] lays out collections.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DumpStyle {
    /// `default_flow_style=False`, indent 2: block collections everywhere
    /// (`ansible-inventory --yaml`).
    Block,
    /// `default_flow_style=None`: collections of scalars only in flow style
    /// (`to_yaml`).
    Flow,
    /// Block style with another indent (`to_nice_yaml` uses 4; PyYAML
    /// accepts 2 to 9, others fall back to 2).
    Nice {
        /// Spaces per level.
        indent: usize,
    },
}

/// Writes `value` as one YAML document, byte for byte as Ansible's
/// `yaml.dump` would (keys sorted, Unicode kept, 80-column wrapping).
///
/// ```
/// use engine::value::Value;
/// use engine::yaml::{dump, DumpStyle};
/// let v = Value::Map([("mode".to_owned(), Value::from("0644"))].into_iter().collect());
/// assert_eq!(dump(&v, DumpStyle::Block), "mode: '0644'\n");
/// ```
pub fn dump(value: &Value, style: DumpStyle) -> String {
    let (indent, auto_flow) = match style {
        DumpStyle::Block => (2, false),
        DumpStyle::Flow => (2, true),
        DumpStyle::Nice { indent } if (2..=9).contains(&indent) => (indent, false),
        DumpStyle::Nice { .. } => (2, false),
    };
    let mut emitter = Emitter::new(indent, auto_flow);
    emitter.node(value, Context::Root);
    emitter.write_indent();
    emitter.out
}

/// Where a node sits (libyaml's root/mapping/simple-key contexts).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    Root,
    Sequence,
    MappingValue,
    /// A key written as `key:`.
    SimpleKey,
    /// A key written after `? `.
    ComplexKey,
}

/// A scalar as the representer gives it to the emitter.
struct Scalar<'a> {
    text: Cow<'a, str>,
    /// A `str` (quoting keeps it a string) as opposed to a typed value
    /// whose plain text already resolves to its type.
    is_str: bool,
}

impl Emitter {
    fn node(&mut self, value: &Value, ctx: Context) {
        match value {
            Value::List(items) => {
                let flow = self.flow_level > 0
                    || items.is_empty()
                    || (self.auto_flow && items.iter().all(is_scalar));
                if flow {
                    self.flow_sequence(items);
                } else {
                    self.block_sequence(items, ctx);
                }
            }
            Value::Map(map) => {
                let mut entries: Vec<(&String, &Value)> = map.iter().collect();
                entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
                let flow = self.flow_level > 0
                    || entries.is_empty()
                    || (self.auto_flow && entries.iter().all(|(_, v)| is_scalar(v)));
                if flow {
                    self.flow_mapping(&entries);
                } else {
                    self.block_mapping(&entries);
                }
            }
            scalar => self.scalar(&represent(scalar), ctx),
        }
    }

    fn block_sequence(&mut self, items: &[Value], ctx: Context) {
        // A sequence that is a mapping value starts at the key's column.
        let indentless = ctx == Context::MappingValue && !self.indention;
        self.increase_indent(false, indentless);
        for item in items {
            self.write_indent();
            self.write_indicator("-", true, false, true);
            self.node(item, Context::Sequence);
        }
        self.pop_indent();
    }

    fn block_mapping(&mut self, entries: &[(&String, &Value)]) {
        self.increase_indent(false, false);
        for (key, value) in entries {
            self.write_indent();
            let key = Scalar {
                text: Cow::Borrowed(key.as_str()),
                is_str: true,
            };
            if is_simple_key(&key.text) {
                self.scalar(&key, Context::SimpleKey);
                self.write_indicator(":", false, false, false);
            } else {
                self.write_indicator("?", true, false, true);
                self.scalar(&key, Context::ComplexKey);
                self.write_indent();
                self.write_indicator(":", true, false, true);
            }
            self.node(value, Context::MappingValue);
        }
        self.pop_indent();
    }

    fn flow_sequence(&mut self, items: &[Value]) {
        self.write_indicator("[", true, true, false);
        self.increase_indent(true, false);
        self.flow_level += 1;
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.write_indicator(",", false, false, false);
            }
            if self.column > BEST_WIDTH {
                self.write_indent();
            }
            self.node(item, Context::Sequence);
        }
        self.flow_level -= 1;
        self.pop_indent();
        self.write_indicator("]", false, false, false);
    }

    fn flow_mapping(&mut self, entries: &[(&String, &Value)]) {
        self.write_indicator("{", true, true, false);
        self.increase_indent(true, false);
        self.flow_level += 1;
        for (i, (key, value)) in entries.iter().enumerate() {
            if i > 0 {
                self.write_indicator(",", false, false, false);
            }
            if self.column > BEST_WIDTH {
                self.write_indent();
            }
            let key = Scalar {
                text: Cow::Borrowed(key.as_str()),
                is_str: true,
            };
            if is_simple_key(&key.text) {
                self.scalar(&key, Context::SimpleKey);
                self.write_indicator(":", false, false, false);
            } else {
                self.write_indicator("?", true, false, false);
                self.scalar(&key, Context::ComplexKey);
                if self.column > BEST_WIDTH {
                    self.write_indent();
                }
                self.write_indicator(":", true, false, false);
            }
            self.node(value, Context::MappingValue);
        }
        self.flow_level -= 1;
        self.pop_indent();
        self.write_indicator("}", false, false, false);
    }

    fn scalar(&mut self, scalar: &Scalar<'_>, ctx: Context) {
        let text = scalar.text.as_ref();
        let analysis = Analysis::of(text);
        let simple_key = ctx == Context::SimpleKey;
        // Plain text that would read back as another type is not allowed
        // for a string; a typed value's plain text is its own type.
        let plain_implicit = !scalar.is_str || implicit(text) == Implicit::Str;
        let style = analysis.style(self.flow_level > 0, simple_key, plain_implicit);
        if !scalar.is_str && style != ScalarStyle::Plain {
            // libyaml marks a quoted non-string with the non-specific tag.
            if !self.whitespace {
                self.put(' ');
            }
            self.put('!');
            self.whitespace = false;
            self.indention = false;
        }
        self.increase_indent(true, false);
        let breaks = !simple_key;
        match style {
            ScalarStyle::Plain => self.write_plain(text, breaks),
            ScalarStyle::Single => self.write_single_quoted(text, breaks),
            ScalarStyle::Double => self.write_double_quoted(text, breaks),
        }
        self.pop_indent();
    }
}

fn is_scalar(value: &Value) -> bool {
    !matches!(value, Value::List(_) | Value::Map(_))
}

/// libyaml writes `key:` for keys shorter than 128 bytes on one line, and
/// `? key` otherwise.
fn is_simple_key(text: &str) -> bool {
    text.len() <= 128 && !text.chars().any(is_break)
}

/// PyYAML's `SafeRepresenter`: the text of a non-collection value.
fn represent(value: &Value) -> Scalar<'_> {
    let typed = |text: String| Scalar {
        text: Cow::Owned(text),
        is_str: false,
    };
    match value {
        Value::Str(s) | Value::Unsafe(s) => Scalar {
            text: Cow::Borrowed(s),
            is_str: true,
        },
        Value::Null => typed("null".into()),
        Value::Bool(b) => typed(if *b { "true" } else { "false" }.into()),
        Value::Int(i) => typed(i.to_string()),
        Value::Float(f) => typed(represent_float(*f)),
        // `date.isoformat()`; a datetime as `isoformat(' ')`.
        Value::Date(iso) => typed(iso.replacen('T', " ", 1)),
        Value::List(_) | Value::Map(_) => typed(String::new()),
    }
}

/// `repr(f).lower()` with `.0` added before a bare exponent (`1.0e+16`),
/// `.inf`, `-.inf`, `.nan`.
fn represent_float(f: f64) -> String {
    if f.is_nan() {
        return ".nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { ".inf" } else { "-.inf" }.into();
    }
    let repr = py_float_repr(f);
    if !repr.contains('.') && repr.contains('e') {
        repr.replacen('e', ".0e", 1)
    } else {
        repr
    }
}
