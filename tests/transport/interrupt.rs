//! Writes under interruption, with the real `konvoy-image` binary against
//! a real host: the controller is killed (SIGKILL at several points,
//! SIGTERM) and, separately, the host-side session is killed (during the
//! copy, twice, and during the template), while a 64 MiB `copy` and a
//! 5 MB `template` stream. Whatever the moment, the
//! destination holds the old or the new content, never part of it; the
//! next run installs the new content and leaves no temp file of ours.

use crate::harness::{Fleet, Os, TestHost};
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PLAYBOOK: &str = "- hosts: all\n  gather_facts: false\n  tasks:\n    \
    - copy: src=big.bin dest=/srv/big.bin mode=0644\n    \
    - template: src=big.j2 dest=/srv/big.conf\n";

/// 5 MB once rendered (50,000 lines of 100 bytes).
const TEMPLATE: &str =
    "{% for i in range(50000) %}{{ '%07d' | format(i) }} {{ 'x' * 91 }}\n{% endfor %}";

const BIG: u64 = 64 << 20;

/// 64 MiB of reproducible, incompressible bytes (xorshift64).
fn payload() -> Vec<u8> {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut data = Vec::with_capacity(BIG as usize);
    while data.len() < BIG as usize {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        data.extend_from_slice(&state.to_le_bytes());
    }
    data
}

fn sha(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

struct Setup {
    fleet: Fleet,
    dir: tempfile::TempDir,
    new_big: String,
    new_conf: String,
    old_big: String,
    old_conf: String,
}

impl Setup {
    fn start() -> Setup {
        let fleet = Fleet::builder().host(Os::Rocky9).start();
        let dir = tempfile::tempdir().expect("temp dir");
        let data = payload();
        std::fs::write(dir.path().join("big.bin"), &data).expect("write big.bin");
        std::fs::write(dir.path().join("big.j2"), TEMPLATE).expect("write big.j2");
        std::fs::write(dir.path().join("site.yml"), PLAYBOOK).expect("write site.yml");
        fleet.write_inventory(dir.path());
        let rendered: String = (0..50000)
            .map(|i| format!("{i:07} {}\n", "x".repeat(91)))
            .collect();
        let host = &fleet.hosts()[0];
        host.sh("mkdir -p /srv && echo old-big > /srv/big.bin && echo old-conf > /srv/big.conf");
        Setup {
            new_big: sha(&data),
            new_conf: sha(rendered.as_bytes()),
            old_big: sha(b"old-big\n"),
            old_conf: sha(b"old-conf\n"),
            fleet,
            dir,
        }
    }

    fn host(&self) -> &TestHost {
        &self.fleet.hosts()[0]
    }

    fn run(&self) -> Child {
        Command::new(env!("CARGO_BIN_EXE_konvoy-image"))
            .current_dir(self.dir.path())
            .args([
                "playbook",
                "-i",
                "inventory.yaml",
                "--work-dir",
                "runs",
                "site.yml",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start konvoy-image")
    }

    fn on_host(&self, path: &str) -> PathBuf {
        self.host().root().join(path.trim_start_matches('/'))
    }

    /// Our temp files in `/srv`, with their sizes.
    fn temps(&self) -> Vec<(String, u64)> {
        let Ok(entries) = std::fs::read_dir(self.on_host("/srv")) else {
            return Vec::new();
        };
        entries
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                let size = e.metadata().ok()?.len();
                name.starts_with(".konvoy-tmp.").then_some((name, size))
            })
            .collect()
    }

    /// Both destinations hold the old or the new content, whole.
    #[track_caller]
    fn assert_old_or_new(&self, when: &str) -> (bool, bool) {
        let big = sha(&std::fs::read(self.on_host("/srv/big.bin")).expect("big.bin"));
        let conf = sha(&std::fs::read(self.on_host("/srv/big.conf")).expect("big.conf"));
        assert!(
            big == self.old_big || big == self.new_big,
            "{when}: /srv/big.bin is neither old nor new"
        );
        assert!(
            conf == self.old_conf || conf == self.new_conf,
            "{when}: /srv/big.conf is neither old nor new"
        );
        (big == self.new_big, conf == self.new_conf)
    }

    /// Puts the old content back (so the next interruption has something
    /// to protect).
    fn reset(&self) {
        self.host()
            .sh("echo old-big > /srv/big.bin && echo old-conf > /srv/big.conf");
    }
}

/// Waits until `ready` holds (polling), or the run ends; false if the run
/// ended first.
fn wait_for(child: &mut Child, limit: Duration, mut ready: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if ready() {
            return true;
        }
        if child.try_wait().expect("try_wait").is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("nothing happened within {limit:?}");
}

fn finish(mut child: Child, limit: Duration) -> std::process::Output {
    let deadline = Instant::now() + limit;
    while child.try_wait().expect("try_wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the run did not end within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

/// A completed run: every task ok, new content, no temp file left.
#[track_caller]
fn complete_run(s: &Setup, when: &str) {
    let out = finish(s.run(), Duration::from_secs(120));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{when}: {text}");
    assert_eq!(s.assert_old_or_new(when), (true, true), "{when}");
    assert_eq!(
        s.temps(),
        Vec::<(String, u64)>::new(),
        "{when}: temp files left"
    );
    // Everything the host ever wrote is in its overlay's upper layer.
    let everywhere = Command::new("find")
        .arg(s.host().upper())
        .args(["-name", ".konvoy-tmp.*"])
        .output()
        .expect("find");
    assert_eq!(
        String::from_utf8_lossy(&everywhere.stdout),
        "",
        "{when}: temp files left on the host"
    );
}

fn kill(child: &Child, sig: libc::c_int) {
    // SAFETY: a signal to our own child, by its pid.
    unsafe {
        libc::kill(child.id() as libc::pid_t, sig);
    }
}

#[test]
fn a_controller_killed_mid_write_never_leaves_a_partial_file() {
    let s = Setup::start();
    let mut interrupted = 0;
    // Kill points: as soon as the copy's temp file appears, when a quarter
    // and when all of it has arrived (checksum, fsync, rename pending),
    // and once the template's temp file appears; SIGKILL, then SIGTERM.
    let points: [(&str, u64, libc::c_int); 5] = [
        ("copy temp created", 0, libc::SIGKILL),
        ("copy at 16 MiB", 16 << 20, libc::SIGKILL),
        ("copy fully received", BIG, libc::SIGKILL),
        ("template temp created", u64::MAX, libc::SIGKILL),
        ("copy at 32 MiB, SIGTERM", 32 << 20, libc::SIGTERM),
    ];
    for (when, at, sig) in points {
        s.reset();
        let mut child = s.run();
        let hit = wait_for(&mut child, Duration::from_secs(60), || {
            let temps = s.temps();
            if at == u64::MAX {
                // The copy is in place: the temp file is the template's.
                let copied =
                    std::fs::metadata(s.on_host("/srv/big.bin")).is_ok_and(|m| m.len() == BIG);
                copied && !temps.is_empty()
            } else {
                temps.iter().any(|(_, size)| *size >= at)
            }
        });
        kill(&child, sig);
        let _ = finish(child, Duration::from_secs(30));
        if hit {
            interrupted += 1;
        }
        // Give the host's shell time to notice the lost connection.
        std::thread::sleep(Duration::from_millis(500));
        s.assert_old_or_new(when);
    }
    assert!(interrupted >= 4, "only {interrupted} kills hit a write");
    complete_run(&s, "after the controller kills");
}

#[test]
fn a_host_session_killed_mid_write_never_leaves_a_partial_file() {
    let s = Setup::start();
    let mut stale = 0;
    // `u64::MAX`: once the copy is in place, while the template's temp
    // file exists (the 5 MB stream, its check, fsync or rename).
    for (when, at) in [
        ("copy at 8 MiB", 8u64 << 20),
        ("copy at 40 MiB", 40 << 20),
        ("template in flight", u64::MAX),
    ] {
        s.reset();
        let mut child = s.run();
        let hit = wait_for(&mut child, Duration::from_secs(60), || {
            let temps = s.temps();
            if at == u64::MAX {
                let copied =
                    std::fs::metadata(s.on_host("/srv/big.bin")).is_ok_and(|m| m.len() == BIG);
                copied && !temps.is_empty()
            } else {
                temps.iter().any(|(_, size)| *size >= at)
            }
        });
        assert!(hit, "{when}: the run ended before the write");
        // SIGKILL to every process of the session: no trap runs, the temp
        // file stays (until the next write into /srv sweeps it).
        s.host().drop_connections();
        let out = finish(child, Duration::from_secs(60));
        assert!(!out.status.success(), "{when}: the run cannot succeed");
        s.assert_old_or_new(when);
        stale += s.temps().len();
    }
    assert!(stale > 0, "killing the session left no temp file to sweep");
    complete_run(&s, "after the session kills");
}

#[test]
fn a_full_disk_fails_the_write_unchanged_and_leaves_nothing() {
    let s = Setup::start();
    s.host().sh(
        "mkdir -p /mnt/full && mount -t tmpfs -o size=1m tmpfs /mnt/full && \
         echo old > /mnt/full/big.bin && echo old > /mnt/full/small.txt",
    );
    let playbook = "- hosts: all\n  gather_facts: false\n  tasks:\n    \
        - copy: src=big.bin dest=/mnt/full/big.bin\n      ignore_errors: true\n    \
        - copy: content=small dest=/mnt/full/small.txt\n";
    std::fs::write(s.dir.path().join("full.yml"), playbook).expect("write full.yml");
    let out = Command::new(env!("CARGO_BIN_EXE_konvoy-image"))
        .current_dir(s.dir.path())
        .args([
            "playbook",
            "-i",
            "inventory.yaml",
            "--work-dir",
            "runs",
            "full.yml",
        ])
        .output()
        .expect("run konvoy-image");
    let text = String::from_utf8_lossy(&out.stdout);
    let failure = text
        .lines()
        .find(|l| l.starts_with("fatal: [node1]: FAILED!"))
        .unwrap_or_else(|| panic!("no failure reported:\n{text}"));
    assert!(failure.contains("\"changed\": false"), "{failure}");
    assert!(failure.contains("No space left on device"), "{failure}");
    // The small file still fits once the big one's temp file is gone.
    assert!(text.contains("changed: [node1]"), "{text}");
    assert!(
        text.contains("node1                      : ok=2    changed=1    unreachable=0    failed=0    skipped=0    rescued=0    ignored=1"),
        "{text}"
    );
    assert_eq!(
        s.host().sh("cat /mnt/full/big.bin /mnt/full/small.txt"),
        "old\nsmall"
    );
    assert_eq!(s.host().sh("ls -A /mnt/full"), "big.bin\nsmall.txt\n");
}
