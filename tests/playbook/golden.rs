//! Each case in `tests/golden/playbook/` holds `args` (the arguments given
//! to `ansible-playbook -i tests/fixtures/playbooks/golden/inventory.ini`)
//! and `stdout`, what ansible-core 2.19.14 printed (regenerate with
//! `tests/golden/regen-playbook.sh`).
//!
//! Two things Ansible prints in Python set order, which changes from run to
//! run (string hashing is randomised per process): the hosts under
//! `hosts (N):` and the play tags in a play header when there is more than
//! one. Both sides are normalised by sorting those, and only those; every
//! other byte is compared as is.

use engine::playbook::{self, TagSelection};
use std::fs;
use std::path::Path;

const INVENTORY: &str = "tests/fixtures/playbooks/golden/inventory.ini";

/// Groups of the golden inventory, read from its INI text. This is a test
/// stand-in for the inventory layer: the listing functions take the hosts of
/// each play from the caller, and the golden inventory only has plain
/// `[group]` sections of host names.
fn groups() -> Vec<(String, Vec<String>)> {
    let text = fs::read_to_string(INVENTORY).expect("golden inventory is readable");
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            groups.push((name.to_owned(), Vec::new()));
        } else if let Some(last) = groups.last_mut() {
            last.1.push(line.to_owned());
        }
    }
    groups
}

/// Hosts matched by a play's patterns: names of groups or hosts, `all`,
/// separated by commas (all the golden playbooks use).
fn hosts_of(play: &playbook::Play) -> Vec<String> {
    let groups = groups();
    let all: Vec<String> = groups.iter().flat_map(|g| g.1.clone()).collect();
    let mut out: Vec<String> = Vec::new();
    for pattern in &play.hosts {
        for name in pattern.value.split(',').map(str::trim) {
            let matched = if name == "all" {
                all.clone()
            } else if let Some(g) = groups.iter().find(|g| g.0 == name) {
                g.1.clone()
            } else if all.iter().any(|h| h == name) {
                vec![name.to_owned()]
            } else {
                Vec::new()
            };
            for h in matched {
                if !out.contains(&h) {
                    out.push(h);
                }
            }
        }
    }
    out
}

/// Sorts the set-ordered parts (see the module docs).
pub(crate) fn normalise(text: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut hosts: Vec<String> = Vec::new();
    let mut in_hosts = false;
    for line in text.split_inclusive('\n') {
        if in_hosts && line.starts_with("      ") {
            hosts.push(line.to_owned());
            continue;
        }
        if in_hosts {
            hosts.sort();
            out.append(&mut hosts);
            in_hosts = false;
        }
        if line.starts_with("    hosts (") {
            in_hosts = true;
            out.push(line.to_owned());
            continue;
        }
        if line.starts_with("  play #") {
            if let Some((head, tags)) = line.split_once("\tTAGS: [") {
                let tags = tags.trim_end_matches('\n').trim_end_matches(']');
                let mut list: Vec<&str> = tags.split(',').collect();
                list.sort_unstable();
                out.push(format!("{head}\tTAGS: [{}]\n", list.join(",")));
                continue;
            }
        }
        out.push(line.to_owned());
    }
    hosts.sort();
    out.append(&mut hosts);
    out.concat()
}

fn render(args: &str) -> String {
    let words: Vec<&str> = args.split_whitespace().collect();
    let path = Path::new(words[0]);
    let pb = playbook::load_playbook(path).unwrap_or_else(|e| panic!("{args}: {e}"));
    let flag = |f: &str| words.contains(&f);
    let list_of = |f: &str| -> Vec<String> {
        words
            .windows(2)
            .filter(|w| w[0] == f)
            .flat_map(|w| w[1].split(',').map(str::to_owned))
            .collect()
    };
    let hosts: Vec<Vec<String>> = pb.plays.iter().map(hosts_of).collect();
    if flag("--syntax-check") {
        return playbook::syntax_check(&pb);
    }
    if flag("--list-tasks") {
        let mut sel = TagSelection::default();
        let only = list_of("--tags");
        if !only.is_empty() {
            sel.only = only;
        }
        sel.skip = list_of("--skip-tags");
        let hosts = flag("--list-hosts").then_some(hosts.as_slice());
        return playbook::list_tasks(&pb, hosts, &sel);
    }
    playbook::list_hosts(&pb, &hosts)
}

#[test]
fn listing_matches_ansible_playbook() {
    let mut cases: Vec<_> = fs::read_dir("tests/golden/playbook")
        .expect("golden dir exists")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.join("args").is_file())
        .collect();
    cases.sort();
    assert!(cases.len() >= 10, "golden cases are missing: {cases:?}");
    let mut failures = Vec::new();
    for case in &cases {
        let args = fs::read_to_string(case.join("args")).expect("args readable");
        let expected = fs::read_to_string(case.join("stdout")).expect("stdout readable");
        let actual = render(args.trim());
        if normalise(&actual) != normalise(&expected) {
            failures.push(format!(
                "case {}:\n--- expected\n{expected}\n--- actual\n{actual}",
                case.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
