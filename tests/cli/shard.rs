//! `--shard K/N`: N processes of the same run, each with its own K, cover
//! every host exactly once (what a Kubernetes Indexed Job of N pods does),
//! and their JSON event logs together name every host once.

use crate::harness::{Fleet, Os};
use std::process::{Command, Stdio};

#[test]
fn three_shard_processes_work_on_every_host_exactly_once() {
    let fleet = Fleet::builder().hosts(7, Os::Centos8).start();
    let dir = tempfile::tempdir().expect("temp dir");
    fleet.write_inventory(dir.path());
    std::fs::write(
        dir.path().join("site.yml"),
        "- hosts: all\n  gather_facts: false\n  tasks:\n    - name: mark\n      \
         shell: echo {{ shard }} >> /root/shard-marks\n",
    )
    .expect("write the playbook");
    let children: Vec<_> = (1..=3)
        .map(|k| {
            Command::new(env!("CARGO_BIN_EXE_konvoy-image"))
                .current_dir(dir.path())
                .args([
                    "playbook",
                    "-i",
                    "inventory.yaml",
                    "site.yml",
                    "--no-run-log",
                ])
                .args(["--shard", &format!("{k}/3"), "-e", &format!("shard={k}")])
                .args(["--json-log", &format!("events-{k}.jsonl")])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("start konvoy-image")
        })
        .collect();
    for (k, child) in children.into_iter().enumerate() {
        let out = child.wait_with_output().expect("wait");
        assert!(
            out.status.success(),
            "shard {}: {}{}",
            k + 1,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let mut per_shard = [0usize; 3];
    for host in fleet.hosts() {
        let marks = host.sh("cat /root/shard-marks");
        let lines: Vec<&str> = marks.lines().collect();
        assert_eq!(lines.len(), 1, "{}: {marks:?}", host.name());
        let k: usize = lines[0].trim().parse().expect("a shard number");
        per_shard[k - 1] += 1;
    }
    assert_eq!(per_shard, [3, 2, 2], "7 hosts over 3 shards");
    // The merged event logs report each host's task result exactly once.
    let mut reported: Vec<String> = Vec::new();
    for k in 1..=3 {
        let text =
            std::fs::read_to_string(dir.path().join(format!("events-{k}.jsonl"))).expect("events");
        for line in text.lines() {
            let v: serde_json::Value = serde_json::from_str(line).expect("json");
            if v["event"] == "host_result" {
                if let Some(h) = v["host"].as_str() {
                    reported.push(h.to_owned());
                }
            }
        }
    }
    reported.sort();
    let mut want: Vec<String> = fleet.hosts().iter().map(|h| h.name().to_owned()).collect();
    want.sort();
    assert_eq!(reported, want, "each host reported once across the shards");
}
