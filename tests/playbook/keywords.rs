//! The keyword table (`engine/src/playbook/keyword_table.rs`) against the
//! installed ansible-core: the recorded list it is unit-tested with must be
//! what `tests/keywords/ansible-keywords.py` prints now, and a refused
//! keyword stops `konvoy-image playbook` before any host is touched.

use std::path::Path;
use std::process::Command;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn keyword_list_matches_the_installed_ansible_core() {
    let out = Command::new("python3")
        .arg(repo().join("tests/keywords/ansible-keywords.py"))
        .output()
        .expect("run python3 (ansible-core 2.19.14 must be importable)");
    assert!(
        out.status.success(),
        "ansible-keywords.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let recorded = std::fs::read_to_string(repo().join("tests/keywords/ansible-keywords.txt"))
        .expect("read the recorded list");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        recorded,
        "regenerate: python3 tests/keywords/ansible-keywords.py > tests/keywords/ansible-keywords.txt"
    );
}

/// A refused keyword is an error at its file:line:column, with the
/// reason, and the run never connects: the inventory names a host on a
/// port where nothing listens, and no unreachable error appears.
#[test]
fn a_refused_keyword_stops_the_run_before_any_connection() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("site.yml"),
        "- hosts: all\n  gather_facts: true\n  tasks:\n    - command: id\n      debugger: on_failed\n",
    )
    .expect("write playbook");
    std::fs::write(
        dir.path().join("hosts"),
        "nowhere ansible_host=127.0.0.1 ansible_port=1\n",
    )
    .expect("write inventory");
    let out = Command::new(env!("CARGO_BIN_EXE_konvoy-image"))
        .current_dir(dir.path())
        .args(["playbook", "-i", "hosts", "site.yml"])
        .output()
        .expect("run konvoy-image");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{stdout}\n{stderr}");
    let all = format!("{stdout}{stderr}");
    assert!(
        all.contains(
            "`debugger` on a Task is not supported: the interactive task debugger is not supported"
        ),
        "{all}"
    );
    assert!(all.contains("site.yml:5:7"), "{all}");
    assert!(
        !all.contains("UNREACHABLE") && !all.contains("PLAY ["),
        "{all}"
    );
}
