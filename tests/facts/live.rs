//! The probe script on this machine, compared with what
//! `ansible localhost -m setup -c local` (the installed ansible-core
//! 2.19.14) reports here, both run at test time with the same environment.
//! Nothing is recorded: the machine varies, so the expectation is produced
//! live, next to the probe.
//!
//! The probe runs four ways: `sh -s` (dash on Debian), `busybox sh -s`
//! (no bashisms), with `env -i PATH=/usr/bin:/bin` (no environment), and
//! with only busybox applets on `PATH` (no GNU tools, no `getent`).

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use engine::facts::{gather_script, parse, Facts};
use engine::value::Value;
use serde_json::Value as Json;

/// The environment both Ansible and the probe run with. `LANG` is set so
/// that Python does not add `LC_CTYPE` (PEP 538 locale coercion) to the
/// module's environment.
const ENV: &[(&str, &str)] = &[
    ("PATH", "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"),
    ("HOME", "/root"),
    ("LOGNAME", "root"),
    ("USER", "root"),
    ("LANG", "C.UTF-8"),
];

/// Facts Ansible computes that change between two runs a second apart.
const VOLATILE: &[&str] = &["memfree_mb", "memory_mb"];

fn python() -> String {
    let out = Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .expect("python3 with ansible-core 2.19.14 is installed");
    String::from_utf8(out.stdout)
        .expect("utf-8 path")
        .trim()
        .to_owned()
}

/// `ansible_facts` of `setup` on localhost, keys without the prefix.
fn ansible_facts() -> &'static serde_json::Map<String, Json> {
    static FACTS: OnceLock<serde_json::Map<String, Json>> = OnceLock::new();
    FACTS.get_or_init(|| {
        let out = Command::new(python())
            .args([
                "-m",
                "ansible",
                "adhoc",
                "localhost",
                "-m",
                "setup",
                "-c",
                "local",
                "-o",
            ])
            .env_clear()
            .envs(ENV.iter().copied())
            .output()
            .expect("ansible runs");
        let text = String::from_utf8_lossy(&out.stdout);
        let json = text.split_once("=> ").expect("`host | SUCCESS => {...}`").1;
        let result: Json = serde_json::from_str(json.trim()).expect("setup prints JSON");
        result["ansible_facts"]
            .as_object()
            .expect("ansible_facts")
            .iter()
            .map(|(k, v)| {
                (
                    k.strip_prefix("ansible_").unwrap_or(k).to_owned(),
                    v.clone(),
                )
            })
            .collect()
    })
}

/// Runs the probe with `shell -s`, script on stdin, under `env`.
fn probe(shell: &[&str], env: &[(&str, &str)]) -> Vec<u8> {
    let mut child = Command::new(shell[0])
        .args(&shell[1..])
        .arg("-s")
        .env_clear()
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the shell runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(gather_script().as_bytes())
        .expect("script written");
    let out = child.wait_with_output().expect("probe finishes");
    assert!(out.status.success(), "probe failed under {shell:?}");
    assert!(
        out.stderr.is_empty(),
        "probe wrote to stderr under {shell:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn to_json(value: &Value) -> Json {
    value.to_serde_json()
}

/// Every fact we produce, compared with Ansible's; returns the mismatches.
fn compare(facts: &Facts, skip: &[&str]) -> Vec<String> {
    let ansible = ansible_facts();
    let mut wrong = Vec::new();
    for (key, ours) in facts.as_map() {
        if skip.contains(&key.as_str()) || VOLATILE.contains(&key.as_str()) {
            continue;
        }
        let ours = to_json(ours);
        match ansible.get(key) {
            Some(theirs) if *theirs == ours => {}
            theirs => wrong.push(format!("{key}: ansible {theirs:?}, probe {ours}")),
        }
    }
    wrong
}

/// Facts that move between runs must still have Ansible's shape and agree
/// within a margin.
fn check_volatile(facts: &Facts) {
    let ansible = ansible_facts();
    let ours = to_json(facts.get("memory_mb").expect("memory_mb"));
    let theirs = &ansible["memory_mb"];
    for group in ["real", "nocache", "swap"] {
        let keys = |j: &Json| {
            let mut keys: Vec<String> = j[group]
                .as_object()
                .map(|o| o.keys().cloned().collect())
                .unwrap_or_default();
            keys.sort();
            keys
        };
        assert_eq!(keys(&ours), keys(theirs), "memory_mb.{group} keys");
    }
    assert_eq!(ours["real"]["total"], theirs["real"]["total"]);
    assert_eq!(
        facts.get("memfree_mb").map(to_json).as_ref(),
        Some(&ours["real"]["free"])
    );
    assert_eq!(ours["swap"]["total"], theirs["swap"]["total"]);
    let free = |j: &Json| j.as_i64().expect("a number");
    let (a, b) = (free(&ours["real"]["free"]), free(&theirs["real"]["free"]));
    // Seconds apart on a machine where other builds allocate gigabytes:
    // the same order of magnitude is all that can be asked.
    assert!(
        (a - b).abs() * 3 < b.max(1),
        "memory_mb.real.free {a} vs ansible {b}"
    );
}

#[test]
fn probe_under_sh_gives_ansibles_facts() {
    let facts = parse(&probe(&["sh"], ENV)).expect("probe output parses");
    // `python` describes the host's python3 on PATH; Ansible here ran the
    // controller's interpreter (ansible_playbook_python): see facts/mod.rs.
    let wrong = compare(&facts, &["python", "python_version"]);
    assert!(
        wrong.is_empty(),
        "{} facts differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    println!(
        "{} facts equal to ansible's, {VOLATILE:?} within margins",
        facts.as_map().len() - VOLATILE.len()
    );
    check_volatile(&facts);
    for key in [
        "os_family",
        "distribution",
        "distribution_major_version",
        "distribution_version",
        "distribution_release",
        "pkg_mgr",
        "service_mgr",
        "architecture",
        "machine",
        "kernel",
        "kernel_version",
        "system",
        "hostname",
        "nodename",
        "fqdn",
        "domain",
        "default_ipv4",
        "all_ipv4_addresses",
        "memtotal_mb",
        "memfree_mb",
        "memory_mb",
        "swaptotal_mb",
        "swapfree_mb",
        "env",
        "user_id",
        "user_uid",
        "user_gid",
        "processor_vcpus",
        "processor_count",
    ] {
        assert!(facts.get(key).is_some(), "{key} is gathered");
    }
    assert_eq!(
        facts.python().is_some(),
        ansible_facts().contains_key("python")
    );
}

#[test]
fn probe_under_busybox_sh_gives_the_same_facts() {
    let dash = parse(&probe(&["sh"], ENV)).expect("probe output parses");
    let busybox = parse(&probe(&["busybox", "sh"], ENV)).expect("busybox probe output parses");
    // busybox `sh` exports SHLVL, as it would to Ansible's Python on a
    // busybox host; everything else must be identical.
    let wrong = compare(&busybox, &["env", "python", "python_version"]);
    assert!(
        wrong.is_empty(),
        "{} facts differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    let without = |f: &Facts| {
        let mut m = f.as_map().clone();
        for k in VOLATILE {
            m.shift_remove(*k);
        }
        if let Some(Value::Map(env)) = m.get_mut("env") {
            env.shift_remove("SHLVL");
        }
        m
    };
    assert_eq!(without(&dash), without(&busybox));
}

#[test]
fn probe_without_environment_still_gathers() {
    let env = [("PATH", "/usr/bin:/bin")];
    let facts = parse(&probe(&["env", "-i", "PATH=/usr/bin:/bin", "sh"], &env))
        .expect("probe output parses");
    // The environment differs by design; the user comes from `id` instead
    // of LOGNAME, which names the same user here.
    let wrong = compare(&facts, &["env", "python", "python_version"]);
    assert!(
        wrong.is_empty(),
        "{} facts differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    let env = facts.get("env").and_then(Value::as_map).expect("env fact");
    assert_eq!(
        env.get("PATH").and_then(Value::as_str),
        Some("/usr/bin:/bin")
    );
}

/// Only busybox applets on `PATH` (a Flatcar rescue shell, an Alpine host):
/// the same facts, except those `getent` provides. Without it `fqdn` comes
/// from `hostname -f`, which does not reverse-resolve as Python does.
#[test]
fn probe_with_only_busybox_applets_gives_the_same_facts() {
    let dir = tempfile::tempdir().expect("temp dir");
    let status = Command::new("busybox")
        .args(["--install", "-s"])
        .arg(dir.path())
        .status()
        .expect("busybox is installed (apt-get install busybox)");
    assert!(status.success(), "busybox --install failed");
    let path = dir.path().to_str().expect("utf-8 temp path");
    let sh = format!("{path}/sh");
    let env = [("PATH", path)];
    let facts = parse(&probe(&[sh.as_str()], &env)).expect("probe output parses");
    let wrong = compare(
        &facts,
        &["env", "fqdn", "domain", "python", "python_version"],
    );
    assert!(
        wrong.is_empty(),
        "{} facts differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert_eq!(facts.get("userspace_bits"), Some(&Value::from("64")));
}
