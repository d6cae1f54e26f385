//! Facts gathered over SSH from real test hosts (see `crate::harness`):
//! CentOS 7, CentOS 8, Flatcar and Debian identities, each an sshd on
//! 127.0.0.N over its own overlay. The probe runs as `sh -s` with the
//! script on stdin, one exec per host.
//!
//! The expectation is produced live by the installed ansible-core 2.19.14:
//! `ansible all -i INVENTORY -m setup` against the same hosts. Flatcar hosts
//! have no Python, so Ansible cannot gather there; for them the values are
//! those ansible-core's own distribution collector gives for that host's
//! files and `lsb_release` output (run in `oracle.rs`).
//!
//! The hosts are overlays of this Debian machine, so they also carry its
//! binaries: `/usr/bin/dnf` exists everywhere, which is why 2.19 says `dnf`
//! on the CentOS 7 host, and `/usr/bin/apt-get` makes Flatcar's `apt`.

use std::process::Command;

use crate::harness::{Fleet, Os};
use crate::transport::root_session;
use engine::facts::{gather_script, parse, Facts};
use engine::transport::ExecRequest;
use engine::value::Value;
use serde_json::Value as Json;

/// Facts that move between two runs, or that depend on the connection
/// rather than the host (the SSH client's address and port in `env`).
const SKIP: &[&str] = &["memfree_mb", "memory_mb", "env"];

/// Environment variables that belong to the connection, not the host: the
/// client's address, and the terminal Ansible requests (`ssh -tt`) where
/// the probe runs without one.
const PER_CONNECTION_ENV: &[&str] = &["SSH_CLIENT", "SSH_CONNECTION", "SSH_TTY", "TERM"];

/// Where to record each host's probe output and Ansible's facts, when set:
/// `KONVOY_RECORD_FACTS=engine/src/facts/testdata cargo test --test
/// integration facts::hosts` regenerates the parser's unit-test data.
fn record_dir() -> Option<std::path::PathBuf> {
    std::env::var_os("KONVOY_RECORD_FACTS").map(std::path::PathBuf::from)
}

fn os_name(os: Os) -> &'static str {
    match os {
        Os::Centos7 => "centos7",
        Os::Centos8 => "centos8",
        Os::Debian => "debian12",
        Os::Flatcar => "flatcar",
        other => other.slug(),
    }
}

/// Runs the probe on `name`; with `record`, saves its output (see
/// [`record_dir`]).
fn gather(fleet: &Fleet, name: &str, record: bool) -> Facts {
    let host = fleet.host(name);
    let mut transport = root_session(fleet, host);
    let started = std::time::Instant::now();
    let out = transport
        .exec(&ExecRequest::new("sh -s").stdin(gather_script()))
        .unwrap_or_else(|e| panic!("probe on {name}: {e}"));
    let elapsed = started.elapsed();
    let facts_started = std::time::Instant::now();
    let parsed = parse(&out.stdout);
    println!(
        "{name} ({:?}): probe round trip {elapsed:?}, {} bytes, parsed in {:?}",
        host.os(),
        out.stdout.len(),
        facts_started.elapsed()
    );
    assert_eq!(out.rc, 0, "probe on {name}: {}", out.stderr_str());
    assert!(
        out.stderr.is_empty(),
        "probe on {name} wrote to stderr: {}",
        out.stderr_str()
    );
    if let Some(dir) = record_dir().filter(|_| record) {
        let path = dir.join(format!("{}.probe", os_name(host.os())));
        std::fs::write(&path, &out.stdout).expect("record the probe output");
    }
    parsed.unwrap_or_else(|e| panic!("probe output of {name}: {e}"))
}

/// `ansible_facts` per host from `ansible HOSTS -m setup -o`.
fn ansible_setup(fleet: &Fleet, limit: &str) -> serde_json::Map<String, Json> {
    let inventory = fleet.write_inventory(fleet.dir());
    let python = Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .expect("python3 with ansible-core 2.19.14 is installed");
    let python = String::from_utf8_lossy(&python.stdout).trim().to_owned();
    let out = Command::new(python)
        .args(["-m", "ansible", "adhoc", limit, "-i"])
        .arg(&inventory)
        .args([
            "-m",
            "setup",
            "-o",
            "-e",
            "ansible_python_interpreter=/usr/bin/python3",
        ])
        .env("ANSIBLE_HOST_KEY_CHECKING", "True")
        .env("ANSIBLE_NOCOLOR", "1")
        .output()
        .expect("ansible runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut hosts = serde_json::Map::new();
    for line in text.lines() {
        let Some((head, json)) = line.split_once(" => ") else {
            continue;
        };
        let name = head.split(" | ").next().unwrap_or("").to_owned();
        let result: Json =
            serde_json::from_str(json).unwrap_or_else(|e| panic!("ansible output for {name}: {e}"));
        assert!(
            head.contains("SUCCESS"),
            "ansible setup failed on {name}: {json}"
        );
        hosts.insert(name, result["ansible_facts"].clone());
    }
    hosts
}

fn to_json(value: &Value) -> Json {
    value.to_serde_json()
}

fn text<'a>(facts: &'a Facts, key: &str) -> &'a str {
    facts
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("fact `{key}` missing"))
}

/// Gathers on each of `names` and compares every fact with Ansible's
/// `setup` on the same hosts; returns the facts.
fn gather_and_compare(fleet: &Fleet, names: &[&str], record: bool) -> Vec<Facts> {
    let ansible = ansible_setup(fleet, &names.join(","));
    let mut wrong = Vec::new();
    let mut compared = 0;
    let mut all = Vec::new();
    for &name in names {
        let facts = gather(fleet, name, record);
        let theirs = ansible[name].as_object().expect("facts for every host");
        for (key, ours) in facts.as_map() {
            if SKIP.contains(&key.as_str()) {
                continue;
            }
            compared += 1;
            match theirs
                .get(&format!("ansible_{key}"))
                .or_else(|| theirs.get(key))
            {
                Some(value) if *value == to_json(ours) => {}
                value => wrong.push(format!(
                    "{name}: {key}: ansible {value:?}, probe {}",
                    to_json(ours)
                )),
            }
        }
        // The environment: equal but for what each connection sets.
        let env = |j: &Json| {
            let mut m = j.as_object().cloned().unwrap_or_default();
            for key in PER_CONNECTION_ENV {
                m.remove(*key);
            }
            // Python's PEP 538 locale coercion adds this to the module's
            // environment when the host sets no locale; no shell does.
            if m.get("LC_CTYPE").and_then(Json::as_str) == Some("C.UTF-8")
                && m.get("LANG").is_none()
            {
                m.remove("LC_CTYPE");
            }
            m
        };
        let ours = env(&to_json(facts.get("env").expect("env")));
        let theirs_env = env(&theirs["ansible_env"]);
        if ours != theirs_env {
            wrong.push(format!(
                "{name}: env: ansible {theirs_env:?}, probe {ours:?}"
            ));
        }
        if let Some(dir) = record_dir().filter(|_| record) {
            // Ansible's values for the facts compared above.
            let mut kept = serde_json::Map::new();
            for key in facts.as_map().keys() {
                if let Some(value) = theirs
                    .get(&format!("ansible_{key}"))
                    .or_else(|| theirs.get(key))
                {
                    if !SKIP.contains(&key.as_str()) {
                        kept.insert(key.clone(), value.clone());
                    }
                }
            }
            let path = dir.join(format!("{}.setup.json", os_name(fleet.host(name).os())));
            let text = serde_json::to_string_pretty(&Json::Object(kept)).expect("json");
            std::fs::write(&path, text + "\n").expect("record ansible's facts");
        }
        let swap = |j: &Json| j["swap"]["total"].clone();
        assert_eq!(
            swap(&to_json(facts.get("memory_mb").expect("memory_mb"))),
            swap(&theirs["ansible_memory_mb"])
        );
        all.push(facts);
    }
    println!(
        "{compared} facts compared with ansible setup on {} hosts, {} differ",
        names.len(),
        wrong.len()
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    all
}

#[test]
fn facts_over_ssh_equal_ansible_setup_on_centos7_centos8_debian_and_flatcar_rules() {
    let fleet = Fleet::builder()
        .host(Os::Centos7)
        .host(Os::Centos8)
        .host(Os::Debian)
        .host(Os::Flatcar)
        .start();
    gather_and_compare(&fleet, &["node1", "node2", "node3"], true);

    let c7 = gather(&fleet, "node1", false);
    assert_eq!(
        [
            text(&c7, "os_family"),
            text(&c7, "distribution"),
            text(&c7, "distribution_major_version")
        ],
        ["RedHat", "CentOS", "7"]
    );
    assert_eq!(text(&c7, "distribution_version"), "7.9");
    assert_eq!(
        text(&c7, "pkg_mgr"),
        "dnf",
        "2.19 picks dnf whenever /usr/bin/dnf exists"
    );
    assert_eq!(c7.pkg_mgr_legacy(), "yum", "2.13 picked yum on EL7");

    let c8 = gather(&fleet, "node2", false);
    assert_eq!(
        [
            text(&c8, "os_family"),
            text(&c8, "distribution"),
            text(&c8, "distribution_major_version")
        ],
        ["RedHat", "CentOS", "8"]
    );
    assert_eq!(text(&c8, "pkg_mgr"), "dnf");
    assert_eq!(c8.pkg_mgr_legacy(), "dnf");

    // Flatcar: Ansible's rules on this host's files. Flatcar is missing from
    // the os_family map, so it is its own family. os-release has no
    // codename, so the release comes from `lsb_release -a`: this host sees
    // Debian's shell `lsb_release`, which says `Codename: n/a` (a real
    // Flatcar has none and gets `NA`, as ansible-core's Flatcar fixture shows).
    // `oracle.rs` runs ansible-core's collector on these same inputs.
    let fc = gather(&fleet, "node4", true);
    assert_eq!(
        [
            text(&fc, "os_family"),
            text(&fc, "distribution"),
            text(&fc, "distribution_major_version"),
            text(&fc, "distribution_version"),
            text(&fc, "distribution_release"),
        ],
        ["Flatcar", "Flatcar", "3033", "3033.2.0", "n/a"]
    );
    // Not `unknown` as on a real Flatcar: this host sees Debian's apt-get.
    assert_eq!(text(&fc, "pkg_mgr"), "apt");
    assert_eq!(fc.python(), None, "Flatcar hosts have no Python");
    assert_eq!(text(&fc, "hostname"), "node4");
    assert_eq!(text(&fc, "service_mgr"), text(&c7, "service_mgr"));
}

/// A host whose PID 1 is a real systemd: `service_mgr` is `systemd`, and
/// every other fact still equals Ansible's.
#[test]
fn facts_on_a_systemd_host_equal_ansible_setup() {
    let fleet = Fleet::builder().host(Os::Centos8).systemd(true).start();
    let facts = gather_and_compare(&fleet, &["node1"], false);
    assert_eq!(text(&facts[0], "service_mgr"), "systemd");
}
