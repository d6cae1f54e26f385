//! Faults, each against real hosts: a stopped sshd, a host killed mid-run,
//! a command past its timeout, a wrong host key, wrong credentials and a
//! transfer cut off half-way. None may hang; wall times are asserted.

use super::{chain, root_session};
use crate::harness::{keys, Fleet, Os};
use engine::transport::{connect, ExecRequest, PutOptions, TransportError};
use std::io::Read;
use std::time::{Duration, Instant};

#[test]
fn stopped_sshd_is_unreachable_and_the_others_succeed() {
    let fleet = Fleet::builder().hosts(3, Os::Centos8).start();
    fleet.host("node2").stop_sshd();
    let started = Instant::now();
    let results: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = fleet
            .hosts()
            .iter()
            .map(|h| {
                let fleet = &fleet;
                s.spawn(move || {
                    connect(&fleet.spec(h), &fleet.connect_options())
                        .and_then(|mut t| t.exec(&ExecRequest::new("hostname")))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(results[0].as_ref().unwrap().stdout_str(), "node1\n");
    assert_eq!(results[2].as_ref().unwrap().stdout_str(), "node3\n");
    let err = results[1].as_ref().unwrap_err();
    assert!(
        matches!(err, TransportError::Unreachable { host, .. } if host == "node2"),
        "{err:?}"
    );
    assert!(err.is_unreachable());
    let addr = fleet.host("node2").address();
    assert_eq!(
        chain(err),
        format!("host `node2` is unreachable at `{addr}:22`: Connection refused (os error 111)")
    );
}

#[test]
fn host_killed_mid_run_fails_that_host_only_without_hanging() {
    let mut fleet = Fleet::builder().hosts(3, Os::Debian).start();
    let mut sessions: Vec<_> = fleet
        .hosts()
        .iter()
        .map(|h| root_session(&fleet, h))
        .collect();
    let started = Instant::now();
    let results: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = sessions
            .iter_mut()
            .map(|t| s.spawn(move || t.exec(&ExecRequest::new("echo begin; sleep 3; echo end"))))
            .collect();
        // Kill node2 while its command is running.
        let victim = &mut fleet.hosts_mut()[1];
        assert!(victim.wait_for_process("sleep 3", Duration::from_secs(10)));
        victim.kill();
        handles
            .into_iter()
            .map(|h| h.join().unwrap())
            .collect::<Vec<_>>()
    });
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(8), "took {elapsed:?}");
    for i in [0, 2] {
        let out = results[i].as_ref().unwrap();
        assert_eq!((out.stdout_str().as_ref(), out.rc), ("begin\nend\n", 0));
    }
    let err = results[1].as_ref().unwrap_err();
    assert_eq!(err.host(), "node2");
    assert!(err.is_unreachable(), "{err:?}");
    assert!(
        chain(err).starts_with("ssh connection to `node2` failed during running a command"),
        "{}",
        chain(err)
    );
    // The next call tries to reconnect once and reports the host unreachable.
    let again = sessions[1].exec(&ExecRequest::new("true")).unwrap_err();
    assert!(
        matches!(again, TransportError::Unreachable { ref host, .. } if host == "node2"),
        "{again:?}"
    );
    // The others keep working on their sessions.
    assert_eq!(
        sessions[2]
            .exec(&ExecRequest::new("hostname"))
            .unwrap()
            .stdout_str(),
        "node3\n"
    );
}

#[test]
fn command_past_its_timeout_fails_with_timeout_and_the_session_recovers() {
    let fleet = Fleet::builder().host(Os::Centos7).start();
    let mut t = root_session(&fleet, &fleet.hosts()[0]);
    let started = Instant::now();
    let req = ExecRequest::new("echo started; sleep 30").timeout(Duration::from_secs(1));
    let err = t.exec(&req).unwrap_err();
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_secs(1) && elapsed < Duration::from_secs(3),
        "took {elapsed:?}"
    );
    assert!(!err.is_unreachable());
    assert_eq!(
        err.to_string(),
        "command `echo started; sleep 30` on `node1` timed out after 1s"
    );
    // The timed-out session was dropped; the next command reconnects.
    let out = t.exec(&ExecRequest::new("echo again")).unwrap();
    assert_eq!(out.stdout_str(), "again\n");
    // A command that never stops printing times out just the same.
    let started = Instant::now();
    let err = t
        .exec(&ExecRequest::new("yes").timeout(Duration::from_secs(1)))
        .unwrap_err();
    assert!(matches!(err, TransportError::Timeout { .. }), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "took {:?}",
        started.elapsed()
    );
    // A command that finishes in time is not affected by its timeout.
    let quick = t
        .exec(&ExecRequest::new("sleep 0.2; echo ok").timeout(Duration::from_secs(5)))
        .unwrap();
    assert_eq!(quick.stdout_str(), "ok\n");
}

#[test]
fn hung_host_is_detected_by_missed_keepalives_without_a_timeout() {
    let fleet = Fleet::builder().host(Os::Centos8).start();
    let host = &fleet.hosts()[0];
    let mut opts = fleet.connect_options();
    opts.keepalive = Duration::from_secs(1);
    let mut t = connect(&fleet.spec(host), &opts).unwrap();
    // A quiet command that outlives several keepalive intervals is fine:
    // the host answers the keepalives.
    let quiet = t.exec(&ExecRequest::new("sleep 4.5; echo quiet")).unwrap();
    assert_eq!(quiet.stdout_str(), "quiet\n");
    let started = Instant::now();
    let err = std::thread::scope(|s| {
        let run = s.spawn(|| t.exec(&ExecRequest::new("echo begin; sleep 60")));
        assert!(host.wait_for_process("sleep 60", Duration::from_secs(10)));
        host.freeze(true);
        run.join().unwrap().unwrap_err()
    });
    host.freeze(false);
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(10), "took {elapsed:?}");
    assert!(err.is_unreachable(), "{err:?}");
    assert!(
        chain(&err).contains("no answer to keepalives for"),
        "{}",
        chain(&err)
    );
}

/// A server that accepts TCP and then says nothing must not hold a run:
/// the handshake fails within the connect timeout (libssh2's timeouts may
/// run up to twice as long, ssh2-rs #341).
#[test]
fn silent_server_fails_the_handshake_in_bounded_time() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    // Accept, then hold the connection silently until the client leaves.
    let _held = std::thread::spawn(move || {
        if let Ok((mut conn, _)) = listener.accept() {
            let _ = conn.set_read_timeout(Some(Duration::from_secs(10)));
            let mut buf = [0u8; 256];
            // Read the client's banner and whatever follows, answer nothing.
            while let Ok(1..) = std::io::Read::read(&mut conn, &mut buf) {}
        }
    });
    let spec = engine::transport::ConnectionSpec {
        name: "silent".to_owned(),
        kind: engine::transport::ConnectionKind::Ssh,
        address: "127.0.0.1".to_owned(),
        port,
        user: Some("root".to_owned()),
        private_key_file: None,
        password: None,
        connect_timeout: Duration::from_secs(1),
        host_key_checking: engine::transport::HostKeyChecking::Strict,
        jump: None,
        known_hosts_file: None,
        become_: None,
    };
    let started = Instant::now();
    let err = connect(&spec, &engine::transport::ConnectOptions::default())
        .err()
        .expect("no ssh there");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "took {:?}",
        started.elapsed()
    );
    assert!(err.is_unreachable());
    assert!(
        err.to_string()
            .starts_with("ssh connection to `silent` failed during handshake"),
        "{err}"
    );
}

/// `SHA256:...` of a host's key, as `ssh-keygen -l` prints it.
fn openssh_fingerprint(fleet: &Fleet, name: &str) -> String {
    let host = fleet.host(name);
    let out = std::process::Command::new("ssh-keygen")
        .arg("-lf")
        .arg(host.upper().join("etc/ssh/konvoy_host_ed25519_key.pub"))
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    text.split_whitespace().nth(1).unwrap().to_owned()
}

#[test]
fn wrong_host_key_is_refused_naming_host_and_fingerprint() {
    let fleet = Fleet::builder().hosts(2, Os::Centos8).start();
    let (node1, node2) = (fleet.host("node1"), fleet.host("node2"));
    // known_hosts claims node1's address has node2's key.
    let forged = fleet.dir().join("forged_known_hosts");
    let node2_key = node2.known_hosts_line();
    let node2_key = node2_key.split_once(' ').unwrap().1;
    std::fs::write(&forged, format!("{} {node2_key}\n", node1.address())).unwrap();
    let mut opts = fleet.connect_options();
    opts.known_hosts = vec![forged.clone()];
    let err = connect(&fleet.spec(node1), &opts)
        .err()
        .expect("must refuse");
    let fingerprint = openssh_fingerprint(&fleet, "node1");
    let known = openssh_fingerprint(&fleet, "node2");
    assert!(
        matches!(&err, TransportError::HostKeyMismatch { host, .. } if host == "node1"),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "host key of `node1` does not match known_hosts: it presented ED25519 {fingerprint}, \
             known_hosts has ED25519 {known} at {}:1; refusing to connect (possible man-in-the-middle)",
            forged.display()
        )
    );
    // accept-new refuses a changed key too.
    let mut spec = fleet.spec(node1);
    spec.host_key_checking = engine::transport::HostKeyChecking::AcceptNew;
    assert!(matches!(
        connect(&spec, &opts).err(),
        Some(TransportError::HostKeyMismatch { .. })
    ));
    // host_key_checking = False accepts it, as Ansible does.
    spec.host_key_checking = engine::transport::HostKeyChecking::Off;
    assert!(connect(&spec, &opts).is_ok());
}

#[test]
fn wrong_key_or_user_gives_a_clear_authentication_error() {
    let fleet = Fleet::builder().host(Os::Flatcar).start();
    let host = &fleet.hosts()[0];
    let mut spec = fleet.spec(host);
    spec.private_key_file = Some(keys().unauthorized.clone());
    let err = connect(&spec, &fleet.connect_options())
        .err()
        .expect("wrong key");
    assert!(err.is_unreachable());
    let key = keys().unauthorized.display().to_string();
    assert_eq!(
        err.to_string(),
        format!("authentication as `root` on `node1` failed (tried: key `{key}` (refused by the server))")
    );

    let mut spec = fleet.spec(host);
    spec.user = Some("nobody-here".to_owned());
    let err = connect(&spec, &fleet.connect_options())
        .err()
        .expect("wrong user");
    assert!(
        matches!(&err, TransportError::Auth { user, host, .. } if user == "nobody-here" && host == "node1")
    );

    let mut spec = fleet.spec(host);
    spec.private_key_file = Some(fleet.dir().join("no-such-key"));
    let err = connect(&spec, &fleet.connect_options())
        .err()
        .expect("missing key");
    assert!(
        err.to_string().contains("no-such-key` (file not found)"),
        "{err}"
    );
}

/// A source that drops the host's connections after `cut_at` bytes, then
/// keeps producing data: the network goes away mid-transfer.
struct CutOff<'a> {
    data: &'a [u8],
    pos: usize,
    cut_at: usize,
    cut: &'a dyn Fn(),
    done: bool,
}

impl Read for CutOff<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pos >= self.cut_at && !self.done {
            (self.cut)();
            self.done = true;
        }
        let n = buf.len().min(self.data.len() - self.pos);
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[test]
fn transfer_cut_off_keeps_the_old_content() {
    let fleet = Fleet::builder().host(Os::Centos7).start();
    let host = &fleet.hosts()[0];
    host.sh("echo old-content > /etc/important.conf");
    let mut t = root_session(&fleet, host);
    let data = vec![b'x'; 32 << 20];

    // 1. The connection dies after 8 MiB.
    let cut = || host.drop_connections();
    let mut src = CutOff {
        data: &data,
        pos: 0,
        cut_at: 8 << 20,
        cut: &cut,
        done: false,
    };
    let started = Instant::now();
    let err = t
        .put(
            &mut src,
            data.len() as u64,
            "/etc/important.conf",
            &PutOptions::default(),
        )
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(20));
    assert_eq!(err.host(), "node1");
    assert_eq!(
        host.sh("cat /etc/important.conf"),
        "old-content\n",
        "after {err:?}"
    );
    let temps = || host.sh("ls -A /etc | grep '^.important.conf.konvoy' || true");

    // 2. The local source fails after 1 MiB: the host's shell sees a short
    //    file, refuses it and removes its temp file.
    struct Failing(usize);
    impl Read for Failing {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.0 >= 1 << 20 {
                return Err(std::io::Error::other("disk read error"));
            }
            let n = buf.len().min(64 << 10);
            buf[..n].fill(b'y');
            self.0 += n;
            Ok(n)
        }
    }
    let err = t
        .put(
            &mut Failing(0),
            4 << 20,
            "/etc/important.conf",
            &PutOptions::default(),
        )
        .unwrap_err();
    assert!(matches!(err, TransportError::LocalIo { .. }), "{err:?}");
    assert_eq!(host.sh("cat /etc/important.conf"), "old-content\n");
    let deadline = Instant::now() + Duration::from_secs(10);
    // (It also removes the temp file left by the shell killed in step 1.)
    while !temps().is_empty() {
        assert!(
            Instant::now() < deadline,
            "temp file of the failed put was not removed"
        );
        std::thread::sleep(Duration::from_millis(20));
    }

    // 3. The same transport reconnects and a full transfer replaces the file.
    t.put(
        &mut &b"new-content\n"[..],
        12,
        "/etc/important.conf",
        &PutOptions::default(),
    )
    .unwrap();
    assert_eq!(host.sh("cat /etc/important.conf"), "new-content\n");
    assert_eq!(temps(), "", "stale temp files are cleaned by the next put");
}
