//! `ansible_connection=local`: commands run on the controller with
//! `/bin/sh -c`, in their own process group so a timeout can end the whole
//! command tree. Files go through the same install script as over SSH,
//! so `put` is atomic here too.
//!
//! Become works with sudo (password on stdin, as over SSH). `su` needs a
//! terminal and is refused for local connections.

use super::become_::{HandshakeStream, Step};
use super::command::Prepared;
use super::error::short_command;
use super::files::{self, Runner};
use super::spec::{Become, ConnectionSpec};
use super::{ExecOutput, ExecRequest, Privilege, PutOptions, Transport, TransportError};
use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

/// Runs everything on the controller.
#[derive(Debug)]
pub(crate) struct LocalTransport {
    spec: ConnectionSpec,
}

impl LocalTransport {
    /// No connection to make.
    pub(crate) fn new(spec: ConnectionSpec) -> LocalTransport {
        LocalTransport { spec }
    }

    fn spawn_err(&self, source: std::io::Error) -> TransportError {
        TransportError::LocalSpawn {
            host: self.spec.name.clone(),
            source,
        }
    }
}

impl Runner for LocalTransport {
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
        let host = self.spec.name.clone();
        if prepared.pty {
            return Err(TransportError::Become {
                host,
                user: prepared
                    .become_
                    .as_ref()
                    .map(|b| b.user().to_owned())
                    .unwrap_or_default(),
                reason: "su needs a terminal, which the local connection does not provide"
                    .to_owned(),
            });
        }
        let mut child = Command::new("/bin/sh")
            .arg("-c")
            .arg(&prepared.text)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()
            .map_err(|e| self.spawn_err(e))?;
        let pid = child.id() as libc::pid_t;
        // Watchdog: kills the process group at the deadline. Dropping
        // `cancel` ends it early.
        let fired = Arc::new(AtomicBool::new(false));
        let (cancel, wait) = mpsc::channel::<()>();
        if let Some(limit) = timeout {
            let fired = Arc::clone(&fired);
            std::thread::spawn(move || {
                if let Err(mpsc::RecvTimeoutError::Timeout) = wait.recv_timeout(limit) {
                    fired.store(true, Ordering::SeqCst);
                    // SAFETY: kill(2) on a process group we created.
                    unsafe {
                        libc::kill(-pid, libc::SIGKILL);
                    }
                }
            });
        }
        let (Some(mut child_in), Some(mut child_out), Some(mut child_err)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            return Err(self.spawn_err(std::io::Error::other("missing pipe")));
        };
        let mut early_err = Vec::new();
        if let Some(b) = prepared.become_.as_mut() {
            debug_assert_eq!(b.stream(), HandshakeStream::Stderr);
            let mut buf = [0u8; 4096];
            loop {
                let n = child_err.read(&mut buf).unwrap_or(0);
                if n == 0 {
                    let reason = b.failure_at_eof();
                    let _ = child.wait();
                    if fired.load(Ordering::SeqCst) {
                        return Err(timeout_err(&host, display, timeout));
                    }
                    return Err(TransportError::Become {
                        host,
                        user: b.user().to_owned(),
                        reason,
                    });
                }
                match b.feed(&buf[..n]) {
                    Step::Pending => {}
                    Step::SendPassword => {
                        let _ = child_in.write_all(&b.password_line());
                    }
                    Step::Ready(rest) => {
                        early_err = rest;
                        break;
                    }
                    Step::Failed(reason) => {
                        // SAFETY: kill(2) on a process group we created.
                        unsafe {
                            libc::kill(-pid, libc::SIGKILL);
                        }
                        let _ = child.wait();
                        return Err(TransportError::Become {
                            host,
                            user: b.user().to_owned(),
                            reason,
                        });
                    }
                }
            }
        }
        let out_thread = std::thread::spawn(move || {
            let mut v = Vec::new();
            let _ = child_out.read_to_end(&mut v);
            v
        });
        let err_thread = std::thread::spawn(move || {
            let mut v = Vec::new();
            let _ = child_err.read_to_end(&mut v);
            v
        });
        // A command that does not read its stdin closes the pipe: not an error.
        let payload = std::mem::take(&mut prepared.payload);
        let copied = std::io::copy(&mut (&payload[..]).chain(stdin), &mut child_in);
        drop(child_in);
        let status = child.wait().map_err(|e| self.spawn_err(e))?;
        drop(cancel);
        let out = out_thread.join().unwrap_or_default();
        let err = err_thread.join().unwrap_or_default();
        if fired.load(Ordering::SeqCst) {
            return Err(timeout_err(&host, display, timeout));
        }
        if let Err(e) = copied {
            if e.kind() != std::io::ErrorKind::BrokenPipe {
                return Err(TransportError::LocalIo { host, source: e });
            }
        }
        stdout
            .write_all(&out)
            .map_err(|source| TransportError::LocalIo {
                host: host.clone(),
                source,
            })?;
        stderr.extend_from_slice(&early_err);
        stderr.extend_from_slice(&err);
        use std::os::unix::process::ExitStatusExt;
        Ok(status
            .code()
            .or_else(|| status.signal().map(|s| 128 + s))
            .unwrap_or(255))
    }
}

fn timeout_err(host: &str, display: &str, timeout: Option<Duration>) -> TransportError {
    TransportError::Timeout {
        host: host.to_owned(),
        command: short_command(display),
        after: timeout.unwrap_or_default(),
    }
}

impl Transport for LocalTransport {
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

    fn close(&mut self) {}

    fn set_become(&mut self, become_: Option<Become>) {
        self.spec.become_ = become_;
    }
}
