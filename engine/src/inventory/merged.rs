//! The merged view of many hosts' vars at once, for `--list`: the group
//! levels of each distinct set of groups are merged and sorted once, and a
//! host adds only its own few vars on top, as sorted references. Nothing
//! is cloned, so 10,000 hosts cost little more than their JSON text.

use super::json::{write_json, write_json_str};
use super::model::{GroupId, HostId, ALL};
use super::precedence::{self, Layer};
use super::Inventory;
use crate::value::{Map, Value};
use std::collections::HashMap;

/// Merged host vars as sorted references: the group levels of each
/// distinct group set are merged and sorted once; a host adds only its own
/// few vars on top. No value is cloned.
pub(crate) struct FastMerged<'a> {
    pub(crate) inv: &'a Inventory,
    pub(crate) play: Option<&'a Layer>,
    pub(crate) cache: HashMap<Vec<GroupId>, Vec<(&'a str, &'a Value)>>,
}

impl<'a> FastMerged<'a> {
    pub(crate) fn host(&mut self, h: HostId) -> Vec<(&'a str, &'a Value)> {
        let inv: &'a Inventory = self.inv;
        let data = inv.data();
        let layers = inv.layers();
        let play = self.play;
        let groups = data.sorted_groups_of(h);
        let base = self.cache.entry(groups).or_insert_with_key(|groups| {
            let mut m: indexmap::IndexMap<&'a str, &'a Value> = indexmap::IndexMap::new();
            let mut put = |from: &'a Map| {
                for (k, v) in from {
                    m.insert(k.as_str(), v);
                }
            };
            put(&data.groups[ALL].vars);
            for &g in groups {
                put(&data.groups[g].vars);
            }
            for l in layers {
                put(l.group(ALL));
            }
            if let Some(p) = play {
                put(p.group(ALL));
            }
            for l in layers {
                for &g in groups {
                    put(l.group(g));
                }
            }
            if let Some(p) = play {
                for &g in groups {
                    put(p.group(g));
                }
            }
            let mut v: Vec<(&str, &Value)> = m
                .into_iter()
                .filter(|(k, _)| !precedence::is_internal(k))
                .collect();
            v.sort_unstable_by(|a, b| a.0.cmp(b.0));
            v
        });
        let mut over: Vec<(&'a str, &'a Value)> = Vec::new();
        let sources = std::iter::once(&data.hosts[h].vars)
            .chain(layers.iter().map(|l| l.host(h)))
            .chain(play.map(|p| p.host(h)));
        for map in sources {
            for (k, v) in map {
                if precedence::is_internal(k) {
                    continue;
                }
                match over.iter_mut().find(|e| e.0 == k.as_str()) {
                    Some(e) => e.1 = v,
                    None => over.push((k.as_str(), v)),
                }
            }
        }
        if over.is_empty() {
            return base.clone();
        }
        over.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let mut out = Vec::with_capacity(base.len() + over.len());
        let (mut i, mut j) = (0, 0);
        while i < base.len() || j < over.len() {
            match (base.get(i), over.get(j)) {
                (Some(b), Some(o)) if b.0 == o.0 => {
                    out.push(*o);
                    i += 1;
                    j += 1;
                }
                (Some(b), Some(o)) if b.0 < o.0 => {
                    out.push(*b);
                    i += 1;
                }
                (Some(_), Some(o)) | (None, Some(o)) => {
                    out.push(*o);
                    j += 1;
                }
                (Some(b), None) => {
                    out.push(*b);
                    i += 1;
                }
                (None, None) => break,
            }
        }
        out
    }
}

/// Writes `(key, value)` pairs already sorted by key as a JSON object.
pub(crate) fn write_json_sorted(out: &mut String, vars: &[(&str, &Value)], level: usize) {
    out.push('{');
    for (i, (k, v)) in vars.iter().enumerate() {
        out.push_str(if i > 0 { ",\n" } else { "\n" });
        for _ in 0..=level {
            out.push_str("    ");
        }
        write_json_str(out, k);
        out.push_str(": ");
        write_json(out, v, level + 1);
    }
    out.push('\n');
    for _ in 0..level {
        out.push_str("    ");
    }
    out.push('}');
}
