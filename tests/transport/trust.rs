//! Host trust as strict as OpenSSH, against a real sshd that holds
//! ED25519, ECDSA and RSA host keys on a non-default port (so every entry
//! is `[address]:port`): a host known by one key type only connects with
//! that type; hashed entries work; `@revoked` is refused with OpenSSH's
//! wording; `@cert-authority` alone does not make a host trusted;
//! accept-new creates its directory 0700 and file 0600; with checking off a
//! changed key connects with a warning naming both keys and no password is
//! ever sent to it.

use crate::harness::{Fleet, Os, TestHost, SUDO_PASSWORD, SUDO_PASSWORD_USER};
use engine::shell::Secret;
use engine::transport::{connect, ConnectionSpec, HostKeyChecking, Transport, TransportError};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const PORT: u16 = 2222;

/// The host's keys on [`PORT`]: `(type, base64)` of ED25519, ECDSA, RSA.
struct Keys {
    ed25519: String,
    ecdsa: String,
    rsa: String,
}

/// Starts a second sshd in `host` on [`PORT`] with three host keys.
fn multi_key_sshd(host: &TestHost) -> Keys {
    host.sh("ssh-keygen -q -t ecdsa -N '' -f /etc/ssh/k_ecdsa && \
         ssh-keygen -q -t rsa -b 2048 -N '' -f /etc/ssh/k_rsa && \
         /usr/sbin/sshd -f /etc/ssh/konvoy_sshd_config -o Port=2222 \
           -h /etc/ssh/konvoy_host_ed25519_key -h /etc/ssh/k_ecdsa -h /etc/ssh/k_rsa");
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect((host.address(), PORT)).is_err() {
        assert!(
            Instant::now() < deadline,
            "sshd on port {PORT} did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let public = |file: &str| {
        let text = host.sh(&format!("cat /etc/ssh/{file}.pub"));
        let mut words = text.split_whitespace();
        format!("{} {}", words.next().unwrap(), words.next().unwrap())
    };
    Keys {
        ed25519: public("konvoy_host_ed25519_key"),
        ecdsa: public("k_ecdsa"),
        rsa: public("k_rsa"),
    }
}

fn spec(fleet: &Fleet, host: &TestHost, checking: HostKeyChecking) -> ConnectionSpec {
    ConnectionSpec {
        port: PORT,
        host_key_checking: checking,
        ..fleet.spec(host)
    }
}

/// Connects with `known_hosts` holding `lines`.
fn with(
    fleet: &Fleet,
    host: &TestHost,
    file: &str,
    lines: &[String],
    checking: HostKeyChecking,
) -> Result<Box<dyn Transport>, TransportError> {
    let path = fleet.dir().join(file);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let mut opts = fleet.connect_options();
    opts.known_hosts = vec![path];
    connect(&spec(fleet, host, checking), &opts)
}

/// `SHA256:...` of a `type base64` public key, by `ssh-keygen -l`.
fn fingerprint(dir: &Path, key: &str) -> String {
    let file = dir.join("fp.pub");
    std::fs::write(&file, format!("{key}\n")).unwrap();
    let out = Command::new("ssh-keygen")
        .arg("-lf")
        .arg(&file)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    text.split_whitespace().nth(1).unwrap().to_owned()
}

#[test]
fn a_host_known_by_one_key_type_only_connects_with_that_type() {
    let fleet = Fleet::builder().host(Os::Rocky9).start();
    let host = &fleet.hosts()[0];
    let keys = multi_key_sshd(host);
    let name = format!("[{}]:{PORT}", host.address());
    for (what, key) in [
        ("ECDSA", &keys.ecdsa),
        ("RSA", &keys.rsa),
        ("ED25519", &keys.ed25519),
    ] {
        // Strict: this only succeeds when the host presented exactly the
        // one key known_hosts holds (any other is a changed key).
        let mut t = with(
            &fleet,
            host,
            "one_type",
            &[format!("{name} {key}")],
            HostKeyChecking::Strict,
        )
        .unwrap_or_else(|e| panic!("{what} only: {e}"));
        assert_eq!(
            t.exec(&engine::transport::ExecRequest::new("hostname"))
                .unwrap()
                .stdout_str(),
            "node1\n"
        );
    }
    // Hashed entries (as `ssh-keygen -H` writes them) work the same.
    let hashed = fleet.dir().join("hashed");
    std::fs::write(&hashed, format!("{name} {}\n", keys.rsa)).unwrap();
    let out = Command::new("ssh-keygen")
        .arg("-H")
        .arg("-f")
        .arg(&hashed)
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = std::fs::read_to_string(&hashed).unwrap();
    assert!(text.starts_with("|1|") && !text.contains(&host.address().to_string()));
    let mut opts = fleet.connect_options();
    opts.known_hosts = vec![hashed];
    connect(&spec(&fleet, host, HostKeyChecking::Strict), &opts).expect("hashed RSA entry");
}

#[test]
fn a_revoked_key_is_refused_with_openssh_wording() {
    let fleet = Fleet::builder().host(Os::Debian).start();
    let host = &fleet.hosts()[0];
    let keys = multi_key_sshd(host);
    let name = format!("[{}]:{PORT}", host.address());
    let lines = [
        format!("@revoked * {}", keys.ed25519),
        format!("{name} {}", keys.ed25519),
    ];
    for checking in [HostKeyChecking::Strict, HostKeyChecking::AcceptNew] {
        let err = with(&fleet, host, "revoked", &lines, checking)
            .err()
            .expect("a revoked key");
        assert!(
            matches!(err, TransportError::HostKeyRevoked { .. }),
            "{err:?}"
        );
        assert!(err.is_unreachable());
        assert_eq!(
            err.to_string(),
            format!(
                "host key of `node1` is revoked: The ED25519 host key for {name} is marked as \
                 revoked ({}:1). This could mean that a stolen key is being used to impersonate \
                 this host. Host key verification failed.",
                fleet.dir().join("revoked").display()
            )
        );
    }
    // Checking off: OpenSSH connects with a warning and sends no password.
    let mut t = with(&fleet, host, "revoked", &lines, HostKeyChecking::Off).unwrap();
    let warnings = t.take_warnings();
    assert!(
        warnings.len() == 1 && warnings[0].starts_with("REVOKED HOST KEY DETECTED for `node1`!"),
        "{warnings:?}"
    );
    let mut password_only = spec(&fleet, host, HostKeyChecking::Off);
    password_only.user = Some(SUDO_PASSWORD_USER.to_owned());
    password_only.private_key_file = None;
    password_only.password = Some(Secret::new(SUDO_PASSWORD));
    let mut opts = fleet.connect_options();
    opts.known_hosts = vec![fleet.dir().join("revoked")];
    let err = connect(&password_only, &opts)
        .err()
        .expect("no password to it");
    assert!(
        err.to_string()
            .contains("password (disabled: the host key is not trusted)"),
        "{err}"
    );
}

#[test]
fn a_cert_authority_alone_does_not_trust_a_host() {
    let fleet = Fleet::builder().host(Os::Centos8).start();
    let host = &fleet.hosts()[0];
    let keys = multi_key_sshd(host);
    let err = with(
        &fleet,
        host,
        "ca_only",
        &[format!("@cert-authority * {}", keys.ed25519)],
        HostKeyChecking::Strict,
    )
    .err()
    .expect("no host key known");
    assert!(
        matches!(err, TransportError::UnknownHostKey { .. }),
        "{err:?}"
    );
    assert!(
        err.to_string().ends_with(&format!(
            "known_hosts trusts it only through the @cert-authority at {}:1, and host \
             certificates are not verified here: add the host's own key",
            fleet.dir().join("ca_only").display()
        )),
        "{err}"
    );
}

#[test]
fn accept_new_records_with_private_modes_and_checking_off_warns_on_a_changed_key() {
    let fleet = Fleet::builder().host(Os::Ubuntu2204).start();
    let host = &fleet.hosts()[0];
    let keys = multi_key_sshd(host);
    let name = format!("[{}]:{PORT}", host.address());
    let home: PathBuf = fleet.dir().join("home");
    let file = home.join(".ssh/known_hosts");
    let mut opts = fleet.connect_options();
    opts.known_hosts = vec![file.clone()];
    let mut t = connect(&spec(&fleet, host, HostKeyChecking::AcceptNew), &opts).unwrap();
    assert_eq!(
        t.take_warnings(),
        [format!(
            "Permanently added '{name}' (ED25519) to the list of known hosts ({}).",
            file.display()
        )]
    );
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&home.join(".ssh")), 0o700);
    assert_eq!(mode(&file), 0o600);
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        format!("{name} {}\n", keys.ed25519)
    );
    // Now strict works, with nothing to warn about.
    let mut t = connect(&spec(&fleet, host, HostKeyChecking::Strict), &opts).unwrap();
    assert!(t.take_warnings().is_empty());

    // The host "was reinstalled": known_hosts holds another ED25519 key.
    let other = fleet.dir().join("other_key");
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&other)
        .output()
        .unwrap();
    assert!(out.status.success());
    let old = std::fs::read_to_string(other.with_extension("pub")).unwrap();
    let old: Vec<&str> = old.split_whitespace().take(2).collect();
    let old = old.join(" ");
    let lines = [format!("{name} {old}")];
    let err = with(&fleet, host, "changed", &lines, HostKeyChecking::AcceptNew)
        .err()
        .expect("changed");
    assert!(
        matches!(err, TransportError::HostKeyMismatch { .. }),
        "{err:?}"
    );
    let mut t = with(&fleet, host, "changed", &lines, HostKeyChecking::Off).unwrap();
    let warnings = t.take_warnings();
    let (new_fp, old_fp) = (
        fingerprint(fleet.dir(), &keys.ed25519),
        fingerprint(fleet.dir(), &old),
    );
    assert_eq!(
        warnings,
        [format!(
            "REMOTE HOST IDENTIFICATION HAS CHANGED for `node1` ({name})! It presented ED25519 \
             {new_fp}; known_hosts has ED25519 {old_fp} at {}:1. host_key_checking is off: \
             connecting anyway, password authentication is disabled.",
            fleet.dir().join("changed").display()
        )]
    );
}

#[test]
fn a_playbook_run_shows_host_key_warnings() {
    let fleet = Fleet::builder().host(Os::Rocky8).start();
    let host = &fleet.hosts()[0];
    let dir = tempfile::tempdir().unwrap();
    let fresh = dir.path().join("known_hosts");
    let inventory = format!(
        "all:\n  hosts:\n    node1:\n      ansible_host: {}\n  vars:\n    ansible_user: root\n    \
         ansible_ssh_private_key_file: {}\n    ansible_ssh_common_args: \"-o UserKnownHostsFile={} \
         -o StrictHostKeyChecking=accept-new\"\n",
        host.address(),
        fleet.private_key().display(),
        fresh.display()
    );
    std::fs::write(dir.path().join("inventory.yaml"), inventory).unwrap();
    std::fs::write(
        dir.path().join("site.yml"),
        "- hosts: all\n  gather_facts: false\n  tasks:\n    - command: 'true'\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_konvoy-image"))
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
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains(&format!(
            "[WARNING]: Permanently added '{}' (ED25519) to the list of known hosts ({}).",
            host.address(),
            fresh.display()
        )),
        "{text}"
    );
}
