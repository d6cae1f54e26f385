//! Probe batching (and the next probes riding on an apply, on a host that
//! is changing) changes how many round trips a run takes, never what it
//! reports: every golden of `tests/golden/run/` (each matched against
//! ansible-playbook 2.19.14 by `golden.rs`) is replayed with batching on
//! and off, on the controller and over SSH on real hosts (a first run and
//! a second one on the host the first left), and the outputs must be the
//! same byte for byte once timings are normalised.

use super::Captured;
use crate::harness::{Fleet, Os};
use engine::job::PlaybookJob;
use engine::modules::RunMode;
use engine::report::{AnsiblePrinter, Fanout};
use engine::run::RunOptions;
use std::path::{Path, PathBuf};

/// Every golden case folder.
fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/run");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("golden run dir")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.join("site.yml").exists())
        .collect();
    cases.sort();
    assert!(cases.len() >= 4, "golden cases missing: {cases:?}");
    cases
}

/// `delta`, `start` and `end` hold wall-clock times, and `wait_for`'s
/// `elapsed` whole seconds of it: the one thing two runs may not share
/// (on a loaded machine a wait that took 0.9 s in one run takes 1.1 s in
/// the other).
fn normalise(text: &str) -> String {
    let times = regex::Regex::new(r#""(delta|start|end)": "[^"]*""#).expect("valid regex");
    let elapsed = regex::Regex::new(r#""elapsed": \d+"#).expect("valid regex");
    let text = times.replace_all(text, "\"$1\": \"TIME\"");
    elapsed
        .replace_all(&text, "\"elapsed\": \"TIME\"")
        .into_owned()
}

/// Runs one case at `-v`: its normalised output and the round trips
/// the host took.
fn run(
    case: &Path,
    inventory: &str,
    workdir: &str,
    batching: bool,
    connect: &RunOptions,
) -> (String, u64) {
    let out = Captured::default();
    let printer = AnsiblePrinter::new(out.clone(), 1);
    let args = std::fs::read_to_string(case.join("args")).unwrap_or_default();
    let mut options = connect.clone();
    options.probe_batching = batching;
    options.apply_batching = batching;
    if args.split_whitespace().any(|a| a == "--check") {
        options.mode = RunMode::Check;
    }
    options.diff = args.split_whitespace().any(|a| a == "--diff");
    let mut extra_vars = vec![format!("workdir={workdir}")];
    if inventory == "localhost," {
        extra_vars.push("ansible_connection=local".into());
    }
    let job = PlaybookJob {
        inventory: vec![inventory.to_owned()],
        playbook: case.join("site.yml"),
        extra_vars,
        options,
    };
    let summary = job
        .run(&Fanout::new().with(printer))
        .unwrap_or_else(|e| panic!("{}: run failed to start: {e}", case.display()));
    (normalise(&out.text()), summary.commands.values().sum())
}

#[track_caller]
fn assert_same(case: &Path, what: &str, off: &str, on: &str) {
    assert!(
        off == on,
        "{}, {what}: batching changed the output\n--- off\n{off}\n--- on\n{on}",
        case.display()
    );
}

#[test]
fn goldens_print_the_same_with_batching_on_and_off_locally() {
    for case in cases() {
        let outputs: Vec<String> = [false, true]
            .iter()
            .map(|&batching| {
                let work = tempfile::tempdir().expect("work dir");
                let w = work.path().display().to_string();
                run(&case, "localhost,", &w, batching, &RunOptions::default())
                    .0
                    .replace(&w, "WORKDIR")
            })
            .collect();
        assert_same(&case, "local", &outputs[0], &outputs[1]);
    }
}

#[test]
fn goldens_print_the_same_with_batching_on_and_off_over_ssh() {
    // One host per setting, both named `target`, so the outputs can match.
    let fleet = Fleet::builder().hosts(2, Os::Centos8).start();
    let dir = tempfile::tempdir().expect("temp dir");
    let opts = RunOptions {
        connect: fleet.connect_options(),
        ..RunOptions::default()
    };
    let inventories: Vec<String> = super::target_inventories(&fleet, dir.path())
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let mut trips = [0u64; 2];
    for case in cases() {
        let name = case
            .file_name()
            .expect("a name")
            .to_string_lossy()
            .into_owned();
        let workdir = format!("/root/golden-{name}");
        for h in fleet.hosts() {
            h.sh(&format!("mkdir -p {workdir}"));
        }
        // A first run, then one on what it left (where batching reads
        // most of the play ahead).
        for round in ["first", "second"] {
            let (off, off_trips) = run(&case, &inventories[0], &workdir, false, &opts);
            let (on, on_trips) = run(&case, &inventories[1], &workdir, true, &opts);
            assert_same(&case, &format!("ssh, {round} run"), &off, &on);
            trips[0] += off_trips;
            trips[1] += on_trips;
        }
    }
    // And batching did batch.
    assert!(trips[1] < trips[0], "round trips off/on: {trips:?}");
    eprintln!("golden replay over SSH, round trips without/with batching: {trips:?}");
}
