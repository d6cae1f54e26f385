//! Output conformance: each `tests/golden/run/<case>/site.yml` is run by
//! our `konvoy-image playbook` on localhost, and the output must equal
//! what ansible-playbook 2.19.14 printed for it (`expected.txt`, made by
//! `tests/golden/regen-run.sh`), once timings and paths are normalised.
//! A case's optional `args` file holds extra flags (`--check --diff`).
//!
//! A template's diff names its source in `+++ after:`: Ansible names the
//! temporary copy it renders on the controller (a random path), we name
//! the source file as found; both become `TEMPLATE_SRC/<file name>`.

use std::path::Path;
use std::process::Command;

fn normalise(text: &str, work: &Path, case_dir: &Path) -> String {
    let delta = regex::Regex::new(r#""(delta|start|end)": "[^"]*""#).expect("valid regex");
    let text = text
        .replace(&work.display().to_string(), "WORKDIR")
        .replace(&case_dir.display().to_string(), "CASEDIR");
    let text = delta
        .replace_all(&text, |c: &regex::Captures<'_>| {
            let k = &c[1];
            format!("\"{k}\": \"{}\"", k.to_uppercase())
        })
        .into_owned();
    let template_src =
        regex::Regex::new(r"(?m)^\+\+\+ after: (?:\./|CASEDIR/)(?:templates/)?([^/\s]+\.j2)$")
            .expect("valid regex");
    template_src
        .replace_all(&text, "+++ after: TEMPLATE_SRC/$1")
        .into_owned()
}

fn run_case(name: &str) {
    let case_dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden/run")
        .join(name);
    let expected = std::fs::read_to_string(case_dir.join("expected.txt")).expect("expected.txt");
    let work = tempfile::tempdir().expect("work dir");
    let extra = std::fs::read_to_string(case_dir.join("args")).unwrap_or_default();
    let out = Command::new(env!("CARGO_BIN_EXE_konvoy-image"))
        .current_dir(&case_dir)
        .args([
            "playbook",
            "-i",
            "localhost,",
            "-e",
            "ansible_connection=local",
        ])
        .arg("-e")
        .arg(format!("workdir={}", work.path().display()))
        // The run folder goes to the scratch dir, not into the case.
        .arg("--work-dir")
        .arg(work.path().join("runs"))
        .args(extra.split_whitespace())
        .arg("site.yml")
        .output()
        .expect("run konvoy-image");
    let got = normalise(
        &String::from_utf8_lossy(&out.stdout),
        work.path(),
        &case_dir,
    );
    if got != expected {
        panic!(
            "output differs from ansible-playbook 2.19.14 for `{name}`\n--- expected\n{expected}\n--- got\n{got}\n--- stderr\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Every folder under `tests/golden/run/` is a case: a new case is a new
/// folder (made by `tests/golden/regen-run.sh`), no code change.
#[test]
fn every_golden_run_matches_ansible() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/run");
    let mut cases: Vec<String> = std::fs::read_dir(&root)
        .expect("golden run dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("expected.txt").exists())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    cases.sort();
    assert!(cases.len() >= 4, "golden cases missing: {cases:?}");
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|c| {
            std::panic::catch_unwind(|| run_case(c))
                .err()
                .map(|_| c.clone())
        })
        .collect();
    assert!(
        failures.is_empty(),
        "cases differing from ansible-playbook 2.19.14: {failures:?}"
    );
}
