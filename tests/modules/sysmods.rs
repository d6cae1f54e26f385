//! System modules (`user`, `group`, `mount`, `cron`, ...) side by side with
//! ansible-core 2.19.14 on real test hosts.
//!
//! Each case is a file `tests/modules/sysmods/<case>.yml`: the tasks of one
//! play, a `prep` shell run on the fresh host, the `files` (`PATH`, or
//! `PATH ~ REGEX` to keep only matching lines) and `probes` (shell
//! commands) whose state is compared, `local` (controller files under
//! the play's directory, for `fetch`), `controller` (a shell script run
//! in the play's directory first: the files a `copy` sends), `masks` (regexes replaced by `MASK`,
//! or only their first group, where values differ by nature: a temp
//! file's name, the day a password changed) and
//! `passes` (by default: `check` = `--check --diff`, then `apply` twice =
//! `--diff`, so idempotency is part of the comparison). After each pass
//! the play writes every registered result to the host (a last task), and
//! the driver records the recap line, those results (without
//! `invocation` and the per-module `diff` dict, which our engine prints
//! rather than registers) and the state.
//!
//! Modes, by `SYSMODS_ANSIBLE`:
//! - unset: `konvoy-image playbook` on one test host, compared with the
//!   golden `tests/modules/golden/sysmods/<case>.json` that
//!   ansible-playbook produced (`gen_sysmods.sh` regenerates them);
//! - `live`: both tools at once on twin hosts, compared with each other;
//! - `record`: like `live`, then writes ansible's side as the golden.

use crate::harness::{Fleet, Os, TestHost};
use serde_json::{json, Value as Json};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

/// One case file.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    #[serde(default)]
    os: Option<String>,
    #[serde(default)]
    prep: String,
    #[serde(default)]
    files: Vec<String>,
    #[serde(default)]
    probes: Vec<String>,
    #[serde(default)]
    local: Vec<String>,
    #[serde(default)]
    controller: String,
    /// Hosts with their own network namespace (firewall cases).
    #[serde(default)]
    own_network: bool,
    #[serde(default)]
    masks: Vec<String>,
    #[serde(default)]
    passes: Option<Vec<String>>,
    #[serde(default)]
    vars: Option<serde_yaml::Value>,
    tasks: serde_yaml::Value,
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn os_of(name: Option<&str>) -> Os {
    match name.unwrap_or("debian") {
        "debian" => Os::Debian,
        "centos-7" => Os::Centos7,
        "centos-8" => Os::Centos8,
        "rocky-9" => Os::Rocky9,
        "ubuntu-22.04" => Os::Ubuntu2204,
        other => panic!("unknown os `{other}` in a sysmods case"),
    }
}

/// Every `register:` name in `tasks` (blocks included), in order.
fn registered(tasks: &serde_yaml::Value, out: &mut Vec<String>) {
    match tasks {
        serde_yaml::Value::Sequence(items) => items.iter().for_each(|t| registered(t, out)),
        serde_yaml::Value::Mapping(m) => {
            for (k, v) in m {
                match k.as_str() {
                    Some("register") => out.extend(v.as_str().map(str::to_owned)),
                    Some("block" | "rescue" | "always") => registered(v, out),
                    _ => {}
                }
            }
        }
        _ => {}
    }
}

const RESULTS: &str = "/root/twin-results.json";

/// The play: the case's tasks, then one task writing every registered
/// result to [`RESULTS`] on the host.
fn play(case: &Case) -> String {
    let mut names = Vec::new();
    registered(&case.tasks, &mut names);
    let dict: Vec<String> = names
        .iter()
        .map(|n| format!("'{n}': {n} | default('UNDEFINED')"))
        .collect();
    let writer = serde_yaml::to_value(json!({
        "name": "twin results",
        "check_mode": false,
        "copy": {
            "dest": RESULTS,
            "content": format!("{{{{ {{{}}} | to_json }}}}", dict.join(", ")),
        }
    }))
    .expect("yaml");
    let mut tasks = case.tasks.as_sequence().cloned().unwrap_or_default();
    tasks.push(writer);
    let mut play = serde_yaml::Mapping::new();
    play.insert("hosts".into(), "all".into());
    play.insert("gather_facts".into(), false.into());
    if let Some(v) = &case.vars {
        play.insert("vars".into(), v.clone());
    }
    play.insert("tasks".into(), serde_yaml::Value::Sequence(tasks));
    serde_yaml::to_string(&vec![play]).expect("yaml")
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Tool {
    Ansible,
    Ours,
}

/// What one pass left (`dir`: the side's playbook directory).
fn pass_record(
    recap: &str,
    results: Json,
    host: &TestHost,
    case: &Case,
    dir: &std::path::Path,
) -> Json {
    let mut files = BTreeMap::new();
    for f in &case.files {
        // `PATH ~ REGEX` keeps only the lines matching REGEX (what the case
        // is about, not the machine's own accounts).
        let (path, keep) = match f.split_once(" ~ ") {
            Some((p, re)) => (p, Some(regex::Regex::new(re).expect("valid file filter"))),
            None => (f.as_str(), None),
        };
        let p = host.root().join(path.trim_start_matches('/'));
        let v = match std::fs::read(&p) {
            Ok(b) => {
                let text = String::from_utf8_lossy(&b).into_owned();
                Json::String(match &keep {
                    Some(re) => text
                        .split_inclusive('\n')
                        .filter(|l| re.is_match(l))
                        .collect(),
                    None => text,
                })
            }
            Err(_) => Json::Null,
        };
        files.insert(f.clone(), v);
    }
    let mut probes = BTreeMap::new();
    for p in &case.probes {
        let out = host.exec_direct(p);
        let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.push_str(&String::from_utf8_lossy(&out.stderr));
        probes.insert(
            p.clone(),
            json!(format!("rc={} {}", out.status.code().unwrap_or(-1), text)),
        );
    }
    let mut local = BTreeMap::new();
    for f in &case.local {
        let v = std::fs::read(dir.join(f))
            .map(|b| Json::String(String::from_utf8_lossy(&b).into_owned()))
            .unwrap_or(Json::Null);
        local.insert(f.clone(), v);
    }
    let mut record =
        json!({ "recap": recap, "results": results, "files": files, "probes": probes });
    if !case.local.is_empty() {
        record["local"] = json!(local);
    }
    record
}

/// Runs every pass of `case` with `tool` on `host`.
fn run_side(case: &Case, name: &str, tool: Tool, fleet: &Fleet, host: &TestHost) -> Vec<Json> {
    let dir = repo()
        .join("target/sysmods")
        .join(name)
        .join(format!("{tool:?}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("side dir");
    std::fs::write(dir.join("play.yml"), play(case)).expect("write play");
    if !case.controller.trim().is_empty() {
        let st = Command::new("sh")
            .args(["-euc", &case.controller])
            .current_dir(&dir)
            .status()
            .expect("run the controller script");
        assert!(st.success(), "the controller script of `{name}` failed");
    }
    let inv = format!(
        "all:\n  hosts:\n    testhost:\n      ansible_host: {}\n  vars:\n    ansible_user: root\n    \
         ansible_ssh_private_key_file: {}\n    ansible_python_interpreter: /usr/bin/python3\n    \
         ansible_ssh_common_args: \"-o UserKnownHostsFile={} -o StrictHostKeyChecking=yes\"\n",
        host.address(),
        fleet.private_key().display(),
        fleet.known_hosts().display()
    );
    std::fs::write(dir.join("inventory.yml"), inv).expect("write inventory");
    let passes = case
        .passes
        .clone()
        .unwrap_or_else(|| vec!["check".into(), "apply".into(), "apply".into()]);
    let mut out = Vec::new();
    for (i, pass) in passes.iter().enumerate() {
        let flags: &[&str] = match pass.as_str() {
            "check" => &["--check", "--diff"],
            "apply" => &["--diff"],
            "plain" => &[],
            other => panic!("unknown pass `{other}`"),
        };
        let _ = std::fs::remove_file(host.root().join(RESULTS.trim_start_matches('/')));
        let mut cmd = match tool {
            Tool::Ansible => {
                let mut c = Command::new("ansible-playbook");
                c.env("ANSIBLE_SSH_CONTROL_PATH_DIR", dir.join(format!("cp{i}")))
                    .env("ANSIBLE_LOCAL_TEMP", dir.join("tmp"))
                    .env("ANSIBLE_COLLECTIONS_PATH", collections())
                    .env("ANSIBLE_PIPELINING", "1")
                    .env("ANSIBLE_RETRY_FILES_ENABLED", "0");
                c
            }
            Tool::Ours => {
                let mut c = Command::new(env!("CARGO_BIN_EXE_konvoy-image"));
                c.args(["playbook", "--no-run-log"]);
                c
            }
        };
        for (k, _) in std::env::vars_os() {
            if k.to_string_lossy().starts_with("ANSIBLE_") && tool == Tool::Ours {
                cmd.env_remove(&k);
            }
        }
        let output = cmd
            .current_dir(&dir)
            .env("ANSIBLE_NOCOLOR", "1")
            .env("NO_COLOR", "1")
            .args(flags)
            .args(["-i", "inventory.yml", "play.yml"])
            .output()
            .expect("run a playbook tool");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        std::fs::write(dir.join(format!("pass{i}.log")), &text).expect("write log");
        let recap = text
            .lines()
            .find(|l| l.starts_with("testhost") && l.contains(" : ok="))
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .unwrap_or_else(|| format!("no recap; output:\n{text}"));
        let results = std::fs::read_to_string(host.root().join(RESULTS.trim_start_matches('/')))
            .ok()
            .and_then(|t| serde_json::from_str::<Json>(&t).ok())
            .map(clean)
            .unwrap_or(Json::Null);
        out.push(pass_record(&recap, results, host, case, &dir));
    }
    out
}

/// Sorts keys and drops what the engines register differently by design: `invocation`
/// (module arguments as Ansible echoes them) and the per-module `diff`
/// dict (our diff is printed, not registered); `warnings` and
/// `deprecations` are the tools' own messages.
fn clean(v: Json) -> Json {
    match v {
        Json::Object(m) => {
            // Sorted: key order is not what these cases compare.
            let mut entries: Vec<(String, Json)> = m
                .into_iter()
                .filter(|(k, _)| {
                    !matches!(
                        k.as_str(),
                        "invocation" | "diff" | "warnings" | "deprecations"
                    )
                })
                .map(|(k, v)| (k, clean(v)))
                .collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Json::Object(entries.into_iter().collect())
        }
        Json::Array(a) => Json::Array(a.into_iter().map(clean).collect()),
        other => other,
    }
}

/// `ANSIBLE_COLLECTIONS_PATH` for the ansible side (fetched once).
fn collections() -> PathBuf {
    let out = Command::new(repo().join("tests/modules/fetch-collections.sh"))
        .output()
        .expect("run fetch-collections.sh");
    assert!(
        out.status.success(),
        "fetch-collections.sh: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

/// The side's record with host-specific values and the case's masks
/// replaced, as pretty JSON text.
fn normalise(passes: &[Json], host: &TestHost, masks: &[String]) -> String {
    let mut text = serde_json::to_string_pretty(passes).expect("json");
    text = text.replace(&repo().display().to_string(), "REPO");
    text = text.replace(&host.address().to_string(), "ADDRESS");
    text = text.replace(host.name(), "HOSTNAME");
    // The host's overlay directories (seen in its mount table).
    let dirs = regex::Regex::new(r"konvoy-test-hosts/h\d+-\d+-").expect("valid regex");
    text = dirs
        .replace_all(&text, "konvoy-test-hosts/HOST-")
        .into_owned();
    for m in masks {
        // With a capture group, only the group is masked.
        let re = regex::Regex::new(m).expect("valid mask regex");
        text = re
            .replace_all(&text, |c: &regex::Captures<'_>| match c.get(1) {
                Some(g) => {
                    let all = c.get(0).expect("match");
                    format!(
                        "{}MASK{}",
                        &all.as_str()[..g.start() - all.start()],
                        &all.as_str()[g.end() - all.start()..]
                    )
                }
                None => "MASK".to_owned(),
            })
            .into_owned();
    }
    text
}

fn golden_path(name: &str) -> PathBuf {
    repo().join(format!("tests/modules/golden/sysmods/{name}.json"))
}

fn prepare(host: &TestHost, prep: &str) {
    if !prep.trim().is_empty() {
        host.sh(prep);
    }
}

/// Runs case `name` in the mode `SYSMODS_ANSIBLE` selects.
#[track_caller]
fn case(name: &str) {
    let path = repo().join(format!("tests/modules/sysmods/{name}.yml"));
    let text = std::fs::read_to_string(&path).expect("read the case");
    let case: Case = serde_yaml::from_str(&text).expect("parse the case");
    let os = os_of(case.os.as_deref());
    let mode = std::env::var("SYSMODS_ANSIBLE").unwrap_or_default();
    let live = matches!(mode.as_str(), "live" | "record");
    let fleet = Fleet::builder()
        .hosts(if live { 2 } else { 1 }, os)
        .own_network(case.own_network)
        .start();
    for h in fleet.hosts() {
        prepare(h, &case.prep);
    }
    let ours_host = &fleet.hosts()[0];
    let (ours, theirs) = std::thread::scope(|s| {
        let ours = s.spawn(|| run_side(&case, name, Tool::Ours, &fleet, ours_host));
        let theirs = live.then(|| {
            let h = &fleet.hosts()[1];
            (run_side(&case, name, Tool::Ansible, &fleet, h), h)
        });
        (ours.join().expect("our side"), theirs)
    });
    let ours = normalise(&ours, ours_host, &case.masks);
    let expected = match theirs {
        Some((passes, h)) => {
            let t = normalise(&passes, h, &case.masks);
            if mode == "record" {
                std::fs::create_dir_all(golden_path(name).parent().expect("dir")).expect("mkdir");
                std::fs::write(golden_path(name), format!("{t}\n")).expect("write golden");
            }
            t
        }
        None => std::fs::read_to_string(golden_path(name))
            .unwrap_or_else(|_| {
                panic!("no golden for `{name}`: run tests/modules/gen_sysmods.sh {name}")
            })
            .trim_end()
            .to_owned(),
    };
    if ours != expected {
        panic!(
            "`{name}` differs from ansible-core 2.19.14\n{}\nlogs: {}",
            line_diff(&expected, &ours),
            repo().join("target/sysmods").join(name).display()
        );
    }
}

/// A minimal line diff: the lines of each side that the other lacks, in
/// order, with a few lines of context.
fn line_diff(expected: &str, got: &str) -> String {
    let e: Vec<&str> = expected.lines().collect();
    let g: Vec<&str> = got.lines().collect();
    let mut out = String::new();
    let n = e.len().max(g.len());
    let mut shown = 0;
    for i in 0..n {
        let (a, b) = (e.get(i).copied(), g.get(i).copied());
        if a != b {
            if let Some(a) = a {
                out.push_str(&format!("-ansible {i}: {a}\n"));
            }
            if let Some(b) = b {
                out.push_str(&format!("+ours    {i}: {b}\n"));
            }
            shown += 1;
            if shown > 40 {
                out.push_str("...\n");
                break;
            }
        }
    }
    out.push_str("--- ansible (whole)\n");
    out.push_str(expected);
    out.push_str("\n--- ours (whole)\n");
    out.push_str(got);
    out
}

#[test]
fn user() {
    case("user");
}

#[test]
fn group() {
    case("group");
}

#[test]
fn user_sshkey() {
    case("user_sshkey");
}

#[test]
fn mount() {
    case("mount");
}

#[test]
fn hostname() {
    case("hostname");
}

#[test]
fn readers() {
    case("readers");
}

#[test]
fn pam_limits() {
    case("pam_limits");
}

#[test]
fn selinux() {
    case("selinux");
}

#[test]
fn known_hosts() {
    case("known_hosts");
}

#[test]
fn copy_dir() {
    case("copy_dir");
}

#[test]
fn assemble() {
    case("assemble");
}

#[test]
fn pip() {
    case("pip");
}

#[test]
fn fetch() {
    case("fetch");
}

#[test]
fn cron() {
    case("cron");
}

#[test]
fn openssh_keypair() {
    case("openssh_keypair");
}

#[test]
fn pamd() {
    case("pamd");
}

#[test]
fn iptables() {
    case("iptables");
}

#[test]
fn file_link() {
    case("file_link");
}

#[test]
fn file_hard() {
    case("file_hard");
}

#[test]
fn find_contains() {
    case("find_contains");
}

#[test]
fn find_depth() {
    case("find_depth");
}
