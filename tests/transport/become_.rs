//! Become against real sudo and su: a login user with passwordless sudo,
//! one whose sudo asks for a password, and su. The password must never
//! appear in output, errors, `Debug` or any process's command line.

use super::chain;
use crate::harness::{Fleet, Os, TestHost, SUDO_PASSWORD, SUDO_PASSWORD_USER, SUDO_USER};
use engine::shell::Secret;
use engine::transport::{
    connect, Become, BecomeMethod, ConnectionSpec, ExecRequest, Privilege, PutOptions, Transport,
    TransportError,
};
use std::time::Duration;

fn spec_as(fleet: &Fleet, host: &TestHost, user: &str, become_: Option<Become>) -> ConnectionSpec {
    let mut spec = fleet.spec(host);
    spec.user = Some(user.to_owned());
    spec.become_ = become_;
    spec
}

fn sudo(password: Option<&str>) -> Become {
    Become {
        method: BecomeMethod::Sudo,
        user: "root".to_owned(),
        password: password.map(Secret::new),
        flags: None,
        exe: None,
    }
}

#[track_caller]
fn session(fleet: &Fleet, spec: &ConnectionSpec) -> Box<dyn Transport> {
    connect(spec, &fleet.connect_options()).unwrap()
}

#[test]
fn passwordless_sudo_user_runs_writes_and_reads_as_root() {
    let fleet = Fleet::builder().host(Os::Centos8).start();
    let host = &fleet.hosts()[0];
    let mut t = session(&fleet, &spec_as(&fleet, host, SUDO_USER, Some(sudo(None))));
    let plain = t.exec(&ExecRequest::new("id -un")).unwrap();
    assert_eq!(plain.stdout_str(), "kib\n");
    let root = t
        .exec(
            &ExecRequest::new("id -un; echo $HOME; cat")
                .stdin("piped\n")
                .with_become(),
        )
        .unwrap();
    assert_eq!(
        (
            root.stdout_str().as_ref(),
            root.stderr_str().as_ref(),
            root.rc
        ),
        ("root\n/root\npiped\n", "", 0)
    );

    let opts = PutOptions {
        mode: Some(0o640),
        owner: Some("root".to_owned()),
        group: Some(SUDO_USER.to_owned()),
        privilege: Privilege::Become,
    };
    t.put(&mut &b"secret config\n"[..], 14, "/etc/konvoy.conf", &opts)
        .unwrap();
    assert_eq!(
        host.sh("stat -c '%a %U %G' /etc/konvoy.conf; cat /etc/konvoy.conf"),
        "640 root kib\nsecret config\n"
    );

    let mut shadow = Vec::new();
    t.fetch("/etc/shadow", &mut shadow, Privilege::Become)
        .unwrap();
    assert!(String::from_utf8_lossy(&shadow).starts_with("root:"));
    let err = t
        .fetch("/etc/shadow", &mut Vec::new(), Privilege::User)
        .unwrap_err();
    assert!(
        err.to_string().starts_with(
            "reading `/etc/shadow` on `node1` failed (rc 1): cat: /etc/shadow: Permission denied"
        ),
        "{err}"
    );
}

#[test]
fn sudo_password_user_works_and_the_password_never_shows() {
    let fleet = Fleet::builder().host(Os::Centos7).start();
    let host = &fleet.hosts()[0];
    let spec = spec_as(
        &fleet,
        host,
        SUDO_PASSWORD_USER,
        Some(sudo(Some(SUDO_PASSWORD))),
    );
    assert!(!format!("{spec:?}").contains(SUDO_PASSWORD));
    let mut t = session(&fleet, &spec);

    // A long command through sudo: meanwhile no process on the host shows
    // the password on its command line (what `ps` prints).
    let long = std::thread::scope(|s| {
        let run = s.spawn(|| t.exec(&ExecRequest::new("id -un; sleep 2; echo done").with_become()));
        assert!(
            host.wait_for_process("sleep 2", Duration::from_secs(10)),
            "command never started"
        );
        let cmdlines = host.cmdlines();
        assert!(
            cmdlines.iter().any(|c| c.starts_with("sudo ")),
            "{cmdlines:#?}"
        );
        for c in &cmdlines {
            assert!(
                !c.contains(SUDO_PASSWORD),
                "password in a command line: {c}"
            );
        }
        run.join().unwrap().unwrap()
    });
    assert_eq!(long.stdout_str(), "root\ndone\n");
    assert_eq!(long.stderr_str(), "");

    // stdin reaches the command after the password, untouched.
    let cat = t
        .exec(
            &ExecRequest::new("cat")
                .stdin("line one\nline two\n")
                .with_become(),
        )
        .unwrap();
    assert_eq!(cat.stdout_str(), "line one\nline two\n");
    for text in [
        cat.stdout_str(),
        cat.stderr_str(),
        long.stdout_str(),
        long.stderr_str(),
    ] {
        assert!(!text.contains(SUDO_PASSWORD));
    }
    // Writing a root-owned file through password sudo.
    let opts = PutOptions {
        mode: Some(0o600),
        privilege: Privilege::Become,
        ..PutOptions::default()
    };
    t.put(&mut &b"x=1\n"[..], 4, "/etc/sudo-written", &opts)
        .unwrap();
    assert_eq!(host.sh("stat -c '%a %U' /etc/sudo-written"), "600 root\n");
}

#[test]
fn wrong_or_missing_sudo_password_is_a_become_error() {
    let fleet = Fleet::builder().host(Os::Debian).start();
    let host = &fleet.hosts()[0];
    let wrong = "not-the-password";
    let mut t = session(
        &fleet,
        &spec_as(&fleet, host, SUDO_PASSWORD_USER, Some(sudo(Some(wrong)))),
    );
    let err = t.exec(&ExecRequest::new("id").with_become()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "become `root` on `node1` failed: incorrect password"
    );
    assert!(!chain(&err).contains(wrong) && !format!("{err:?}").contains(wrong));
    // The session survives a refused become.
    assert_eq!(
        t.exec(&ExecRequest::new("echo still"))
            .unwrap()
            .stdout_str(),
        "still\n"
    );

    let mut t = session(
        &fleet,
        &spec_as(&fleet, host, SUDO_PASSWORD_USER, Some(sudo(None))),
    );
    let err = t.exec(&ExecRequest::new("id").with_become()).unwrap_err();
    assert!(
        matches!(&err, TransportError::Become { host, .. } if host == "node1"),
        "{err:?}"
    );
    assert!(err.to_string().contains("a password is required"), "{err}");
}

#[test]
fn su_with_a_password_becomes_the_target_user() {
    let fleet = Fleet::builder().host(Os::Centos8).start();
    let host = &fleet.hosts()[0];
    let su = |user: &str, password: &str| Become {
        method: BecomeMethod::Su,
        user: user.to_owned(),
        password: Some(Secret::new(password)),
        flags: None,
        exe: None,
    };
    let mut t = session(
        &fleet,
        &spec_as(&fleet, host, SUDO_USER, Some(su("root", SUDO_PASSWORD))),
    );
    let out = t
        .exec(&ExecRequest::new("id -un; echo to-stderr >&2").with_become())
        .unwrap();
    // su runs on a terminal: stderr arrives merged into stdout.
    assert_eq!(
        (out.stdout_str().as_ref(), out.rc),
        ("root\nto-stderr\n", 0)
    );
    assert!(!out.stdout_str().contains(SUDO_PASSWORD));
    let rc = t
        .exec(&ExecRequest::new("exit 4").with_become())
        .unwrap()
        .rc;
    assert_eq!(rc, 4);
    let opts = PutOptions {
        privilege: Privilege::Become,
        ..PutOptions::default()
    };
    t.put(&mut &b"via su\n"[..], 7, "/etc/su-written", &opts)
        .unwrap();
    assert_eq!(
        host.sh("stat -c %U /etc/su-written; cat /etc/su-written"),
        "root\nvia su\n"
    );

    let mut t = session(
        &fleet,
        &spec_as(
            &fleet,
            host,
            SUDO_USER,
            Some(su(SUDO_PASSWORD_USER, "wrong")),
        ),
    );
    let err = t
        .exec(&ExecRequest::new("id -un").with_become())
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("become `kibpw` on `node1` failed: incorrect password"),
        "{err}"
    );
}
