//! Execution control on real hosts: serial batches, the free strategy,
//! any_errors_fatal, max_fail_percentage, command timeouts and a host
//! that dies in the middle of a run.

use super::{has_file, recap_line, within, Scenario};
use crate::harness::{Fleet, Os};
use std::time::Duration;

#[test]
fn serial_runs_the_play_batch_by_batch() {
    let fleet = Fleet::builder().hosts(4, Os::Debian).start();
    let sc = Scenario::new(
        &fleet,
        r#"
        - hosts: all
          gather_facts: false
          serial: 2
          tasks:
            - command: touch /root/one
        "#,
    );
    let (summary, out) = sc.run(&fleet, |_| {});
    assert_eq!(summary.exit_code, 0, "{out}");
    let banners: Vec<usize> = out
        .match_indices("TASK [command]")
        .map(|(i, _)| i)
        .collect();
    assert_eq!(banners.len(), 2, "one banner per batch:\n{out}");
    let names: Vec<&str> = fleet.hosts().iter().map(|h| h.name()).collect();
    let first_batch = &out[banners[0]..banners[1]];
    assert!(first_batch.contains(names[0]) && first_batch.contains(names[1]));
    assert!(!first_batch.contains(&format!("[{}]", names[2])), "{out}");
    assert!(has_file(&fleet, "/root/one").iter().all(|b| *b), "{out}");
}

/// Runs a two-task play on `n` hosts where the first host fails the first
/// task; `keyword` is the play keyword under test. Gives the output and
/// which hosts ran the second task.
fn first_host_fails(n: usize, keyword: &str) -> (i32, String, Vec<bool>) {
    let fleet = Fleet::builder().hosts(n, Os::Debian).start();
    fleet.hosts()[0].sh("touch /root/fail-here");
    let sc = Scenario::new(
        &fleet,
        &format!(
            "- hosts: all\n  gather_facts: false\n  {keyword}\n  tasks:\n    \
             - command: test ! -e /root/fail-here\n    - command: touch /root/after\n"
        ),
    );
    let (summary, out) = sc.run(&fleet, |_| {});
    let ran = has_file(&fleet, "/root/after");
    for h in &fleet.hosts()[1..] {
        if ran.iter().skip(1).all(|r| *r) {
            assert!(
                recap_line(&out, h.name()).contains("ok=2    changed=2"),
                "{out}"
            );
        }
    }
    (summary.exit_code, out, ran)
}

#[test]
fn any_errors_fatal_stops_every_host_after_the_failing_task() {
    let (code, out, ran) = first_host_fails(3, "any_errors_fatal: true");
    assert_eq!(code, 2, "{out}");
    assert_eq!(ran, [false, false, false], "{out}");
}

#[test]
fn max_fail_percentage_aborts_when_exceeded() {
    // 1 of 4 failed: 25% > 20%, so nobody runs the second task.
    let (_, out, ran) = first_host_fails(4, "max_fail_percentage: 20");
    assert_eq!(ran, [false, false, false, false], "{out}");
}

#[test]
fn free_strategy_runs_every_host_through_the_play() {
    let (code, out, ran) = first_host_fails(3, "strategy: free");
    assert_eq!(code, 2, "{out}");
    assert_eq!(ran, [false, true, true], "{out}");
}

#[test]
fn a_command_past_its_timeout_fails_that_host_without_hanging() {
    let fleet = Fleet::builder().hosts(2, Os::Debian).start();
    let slow = fleet.hosts()[0].name().to_owned();
    fleet.hosts()[0].sh("touch /root/slow");
    let sc = Scenario::tasks(
        &fleet,
        r#"
        - shell: if [ -e /root/slow ]; then sleep 60; fi
        - command: touch /root/after
        "#,
    );
    let (summary, out) = within(Duration::from_secs(30), || {
        sc.run(&fleet, |o| o.command_timeout = 2)
    });
    assert_eq!(summary.exit_code, 2, "{out}");
    assert!(out.contains(&format!("fatal: [{slow}]")), "{out}");
    assert!(fleet.hosts()[1].root().join("root/after").exists(), "{out}");
}

#[test]
fn a_host_that_dies_mid_run_is_unreachable_and_the_others_finish() {
    let fleet = Fleet::builder().hosts(3, Os::Debian).start();
    let victim = fleet.hosts()[2].name().to_owned();
    let sc = Scenario::tasks(
        &fleet,
        r#"
        - command: sleep 3
        - command: touch /root/after
        "#,
    );
    let (summary, out) = within(Duration::from_secs(60), || {
        std::thread::scope(|s| {
            s.spawn(|| {
                std::thread::sleep(Duration::from_millis(1500));
                fleet.hosts()[2].stop_sshd();
                fleet.hosts()[2].drop_connections();
            });
            sc.run(&fleet, |_| {})
        })
    });
    assert_eq!(summary.exit_code, 4, "{out}");
    assert!(
        out.contains(&format!("fatal: [{victim}]: UNREACHABLE!")),
        "{out}"
    );
    assert_eq!(
        has_file(&fleet, "/root/after"),
        [true, true, false],
        "{out}"
    );
}

#[test]
fn ctrl_c_stops_scheduling_and_still_reports_the_recap() {
    let fleet = Fleet::builder().hosts(2, Os::Debian).start();
    let sc = Scenario::tasks(
        &fleet,
        r#"
        - command: sleep 2
        - command: touch /root/never
        "#,
    );
    let cancel = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    // The running command finishes; nothing new is started.
    let (summary, out) = within(Duration::from_secs(20), || {
        std::thread::scope(|s| {
            let c = cancel.clone();
            s.spawn(move || {
                std::thread::sleep(Duration::from_millis(500));
                c.store(true, std::sync::atomic::Ordering::Relaxed);
            });
            sc.run(&fleet, |o| o.cancel = cancel.clone())
        })
    });
    assert_eq!(summary.exit_code, 130, "{out}");
    assert!(out.contains("PLAY RECAP"), "{out}");
    for h in fleet.hosts() {
        assert!(!h.root().join("root/never").exists(), "{out}");
        assert!(
            recap_line(&out, h.name()).contains("ok=1    changed=1"),
            "{out}"
        );
    }
}
