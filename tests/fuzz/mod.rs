//! Replays every input kept in `fuzz/regressions/<target>/` through its
//! fuzz target's body (`fuzz/bodies.rs`): inputs that once crashed a
//! parser, and seeds for each target. A new finding is a new file there.

#[allow(unreachable_pub)]
#[path = "../../fuzz/bodies.rs"]
mod bodies;

use std::path::Path;

#[test]
fn every_kept_fuzz_input_runs_without_a_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    for (target, body) in bodies::TARGETS {
        let dir = root.join(target);
        let mut inputs: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.expect("dir entry").path())
            .collect();
        inputs.sort();
        assert!(!inputs.is_empty(), "no kept inputs for `{target}`");
        for input in inputs {
            let data = std::fs::read(&input).expect("read input");
            let outcome = std::panic::catch_unwind(|| body(&data));
            assert!(outcome.is_ok(), "`{target}` panics on {}", input.display());
        }
    }
}
