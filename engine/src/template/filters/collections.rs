//! List and dict filters: `flatten`, `unique`, `union`, `difference`,
//! `intersect`, `symmetric_difference`, `product`, `combine`, `dict2items`,
//! `items2dict`, `extract` (for `map('extract', ...)`).
//!
//! Set-like filters keep first-seen order, as Ansible's do for unhashable
//! and hashable items alike.

use super::failed;
use indexmap::IndexMap;
use minijinja::value::{Kwargs, Rest, ValueKind};
use minijinja::{Environment, Error, Value};

pub(super) fn register(env: &mut Environment<'static>) {
    env.add_filter("flatten", flatten);
    env.add_filter("unique", unique);
    env.add_filter("union", union);
    env.add_filter("difference", difference);
    env.add_filter("intersect", intersect);
    env.add_filter("symmetric_difference", symmetric_difference);
    env.add_filter("product", product);
    env.add_filter("combine", combine);
    env.add_filter("dict2items", dict2items);
    env.add_filter("items2dict", items2dict);
    env.add_filter("extract", extract);
}

fn items(filter: &str, value: &Value) -> Result<Vec<Value>, Error> {
    match value.kind() {
        ValueKind::Seq | ValueKind::Iterable | ValueKind::Map | ValueKind::String => {
            Ok(value.try_iter()?.collect())
        }
        kind => Err(failed(filter, format_args!("expected a list, got {kind}"))),
    }
}

/// Order-preserving dedup (values may be unhashable in Python; equality is
/// what counts).
fn dedup(values: impl IntoIterator<Item = Value>) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for v in values {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

fn flatten(value: &Value, levels: Option<usize>, kwargs: Kwargs) -> Result<Vec<Value>, Error> {
    let levels = kwargs.get::<Option<usize>>("levels")?.or(levels);
    let skip_nulls = kwargs.get::<Option<bool>>("skip_nulls")?.unwrap_or(true);
    kwargs.assert_all_used()?;
    let mut out = Vec::new();
    flatten_into(&items("flatten", value)?, levels, skip_nulls, &mut out)?;
    Ok(out)
}

fn flatten_into(
    items: &[Value],
    levels: Option<usize>,
    skip_nulls: bool,
    out: &mut Vec<Value>,
) -> Result<(), Error> {
    for item in items {
        let is_null = item.is_none() || matches!(item.as_str(), Some("None" | "null"));
        if skip_nulls && is_null {
            continue;
        }
        if item.kind() == ValueKind::Seq && levels != Some(0) {
            let inner: Vec<Value> = item.try_iter()?.collect();
            flatten_into(&inner, levels.map(|l| l - 1), skip_nulls, out)?;
        } else {
            out.push(item.clone());
        }
    }
    Ok(())
}

fn unique(value: &Value) -> Result<Vec<Value>, Error> {
    Ok(dedup(items("unique", value)?))
}

fn union(a: &Value, b: &Value) -> Result<Vec<Value>, Error> {
    Ok(dedup(
        items("union", a)?.into_iter().chain(items("union", b)?),
    ))
}

fn difference(a: &Value, b: &Value) -> Result<Vec<Value>, Error> {
    let b = items("difference", b)?;
    Ok(dedup(
        items("difference", a)?
            .into_iter()
            .filter(|x| !b.contains(x)),
    ))
}

fn intersect(a: &Value, b: &Value) -> Result<Vec<Value>, Error> {
    let b = items("intersect", b)?;
    Ok(dedup(
        items("intersect", a)?.into_iter().filter(|x| b.contains(x)),
    ))
}

fn symmetric_difference(a: &Value, b: &Value) -> Result<Vec<Value>, Error> {
    let both = intersect(a, b)?;
    Ok(union(a, b)?
        .into_iter()
        .filter(|x| !both.contains(x))
        .collect())
}

/// `itertools.product` as a list of lists.
fn product(first: &Value, others: Rest<Value>) -> Result<Vec<Value>, Error> {
    let mut rows: Vec<Vec<Value>> = vec![Vec::new()];
    let lists = std::iter::once(first).chain(others.iter());
    for list in lists {
        let choices = items("product", list)?;
        let mut next = Vec::with_capacity(rows.len() * choices.len());
        for row in &rows {
            for choice in &choices {
                let mut extended = row.clone();
                extended.push(choice.clone());
                next.push(extended);
            }
        }
        rows = next;
    }
    Ok(rows.into_iter().map(Value::from).collect())
}

type Dict = IndexMap<Value, Value>;

fn to_dict(filter: &str, value: &Value) -> Result<Dict, Error> {
    if value.kind() != ValueKind::Map {
        return Err(failed(
            filter,
            format_args!("expected a dict, got {}", value.kind()),
        ));
    }
    let mut map = Dict::new();
    for key in value.try_iter()? {
        let item = value.get_item(&key)?;
        map.insert(key, item);
    }
    Ok(map)
}

fn from_dict(map: Dict) -> Value {
    Value::from_pairs(map)
}

#[derive(Clone, Copy, PartialEq)]
enum ListMerge {
    Replace,
    Keep,
    Append,
    Prepend,
    AppendRp,
    PrependRp,
}

/// `combine(*dicts, recursive=False, list_merge='replace')`; the input may
/// also be a list of dicts.
fn combine(value: &Value, others: Rest<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    let recursive = kwargs.get::<Option<bool>>("recursive")?.unwrap_or(false);
    let list_merge = match kwargs
        .get::<Option<&str>>("list_merge")?
        .unwrap_or("replace")
    {
        "replace" => ListMerge::Replace,
        "keep" => ListMerge::Keep,
        "append" => ListMerge::Append,
        "prepend" => ListMerge::Prepend,
        "append_rp" => ListMerge::AppendRp,
        "prepend_rp" => ListMerge::PrependRp,
        other => {
            return Err(failed(
                "combine",
                format_args!("unknown list_merge `{other}`"),
            ))
        }
    };
    kwargs.assert_all_used()?;
    let mut dicts = Vec::new();
    for v in std::iter::once(value).chain(others.iter()) {
        if v.kind() == ValueKind::Seq {
            dicts.extend(v.try_iter()?);
        } else {
            dicts.push(v.clone());
        }
    }
    let mut merged = Dict::new();
    for d in &dicts {
        merge(&mut merged, to_dict("combine", d)?, recursive, list_merge)?;
    }
    Ok(from_dict(merged))
}

fn merge(into: &mut Dict, from: Dict, recursive: bool, list_merge: ListMerge) -> Result<(), Error> {
    for (key, new) in from {
        let merged = match into.get(&key) {
            Some(old)
                if recursive && old.kind() == ValueKind::Map && new.kind() == ValueKind::Map =>
            {
                let mut inner = to_dict("combine", old)?;
                merge(&mut inner, to_dict("combine", &new)?, recursive, list_merge)?;
                from_dict(inner)
            }
            Some(old) if old.kind() == ValueKind::Seq && new.kind() == ValueKind::Seq => {
                let old: Vec<Value> = old.try_iter()?.collect();
                let new: Vec<Value> = new.try_iter()?.collect();
                let without = |a: &[Value], b: &[Value]| -> Vec<Value> {
                    a.iter().filter(|x| !b.contains(x)).cloned().collect()
                };
                Value::from(match list_merge {
                    ListMerge::Replace => new,
                    ListMerge::Keep => old,
                    ListMerge::Append => [old, new].concat(),
                    ListMerge::Prepend => [new, old].concat(),
                    ListMerge::AppendRp => [without(&old, &new), new].concat(),
                    ListMerge::PrependRp => {
                        let rest = without(&old, &new);
                        [new, rest].concat()
                    }
                })
            }
            _ => new,
        };
        into.insert(key, merged);
    }
    Ok(())
}

fn dict2items(value: &Value, kwargs: Kwargs) -> Result<Vec<Value>, Error> {
    let key_name = kwargs.get::<Option<&str>>("key_name")?.unwrap_or("key");
    let value_name = kwargs.get::<Option<&str>>("value_name")?.unwrap_or("value");
    kwargs.assert_all_used()?;
    Ok(to_dict("dict2items", value)?
        .into_iter()
        .map(|(k, v)| Value::from_pairs([(key_name, k), (value_name, v)]))
        .collect())
}

fn items2dict(value: &Value, kwargs: Kwargs) -> Result<Value, Error> {
    let key_name = kwargs.get::<Option<&str>>("key_name")?.unwrap_or("key");
    let value_name = kwargs.get::<Option<&str>>("value_name")?.unwrap_or("value");
    kwargs.assert_all_used()?;
    let mut map = Dict::new();
    for item in items("items2dict", value)? {
        let key = item.get_attr(key_name)?;
        let val = item.get_attr(value_name)?;
        if key.is_undefined() || val.is_undefined() {
            return Err(failed(
                "items2dict",
                format_args!("each item needs `{key_name}` and `{value_name}`"),
            ));
        }
        map.insert(key, val);
    }
    Ok(from_dict(map))
}

/// `extract(container, morekeys=None)`: `container[item]`, then each of
/// `morekeys` in turn.
fn extract(item: &Value, container: &Value, morekeys: Option<Value>) -> Result<Value, Error> {
    let mut value = container.get_item(item)?;
    if let Some(keys) = morekeys {
        let keys: Vec<Value> = if keys.kind() == ValueKind::Seq {
            keys.try_iter()?.collect()
        } else {
            vec![keys]
        };
        for key in keys {
            value = value.get_item(&key)?;
        }
    }
    Ok(value)
}
