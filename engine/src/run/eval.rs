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
        Some(other) => t
            .loop_lookup(other, &list, vars, spec.subdir)
            .map_err(|e| e.to_string()),
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
