//! `konvoy-image inventory` against ansible-inventory 2.19.14, and the
//! inventory library's error paths.
//!
//! Golden cases live in `tests/golden/inventory/<case>/`: the inputs, a
//! `sources` file (the `-i` flags) and an `args` file (extra invocations,
//! one per line). Every case runs `--list`, `--graph`, `--graph --vars`,
//! and `--list --export` plus each `args` line, inside the
//! case folder, and compares stdout byte for byte with
//! `expected/<slug>.out`. Those files were produced by the real
//! ansible-inventory of ansible-core 2.19.14 with
//! `tests/golden/regen-inventory.sh` (which removes `_meta.profile`).
//! A new case is a new folder plus a run of that script.

mod api;
mod errors;

use std::path::{Path, PathBuf};
use std::process::Command;

fn golden_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/inventory")
}

/// The file name the regen script gives an invocation's output.
fn slug(flags: &str) -> String {
    let s = flags.strip_prefix("--").unwrap_or(flags);
    let mut out = String::new();
    let mut in_run = false;
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') {
            out.push(c);
            in_run = false;
        } else if !in_run {
            out.push('_');
            in_run = true;
        }
    }
    out
}

/// `--list --yaml` is listed in each case's `args` (it was added after the
/// first cases were generated).
const DEFAULT_FLAGS: [&str; 4] = ["--list", "--graph", "--graph --vars", "--list --export"];

fn invocations(case: &Path) -> Vec<String> {
    let mut flags: Vec<String> = DEFAULT_FLAGS.iter().map(|s| (*s).to_owned()).collect();
    if let Ok(extra) = std::fs::read_to_string(case.join("args")) {
        flags.extend(
            extra
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(str::to_owned),
        );
    }
    flags
}

fn run_case(case: &Path, flags: &str) -> Result<(), String> {
    let sources = std::fs::read_to_string(case.join("sources")).map_err(|e| e.to_string())?;
    let expected_path = case.join("expected").join(format!("{}.out", slug(flags)));
    let expected = std::fs::read_to_string(&expected_path).map_err(|e| {
        format!(
            "{}: {e} (run tests/golden/regen-inventory.sh)",
            expected_path.display()
        )
    })?;
    let output = Command::new(env!("CARGO_BIN_EXE_konvoy-image"))
        .arg("inventory")
        .args(sources.split_whitespace())
        .args(flags.split_whitespace())
        .current_dir(case)
        .output()
        .map_err(|e| e.to_string())?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if stdout == expected && output.status.success() {
        return Ok(());
    }
    let mut msg = format!(
        "status {:?}\nstderr: {}\n",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    for (i, (a, b)) in expected.lines().zip(stdout.lines()).enumerate() {
        if a != b {
            msg.push_str(&format!(
                "first difference at line {}:\n  ansible: {a}\n  ours:    {b}\n",
                i + 1
            ));
            break;
        }
    }
    msg.push_str(&format!(
        "lines: ansible {}, ours {}",
        expected.lines().count(),
        stdout.lines().count()
    ));
    Err(msg)
}

#[test]
fn golden_cases_match_ansible_inventory() {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(golden_root())
        .expect("golden folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("sources").is_file())
        .collect();
    cases.sort();
    assert!(
        cases.len() >= 25,
        "expected at least 25 golden cases, found {}",
        cases.len()
    );
    let mut failures = Vec::new();
    let mut ran = 0;
    for case in &cases {
        for flags in invocations(case) {
            ran += 1;
            if let Err(e) = run_case(case, &flags) {
                let name = case
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                failures.push(format!("== {name}: {flags}\n{e}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {ran} invocations differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Our `[WARNING]:` lines for `--list`, sorted as the regen script sorts
/// Ansible's (byte order).
fn our_warnings(case: &Path) -> Result<String, String> {
    let sources = std::fs::read_to_string(case.join("sources")).map_err(|e| e.to_string())?;
    let output = Command::new(env!("CARGO_BIN_EXE_konvoy-image"))
        .arg("inventory")
        .args(sources.split_whitespace())
        .arg("--list")
        .current_dir(case)
        .output()
        .map_err(|e| e.to_string())?;
    let real = case.canonicalize().map_err(|e| e.to_string())?;
    let stderr =
        String::from_utf8_lossy(&output.stderr).replace(real.to_string_lossy().as_ref(), "<case>");
    let mut lines: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("[WARNING]: "))
        .collect();
    lines.sort_unstable();
    Ok(lines.iter().map(|l| format!("{l}\n")).collect())
}

#[test]
fn warnings_match_ansible_inventory() {
    let mut failures = Vec::new();
    let mut cases: Vec<PathBuf> = std::fs::read_dir(golden_root())
        .expect("golden folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("sources").is_file())
        .collect();
    cases.sort();
    for case in &cases {
        let expected =
            std::fs::read_to_string(case.join("expected/list.warnings")).unwrap_or_else(|e| {
                panic!(
                    "{}: {e} (run tests/golden/regen-inventory.sh)",
                    case.display()
                )
            });
        match our_warnings(case) {
            Ok(ours) if ours == expected => {}
            Ok(ours) => failures.push(format!(
                "== {}\nansible:\n{expected}ours:\n{ours}",
                case.display()
            )),
            Err(e) => failures.push(e),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn slugs_match_the_regen_script() {
    assert_eq!(slug("--list --limit web[0:1]"), "list_--limit_web_0_1_");
    assert_eq!(slug("--graph --vars"), "graph_--vars");
}
