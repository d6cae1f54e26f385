//! Side by side with ansible-core: one scenario playbook run by this
//! engine on one test host and by `ansible-playbook` 2.19.14 on a twin
//! host made the same way, each registering its results and writing them
//! (`to_json`) to `/root/results.json` on its host. The results are
//! compared key by key after [`normalize`], which drops only what differs
//! by nature (timestamps, Ansible's `invocation`).
//!
//! Ansible's side is also recorded as a golden file
//! (`tests/modules/golden/<scenario>.json`, written by
//! `gen_deb_results.sh`), so the fast tests compare with it without
//! running Ansible.

use crate::harness::{Fleet, TestHost};
use crate::run::Scenario;
use serde_json::Value as Json;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The scenario playbooks and goldens live here.
pub(crate) fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/modules/deb")
}

/// The golden file of `scenario`.
pub(crate) fn golden_path(scenario: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/modules/golden")
        .join(format!("{scenario}.json"))
}

/// The scenario's playbook text.
pub(crate) fn playbook(scenario: &str) -> String {
    std::fs::read_to_string(dir().join(format!("{scenario}.yml"))).expect("read a scenario")
}

fn results_of(host: &TestHost, output: &str) -> Json {
    let path = host.root().join("root/results.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: no results ({e}); output:\n{output}", host.name()));
    serde_json::from_str(&text).expect("results are JSON")
}

/// Runs `scenario` with this engine on `host`; its results and output.
pub(crate) fn ours(fleet: &Fleet, host: &TestHost, scenario: &str) -> (Json, String) {
    let sc = Scenario::new(fleet, &playbook(scenario));
    let (_, out) = sc.run(fleet, |o| {
        o.limit = Some(host.name().to_owned());
        o.diff = true;
    });
    (results_of(host, &out), out)
}

/// Runs `scenario` with ansible-playbook on `host`; its results and output.
pub(crate) fn ansible(fleet: &Fleet, host: &TestHost, scenario: &str) -> (Json, String) {
    let work = tempfile::tempdir().expect("tempdir");
    let inventory = fleet.write_inventory(work.path());
    let pb = work.path().join("site.yml");
    std::fs::write(&pb, playbook(scenario)).expect("write the playbook");
    let mut cmd = Command::new("ansible-playbook");
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("ANSIBLE_") {
            cmd.env_remove(&k);
        }
    }
    let out = cmd
        .arg("-i")
        .arg(&inventory)
        .args(["--limit", host.name(), "--diff"])
        .arg("-e")
        .arg("ansible_python_interpreter=/usr/bin/python3")
        .arg(&pb)
        .env("ANSIBLE_SSH_CONTROL_PATH_DIR", work.path().join("cp"))
        .env("ANSIBLE_LOCAL_TEMP", work.path().join("tmp"))
        .env("ANSIBLE_PIPELINING", "1")
        .env("ANSIBLE_NOCOLOR", "1")
        .env("ANSIBLE_RETRY_FILES_ENABLED", "0")
        .env(
            "ANSIBLE_COLLECTIONS_PATH",
            Path::new(env!("CARGO_MANIFEST_DIR")).join("target/ansible-collections"),
        )
        .output()
        .expect("run ansible-playbook (pip install ansible-core==2.19.14)");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (results_of(host, &text), text)
}

/// What may differ between two hosts by nature, removed or replaced by
/// a placeholder: `invocation`, internal `_ansible_*` keys, clock values,
/// and the random temp names a URL download gets.
pub(crate) fn normalize(v: &Json) -> Json {
    match v {
        Json::Object(m) => Json::Object(
            m.iter()
                .filter(|(k, _)| !DROPPED.contains(&k.as_str()) && !k.starts_with("_ansible"))
                .map(|(k, v)| {
                    let v = match (k.as_str(), v) {
                        ("cache_update_time", Json::Number(_)) => Json::String("<number>".into()),
                        _ => normalize(v),
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Json::Array(a) => Json::Array(a.iter().map(normalize).collect()),
        Json::String(s) => Json::String(armor(&key_ids(&database_count(s)))),
        other => other.clone(),
    }
}

/// Keys only Ansible's executor adds: the module's arguments as it saw
/// them, and the traceback placeholder 2.19 puts on every module failure.
const DROPPED: &[&str] = &["invocation", "exception"];

/// Armored key blocks (the test keys differ per process), also inside
/// deb822's indented multi-line values.
fn armor(s: &str) -> String {
    const BEGIN: &str = "-----BEGIN PGP PUBLIC KEY BLOCK-----";
    const END: &str = "-----END PGP PUBLIC KEY BLOCK-----";
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find(BEGIN) {
        let Some(j) = rest[i..].find(END) else { break };
        out.push_str(&rest[..i]);
        out.push_str("<ARMORED KEY>");
        rest = &rest[i + j + END.len()..];
    }
    out.push_str(rest);
    out
}

/// The test keys' ids (new keys each test process, see `debs.sh`) as
/// placeholders: the full fingerprint, its 16 and 8 last digits.
fn key_ids(s: &str) -> String {
    let mut out = s.to_owned();
    for (i, file) in ["fingerprint", "fingerprint2"].iter().enumerate() {
        let fp = std::fs::read_to_string(super::debs::debs().root.join(file)).unwrap_or_default();
        let fp = fp.trim();
        if fp.len() != 40 {
            continue;
        }
        out = out
            .replace(fp, &format!("<KEY{i}>"))
            .replace(&fp[24..], &format!("<KEY{i}:16>"))
            .replace(&fp[32..], &format!("<KEY{i}:8>"));
    }
    out
}

/// dpkg's `(Reading database ... N files and directories currently
/// installed.)`: N is the machine image's file count, not the module's.
fn database_count(s: &str) -> String {
    const HEAD: &str = "(Reading database ... ";
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(HEAD) {
        let after = &rest[i + HEAD.len()..];
        let digits = after.chars().take_while(char::is_ascii_digit).count();
        out.push_str(&rest[..i + HEAD.len()]);
        if digits > 0 && after[digits..].starts_with(" files") {
            out.push('N');
            rest = &after[digits..];
        } else {
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// Asserts two scenario results are equal after [`normalize`], naming
/// every step that differs.
#[track_caller]
pub(crate) fn assert_same(scenario: &str, ours: &Json, theirs: &Json, output: &str) {
    let (a, b) = (normalize(ours), normalize(theirs));
    if a == b {
        return;
    }
    let mut report = String::new();
    let keys = b.as_object().map(|m| m.keys().cloned().collect::<Vec<_>>());
    for k in keys.unwrap_or_default() {
        if a.get(&k) != b.get(&k) {
            let (path, x, y) = first_difference(a.get(&k), b.get(&k));
            report.push_str(&format!(
                "step `{k}`, at `{path}`:\n  ours:    {x}\n  ansible: {y}\n"
            ));
        }
    }
    panic!("{scenario}: results differ from ansible-core's\n{report}\nour output:\n{output}");
}

/// Where two values first differ: a dotted path and both sides there.
fn first_difference(a: Option<&Json>, b: Option<&Json>) -> (String, String, String) {
    let show = |v: Option<&Json>| v.map_or("(absent)".to_owned(), Json::to_string);
    match (a, b) {
        (Some(Json::Object(x)), Some(Json::Object(y))) => {
            let keys = x.keys().chain(y.keys().filter(|k| !x.contains_key(*k)));
            for k in keys {
                if x.get(k) != y.get(k) {
                    let (p, l, r) = first_difference(x.get(k), y.get(k));
                    return (format!("{k}.{p}").trim_end_matches('.').to_owned(), l, r);
                }
            }
            (String::new(), show(a), show(b))
        }
        _ => (String::new(), show(a), show(b)),
    }
}

/// Reads a golden file.
pub(crate) fn golden(scenario: &str) -> Json {
    let text = std::fs::read_to_string(golden_path(scenario)).unwrap_or_else(|e| {
        panic!("golden of {scenario} ({e}): run tests/modules/gen_deb_results.sh")
    });
    serde_json::from_str(&text).expect("golden is JSON")
}

/// Writes a golden file (from `gen_deb_results.sh`).
pub(crate) fn write_golden(scenario: &str, results: &Json) {
    let text = serde_json::to_string_pretty(&normalize(results)).expect("serialize");
    // Golden files are normalized already: comparing normalizes again.
    std::fs::write(golden_path(scenario), text + "\n").expect("write a golden");
}
