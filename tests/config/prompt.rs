//! `-k`/`-K` ask on the terminal (a real pseudo-terminal from `script`),
//! with ansible-playbook's prompts, without echoing what is typed; without
//! a terminal they fail before anything runs; the password files work as
//! Ansible's do. The password is never printed nor written to the run
//! folder.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SECRET: &str = "s3cret-typed";

fn site(dir: &Path) {
    std::fs::write(
        dir.join("site.yml"),
        "- hosts: all\n  gather_facts: false\n  tasks:\n    - debug: msg=hi\n",
    )
    .expect("write");
}

/// Runs `konvoy-image ARGS` on a pseudo-terminal; answers each prompt in
/// `prompts` (in order) once it has appeared. Returns the terminal's text
/// and the exit status of `script` (the command's).
fn on_a_terminal(dir: &Path, args: &str, prompts: &[&str]) -> (String, Option<i32>) {
    let cmd = format!("{} {args}", env!("CARGO_BIN_EXE_konvoy-image"));
    let mut child = Command::new("script")
        .current_dir(dir)
        .env("ANSIBLE_NOCOLOR", "1")
        .args(["-qefc", &cmd, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("script (util-linux)");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel::<Vec<u8>>();
    let reader = std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut seen = String::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    for prompt in prompts {
        // Type only once the prompt is there: echo is off by then.
        while !seen.contains(prompt) {
            assert!(
                Instant::now() < deadline,
                "no prompt {prompt:?} in {seen:?}"
            );
            if let Ok(chunk) = rx.recv_timeout(Duration::from_millis(100)) {
                seen.push_str(&String::from_utf8_lossy(&chunk));
            }
        }
        seen = seen.replacen(prompt, &"#".repeat(prompt.len()), 1);
        stdin
            .write_all(format!("{SECRET}\n").as_bytes())
            .expect("type");
    }
    let status = child.wait().expect("wait");
    drop(stdin);
    reader.join().expect("reader");
    while let Ok(chunk) = rx.try_recv() {
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    (seen, status.code())
}

fn folder_text(dir: &Path) -> String {
    let mut text = String::new();
    for run in std::fs::read_dir(dir.join("runs")).expect("runs").flatten() {
        for f in std::fs::read_dir(run.path()).expect("run").flatten() {
            text.push_str(&std::fs::read_to_string(f.path()).unwrap_or_default());
        }
    }
    text
}

#[test]
fn passwords_are_asked_on_the_terminal_and_never_shown() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    site(d);
    let args = "playbook -i localhost, -e ansible_connection=local --work-dir runs site.yml";
    let (out, code) = on_a_terminal(
        d,
        &format!("{args} -k -K"),
        &[
            "SSH password: ",
            "BECOME password[defaults to SSH password]: ",
        ],
    );
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("\"msg\": \"hi\""), "{out}");
    assert!(!out.contains(SECRET), "echoed: {out}");
    let (out, code) = on_a_terminal(d, &format!("{args} -K"), &["BECOME password: "]);
    assert_eq!(code, Some(0), "{out}");
    assert!(!out.contains(SECRET), "echoed: {out}");
    // `agnostic_become_prompt = False`: the method's name.
    std::fs::write(
        d.join("ansible.cfg"),
        "[privilege_escalation]\nagnostic_become_prompt = False\nbecome_method = su\n",
    )
    .expect("write");
    let (out, code) = on_a_terminal(d, &format!("{args} -K"), &["SU password: "]);
    assert_eq!(code, Some(0), "{out}");
    std::fs::remove_file(d.join("ansible.cfg")).expect("rm");
    assert!(
        !folder_text(d).contains(SECRET),
        "a run folder holds the password"
    );
}

#[test]
fn without_a_terminal_asking_fails_and_password_files_work() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    site(d);
    let base = [
        "playbook",
        "-i",
        "localhost,",
        "-e",
        "ansible_connection=local",
        "--no-run-log",
        "site.yml",
    ];
    let run = |more: &[&str]| {
        Command::new("setsid")
            .arg("-w")
            .arg(env!("CARGO_BIN_EXE_konvoy-image"))
            .current_dir(d)
            .args(base)
            .args(more)
            .stdin(Stdio::null())
            .output()
            .expect("setsid")
    };
    let out = run(&["-K"]);
    let text = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("cannot ask for a password: no terminal"),
        "{text}"
    );
    assert!(out.stdout.is_empty(), "nothing ran");
    // A plain file (whitespace stripped), an executable one (its output).
    std::fs::write(d.join("pw"), format!("  {SECRET}\n")).expect("write");
    std::fs::write(d.join("pw.sh"), format!("#!/bin/sh\necho {SECRET}\n")).expect("write");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(d.join("pw.sh"), std::fs::Permissions::from_mode(0o755))
        .expect("chmod");
    for file in ["pw", "pw.sh"] {
        let out = run(&[
            "--become-password-file",
            file,
            "--connection-password-file",
            file,
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    std::fs::write(d.join("empty"), "\n").expect("write");
    let out = run(&["--become-password-file", "empty"]);
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("Empty password was provided from file (empty)"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&["--become-password-file", "nope"]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("The password file nope was not found"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
