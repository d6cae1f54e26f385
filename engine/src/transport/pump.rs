//! Driving one SSH channel to completion without blocking on any single
//! direction: stdin, stdout and stderr are moved in one non-blocking loop
//! that waits on the socket with `poll(2)` and a controller-side deadline.
//!
//! Why not blocking reads: reading stdout to the end and then stderr
//! deadlocks once the command fills the channel window with stderr, and a
//! blocking libssh2 read only returns at libssh2's own (imprecise) timeout
//! (ssh2-rs #341). Here the deadline is checked at least every 250 ms.

use super::become_::{BecomeSession, HandshakeStream, Step};
use ssh2::{BlockDirections, Channel, Session};
use std::io::{ErrorKind, Read, Write};
use std::os::fd::RawFd;
use std::time::{Duration, Instant};

/// Why a channel did not complete.
#[derive(Debug)]
pub(crate) enum PumpError {
    /// The deadline passed.
    Timeout,
    /// The session failed (peer gone, protocol error).
    Channel(std::io::Error),
    /// The host sent nothing, not even keepalive replies, for this long
    /// (OpenSSH's `ServerAliveCountMax` of 3 intervals): it hangs or the
    /// network is cut.
    Silent(Duration),
    /// Reading the caller's stdin source failed.
    LocalRead(std::io::Error),
    /// Writing the caller's stdout sink failed.
    LocalWrite(std::io::Error),
    /// sudo/su refused.
    Become(String),
}

/// The caller's ends of the command's standard streams.
pub(crate) struct PumpIo<'a> {
    pub(crate) stdin: &'a mut dyn Read,
    pub(crate) stdout: &'a mut dyn Write,
    pub(crate) stderr: &'a mut Vec<u8>,
}

const CHUNK: usize = 64 * 1024;
const MAX_WAIT: Duration = Duration::from_millis(250);

/// How the pump notices a peer that stopped answering.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Liveness {
    /// Interval of SSH keepalives while waiting.
    pub(crate) keepalive: Duration,
    /// Socket to ask the kernel when data last arrived (`TCP_INFO`);
    /// `false` for a jump-host relay, which is a Unix socket.
    pub(crate) tcp: bool,
}

/// Missed keepalive replies before the host counts as gone.
const ALIVE_COUNT_MAX: u32 = 3;

/// Runs the exchange on `channel` (already `exec`ed) until the remote side
/// sends EOF. The session is left in non-blocking mode.
pub(crate) fn pump(
    session: &Session,
    channel: &mut Channel,
    fd: RawFd,
    mut io: PumpIo<'_>,
    mut become_: Option<&mut BecomeSession>,
    deadline: Option<Instant>,
    liveness: Liveness,
) -> Result<(), PumpError> {
    let keepalive = liveness.keepalive;
    session.set_blocking(false);
    let mut stdout = channel.stream(0);
    let mut stderr = channel.stderr();
    let mut buf = vec![0u8; CHUNK];
    // Bytes waiting to go to the channel's stdin, and how far we are.
    let mut pending: Vec<u8> = Vec::new();
    let mut pos = 0;
    let mut source_done = false;
    let mut eof_sent = false;
    let mut ready = become_.is_none();
    let mut next_keepalive = Instant::now() + keepalive;

    loop {
        let mut progress = false;
        for which in [HandshakeStream::Stdout, HandshakeStream::Stderr] {
            // At most 1 MiB per stream per turn, so a fast producer cannot
            // starve the other stream, stdin or the deadline check.
            for _ in 0..16 {
                let stream = match which {
                    HandshakeStream::Stdout => &mut stdout,
                    HandshakeStream::Stderr => &mut stderr,
                };
                let n = match stream.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => n,
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(e) => return Err(PumpError::Channel(e)),
                };
                progress = true;
                let data = &buf[..n];
                let handshake = match become_.as_deref_mut() {
                    Some(b) if !ready && b.stream() == which => Some(b),
                    _ => None,
                };
                let Some(b) = handshake else {
                    deliver(&mut io, which, data)?;
                    continue;
                };
                match b.feed(data) {
                    Step::Pending => {}
                    Step::SendPassword => {
                        // The password goes before any caller stdin.
                        pending = b.password_line();
                        pos = 0;
                    }
                    Step::Ready(rest) => {
                        ready = true;
                        pending.clear();
                        pos = 0;
                        deliver(&mut io, which, &rest)?;
                    }
                    Step::Failed(reason) => return Err(PumpError::Become(reason)),
                }
            }
        }
        // Feed stdin: the password during the handshake, the caller's data after.
        if pos == pending.len() && ready && !source_done {
            pending.resize(CHUNK, 0);
            let n = io.stdin.read(&mut pending).map_err(PumpError::LocalRead)?;
            pending.truncate(n);
            pos = 0;
            source_done = n == 0;
        }
        while pos < pending.len() {
            match stdout.write(&pending[pos..]) {
                Ok(0) => break,
                Ok(n) => {
                    pos += n;
                    progress = true;
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(_) if channel.eof() => {
                    // The command exited without reading all of stdin.
                    pos = pending.len();
                    source_done = true;
                }
                Err(e) => return Err(PumpError::Channel(e)),
            }
        }
        if ready && source_done && pos == pending.len() && !eof_sent {
            match channel.send_eof() {
                Ok(()) => {
                    eof_sent = true;
                    progress = true;
                }
                Err(e) if is_would_block(&e) => {}
                Err(_) if channel.eof() => eof_sent = true,
                Err(e) => return Err(PumpError::Channel(e.into())),
            }
        }
        if channel.eof() {
            // libssh2 reports EOF only when no data is queued any more.
            return match become_ {
                Some(b) if !ready => Err(PumpError::Become(b.failure_at_eof())),
                _ => Ok(()),
            };
        }
        // Checked on every turn: a command that keeps printing must time
        // out too, not only a silent one.
        let now = Instant::now();
        if deadline.is_some_and(|d| now >= d) {
            return Err(PumpError::Timeout);
        }
        if progress {
            continue;
        }
        if now >= next_keepalive {
            if liveness.tcp {
                let silence = since_last_receive(fd);
                if silence > keepalive * ALIVE_COUNT_MAX {
                    return Err(PumpError::Silent(silence));
                }
            }
            match session.keepalive_send() {
                Ok(secs) => next_keepalive = now + Duration::from_secs(u64::from(secs.max(1))),
                Err(e) if is_would_block(&e) => next_keepalive = now + Duration::from_secs(1),
                Err(e) => return Err(PumpError::Channel(e.into())),
            }
        }
        let mut wait = MAX_WAIT.min(next_keepalive.saturating_duration_since(now));
        if let Some(d) = deadline {
            wait = wait.min(d.saturating_duration_since(now));
        }
        wait_socket(fd, session.block_directions(), wait);
    }
}

fn deliver(io: &mut PumpIo<'_>, which: HandshakeStream, data: &[u8]) -> Result<(), PumpError> {
    match which {
        HandshakeStream::Stdout => io.stdout.write_all(data).map_err(PumpError::LocalWrite),
        HandshakeStream::Stderr => {
            io.stderr.extend_from_slice(data);
            Ok(())
        }
    }
}

/// Blocks until the socket is ready in the direction libssh2 waits for, or
/// `wait` passes.
fn wait_socket(fd: RawFd, dirs: BlockDirections, wait: Duration) {
    let events = match dirs {
        BlockDirections::Outbound => libc::POLLOUT,
        BlockDirections::Both => libc::POLLIN | libc::POLLOUT,
        BlockDirections::Inbound | BlockDirections::None => libc::POLLIN,
    };
    let mut pfd = libc::pollfd {
        fd,
        events,
        revents: 0,
    };
    let ms = wait.as_millis().clamp(1, 1000) as libc::c_int;
    // SAFETY: one valid pollfd, count 1; a failed poll only shortens the wait.
    unsafe {
        libc::poll(&mut pfd, 1, ms);
    }
}

/// How long ago the kernel last received data on the TCP socket `fd`
/// (zero when it cannot tell).
fn since_last_receive(fd: RawFd) -> Duration {
    // SAFETY: tcp_info is plain data; getsockopt writes at most `len` bytes.
    let mut info: libc::tcp_info = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::tcp_info>() as libc::socklen_t;
    // SAFETY: valid pointers to `info` and `len` for this call.
    let rc = unsafe {
        libc::getsockopt(
            fd,
            libc::IPPROTO_TCP,
            libc::TCP_INFO,
            (&mut info as *mut libc::tcp_info).cast(),
            &mut len,
        )
    };
    if rc != 0 {
        return Duration::ZERO;
    }
    Duration::from_millis(u64::from(info.tcpi_last_data_recv))
}

/// libssh2's `LIBSSH2_ERROR_EAGAIN`: not an error in non-blocking mode.
pub(crate) fn is_would_block(e: &ssh2::Error) -> bool {
    e.code() == ssh2::ErrorCode::Session(-37)
}
