//! Running commands: environment, stdin, large interleaved output,
//! signals, reconnecting after a dropped connection, jump hosts and the
//! local transport.

use super::root_session;
use crate::harness::{Fleet, Os};
use engine::transport::{
    connect, ConnectionKind, ExecRequest, JumpHost, Privilege, PutOptions, TransportError,
};
use sha2::{Digest, Sha256};
use std::time::{Duration, Instant};

#[test]
fn environment_stdin_and_exit_codes() {
    let fleet = Fleet::builder().host(Os::Centos7).start();
    let mut t = root_session(&fleet, &fleet.hosts()[0]);
    let out = t
        .exec(
            &ExecRequest::new("printf '%s|%s' \"$HTTP_PROXY\" \"$ODD\"")
                .env("HTTP_PROXY", "http://127.0.0.1:3128")
                .env("ODD", "it's $(not) `run`; \"quoted\""),
        )
        .unwrap();
    assert_eq!(
        out.stdout_str(),
        "http://127.0.0.1:3128|it's $(not) `run`; \"quoted\""
    );

    // The argv form: every argument arrives as one word, unexpanded.
    let argv = ExecRequest::argv(["printf", "%s|", "a  b", "it's", "$HOME", "*"]);
    assert_eq!(t.exec(&argv).unwrap().stdout_str(), "a  b|it's|$HOME|*|");

    // 1 MiB of binary stdin arrives intact.
    let data: Vec<u8> = (0..1u32 << 20).map(|i| (i % 251) as u8).collect();
    let sum = t
        .exec(&ExecRequest::new("sha256sum").stdin(data.clone()))
        .unwrap();
    assert_eq!(
        sum.stdout_str(),
        format!("{}  -\n", hex::encode(Sha256::digest(&data)))
    );

    // A command killed by a signal reports 128 + signal, never 0.
    assert_eq!(t.exec(&ExecRequest::new("kill -9 $$")).unwrap().rc, 137);
    assert_eq!(t.exec(&ExecRequest::new("exit 42")).unwrap().rc, 42);
}

#[test]
fn large_stdout_and_stderr_at_once_do_not_deadlock() {
    let fleet = Fleet::builder().host(Os::Debian).start();
    let mut t = root_session(&fleet, &fleet.hosts()[0]);
    // 8 MiB on each stream, interleaved: far more than the channel window.
    let cmd = "for i in $(seq 64); do head -c 131072 /dev/zero | tr '\\0' o; head -c 131072 /dev/zero | tr '\\0' e >&2; done";
    let started = Instant::now();
    let out = t
        .exec(&ExecRequest::new(cmd).timeout(Duration::from_secs(60)))
        .unwrap();
    assert_eq!((out.stdout.len(), out.stderr.len()), (8 << 20, 8 << 20));
    assert!(out.stdout.iter().all(|&b| b == b'o') && out.stderr.iter().all(|&b| b == b'e'));
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[test]
fn a_dropped_connection_is_replaced_before_the_next_command() {
    let fleet = Fleet::builder().host(Os::Centos8).start();
    let host = &fleet.hosts()[0];
    let mut t = root_session(&fleet, host);
    assert_eq!(
        t.exec(&ExecRequest::new("echo 1")).unwrap().stdout_str(),
        "1\n"
    );
    // The server side of the idle session goes away (e.g. sshd restarted).
    host.drop_connections();
    assert!(host.wait_for_process("sshd: /usr/sbin/sshd", Duration::from_secs(5)));
    let deadline = Instant::now() + Duration::from_secs(5);
    while host.cmdlines().iter().any(|c| c.contains("root@notty")) {
        assert!(Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(
        t.exec(&ExecRequest::new("echo 2")).unwrap().stdout_str(),
        "2\n"
    );
}

#[test]
fn jump_host_relays_to_the_target() {
    let fleet = Fleet::builder().hosts(2, Os::Centos8).start();
    let (bastion, target) = (fleet.host("node1"), fleet.host("node2"));
    let mut spec = fleet.spec(target);
    spec.jump = Some(JumpHost {
        address: bastion.address().to_string(),
        port: 22,
        user: Some("root".to_owned()),
    });
    let mut t = connect(&spec, &fleet.connect_options()).unwrap();
    let out = t
        .exec(&ExecRequest::new("hostname; echo $SSH_CLIENT"))
        .unwrap();
    let text = out.stdout_str();
    assert!(text.starts_with("node2\n"), "{text}");
    // The bastion carries the tunnel: it has a session for root.
    assert!(
        bastion
            .cmdlines()
            .iter()
            .any(|c| c.starts_with("sshd: root")),
        "{:?}",
        bastion.cmdlines()
    );
    let data = vec![5u8; 4 << 20];
    t.put(
        &mut data.as_slice(),
        data.len() as u64,
        "/root/through-jump",
        &PutOptions::default(),
    )
    .unwrap();
    assert_eq!(target.sh("wc -c < /root/through-jump"), "4194304\n");
    // A bastion that refuses the tunnel target is reported against the target.
    spec.address = "127.0.0.1".to_owned();
    spec.port = 1;
    let err = connect(&spec, &fleet.connect_options())
        .err()
        .expect("no tunnel");
    assert!(
        matches!(&err, TransportError::Jump { host, .. } if host == "node2"),
        "{err:?}"
    );
}

#[test]
fn local_connection_runs_on_the_controller() {
    let dir = tempfile::tempdir().unwrap();
    let spec = engine::transport::ConnectionSpec {
        name: "localhost".to_owned(),
        kind: ConnectionKind::Local,
        address: "localhost".to_owned(),
        port: 22,
        user: None,
        private_key_file: None,
        password: None,
        connect_timeout: Duration::from_secs(10),
        host_key_checking: engine::transport::HostKeyChecking::Strict,
        jump: None,
        known_hosts_file: None,
        become_: None,
    };
    let mut t = connect(&spec, &engine::transport::ConnectOptions::default()).unwrap();
    let out = t
        .exec(
            &ExecRequest::new("echo $A; echo e >&2; cat; exit 5")
                .env("A", "x y")
                .stdin("in"),
        )
        .unwrap();
    assert_eq!(
        (out.stdout_str().as_ref(), out.stderr_str().as_ref(), out.rc),
        ("x y\nin", "e\n", 5)
    );
    let dest = dir.path().join("f");
    let dest_s = dest.to_str().unwrap();
    let opts = PutOptions {
        mode: Some(0o640),
        ..PutOptions::default()
    };
    t.put(&mut &b"hello"[..], 5, dest_s, &opts).unwrap();
    let mut back = Vec::new();
    assert_eq!(t.fetch(dest_s, &mut back, Privilege::User).unwrap(), 5);
    assert_eq!(back, b"hello");
    let started = Instant::now();
    let err = t
        .exec(&ExecRequest::new("sleep 20").timeout(Duration::from_millis(300)))
        .unwrap_err();
    assert!(matches!(err, TransportError::Timeout { .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[test]
fn systemd_host_boots_and_manages_units() {
    let fleet = Fleet::builder().host(Os::Centos8).systemd(true).start();
    let host = &fleet.hosts()[0];
    let mut t = root_session(&fleet, host);
    // Boot may still be finishing when sshd already answers.
    let deadline = Instant::now() + Duration::from_secs(60);
    let state = loop {
        let out = t
            .exec(&ExecRequest::new("systemctl is-system-running"))
            .unwrap();
        let state = out.stdout_str().trim().to_owned();
        if state != "starting" && state != "initializing" {
            break state;
        }
        assert!(Instant::now() < deadline, "systemd still {state}");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(state == "running" || state == "degraded", "{state}");
    let out = t
        .exec(&ExecRequest::new(
            "printf '[Service]\\nExecStart=/bin/sleep infinity\\n[Install]\\nWantedBy=multi-user.target\\n' \
             > /etc/systemd/system/demo.service && systemctl daemon-reload && \
             systemctl enable --now demo.service 2>&1 && systemctl is-active demo.service && \
             systemctl restart demo.service && systemctl is-active demo.service && cat /proc/1/comm",
        ))
        .unwrap();
    assert_eq!(
        (out.stdout_str().lines().last(), out.rc),
        (Some("systemd"), 0),
        "{}",
        out.stdout_str()
    );
    assert_eq!(host.sh("systemctl is-active konvoy-sshd"), "active\n");
}

/// Regression (found by the file-module work): a destination that needs
/// quoting broke the temp file's cleanup trap.
#[test]
fn put_reaches_a_path_that_needs_quoting() {
    let fleet = Fleet::builder().host(Os::Flatcar).start();
    let host = &fleet.hosts()[0];
    let mut t = root_session(&fleet, host);
    let dest = "/tmp/a b'c $(touch pwned) `x`;*";
    let data = b"payload".to_vec();
    t.put(
        &mut &data[..],
        data.len() as u64,
        dest,
        &PutOptions::default(),
    )
    .expect("put to an awkward path");
    assert_eq!(
        std::fs::read(host.root().join(dest.trim_start_matches('/'))).unwrap(),
        data
    );
    let leftovers = host.sh("ls -a /tmp | grep -c 'konvoy-.*[.]tmp$' || true");
    assert_eq!(leftovers.trim(), "0");
    assert!(!host.root().join("root/pwned").exists());
}
