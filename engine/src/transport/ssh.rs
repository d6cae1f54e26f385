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
use super::pump::{pump, Liveness, PumpError, PumpIo};
use super::spec::{Become, ConnectionSpec};
use super::{auth, jump, trust};
use super::{
    ConnectOptions, ExecOutput, ExecRequest, Privilege, PutOptions, Transport, TransportError,
};
use ssh2::Session;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

/// An SSH connection to one host (see the module docs).
pub(crate) struct SshTransport {
    spec: ConnectionSpec,
    opts: ConnectOptions,
    conn: Option<Conn>,
    /// Host key warnings not yet taken by the caller.
    warnings: Vec<String>,
}

/// A live session and the socket under it.
struct Conn {
    session: Session,
    socket: Socket,
    /// The relay thread of a jump host, kept alive with the session.
    _jump: Option<jump::Tunnel>,
}

/// The socket libssh2 talks over: TCP, or our end of a jump-host relay.
enum Socket {
    Tcp(TcpStream),
    Relay(UnixStream),
}

impl Socket {
    fn fd(&self) -> RawFd {
        match self {
            Socket::Tcp(s) => s.as_raw_fd(),
            Socket::Relay(s) => s.as_raw_fd(),
        }
    }

    fn shutdown(&self) {
        // Errors mean it is already down.
        let _ = match self {
            Socket::Tcp(s) => s.shutdown(Shutdown::Both),
            Socket::Relay(s) => s.shutdown(Shutdown::Both),
        };
    }
}

impl SshTransport {
    /// Connects now, so that an unreachable host or a bad key fails early.
    pub(crate) fn connect(
        spec: ConnectionSpec,
        opts: ConnectOptions,
    ) -> Result<SshTransport, TransportError> {
        let (conn, warnings) = open(&spec, &opts)?;
        Ok(SshTransport {
            spec,
            opts,
            conn: Some(conn),
            warnings,
        })
    }

    /// Shuts the socket down (so nothing in libssh2 can block on it) and
    /// drops the session.
    fn drop_conn(&mut self) {
        if let Some(conn) = self.conn.take() {
            conn.socket.shutdown();
        }
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

/// TCP connect (directly or through the jump host), handshake, host key
/// check and authentication; gives the host key warnings too.
fn open(
    spec: &ConnectionSpec,
    opts: &ConnectOptions,
) -> Result<(Conn, Vec<String>), TransportError> {
    let mut warnings = Vec::new();
    let entries = trust::load(spec, opts)?;
    let (socket, tunnel) = match &spec.jump {
        Some(bastion) => {
            let (stream, tunnel, hop_warnings) = jump::open(spec, bastion, opts)?;
            warnings = hop_warnings;
            (Socket::Relay(stream), Some(tunnel))
        }
        None => (
            Socket::Tcp(tcp_connect(
                &spec.name,
                &spec.address,
                spec.port,
                spec.connect_timeout,
            )?),
            None,
        ),
    };
    let mut session = Session::new().map_err(|e| connection(spec, "session setup", e))?;
    session.set_timeout(ms(spec.connect_timeout));
    trust::prepare(&session, spec, &entries);
    match &socket {
        Socket::Tcp(s) => session.set_tcp_stream(s.try_clone().map_err(|e| unreachable(spec, e))?),
        Socket::Relay(s) => {
            session.set_tcp_stream(s.try_clone().map_err(|e| unreachable(spec, e))?)
        }
    }
    let conn = Conn {
        session,
        socket,
        _jump: tunnel,
    };
    let fail = |conn: &Conn| conn.socket.shutdown();
    if let Err(e) = conn_handshake(&conn, spec) {
        fail(&conn);
        return Err(e);
    }
    // OpenSSH's ConnectTimeout covers connect and banner exchange only;
    // authentication (an encrypted key's KDF runs inside this libssh2 call)
    // gets the I/O timeout.
    conn.session.set_timeout(ms(opts.io_timeout));
    let checked = trust::verify(&conn.session, spec, opts, &entries).and_then(|t| {
        let user = login_user(spec, opts);
        auth::authenticate(&conn.session, spec, opts, &user, t.allow_password).map(|()| t)
    });
    match checked {
        Ok(t) => warnings.extend(t.warnings),
        Err(e) => {
            fail(&conn);
            return Err(e);
        }
    }
    conn.session
        .set_keepalive(true, opts.keepalive.as_secs().clamp(1, 3600) as u32);
    Ok((conn, warnings))
}

fn conn_handshake(conn: &Conn, spec: &ConnectionSpec) -> Result<(), TransportError> {
    // `handshake` needs `&mut Session`; a clone shares the same inner session.
    let mut session = conn.session.clone();
    session
        .handshake()
        .map_err(|e| connection(spec, "handshake", e))
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
    TransportError::Connection {
        host: spec.name.clone(),
        stage,
        source: e.into(),
    }
}

fn unreachable(spec: &ConnectionSpec, source: std::io::Error) -> TransportError {
    TransportError::Unreachable {
        host: spec.name.clone(),
        address: format!("{}:{}", spec.address, spec.port),
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
        // At most two attempts: a session that died while idle (server
        // restart, idle timeout) is replaced once, before the command starts.
        let mut attempt = 0;
        let (mut channel, session, fd, tcp) = loop {
            attempt += 1;
            let fresh = self.conn.is_none();
            let conn = match &self.conn {
                Some(conn) => conn,
                None => {
                    let (conn, warnings) = open(&self.spec, &self.opts)?;
                    self.warnings.extend(warnings);
                    self.conn.insert(conn)
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
                    let tcp = matches!(conn.socket, Socket::Tcp(_));
                    break (channel, conn.session.clone(), conn.socket.fd(), tcp);
                }
                Err(e) => {
                    self.drop_conn();
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
            self.drop_conn();
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
                    self.drop_conn();
                    TransportError::Timeout {
                        host: self.spec.name.clone(),
                        command: short_command(display),
                        after: timeout.unwrap_or_default(),
                    }
                }
                PumpError::Channel(source) => {
                    self.drop_conn();
                    TransportError::Connection {
                        host: self.spec.name.clone(),
                        stage: "running a command",
                        source,
                    }
                }
                PumpError::Silent(silence) => {
                    self.drop_conn();
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
                    self.drop_conn();
                    TransportError::LocalIo {
                        host: self.spec.name.clone(),
                        source,
                    }
                }
                PumpError::Become(reason) => {
                    // sudo may be waiting for another password: close the
                    // channel; if even that fails the session is not reused.
                    if finish(&session, &mut channel, &self.opts).is_err() {
                        self.drop_conn();
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
                self.drop_conn();
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

    fn take_warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.warnings)
    }

    fn close(&mut self) {
        if let Some(conn) = self.conn.take() {
            conn.session.set_blocking(true);
            conn.session.set_timeout(1000);
            let _ = conn.session.disconnect(None, "closing", None);
            conn.socket.shutdown();
        }
    }
}

impl Drop for SshTransport {
    fn drop(&mut self) {
        self.drop_conn();
    }
}

impl std::fmt::Debug for SshTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SshTransport")
            .field("spec", &self.spec)
            .field("connected", &self.conn.is_some())
            .finish()
    }
}
