//! `transport`: running commands and moving files on one host, over SSH
//! (`ssh2`, one session per host) or locally. Knows nothing about Ansible:
//! the inventory layer resolves Ansible's variables into a
//! [`ConnectionSpec`], and the executor calls [`connect`] once per host and
//! then [`Transport::exec`], [`Transport::put`] and [`Transport::fetch`] for
//! every task.
//!
//! Guarantees every implementation keeps:
//! - **No hangs.** Every blocking step has a deadline: connect timeout,
//!   an I/O timeout on every libssh2 call, and a controller-side deadline
//!   per command ([`ExecRequest::timeout`]). A session that timed out is
//!   dropped and reconnected once on the next call.
//! - **Atomic files.** [`Transport::put`] and every module that writes a
//!   file go through [`atomic`]: a temp file next to the destination,
//!   length and sha256 checked on the host, fsynced, then renamed; an
//!   interrupted transfer leaves the old content, and stale temp files of
//!   killed writers are swept by the next write into that directory.
//! - **No secrets on command lines.** The SSH `exec` text is a short fixed
//!   bootstrap; the command and its environment travel on stdin (see
//!   `command.rs`), and become passwords are written to stdin after sudo
//!   or su asks for them. Nothing of the caller's reaches argv, logs or
//!   `Debug` output.
//! - **Deadlines end the remote command.** A command with a timeout runs
//!   next to a host-side watchdog that kills its whole process group.
//!
//! Compatibility with Ansible's `ssh` connection and become plugins:
//! - `environment:` is exported at the top of the command's script (the
//!   same environment Ansible gives the module, without Ansible's
//!   `K=V` on the command line); every command runs under `/bin/sh`;
//! - `host_key_checking`: strict by default, `accept-new`, off, each with
//!   OpenSSH's behaviour (`trust.rs`): `@revoked` and `@cert-authority`
//!   lines, hashed entries, `[host]:port` off port 22, host key algorithms
//!   ordered by the key types `known_hosts` holds; warnings (a key
//!   recorded, a changed key accepted with checking off) come out through
//!   [`Transport::take_warnings`];
//! - a jump host is authenticated with the target's credentials and host
//!   key policy (no per-hop settings, as with a bare `-J`);
//! - become with `su` runs on a pty, so stderr is merged into stdout and
//!   stdin should be text; `put` through su stages the file in `/tmp` as
//!   the login user first (readable by root only when the target is root).
//! - a command that times out is killed on the host with its process
//!   group (Ansible abandons it and the remote process may run on).
//!
//! ```no_run
//! use engine::transport::{connect, ConnectOptions, ConnectionKind, ConnectionSpec};
//! use engine::transport::{ExecRequest, HostKeyChecking, Privilege, PutOptions};
//! use std::time::Duration;
//!
//! let spec = ConnectionSpec {
//!     name: "node1".into(),
//!     kind: ConnectionKind::Ssh,
//!     address: "10.0.0.5".into(),
//!     port: 22,
//!     user: Some("centos".into()),
//!     private_key_file: Some("/home/me/.ssh/id_ed25519".into()),
//!     password: None,
//!     connect_timeout: Duration::from_secs(10),
//!     host_key_checking: HostKeyChecking::Strict,
//!     jump: None,
//!     known_hosts_file: None,
//!     become_: None,
//! };
//! let mut host = connect(&spec, &ConnectOptions::from_env())?;
//! let out = host.exec(&ExecRequest::new("uname -r").timeout(Duration::from_secs(30)))?;
//! println!("{} (rc {})", out.stdout_str().trim(), out.rc);
//! let conf = b"max_parallel_downloads=10\n";
//! let opts = PutOptions { mode: Some(0o644), privilege: Privilege::Become, ..PutOptions::default() };
//! host.put(&mut &conf[..], conf.len() as u64, "/etc/dnf/dnf.conf.d/konvoy.conf", &opts)?;
//! host.close();
//! # Ok::<(), engine::transport::TransportError>(())
//! ```
//!
//! A `Transport` is `Send` but not `Sync`: the executor keeps one per host
//! and lends it to one worker at a time (an `ssh2::Session` serialises every
//! call on one mutex, so sharing it would only add waiting).

pub(crate) mod atomic;
mod auth;
mod become_;
mod command;
mod error;
mod files;
mod jump;
mod known_hosts;
mod local;
mod pool;
mod pump;
mod spec;
mod ssh;
mod trust;

pub(crate) use command::{env_lines, nonce};
pub use error::TransportError;
pub use pool::{fd_limits, raise_fd_limit, session_budget};
pub use spec::{Become, BecomeMethod, ConnectionKind, ConnectionSpec, HostKeyChecking, JumpHost};

use crate::shell::Secret;
use std::path::PathBuf;
use std::time::Duration;

/// One open connection to one host.
///
/// Synchronous by design: the executor runs hosts in parallel on a rayon
/// pool, one worker per host at a time.
pub trait Transport: Send {
    /// The inventory name of the host (as used in every error).
    fn host(&self) -> &str;

    /// Runs one command and collects its stdout, stderr and exit code.
    ///
    /// A non-zero exit code is not an error: it is in [`ExecOutput::rc`].
    ///
    /// # Errors
    /// [`TransportError::Timeout`] when [`ExecRequest::timeout`] expires
    /// (the host kills the command's process group; the session is dropped
    /// only when the host does not end it within a short grace),
    /// [`TransportError::Become`] when sudo/su refuses, and connection
    /// errors when the host goes away.
    fn exec(&mut self, req: &ExecRequest) -> Result<ExecOutput, TransportError>;

    /// Writes `size` bytes read from `src` to `dest` on the host, atomically:
    /// into a temp file in the same directory, size-checked, then renamed.
    ///
    /// # Errors
    /// [`TransportError::PutFailed`] when the host could not write or install
    /// the file (the destination is unchanged), [`TransportError::LocalIo`]
    /// when `src` fails or yields a different number of bytes.
    fn put(
        &mut self,
        src: &mut dyn std::io::Read,
        size: u64,
        dest: &str,
        opts: &PutOptions,
    ) -> Result<(), TransportError>;

    /// Streams the file `src` on the host into `out`; returns its size.
    ///
    /// # Errors
    /// [`TransportError::FetchFailed`] when the host cannot read the file.
    fn fetch(
        &mut self,
        src: &str,
        out: &mut dyn std::io::Write,
        privilege: Privilege,
    ) -> Result<u64, TransportError>;

    /// Messages for the operator gathered since the last call (a host key
    /// recorded by accept-new, a changed key accepted with checking off).
    /// The executor shows them as warnings.
    fn take_warnings(&mut self) -> Vec<String> {
        Vec::new()
    }

    /// SSH-level details gathered since the last call (how each session
    /// was opened: address, user, server version, algorithms, host key,
    /// authentication method, timings; retries and reconnects). The
    /// executor reports them as [`crate::report::Event::Ssh`], which the
    /// printer shows at `-vvvv`.
    fn take_details(&mut self) -> Vec<String> {
        Vec::new()
    }

    /// Closes the connection politely. Further calls reconnect.
    fn close(&mut self);

    /// How commands run with [`Privilege::Become`] become another user
    /// from now on. Become is decided per task, so it is set on an open
    /// session rather than opening a new one; the connection is unchanged.
    fn set_become(&mut self, become_: Option<Become>);
}

/// Whether a command runs as the login user or through become.
///
/// A named type rather than a `bool` so call sites read
/// `Privilege::Become`, not `true`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Privilege {
    /// As the connecting user.
    #[default]
    User,
    /// Through [`ConnectionSpec::become_`] (sudo or su). When the spec has
    /// no become settings this is the same as [`Privilege::User`].
    Become,
}

/// One command to run.
///
/// `Debug` shows the size of `stdin`, not its bytes: stdin is where
/// secrets travel.
#[derive(Clone, Default)]
pub struct ExecRequest {
    /// Shell text, run by `/bin/sh -c` on the host.
    pub command: String,
    /// Environment for the command; exported by the script sent on stdin
    /// (never argv; sshd's `AcceptEnv` rejects most `setenv` requests).
    pub env: Vec<(String, String)>,
    /// Bytes fed to the command's stdin (then EOF). `None`: empty stdin.
    pub stdin: Option<Vec<u8>>,
    /// Deadline: the host kills the command's process group when it
    /// expires (and the controller gives up shortly after); `None` waits
    /// as long as the host is alive.
    pub timeout: Option<Duration>,
    /// Run as the login user or through become.
    pub privilege: Privilege,
}

impl ExecRequest {
    /// A request for `command` with no environment, stdin or timeout.
    pub fn new(command: impl Into<String>) -> ExecRequest {
        ExecRequest {
            command: command.into(),
            ..ExecRequest::default()
        }
    }

    /// A request for one program and its arguments, each quoted for the
    /// shell (the argv form of a command).
    ///
    /// ```
    /// let req = engine::transport::ExecRequest::argv(["printf", "%s", "it's"]);
    /// assert_eq!(req.command, r#"printf %s 'it'"'"'s'"#);
    /// ```
    pub fn argv<I, S>(args: I) -> ExecRequest
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut command = String::new();
        for arg in args {
            if !command.is_empty() {
                command.push(' ');
            }
            command.push_str(&crate::shell::quote(arg.as_ref()));
        }
        ExecRequest::new(command)
    }

    /// Adds an environment variable.
    #[must_use]
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> ExecRequest {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Sets stdin.
    #[must_use]
    pub fn stdin(mut self, data: impl Into<Vec<u8>>) -> ExecRequest {
        self.stdin = Some(data.into());
        self
    }

    /// Sets the timeout.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> ExecRequest {
        self.timeout = Some(timeout);
        self
    }

    /// Runs the command through become.
    #[must_use]
    pub fn with_become(mut self) -> ExecRequest {
        self.privilege = Privilege::Become;
        self
    }
}

impl std::fmt::Debug for ExecRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExecRequest")
            .field("command", &self.command)
            .field("env", &self.env)
            .field(
                "stdin",
                &self.stdin.as_ref().map(|s| format!("<{} bytes>", s.len())),
            )
            .field("timeout", &self.timeout)
            .field("privilege", &self.privilege)
            .finish()
    }
}

/// What a command produced.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExecOutput {
    /// Everything written to stdout.
    pub stdout: Vec<u8>,
    /// Everything written to stderr (merged into stdout for `su`, which
    /// needs a terminal).
    pub stderr: Vec<u8>,
    /// Exit code; `128 + signal` when the command was killed by a signal.
    pub rc: i32,
}

impl ExecOutput {
    /// Stdout as text (lossy).
    pub fn stdout_str(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.stdout)
    }

    /// Stderr as text (lossy).
    pub fn stderr_str(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.stderr)
    }
}

/// How [`Transport::put`] installs the file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PutOptions {
    /// Permission bits (`0o644`). `None`: an existing destination keeps its
    /// mode, a new one gets `0644`.
    pub mode: Option<u32>,
    /// Owner name (`chown`); `None` leaves it to the writing user.
    pub owner: Option<String>,
    /// Group name (`chgrp`).
    pub group: Option<String>,
    /// Write as the login user or through become (needed for root-owned
    /// destinations when connecting as another user).
    pub privilege: Privilege,
}

/// Settings shared by every connection of a run (not per host).
///
/// The library reads no environment variables on its own; the CLI builds
/// this with [`ConnectOptions::from_env`].
#[derive(Clone, Debug)]
pub struct ConnectOptions {
    /// `known_hosts` files, read in order; accept-new appends to the first.
    pub known_hosts: Vec<PathBuf>,
    /// Keys tried when a host names none (`~/.ssh/id_ed25519`, ...).
    pub default_identities: Vec<PathBuf>,
    /// Passphrase for encrypted private keys.
    pub key_passphrase: Option<Secret>,
    /// The ssh-agent to try when no key file works.
    pub agent: AgentUse,
    /// Remote user when the spec has none (Ansible uses the local user).
    pub local_user: Option<String>,
    /// Timeout for each blocking libssh2 call (handshake step, channel open,
    /// a write that cannot progress). Not the command timeout.
    pub io_timeout: Duration,
    /// Interval of SSH keepalives while a command is running; dead peers
    /// are also caught by the kernel via `TCP_USER_TIMEOUT`.
    pub keepalive: Duration,
}

/// Whether to use an ssh-agent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AgentUse {
    /// Try the agent listening on this socket after the key files
    /// (`SSH_AUTH_SOCK`; passed explicitly so the library never reads the
    /// environment and tests can run their own agent).
    Socket(PathBuf),
    /// Never contact an agent.
    Ignore,
}

impl Default for ConnectOptions {
    fn default() -> ConnectOptions {
        ConnectOptions {
            known_hosts: Vec::new(),
            default_identities: Vec::new(),
            key_passphrase: None,
            agent: AgentUse::Ignore,
            local_user: None,
            io_timeout: Duration::from_secs(30),
            keepalive: Duration::from_secs(15),
        }
    }
}

/// Environment variable holding the passphrase of encrypted private keys.
pub const PASSPHRASE_ENV: &str = "KONVOY_SSH_KEY_PASSPHRASE";

impl ConnectOptions {
    /// Options as OpenSSH would take them from the environment: `$HOME`'s
    /// `~/.ssh/known_hosts` and default identities, `$USER`, the agent when
    /// `SSH_AUTH_SOCK` is set, and the key passphrase from
    /// [`PASSPHRASE_ENV`].
    pub fn from_env() -> ConnectOptions {
        let mut opts = ConnectOptions::default();
        if let Some(home) = std::env::var_os("HOME").map(PathBuf::from) {
            let ssh = home.join(".ssh");
            opts.known_hosts.push(ssh.join("known_hosts"));
            for name in ["id_ed25519", "id_ecdsa", "id_rsa"] {
                opts.default_identities.push(ssh.join(name));
            }
        }
        opts.key_passphrase = std::env::var(PASSPHRASE_ENV).ok().map(Secret::new);
        if let Some(socket) = std::env::var_os("SSH_AUTH_SOCK") {
            opts.agent = AgentUse::Socket(PathBuf::from(socket));
        }
        opts.local_user = std::env::var("USER").ok();
        opts
    }
}

/// Opens a transport to one host: SSH (handshake, host key check and
/// authentication happen now, so an unreachable host fails here) or local.
///
/// # Errors
/// [`TransportError::Unreachable`], [`TransportError::HostKeyMismatch`],
/// [`TransportError::UnknownHostKey`], [`TransportError::Auth`] and other
/// connection errors, each naming the host.
pub fn connect(
    spec: &ConnectionSpec,
    opts: &ConnectOptions,
) -> Result<Box<dyn Transport>, TransportError> {
    match spec.kind {
        ConnectionKind::Local => Ok(Box::new(local::LocalTransport::new(spec.clone()))),
        ConnectionKind::Ssh => Ok(Box::new(ssh::SshTransport::connect(
            spec.clone(),
            opts.clone(),
        )?)),
    }
}

/// Parses `text` as a `known_hosts` file and looks the key blob `key` up
/// for `address:port`, as a connection would, with the host key algorithm
/// order it would ask for; gives a one-line account of the answer. For the
/// fuzz targets (`fuzz/bodies.rs`) and their regression replay; not a
/// stable API.
#[doc(hidden)]
pub fn known_hosts_probe(text: &str, address: &str, port: u16, key: &[u8]) -> String {
    let entries = known_hosts::parse(text, std::path::Path::new("known_hosts"));
    let name = known_hosts::lookup_name(address, port);
    let order = known_hosts::preferred_algorithms(
        &entries,
        &name,
        &[
            "ssh-ed25519",
            "ecdsa-sha2-nistp256",
            "rsa-sha2-512",
            "ssh-rsa",
        ],
    );
    let verdict = match known_hosts::lookup(&entries, &name, key) {
        known_hosts::Lookup::Known(e) => format!("known at {}", e.location()),
        known_hosts::Lookup::Revoked(e) => format!("revoked at {}", e.location()),
        known_hosts::Lookup::Changed(e) => format!("changed, {}", e.location()),
        known_hosts::Lookup::Unknown { ca } => {
            format!("unknown, ca {:?}", ca.map(|e| e.location()))
        }
    };
    format!("{verdict}; {} fp {}", order, known_hosts::fingerprint(key))
}
