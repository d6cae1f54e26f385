//! Authentication and host keys: every supported key type, an encrypted
//! key with its passphrase, password login, hashed known_hosts entries
//! and accept-new.

use super::chain;
use crate::harness::{keys, Fleet, Os, KEY_PASSPHRASE, SUDO_PASSWORD, SUDO_PASSWORD_USER};
use engine::shell::Secret;
use engine::transport::{connect, AgentUse, ExecRequest, HostKeyChecking, TransportError};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn rsa_ecdsa_and_encrypted_ed25519_keys_log_in() {
    let fleet = Fleet::builder().host(Os::Centos8).start();
    let host = &fleet.hosts()[0];
    for key in [&keys().rsa, &keys().ecdsa, &keys().ed25519] {
        let mut spec = fleet.spec(host);
        spec.private_key_file = Some(key.clone());
        let mut t = connect(&spec, &fleet.connect_options())
            .unwrap_or_else(|e| panic!("{}: {e}", key.display()));
        assert_eq!(
            t.exec(&ExecRequest::new("id -un")).unwrap().stdout_str(),
            "root\n"
        );
    }
    let mut spec = fleet.spec(host);
    spec.private_key_file = Some(keys().encrypted.clone());
    // Without the passphrase the key cannot be used, and the error says why.
    let err = connect(&spec, &fleet.connect_options())
        .err()
        .expect("no passphrase");
    assert!(matches!(err, TransportError::Auth { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("cannot be read or decrypted; check the passphrase"),
        "{err}"
    );
    let mut opts = fleet.connect_options();
    opts.key_passphrase = Some(Secret::new(KEY_PASSPHRASE));
    let mut t = connect(&spec, &opts).unwrap();
    assert_eq!(
        t.exec(&ExecRequest::new("hostname")).unwrap().stdout_str(),
        "node1\n"
    );
}

#[test]
fn password_login_and_default_identities() {
    let fleet = Fleet::builder().host(Os::Debian).start();
    let host = &fleet.hosts()[0];
    let mut spec = fleet.spec(host);
    spec.user = Some(SUDO_PASSWORD_USER.to_owned());
    spec.private_key_file = None;
    spec.password = Some(Secret::new(SUDO_PASSWORD));
    let mut t = connect(&spec, &fleet.connect_options()).unwrap();
    assert_eq!(
        t.exec(&ExecRequest::new("id -un")).unwrap().stdout_str(),
        "kibpw\n"
    );

    spec.password = Some(Secret::new("wrong password"));
    let err = connect(&spec, &fleet.connect_options())
        .err()
        .expect("wrong password");
    assert_eq!(
        err.to_string(),
        "authentication as `kibpw` on `node1` failed (tried: password)"
    );
    assert!(!format!("{err:?}").contains("wrong password"));

    // No key in the spec: the default identities are tried in order.
    let mut spec = fleet.spec(host);
    spec.private_key_file = None;
    let mut opts = fleet.connect_options();
    opts.default_identities = vec![
        keys().dir.join("id_missing"),
        keys().unauthorized.clone(),
        keys().ecdsa.clone(),
    ];
    let mut t = connect(&spec, &opts).unwrap();
    assert_eq!(t.exec(&ExecRequest::new("true")).unwrap().rc, 0);
}

#[test]
fn hashed_known_hosts_and_accept_new() {
    let fleet = Fleet::builder().hosts(2, Os::Flatcar).start();
    let host = fleet.host("node2");
    // `ssh-keygen -H` hashes every host name, as HashKnownHosts does.
    let hashed = fleet.dir().join("hashed_known_hosts");
    std::fs::copy(fleet.known_hosts(), &hashed).unwrap();
    let status = std::process::Command::new("ssh-keygen")
        .arg("-H")
        .arg("-f")
        .arg(&hashed)
        .output()
        .unwrap();
    assert!(status.status.success());
    let text = std::fs::read_to_string(&hashed).unwrap();
    assert!(
        text.starts_with("|1|") && !text.contains(&host.address().to_string()),
        "{text}"
    );
    let mut opts = fleet.connect_options();
    opts.known_hosts = vec![hashed];
    assert!(connect(&fleet.spec(host), &opts).is_ok());

    // Unknown host: strict refuses, naming host and fingerprint ...
    let fresh = fleet.dir().join("fresh_known_hosts");
    opts.known_hosts = vec![fresh.clone()];
    let err = connect(&fleet.spec(host), &opts)
        .err()
        .expect("unknown host");
    assert!(
        matches!(&err, TransportError::UnknownHostKey { host, fingerprint, .. } if host == "node2" && !fingerprint.is_empty())
    );
    assert!(chain(&err).contains("is not in known_hosts and host_key_checking is strict"));
    // ... accept-new records the key, after which strict accepts it.
    let mut spec = fleet.spec(host);
    spec.host_key_checking = HostKeyChecking::AcceptNew;
    connect(&spec, &opts).unwrap();
    let recorded = std::fs::read_to_string(&fresh).unwrap();
    assert_eq!(recorded.trim(), host.known_hosts_line());
    assert!(connect(&fleet.spec(host), &opts).is_ok());
}

/// An ssh-agent started by the test (and ended by it, by pid).
struct Agent {
    child: std::process::Child,
    socket: std::path::PathBuf,
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn ssh_agent_identities_log_in() {
    let fleet = Fleet::builder().host(Os::Centos7).start();
    let host = &fleet.hosts()[0];
    let socket = fleet.dir().join("agent.sock");
    let child = Command::new("ssh-agent")
        .arg("-D")
        .arg("-a")
        .arg(&socket)
        .stdout(Stdio::null())
        .spawn()
        .expect("run ssh-agent");
    let agent = Agent { child, socket };
    let deadline = Instant::now() + Duration::from_secs(10);
    while !agent.socket.exists() {
        assert!(Instant::now() < deadline, "ssh-agent did not start");
        std::thread::sleep(Duration::from_millis(10));
    }
    // The agent holds the unauthorized key first, then the ECDSA one.
    for key in [&keys().unauthorized, &keys().ecdsa] {
        let added = Command::new("ssh-add")
            .arg(key)
            .env("SSH_AUTH_SOCK", &agent.socket)
            .output()
            .unwrap();
        assert!(
            added.status.success(),
            "{}",
            String::from_utf8_lossy(&added.stderr)
        );
    }
    let mut spec = fleet.spec(host);
    spec.private_key_file = None;
    let mut opts = fleet.connect_options();
    opts.agent = AgentUse::Socket(agent.socket.clone());
    let mut t = connect(&spec, &opts).unwrap();
    assert_eq!(
        t.exec(&ExecRequest::new("id -un")).unwrap().stdout_str(),
        "root\n"
    );

    // An agent with no usable key is named in the error.
    spec.user = Some("nobody-here".to_owned());
    let err = connect(&spec, &opts).err().expect("no key for that user");
    assert!(err.to_string().contains("ssh-agent `"), "{err}");
}
