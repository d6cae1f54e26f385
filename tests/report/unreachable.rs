//! Each reason a host cannot be reached produces its own message, with
//! the cause kept: real listeners on 127.0.0.1 and a real test host, the
//! real SSH transport, the engine's one wording
//! (`report::cause::unreachable_message`).

use crate::harness::{keys, Fleet, Os};
use engine::report::cause::{classify, unreachable_message, UnreachableCause};
use engine::transport::{self, ConnectOptions, ConnectionSpec};
use std::net::TcpListener;
use std::time::{Duration, Instant};

/// A port on 127.0.0.1 where nothing listens (bound, then released).
fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

/// Accepts connections and never writes a byte (not an SSH server).
fn silent_listener() -> (TcpListener, u16) {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    (l, port)
}

#[test]
fn every_cause_has_its_own_message() {
    let fleet = Fleet::builder().host(Os::Centos8).start();
    let host = &fleet.hosts()[0];
    let base = fleet.spec(host);
    let good = fleet.connect_options();
    let (_silent, silent_port) = silent_listener();
    let dir = tempfile::tempdir().expect("temp dir");
    // A known_hosts entry for the host's address with another key.
    let other_key =
        std::fs::read_to_string(format!("{}.pub", keys().rsa.display())).expect("a public key");
    let wrong = dir.path().join("wrong_known_hosts");
    std::fs::write(&wrong, format!("{} {}", host.address(), other_key)).expect("write");
    let empty = dir.path().join("empty_known_hosts");
    std::fs::write(&empty, "").expect("write");
    let with_known = |path: &std::path::Path| ConnectOptions {
        known_hosts: vec![path.to_path_buf()],
        ..ConnectOptions::default()
    };

    type Case = (
        &'static str,
        ConnectionSpec,
        ConnectOptions,
        UnreachableCause,
        &'static str,
    );
    let cases: Vec<Case> = vec![
        (
            "closed port",
            ConnectionSpec {
                address: "127.0.0.1".into(),
                port: closed_port(),
                ..base.clone()
            },
            good.clone(),
            UnreachableCause::Refused,
            "Connection refused (os error 111) (connection refused)",
        ),
        (
            "name that does not resolve",
            ConnectionSpec {
                address: "no-such-host.invalid".into(),
                ..base.clone()
            },
            good.clone(),
            UnreachableCause::Dns,
            "(name does not resolve)",
        ),
        (
            "listener that never speaks SSH",
            ConnectionSpec {
                address: "127.0.0.1".into(),
                port: silent_port,
                connect_timeout: Duration::from_secs(2),
                ..base.clone()
            },
            good.clone(),
            UnreachableCause::HandshakeTimeout,
            "failed during handshake",
        ),
        (
            "host key mismatch",
            base.clone(),
            with_known(&wrong),
            UnreachableCause::HostKeyMismatch,
            "does not match known_hosts",
        ),
        (
            "unknown host key",
            base.clone(),
            with_known(&empty),
            UnreachableCause::UnknownHostKey,
            "is not in known_hosts",
        ),
        (
            "wrong key",
            ConnectionSpec {
                private_key_file: Some(keys().unauthorized.clone()),
                ..base.clone()
            },
            good.clone(),
            UnreachableCause::Auth,
            "authentication as `root`",
        ),
    ];
    let mut messages = Vec::new();
    for (what, spec, opts, cause, phrase) in cases {
        let started = Instant::now();
        let err = match transport::connect(&spec, &opts) {
            Ok(_) => panic!("{what}: connected"),
            Err(e) => e,
        };
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "{what} took {:?}",
            started.elapsed()
        );
        let msg = unreachable_message(&err, Some((&spec.address, spec.port)));
        assert_eq!(classify(&err), Some(cause), "{what}: {msg}");
        assert!(msg.contains(phrase), "{what}: {msg}");
        assert!(msg.contains(cause.phrase()), "{what}: {msg}");
        messages.push(msg);
    }
    // The two host-key failures end with the exact fix.
    let addr = host.address().to_string();
    assert!(
        messages[3].contains(&format!(
            "ssh-keygen -R {addr} && ssh-keyscan -H {addr} >> ~/.ssh/known_hosts"
        )),
        "{}",
        messages[3]
    );
    assert!(
        messages[4].contains(&format!("`ssh-keyscan -H {addr} >> ~/.ssh/known_hosts`")),
        "{}",
        messages[4]
    );
    assert!(
        messages[4].contains("StrictHostKeyChecking=accept-new"),
        "{}",
        messages[4]
    );
    assert!(
        messages[4].contains("host_key_checking = False"),
        "{}",
        messages[4]
    );
    let mut unique = messages.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), messages.len(), "{messages:#?}");
}
