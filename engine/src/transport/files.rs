//! What every transport does the same way on top of "run this text with
//! this stdin": [`exec`], and the atomic [`put`] and streaming [`fetch`].
//!
//! `put` is one command on one channel: the content flows on stdin into a
//! temp file next to the destination, whose size is checked before mode,
//! owner and group are set and it is renamed over the destination. A
//! transfer cut off half-way fails the size check (or kills the shell), so
//! the destination keeps its old content. Through `su`, which needs a pty
//! and so cannot carry binary stdin, the content is first staged as the
//! login user in `/tmp`, then installed by a second command through su.

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
    /// Runs `prepared`, streaming `stdin` in (after become succeeded) and
    /// stdout out; returns the exit code. `display` is the caller's command,
    /// for errors.
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
    let mut counted = CountingReader {
        inner: src,
        count: 0,
        failed: None,
    };
    let (rc, stderr) = if through_su {
        let stage = format!("/tmp/.konvoy-stage-{}", nonce());
        let upload = format!(
            "umask 077; cat > {s} && [ $(wc -c < {s}) -eq {size} ] || {{ rm -f {s}; echo 'short upload' >&2; exit 3; }}",
            s = quote(&stage)
        );
        let (rc, stderr) = run_script(r, &upload, Privilege::User, &mut counted)?;
        if rc != 0 {
            (rc, stderr)
        } else {
            let install = install_script(
                dest,
                opts,
                &format!("cat {}", quote(&stage)),
                Some(&stage),
                size,
            );
            run_script(r, &install, Privilege::Become, &mut std::io::empty())?
        }
    } else {
        let script = install_script(dest, opts, "cat", None, size);
        run_script(r, &script, opts.privilege, &mut counted)?
    };
    if let Some(err) = counted.failed {
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
    if counted.count != size {
        return Err(TransportError::LocalIo {
            host: r.host_name().to_owned(),
            source: std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                format!("source gave {} bytes, {size} announced", counted.count),
            ),
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
    let prepared = prepare(r.host_name(), r.become_spec(), &command, &[], privilege)?;
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
    let prepared = prepare(r.host_name(), r.become_spec(), script, &[], privilege)?;
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    let rc = r.run(prepared, script, stdin, &mut stdout, &mut stderr, None)?;
    if !stdout.is_empty() && stderr.is_empty() {
        // su merges stderr into stdout (pty): keep the message.
        stderr = stdout;
    }
    Ok((rc, stderr))
}

/// The shell script that writes `source`'s output to a temp file next to
/// `dest`, checks its size, sets mode/owner/group and renames it.
fn install_script(
    dest: &str,
    opts: &PutOptions,
    source: &str,
    stage: Option<&str>,
    size: u64,
) -> String {
    let (dir, base) = match dest.rfind('/') {
        Some(0) => ("/", &dest[1..]),
        Some(i) => (&dest[..i], &dest[i + 1..]),
        None => (".", dest),
    };
    let tmp = format!(
        "{}/.{base}.konvoy-{}.tmp",
        dir.trim_end_matches('/'),
        nonce()
    );
    let t = quote(&tmp);
    let d = quote(dest);
    let mut s = String::with_capacity(512);
    // A lost connection closes our pipes: without this, the `echo` of an
    // error would die of SIGPIPE before the EXIT trap removes the temp file.
    s.push_str("set -e\ntrap '' PIPE HUP\n");
    // The paths go into variables first: a quoted path cannot sit inside
    // the trap's own single quotes.
    s.push_str(&format!(
        "konvoy_t={t}\nkonvoy_s={}\n",
        quote(stage.unwrap_or(""))
    ));
    s.push_str("trap 'rm -f -- \"$konvoy_t\" ${konvoy_s:+\"$konvoy_s\"}' EXIT\n");
    // Temp files of earlier puts cut off by a lost connection (whose shell
    // was killed before its trap ran) are removed here.
    s.push_str(&format!(
        "rm -f -- {}/.{}.konvoy-*.tmp\n",
        quote(dir.trim_end_matches('/')),
        quote(base)
    ));
    s.push_str(&format!("umask 077\n{source} > {t}\n"));
    s.push_str(&format!(
        "n=$(wc -c < {t}); if [ $n -ne {size} ]; then echo \"short transfer: $n of {size} bytes\" >&2; exit 3; fi\n"
    ));
    match opts.mode {
        Some(mode) => s.push_str(&format!("chmod {mode:04o} {t}\n")),
        None => s.push_str(&format!(
            "if [ -e {d} ]; then chmod --reference={d} {t}; else chmod 0644 {t}; fi\n"
        )),
    }
    match (&opts.owner, &opts.group) {
        (None, None) => s.push_str(&format!(
            "if [ -e {d} ]; then chown --reference={d} {t} 2>/dev/null || true; fi\n"
        )),
        (owner, group) => {
            if let Some(owner) = owner {
                s.push_str(&format!("chown {} {t}\n", quote(owner)));
            }
            if let Some(group) = group {
                s.push_str(&format!("chgrp {} {t}\n", quote(group)));
            }
        }
    }
    s.push_str(&format!("mv -f {t} {d}\n"));
    s
}

struct CountingReader<'a> {
    inner: &'a mut dyn Read,
    count: u64,
    failed: Option<std::io::Error>,
}

impl Read for CountingReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self.inner.read(buf) {
            Ok(n) => {
                self.count += n as u64;
                Ok(n)
            }
            Err(e) => {
                let kind = e.kind();
                self.failed = Some(e);
                Err(std::io::Error::new(kind, "local source failed"))
            }
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    /// The install script, run by the real `sh` on this machine, replaces
    /// the file only when the size matches.
    #[test]
    fn install_script_is_atomic_and_size_checked() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("f.txt");
        std::fs::write(&dest, "old").unwrap();
        let dest_s = dest.to_str().unwrap();
        let opts = PutOptions {
            mode: Some(0o600),
            ..PutOptions::default()
        };
        let run = |script: String, input: &str| {
            let mut child = Command::new("sh")
                .arg("-c")
                .arg(script)
                .stdin(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            child
                .stdin
                .take()
                .unwrap()
                .write_all(input.as_bytes())
                .unwrap();
            child.wait_with_output().unwrap()
        };
        let short = run(install_script(dest_s, &opts, "cat", None, 10), "new");
        assert_eq!(short.status.code(), Some(3));
        assert!(String::from_utf8_lossy(&short.stderr).contains("short transfer: 3 of 10 bytes"));
        assert_eq!(std::fs::read_to_string(&dest).unwrap(), "old");
        let ok = run(install_script(dest_s, &opts, "cat", None, 3), "new");
        assert!(ok.status.success());
        assert_eq!(std::fs::read_to_string(&dest).unwrap(), "new");
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&dest).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(leftovers, 1, "temp files were cleaned up");
    }
}
