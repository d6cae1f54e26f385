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

/// `--syntax-check` makes every static check of a run: for a Jinja syntax
/// error in a play keyword, a broken block `when` and a misspelt module
/// argument (each alone, then together) it refuses with the run's errors
/// and exit code, before any host (the inventory's address has nothing
/// listening). A playbook it passes prints ansible-playbook's line and
/// runs. (A syntax error in a task's own template fails only that task,
/// as in ansible-core: `run::template_syntax`.)
#[test]
fn syntax_check_refuses_what_the_run_refuses() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    std::fs::write(d.join("inv.ini"), "h1 ansible_host=127.0.200.9\n").expect("write");
    let head = "- hosts: all\n  gather_facts: false\n";
    let broken = [
        "  remote_user: \"{{ foo | }}\"\n  tasks:\n    - debug: msg=hi\n",
        "  tasks:\n    - block:\n        - debug: msg=hi\n      when: \"a ===\"\n",
        "  tasks:\n    - file:\n        path: /tmp/x\n        stat: touch\n",
    ];
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_konvoy-image"))
            .current_dir(d)
            .env("NO_COLOR", "1")
            .args(["playbook", "-i", "inv.ini", "site.yml", "--no-run-log"])
            .args(args)
            .output()
            .expect("run konvoy-image")
    };
    let all = "  remote_user: \"{{ foo | }}\"\n  tasks:\n    - block:\n        - debug: msg=hi\n      when: \"a ===\"\n    - file:\n        path: /tmp/x\n        stat: touch\n".to_owned();
    for (body, count) in broken.iter().map(|b| (b.to_string(), 1)).chain([(all, 3)]) {
        std::fs::write(d.join("site.yml"), format!("{head}{body}")).expect("write");
        let check = run(&["--syntax-check"]);
        let real = run(&[]);
        let check_err = String::from_utf8_lossy(&check.stderr).into_owned();
        assert_eq!(check.status.code(), Some(4), "{body}\n{check_err}");
        assert_eq!(check.status.code(), real.status.code(), "{body}");
        assert_eq!(check_err, String::from_utf8_lossy(&real.stderr), "{body}");
        assert_eq!(
            check_err
                .lines()
                .filter(|l| l.starts_with("error: "))
                .count(),
            count,
            "{check_err}"
        );
        assert!(check.stdout.is_empty() && real.stdout.is_empty(), "{body}");
    }
    std::fs::write(
        d.join("site.yml"),
        format!("{head}  tasks:\n    - debug: msg=hi\n"),
    )
    .expect("write");
    let check = run(&["--syntax-check"]);
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let theirs = std::process::Command::new("ansible-playbook")
        .current_dir(d)
        .args(["-i", "inv.ini", "site.yml", "--syntax-check"])
        .output()
        .expect("run ansible-playbook");
    assert_eq!(check.stdout, theirs.stdout);
}
