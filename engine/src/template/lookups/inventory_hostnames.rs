//! `inventory_hostnames`: the hosts a pattern selects, as ansible-core's
//! plugin finds them: from the task's `groups` variable (group → host
//! names), not from the inventory files, so hosts `add_host` added and
//! groups `group_by` made count. Several terms are one pattern list; a
//! pattern that does not parse selects nothing.

use super::{current_vars, lookup_failed, term_text};
use crate::inventory::Inventory;
use minijinja::{Error, Value};

pub(super) fn inventory_hostnames(terms: &[Value]) -> Result<Vec<Value>, Error> {
    let vars = current_vars("inventory_hostnames")?;
    let groups = vars
        .get("groups")
        .map_err(|e| lookup_failed("inventory_hostnames", e))?;
    // The plugin's fresh `InventoryManager`, written as an INI inventory:
    // one section per group listing its hosts, in the variable's order.
    let mut ini = String::new();
    if let Some(crate::value::Value::Map(groups)) = groups {
        for (group, hosts) in groups {
            ini.push_str(&format!("[{group}]\n"));
            if let crate::value::Value::List(hosts) = hosts {
                for host in hosts {
                    ini.push_str(&host.py_str());
                    ini.push('\n');
                }
            }
        }
    }
    let inventory = Inventory::from_ini_str(&ini, "groups")
        .map_err(|e| lookup_failed("inventory_hostnames", e))?;
    let pattern: Vec<String> = terms.iter().map(term_text).collect();
    Ok(inventory
        .select(&pattern.join(","))
        .unwrap_or_default()
        .into_iter()
        .map(Value::from)
        .collect())
}

#[cfg(test)]
mod tests {
    use crate::template::{Templar, Vars};
    use crate::value::{Map, Value};
    use std::sync::Arc;

    fn list(names: &[&str]) -> Value {
        Value::List(names.iter().map(|n| Value::from(*n)).collect())
    }

    // The groups of ansible-core's lookup_inventory_hostnames target; the
    // expected values are what ansible-core 2.19.14 answers there.
    #[test]
    fn patterns_select_as_ansible_does() {
        let nogroup = ["nogroup01", "nogroup02", "nogroup03"];
        let group01 = ["test01", "test05", "test03", "test02", "test04"];
        let group02 = [
            "test03", "test04", "test200", "test201", "test203", "test204",
        ];
        let mut all: Vec<&str> = nogroup.to_vec();
        all.extend(group01);
        all.extend(&group02[2..]);
        let mut groups = Map::new();
        groups.insert("all".into(), list(&all));
        groups.insert("ungrouped".into(), list(&nogroup));
        groups.insert("group01".into(), list(&group01));
        groups.insert("group02".into(), list(&group02));
        let mut m = Map::new();
        m.insert("groups".into(), Value::Map(groups));
        let vars = Vars::new(Arc::new(m));
        let cases = [
            ("'group01:!test03'", "['test01', 'test05', 'test02', 'test04']"),
            ("'group01:&group02'", "['test03', 'test04']"),
            ("'all'", "['nogroup01', 'nogroup02', 'nogroup03', 'test01', 'test05', 'test03', 'test02', 'test04', 'test200', 'test201', 'test203', 'test204']"),
            ("'t?s?03', 'nogroup01'", "['test03', 'nogroup01']"),
            ("'group02[1:2]'", "['test04', 'test200']"),
            ("'ungrouped'", "['nogroup01', 'nogroup02', 'nogroup03']"),
            ("'nosuch'", "[]"),
            ("'~test2.*'", "['test200', 'test201', 'test203', 'test204']"),
        ];
        for (args, want) in cases {
            let text = format!("{{{{ query('inventory_hostnames', {args}) | string }}}}");
            let got = Templar::new().render_string(&text, &vars).expect("renders");
            assert_eq!(got, want, "{args}");
        }
    }
}
