//! `transport`: running commands and moving files on one host, over SSH
//! (`ssh2`, one session per host) or locally. Knows nothing about Ansible.

mod spec;

pub use spec::{Become, BecomeMethod, ConnectionKind, ConnectionSpec, HostKeyChecking, JumpHost};

/// A transport failure (interim stand-in).
#[derive(Debug, thiserror::Error)]
#[error("{host}: {message}")]
pub struct TransportError {
    /// The host.
    pub host: String,
    /// What failed.
    pub message: String,
}

impl TransportError {
    /// Whether the host should be reported unreachable.
    pub fn is_unreachable(&self) -> bool {
        true
    }
}

/// A command to run (interim stand-in).
#[derive(Clone, Debug, Default)]
pub struct ExecRequest {
    /// Shell text.
    pub command: String,
    /// Environment.
    pub env: Vec<(String, String)>,
    /// Stdin.
    pub stdin: Option<Vec<u8>>,
    /// Timeout.
    pub timeout: Option<std::time::Duration>,
    /// Become.
    pub become_: bool,
}

/// A command's output (interim stand-in).
#[derive(Clone, Debug, Default)]
pub struct ExecOutput {
    /// Stdout.
    pub stdout: Vec<u8>,
    /// Stderr.
    pub stderr: Vec<u8>,
    /// Exit code.
    pub rc: i32,
}

/// Put options (interim stand-in).
#[derive(Clone, Debug, Default)]
pub struct PutOptions {
    /// Mode.
    pub mode: Option<u32>,
    /// Become.
    pub become_: bool,
}

/// A connection to one host (interim stand-in).
pub trait Transport: Send {
    /// Runs a command.
    fn exec(&mut self, req: &ExecRequest) -> Result<ExecOutput, TransportError>;
    /// Writes a file atomically.
    fn put(
        &mut self,
        src: &mut dyn std::io::Read,
        size: u64,
        dest: &str,
        opts: &PutOptions,
    ) -> Result<(), TransportError>;
    /// Reads a file.
    fn fetch(&mut self, src: &str, out: &mut dyn std::io::Write) -> Result<u64, TransportError>;
    /// Closes.
    fn close(&mut self);
}

/// Opens a transport (interim stand-in: local only).
pub fn connect(spec: &ConnectionSpec) -> Result<Box<dyn Transport>, TransportError> {
    Ok(Box::new(Local(spec.name.clone())))
}

struct Local(String);

impl Transport for Local {
    fn exec(&mut self, req: &ExecRequest) -> Result<ExecOutput, TransportError> {
        use std::io::Write;
        let mut child = std::process::Command::new("/bin/sh")
            .arg("-c")
            .arg(&req.command)
            .envs(req.env.iter().map(|(k, v)| (k, v)))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .map_err(|e| TransportError {
                host: self.0.clone(),
                message: e.to_string(),
            })?;
        if let Some(mut si) = child.stdin.take() {
            let _ = si.write_all(req.stdin.as_deref().unwrap_or_default());
        }
        let out = child.wait_with_output().map_err(|e| TransportError {
            host: self.0.clone(),
            message: e.to_string(),
        })?;
        Ok(ExecOutput {
            stdout: out.stdout,
            stderr: out.stderr,
            rc: out.status.code().unwrap_or(-1),
        })
    }
    fn put(
        &mut self,
        src: &mut dyn std::io::Read,
        _size: u64,
        dest: &str,
        opts: &PutOptions,
    ) -> Result<(), TransportError> {
        let err = |e: std::io::Error| TransportError {
            host: self.0.clone(),
            message: e.to_string(),
        };
        let tmp = format!("{dest}.konvoy-tmp");
        let mut f = std::fs::File::create(&tmp).map_err(err)?;
        std::io::copy(src, &mut f).map_err(err)?;
        if let Some(m) = opts.mode {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(m)).map_err(err)?;
        }
        std::fs::rename(&tmp, dest).map_err(err)
    }
    fn fetch(&mut self, src: &str, out: &mut dyn std::io::Write) -> Result<u64, TransportError> {
        let err = |e: std::io::Error| TransportError {
            host: self.0.clone(),
            message: e.to_string(),
        };
        let mut f = std::fs::File::open(src).map_err(err)?;
        std::io::copy(&mut f, out).map_err(err)
    }
    fn close(&mut self) {}
}
