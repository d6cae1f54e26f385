//! Jump hosts (`ProxyJump`, `-J`): libssh2 has none built in (ssh2-rs
//! #167) and `Session::set_tcp_stream` needs a real file descriptor, so
//! the target's session talks over one end of a Unix socket pair while a
//! relay thread copies bytes between the other end and a `direct-tcpip`
//! channel opened on the bastion's own session. The thread owns the
//! bastion session and ends when either side closes.
//!
//! The bastion is authenticated with the target's key, password and host
//! key policy, as OpenSSH does with `-J` and no per-hop configuration.

use super::spec::{ConnectionSpec, JumpHost};
use super::ssh::{login_user, tcp_connect};
use super::{auth, trust, ConnectOptions, TransportError};
use ssh2::{BlockDirections, Session};
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Keeps the relay running; dropping it asks the thread to stop.
pub(crate) struct Tunnel {
    stop: Arc<AtomicBool>,
}

impl Drop for Tunnel {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Connects to the bastion and opens a relayed stream to the target;
/// gives the bastion's host key warnings too.
pub(crate) fn open(
    spec: &ConnectionSpec,
    bastion: &JumpHost,
    opts: &ConnectOptions,
) -> Result<(UnixStream, Tunnel, Vec<String>), TransportError> {
    let jump_name = format!("{}:{}", bastion.address, bastion.port);
    let hop = ConnectionSpec {
        name: spec.name.clone(),
        address: bastion.address.clone(),
        port: bastion.port,
        user: bastion.user.clone().or_else(|| spec.user.clone()),
        jump: None,
        become_: None,
        ..spec.clone()
    };
    let tcp = tcp_connect(
        &spec.name,
        &bastion.address,
        bastion.port,
        spec.connect_timeout,
    )?;
    let jump_err = |e: ssh2::Error| TransportError::Jump {
        host: spec.name.clone(),
        jump: jump_name.clone(),
        source: e.into(),
    };
    let mut session = Session::new().map_err(jump_err)?;
    session.set_timeout(spec.connect_timeout.as_millis().clamp(1, 600_000) as u32);
    session.set_tcp_stream(
        tcp.try_clone()
            .map_err(|source| TransportError::Unreachable {
                host: spec.name.clone(),
                address: jump_name.clone(),
                source,
            })?,
    );
    let entries = trust::load(&hop, opts)?;
    trust::prepare(&session, &hop, &entries);
    session.handshake().map_err(jump_err)?;
    session.set_timeout(opts.io_timeout.as_millis().clamp(1, 600_000) as u32);
    let trusted = trust::verify(&session, &hop, opts, &entries)?;
    auth::authenticate(
        &session,
        &hop,
        opts,
        &login_user(&hop, opts),
        trusted.allow_password,
    )?;
    let channel = session
        .channel_direct_tcpip(&spec.address, spec.port, None)
        .map_err(jump_err)?;
    let (ours, theirs) = UnixStream::pair().map_err(|source| TransportError::LocalIo {
        host: spec.name.clone(),
        source,
    })?;
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    std::thread::Builder::new()
        .name(format!("jump-{}", spec.name))
        .spawn(move || relay(session, channel, tcp, theirs, &flag))
        .map_err(|source| TransportError::LocalIo {
            host: spec.name.clone(),
            source,
        })?;
    Ok((ours, Tunnel { stop }, trusted.warnings))
}

/// Copies bytes both ways until one side closes or `stop` is set.
fn relay(
    session: Session,
    mut channel: ssh2::Channel,
    tcp: TcpStream,
    mut local: UnixStream,
    stop: &AtomicBool,
) {
    session.set_blocking(false);
    if local.set_nonblocking(true).is_err() {
        return;
    }
    let mut up = Buf::default(); // local -> channel
    let mut down = Buf::default(); // channel -> local
    while !stop.load(Ordering::Relaxed) {
        let mut progress = false;
        if up.is_empty() {
            match up.fill(&mut local) {
                Fill::Data => progress = true,
                Fill::Eof => break,
                Fill::Wait => {}
            }
        }
        if !up.is_empty() {
            match up.drain(&mut channel) {
                Ok(moved) => progress |= moved,
                Err(()) => break,
            }
        }
        if down.is_empty() {
            match down.fill(&mut channel) {
                Fill::Data => progress = true,
                Fill::Eof if channel.eof() => break,
                Fill::Eof | Fill::Wait => {}
            }
        }
        if !down.is_empty() {
            match down.drain(&mut local) {
                Ok(moved) => progress |= moved,
                Err(()) => break,
            }
        }
        if !progress {
            let ssh_events = match session.block_directions() {
                BlockDirections::Outbound => libc::POLLOUT,
                BlockDirections::Both => libc::POLLIN | libc::POLLOUT,
                _ => libc::POLLIN,
            };
            let local_events = if down.is_empty() {
                libc::POLLIN
            } else {
                libc::POLLIN | libc::POLLOUT
            };
            let mut fds = [
                libc::pollfd {
                    fd: tcp.as_raw_fd(),
                    events: ssh_events,
                    revents: 0,
                },
                libc::pollfd {
                    fd: local.as_raw_fd(),
                    events: local_events,
                    revents: 0,
                },
            ];
            // SAFETY: two valid pollfds; the count matches the array.
            unsafe {
                libc::poll(fds.as_mut_ptr(), 2, 100);
            }
        }
    }
    session.set_blocking(true);
    session.set_timeout(1000);
    let _ = channel.close();
    let _ = local.shutdown(std::net::Shutdown::Both);
    let _ = tcp.shutdown(std::net::Shutdown::Both);
}

#[derive(Default)]
struct Buf {
    data: Vec<u8>,
    pos: usize,
}

enum Fill {
    Data,
    Eof,
    Wait,
}

impl Buf {
    fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }

    fn fill(&mut self, from: &mut dyn Read) -> Fill {
        self.data.resize(32 * 1024, 0);
        self.pos = 0;
        match from.read(&mut self.data) {
            Ok(0) => {
                self.data.clear();
                Fill::Eof
            }
            Ok(n) => {
                self.data.truncate(n);
                Fill::Data
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::Interrupted => {
                self.data.clear();
                Fill::Wait
            }
            Err(_) => {
                self.data.clear();
                Fill::Eof
            }
        }
    }

    fn drain(&mut self, to: &mut dyn Write) -> Result<bool, ()> {
        match to.write(&self.data[self.pos..]) {
            Ok(0) => Ok(false),
            Ok(n) => {
                self.pos += n;
                Ok(true)
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::Interrupted => {
                Ok(false)
            }
            Err(_) => Err(()),
        }
    }
}
