//! Command text and environment never reach a process table, commands of
//! any size run, hostile environment values arrive literally, and a
//! command past its deadline is killed on the host with everything it
//! started. All against real sshd hosts.

use super::root_session;
use crate::harness::{Fleet, Os, TestHost, SUDO_PASSWORD, SUDO_PASSWORD_USER};
use engine::shell::Secret;
use engine::transport::{connect, Become, BecomeMethod, ExecRequest, Transport, TransportError};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Samples every process's command line on `host` (as `ps` would show it
/// to any local user) while `work` runs; returns what `work` gave and
/// every command line seen.
fn sampled<T: Send>(host: &TestHost, work: impl FnOnce() -> T + Send) -> (T, Vec<String>) {
    let done = AtomicBool::new(false);
    std::thread::scope(|s| {
        let sampler = s.spawn(|| {
            let mut seen = Vec::new();
            let deadline = Instant::now() + Duration::from_secs(60);
            while !done.load(Ordering::Relaxed) && Instant::now() < deadline {
                seen.extend(host.cmdlines());
                std::thread::sleep(Duration::from_millis(5));
            }
            seen
        });
        let out = work();
        done.store(true, Ordering::Relaxed);
        (out, sampler.join().expect("sampler"))
    })
}

#[test]
fn command_text_and_environment_never_show_in_the_process_table() {
    let fleet = Fleet::builder().host(Os::Rocky9).start();
    let host = &fleet.hosts()[0];
    let secret_env = "env-Secret-8f3a";
    let secret_cmd = "cmd-Secret-77c1";
    let mut t = root_session(&fleet, host);
    let req = ExecRequest::new(format!(
        "sleep 1.5; echo {secret_cmd} > /root/cmd-out; printf %s \"$TOKEN\""
    ))
    .env("TOKEN", secret_env);
    let (out, seen) = sampled(host, || t.exec(&req).unwrap());
    assert_eq!((out.stdout_str().as_ref(), out.rc), (secret_env, 0));
    assert!(
        seen.iter().any(|c| c.contains("sleep 1.5")),
        "the sampler saw the command run: {seen:?}"
    );
    let leaked: Vec<_> = seen
        .iter()
        .filter(|c| c.contains(secret_env) || c.contains(secret_cmd))
        .collect();
    assert!(leaked.is_empty(), "secrets in argv: {leaked:?}");

    // Through sudo with a password: the password, the command and the
    // environment stay off sudo's argv too (and out of its log).
    let mut spec = fleet.spec(host);
    spec.user = Some(SUDO_PASSWORD_USER.to_owned());
    spec.become_ = Some(Become {
        method: BecomeMethod::Sudo,
        user: "root".to_owned(),
        password: Some(Secret::new(SUDO_PASSWORD)),
        flags: None,
        exe: None,
    });
    let mut t = connect(&spec, &fleet.connect_options()).unwrap();
    let req = req.with_become();
    let (out, seen) = sampled(host, || t.exec(&req).unwrap());
    assert_eq!(out.stdout_str(), secret_env);
    assert!(seen.iter().any(|c| c.starts_with("sudo ")), "{seen:?}");
    for c in &seen {
        for s in [secret_env, secret_cmd, SUDO_PASSWORD] {
            assert!(!c.contains(s), "`{s}` in argv: {c}");
        }
    }
    // No file the host wrote (its overlay's upper layer) holds them.
    let files = std::process::Command::new("grep")
        .args(["-rlF", "-e", secret_env, "-e", SUDO_PASSWORD])
        .arg(host.upper())
        .output()
        .expect("grep");
    assert_eq!(
        String::from_utf8_lossy(&files.stdout),
        "",
        "files holding a secret"
    );
    assert_eq!(host.sh("cat /root/cmd-out"), format!("{secret_cmd}\n"));
}

#[test]
fn hostile_environment_values_arrive_literally() {
    let fleet = Fleet::builder().host(Os::Debian).start();
    let host = &fleet.hosts()[0];
    let mut t = root_session(&fleet, host);
    let megabyte = "m".repeat(1 << 20);
    let table: [(&str, &str); 8] = [
        ("single quote", "it's"),
        ("double quote", "say \"hi\""),
        ("command substitution", "$(touch /root/pwned)"),
        ("backticks", "`touch /root/pwned2`"),
        ("newlines", "line one\nline two\n"),
        ("dot-dot", "../../etc/passwd"),
        ("glob and semicolon", "*; rm -rf /root/x"),
        ("1 MiB", &megabyte),
    ];
    for (what, value) in table {
        // A builtin reads it: a 1 MiB variable is beyond what exec(2)
        // passes to a child (as it would be for Ansible).
        let out = t
            .exec(&ExecRequest::new("printf %s \"$V\"").env("V", value))
            .unwrap();
        assert_eq!(out.rc, 0, "{what}: {}", out.stderr_str());
        assert!(out.stdout == value.as_bytes(), "{what}: value changed");
    }
    assert_eq!(host.sh("ls /root | grep -c pwned || true"), "0\n");
    // A name a shell cannot assign is refused before anything is sent.
    let err = t
        .exec(&ExecRequest::new("true").env("A;B", "x"))
        .unwrap_err();
    assert!(
        matches!(err, TransportError::InvalidEnvName { .. }),
        "{err}"
    );
}

#[test]
fn a_megabyte_command_and_a_megabyte_of_stdin_run() {
    let fleet = Fleet::builder().host(Os::Centos8).start();
    let host = &fleet.hosts()[0];
    let mut t = root_session(&fleet, host);
    // 1 MB of shell: far beyond one SSH packet (about 32 KiB).
    let mut script = String::from("n=0\n");
    while script.len() < 1 << 20 {
        script.push_str("n=$((n+1)) # padding padding padding padding padding\n");
    }
    script.push_str("echo $n; wc -c");
    let lines = script.lines().count() - 2;
    let stdin = vec![b'z'; 1 << 20];
    let out = t.exec(&ExecRequest::new(script).stdin(stdin)).unwrap();
    assert_eq!(
        (out.stdout_str().as_ref(), out.rc),
        (format!("{lines}\n1048576\n").as_str(), 0),
        "{}",
        out.stderr_str()
    );
    // The session is still the same healthy one.
    assert_eq!(
        t.exec(&ExecRequest::new("echo ok")).unwrap().stdout_str(),
        "ok\n"
    );
}

#[test]
fn a_command_past_its_deadline_is_killed_with_its_process_group() {
    let fleet = Fleet::builder().host(Os::Rocky8).start();
    let host = &fleet.hosts()[0];
    let mut t: Box<dyn Transport> = root_session(&fleet, host);
    let started = Instant::now();
    let err = t
        .exec(
            &ExecRequest::new("sleep 301 & sh -c 'sleep 302; echo late'; echo late")
                .timeout(Duration::from_secs(1)),
        )
        .unwrap_err();
    let took = started.elapsed();
    assert!(matches!(err, TransportError::Timeout { .. }), "{err:?}");
    assert!(took < Duration::from_secs(4), "took {took:?}");
    // Nothing of it is left on the host.
    let left: Vec<String> = host
        .cmdlines()
        .into_iter()
        .filter(|c| c.contains("sleep 30"))
        .collect();
    assert!(left.is_empty(), "orphans: {left:?}");
    // The session goes on without a reconnect being needed.
    assert_eq!(
        t.exec(&ExecRequest::new("echo next")).unwrap().stdout_str(),
        "next\n"
    );
}

#[test]
fn a_playbook_run_shows_no_environment_or_no_log_value_to_the_host() {
    let fleet = Fleet::builder().host(Os::Ubuntu2404).start();
    let host = &fleet.hosts()[0];
    let dir = tempfile::tempdir().expect("temp dir");
    fleet.write_inventory(dir.path());
    let token = "tok-Secret-51e9";
    let hidden = "nolog-Secret-0b2d";
    let playbook = format!(
        "- hosts: all\n  gather_facts: false\n  vars:\n    token: {token}\n    hidden: {hidden}\n  \
         tasks:\n    \
         - shell: sleep 1.5; test \"$TOKEN\" = {token}\n      environment:\n        TOKEN: \"{{{{ token }}}}\"\n    \
         - shell: sleep 1.5; echo {{{{ hidden | quote }}}} | wc -c\n      no_log: true\n"
    );
    std::fs::write(dir.path().join("site.yml"), playbook).expect("write site.yml");
    let (out, seen) = sampled(host, || {
        std::process::Command::new(env!("CARGO_BIN_EXE_konvoy-image"))
            .current_dir(dir.path())
            .args([
                "playbook",
                "-i",
                "inventory.yaml",
                "--work-dir",
                "runs",
                "site.yml",
            ])
            .output()
            .expect("run konvoy-image")
    });
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("changed=2"), "{text}");
    assert!(
        seen.iter().any(|c| c == "sleep 1.5"),
        "the sampler saw the tasks run: {seen:?}"
    );
    for c in &seen {
        assert!(
            !c.contains(token) && !c.contains(hidden),
            "secret in argv: {c}"
        );
    }
    assert!(!text.contains(hidden), "{text}");
    let files = std::process::Command::new("grep")
        .args(["-rlF", "-e", token, "-e", hidden])
        .arg(host.upper())
        .output()
        .expect("grep");
    assert_eq!(
        String::from_utf8_lossy(&files.stdout),
        "",
        "files holding a secret"
    );
}

#[test]
fn hostile_environment_and_no_log_values_in_a_playbook_arrive_literally_and_stay_hidden() {
    let fleet = Fleet::builder().host(Os::Centos8).start();
    let host = &fleet.hosts()[0];
    let dir = tempfile::tempdir().expect("temp dir");
    fleet.write_inventory(dir.path());
    let values: Vec<String> = vec![
        "it's".into(),
        "say \"hi\"".into(),
        "$(touch /root/pwned)".into(),
        "`touch /root/pwned2`".into(),
        "line one\nline two".into(),
        "../../etc/passwd".into(),
        "*; rm -rf /root/x".into(),
        format!("big-{}", "m".repeat(1 << 20)),
    ];
    // The values go in through a JSON vars file, exactly as written.
    let vars: serde_json::Map<String, serde_json::Value> = values
        .iter()
        .enumerate()
        .map(|(i, v)| (format!("v{i}"), serde_json::Value::String(v.clone())))
        .collect();
    std::fs::write(
        dir.path().join("vars.json"),
        serde_json::to_string(&vars).unwrap(),
    )
    .unwrap();
    let mut playbook =
        String::from("- hosts: all\n  gather_facts: false\n  vars_files: [vars.json]\n  tasks:\n");
    for i in 0..values.len() {
        // environment: a builtin reads it (1 MiB exceeds what exec passes on).
        playbook.push_str(&format!(
            "    - shell: printf %s \"$V\" > /root/env{i}\n      environment:\n        V: \"{{{{ v{i} }}}}\"\n      no_log: true\n    \
             - copy:\n        content: \"{{{{ v{i} }}}}\"\n        dest: /root/nolog{i}\n      no_log: true\n"
        ));
    }
    // Non-UTF-8 bytes (YAML and Jinja values are Unicode text, so they
    // come from a file) and a 1 MB free-form shell script, both no_log.
    let binary: Vec<u8> = (0..=255u8).chain([0xff, 0xfe, 0xc3, 0x28, 0x80]).collect();
    std::fs::write(dir.path().join("binary.bin"), &binary).unwrap();
    let mut script = String::new();
    while script.len() < 1 << 20 {
        script.push_str(": padding padding padding padding padding padding padding\n");
    }
    script.push_str("echo whole > /root/big-script");
    std::fs::write(
        dir.path().join("script.json"),
        serde_json::json!({ "big_script": script }).to_string(),
    )
    .unwrap();
    playbook.push_str(
        "    - copy: {src: binary.bin, dest: /root/nolog-binary}\n      no_log: true\n    \
         - include_vars: script.json\n    \
         - shell: \"{{ big_script }}\"\n      no_log: true\n",
    );
    std::fs::write(dir.path().join("site.yml"), playbook).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_konvoy-image"))
        .current_dir(dir.path())
        .args([
            "playbook",
            "-i",
            "inventory.yaml",
            "--work-dir",
            "runs",
            "site.yml",
        ])
        .output()
        .expect("run konvoy-image");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for (i, v) in values.iter().enumerate() {
        let env = std::fs::read(host.root().join(format!("root/env{i}"))).unwrap();
        assert!(env == v.as_bytes(), "environment value {i} changed");
        let copied = std::fs::read(host.root().join(format!("root/nolog{i}"))).unwrap();
        assert!(copied == v.as_bytes(), "no_log value {i} changed");
        if v.len() > 8 {
            assert!(!text.contains(v.as_str()), "value {i} printed");
        }
    }
    assert_eq!(host.sh("ls /root | grep -c pwned || true"), "0\n");
    assert!(
        std::fs::read(host.root().join("root/nolog-binary")).unwrap() == binary,
        "the non-UTF-8 no_log content changed"
    );
    assert_eq!(host.sh("cat /root/big-script"), "whole\n");
    assert!(!text.contains("padding"), "the no_log script was printed");
    assert!(text.contains("ok=19   changed=18"), "{text}");
}
