//! The YAML inventory plugin, as ansible-core 2.19 reads it.
//!
//! Top-level keys are groups (normally just `all`). A group is a mapping (or
//! null) with `hosts`, `vars` and `children`, handled in written order; other
//! keys and non-mapping groups are skipped with Ansible's warnings. A bare
//! string is accepted where a mapping is expected (`hosts: web1`), a list is
//! an error. Host keys are host patterns with ranges; their values are var
//! mappings or null. Values keep their YAML 1.1 types.

use super::error::InventoryError;
use super::ini::expand_host_pattern;
use super::model::{Data, GroupId};
use crate::value::Value;
use crate::yaml::{Node, NodeKind};
use std::sync::Arc;

/// Why the YAML plugin declined a file before changing anything; the INI
/// plugin gets the file next, as in Ansible's plugin chain.
pub(crate) enum Declined {
    /// Not YAML, empty, or not a mapping.
    NotInventory(InventoryError),
    /// A `plugin:` configuration file.
    PluginConfig(InventoryError),
}

/// Checks that `doc` is a YAML inventory (a non-empty mapping without
/// `plugin:`), without touching `data`.
pub(crate) fn accept(doc: Option<&Node>, file: &Arc<str>) -> Result<(), Declined> {
    let span = || crate::source::Span::file(file.clone());
    let Some(doc) = doc else {
        return Err(Declined::NotInventory(InventoryError::YamlShape {
            span: span(),
            expected: "expected a YAML inventory",
            found: "an empty file".to_owned(),
        }));
    };
    let Some(map) = doc.as_map() else {
        return Err(Declined::NotInventory(InventoryError::YamlShape {
            span: doc.span.clone(),
            expected: "expected a mapping of group names at the top of a YAML inventory",
            found: format!("a {}", doc.kind_name()),
        }));
    };
    if map.is_empty() {
        return Err(Declined::NotInventory(InventoryError::YamlShape {
            span: doc.span.clone(),
            expected: "expected a YAML inventory",
            found: "an empty mapping".to_owned(),
        }));
    }
    if let Some(p) = map.get("plugin") {
        if truthy(p) {
            return Err(Declined::PluginConfig(InventoryError::UnsupportedSource {
                span: p.span.clone(),
                what: "inventory plugin configuration files (`plugin:`) are not supported",
            }));
        }
    }
    Ok(())
}

fn truthy(n: &Node) -> bool {
    match &n.kind {
        NodeKind::Null => false,
        NodeKind::Bool(b) => *b,
        NodeKind::Int(i) => *i != 0,
        NodeKind::Float(f) => *f != 0.0,
        NodeKind::Str(s) | NodeKind::Unsafe(s) | NodeKind::Date(s) => !s.is_empty(),
        NodeKind::Seq(s) => !s.is_empty(),
        NodeKind::Map(m) => !m.is_empty(),
    }
}

/// Adds the groups and hosts of an accepted document to `data`.
pub(crate) fn parse(data: &mut Data, doc: &Node, file: &Arc<str>) -> Result<(), InventoryError> {
    if let Some(map) = doc.as_map() {
        for (name, entry) in &map.entries {
            group(data, name, &entry.value, file, 0)?;
        }
    }
    Ok(())
}

fn group(
    data: &mut Data,
    name: &str,
    body: &Node,
    file: &Arc<str>,
    depth: usize,
) -> Result<Option<GroupId>, InventoryError> {
    if depth > 256 {
        return Err(InventoryError::YamlShape {
            span: body.span.clone(),
            expected: "expected groups nested at most 256 levels deep",
            found: "deeper nesting".to_owned(),
        });
    }
    let map = match &body.kind {
        NodeKind::Null => None,
        NodeKind::Map(m) => Some(m),
        _ => {
            data.warn(
                Some(body.span.clone()),
                format!("Skipping '{name}' as this is not a valid group definition"),
            );
            return Ok(data.groups.get_index_of(name));
        }
    };
    let g = data.add_group(name);
    let Some(map) = map else { return Ok(Some(g)) };
    for section in ["vars", "children", "hosts"] {
        if let Some(n) = map.get(section) {
            if matches!(
                n.kind,
                NodeKind::Seq(_) | NodeKind::Int(_) | NodeKind::Float(_) | NodeKind::Bool(_)
            ) {
                return Err(InventoryError::YamlShape {
                    span: n.span.clone(),
                    expected: match section {
                        "vars" => "expected a mapping of variables for `vars`",
                        "children" => "expected a mapping of groups for `children`",
                        _ => "expected a mapping of hosts for `hosts`",
                    },
                    found: format!("a {}", n.kind_name()),
                });
            }
        }
    }
    for (key, entry) in &map.entries {
        let node = &entry.value;
        // A bare string stands for a one-key mapping with a null value.
        let items: Vec<(&str, Option<&Node>, &crate::source::Span)> = match &node.kind {
            NodeKind::Null => continue,
            NodeKind::Map(m) => m
                .entries
                .iter()
                .map(|(k, e)| (k.as_str(), Some(&e.value), &e.key_span))
                .collect(),
            NodeKind::Str(s) | NodeKind::Unsafe(s)
                if matches!(key.as_str(), "vars" | "children" | "hosts") =>
            {
                vec![(s.as_str(), None, &node.span)]
            }
            _ => {
                data.warn(
                    Some(node.span.clone()),
                    format!(
                        "Skipping key ({key}) in group ({name}) as it is not a mapping, it is a {}",
                        py_type(node)
                    ),
                );
                continue;
            }
        };
        match key.as_str() {
            "vars" => {
                for (k, v, span) in items {
                    let value = v.map_or(Value::Null, Node::to_value);
                    data.set_group_var(g, k.to_owned(), value, span)?;
                }
            }
            "children" => {
                for (k, v, span) in items {
                    let null = Node {
                        kind: NodeKind::Null,
                        span: span.clone(),
                    };
                    let child = group(data, k, v.unwrap_or(&null), file, depth + 1)?;
                    let Some(child) = child else {
                        return Err(InventoryError::YamlShape {
                            span: span.clone(),
                            expected: "expected a known group as child",
                            found: format!("`{k}`"),
                        });
                    };
                    data.add_child(g, child, span)?;
                }
            }
            "hosts" => {
                for (pattern, v, span) in items {
                    let (hosts, port) = expand_host_pattern(pattern, span)?;
                    let vars = match v.map(|n| &n.kind) {
                        None | Some(NodeKind::Null) => None,
                        Some(NodeKind::Map(m)) => Some(m),
                        Some(_) if !v.is_some_and(truthy) => None,
                        Some(_) => {
                            let v = v.unwrap_or(node);
                            return Err(InventoryError::YamlShape {
                                span: v.span.clone(),
                                expected: "expected a mapping of host variables",
                                found: format!("a {}", v.kind_name()),
                            });
                        }
                    };
                    for h in &hosts {
                        let id = data.add_host(h, Some(g), port, Some(file));
                        if let Some(vars) = vars {
                            for (k, e) in &vars.entries {
                                data.set_host_var(id, k.clone(), e.value.to_value());
                            }
                        }
                    }
                }
            }
            _ => data.warn(
                Some(entry.key_span.clone()),
                format!(
                    "Skipping unexpected key ({key}) in group ({name}), only \"vars\", \"children\" and \"hosts\" are valid"
                ),
            ),
        }
    }
    Ok(Some(g))
}

/// Python's `type(x)` text, for Ansible's warning wording: 2.19 tags
/// loaded values with their origin, so most types print as tagged classes.
fn py_type(n: &Node) -> &'static str {
    match n.kind {
        NodeKind::Null => "<class 'NoneType'>",
        NodeKind::Bool(_) => "<class 'bool'>",
        NodeKind::Int(_) => "<class 'ansible.module_utils._internal._datatag._AnsibleTaggedInt'>",
        NodeKind::Float(_) => {
            "<class 'ansible.module_utils._internal._datatag._AnsibleTaggedFloat'>"
        }
        NodeKind::Str(_) | NodeKind::Unsafe(_) => {
            "<class 'ansible.module_utils._internal._datatag._AnsibleTaggedStr'>"
        }
        NodeKind::Date(_) => "<class 'ansible.module_utils._internal._datatag._AnsibleTaggedDate'>",
        NodeKind::Seq(_) => "<class 'ansible.module_utils._internal._datatag._AnsibleTaggedList'>",
        NodeKind::Map(_) => "<class 'ansible.module_utils._internal._datatag._AnsibleTaggedDict'>",
    }
}
