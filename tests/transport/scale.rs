//! Many hosts on few file descriptors: the real `konvoy-image` binary, its
//! descriptor limit cut to 28 (soft and hard, so it cannot raise it), runs
//! a playbook on 24 hosts at `--forks 24`. Sessions are budgeted (here the
//! minimum of 8), idle ones evicted and reopened: every host must be
//! reached and every task succeed, with no "unreachable" at all.
//!
//! The full-size run (300 hosts, `ulimit -n 1024`) is `benches/scale.sh`,
//! outside CI.

use crate::harness::{Fleet, Os};
use std::os::unix::process::CommandExt;
use std::process::Command;
use std::time::{Duration, Instant};

const HOSTS: usize = 24;

#[test]
fn two_dozen_hosts_on_28_descriptors_all_succeed() {
    let fleet = Fleet::builder().hosts(HOSTS, Os::Debian).start();
    let dir = tempfile::tempdir().expect("temp dir");
    fleet.write_inventory(dir.path());
    std::fs::write(
        dir.path().join("site.yml"),
        "- hosts: all\n  gather_facts: false\n  tasks:\n    \
         - command: hostname\n      register: h\n    \
         - copy: content=\"{{ h.stdout }}\\n\" dest=/root/name\n    \
         - shell: test \"$(cat /root/name)\" = \"$(hostname)\"\n",
    )
    .expect("write site.yml");
    let started = Instant::now();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_konvoy-image"));
    cmd.current_dir(dir.path()).args([
        "playbook",
        "-i",
        "inventory.yaml",
        "--work-dir",
        "runs",
        "--forks",
        &HOSTS.to_string(),
        "site.yml",
    ]);
    // SAFETY: setrlimit only, between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            let lim = libc::rlimit {
                rlim_cur: 28,
                rlim_max: 28,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &lim) == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
    }
    let out = cmd.output().expect("run konvoy-image");
    let took = started.elapsed();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!text.contains("UNREACHABLE"), "{text}");
    for h in fleet.hosts() {
        let line = format!(
            "{:<27}: ok=3    changed=3    unreachable=0    failed=0",
            h.name()
        );
        assert!(text.contains(&line), "{}: {text}", h.name());
        assert_eq!(h.sh("cat /root/name"), format!("{}\n", h.name()));
    }
    assert!(took < Duration::from_secs(120), "took {took:?}");
}

/// Regression: a converged run batches the probes of many file tasks into
/// one big command; it once exceeded what one SSH packet carries, dropped
/// the session and logged in again and again (60 tasks: 38 logins).
#[test]
fn a_converged_run_of_sixty_file_tasks_logs_in_once() {
    let fleet = Fleet::builder().host(Os::Rocky9).start();
    let host = &fleet.hosts()[0];
    let dir = tempfile::tempdir().expect("temp dir");
    fleet.write_inventory(dir.path());
    let mut playbook = String::from("- hosts: all\n  gather_facts: false\n  tasks:\n");
    for i in 0..60 {
        playbook.push_str(&format!(
            "    - copy:\n        content: \"file {i} {}\\n\"\n        dest: /root/f{i}-{}\n",
            "x".repeat(600),
            "y".repeat(150),
        ));
    }
    std::fs::write(dir.path().join("site.yml"), playbook).expect("write site.yml");
    let log = host.upper().parent().expect("host dir").join("sshd.log");
    let logins = || {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .matches("Accepted publickey")
            .count()
    };
    let run = || {
        let out = Command::new(env!("CARGO_BIN_EXE_konvoy-image"))
            .current_dir(dir.path())
            .args([
                "playbook",
                "-i",
                "inventory.yaml",
                "--work-dir",
                "runs",
                "site.yml",
            ])
            .output()
            .expect("run konvoy-image");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(out.status.success(), "{text}");
        text
    };
    let first = run();
    assert!(first.contains("ok=60   changed=60"), "{first}");
    let before = logins();
    let second = run();
    assert!(second.contains("ok=60   changed=0"), "{second}");
    assert_eq!(logins() - before, 1, "SSH logins during the converged run");
}

/// Probe batches are split at their byte cap: a converged run of 120
/// directory tasks whose paths are 3.7 KB long (about 0.6 MB of probe
/// text in all) sends a few batches of at most the cap, on one session,
/// and reports every task unchanged.
#[test]
fn probe_batches_are_split_at_their_byte_cap() {
    let fleet = Fleet::builder().host(Os::Centos8).start();
    let host = &fleet.hosts()[0];
    let dir = tempfile::tempdir().expect("temp dir");
    fleet.write_inventory(dir.path());
    let long: String = (0..15)
        .map(|i| format!("/{i:02}{}", "d".repeat(248)))
        .collect();
    let mut playbook = String::from("- hosts: all\n  gather_facts: false\n  tasks:\n");
    for i in 0..120 {
        playbook.push_str(&format!(
            "    - file: {{path: \"/root{long}/t{i}\", state: directory}}\n"
        ));
    }
    std::fs::write(dir.path().join("site.yml"), playbook).expect("write site.yml");
    let log = host.upper().parent().expect("host dir").join("sshd.log");
    let logins = || {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .matches("Accepted publickey")
            .count()
    };
    let run = |events: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_konvoy-image"))
            .current_dir(dir.path())
            .args(["playbook", "-i", "inventory.yaml", "--no-run-log"])
            .args(["--json-log", events, "site.yml"])
            .output()
            .expect("run konvoy-image");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(out.status.success(), "{text}");
        text
    };
    let first = run("cold.jsonl");
    assert!(first.contains("ok=120  changed=120"), "{first}");
    let before = logins();
    let second = run("converged.jsonl");
    assert!(second.contains("ok=120  changed=0"), "{second}");
    assert_eq!(logins() - before, 1, "SSH logins during the converged run");
    let commands: Vec<usize> = std::fs::read_to_string(dir.path().join("converged.jsonl"))
        .expect("events")
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("json"))
        .filter(|e| e["event"] == "command")
        .map(|e| e["command"].as_str().expect("text").len())
        .collect();
    let total: usize = commands.iter().sum();
    assert!(
        total > 400_000,
        "probe text in all: {total} bytes: {commands:?}"
    );
    assert!(
        commands.len() >= 2 && commands.len() <= 8,
        "batches: {commands:?}"
    );
    // Full batches reach the 256 KiB cap (plus the script around them),
    // none goes past it.
    assert!(
        commands.iter().any(|c| *c > 200_000) && commands.iter().all(|c| *c <= 300_000),
        "batches: {commands:?}"
    );
}

/// `RLIMIT_NOFILE` is raised to its hard limit at start: started with a
/// soft limit of 64 under a hard one of 4096, the running controller's
/// `/proc/PID/limits` shows 4096 for both.
#[test]
fn the_descriptor_limit_is_raised_to_the_hard_limit_at_start() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("site.yml"),
        "- hosts: all\n  gather_facts: false\n  tasks:\n    - command: sleep 3\n",
    )
    .expect("write site.yml");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_konvoy-image"));
    cmd.current_dir(dir.path())
        .args([
            "playbook",
            "-i",
            "localhost,",
            "-e",
            "ansible_connection=local",
        ])
        .args(["--no-run-log", "site.yml"])
        .stdout(std::process::Stdio::null());
    // SAFETY: setrlimit only, between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            let lim = libc::rlimit {
                rlim_cur: 64,
                rlim_max: 4096,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &lim) == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
    }
    let mut child = cmd.spawn().expect("start konvoy-image");
    let limits = format!("/proc/{}/limits", child.id());
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut line = String::new();
    while Instant::now() < deadline {
        line = std::fs::read_to_string(&limits)
            .unwrap_or_default()
            .lines()
            .find(|l| l.starts_with("Max open files"))
            .unwrap_or_default()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if line == "Max open files 4096 4096 files" {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = child.wait().expect("wait");
    assert_eq!(line, "Max open files 4096 4096 files");
    assert!(status.success());
}
