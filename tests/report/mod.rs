//! What the operator sees and keeps: unreachable causes worded per cause
//! against real listeners and hosts, the run folder of a real provision
//! (schema-valid events, growing during the run, no secret in any file),
//! and `provision` from an empty directory with only the binary; the live
//! terminal output in a real pseudo-terminal (`live`).

mod live;
mod record;
mod unreachable;

use std::path::Path;
use std::process::Command;

/// Validates every line of `events` against `docs/events.schema.json`
/// with Python's `jsonschema` (an implementation independent of ours).
#[track_caller]
pub(crate) fn assert_events_valid(events: &Path) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new("python3")
        .arg(root.join("tests/report/validate_events.py"))
        .arg(root.join("docs/events.schema.json"))
        .arg(events)
        .output()
        .expect("run python3 (with the jsonschema package, see .ci/run)");
    assert!(
        out.status.success(),
        "{} does not validate:\n{}{}",
        events.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The events of a JSON-lines file.
pub(crate) fn read_events(events: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(events)
        .unwrap_or_else(|e| panic!("read {}: {e}", events.display()))
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad line {l}: {e}")))
        .collect()
}

/// The one run folder under `work_dir`.
#[track_caller]
pub(crate) fn run_folder(work_dir: &Path) -> std::path::PathBuf {
    let dirs: Vec<_> = std::fs::read_dir(work_dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", work_dir.display()))
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(dirs.len(), 1, "one run folder expected: {dirs:?}");
    dirs[0].clone()
}
