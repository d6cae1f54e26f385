//! The library API the playbook engine uses: selection, magic-var inputs,
//! playbook-side precedence and connection specs. Expected values follow
//! the golden cases (produced by ansible-inventory 2.19.14) and the rules
//! in docs/ansible-semantics section 1.

use engine::inventory::{connection_spec, Inventory};
use engine::transport::ConnectionKind;
use engine::Value;
use std::path::{Path, PathBuf};

fn golden(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden/inventory")
        .join(case)
}

fn load(path: &Path) -> Inventory {
    Inventory::load(&[path.to_str().unwrap()]).expect("inventory loads")
}

#[test]
fn select_follows_ansible_patterns() {
    let inv = load(&golden("limits/hosts.ini"));
    let sel = |p: &str| inv.select(p).unwrap();
    assert_eq!(sel("web"), ["web01", "web02", "web03", "web-special"]);
    assert_eq!(sel("app-servers:&db"), ["db-a", "db-b", "10.1.2.3"]);
    assert_eq!(sel("app-servers:!web"), ["db-a", "db-b", "10.1.2.3"]);
    assert_eq!(sel("web[1:2]"), ["web02", "web03"]);
    assert_eq!(sel("~web0[12]"), ["web01", "web02"]);
    assert_eq!(sel("web,!web-special"), ["web01", "web02", "web03"]);
    assert_eq!(sel("!web"), ["db-a", "db-b", "10.1.2.3"]);
    // all: its children level by level (prod holds db-a directly), as the golden case shows
    assert_eq!(sel("all[0:1]"), ["db-a", "web01"]);
    assert_eq!(sel("web[-1]"), ["web-special"]);
    assert!(sel("nomatch").is_empty());
    assert!(inv.select("web[9]").is_err());
    assert_eq!(
        inv.select_with_limit("all", Some("db-*")).unwrap(),
        ["db-a", "db-b"]
    );
    let limit = format!("@{}", golden("limits/limitfile").display());
    assert_eq!(
        inv.select_with_limit("all", Some(&limit)).unwrap(),
        ["web01", "web03"]
    );
}

#[test]
fn implicit_localhost_is_selectable_but_not_in_all() {
    let inv = load(&golden("limits/hosts.ini"));
    assert_eq!(inv.select("localhost").unwrap(), ["localhost"]);
    assert!(!inv.select("all").unwrap().contains(&"localhost".to_owned()));
    let vars = inv.host_vars("localhost");
    assert_eq!(vars.get("ansible_connection"), Some(&Value::from("local")));
}

#[test]
fn magic_var_inputs() {
    let inv = load(&golden("ini_sample/hosts.ini"));
    assert_eq!(inv.group_names("web01.example.com"), ["app-servers", "web"]);
    assert_eq!(inv.group_names("bastion.example.com"), ["ungrouped"]);
    let groups = inv.groups_var();
    assert_eq!(
        groups["db"],
        [
            "db-a.internal",
            "db-b.internal",
            "db-c.internal",
            "10.1.2.3"
        ]
    );
    assert_eq!(groups["all"].len(), 9);
    assert_eq!(groups["ungrouped"], ["bastion.example.com"]);
    let names: Vec<&str> = inv.groups().map(|g| g.name()).collect();
    assert_eq!(names[..2], ["all", "ungrouped"]);
    assert_eq!(
        inv.host("web-special").unwrap().own_vars()["http_port"],
        Value::Int(8080)
    );
}

#[test]
fn playbook_group_vars_beat_inventory_group_vars() {
    let case = golden("playbook_dir");
    let inv = load(&case.join("inv/hosts.ini"));
    let without = inv.host_vars("w1");
    assert_eq!(without["x"], Value::from("inv_gv_web"));
    let with = inv
        .host_vars_with_playbook("w1", Some(&case.join("play")))
        .unwrap();
    assert_eq!(with["x"], Value::from("play_gv_web"));
    assert_eq!(with["own"], Value::from("play_host_vars"));
    assert_eq!(with["play_all"], Value::Int(1));
    assert_eq!(with["inv_side"], Value::Int(1));
}

#[test]
fn konvoy_doc_inventory_resolves_to_connection_specs() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("inventories/konvoy-preprovisioned.yaml");
    let inv = load(&path);
    let hosts: Vec<&str> = inv.hosts().map(|h| h.name()).collect();
    assert_eq!(
        hosts,
        [
            "10.0.50.40",
            "10.0.50.41",
            "10.0.50.42",
            "10.0.50.50",
            "10.0.50.51"
        ]
    );
    for name in hosts {
        let spec = connection_spec(name, &inv.host_vars(name)).unwrap();
        assert_eq!(spec.address, name);
        assert_eq!(spec.port, 22);
        assert_eq!(spec.user.as_deref(), Some("centos"));
        assert_eq!(spec.kind, ConnectionKind::Ssh);
        assert_eq!(
            spec.private_key_file.as_deref(),
            Some(Path::new("/home/centos/.ssh/id_rsa")),
            "ansible_ssh_key_name is the key file when no Ansible key var is set"
        );
        assert!(
            spec.become_.is_none(),
            "`become: true` is not `ansible_become`"
        );
    }
}

#[test]
fn ini_strings_are_booleans_for_connection_vars() {
    let inv = load(&golden("ini_sample/hosts.ini"));
    let vars = inv.host_vars("db-a.internal");
    assert_eq!(vars["ansible_become"], Value::from("true"));
    let spec = connection_spec("db-a.internal", &vars).unwrap();
    assert_eq!(spec.become_.map(|b| b.user), Some("root".to_owned()));
    assert_eq!(spec.user.as_deref(), Some("dbadmin"));
    let spec = connection_spec("10.1.2.3", &inv.host_vars("10.1.2.3")).unwrap();
    assert_eq!(spec.port, 2200);
}

#[test]
fn several_sources_merge_in_order() {
    let case = golden("multi_sources");
    let inv = Inventory::load(&[
        case.join("a/hosts.ini").to_str().unwrap(),
        case.join("b/hosts.yml").to_str().unwrap(),
        "extra1,w1,",
    ])
    .unwrap();
    assert_eq!(inv.source_count(), 3);
    let w1 = inv.host_vars("w1");
    assert_eq!(w1["src"], Value::from("b"));
    assert_eq!(w1["order"], Value::from("a"));
    assert_eq!(inv.select("ungrouped").unwrap(), ["extra1"]);
}
