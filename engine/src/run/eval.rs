//! Templated keyword values evaluated for one host: conditions, booleans,
//! numbers, loop items and the `environment:` layers.

use crate::template::{Templar, Vars};
use crate::value::{Map, Value};

/// The first condition of `when` that is false, if any.
pub(crate) fn first_false(
    t: &Templar,
    when: &[String],
    vars: &Vars,
) -> Result<Option<String>, String> {
    for c in when {
        if !t.condition(c, vars).map_err(|e| e.to_string())? {
            return Ok(Some(c.clone()));
        }
    }
    Ok(None)
}

/// Whether every condition holds.
pub(crate) fn all_true(t: &Templar, conds: &[String], vars: &Vars) -> Result<bool, String> {
    Ok(first_false(t, conds, vars)?.is_none())
}

/// A templated boolean keyword (`become: "{{ x }}"`).
pub(crate) fn render_bool(t: &Templar, v: &Value, vars: &Vars) -> Result<bool, String> {
    let r = t.render_value(v, vars).map_err(|e| e.to_string())?;
    crate::modules::parse_bool(&r).ok_or_else(|| {
        format!(
            "expected a boolean, got `{}`",
            crate::report::python_repr(&r)
        )
    })
}

/// A templated number keyword (`retries`, `delay`); `None` when it does
/// not render to a number.
pub(crate) fn render_f64(t: &Templar, v: &Value, vars: &Vars) -> Option<f64> {
    match t.render_value(v, vars).ok()? {
        Value::Int(i) => Some(i as f64),
        Value::Float(f) => Some(f),
        Value::Str(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A templated integer keyword; `None` when it does not render to one.
pub(crate) fn render_int(t: &Templar, v: &Value, vars: &Vars) -> Option<i64> {
    match t.render_value(v, vars).ok()? {
        Value::Int(i) => Some(i),
        Value::Str(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The items of a `loop:` or `with_<lookup>:`.
pub(crate) fn loop_items(
    t: &Templar,
    spec: &crate::plan::LoopSpec,
    vars: &Vars,
) -> Result<Vec<Value>, String> {
    let rendered = t
        .render_value(&spec.items, vars)
        .map_err(|e| e.to_string())?;
    let list = match rendered {
        Value::List(l) => l,
        Value::Null if spec.lookup.is_some() => Vec::new(),
        other if spec.lookup.as_deref() == Some("dict") => vec![other],
        Value::Str(s) if spec.lookup.is_some() => vec![Value::Str(s)],
        other => {
            return Err(format!(
                "Invalid data passed to 'loop', it requires a list, got this instead: {}. Hint: If you passed a list/dict of just one element, try adding wantlist=True to your lookup invocation or use q/query instead of lookup.",
                crate::report::python_repr(&other)
            ))
        }
    };
    match spec.lookup.as_deref() {
        None | Some("list") => Ok(list),
        Some("items") => Ok(list
            .into_iter()
            .flat_map(|v| match v {
                Value::List(inner) => inner,
                other => vec![other],
            })
            .collect()),
        Some("dict") => {
            let mut out = Vec::new();
            for v in list {
                let Value::Map(m) = v else {
                    return Err("with_dict expects a dict".into());
                };
                for (k, v) in m {
                    let mut e = Map::new();
                    e.insert("key".into(), Value::Str(k));
                    e.insert("value".into(), v);
                    out.push(Value::Map(e));
                }
            }
            Ok(out)
        }
        Some("indexed_items") => Ok(list
            .into_iter()
            .enumerate()
            .map(|(i, v)| Value::List(vec![Value::Int(i as i64), v]))
            .collect()),
        Some(other) => t.lookup(other, &list, vars).map_err(|e| e.to_string()),
    }
}

/// The task's `environment:` layers, rendered and merged (inner wins).
pub(crate) fn environment(
    t: &Templar,
    layers: &[Value],
    vars: &Vars,
) -> Result<Vec<(String, String)>, String> {
    let mut env = Map::new();
    for layer in layers {
        match t.render_value(layer, vars).map_err(|e| e.to_string())? {
            Value::Map(m) => env.extend(m),
            Value::Null => {}
            other => {
                return Err(format!(
                    "environment must be a dict, got {}",
                    other.type_name()
                ))
            }
        }
    }
    Ok(env
        .into_iter()
        .map(|(k, v)| {
            let s = match &v {
                Value::Null => String::new(),
                other => crate::report::python_str(other),
            };
            (k, s)
        })
        .collect())
}

/// A templated integer keyword (`timeout`, `async`, `poll`, `throttle`)
/// converted as Ansible's `isa='int'` field does: integers, booleans,
/// and strings or floats holding a whole number; `None` when unset
/// (null). The error is Ansible's own text.
pub(crate) fn keyword_int(
    t: &Templar,
    name: &str,
    v: &Value,
    vars: &Vars,
) -> Result<Option<i64>, String> {
    let rendered = t.render_value(v, vars).map_err(|e| e.to_string())?;
    let whole = |f: f64| (f.fract() == 0.0 && f.is_finite()).then_some(f as i64);
    let n = match &rendered {
        Value::Null => return Ok(None),
        Value::Int(i) => Some(*i),
        Value::Bool(b) => Some(i64::from(*b)),
        Value::Float(f) => whole(*f),
        Value::Str(s) | Value::Unsafe(s) => {
            let s = s.trim();
            s.parse::<i64>()
                .ok()
                .or_else(|| s.parse::<f64>().ok().and_then(whole))
        }
        _ => None,
    };
    n.map(Some).ok_or_else(|| {
        format!(
            "Error processing keyword '{name}': The value {} could not be converted to 'int'.",
            crate::report::python_repr(&rendered)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn int_keywords_convert_as_ansible_does() {
        let t = Templar::new();
        let mut m = Map::new();
        m.insert("n".into(), Value::Int(3));
        let vars = Vars::new(Arc::new(m));
        let int = |v: Value| keyword_int(&t, "timeout", &v, &vars);
        assert_eq!(int(Value::Int(5)), Ok(Some(5)));
        assert_eq!(int(Value::Str("{{ n + 1 }}".into())), Ok(Some(4)));
        assert_eq!(int(Value::Str(" 7 ".into())), Ok(Some(7)));
        assert_eq!(int(Value::Float(2.0)), Ok(Some(2)));
        assert_eq!(int(Value::Null), Ok(None));
        assert_eq!(
            int(Value::Str("abc".into())),
            Err("Error processing keyword 'timeout': The value 'abc' could not be converted to 'int'.".into())
        );
        assert!(int(Value::Float(1.5)).is_err());
    }
}
