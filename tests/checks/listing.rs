//! `--list-tasks`, `--list-hosts` and `--syntax-check` through the real
//! binary, compared with the goldens of `tests/golden/playbook/` (made by
//! ansible-playbook 2.19.14, `tests/golden/regen-playbook.sh`). The
//! playbook tests check the listing functions; this checks the CLI path
//! (inventory loading, compile, exit code) in front of them.

use crate::playbook::golden::normalise;
use std::path::Path;

const INVENTORY: &str = "tests/fixtures/playbooks/golden/inventory.ini";

#[test]
fn cli_listing_matches_ansible_playbook() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut cases: Vec<_> = std::fs::read_dir(root.join("tests/golden/playbook"))
        .expect("golden dir")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.join("args").is_file())
        .collect();
    cases.sort();
    assert!(cases.len() >= 20, "golden cases are missing: {cases:?}");
    let mut failures = Vec::new();
    for case in &cases {
        let args = std::fs::read_to_string(case.join("args")).expect("args");
        let expected = std::fs::read_to_string(case.join("stdout")).expect("stdout");
        let mut argv = vec!["playbook", "-i", INVENTORY];
        argv.extend(args.split_whitespace());
        let out = super::konvoy(root, &argv);
        let got = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() || normalise(&got) != normalise(&expected) {
            failures.push(format!(
                "case {} (exit {:?}):\n--- expected\n{expected}\n--- got\n{got}\n--- stderr\n{}",
                case.display(),
                out.status.code(),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
