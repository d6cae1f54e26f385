//! `command`, `shell`, `raw`, `script` and `wait_for` on a real host:
//! what they leave on the host is read back directly (not through a
//! module), hostile arguments arrive literally, and each run's command
//! count is pinned. Result keys and output text are compared with
//! ansible-playbook 2.19.14 in `tests/golden/run/commands`.

use super::{assert_not_pwned, s, Bench, NASTY};
use crate::harness::Os;
use engine::modules::command::{CommandModule, RawModule, ShellModule};
use engine::modules::script::ScriptModule;
use engine::modules::wait_for::WaitForModule;
use engine::modules::RunMode;
use engine::shell::quote;
use engine::value::Value;
use std::time::{Duration, Instant};

/// Every quoting hazard plus a newline and a leading dash.
fn hostile() -> String {
    format!("-{NASTY}\nline two")
}

fn list(words: &[&str]) -> Value {
    Value::List(words.iter().map(|w| s(w)).collect())
}

fn mtime(b: &Bench, path: &str) -> std::time::SystemTime {
    std::fs::metadata(b.on_host(path))
        .and_then(|m| m.modified())
        .expect("file on host")
}

#[test]
fn command_passes_argv_literally_and_honours_creates_removes_chdir_stdin() {
    let mut b = Bench::start(Os::Debian);
    let evil = hostile();
    let writer = "printf %s \"$1\" > \"$2\"";
    // With expand_argument_vars off, every byte arrives as written.
    let r = b.run::<CommandModule>(
        &[
            (
                "argv",
                list(&["sh", "-c", writer, "sh", &evil, "/root/literal"]),
            ),
            ("expand_argument_vars", Value::Bool(false)),
        ],
        RunMode::Apply,
        false,
    );
    assert!(r.outcome.changed && !r.outcome.failed, "{:?}", r.outcome);
    assert_eq!(r.commands, 1, "a command costs one round trip");
    assert_eq!(
        std::fs::read_to_string(b.on_host("/root/literal")).unwrap(),
        evil
    );
    // By default `$HOME` expands on the host (Ansible's expandvars); the
    // rest, `$(…)`, backticks and `$1` included, stays literal.
    b.run::<CommandModule>(
        &[(
            "argv",
            list(&["sh", "-c", writer, "sh", &evil, "/root/expanded"]),
        )],
        RunMode::Apply,
        false,
    );
    assert_eq!(
        std::fs::read_to_string(b.on_host("/root/expanded")).unwrap(),
        evil.replace("$HOME", "/root")
    );
    // Free-form text is split like Python's shlex, never by a shell.
    let free = format!("printf %s {} {}", quote(&evil), quote("*"));
    let r = b.run::<CommandModule>(
        &[
            ("_raw_params", s(&free)),
            ("expand_argument_vars", Value::Bool(false)),
        ],
        RunMode::Apply,
        false,
    );
    assert_eq!(r.outcome.result["stdout"], s(&format!("{evil}*")));
    assert_eq!(
        r.outcome.result["cmd"],
        list(&["printf", "%s", &evil, "*"]),
        "cmd is the argv list"
    );
    for key in ["delta", "end", "start", "stdout", "stderr", "msg"] {
        assert!(matches!(r.outcome.result[key], Value::Str(_)), "{key}");
    }
    assert_eq!(r.outcome.result["rc"], Value::Int(0));
    assert!(matches!(r.outcome.result["stdout_lines"], Value::List(_)));
    assert!(matches!(r.outcome.result["stderr_lines"], Value::List(_)));

    // chdir + stdin: `cat` echoes the hostile text; `pwd` proves the dir.
    b.host().sh("mkdir -p '/srv/a dir'");
    let r = b.run::<CommandModule>(
        &[
            ("_raw_params", s("sh -c 'pwd; cat'")),
            ("chdir", s("/srv/a dir")),
            ("stdin", s(&evil)),
        ],
        RunMode::Apply,
        false,
    );
    assert_eq!(
        r.outcome.result["stdout"],
        s(&format!("/srv/a dir\n{evil}"))
    );

    // creates: the first run creates, the second is `ok`, touches nothing
    // and still costs one command; check mode sends nothing at all.
    let marker = format!("/root/{NASTY}");
    let args = [
        ("argv", list(&["touch", "--", &marker])),
        ("creates", s(&marker)),
        ("expand_argument_vars", Value::Bool(false)),
    ];
    let check = b.run::<CommandModule>(&args, RunMode::Check, false);
    assert!(!b.on_host(&marker).exists(), "check mode ran the command");
    assert_eq!(check.commands, 1, "creates is evaluated in check mode");
    let first = b.run::<CommandModule>(&args, RunMode::Apply, false);
    assert!(first.outcome.changed && b.on_host(&marker).exists());
    let before = mtime(&b, &marker);
    let second = b.run::<CommandModule>(&args, RunMode::Apply, false);
    assert!(!second.outcome.changed, "{:?}", second.outcome);
    assert_eq!(second.commands, 1);
    assert_eq!(mtime(&b, &marker), before, "second run touched the file");
    assert_eq!(
        second.outcome.result["msg"],
        s(&format!("Did not run command since '{marker}' exists"))
    );
    // removes: runs while the path exists, then is a no-op.
    let rm = [
        ("argv", list(&["rm", "--", &marker])),
        ("removes", s(&marker)),
        ("expand_argument_vars", Value::Bool(false)),
    ];
    assert!(
        b.run::<CommandModule>(&rm, RunMode::Apply, false)
            .outcome
            .changed
    );
    assert!(!b.on_host(&marker).exists());
    assert!(
        !b.run::<CommandModule>(&rm, RunMode::Apply, false)
            .outcome
            .changed
    );

    // Check mode without creates/removes: skipped, nothing sent.
    let r = b.run::<CommandModule>(
        &[("_raw_params", s("touch /root/never"))],
        RunMode::Check,
        false,
    );
    assert!(r.outcome.skipped && r.commands == 0, "{:?}", r.outcome);
    assert!(!b.on_host("/root/never").exists());
    // A chdir that fails stops before the command, shaped as Ansible's
    // failure (ansible-core 2.19.14 ad hoc, `chdir=/nope`): rc null,
    // unchanged, this msg.
    let r = b.run::<CommandModule>(
        &[("_raw_params", s("touch /root/ran")), ("chdir", s("/nope"))],
        RunMode::Apply,
        false,
    );
    assert!(r.outcome.failed && !r.outcome.changed, "{:?}", r.outcome);
    assert_eq!(r.outcome.result["rc"], Value::Null);
    assert_eq!(
        r.outcome.result["msg"],
        s("Unable to change directory before execution.")
    );
    assert!(!b.on_host("/root/ran").exists());
    // A relative `creates` is looked up after chdir, as in Ansible.
    b.host().sh("touch '/srv/a dir/marker'");
    let r = b.run::<CommandModule>(
        &[
            ("_raw_params", s("touch /root/ran")),
            ("chdir", s("/srv/a dir")),
            ("creates", s("marker")),
        ],
        RunMode::Apply,
        false,
    );
    assert!(!r.outcome.changed && !b.on_host("/root/ran").exists());
    // A failing command reports rc and stderr.
    let r = b.run::<CommandModule>(
        &[("_raw_params", s("sh -c 'echo bad >&2; exit 3'"))],
        RunMode::Apply,
        false,
    );
    assert!(r.outcome.failed);
    assert_eq!(r.outcome.result["rc"], Value::Int(3));
    assert_eq!(r.outcome.result["stderr"], s("bad"));
    assert_not_pwned(&b);
}

#[test]
fn shell_and_raw_run_text_through_a_shell_with_literal_data() {
    let mut b = Bench::start(Os::Debian);
    let evil = hostile();
    b.host().sh("mkdir -p /srv/work");
    // The hostile text is data inside the script: quoted, it stays data.
    let text = format!("printf %s {} | tr a-z A-Z > out; echo \"$0\"", quote(&evil));
    let args = [
        ("_raw_params", s(&text)),
        ("chdir", s("/srv/work")),
        ("executable", s("/bin/bash")),
        ("creates", s("/srv/work/out")),
    ];
    let first = b.run::<ShellModule>(&args, RunMode::Apply, false);
    assert!(first.outcome.changed, "{:?}", first.outcome);
    assert_eq!(first.commands, 1);
    assert_eq!(first.outcome.result["cmd"], s(&text), "cmd is the text");
    assert_eq!(first.outcome.result["stdout"], s("/bin/bash"));
    assert_eq!(
        std::fs::read_to_string(b.on_host("/srv/work/out")).unwrap(),
        evil.to_uppercase()
    );
    let before = mtime(&b, "/srv/work/out");
    let second = b.run::<ShellModule>(&args, RunMode::Apply, false);
    assert!(!second.outcome.changed && second.commands == 1);
    assert_eq!(mtime(&b, "/srv/work/out"), before);
    // Without `executable` the text runs under /bin/sh.
    let r = b.run::<ShellModule>(
        &[("_raw_params", s("echo ${BASH_VERSION:-plain} | wc -c"))],
        RunMode::Apply,
        false,
    );
    assert_eq!(r.outcome.result["stdout"], s("6"), "no bash: `plain\\n`");

    let r = b.run::<RawModule>(
        &[(
            "_raw_params",
            s(&format!("printf %s {} > /root/raw", quote(&evil))),
        )],
        RunMode::Apply,
        false,
    );
    assert!(r.outcome.changed && r.commands == 1, "{:?}", r.outcome);
    assert_eq!(
        std::fs::read_to_string(b.on_host("/root/raw")).unwrap(),
        evil
    );
    assert_not_pwned(&b);
}

#[test]
fn script_uploads_a_local_file_runs_it_with_literal_args_and_cleans_up() {
    let mut b = Bench::start(Os::Debian);
    let evil = hostile();
    std::fs::write(
        b.local.path().join("record.sh"),
        "#!/bin/sh\n# one argument per line, NUL-terminated\nprintf '%s\\0' \"$@\" > /root/args\npwd\n",
    )
    .unwrap();
    let text = format!("record.sh {} --flag", quote(&evil));
    let args = [
        ("_raw_params", s(&text)),
        ("chdir", s("/tmp")),
        ("creates", s("/root/args")),
    ];
    let check = b.run::<ScriptModule>(&args, RunMode::Check, false);
    // With `creates`, Ansible's script action reports in check mode the
    // change it would make, without running anything.
    assert!(
        check.outcome.changed && !check.outcome.skipped,
        "{:?}",
        check.outcome
    );
    assert!(!b.on_host("/root/args").exists());
    let first = b.run::<ScriptModule>(&args, RunMode::Apply, false);
    assert!(first.outcome.changed, "{:?}", first.outcome);
    assert_eq!(first.commands, 3, "creates probe, upload, run");
    assert_eq!(first.outcome.result["stdout"], s("/tmp\n"));
    assert_eq!(
        std::fs::read(b.on_host("/root/args")).unwrap(),
        format!("{evil}\0--flag\0").into_bytes()
    );
    let leftovers = b.host().sh("ls -a /tmp | grep -c konvoy-script || true");
    assert_eq!(leftovers.trim(), "0", "the uploaded script was removed");
    // Without creates/removes there is nothing to probe: upload, run.
    let plain = b.run::<ScriptModule>(&[("_raw_params", s("record.sh x"))], RunMode::Apply, false);
    assert!(
        plain.outcome.changed && plain.commands == 2,
        "{}",
        plain.commands
    );
    std::fs::write(b.on_host("/root/args"), format!("{evil}\0--flag\0")).unwrap();
    let before = mtime(&b, "/root/args");
    let second = b.run::<ScriptModule>(&args, RunMode::Apply, false);
    assert!(second.outcome.skipped && !second.outcome.changed);
    assert_eq!(second.commands, 1, "creates satisfied: one probe");
    assert_eq!(mtime(&b, "/root/args"), before);
    assert_not_pwned(&b);
}

#[test]
fn wait_for_sees_a_port_a_path_and_a_regex_and_times_out_fast() {
    let mut b = Bench::start(Os::Debian);
    let addr = b.host().address().to_string();
    let port = 20_000 + u16::from(b.host().address().octets()[3]) * 7 % 20_000;
    b.host().sh(&format!(
        "cd /tmp && nohup python3 -m http.server {port} --bind {addr} >/dev/null 2>&1 &"
    ));
    let started = Instant::now();
    let r = b.run::<WaitForModule>(
        &[
            ("host", s(&addr)),
            ("port", Value::Int(i64::from(port))),
            ("timeout", Value::Int(20)),
        ],
        RunMode::Apply,
        false,
    );
    assert!(!r.outcome.failed, "{:?}", r.outcome);
    assert_eq!(r.commands, 1, "the wait is one command");
    assert!(started.elapsed() < Duration::from_secs(20));
    assert_eq!(r.outcome.result["port"], Value::Int(i64::from(port)));

    // A path that appears a moment later, then a regex in it.
    let path = format!("/root/{NASTY}.log");
    b.host().sh(&format!(
        "(sleep 1; printf 'booting\\nready: yes\\n' > {}) >/dev/null 2>&1 &",
        quote(&path)
    ));
    let r = b.run::<WaitForModule>(
        &[
            ("path", s(&path)),
            ("search_regex", s("^ready: (yes|no)$")),
            ("timeout", Value::Int(20)),
        ],
        RunMode::Apply,
        false,
    );
    assert!(!r.outcome.failed, "{:?}", r.outcome);
    assert!(matches!(r.outcome.result["elapsed"], Value::Int(0..=20)));

    // Nothing listens here: the timeout fails the task within its bound.
    let started = Instant::now();
    let r = b.run::<WaitForModule>(
        &[
            ("host", s(&addr)),
            ("port", Value::Int(1)),
            ("timeout", Value::Int(2)),
            ("msg", s("port 1 never opened")),
        ],
        RunMode::Apply,
        false,
    );
    let took = started.elapsed();
    assert!(r.outcome.failed);
    assert_eq!(r.outcome.result["msg"], s("port 1 never opened"));
    assert!(
        (Duration::from_secs(2)..Duration::from_secs(8)).contains(&took),
        "timeout 2 took {took:?}"
    );
    assert_not_pwned(&b);
}
