//! Settings of `ansible.cfg` that shape a run, compared with
//! ansible-playbook 2.19.14 running the same playbook and config on the
//! controller (`local` connection, a work directory each): the outputs
//! must be the same once timings and the work directory are normalised.

use super::text;
use crate::run::{sorted_per_task, unindent};
use std::path::Path;
use std::process::Command;

/// Runs `ansible-playbook` and `konvoy-image playbook` in `dir` with
/// `env` and `args` (on the controller: `ansible_connection=local`); each
/// gets its own work dir (`-e workdir=...`). Returns both
/// outputs (stdout) normalised, and both exit codes.
fn both(
    dir: &Path,
    env: &[(&str, &str)],
    args: &[&str],
) -> ((String, Option<i32>), (String, Option<i32>)) {
    let python = String::from_utf8_lossy(
        &Command::new("sh")
            .args(["-c", "command -v python3"])
            .output()
            .expect("sh")
            .stdout,
    )
    .trim()
    .to_owned();
    let run = |program: &str, side: &str, extra: &[&str]| {
        let work = dir.join(side);
        std::fs::create_dir_all(&work).expect("mkdir");
        let out = Command::new(program)
            .current_dir(dir)
            .env("ANSIBLE_NOCOLOR", "1")
            .env("ANSIBLE_SSH_CONTROL_PATH_DIR", dir.join("cp"))
            .env("HOME", dir)
            .envs(env.iter().copied())
            .args(extra)
            .args(["-e", "ansible_connection=local"])
            .arg("-e")
            .arg(format!("workdir={}", work.display()))
            .args(args)
            .output()
            .expect("run");
        let normalised = normalise(&String::from_utf8_lossy(&out.stdout), &work);
        assert!(
            !String::from_utf8_lossy(&out.stderr).contains("Traceback"),
            "{program}: {}",
            text(&out)
        );
        (normalised, out.status.code())
    };
    let py = format!("ansible_python_interpreter={python}");
    (
        run("ansible-playbook", "ansible", &["-e", &py]),
        run(
            env!("CARGO_BIN_EXE_konvoy-image"),
            "ours",
            &["playbook", "--no-run-log"],
        ),
    )
}

fn normalise(out: &str, work: &Path) -> String {
    let re = regex::Regex::new(r#""(delta|start|end)": "[^"]*""#).expect("regex");
    let text = out.replace(&work.display().to_string(), "WORKDIR");
    sorted_per_task(&re.replace_all(&text, r#""$1": "X""#))
}

fn write(dir: &Path, files: &[(&str, &str)]) {
    for (rel, body) in files {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, unindent(body)).expect("write");
    }
}

#[test]
fn play_defaults_tags_diff_and_roles_path_from_ansible_cfg() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(
        dir.path(),
        &[
            (
                "ansible.cfg",
                "
                [defaults]
                gathering = explicit
                force_handlers = True
                roles_path = shared_roles
                [tags]
                skip = skipme
                [diff]
                always = yes
                ",
            ),
            (
                "shared_roles/r1/tasks/main.yml",
                "- debug: msg='role ran'\n",
            ),
            (
                "site.yml",
                "
                - hosts: all
                  roles: [r1]
                  tasks:
                    - name: facts are not gathered
                      debug: msg={{ ansible_facts | length }}
                    - name: skipped by tag
                      debug: msg=tagged
                      tags: [skipme]
                    - name: write a file
                      copy: content='hello' dest={{ workdir }}/f.txt
                      notify: h
                    - name: fail
                      command: /bin/false
                  handlers:
                    - name: h
                      debug: msg='handler ran'
                ",
            ),
        ],
    );
    let ((theirs, their_rc), (ours, our_rc)) =
        both(dir.path(), &[], &["-i", "localhost,", "site.yml"]);
    assert_eq!(ours, theirs);
    assert_eq!(our_rc, their_rc);
    for want in ["\"msg\": 0", "+hello", "handler ran", "role ran"] {
        assert!(ours.contains(want), "{want}: {ours}");
    }
    assert!(!ours.contains("tagged"), "{ours}");
}

#[test]
fn strategy_and_any_errors_fatal_from_the_environment() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(
        dir.path(),
        &[(
            "site.yml",
            "
            - hosts: all
              gather_facts: false
              tasks:
                - name: first
                  command: 'false'
                  when: inventory_hostname == 'h1'
                - name: second
                  debug: msg=after
            ",
        )],
    );
    std::fs::write(dir.path().join("inv.ini"), "h1\nh2\n").expect("write");
    for env in [
        ("ANSIBLE_ANY_ERRORS_FATAL", "true"),
        ("ANSIBLE_STRATEGY", "free"),
    ] {
        let ((theirs, their_rc), (ours, our_rc)) =
            both(dir.path(), &[env], &["-i", "inv.ini", "site.yml"]);
        assert_eq!(our_rc, their_rc, "{env:?}");
        if env.0 == "ANSIBLE_STRATEGY" {
            // Under `free` the order of banners depends on which host is
            // faster: compare the recap, and that h2 went on without h1.
            let recap = |s: &str| s[s.find("PLAY RECAP").unwrap_or(0)..].to_owned();
            assert_eq!(recap(&ours), recap(&theirs), "{env:?}");
            assert!(ours.contains("\"msg\": \"after\""), "{ours}");
        } else {
            assert_eq!(ours, theirs, "{env:?}");
            assert!(!ours.contains("\"msg\": \"after\""), "{ours}");
        }
    }
}
