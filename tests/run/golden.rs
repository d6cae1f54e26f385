//! Output conformance: each `tests/golden/run/<case>/site.yml` is run by
//! our `konvoy-image playbook` on localhost, and the output must equal
//! what ansible-playbook 2.19.14 printed for it (`expected.txt`, made by
//! `tests/golden/regen-run.sh`), once timings and paths are normalised.

use std::path::Path;
use std::process::Command;

fn normalise(text: &str, work: &Path, case_dir: &Path) -> String {
    let delta = regex::Regex::new(r#""(delta|start|end)": "[^"]*""#).expect("valid regex");
    let text = text
        .replace(&work.display().to_string(), "WORKDIR")
        .replace(&case_dir.display().to_string(), "CASEDIR");
    delta
        .replace_all(&text, |c: &regex::Captures<'_>| {
            let k = &c[1];
            format!("\"{k}\": \"{}\"", k.to_uppercase())
        })
        .into_owned()
}

fn run_case(name: &str) {
    let case_dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden/run")
        .join(name);
    let expected = std::fs::read_to_string(case_dir.join("expected.txt")).expect("expected.txt");
    let work = tempfile::tempdir().expect("work dir");
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

#[test]
fn vars_and_conditions_match_ansible() {
    run_case("vars_and_conditions");
}

#[test]
fn loops_and_includes_match_ansible() {
    run_case("loops_and_includes");
}

#[test]
fn blocks_and_handlers_match_ansible() {
    run_case("blocks_handlers");
}

#[test]
fn retries_and_results_match_ansible() {
    run_case("retries_and_results");
}

#[test]
fn commands_match_ansible() {
    run_case("commands");
}

#[test]
fn logic_modules_match_ansible() {
    run_case("logic");
}
