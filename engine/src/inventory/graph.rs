//! `ansible-inventory --graph [GROUP] [--vars]`.
//!
//! `@group:` lines, child groups first, then the group's own hosts (never
//! for `all`), indented by `"  |" * depth + "--"`. With `--vars`, each host
//! is followed by its vars and each group ends with its own vars, as
//! `{key = value}` lines in sorted key order, values as Python `str()`.
//! `--limit` does not filter the graph (Ansible 2.19 ignores it there).

use super::error::InventoryError;
use super::json::py_str;
use super::list::{ListOptions, VarsSource};
use super::model::{GroupId, ALL};
use super::Inventory;
use crate::value::Map;

pub(crate) fn graph(
    inv: &Inventory,
    group: &str,
    opts: &ListOptions<'_>,
) -> Result<String, InventoryError> {
    let data = inv.data();
    let start = data
        .groups
        .get_index_of(group)
        .ok_or_else(|| InventoryError::BadPattern {
            pattern: group.to_owned(),
            expected: "expected a group name for `--graph`".to_owned(),
        })?;
    let mut vs = if opts.show_vars {
        Some(VarsSource::new(inv, opts)?)
    } else {
        None
    };
    let mut out = String::new();
    walk(inv, start, 0, &mut vs, &mut out, 0);
    // Lines are joined with "\n": no trailing newline.
    out.pop();
    Ok(out)
}

fn line(out: &mut String, depth: usize, text: &str) {
    if depth > 0 {
        for _ in 0..depth {
            out.push_str("  |");
        }
        out.push_str("--");
    }
    out.push_str(text);
    out.push('\n');
}

fn vars_lines(out: &mut String, depth: usize, vars: &Map) {
    let mut keys: Vec<(&String, _)> = vars.iter().collect();
    keys.sort_by(|a, b| a.0.cmp(b.0));
    for (k, v) in keys {
        line(out, depth, &format!("{{{k} = {}}}", py_str(v)));
    }
}

fn walk(
    inv: &Inventory,
    g: GroupId,
    depth: usize,
    vs: &mut Option<VarsSource<'_>>,
    out: &mut String,
    guard: usize,
) {
    let data = inv.data();
    let group = &data.groups[g];
    line(out, depth, &format!("@{}:", group.name));
    if guard > 512 {
        return;
    }
    for &c in &group.children {
        walk(inv, c, depth + 1, vs, out, guard + 1);
    }
    if g != ALL {
        for &h in &group.hosts {
            line(out, depth + 1, &data.hosts[h].name);
            if let Some(vs) = vs.as_mut() {
                let vars = vs.host(h);
                vars_lines(out, depth + 2, &vars);
            }
        }
    }
    if let Some(vs) = vs.as_ref() {
        let vars = vs.group(g);
        vars_lines(out, depth + 1, &vars);
    }
}
