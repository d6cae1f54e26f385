//! `konvoy-image provision` as an operator runs it: the CLI binary, from
//! the repository root, with the test setup's inventory and override
//! files, read back through its Ansible-style PLAY RECAP.

use super::{repo, Setup, Source, TEST_EXTRA_VARS};
use std::collections::BTreeMap;
use std::process::Command;

/// One host's line of the PLAY RECAP (`ok=`, `changed=`, ... by name).
pub(crate) type Stats = BTreeMap<String, u64>;

/// Runs `konvoy-image provision --inventory-file INV` with the setup's
/// override files for `source`, the tests' extra vars, then `args` (an
/// image, more flags); no run folder is written. Returns the exit code
/// and the output (stdout, then stderr).
pub(crate) fn provision(setup: &Setup, source: Source, args: &[&str]) -> (i32, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_konvoy-image"));
    cmd.arg("provision")
        .arg("--inventory-file")
        .arg(&setup.inventory);
    if source == Source::Bundle {
        cmd.arg("--overrides").arg(&setup.offline);
    }
    cmd.arg("--overrides").arg(&setup.mirror);
    for var in TEST_EXTRA_VARS {
        cmd.args(["-e", var]);
    }
    let out = cmd
        .args(args)
        .arg("--no-run-log")
        .current_dir(repo())
        .output()
        .expect("run konvoy-image");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

/// The PLAY RECAP of Ansible-style output, by host
/// (`node1 : ok=5 changed=4 unreachable=0 failed=0 ...`).
pub(crate) fn recap(output: &str) -> BTreeMap<String, Stats> {
    let Some((_, tail)) = output.split_once("PLAY RECAP") else {
        panic!("no PLAY RECAP in:\n{output}");
    };
    tail.lines()
        .filter_map(|line| {
            let (host, counts) = line.split_once(" : ")?;
            let stats: Stats = counts
                .split_whitespace()
                .filter_map(|kv| {
                    let (k, v) = kv.split_once('=')?;
                    Some((k.to_owned(), v.parse().ok()?))
                })
                .collect();
            Some((host.trim().to_owned(), stats))
        })
        .collect()
}

/// Asserts `output`'s recap names `hosts` hosts, none failed or
/// unreachable, and (with `changed: Some(n)`) each changed exactly `n`,
/// (with `None`) each changed something.
#[track_caller]
pub(crate) fn assert_recap(output: &str, hosts: usize, changed: Option<u64>) {
    let recap = recap(output);
    assert_eq!(recap.len(), hosts, "{output}");
    for (host, stats) in &recap {
        assert_eq!(
            (stats.get("failed"), stats.get("unreachable")),
            (Some(&0), Some(&0)),
            "{host}:\n{output}"
        );
        let got = stats.get("changed").copied().unwrap_or_default();
        match changed {
            Some(n) => assert_eq!(got, n, "{host} changed={got}:\n{output}"),
            None => assert!(got > 0, "{host} changed nothing:\n{output}"),
        }
    }
}
