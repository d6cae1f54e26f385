//! The conformance ratchet: every target in `tests/conformance/passing.txt`
//! still passes. Our side runs live on a real test host; ansible-core's
//! side is the one the full run recorded in `tests/conformance/oracle/`
//! (`tests/conformance/run.sh` regenerates both and `docs/conformance.md`).
//! The pass list may only grow: add a target when it starts passing.

mod driver;

use driver::manifest::{self, Target};
use driver::outcome::{verdict, Outcome};
use driver::{run_side, Login, Paths, Side};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn manifest() -> Vec<Target> {
    let text = std::fs::read_to_string(repo().join("tests/conformance/targets.txt"))
        .expect("read targets.txt");
    manifest::parse(&text).unwrap_or_else(|e| panic!("{e}"))
}

fn passing() -> Vec<String> {
    std::fs::read_to_string(repo().join("tests/conformance/passing.txt"))
        .expect("read passing.txt")
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect()
}

/// Unpacks the sdist's targets (from PyPI, cached under `target/`).
fn fetch_targets() -> PathBuf {
    let script = repo().join("tests/conformance/fetch-targets.sh");
    let status = std::process::Command::new(&script)
        .status()
        .unwrap_or_else(|e| panic!("run {}: {e}", script.display()));
    assert!(status.success(), "{} failed", script.display());
    Paths::default_targets(&repo())
}

#[test]
fn manifest_covers_the_scope_and_every_target_has_an_oracle() {
    let targets = manifest();
    let in_scope: Vec<&Target> = targets
        .iter()
        .filter(|t| t.out_of_scope.is_none())
        .collect();
    assert!(
        in_scope.len() >= 40,
        "only {} targets in scope",
        in_scope.len()
    );
    for t in &in_scope {
        let oracle = repo()
            .join("tests/conformance/oracle")
            .join(format!("{}.txt", t.name));
        let text = std::fs::read_to_string(&oracle)
            .unwrap_or_else(|e| panic!("{}: {e} (run tests/conformance/run.sh)", oracle.display()));
        let o = Outcome::from_oracle(&text).unwrap_or_else(|e| panic!("{}: {e}", oracle.display()));
        assert!(!o.exits.is_empty(), "{}: no run recorded", oracle.display());
    }
    for name in passing() {
        assert!(
            in_scope.iter().any(|t| t.name == name),
            "passing.txt names `{name}`, which is not an in-scope target of targets.txt"
        );
    }
}

#[test]
fn passing_targets_still_pass() {
    crate::harness::require_root();
    let paths = Paths {
        targets: fetch_targets(),
        work: repo().join("target/conformance/ci-work"),
        konvoy: PathBuf::from(env!("CARGO_BIN_EXE_konvoy-image")),
        timeout: Duration::from_secs(240),
        repo: repo(),
    };
    let targets = manifest();
    let chosen: Vec<Target> = passing()
        .iter()
        .filter_map(|n| targets.iter().find(|t| &t.name == n).cloned())
        .collect();
    let started = Instant::now();
    let queue = Mutex::new(chosen.into_iter());
    let failures = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..3 {
            scope.spawn(|| loop {
                let next = queue.lock().expect("queue").next();
                let Some(target) = next else { break };
                let oracle = std::fs::read_to_string(paths.oracle(&target.name))
                    .map_err(|e| e.to_string())
                    .and_then(|t| Outcome::from_oracle(&t))
                    .unwrap_or_else(|e| panic!("oracle of {}: {e}", target.name));
                let fleet = driver::single_host();
                let ours = run_side(
                    &paths,
                    &target,
                    Side::Ours,
                    &Login::of(&fleet, &fleet.hosts()[0]),
                );
                let v = verdict(&oracle, &ours);
                if !v.pass {
                    failures.lock().expect("failures").push(format!(
                        "{}: {} (ansible ok={}, ours ok={}); first difference: {}",
                        target.name, v.reason, oracle.recap.ok, ours.recap.ok, v.first_difference
                    ));
                }
            });
        }
    });
    let failures = failures.into_inner().expect("failures");
    eprintln!("conformance ratchet: {:?}", started.elapsed());
    assert!(
        failures.is_empty(),
        "targets that passed before now fail (logs under target/conformance/ci-work/):\n{}",
        failures.join("\n")
    );
}
