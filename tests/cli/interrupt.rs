//! Interrupts on a real local run (measured on ansible-playbook 2.19.14:
//! Ctrl-C ends it with "[ERROR]: User interrupted execution" and exit code
//! 99; SIGTERM kills it). The first signal stops scheduling and says what
//! the run waits for; the second ends it at once with the recap so far.

use super::local_playbook;
use crate::report::{assert_events_valid, read_events, run_folder};
use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

const PLAYBOOK: &str = "- hosts: all\n  gather_facts: false\n  tasks:\n    \
    - name: first\n      command: 'true'\n    \
    - name: slow\n      command: sleep {{ pause }}\n    \
    - name: never\n      debug: msg=unreachable-task\n";

/// Starts the run and waits until the slow task has started. The caller
/// waits for the child ([`wait`]).
#[allow(clippy::zombie_processes)]
fn start(dir: &Path, pause: u32) -> Child {
    let mut child = local_playbook(dir, PLAYBOOK)
        .args(["-e", &format!("pause={pause}")])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start konvoy-image");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let started = std::fs::read_dir(dir.join("runs"))
            .ok()
            .and_then(|mut d| d.next())
            .and_then(|e| e.ok())
            .and_then(|e| std::fs::read_to_string(e.path().join("events.jsonl")).ok())
            .is_some_and(|t| t.contains("\"name\": \"slow\""));
        if started {
            // The command itself starts right after its banner.
            std::thread::sleep(Duration::from_millis(300));
            return child;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the slow task never started");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn signal(child: &Child, sig: libc::c_int) {
    // SAFETY: sending a signal to our own child by its pid.
    assert_eq!(unsafe { libc::kill(child.id() as libc::pid_t, sig) }, 0);
}

fn wait(mut child: Child, limit: Duration) -> (std::process::ExitStatus, String, String, Duration) {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            let mut out = String::new();
            let mut err = String::new();
            child
                .stdout
                .take()
                .expect("stdout")
                .read_to_string(&mut out)
                .expect("read");
            child
                .stderr
                .take()
                .expect("stderr")
                .read_to_string(&mut err)
                .expect("read");
            return (status, out, err, started.elapsed());
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the run did not end within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn last_event(dir: &Path) -> serde_json::Value {
    let events = run_folder(&dir.join("runs")).join("events.jsonl");
    assert_events_valid(&events);
    read_events(&events).pop().expect("events")
}

#[test]
fn first_interrupt_lets_the_running_task_finish_and_schedules_nothing_more() {
    let dir = tempfile::tempdir().expect("temp dir");
    let child = start(dir.path(), 3);
    signal(&child, libc::SIGINT);
    let (status, out, err, _) = wait(child, Duration::from_secs(20));
    assert_eq!(status.code(), Some(99), "{out}{err}");
    assert!(
        out.contains("[INTERRUPTED]: no new task will start; waiting for "),
        "{out}"
    );
    assert!(
        out.contains("changed: [localhost]\n\nPLAY RECAP"),
        "the slow task finished:\n{out}"
    );
    assert!(!out.contains("TASK [never]"), "{out}");
    assert!(err.contains("[ERROR]: User interrupted execution"), "{err}");
    let end = last_event(dir.path());
    assert_eq!(
        (end["event"].as_str(), end["exit_code"].as_i64()),
        (Some("run_end"), Some(99))
    );
    assert_eq!(end["interrupted"], true);
}

#[test]
fn second_interrupt_ends_the_run_at_once_with_a_recap() {
    let dir = tempfile::tempdir().expect("temp dir");
    let child = start(dir.path(), 30);
    signal(&child, libc::SIGINT);
    std::thread::sleep(Duration::from_millis(500));
    signal(&child, libc::SIGINT);
    let (status, out, err, took) = wait(child, Duration::from_secs(10));
    assert!(took < Duration::from_secs(5), "took {took:?}");
    assert_eq!(status.code(), Some(99), "{out}{err}");
    assert!(out.contains("[INTERRUPTED]: stopping at once"), "{out}");
    assert!(out.contains("PLAY RECAP"), "{out}");
    assert!(
        out.contains("localhost                  : ok=1    changed=1"),
        "{out}"
    );
    assert!(err.contains("User interrupted execution"), "{err}");
    let end = last_event(dir.path());
    assert_eq!(
        (end["event"].as_str(), end["exit_code"].as_i64()),
        (Some("run_end"), Some(99))
    );
}

/// SIGTERM and SIGHUP (a closed terminal) are handled like Ctrl-C: no
/// new task, the running one finishes, the recap, then the process ends
/// by the signal, as ansible-playbook does when either kills it.
#[test]
fn sigterm_and_sighup_stop_scheduling_and_end_by_the_signal() {
    for sig in [libc::SIGTERM, libc::SIGHUP] {
        let dir = tempfile::tempdir().expect("temp dir");
        let child = start(dir.path(), 2);
        signal(&child, sig);
        let (status, out, _, _) = wait(child, Duration::from_secs(20));
        assert_eq!(status.signal(), Some(sig), "{out}");
        assert!(
            out.contains("[INTERRUPTED]: no new task will start; waiting for "),
            "signal {sig}: {out}"
        );
        assert!(
            out.contains("changed: [localhost]\n\nPLAY RECAP") && !out.contains("TASK [never]"),
            "signal {sig}: {out}"
        );
        let end = last_event(dir.path());
        assert_eq!(end["exit_code"].as_i64(), Some(i64::from(128 + sig)));
        assert_eq!(end["interrupted"], true);
    }
}
