//! One test host: an sshd on `127.0.0.N:22`, chrooted into a private
//! overlay of `/`, in its own mount, UTS and PID namespaces
//! (test-hosts.md §1).
//!
//! The namespace's PID 1 is a shell that mounts the overlay, starts sshd
//! and then waits on a pipe from this process. Ending the host is ending
//! that shell: the kernel then kills every process of the host and drops
//! its mounts. The pipe makes that happen even when the test process dies
//! without running destructors.

use super::alloc::Lease;
use super::setup::{prepare_systemd, prepare_upper};
use super::Os;
use std::net::{Ipv4Addr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The listener of a host with its own network namespace (see
/// [`super::FleetBuilder::own_network`]): binds `ADDR:22`, enters a new
/// network namespace (only `lo`, brought up), chroots to `ROOT`, and runs
/// `sshd -i` for each connection.
const NET_LAUNCHER: &str = r#"import ctypes, os, signal, socket, subprocess, sys
addr, root = sys.argv[1], sys.argv[2]
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((addr, 22))
s.listen(64)
libc = ctypes.CDLL(None, use_errno=True)
if libc.unshare(0x40000000) != 0:
    sys.exit("unshare(CLONE_NEWNET) failed: errno %d" % ctypes.get_errno())
os.chroot(root)
os.chdir("/")
subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
signal.signal(signal.SIGCHLD, signal.SIG_IGN)
while True:
    c, _ = s.accept()
    subprocess.Popen(["/usr/sbin/sshd", "-i", "-e", "-f", "/etc/ssh/konvoy_sshd_config"], stdin=c, stdout=c, close_fds=True)
    c.close()
"#;

/// The relay of a systemd host with its own network namespace: binds
/// `ADDR:22` in the machine's namespace and joins each connection to
/// `ADDR:22` inside the namespace of its parent (the host's PID 1, once that
/// has entered its own namespace), where the host's systemd runs sshd.
/// Started before PID 1 leaves the machine's namespace; it dies with the
/// host's PID namespace.
const NET_RELAY: &str = r#"import ctypes, os, socket, sys, threading
addr = sys.argv[1]
ppid = int(open("/proc/self/stat").read().rsplit(")", 1)[1].split()[1])
own = os.stat("/proc/self/ns/net").st_ino
libc = ctypes.CDLL(None, use_errno=True)
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((addr, 22))
s.listen(64)
def pump(a, b):
    try:
        while True:
            d = a.recv(65536)
            if not d:
                break
            b.sendall(d)
    except OSError:
        pass
    try:
        b.shutdown(socket.SHUT_WR)
    except OSError:
        pass
def serve(c):
    try:
        path = "/proc/%d/ns/net" % ppid
        if os.stat(path).st_ino == own:
            raise OSError("the host has not entered its namespace yet")
        fd = os.open(path, os.O_RDONLY)
        ok = libc.setns(fd, 0x40000000) == 0
        os.close(fd)
        if not ok:
            raise OSError("setns failed")
        u = socket.create_connection((addr, 22), timeout=5)
        u.settimeout(None)
    except OSError:
        c.close()
        return
    t = threading.Thread(target=pump, args=(u, c), daemon=True)
    t.start()
    pump(c, u)
    t.join()
    c.close()
    u.close()
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
"#;

/// A running test host. Dropping it ends every process of the host,
/// unmounts its overlay and removes its directories.
pub(crate) struct TestHost {
    name: String,
    os: Os,
    lease: Lease,
    dir: PathBuf,
    wrapper: Option<Child>,
    keep_alive: Option<ChildStdin>,
    init_pid: i32,
    sshd_pid: i32,
    systemd: bool,
    /// sshd runs in the host's own network namespace (`sshd_pid` is the
    /// listener, which holds that namespace).
    own_network: bool,
    host_key_pub: String,
}

impl TestHost {
    /// Prepares the overlay and starts the host; returns once sshd answers.
    /// With `systemd`, a real systemd is PID 1 of the host and runs sshd
    /// as a unit (test-hosts.md §2).
    pub(crate) fn start(
        name: &str,
        os: Os,
        lease: Lease,
        systemd: bool,
        own_network: bool,
    ) -> TestHost {
        static SEQ: AtomicU64 = AtomicU64::new(0);
        let address = lease.address;
        let dir = PathBuf::from(format!(
            "/tmp/konvoy-test-hosts/h{}-{}-{address}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        let (upper, work, root) = (dir.join("upper"), dir.join("work"), dir.join("root"));
        for d in [&upper, &work, &root] {
            std::fs::create_dir_all(d).expect("create host dirs");
        }
        prepare_upper(&upper, name, address, os);
        if systemd {
            prepare_systemd(&upper);
        }
        let log = dir.join("sshd.log");
        let q = |p: &Path| engine::shell::quote(p.to_str().expect("utf-8 path")).into_owned();
        let mounts = format!(
            "set -e\n\
             mount --make-rprivate /\n\
             mount -t overlay overlay -o lowerdir=/,upperdir={u},workdir={w} {r}\n\
             mount -t proc proc {r}/proc\n\
             mount --rbind /sys {r}/sys\n\
             mount --rbind /dev {r}/dev\n\
             hostname {name}\n",
            u = q(&upper),
            w = q(&work),
            r = q(&root),
        );
        let script = if systemd && own_network {
            // The relay stays in the machine's namespace; PID 1 moves into
            // a new one (only `lo`) and becomes systemd.
            format!(
                "{mounts}/usr/bin/python3 -c {relay} {addr} 2>>{log} &\n\
                 exec unshare --net -- chroot {r} /bin/sh -c \
                 'ip link set lo up && exec /usr/bin/env container=other /lib/systemd/systemd --system'\n",
                relay = q(Path::new(NET_RELAY)),
                addr = address,
                r = q(&root),
                log = q(&log),
            )
        } else if systemd {
            // systemd becomes PID 1; ending it ends the host.
            format!("{mounts}exec chroot {r} /usr/bin/env container=other /lib/systemd/systemd --system\n", r = q(&root))
        } else if own_network {
            // The listener binds 127.0.0.N in the machine's namespace, then
            // moves itself into a new one and chroots: each connection's
            // `sshd -i` lives in the host's own network namespace.
            format!(
                "{mounts}/usr/bin/python3 -c {launcher} {addr} {r} 2>>{log} &\n\
                 set +e\n\
                 read _line\n",
                launcher = q(Path::new(NET_LAUNCHER)),
                addr = address,
                r = q(&root),
                log = q(&log),
            )
        } else {
            // sh stays PID 1 and waits for EOF on the pipe from this process.
            format!(
                "{mounts}chroot {r} /usr/sbin/sshd -D -e -f /etc/ssh/konvoy_sshd_config 2>>{log} &\n\
                 set +e\n\
                 read _line\n",
                r = q(&root),
                log = q(&log),
            )
        };
        let mut unshare = Command::new("unshare");
        unshare.args(["--mount", "--uts", "--pid", "--fork", "--kill-child"]);
        if systemd {
            unshare.arg("--cgroup");
        }
        let mut wrapper = unshare
            .args(["--", "/bin/sh", "-c"])
            .arg(&script)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run unshare (util-linux)");
        let keep_alive = wrapper.stdin.take();
        let host_key_pub =
            std::fs::read_to_string(upper.join("etc/ssh/konvoy_host_ed25519_key.pub"))
                .expect("read the host public key");
        let mut host = TestHost {
            name: name.to_owned(),
            os,
            lease,
            dir,
            wrapper: Some(wrapper),
            keep_alive,
            init_pid: 0,
            sshd_pid: 0,
            systemd,
            own_network,
            host_key_pub,
        };
        host.wait_ready();
        host
    }

    /// Polls until sshd's banner arrives, with a deadline.
    fn wait_ready(&mut self) {
        let limit = if self.systemd { 60 } else { 20 };
        let deadline = Instant::now() + Duration::from_secs(limit);
        loop {
            if let Some(status) = self
                .wrapper
                .as_mut()
                .and_then(|w| w.try_wait().ok().flatten())
            {
                let mut err = String::new();
                if let Some(mut e) = self.wrapper.as_mut().and_then(|w| w.stderr.take()) {
                    use std::io::Read;
                    let _ = e.read_to_string(&mut err);
                }
                panic!(
                    "test host {} exited during start ({status}): {err}\nsshd log: {}",
                    self.name,
                    std::fs::read_to_string(self.dir.join("sshd.log")).unwrap_or_default()
                );
            }
            if self.sshd_pid == 0 {
                self.sshd_pid = pids_in(&self.dir.join("root"))
                    .into_iter()
                    .find(|pid| {
                        let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
                        cmd.starts_with(b"/usr/sbin/sshd\0-D")
                            || cmd.starts_with(b"sshd: /usr/sbin/sshd")
                            || (self.own_network && cmd.starts_with(b"/usr/bin/python3\0-c"))
                    })
                    .unwrap_or(0);
            }
            if self.sshd_pid != 0 && banner(self.address()) {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "test host {} did not answer on {}:22 within {limit} s; sshd log: {}",
                self.name,
                self.address(),
                std::fs::read_to_string(self.dir.join("sshd.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        self.init_pid = self.wrapper.as_ref().map_or(0, |w| child_of(w.id() as i32));
    }

    /// Inventory name (also the host's hostname).
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// The OS this host pretends to be.
    pub(crate) fn os(&self) -> Os {
        self.os
    }

    /// Whether a real systemd is the host's PID 1.
    pub(crate) fn has_systemd(&self) -> bool {
        self.systemd
    }

    /// Loopback address; sshd listens on port 22 there.
    pub(crate) fn address(&self) -> Ipv4Addr {
        self.lease.address
    }

    /// The host's filesystem as its processes see it, readable from the
    /// test (through `/proc/PID/root` of the host's init).
    pub(crate) fn root(&self) -> PathBuf {
        if self.systemd {
            // systemd was started chrooted: its root is the host's root.
            return PathBuf::from(format!("/proc/{}/root", self.init_pid));
        }
        let inside = self.dir.join("root");
        PathBuf::from(format!("/proc/{}/root", self.init_pid))
            .join(inside.strip_prefix("/").expect("absolute"))
    }

    /// The overlay's upper directory: every file the host changed.
    pub(crate) fn upper(&self) -> PathBuf {
        self.dir.join("upper")
    }

    /// The host key line for `known_hosts` (`ADDRESS ssh-ed25519 KEY`).
    pub(crate) fn known_hosts_line(&self) -> String {
        let mut parts = self.host_key_pub.split_whitespace();
        let kind = parts.next().unwrap_or("");
        let key = parts.next().unwrap_or("");
        format!("{} {kind} {key}", self.address())
    }

    /// Runs `sh -c cmd` inside the host (its namespaces and root) without
    /// SSH, to check state directly.
    pub(crate) fn exec_direct(&self, cmd: &str) -> Output {
        if self.systemd {
            let net: &[&str] = if self.own_network { &["-n"] } else { &[] };
            return Command::new("nsenter")
                .args(["-t", &self.init_pid.to_string(), "-m", "-u", "-p", "-C"])
                .args(net)
                .args(["-r", "-w", "--"])
                .args(["/bin/sh", "-c", cmd])
                .output()
                .expect("run nsenter");
        }
        let root = self.dir.join("root");
        let mut ns = vec![
            "-t".to_owned(),
            self.init_pid.to_string(),
            "-m".into(),
            "-u".into(),
            "-p".into(),
        ];
        if self.own_network {
            ns.push(format!("--net=/proc/{}/ns/net", self.sshd_pid));
        }
        Command::new("nsenter")
            .args(&ns)
            .arg("--")
            .arg("chroot")
            .arg(&root)
            .args(["/bin/sh", "-c", cmd])
            .output()
            .expect("run nsenter")
    }

    /// Like [`TestHost::exec_direct`] but asserts success and returns stdout.
    #[track_caller]
    pub(crate) fn sh(&self, cmd: &str) -> String {
        let out = self.exec_direct(cmd);
        assert!(
            out.status.success(),
            "`{cmd}` on {} failed: {}",
            self.name,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The command lines of every process of the host, as `ps` shows them
    /// (NUL separators turned into spaces).
    pub(crate) fn cmdlines(&self) -> Vec<String> {
        pids_in(&self.dir.join("root"))
            .into_iter()
            .filter_map(|pid| std::fs::read(format!("/proc/{pid}/cmdline")).ok())
            .map(|raw| {
                String::from_utf8_lossy(&raw)
                    .replace('\0', " ")
                    .trim_end()
                    .to_owned()
            })
            .collect()
    }

    /// Polls until a process whose command line starts with `prefix` runs
    /// on the host; false after `within`.
    pub(crate) fn wait_for_process(&self, prefix: &str, within: Duration) -> bool {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if self.cmdlines().iter().any(|c| c.starts_with(prefix)) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        false
    }

    /// Stops the listening sshd (as `systemctl stop sshd` would): new
    /// connections are refused, established sessions go on.
    pub(crate) fn stop_sshd(&self) {
        // SAFETY: kill(2) with a pid this host started.
        unsafe {
            libc::kill(self.sshd_pid, libc::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect_timeout(&(self.address(), 22).into(), Duration::from_millis(200))
            .is_ok()
        {
            assert!(
                Instant::now() < deadline,
                "sshd of {} did not stop",
                self.name
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Kills every session (the sshd children and their commands), keeping
    /// the listener: established connections drop mid-stream.
    pub(crate) fn drop_connections(&self) {
        for pid in pids_in(&self.dir.join("root")) {
            if pid != self.sshd_pid {
                // SAFETY: kill(2) on a process of this host.
                unsafe {
                    libc::kill(pid, libc::SIGKILL);
                }
            }
        }
    }

    /// Freezes (`SIGSTOP`) or thaws (`SIGCONT`) every process of the host:
    /// its kernel still acknowledges TCP, but nothing answers, like a hung
    /// machine.
    pub(crate) fn freeze(&self, frozen: bool) {
        let signal = if frozen { libc::SIGSTOP } else { libc::SIGCONT };
        for pid in pids_in(&self.dir.join("root")) {
            // SAFETY: kill(2) on a process of this host.
            unsafe {
                libc::kill(pid, signal);
            }
        }
    }

    /// Kills the whole host at once, like pulling its power cable.
    pub(crate) fn kill(&mut self) {
        if self.init_pid > 0 {
            // SAFETY: kill(2) on the host's init; the kernel ends the rest.
            unsafe {
                libc::kill(self.init_pid, libc::SIGKILL);
            }
        }
        self.reap();
    }

    /// Waits for the wrapper, which ends after the namespace's init.
    fn reap(&mut self) {
        self.keep_alive.take();
        if let Some(mut wrapper) = self.wrapper.take() {
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                match wrapper.try_wait() {
                    Ok(Some(_)) | Err(_) => break,
                    Ok(None) if Instant::now() > deadline => {
                        let _ = wrapper.kill();
                        let _ = wrapper.wait();
                        break;
                    }
                    Ok(None) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        }
    }
}

impl Drop for TestHost {
    fn drop(&mut self) {
        // Ending init ends the host at once (systemd would ignore the pipe).
        self.kill();
        // Anything still rooted in the overlay (there should be nothing once
        // init is gone) is ended before the directories go.
        let root = self.dir.join("root");
        for _ in 0..50 {
            let left = pids_in(&root);
            if left.is_empty() {
                break;
            }
            for pid in left {
                // SAFETY: kill(2) on a process rooted in this host.
                unsafe {
                    libc::kill(pid, libc::SIGKILL);
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        if pids_in(&root).is_empty() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Ends hosts left behind by test processes that died without running
/// destructors (a SIGKILLed `cargo test`): their processes first, then
/// their directories. Hosts of live processes are not touched.
pub(crate) fn reap_stale() {
    let Ok(entries) = std::fs::read_dir("/tmp/konvoy-test-hosts") else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix('h') else {
            continue;
        };
        let pid: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
        if pid.is_empty() || Path::new("/proc").join(&pid).exists() {
            continue;
        }
        let root = entry.path().join("root");
        for _ in 0..50 {
            let left = pids_in(&root);
            if left.is_empty() {
                let _ = std::fs::remove_dir_all(entry.path());
                break;
            }
            for pid in left {
                // SAFETY: kill(2) on a process rooted in an abandoned host.
                unsafe {
                    libc::kill(pid, libc::SIGKILL);
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// True when sshd's banner can be read from `address:22`.
fn banner(address: Ipv4Addr) -> bool {
    use std::io::Read;
    let Ok(mut s) = TcpStream::connect_timeout(&(address, 22).into(), Duration::from_millis(200))
    else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    let mut buf = [0u8; 8];
    s.read_exact(&mut buf).is_ok() && buf.starts_with(b"SSH-")
}

/// The first child of `pid` (unshare's forked child is the host's init).
fn child_of(pid: i32) -> i32 {
    std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|p| p.parse().ok()))
        .unwrap_or(0)
}

/// Pids whose root directory is `root` or below it.
pub(crate) fn pids_in(root: &Path) -> Vec<i32> {
    let mut pids = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return pids;
    };
    for entry in entries.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        if let Ok(link) = std::fs::read_link(entry.path().join("root")) {
            if link.starts_with(root) {
                pids.push(pid);
            }
        }
    }
    pids
}
