//! [`TransportRemote`]: the modules' view of a host, over a transport.
//! (Interim; the module work provides the full version.)

use crate::modules::{ExecOutput, ModuleError, Remote};
use crate::transport::{ExecRequest, Privilege, PutOptions, Transport};

/// A [`Remote`] over an open transport, with the task's environment and
/// become applied to every command.
pub struct TransportRemote<'a> {
    /// The session.
    pub transport: &'a mut dyn Transport,
    /// Environment for every command.
    pub env: Vec<(String, String)>,
    /// Run commands through become.
    pub become_: bool,
    /// Per-command timeout.
    pub timeout: Option<std::time::Duration>,
    /// Commands sent.
    pub sent: u64,
}

impl TransportRemote<'_> {
    fn privilege(&self) -> Privilege {
        if self.become_ {
            Privilege::Become
        } else {
            Privilege::User
        }
    }
}

impl Remote for TransportRemote<'_> {
    fn exec(&mut self, script: &str, stdin: Option<&[u8]>) -> Result<ExecOutput, ModuleError> {
        self.sent += 1;
        let out = self.transport.exec(&ExecRequest {
            command: script.to_owned(),
            env: self.env.clone(),
            stdin: stdin.map(<[u8]>::to_vec),
            timeout: self.timeout,
            privilege: self.privilege(),
        })?;
        Ok(ExecOutput {
            stdout: out.stdout,
            stderr: out.stderr,
            rc: out.rc,
        })
    }

    fn put(&mut self, data: &[u8], dest: &str, mode: Option<u32>) -> Result<(), ModuleError> {
        self.sent += 1;
        let mut r = data;
        self.transport.put(
            &mut r,
            data.len() as u64,
            dest,
            &PutOptions {
                mode,
                privilege: self.privilege(),
                ..PutOptions::default()
            },
        )?;
        Ok(())
    }

    fn fetch(&mut self, path: &str) -> Result<Vec<u8>, ModuleError> {
        self.sent += 1;
        let mut out = Vec::new();
        self.transport.fetch(path, &mut out, self.privilege())?;
        Ok(out)
    }
}
