//! Host patterns and `--limit` that match nothing, and inventory warnings,
//! as ansible-playbook 2.19.14 reports them: the same warnings and errors
//! on stderr, the same output and exit code, for the same inventory and
//! playbook (run on the controller with a local connection).

use std::path::Path;
use std::process::Command;

const INVENTORY: &str = "node1 ansible_connection=local\n[web]\nnode2 ansible_connection=local\n";

const ONE_PLAY: &str = "- hosts: all\n  gather_facts: false\n  tasks:\n    - debug: msg=hi\n";

const TWO_PLAYS: &str = "\
- hosts: nosuchgroup
  gather_facts: false
  tasks:
    - debug: msg=one
- hosts: web
  gather_facts: false
  tasks:
    - debug: msg=two
";

/// `(stdout, the [WARNING]/[ERROR] lines of stderr, exit code)`.
pub(super) type Outcome = (String, Vec<String>, Option<i32>);

pub(super) fn run(
    dir: &Path,
    program: &str,
    pre: &[&str],
    args: &[&str],
    env: &[(&str, &str)],
) -> Outcome {
    let python = String::from_utf8_lossy(
        &Command::new("sh")
            .args(["-c", "command -v python3"])
            .output()
            .expect("sh")
            .stdout,
    )
    .trim()
    .to_owned();
    let python = format!("ansible_python_interpreter={python}");
    let out = Command::new(program)
        .current_dir(dir)
        .env("ANSIBLE_NOCOLOR", "1")
        .env("ANSIBLE_SSH_CONTROL_PATH_DIR", dir.join("cp"))
        .envs(env.iter().copied())
        .args(pre)
        .args(["-e", &python])
        .args(args)
        .output()
        .expect("run");
    let stderr: Vec<String> = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| l.starts_with("[WARNING]") || l.starts_with("[ERROR]"))
        .map(str::to_owned)
        .collect();
    // Hosts of one task report in the order they finish, on both sides.
    let stdout = crate::run::sorted_per_task(&String::from_utf8_lossy(&out.stdout));
    (stdout, stderr, out.status.code())
}

#[track_caller]
fn same(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Outcome {
    let theirs = run(dir, "ansible-playbook", &[], args, env);
    let ours = run(
        dir,
        env!("CARGO_BIN_EXE_konvoy-image"),
        &["playbook", "--no-run-log"],
        args,
        env,
    );
    assert_eq!(ours, theirs, "{args:?} {env:?}");
    ours
}

#[test]
fn unmatched_patterns_and_limits_warn_or_stop_as_in_ansible() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    for (name, text) in [
        ("inv.ini", INVENTORY),
        ("empty.ini", ""),
        ("site.yml", ONE_PLAY),
        ("two.yml", TWO_PLAYS),
    ] {
        std::fs::write(d.join(name), text).expect("write");
    }
    // --limit that matches nothing: Ansible's two lines, exit 1, nothing run.
    let (out, err, rc) = same(
        d,
        &["-i", "inv.ini", "site.yml", "--limit", "nosuchhost"],
        &[],
    );
    assert_eq!(rc, Some(1));
    assert_eq!(
        err,
        [
            "[WARNING]: Could not match supplied host pattern, ignoring: nosuchhost",
            "[ERROR]: Specified inventory, host pattern and/or --limit leaves us with no hosts to target."
        ]
    );
    assert!(out.is_empty(), "{out}");
    // The listing flags check the same way.
    let (_, _, rc) = same(
        d,
        &[
            "-i",
            "inv.ini",
            "two.yml",
            "--list-hosts",
            "--limit",
            "nosuch",
        ],
        &[],
    );
    assert_eq!(rc, Some(1));
    // Part of a limit matches: a warning, the rest runs.
    let (out, err, rc) = same(
        d,
        &["-i", "inv.ini", "site.yml", "--limit", "web,nosuch"],
        &[],
    );
    assert_eq!((rc, err.len()), (Some(0), 1), "{err:?}");
    assert!(out.contains("ok: [node2]"), "{out}");
    // A play's group that does not exist: a warning and "no hosts matched".
    let (out, err, _) = same(d, &["-i", "inv.ini", "two.yml"], &[]);
    assert_eq!(
        err,
        ["[WARNING]: Could not match supplied host pattern, ignoring: nosuchgroup"]
    );
    assert!(out.contains("skipping: no hosts matched"), "{out}");
    same(d, &["-i", "inv.ini", "two.yml", "--limit", "node1"], &[]);
    same(
        d,
        &["-i", "inv.ini", "two.yml", "--limit", "nosuch:node1"],
        &[],
    );
    // An empty inventory: Ansible warns and goes on.
    let (_, err, rc) = same(d, &["-i", "empty.ini", "two.yml", "--limit", "x"], &[]);
    assert_eq!((rc, err.len()), (Some(0), 4), "{err:?}");
    same(
        d,
        &["-i", "empty.ini", "two.yml"],
        &[("ANSIBLE_LOCALHOST_WARNING", "false")],
    );
    // host_pattern_mismatch from the environment.
    let (_, err, rc) = same(
        d,
        &["-i", "inv.ini", "two.yml"],
        &[("ANSIBLE_HOST_PATTERN_MISMATCH", "error")],
    );
    assert_eq!((rc, err.len()), (Some(1), 1), "{err:?}");
    same(
        d,
        &["-i", "inv.ini", "two.yml"],
        &[("ANSIBLE_HOST_PATTERN_MISMATCH", "ignore")],
    );
}

#[test]
fn inventory_warnings_are_printed_by_playbook_runs() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    std::fs::write(
        d.join("inv.ini"),
        "node1 ansible_connection=local\n[bad-name]\nnode2 ansible_connection=local\n",
    )
    .expect("write");
    std::fs::write(d.join("site.yml"), ONE_PLAY).expect("write");
    let (_, err, _) = same(d, &["-i", "inv.ini", "site.yml"], &[]);
    assert_eq!(
        err,
        ["[WARNING]: Invalid characters were found in group names but not replaced, use -vvvv to see details"]
    );
    let (_, err, _) = same(
        d,
        &["-i", "inv.ini", "site.yml"],
        &[("ANSIBLE_TRANSFORM_INVALID_GROUP_CHARS", "ignore")],
    );
    assert!(err.is_empty(), "{err:?}");
}

/// `provision` stops on a `--limit` that matches nothing with the same two
/// lines and exit code as ansible-playbook (and as `playbook`), before any
/// host: the inventory's address has nothing listening. Its inventory
/// warnings are ansible-playbook's too.
#[test]
fn provision_reports_unmatched_limits_and_inventory_warnings_as_ansible() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    std::fs::write(
        d.join("inv.ini"),
        "h1 ansible_host=127.0.200.7\n[bad-name]\nh2 ansible_host=127.0.200.8\n",
    )
    .expect("write");
    std::fs::write(d.join("site.yml"), ONE_PLAY).expect("write");
    let args = ["-i", "inv.ini", "--limit", "nosuchhost"];
    let (_, theirs, their_rc) = run(d, "ansible-playbook", &["site.yml"], &args, &[]);
    let (out, ours, our_rc) = run(
        d,
        env!("CARGO_BIN_EXE_konvoy-image"),
        &["provision", "centos-7", "--no-run-log"],
        &args,
        &[],
    );
    assert_eq!((&ours, our_rc), (&theirs, their_rc), "{out}");
    assert_eq!(our_rc, Some(1));
    assert_eq!(
        ours,
        [
            "[WARNING]: Invalid characters were found in group names but not replaced, use -vvvv to see details",
            "[WARNING]: Could not match supplied host pattern, ignoring: nosuchhost",
            "[ERROR]: Specified inventory, host pattern and/or --limit leaves us with no hosts to target."
        ]
    );
    assert!(out.is_empty(), "{out}");
    // `playbook` the same way.
    let (_, ours, our_rc) = run(
        d,
        env!("CARGO_BIN_EXE_konvoy-image"),
        &["playbook", "site.yml", "--no-run-log"],
        &args,
        &[],
    );
    assert_eq!((ours, our_rc), (theirs, their_rc));
}
