//! Conversions between [`crate::Value`] and `minijinja::Value`, and the
//! Python `repr` of template values.
//!
//! Conversions walk the value once, without a serde round trip: they run
//! for every variable a template touches. Python's `repr` is how Jinja2
//! prints a list or dict inside text (`['a', 1]`, `{'k': True}`), so the
//! template output formatter and the `string` filter use `py_repr`.

use crate::template::OMIT;
use crate::value::{Map, Value};
use minijinja::value::{Object, ObjectRepr, ValueKind};
use minijinja::Value as JValue;
use std::fmt::{self, Write};
use std::sync::Arc;

/// Converts an engine value into a template value.
///
/// `Unsafe` strings become minijinja "safe" strings: the engine never
/// auto-escapes, so that flag is free to carry Ansible's `!unsafe` through
/// templating (a lone `{{ x }}` of an unsafe `x` stays unsafe, and is not
/// templated again later, e.g. after `set_fact`). `Date` becomes its text.
pub fn to_jinja(v: &Value) -> JValue {
    match v {
        Value::Null => JValue::from(()),
        Value::Bool(b) => JValue::from(*b),
        Value::Int(i) => JValue::from(*i),
        Value::Float(f) => JValue::from(*f),
        Value::Str(s) if s == OMIT => omit(),
        Value::Unsafe(s) => JValue::from_safe_string(s.clone()),
        Value::Str(s) | Value::Date(s) => JValue::from(s.as_str()),
        Value::List(items) => items.iter().map(to_jinja).collect(),
        Value::Map(map) => JValue::from_pairs(map.iter().map(|(k, v)| (k.as_str(), to_jinja(v)))),
    }
}

/// Where a list or dict `v` holds an undefined value, as a subscript path
/// (`[1]`, `['a'][0]`); `None` when it holds none (or is not a container).
pub(crate) fn undefined_inside(v: &JValue) -> Option<String> {
    match v.kind() {
        ValueKind::Seq => v
            .try_iter()
            .ok()?
            .enumerate()
            .find_map(|(i, item)| match item.kind() {
                ValueKind::Undefined => Some(format!("[{i}]")),
                _ => undefined_inside(&item).map(|rest| format!("[{i}]{rest}")),
            }),
        ValueKind::Map => v.try_iter().ok()?.find_map(|key| {
            let item = v.get_item(&key).unwrap_or_default();
            let here = format!("[{}]", crate::report::python_repr(&from_jinja(&key)));
            match item.kind() {
                ValueKind::Undefined => Some(here),
                _ => undefined_inside(&item).map(|rest| format!("{here}{rest}")),
            }
        }),
        _ => None,
    }
}

/// Converts a template value back into an engine value.
///
/// Undefined becomes `None` here; callers that must reject undefined results
/// check before converting ([`undefined_inside`]). Map keys that are not strings are written as
/// `json.dumps` would (`1`, `true`, `null`), the convention of [`Map`].
pub fn from_jinja(v: &JValue) -> Value {
    match v.kind() {
        ValueKind::Undefined | ValueKind::None => Value::Null,
        ValueKind::Bool => Value::Bool(v.is_true()),
        ValueKind::Number => number(v),
        ValueKind::String if v.is_safe() => {
            Value::Unsafe(v.as_str().unwrap_or_default().to_owned())
        }
        ValueKind::String => Value::Str(v.as_str().unwrap_or_default().to_owned()),
        ValueKind::Bytes => {
            Value::Str(String::from_utf8_lossy(v.as_bytes().unwrap_or_default()).into_owned())
        }
        ValueKind::Seq | ValueKind::Iterable => Value::List(match v.try_iter() {
            Ok(iter) => iter.map(|item| from_jinja(&item)).collect(),
            Err(_) => Vec::new(),
        }),
        ValueKind::Map => {
            let mut map = Map::new();
            if let Ok(keys) = v.try_iter() {
                for key in keys {
                    let item = v.get_item(&key).unwrap_or_default();
                    map.insert(key_text(&key), from_jinja(&item));
                }
            }
            Value::Map(map)
        }
        _ => {
            if is_omit(v) {
                Value::Str(OMIT.to_owned())
            } else {
                Value::Str(v.to_string())
            }
        }
    }
}

/// Converts parsed JSON (or YAML through serde) into a template value.
pub(crate) fn json_to_jinja(v: serde_json::Value) -> JValue {
    use serde_json::Value as J;
    match v {
        J::Null => JValue::from(()),
        J::Bool(b) => JValue::from(b),
        J::Number(n) => match n.as_i64() {
            Some(i) => JValue::from(i),
            None => JValue::from(n.as_f64().unwrap_or(f64::NAN)),
        },
        J::String(s) => JValue::from(s),
        J::Array(items) => items.into_iter().map(json_to_jinja).collect(),
        J::Object(map) => JValue::from_pairs(map.into_iter().map(|(k, v)| (k, json_to_jinja(v)))),
    }
}

fn number(v: &JValue) -> Value {
    if v.is_integer() {
        if let Some(i) = v.as_i64() {
            return Value::Int(i);
        }
    }
    match f64::try_from(v.clone()) {
        Ok(f) => Value::Float(f),
        Err(_) => Value::Str(v.to_string()),
    }
}

/// The text a map key takes in an engine [`Map`].
pub(crate) fn key_text(key: &JValue) -> String {
    match key.kind() {
        ValueKind::String => key.as_str().unwrap_or_default().to_owned(),
        ValueKind::None | ValueKind::Undefined => "null".to_owned(),
        ValueKind::Bool => if key.is_true() { "true" } else { "false" }.to_owned(),
        _ => key.to_string(),
    }
}

/// The `omit` placeholder as a template value: an object so that
/// `omit is string` is false (as in ansible-core 2.19), which renders as the
/// [`OMIT`] text and converts back to it.
pub(crate) fn omit() -> JValue {
    JValue::from_object(Omit)
}

/// Whether `v` is the `omit` placeholder.
pub(crate) fn is_omit(v: &JValue) -> bool {
    v.downcast_object_ref::<Omit>().is_some()
}

#[derive(Debug)]
struct Omit;

impl Object for Omit {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }

    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(OMIT)
    }
}

/// Python's `str()` of a value: strings as they are, everything else as
/// [`py_repr`]. This is what `{{ x }}` prints inside text.
pub(crate) fn py_str(out: &mut String, v: &JValue) {
    match v.kind() {
        ValueKind::String => out.push_str(v.as_str().unwrap_or_default()),
        _ => py_repr(out, v),
    }
}

/// Python's `repr()` of a value (`True`, `None`, `'a'`, `[1, 'b']`,
/// `{'k': 1.5}`).
pub(crate) fn py_repr(out: &mut String, v: &JValue) {
    match v.kind() {
        ValueKind::Undefined | ValueKind::None => out.push_str("None"),
        ValueKind::Bool => out.push_str(if v.is_true() { "True" } else { "False" }),
        ValueKind::Number => match number(v) {
            Value::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Value::Float(f) => out.push_str(&py_float(f)),
            _ => {
                let _ = write!(out, "{v}");
            }
        },
        ValueKind::String => py_str_repr(out, v.as_str().unwrap_or_default()),
        ValueKind::Seq | ValueKind::Iterable => {
            out.push('[');
            if let Ok(iter) = v.try_iter() {
                for (i, item) in iter.enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    py_repr(out, &item);
                }
            }
            out.push(']');
        }
        ValueKind::Map => {
            out.push('{');
            if let Ok(keys) = v.try_iter() {
                for (i, key) in keys.enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    py_repr(out, &key);
                    out.push_str(": ");
                    py_repr(out, &v.get_item(&key).unwrap_or_default());
                }
            }
            out.push('}');
        }
        _ => {
            let _ = write!(out, "{v}");
        }
    }
}

/// Python's `repr()` of a float (shared with [`crate::value`]).
pub(crate) fn py_float(f: f64) -> String {
    crate::value::py_float_repr(f)
}

/// Python's `repr()` of a string (the one implementation lives in `value`).
fn py_str_repr(out: &mut String, s: &str) {
    out.push_str(&crate::value::py_str_repr(s));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repr(v: JValue) -> String {
        let mut out = String::new();
        py_repr(&mut out, &v);
        out
    }

    #[test]
    fn repr_matches_python() {
        let v = to_jinja(&Value::List(vec![
            Value::from("a"),
            Value::Int(1),
            Value::Bool(true),
            Value::Null,
            Value::Float(2.0),
        ]));
        assert_eq!(repr(v), "['a', 1, True, None, 2.0]");
        assert_eq!(repr(JValue::from("it's")), "\"it's\"");
        assert_eq!(py_float(1e16), "1e+16");
        assert_eq!(py_float(1.5e-5), "1.5e-05");
        assert_eq!(py_float(0.1), "0.1");
    }

    #[test]
    fn round_trip_keeps_types_and_order() {
        let mut map = Map::new();
        map.insert("z".into(), Value::Int(1));
        map.insert(
            "a".into(),
            Value::List(vec![Value::Float(1.5), Value::Null]),
        );
        let v = Value::Map(map);
        assert_eq!(from_jinja(&to_jinja(&v)), v);
        assert_eq!(
            from_jinja(&to_jinja(&Value::Str(OMIT.into()))),
            Value::Str(OMIT.into())
        );
    }
}
