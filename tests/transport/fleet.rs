//! Twenty real hosts at once: parallel commands with per-host output and
//! exit codes, and a 64 MiB file verified by sha256 on every host.

use super::root_session;
use crate::harness::{Fleet, Os};
use engine::transport::{ExecRequest, Privilege, PutOptions};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::time::Instant;

/// 64 MiB of reproducible, incompressible bytes (xorshift64).
fn payload() -> Vec<u8> {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut data = Vec::with_capacity(64 << 20);
    while data.len() < 64 << 20 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        data.extend_from_slice(&state.to_le_bytes());
    }
    data
}

#[test]
fn twenty_hosts_run_commands_and_receive_64_mib_in_parallel() {
    let fleet = Fleet::builder()
        .hosts(8, Os::Centos7)
        .hosts(6, Os::Centos8)
        .hosts(3, Os::Flatcar)
        .hosts(3, Os::Debian)
        .start();
    assert_eq!(fleet.hosts().len(), 20);
    let data = payload();
    let want = hex::encode(Sha256::digest(&data));
    let started = Instant::now();

    // One worker per host, as the executor's `forks` pool does.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(20)
        .build()
        .unwrap();
    let results: Vec<_> = pool.install(|| {
        fleet
        .hosts()
        .par_iter()
        .enumerate()
        .with_max_len(1)
        .map(|(i, host)| {
            let mut t = root_session(&fleet, host);
            // Per-host output and exit code: each host answers with its own
            // name (from its own /etc/hostname) and index.
            let cmd = format!(
                "echo out-$(hostname)-{i}; echo err-$(. /etc/os-release; echo $ID)-{i} >&2; exit {}",
                i + 1
            );
            let out = t.exec(&ExecRequest::new(cmd)).unwrap();
            let mode = PutOptions { mode: Some(0o600), ..PutOptions::default() };
            t.put(&mut data.as_slice(), data.len() as u64, "/root/payload.bin", &mode).unwrap();
            let sum = t.exec(&ExecRequest::new("sha256sum /root/payload.bin")).unwrap();
            let mut back = Vec::with_capacity(if i == 0 { data.len() } else { 0 });
            if i == 0 {
                let n = t.fetch("/root/payload.bin", &mut back, Privilege::User).unwrap();
                assert_eq!(n, data.len() as u64);
            }
            t.close();
            (host, out, sum, back)
        })
        .collect()
    });
    let elapsed = started.elapsed();

    for (i, (host, out, sum, back)) in results.iter().enumerate() {
        let id = match host.os() {
            Os::Centos7 | Os::Centos8 => "centos",
            Os::Flatcar => "flatcar",
            Os::Debian => "debian",
            other => other.slug(),
        };
        assert_eq!(
            out.stdout_str(),
            format!("out-node{}-{i}\n", i + 1),
            "{}",
            host.name()
        );
        assert_eq!(
            out.stderr_str(),
            format!("err-{id}-{i}\n"),
            "{}",
            host.name()
        );
        assert_eq!(out.rc, i as i32 + 1, "{}", host.name());
        assert_eq!(
            sum.stdout_str(),
            format!("{want}  /root/payload.bin\n"),
            "{}",
            host.name()
        );
        // The file is on this host's own overlay only, with the mode asked for.
        assert_eq!(host.sh("stat -c %a /root/payload.bin"), "600\n");
        assert!(host.upper().join("root/payload.bin").exists());
        if i == 0 {
            assert_eq!(hex::encode(Sha256::digest(back)), want, "fetch round trip");
        }
    }
    // No temp files left next to the destination.
    assert_eq!(
        fleet.hosts()[5].sh("ls -A /root | grep -c konvoy || true"),
        "0\n"
    );
    eprintln!("20 hosts: commands + 64 MiB each + sha256 in {elapsed:?}");
}
