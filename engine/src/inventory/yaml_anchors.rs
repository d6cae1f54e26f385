//! PyYAML's anchors and aliases in `--list --yaml`.
//!
//! Ansible merges host vars with shallow copies, so a list or dict set on a
//! group is the *same Python object* in every host's vars, and PyYAML
//! prints the first occurrence as `&id001` and the others as `*id001`
//! (numbered in the order the second occurrences are met, keys sorted).
//! We recognise sharing by address (the host vars are references into the
//! inventory), emit the tree with marker entries through [`crate::yaml::dump`]
//! and turn the markers into anchors and aliases.
//!
//! Not covered: values shared by the hosts of one INI range line or YAML
//! range key (we copy them per host), YAML `&anchors` reused in a file,
//! empty collections and dates.

use crate::value::{Map, Value};
use std::collections::HashMap;

const SHARED: &str = "\u{1}KONVOYSHARED";
const ANCHOR: &str = "KONVOYANCHOR";
const ALIAS: &str = "KONVOYALIAS";

/// Records `v` as a shared candidate and returns its placeholder.
pub(crate) fn placeholder<'i>(table: &mut Vec<&'i Value>, v: &'i Value) -> Value {
    table.push(v);
    Value::Str(format!("{SHARED}{}X", table.len() - 1))
}

fn index_of(v: &Value) -> Option<usize> {
    v.as_str()?
        .strip_prefix(SHARED)?
        .strip_suffix('X')?
        .parse()
        .ok()
}

/// Dumps `top` (keys already sorted) with anchors for repeated values.
pub(crate) fn dump_shared(top: &Value, table: &[&Value]) -> String {
    // Pass 1: anchor ids, at each value's second occurrence in order.
    let mut ids: HashMap<*const Value, usize> = HashMap::new();
    let mut seen: HashMap<*const Value, bool> = HashMap::new();
    let mut next = 0;
    visit(top, &mut |i| {
        let p: *const Value = table[i];
        if seen.insert(p, true).is_some() && !ids.contains_key(&p) {
            next += 1;
            ids.insert(p, next);
        }
    });
    // Pass 2: the tree with markers.
    let mut emitted: HashMap<*const Value, bool> = HashMap::new();
    let marked = rebuild(top, table, &ids, &mut emitted);
    let text = crate::yaml::dump(&marked, crate::yaml::DumpStyle::Block);
    // Pass 3: markers to `&idNNN` / `*idNNN`.
    let mut out: Vec<String> = Vec::new();
    for line in text.lines() {
        if let Some(id) = marker_id(line, ANCHOR) {
            if let Some(prev) = out.last_mut() {
                prev.push_str(&format!(" &id{id:03}"));
            }
            continue;
        }
        match marker_id(line, ALIAS) {
            Some(id) => out.push(line.replace(&format!("{ALIAS}{id}X"), &format!("*id{id:03}"))),
            None => out.push(line.to_owned()),
        }
    }
    let mut s = out.join("\n");
    s.push('\n');
    s
}

fn marker_id(line: &str, marker: &str) -> Option<usize> {
    let at = line.find(marker)? + marker.len();
    let rest = &line[at..];
    let end = rest.find('X')?;
    rest[..end].parse().ok()
}

fn visit(v: &Value, f: &mut impl FnMut(usize)) {
    if let Some(i) = index_of(v) {
        f(i);
        return;
    }
    match v {
        Value::List(l) => l.iter().for_each(|x| visit(x, f)),
        Value::Map(m) => m.values().for_each(|x| visit(x, f)),
        _ => {}
    }
}

fn rebuild(
    v: &Value,
    table: &[&Value],
    ids: &HashMap<*const Value, usize>,
    emitted: &mut HashMap<*const Value, bool>,
) -> Value {
    if let Some(i) = index_of(v) {
        let p: *const Value = table[i];
        let original = super::yaml_out::sorted(table[i]);
        let Some(&id) = ids.get(&p) else {
            return original;
        };
        if emitted.insert(p, true).is_some() {
            return Value::Str(format!("{ALIAS}{id}X"));
        }
        return match original {
            Value::List(mut l) => {
                l.insert(0, Value::Str(format!("{ANCHOR}{id}X")));
                Value::List(l)
            }
            Value::Map(m) => {
                let mut with = Map::new();
                with.insert(format!("\u{1}{ANCHOR}{id}X"), Value::Null);
                with.extend(m);
                Value::Map(with)
            }
            other => other,
        };
    }
    match v {
        Value::List(l) => Value::List(l.iter().map(|x| rebuild(x, table, ids, emitted)).collect()),
        Value::Map(m) => Value::Map(
            m.iter()
                .map(|(k, x)| (k.clone(), rebuild(x, table, ids, emitted)))
                .collect(),
        ),
        other => other.clone(),
    }
}
