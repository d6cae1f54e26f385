//! What every transport does the same way on top of "run this text with
//! this stdin": [`exec`], the atomic [`put`] and the streaming [`fetch`].
//!
//! `put` is one command on one channel, built by [`super::atomic`]: the
//! content and its checksum flow on stdin into a temp file next to the
//! destination, which is verified, synced, given its mode, owner and group
//! and renamed over the destination. Through `su`, which needs a pty and so
//! cannot carry binary stdin, the content is first staged (the same way) as
//! the login user in `/tmp`, then installed by a second command through su.

use super::atomic::{AtomicWrite, Content, Sealed};
use super::command::{nonce, prepare, Prepared};
use super::spec::{Become, BecomeMethod};
use super::{ExecOutput, ExecRequest, Privilege, PutOptions, TransportError};
use crate::shell::quote;
use std::io::{Read, Write};
use std::time::Duration;

/// The one primitive a transport must provide.
pub(crate) trait Runner {
    /// Inventory name of the host.
    fn host_name(&self) -> &str;
    /// The host's become settings.
    fn become_spec(&self) -> Option<&Become>;
    /// Runs `prepared`: sends its payload and then `stdin` (after become
    /// succeeded), streams stdout out; returns the exit code. `display` is
    /// the caller's command, for errors.
    fn run(
        &mut self,
        prepared: Prepared,
        display: &str,
        stdin: &mut dyn Read,
        stdout: &mut dyn Write,
        stderr: &mut Vec<u8>,
        timeout: Option<Duration>,
    ) -> Result<i32, TransportError>;
}

/// [`super::Transport::exec`] for any runner.
pub(crate) fn exec<R: Runner + ?Sized>(
    r: &mut R,
    req: &ExecRequest,
) -> Result<ExecOutput, TransportError> {
    let prepared = prepare(
        r.host_name(),
        r.become_spec(),
        &req.command,
        &req.env,
        req.privilege,
        req.timeout,
    )?;
    let mut stdin: &[u8] = req.stdin.as_deref().unwrap_or(&[]);
    let mut out = ExecOutput::default();
    out.rc = r.run(
        prepared,
        &req.command,
        &mut stdin,
        &mut out.stdout,
        &mut out.stderr,
        req.timeout,
    )?;
    Ok(out)
}

/// [`super::Transport::put`] for any runner.
pub(crate) fn put<R: Runner + ?Sized>(
    r: &mut R,
    src: &mut dyn Read,
    size: u64,
    dest: &str,
    opts: &PutOptions,
) -> Result<(), TransportError> {
    let through_su = opts.privilege == Privilege::Become
        && r.become_spec()
            .is_some_and(|b| b.method == BecomeMethod::Su);
    let mut sealed = Sealed::new(src, size);
    let (rc, stderr) = if through_su {
        let stage = format!("/tmp/.konvoy-stage-{}", nonce());
        let upload = AtomicWrite {
            dest: &stage,
            content: Content::Stdin { size },
            mkdir: false,
        };
        let script = format!("{}{}", upload.begin(), upload.commit());
        let (rc, stderr) = run_script(r, &script, Privilege::User, &mut sealed)?;
        if rc != 0 {
            (rc, stderr)
        } else {
            let install = AtomicWrite {
                dest,
                content: Content::HostFile(&stage),
                mkdir: false,
            };
            let script = format!(
                "{}rm -f -- {}\n",
                install_script(&install, opts),
                quote(&stage)
            );
            let (rc, stderr) = run_script(r, &script, Privilege::Become, &mut std::io::empty())?;
            if rc != 0 {
                // The staged copy goes in any case.
                let clean = format!("rm -f -- {}", quote(&stage));
                let _ = run_script(r, &clean, Privilege::User, &mut std::io::empty());
            }
            (rc, stderr)
        }
    } else {
        let write = AtomicWrite {
            dest,
            content: Content::Stdin { size },
            mkdir: false,
        };
        run_script(
            r,
            &install_script(&write, opts),
            opts.privilege,
            &mut sealed,
        )?
    };
    if let Some(err) = sealed.mismatch() {
        return Err(TransportError::LocalIo {
            host: r.host_name().to_owned(),
            source: err,
        });
    }
    if rc != 0 {
        return Err(TransportError::PutFailed {
            host: r.host_name().to_owned(),
            path: dest.to_owned(),
            rc,
            stderr: String::from_utf8_lossy(&stderr).trim().to_owned(),
        });
    }
    Ok(())
}

/// [`super::Transport::fetch`] for any runner.
pub(crate) fn fetch<R: Runner + ?Sized>(
    r: &mut R,
    src: &str,
    out: &mut dyn Write,
    privilege: Privilege,
) -> Result<u64, TransportError> {
    let command = format!("cat -- {}", quote(src));
    let prepared = prepare(
        r.host_name(),
        r.become_spec(),
        &command,
        &[],
        privilege,
        None,
    )?;
    let mut counting = CountingWriter {
        inner: out,
        count: 0,
    };
    let mut stderr = Vec::new();
    let rc = r.run(
        prepared,
        &command,
        &mut std::io::empty(),
        &mut counting,
        &mut stderr,
        None,
    )?;
    if rc != 0 {
        return Err(TransportError::FetchFailed {
            host: r.host_name().to_owned(),
            path: src.to_owned(),
            rc,
            stderr: String::from_utf8_lossy(&stderr).trim().to_owned(),
        });
    }
    Ok(counting.count)
}

fn run_script<R: Runner + ?Sized>(
    r: &mut R,
    script: &str,
    privilege: Privilege,
    stdin: &mut dyn Read,
) -> Result<(i32, Vec<u8>), TransportError> {
    let prepared = prepare(r.host_name(), r.become_spec(), script, &[], privilege, None)?;
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    let rc = r.run(prepared, script, stdin, &mut stdout, &mut stderr, None)?;
    if !stdout.is_empty() && stderr.is_empty() {
        // su merges stderr into stdout (pty): keep the message.
        stderr = stdout;
    }
    Ok((rc, stderr))
}

/// `write` with [`PutOptions`]' mode, owner and group set on the temp
/// file before it is renamed. Without a mode or owner, an existing
/// destination's are kept; a new file gets 0644.
fn install_script(write: &AtomicWrite<'_>, opts: &PutOptions) -> String {
    let mut s = write.begin();
    match opts.mode {
        Some(mode) => s.push_str(&format!("chmod {mode:04o} \"$t\" || exit 1\n")),
        None => s.push_str(
            "if [ -e \"$d\" ]; then chmod --reference=\"$d\" \"$t\"; else chmod 0644 \"$t\"; fi || exit 1\n",
        ),
    }
    match (&opts.owner, &opts.group) {
        (None, None) => s.push_str(
            "if [ -e \"$d\" ]; then chown --reference=\"$d\" \"$t\" 2>/dev/null || true; fi\n",
        ),
        (owner, group) => {
            if let Some(owner) = owner {
                s.push_str(&format!("chown {} \"$t\" || exit 1\n", quote(owner)));
            }
            if let Some(group) = group {
                s.push_str(&format!("chgrp {} \"$t\" || exit 1\n", quote(group)));
            }
        }
    }
    s.push_str(&write.commit());
    s
}

struct CountingWriter<'a> {
    inner: &'a mut dyn Write,
    count: u64,
}

impl Write for CountingWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.count += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}
