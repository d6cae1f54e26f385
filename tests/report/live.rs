//! The live terminal output in a real pseudo-terminal (tmux): a 6-host run
//! with one slow host. The fast hosts' results appear while the slow one
//! still runs, the status line names the slow host, and the final screen
//! holds the recap with no status-line debris.
//!
//! Needs an executor that reports each host's result when the host
//! finishes and a `HostTaskStart` per host (helper "core"'s executor).

use crate::harness::{Fleet, Os};
use std::process::Command;
use std::time::{Duration, Instant};

fn tmux(args: &[&str]) -> String {
    let out = Command::new("tmux").args(args).output().expect("run tmux");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Kills the tmux session on drop (also when the test panics).
struct Session(String);

impl Drop for Session {
    fn drop(&mut self) {
        tmux(&["kill-session", "-t", &self.0]);
    }
}

#[test]
fn fast_results_show_while_the_slow_host_runs_and_the_status_line_leaves_no_trace() {
    let fleet = Fleet::builder().hosts(6, Os::Centos8).start();
    let dir = tempfile::tempdir().expect("temp dir");
    fleet.write_inventory(dir.path());
    std::fs::write(
        dir.path().join("site.yml"),
        "- hosts: all\n  gather_facts: false\n  tasks:\n    - name: wait\n      \
         command: sleep {{ 10 if inventory_hostname == 'node6' else 1 }}\n",
    )
    .expect("write the playbook");
    let name = format!("konvoy-live-{}", std::process::id());
    let cmd = format!(
        "cd {} && {} playbook -i inventory.yaml site.yml --work-dir runs; echo EXIT=$?; sleep 120",
        dir.path().display(),
        env!("CARGO_BIN_EXE_konvoy-image")
    );
    tmux(&[
        "new-session",
        "-d",
        "-s",
        &name,
        "-x",
        "160",
        "-y",
        "50",
        &cmd,
    ]);
    let _session = Session(name.clone());
    let screen = || tmux(&["capture-pane", "-p", "-t", &name]);
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen_live = None;
    let final_screen = loop {
        let s = screen();
        if s.contains("EXIT=") {
            break s;
        }
        let fast = (1..=5)
            .filter(|n| s.contains(&format!("changed: [node{n}]")))
            .count();
        let status = s.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("");
        if fast == 5 && !s.contains("changed: [node6]") && status.contains("node6") {
            seen_live.get_or_insert(s.clone());
        }
        assert!(Instant::now() < deadline, "the run did not end:\n{s}");
        std::thread::sleep(Duration::from_millis(200));
    };
    let live = seen_live.unwrap_or_else(|| {
        panic!("never saw the 5 fast results with node6 still running:\n{final_screen}")
    });
    let status = live
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    assert!(status.starts_with("[wait] "), "status line: {status}");
    assert!(
        status.contains("5 done, 0 failed, 0 unreachable, 1 running: node6 "),
        "{status}"
    );
    assert!(final_screen.contains("EXIT=0"), "{final_screen}");
    assert!(final_screen.contains("PLAY RECAP"), "{final_screen}");
    for n in 1..=6 {
        assert!(
            final_screen
                .lines()
                .any(|l| l.starts_with(&format!("node{n} ")) && l.contains("changed=1")),
            "node{n} in the recap:\n{final_screen}"
        );
    }
    // No status-line debris: no line of the final screen is (part of) one.
    assert!(
        !final_screen
            .lines()
            .any(|l| l.trim_start().starts_with("[wait] ") || l.contains(" running:")),
        "{final_screen}"
    );
}
