//! [`TransportRemote`]: the [`Remote`] modules talk to, over one host's
//! [`Transport`], with the task's environment and privilege applied to
//! every command.

use super::trace::{Meter, Phase};
use crate::modules::{ExecOutput, ModuleError, Remote};
use crate::transport::{ExecRequest, Privilege, PutOptions, Transport, TransportError};
use std::time::{Duration, Instant};

/// Probe answers an apply carried back, with the host's write stamp
/// right after it (see `piggyback.rs`).
pub(crate) type Carried = ((u64, u64), Vec<(String, ExecOutput)>);

/// A module's view of one host for one task.
///
/// Borrowing the transport (rather than owning it) lets the executor keep
/// one connection per host and lend it to each task in turn.
pub struct TransportRemote<'a> {
    transport: &'a mut dyn Transport,
    env: Vec<(String, String)>,
    privilege: Privilege,
    timeout: Option<Duration>,
    deadline: Option<Instant>,
    meter: Option<&'a Meter>,
    /// Probes to send with the next apply (see `piggyback.rs`).
    piggyback: Vec<String>,
    /// Their answers, with the host's write stamp right after the apply
    /// that carried them.
    answers: Option<Carried>,
    /// Loop items' applies the next apply carries (see `ahead.rs`).
    ahead: Vec<super::ahead::Planned>,
    /// What of them ran.
    applied: Vec<super::ahead::Applied>,
    /// This item's apply, already run (sent ahead): its text and output.
    preapplied: Option<(String, Option<ExecOutput>)>,
}

impl<'a> TransportRemote<'a> {
    /// A remote running as the login user, with no environment.
    pub fn new(transport: &'a mut dyn Transport) -> TransportRemote<'a> {
        TransportRemote {
            transport,
            env: Vec::new(),
            privilege: Privilege::User,
            timeout: None,
            deadline: None,
            meter: None,
            piggyback: Vec::new(),
            answers: None,
            ahead: Vec::new(),
            applied: Vec::new(),
            preapplied: None,
        }
    }

    /// Loop items' applies the next apply carries (see `ahead.rs`); only
    /// with a meter and no time limit, like [`Self::piggyback`].
    #[must_use]
    pub(crate) fn ahead(mut self, steps: Vec<super::ahead::Planned>) -> TransportRemote<'a> {
        self.ahead = steps;
        self
    }

    /// The applies sent ahead that ran.
    pub(crate) fn take_applied(&mut self) -> Vec<super::ahead::Applied> {
        std::mem::take(&mut self.applied)
    }

    /// This item's apply ran already, sent ahead: the module's apply of
    /// that exact text gets its output instead of being sent.
    #[must_use]
    pub(crate) fn preapplied(
        mut self,
        script: String,
        output: Option<ExecOutput>,
    ) -> TransportRemote<'a> {
        self.preapplied = Some((script, output));
        self
    }

    /// Whether an apply sent ahead was not asked for (it must be: the
    /// module decided on the same answers).
    pub(crate) fn preapplied_unused(&self) -> bool {
        self.preapplied.is_some()
    }

    /// Probes each apply carries (see `piggyback.rs`); only with a meter
    /// (to stamp the answers) and no time limit.
    #[must_use]
    pub(crate) fn piggyback(mut self, probes: Vec<String>) -> TransportRemote<'a> {
        self.piggyback = probes;
        self
    }

    /// The answers the last apply carried back, with the write stamp
    /// right after it.
    pub(crate) fn take_answers(&mut self) -> Option<Carried> {
        self.answers.take()
    }

    /// The task's `environment:` (inlined into every command).
    #[must_use]
    pub fn env(mut self, env: Vec<(String, String)>) -> TransportRemote<'a> {
        self.env = env;
        self
    }

    /// Run commands and write files through become (`become: true`).
    #[must_use]
    pub fn privilege(mut self, privilege: Privilege) -> TransportRemote<'a> {
        self.privilege = privilege;
        self
    }

    /// A limit for each command on its own (`--timeout`).
    #[must_use]
    pub fn timeout(mut self, timeout: Option<Duration>) -> TransportRemote<'a> {
        self.timeout = timeout;
        self
    }

    /// A point in time every command must end by (the task's `timeout:`):
    /// each command gets what is left of it.
    #[must_use]
    pub fn deadline(mut self, deadline: Option<Instant>) -> TransportRemote<'a> {
        self.deadline = deadline;
        self
    }

    /// The host's meter, so the module's own probes are counted as probes
    /// (the transport is lent through `trace::Traced`, which counts them).
    #[must_use]
    pub(crate) fn meter(mut self, meter: &'a Meter) -> TransportRemote<'a> {
        self.meter = Some(meter);
        self
    }

    /// The limit for the next command: the per-command one, cut to what
    /// is left before the deadline; `Err` when nothing is left.
    fn limit(&self, command: &str) -> Result<Option<Duration>, TransportError> {
        let Some(d) = self.deadline else {
            return Ok(self.timeout);
        };
        let left = d.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(TransportError::Timeout {
                host: self.transport.host().to_owned(),
                command: command
                    .lines()
                    .next()
                    .unwrap_or("")
                    .chars()
                    .take(120)
                    .collect(),
                after: Duration::ZERO,
            });
        }
        Ok(Some(self.timeout.map_or(left, |t| t.min(left))))
    }
}

impl TransportRemote<'_> {
    /// One command, as it is.
    fn send(&mut self, script: &str, stdin: Option<&[u8]>) -> Result<ExecOutput, ModuleError> {
        let timeout = self.limit(script)?;
        let req = ExecRequest {
            command: script.to_owned(),
            env: self.env.clone(),
            stdin: stdin.map(<[u8]>::to_vec),
            timeout,
            privilege: self.privilege,
        };
        let out = self.transport.exec(&req)?;
        Ok(ExecOutput {
            stdout: out.stdout,
            stderr: out.stderr,
            rc: out.rc,
        })
    }
}

impl Remote for TransportRemote<'_> {
    fn exec(&mut self, script: &str, stdin: Option<&[u8]>) -> Result<ExecOutput, ModuleError> {
        if let Some((sent, output)) = self.preapplied.take() {
            if sent != script || stdin.is_some() {
                return Err(ModuleError::Ahead(
                    "internal error: this loop item's apply was sent ahead of it, \
                     and the module asked for another one"
                        .into(),
                ));
            }
            if let Some(m) = self.meter {
                m.wrote();
            }
            return output.ok_or_else(|| {
                ModuleError::Ahead(
                    "this loop item's apply ran (sent with the item before it), \
                     but its output was lost on the way back"
                        .into(),
                )
            });
        }
        let Some(meter) = self.meter else {
            return self.send(script, stdin);
        };
        let ahead = std::mem::take(&mut self.ahead);
        if !ahead.is_empty() && self.timeout.is_none() && self.deadline.is_none() {
            self.answers = None;
            let separator = format!("konvoy-ahead-{}", crate::transport::nonce());
            let pad = crate::transport::env_lines(&self.env);
            let out = self.send(
                &super::ahead::script(script, &ahead, &separator, pad),
                stdin,
            )?;
            let (out, applied) = super::ahead::split(out, &separator, &ahead);
            self.applied = applied;
            return Ok(out);
        }
        if self.piggyback.is_empty() || self.timeout.is_some() || self.deadline.is_some() {
            return self.send(script, stdin);
        }
        // An earlier apply's answers are stale once this one runs.
        self.answers = None;
        let separator = format!("konvoy-piggyback-{}", crate::transport::nonce());
        let probes = self.piggyback.clone();
        let out = self.send(
            &super::piggyback::script(
                script,
                &probes,
                &separator,
                crate::transport::env_lines(&self.env),
            ),
            stdin,
        )?;
        let stamp = meter.stamp();
        let (out, answers) = super::piggyback::split(out, &separator, probes.len());
        if let Some(a) = answers {
            self.answers = Some((stamp, probes.into_iter().zip(a).collect()));
        }
        Ok(out)
    }

    fn probe(&mut self, script: &str) -> Result<ExecOutput, ModuleError> {
        let _probe = self.meter.map(|m| m.phase(Phase::Probes));
        self.send(script, None)
    }

    fn put(&mut self, data: &[u8], dest: &str, mode: Option<u32>) -> Result<(), ModuleError> {
        let opts = PutOptions {
            mode,
            privilege: self.privilege,
            ..PutOptions::default()
        };
        let mut src = data;
        self.transport
            .put(&mut src, data.len() as u64, dest, &opts)?;
        Ok(())
    }

    fn fetch(&mut self, path: &str) -> Result<Vec<u8>, ModuleError> {
        let mut buf = Vec::new();
        self.transport.fetch(path, &mut buf, self.privilege)?;
        Ok(buf)
    }
}

/// For unit tests of the scripts batching builds: a script run by the
/// controller's `sh` with `stdin`, as a host would run it.
#[cfg(test)]
pub(crate) mod local_sh {
    use crate::modules::ExecOutput;

    pub(crate) fn sh(script: &str, stdin: &[u8]) -> ExecOutput {
        use std::io::Write;
        let mut child = std::process::Command::new("sh")
            .arg("-c")
            .arg(script)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn sh");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(stdin)
            .expect("write stdin");
        let o = child.wait_with_output().expect("sh output");
        ExecOutput {
            stdout: o.stdout,
            stderr: o.stderr,
            rc: o.status.code().unwrap_or(-1),
        }
    }
}
