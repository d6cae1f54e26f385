//! Templated keyword values evaluated for one host: conditions, booleans,
//! numbers, loop items and the `environment:` layers.

use crate::template::{Templar, TemplateError, Vars, OMIT};
use crate::value::{Map, Value};

/// The first condition of `when` that is false, if any.
pub(crate) fn first_false<'c, C: AsRef<str>>(
    t: &Templar,
    when: &'c [C],
    vars: &Vars,
) -> Result<Option<&'c C>, String> {
    for c in when {
        if !t.condition(c.as_ref(), vars).map_err(|e| e.to_string())? {
            return Ok(Some(c));
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

/// Whether `task` hides its result and its commands (`no_log`) for
/// `vars`. A `no_log` that does not render hides them: a secret is worth
/// more than an error message.
pub(crate) fn no_log(t: &Templar, task: &crate::plan::TaskStep, vars: &Vars) -> bool {
    task.no_log
        .as_ref()
        .is_some_and(|v| render_bool(t, v, vars).unwrap_or(true))
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
        // `with_<lookup>`: terms that are not a list are one term
        // (ansible-core 2.19's `_get_loop_items`).
        other if spec.lookup.is_some() => vec![other],
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
                    // ansible-core's dict lookup words it so (the stray
                    // parenthesis is its own).
                    return Err(format!(
                        "the 'dict' lookup plugin expects a dictionary, got '{}' of type <class '{}'>)",
                        crate::report::python_str(&v),
                        v.type_name()
                    ));
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
        // `_flatten`ed one level, then numbered.
        Some("indexed_items") => Ok(list
            .into_iter()
            .flat_map(|v| match v {
                Value::List(inner) => inner,
                other => vec![other],
            })
            .enumerate()
            .map(|(i, v)| Value::List(vec![Value::Int(i as i64), v]))
            .collect()),
        Some(other) => t
            .loop_lookup(other, &list, vars, spec.subdir)
            .map_err(|e| e.to_string()),
    }
}

/// `loop_control` resolved for one host's run of a task (Ansible
/// templates it once, before the first item).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct LoopSettings {
    /// `loop_var` (default `item`).
    pub loop_var: String,
    /// `index_var`.
    pub index_var: Option<String>,
    /// Seconds to wait between items.
    pub pause: f64,
    /// `extended`: `ansible_loop` in the vars and in each item's result.
    pub extended: bool,
    /// `extended_allitems` (default true): `ansible_loop.allitems`.
    pub allitems: bool,
}

/// Resolves `lc` with `vars`.
pub(crate) fn loop_settings(
    t: &Templar,
    lc: &crate::plan::LoopControl,
    vars: &Vars,
) -> Result<LoopSettings, String> {
    let name = |v: &Option<String>| -> Result<Option<String>, String> {
        match v {
            Some(s) if s.contains("{{") => t
                .render_string(s, vars)
                .map(Some)
                .map_err(|e| e.to_string()),
            other => Ok(other.clone()),
        }
    };
    let pause = match &lc.pause {
        None => 0.0,
        Some(v) => render_f64(t, v, vars).ok_or_else(|| {
            format!(
                "Error processing keyword 'pause': The value {} could not be converted to 'float'.",
                crate::report::python_repr(v)
            )
        })?,
    };
    let flag = |v: &Option<Value>, default: bool| match v {
        None => Ok(default),
        Some(v) => render_bool(t, v, vars),
    };
    Ok(LoopSettings {
        loop_var: name(&lc.loop_var)?.unwrap_or_else(|| "item".to_owned()),
        index_var: name(&lc.index_var)?,
        pause: pause.clamp(0.0, 3600.0),
        extended: flag(&lc.extended, false)?,
        allitems: flag(&lc.extended_allitems, true)?,
    })
}

/// `ansible_loop` for item `index` of `items`, as Ansible builds it.
pub(crate) fn ansible_loop(index: usize, items: &[Value], allitems: bool) -> Value {
    let len = items.len() as i64;
    let i = index as i64;
    let mut m = Map::new();
    for (k, v) in [
        ("index", Value::Int(i + 1)),
        ("index0", Value::Int(i)),
        ("first", Value::Bool(i == 0)),
        ("last", Value::Bool(i + 1 == len)),
        ("length", Value::Int(len)),
        ("revindex", Value::Int(len - i)),
        ("revindex0", Value::Int(len - i - 1)),
    ] {
        m.insert(k.into(), v);
    }
    if allitems {
        m.insert("allitems".into(), Value::List(items.to_vec()));
    }
    if let Some(next) = items.get(index + 1) {
        m.insert("nextitem".into(), next.clone());
    }
    if index > 0 {
        m.insert("previtem".into(), items[index - 1].clone());
    }
    Value::Map(m)
}

/// The vars Ansible sets for item `index` of `items`: the loop var,
/// `ansible_loop_var`, the index var and `ansible_index_var`, and with
/// `extended` `ansible_loop`.
pub(crate) fn loop_keys(ls: &LoopSettings, index: usize, items: &[Value]) -> Map {
    let mut m = Map::new();
    m.insert(ls.loop_var.clone(), items[index].clone());
    m.insert("ansible_loop_var".into(), Value::Str(ls.loop_var.clone()));
    if let Some(ix) = &ls.index_var {
        m.insert(ix.clone(), Value::Int(index as i64));
        m.insert("ansible_index_var".into(), Value::Str(ix.clone()));
    }
    if ls.extended {
        m.insert(
            "ansible_loop".into(),
            ansible_loop(index, items, ls.allitems),
        );
    }
    m
}

/// The task's `environment:` layers, rendered and merged (inner wins),
/// as ansible-core's `Task._post_validate_environment` does: the keyword is
/// a list field (a mapping is a one-item list; play, block and task items
/// are joined outer first); a mapping item is templated key by key, a key
/// whose value is `omit` or an undefined `ansible_env…` is skipped (facts
/// that gathering has yet to give); any other item is templated whole and
/// skipped when `omit`. An item that templates to anything but a mapping
/// fails the task, as the action's "environment must be a dictionary" does.
pub(crate) fn environment(
    t: &Templar,
    layers: &[Value],
    vars: &Vars,
) -> Result<Vec<(String, String)>, String> {
    let mut env = Map::new();
    let items = layers.iter().flat_map(|layer| match layer {
        Value::List(items) => items.iter().collect::<Vec<_>>(),
        other => vec![other],
    });
    for item in items {
        match item {
            Value::Map(m) => {
                for (k, v) in m {
                    match t.render_value(v, vars) {
                        Ok(r) if r.as_str() == Some(OMIT) => {}
                        Ok(r) => {
                            env.insert(k.clone(), r);
                        }
                        Err(TemplateError::UndefinedVariable { ref name, .. })
                            if name.contains("ansible_env")
                                || name.contains("ansible_facts.env") => {}
                        Err(e) => return Err(e.to_string()),
                    }
                }
            }
            Value::Null => {}
            other => match t.render_value(other, vars).map_err(|e| e.to_string())? {
                Value::Map(m) => env.extend(m),
                Value::Null => {}
                r if r.as_str() == Some(OMIT) => {}
                r => {
                    return Err(format!(
                        "environment must be a dictionary, received {} ({})",
                        crate::report::python_str(&r),
                        r.type_name()
                    ))
                }
            },
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

    /// `environment:` as a list (ansible-core's list field): items merge in
    /// order, an `omit` item and an `omit` value are skipped, an undefined
    /// `ansible_env` value is skipped (facts not yet gathered), other
    /// undefined values and non-mapping items fail.
    #[test]
    fn environment_list_form_merges_and_skips_omit() {
        let t = Templar::new();
        let mut m = Map::new();
        m.insert("omit".into(), Value::Str(OMIT.into()));
        m.insert("who".into(), Value::Str("me".into()));
        let vars = Vars::new(Arc::new(m));
        let map = |pairs: &[(&str, &str)]| {
            Value::Map(
                pairs
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), Value::Str((*v).into())))
                    .collect(),
            )
        };
        let layers = [Value::List(vec![
            map(&[("NOTHERE", "{{ omit }}"), ("IAMHERE", "hello")]),
            Value::Str("{{ omit }}".into()),
            map(&[("ANOTHER", "{{ who }}"), ("P", "{{ ansible_env.PATH }}:/x")]),
        ])];
        let env = environment(&t, &layers, &vars).unwrap();
        assert_eq!(
            env,
            vec![
                ("IAMHERE".to_owned(), "hello".to_owned()),
                ("ANOTHER".to_owned(), "me".to_owned())
            ]
        );
        let outer_inner = [map(&[("A", "1"), ("B", "1")]), map(&[("B", "2")])];
        assert_eq!(
            environment(&t, &outer_inner, &vars).unwrap(),
            vec![("A".into(), "1".into()), ("B".into(), "2".into())]
        );
        assert!(environment(&t, &[map(&[("X", "{{ nope }}")])], &vars).is_err());
        let err = environment(&t, &[Value::List(vec![Value::Str("x".into())])], &vars);
        assert!(err
            .unwrap_err()
            .contains("environment must be a dictionary"));
    }

    /// `with_dict` over a term that is not a mapping fails with the dict
    /// lookup's own words.
    #[test]
    fn with_dict_refuses_a_list_in_ansible_words() {
        let t = Templar::new();
        let vars = Vars::new(Arc::new(Map::new()));
        let spec = crate::plan::LoopSpec {
            lookup: Some("dict".into()),
            items: Value::List(vec![Value::Int(1)]),
            subdir: "files",
        };
        let err = loop_items(&t, &spec, &vars).unwrap_err();
        assert_eq!(
            err,
            "the 'dict' lookup plugin expects a dictionary, got '1' of type <class 'int'>)"
        );
    }
}
