//! The SSH transport: one `ssh2::Session` per host, one channel per
//! command.
//!
//! Rules from ssh2's known problems (peers-and-crates.md §2.4), all kept
//! here: `TCP_NODELAY` (23 ms instead of 67 ms per handshake), a libssh2
//! timeout on every blocking call, channels closed explicitly, commands
//! driven by [`super::pump`] with a controller-side deadline, and a session
//! that timed out or failed is shut down and dropped; the next call
//! reconnects (once per call, so a dead host costs one connect timeout, not
//! a hang). Dead peers that send nothing are caught by the kernel through
//! `TCP_USER_TIMEOUT` and TCP keepalives.

use super::command::Prepared;
use super::error::short_command;
use super::files::{self, Runner};
use super::pool;
use super::pump::{pump, Liveness, PumpError, PumpIo};
use super::spec::{Become, ConnectionSpec};
use super::{auth, jump, trust};
use super::{
    ConnectOptions, ExecOutput, ExecRequest, Privilege, PutOptions, Transport, TransportError,
};
use ssh2::Session;
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::os::fd::{AsRawFd, RawFd};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

/// An SSH connection to one host (see the module docs).
pub(crate) struct SshTransport {
    spec: ConnectionSpec,
    opts: ConnectOptions,
    /// The session, shared with the process-wide [`pool`], which may close
    /// it while this transport is idle (the next call reconnects).
    cell: Arc<Cell>,
    /// Host key warnings not yet taken by the caller.
    warnings: Vec<String>,
    /// SSH-level details of the sessions opened (for `-vvvv`), not yet
    /// taken by the caller.
    details: Vec<String>,
}

/// A session slot: locked by its owner for each call, evictable by the
/// pool when unlocked.
struct Cell {
    conn: Mutex<Option<Conn>>,
    last_use: AtomicU64,
}

impl pool::Evict for Cell {
    fn try_evict(&self) -> Option<Box<dyn Send>> {
        let mut slot = self.conn.try_lock().ok()?;
        let conn = slot.take()?;
        Some(Box::new(Closing(conn)))
    }

    fn last_use(&self) -> u64 {
        self.last_use.load(Ordering::Relaxed)
    }
}

/// A session closed politely when dropped (an evicted idle session: its
/// host gets a proper disconnect rather than a cut socket).
struct Closing(Conn);

impl Drop for Closing {
    fn drop(&mut self) {
        let session = &self.0.session;
        session.set_blocking(true);
        session.set_timeout(1000);
        let _ = session.disconnect(None, "idle", None);
        self.0.socket.shutdown();
    }
}

/// A live session, the socket under it and the descriptors it holds.
struct Conn {
    session: Session,
    socket: Socket,
    /// The relay thread of a jump host, kept alive with the session.
    _jump: Option<jump::Tunnel>,
    /// Its share of the descriptor budget, returned on drop.
    _permit: Option<pool::Permit>,
}

/// The socket libssh2 talks over (TCP, or our end of a jump-host relay),
/// owned by the session: one descriptor per session, not two.
struct Socket {
    fd: RawFd,
    tcp: bool,
}

impl Socket {
    fn fd(&self) -> RawFd {
        self.fd
    }

    /// Ends the connection so nothing in libssh2 can block on it; called
    /// only while the session (which owns the descriptor) is alive.
    fn shutdown(&self) {
        // SAFETY: shutdown(2) on a descriptor the live session owns;
        // errors mean it is already down.
        unsafe {
            libc::shutdown(self.fd, libc::SHUT_RDWR);
        }
    }
}

/// Descriptors a session holds: its socket; through a jump host also the
/// relay's socket pair and the bastion's connection.
fn session_fds(spec: &ConnectionSpec) -> usize {
    if spec.jump.is_some() {
        4
    } else {
        1
    }
}

impl SshTransport {
    /// Connects now, so that an unreachable host or a bad key fails early.
    pub(crate) fn connect(
        spec: ConnectionSpec,
        opts: ConnectOptions,
    ) -> Result<SshTransport, TransportError> {
        let opened = open(&spec, &opts)?;
        let cell = Arc::new(Cell {
            conn: Mutex::new(Some(opened.conn)),
            last_use: AtomicU64::new(pool::tick()),
        });
        let weak: Weak<dyn pool::Evict> =
            Arc::downgrade(&(Arc::clone(&cell) as Arc<dyn pool::Evict>));
        pool::register(weak);
        Ok(SshTransport {
            spec,
            opts,
            cell,
            warnings: opened.warnings,
            details: opened.details,
        })
    }
}

/// Shuts the socket down (so nothing in libssh2 can block on it) and
/// drops the session.
fn drop_conn(slot: &mut Option<Conn>) {
    if let Some(conn) = slot.take() {
        conn.socket.shutdown();
    }
}

/// The remote user: the spec's, else the local user, else `root`.
pub(super) fn login_user(spec: &ConnectionSpec, opts: &ConnectOptions) -> String {
    spec.user
        .clone()
        .or_else(|| opts.local_user.clone())
        .unwrap_or_else(|| "root".to_owned())
}

/// How long past a command's deadline the host gets to end it.
const KILL_GRACE: Duration = Duration::from_secs(3);

fn ms(d: Duration) -> u32 {
    d.as_millis().clamp(1, u128::from(u32::MAX)) as u32
}

/// Attempts at opening a session when resources ran out on the way.
const OPEN_ATTEMPTS: u32 = 6;

/// Opens a session: descriptors from the [`pool`], then (among a bounded
/// number opening at once) TCP connect, directly or through the jump host,
/// handshake, host key check and authentication; gives the host key
/// warnings too. A failure that comes from resources running out (no
/// descriptor, no buffer, a server shedding connections mid-handshake) is
/// retried with backoff, not reported as an unreachable host; if it
/// persists, the last error, with its cause, is returned.
fn open(spec: &ConnectionSpec, opts: &ConnectOptions) -> Result<Opened, TransportError> {
    let entries = trust::load(spec, opts)?;
    let mut permit =
        Some(
            pool::acquire(session_fds(spec)).map_err(|limit| TransportError::Exhausted {
                host: spec.name.clone(),
                limit,
            })?,
        );
    let mut delay = Duration::from_millis(100);
    let mut attempt = 0;
    let mut retries = Vec::new();
    loop {
        attempt += 1;
        let slot = pool::opening();
        let err = match open_once(spec, opts, &entries, &mut permit) {
            Ok(mut done) => {
                retries.append(&mut done.details);
                done.details = retries;
                return Ok(done);
            }
            Err(e) => e,
        };
        drop(slot);
        if attempt >= OPEN_ATTEMPTS || !resources_ran_out(&err) {
            return Err(err);
        }
        if out_of_descriptors(&err) {
            pool::shed();
        }
        // Jitter spreads the retries of many hosts that failed together.
        let jitter = Duration::from_millis(u64::from(std::process::id() ^ attempt) % 50);
        retries.push(format!(
            "SSH: attempt {attempt} failed ({err}); resources ran out, retrying in {} ms",
            (delay + jitter).as_millis()
        ));
        std::thread::sleep(delay + jitter);
        delay = (delay * 2).min(Duration::from_secs(3));
    }
}

/// Whether `e` says the controller or the server ran short of resources
/// rather than that the host is unreachable.
fn resources_ran_out(e: &TransportError) -> bool {
    match e {
        TransportError::Unreachable { source, .. } => matches!(
            source.raw_os_error(),
            Some(
                libc::EMFILE
                    | libc::ENFILE
                    | libc::ENOBUFS
                    | libc::ENOMEM
                    | libc::EAGAIN
                    | libc::EADDRNOTAVAIL
            )
        ),
        TransportError::Connection { stage, source, .. } => {
            (*stage == "handshake" && source.kind() == std::io::ErrorKind::ConnectionReset)
                || *stage == "session setup"
        }
        _ => false,
    }
}

fn out_of_descriptors(e: &TransportError) -> bool {
    matches!(e, TransportError::Unreachable { source, .. }
        if matches!(source.raw_os_error(), Some(libc::EMFILE | libc::ENFILE)))
}

/// A session just opened, with its host key warnings and the SSH-level
/// details of how it was opened (`-vvvv`).
struct Opened {
    conn: Conn,
    warnings: Vec<String>,
    details: Vec<String>,
}

/// One attempt of [`open`]; takes the permit into the session on success.
fn open_once(
    spec: &ConnectionSpec,
    opts: &ConnectOptions,
    entries: &[super::known_hosts::Entry],
    permit: &mut Option<pool::Permit>,
) -> Result<Opened, TransportError> {
    let started = Instant::now();
    let mut warnings = Vec::new();
    let mut session = Session::new().map_err(|e| connection(spec, "session setup", e))?;
    session.set_timeout(ms(spec.connect_timeout));
    trust::prepare(&session, spec, entries);
    let (socket, tunnel) = match &spec.jump {
        Some(bastion) => {
            let (stream, tunnel, hop_warnings) = jump::open(spec, bastion, opts)?;
            warnings = hop_warnings;
            let fd = stream.as_raw_fd();
            session.set_tcp_stream(stream);
            (Socket { fd, tcp: false }, Some(tunnel))
        }
        None => {
            let stream = tcp_connect(&spec.name, &spec.address, spec.port, spec.connect_timeout)?;
            let fd = stream.as_raw_fd();
            session.set_tcp_stream(stream);
            (Socket { fd, tcp: true }, None)
        }
    };
    let connected = started.elapsed();
    if let Err(e) = session.handshake() {
        socket.shutdown();
        return Err(connection(spec, "handshake", e));
    }
    let shaken = started.elapsed();
    // Authentication (an encrypted key's KDF runs inside this libssh2
    // call) gets the I/O timeout.
    session.set_timeout(ms(opts.io_timeout));
    let user = login_user(spec, opts);
    let checked = trust::verify(&session, spec, opts, entries).and_then(|t| {
        auth::authenticate(&session, spec, opts, &user, t.allow_password).map(|m| (t, m))
    });
    let method = match checked {
        Ok((t, method)) => {
            warnings.extend(t.warnings);
            method
        }
        Err(e) => {
            socket.shutdown();
            return Err(e);
        }
    };
    session.set_keepalive(true, opts.keepalive.as_secs().clamp(1, 3600) as u32);
    let details = details(
        &session,
        spec,
        &user,
        &method,
        [connected, shaken, started.elapsed()],
    );
    Ok(Opened {
        conn: Conn {
            session,
            socket,
            _jump: tunnel,
            _permit: permit.take(),
        },
        warnings,
        details,
    })
}

/// The algorithm name a public key blob starts with (`ssh-ed25519`).
fn key_name(blob: &[u8]) -> String {
    let name = blob
        .get(..4)
        .map(|n| u32::from_be_bytes([n[0], n[1], n[2], n[3]]) as usize)
        .and_then(|n| blob.get(4..4 + n));
    name.map_or_else(
        || "?".to_owned(),
        |n| String::from_utf8_lossy(n).into_owned(),
    )
}

/// What `-vvvv` shows of a session just opened: where to and as whom,
/// the server's version, the negotiated algorithms, the host key, the
/// authentication method, and the time each step took (`at`: TCP up,
/// handshake done, authenticated, from the start).
fn details(
    session: &Session,
    spec: &ConnectionSpec,
    user: &str,
    method: &str,
    at: [Duration; 3],
) -> Vec<String> {
    use ssh2::MethodType;
    let via = spec
        .jump
        .as_ref()
        .map(|j| format!(" via jump host {}", j.address))
        .unwrap_or_default();
    let m = |t| session.methods(t).unwrap_or("?");
    let key = session
        .host_key()
        .map(|(k, _)| format!("{} {}", key_name(k), super::known_hosts::fingerprint(k)))
        .unwrap_or_else(|| "?".to_owned());
    vec![
        format!(
            "ESTABLISH SSH CONNECTION FOR USER: {user} to {}:{}{via}",
            spec.address, spec.port
        ),
        format!(
            "SSH: connected in {} ms; server {}; handshake done in {} ms",
            at[0].as_millis(),
            session.banner().unwrap_or("?"),
            at[1].as_millis()
        ),
        format!(
            "SSH: kex {}, host key {key}, cipher {}/{}, mac {}/{}, compression {}",
            m(MethodType::Kex),
            m(MethodType::CryptCs),
            m(MethodType::CryptSc),
            m(MethodType::MacCs),
            m(MethodType::MacSc),
            m(MethodType::CompCs),
        ),
        format!(
            "SSH: authenticated as {user} by {method}; session up in {} ms",
            at[2].as_millis()
        ),
    ]
}

/// Connects with a timeout, `TCP_NODELAY`, keepalives and a user timeout.
pub(super) fn tcp_connect(
    host: &str,
    address: &str,
    port: u16,
    timeout: Duration,
) -> Result<TcpStream, TransportError> {
    let target = format!("{address}:{port}");
    let unreachable = |source| TransportError::Unreachable {
        host: host.to_owned(),
        address: target.clone(),
        source,
    };
    let addrs = (address, port).to_socket_addrs().map_err(unreachable)?;
    let mut last = std::io::Error::new(std::io::ErrorKind::NotFound, "no address");
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, timeout) {
            Ok(stream) => {
                let _ = stream.set_nodelay(true);
                tune_keepalive(&stream, timeout);
                return Ok(stream);
            }
            Err(e) => last = e,
        }
    }
    Err(unreachable(last))
}

/// Kernel-level liveness: keepalive probes after 15 s idle and a user
/// timeout, so a peer that vanished without a FIN fails the socket instead
/// of leaving a read waiting forever.
fn tune_keepalive(stream: &TcpStream, connect_timeout: Duration) {
    let fd = stream.as_raw_fd();
    let set = |level, name, value: libc::c_int| {
        // SAFETY: a valid fd and a pointer to a c_int of the right size.
        unsafe {
            libc::setsockopt(
                fd,
                level,
                name,
                (&value as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            );
        }
    };
    set(libc::SOL_SOCKET, libc::SO_KEEPALIVE, 1);
    set(libc::IPPROTO_TCP, libc::TCP_KEEPIDLE, 15);
    set(libc::IPPROTO_TCP, libc::TCP_KEEPINTVL, 5);
    set(libc::IPPROTO_TCP, libc::TCP_KEEPCNT, 3);
    let user_timeout = connect_timeout.max(Duration::from_secs(30)).as_millis() as libc::c_int;
    set(libc::IPPROTO_TCP, libc::TCP_USER_TIMEOUT, user_timeout);
}

fn connection(spec: &ConnectionSpec, stage: &'static str, e: ssh2::Error) -> TransportError {
    // The peer closed the connection (or it broke) before the session was
    // up: a server shedding load (`MaxStartups`) does exactly this, so it
    // is told apart as a reset, which `open` retries.
    let source = match e.code() {
        // BANNER_RECV, SOCKET_SEND, SOCKET_DISCONNECT, SOCKET_RECV
        ssh2::ErrorCode::Session(-2 | -7 | -13 | -43) => {
            std::io::Error::new(std::io::ErrorKind::ConnectionReset, e.message().to_owned())
        }
        _ => e.into(),
    };
    TransportError::Connection {
        host: spec.name.clone(),
        stage,
        source,
    }
}

impl Runner for SshTransport {
    fn host_name(&self) -> &str {
        &self.spec.name
    }

    fn become_spec(&self) -> Option<&Become> {
        self.spec.become_.as_ref()
    }

    fn run(
        &mut self,
        mut prepared: Prepared,
        display: &str,
        stdin: &mut dyn Read,
        stdout: &mut dyn Write,
        stderr: &mut Vec<u8>,
        timeout: Option<Duration>,
    ) -> Result<i32, TransportError> {
        let started = Instant::now();
        let deadline = timeout.map(|t| started + t);
        // The host kills the command's process group itself at the
        // deadline (see `command.rs`); the grace lets that kill arrive as
        // the channel's end, so the session stays usable and no process is
        // left behind. Only a host that does not even manage that within
        // the grace is cut off.
        let cutoff = deadline.map(|d| d + KILL_GRACE);
        let payload = std::mem::take(&mut prepared.payload);
        let mut input = (&payload[..]).chain(stdin);
        // Held for the whole call: the pool evicts only unlocked sessions.
        let cell = Arc::clone(&self.cell);
        let mut guard = cell.conn.lock().unwrap_or_else(|p| p.into_inner());
        cell.last_use.store(pool::tick(), Ordering::Relaxed);
        let slot = &mut *guard;
        // At most two attempts: a session that died while idle (server
        // restart, idle timeout) is replaced once, before the command starts.
        let mut attempt = 0;
        let (mut channel, session, fd, tcp) = loop {
            attempt += 1;
            let fresh = slot.is_none();
            let conn = match slot {
                Some(conn) => conn,
                None => {
                    // Closed while idle (the descriptor budget) or broken.
                    let opened = open(&self.spec, &self.opts)?;
                    self.warnings.extend(opened.warnings);
                    self.details
                        .push("SSH: the previous session is gone; opened a new one".to_owned());
                    self.details.extend(opened.details);
                    slot.insert(opened.conn)
                }
            };
            conn.session.set_blocking(true);
            let mut io_timeout = self.opts.io_timeout;
            if let Some(d) = cutoff {
                io_timeout = io_timeout.min(d.saturating_duration_since(Instant::now()));
            }
            conn.session.set_timeout(ms(io_timeout));
            match conn.session.channel_session() {
                Ok(channel) => {
                    let tcp = conn.socket.tcp;
                    break (channel, conn.session.clone(), conn.socket.fd(), tcp);
                }
                Err(e) => {
                    drop_conn(slot);
                    if fresh || attempt >= 2 {
                        return Err(connection(&self.spec, "opening a channel", e));
                    }
                }
            }
        };
        let liveness = Liveness {
            keepalive: self.opts.keepalive,
            tcp,
        };
        let started = (|| {
            if prepared.pty {
                channel.request_pty("dumb", None, Some((200, 50, 0, 0)))?;
            }
            channel.exec(&prepared.text)
        })();
        if let Err(e) = started {
            drop_conn(slot);
            return Err(connection(&self.spec, "starting a command", e));
        }
        let io = PumpIo {
            stdin: &mut input,
            stdout,
            stderr,
        };
        let result = pump(
            &session,
            &mut channel,
            fd,
            io,
            prepared.become_.as_mut(),
            cutoff,
            liveness,
        );
        if let Err(e) = result {
            let user = prepared
                .become_
                .as_ref()
                .map(|b| b.user().to_owned())
                .unwrap_or_default();
            return Err(match e {
                PumpError::Timeout => {
                    drop_conn(slot);
                    TransportError::Timeout {
                        host: self.spec.name.clone(),
                        command: short_command(display),
                        after: timeout.unwrap_or_default(),
                    }
                }
                PumpError::Channel(source) => {
                    drop_conn(slot);
                    TransportError::Connection {
                        host: self.spec.name.clone(),
                        stage: "running a command",
                        source,
                    }
                }
                PumpError::Silent(silence) => {
                    drop_conn(slot);
                    let source = std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        format!("no answer to keepalives for {} s", silence.as_secs()),
                    );
                    TransportError::Connection {
                        host: self.spec.name.clone(),
                        stage: "running a command",
                        source,
                    }
                }
                PumpError::LocalRead(source) | PumpError::LocalWrite(source) => {
                    // The remote side is mid-stream; do not reuse the session.
                    drop_conn(slot);
                    TransportError::LocalIo {
                        host: self.spec.name.clone(),
                        source,
                    }
                }
                PumpError::Become(reason) => {
                    // sudo may be waiting for another password: close the
                    // channel; if even that fails the session is not reused.
                    if finish(&session, &mut channel, &self.opts).is_err() {
                        drop_conn(slot);
                    }
                    TransportError::Become {
                        host: self.spec.name.clone(),
                        user,
                        reason,
                    }
                }
            });
        }
        match finish(&session, &mut channel, &self.opts) {
            Ok(rc) if rc == 128 + 9 && deadline.is_some_and(|d| Instant::now() >= d) => {
                Err(TransportError::Timeout {
                    host: self.spec.name.clone(),
                    command: short_command(display),
                    after: timeout.unwrap_or_default(),
                })
            }
            Ok(rc) => Ok(rc),
            Err(e) => {
                drop_conn(slot);
                Err(connection(&self.spec, "closing a channel", e))
            }
        }
    }
}

/// Closes the channel explicitly (a dropped channel can block forever,
/// ssh2-rs #165) and reads the exit status.
fn finish(
    session: &Session,
    channel: &mut ssh2::Channel,
    opts: &ConnectOptions,
) -> Result<i32, ssh2::Error> {
    session.set_blocking(true);
    session.set_timeout(ms(opts.io_timeout));
    channel.close()?;
    channel.wait_close()?;
    if let Ok(signal) = channel.exit_signal() {
        if let Some(name) = signal.exit_signal {
            return Ok(128 + signal_number(&name));
        }
    }
    channel.exit_status()
}

/// Signal numbers as Linux shells report them in `$?` (minus 128).
fn signal_number(name: &str) -> i32 {
    match name {
        "HUP" => 1,
        "INT" => 2,
        "QUIT" => 3,
        "ILL" => 4,
        "ABRT" => 6,
        "FPE" => 8,
        "KILL" => 9,
        "USR1" => 10,
        "SEGV" => 11,
        "USR2" => 12,
        "PIPE" => 13,
        "ALRM" => 14,
        "TERM" => 15,
        _ => 127,
    }
}

impl Transport for SshTransport {
    fn host(&self) -> &str {
        &self.spec.name
    }

    fn exec(&mut self, req: &ExecRequest) -> Result<ExecOutput, TransportError> {
        files::exec(self, req)
    }

    fn put(
        &mut self,
        src: &mut dyn Read,
        size: u64,
        dest: &str,
        opts: &PutOptions,
    ) -> Result<(), TransportError> {
        files::put(self, src, size, dest, opts)
    }

    fn fetch(
        &mut self,
        src: &str,
        out: &mut dyn Write,
        privilege: Privilege,
    ) -> Result<u64, TransportError> {
        files::fetch(self, src, out, privilege)
    }

    fn set_become(&mut self, become_: Option<Become>) {
        self.spec.become_ = become_;
    }

    fn take_warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.warnings)
    }

    fn take_details(&mut self) -> Vec<String> {
        std::mem::take(&mut self.details)
    }

    fn close(&mut self) {
        let taken = self
            .cell
            .conn
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        // Dropping it disconnects politely.
        drop(taken.map(Closing));
    }
}

impl Drop for SshTransport {
    fn drop(&mut self) {
        drop_conn(&mut self.cell.conn.lock().unwrap_or_else(|p| p.into_inner()));
    }
}

impl std::fmt::Debug for SshTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SshTransport")
            .field("spec", &self.spec)
            .field(
                "connected",
                &self
                    .cell
                    .conn
                    .try_lock()
                    .map(|c| c.is_some())
                    .unwrap_or(true),
            )
            .finish()
    }
}
