//! `lineinfile`, `blockinfile` and `replace` on a real host.

use super::{assert_not_pwned, assert_shape, s, shapes, Bench, NASTY};
use crate::harness::Os;
use engine::modules::blockinfile::BlockinfileModule;
use engine::modules::lineinfile::LineinfileModule;
use engine::modules::replace::ReplaceModule;
use engine::modules::RunMode;
use engine::value::Value;
use std::os::unix::fs::MetadataExt;

fn read(b: &Bench, p: &str) -> String {
    std::fs::read_to_string(b.on_host(p)).unwrap()
}

/// Where `path` (`/etc/-{NASTY}.d/conf`) is on the host once its `$HOME`
/// is expanded: the other `conf` under a directory named like it.
fn expanded_home(b: &Bench, path: &str) -> String {
    let out = b
        .host()
        .sh("find /etc -mindepth 2 -type f -name conf -path '/etc/-a b*'");
    // (The name without `$HOME` above ends in `[x].d/conf`.)
    let found: Vec<&str> = out.lines().filter(|l| !l.ends_with("[x].d/conf")).collect();
    assert_eq!(found.len(), 1, "{out}");
    assert!(path.ends_with("$HOME.d/conf") && found[0].ends_with(".d/conf"));
    found[0].to_owned()
}

#[test]
fn lineinfile_adds_replaces_and_removes_once() {
    let mut b = Bench::start(Os::Flatcar);
    b.host().sh(
        "printf 'PermitRootLogin yes\\nPort 22\\n' > /etc/sshd_demo && chmod 640 /etc/sshd_demo",
    );
    let o = b.idempotent::<LineinfileModule>(
        &[
            ("path", s("/etc/sshd_demo")),
            ("regexp", s("^PermitRootLogin")),
            ("line", s("PermitRootLogin no")),
        ],
        &["/etc/sshd_demo"],
        |b| {
            assert_eq!(read(b, "/etc/sshd_demo"), "PermitRootLogin no\nPort 22\n");
            let md = std::fs::metadata(b.on_host("/etc/sshd_demo")).unwrap();
            assert_eq!(md.mode() & 0o7777, 0o640, "mode kept across the rewrite");
        },
    );
    assert_shape(&o.result, shapes::LINEINFILE);
    assert_eq!(o.result["msg"], s("line replaced"));

    // a hostile line, inserted after a match (a line with a newline in it
    // is never idempotent, in Ansible either: it cannot equal one line)
    let line = format!("-{NASTY}");
    b.idempotent::<LineinfileModule>(
        &[
            ("path", s("/etc/sshd_demo")),
            ("line", s(&line)),
            ("insertafter", s("^PermitRootLogin")),
        ],
        &["/etc/sshd_demo"],
        |b| {
            assert_eq!(
                read(b, "/etc/sshd_demo"),
                format!("PermitRootLogin no\n{line}\nPort 22\n")
            )
        },
    );

    // backrefs with Python re syntax
    b.idempotent::<LineinfileModule>(
        &[
            ("path", s("/etc/sshd_demo")),
            ("regexp", s(r"^Port (?P<n>\d\d)$")),
            ("line", s(r"Port \g<n>22")),
            ("backrefs", Value::Bool(true)),
        ],
        &["/etc/sshd_demo"],
        |b| assert!(read(b, "/etc/sshd_demo").ends_with("Port 2222\n")),
    );

    // state=absent, and create on a hostile new path
    let o = b.idempotent::<LineinfileModule>(
        &[
            ("path", s("/etc/sshd_demo")),
            ("regexp", s("^Port")),
            ("state", s("absent")),
        ],
        &["/etc/sshd_demo"],
        |b| assert!(!read(b, "/etc/sshd_demo").contains("Port")),
    );
    assert_eq!(o.result["found"], Value::Int(1));
    // A hostile name reaches the host as data (its `$HOME` is left out:
    // expanding it costs a round trip, checked below).
    let path = format!("/etc/-{}.d/conf", NASTY.replace(" \\$HOME", ""));
    b.idempotent::<LineinfileModule>(
        &[
            ("path", s(&path)),
            ("line", s("k=v")),
            ("create", Value::Bool(true)),
            ("mode", s("0600")),
        ],
        &[&path],
        |b| {
            assert_eq!(read(b, &path), "k=v\n");
            assert_eq!(
                std::fs::metadata(b.on_host(&path)).unwrap().mode() & 0o7777,
                0o600
            );
        },
    );

    // `path` is a path option: the host expands its `$HOME` as Python's
    // expandvars does (ansible-core too), so the file is created under
    // the expanded name, and nothing else in the name runs.
    let path = format!("/etc/-{NASTY}.d/conf");
    let args = [
        ("path", s(&path)),
        ("line", s("k=v")),
        ("create", Value::Bool(true)),
    ];
    assert!(
        b.run::<LineinfileModule>(&args, RunMode::Apply, false)
            .outcome
            .changed
    );
    let on_host = expanded_home(&b, &path);
    assert_eq!(read(&b, &on_host), "k=v\n");
    assert!(
        !b.run::<LineinfileModule>(&args, RunMode::Apply, false)
            .outcome
            .changed
    );

    // a missing file without create fails and creates nothing
    let r = b.run::<LineinfileModule>(
        &[("path", s("/etc/nope")), ("line", s("x"))],
        RunMode::Apply,
        false,
    );
    assert!(r.outcome.failed);
    assert!(!b.on_host("/etc/nope").exists());
    assert_not_pwned(&b);
}

#[test]
fn blockinfile_and_replace_converge() {
    let mut b = Bench::start(Os::Flatcar);
    b.host().sh("printf 'a = 1\\nb = 2\\n' > /etc/demo.ini");
    let block = format!("x\n{NASTY}\n");
    let o = b.idempotent::<BlockinfileModule>(
        &[("path", s("/etc/demo.ini")), ("block", s(&block)), ("insertbefore", s("^b"))],
        &["/etc/demo.ini"],
        |b| {
            assert_eq!(
                read(b, "/etc/demo.ini"),
                format!("a = 1\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n{NASTY}\n# END ANSIBLE MANAGED BLOCK\nb = 2\n")
            );
        },
    );
    assert_shape(&o.result, shapes::BLOCKINFILE);
    assert_eq!(o.result["msg"], s("Block inserted"));
    b.idempotent::<BlockinfileModule>(
        &[("path", s("/etc/demo.ini")), ("state", s("absent"))],
        &["/etc/demo.ini"],
        |b| assert_eq!(read(b, "/etc/demo.ini"), "a = 1\nb = 2\n"),
    );

    let o = b.idempotent::<ReplaceModule>(
        &[
            ("path", s("/etc/demo.ini")),
            ("regexp", s(r"^(\w) = (\d)$")),
            ("replace", s(r"\1: '\2' $(x)")),
        ],
        &["/etc/demo.ini"],
        |b| assert_eq!(read(b, "/etc/demo.ini"), "a: '1' $(x)\nb: '2' $(x)\n"),
    );
    assert_shape(&o.result, shapes::REPLACE);
    assert_eq!(o.result["msg"], s("2 replacements made"));
    let r = b.run::<ReplaceModule>(
        &[("path", s("/nope")), ("regexp", s("x"))],
        RunMode::Apply,
        false,
    );
    assert!(r.outcome.failed);
    assert_not_pwned(&b);
}
