//! The one way a file is written on a host: [`Transport::put`] and every
//! module that writes a file (`copy`, `template`, `lineinfile`, ...) build
//! their shell text from [`AtomicWrite`].
//!
//! The new content streams into a temp file in the destination's own
//! directory (so the final `rename(2)` never crosses a filesystem), named
//! `.konvoy-tmp.<pid>-<start>.<random>` after the controller process that
//! wrote it. The stream is the content followed by a [`trailer`] holding
//! its sha256; the host checks the length and the checksum, so a stream
//! cut off anywhere (controller killed, connection lost, disk full) can
//! never be installed: the destination keeps its old content. Then the
//! temp file is fsynced, renamed over the destination, and the directory
//! is fsynced, so after a crash of the host the destination is the old or
//! the new content, never a mix.
//!
//! Clean-up: the writing shell removes its temp file on every exit it
//! lives through (a refused checksum, a failed `chmod`, a lost
//! connection). A shell that is killed outright (SIGKILL, host crash)
//! leaves it behind; every later write into the same directory sweeps
//! such files. A writer holds an `flock` on its temp file while it works,
//! so the sweep removes exactly the files no live writer holds (where
//! `flock(1)` is missing, files untouched for an hour).
//!
//! [`Transport::put`]: super::Transport::put

use crate::shell::quote;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::sync::OnceLock;

/// Bytes of the trailer after the content: 64 hex digits and `\n`.
pub(crate) const TRAILER_LEN: u64 = 65;

/// The prefix of every temp file this tool creates next to a destination.
pub(crate) const TEMP_PREFIX: &str = ".konvoy-tmp.";

/// Exit code of a write refused because the content arrived incomplete
/// or corrupted.
pub(crate) const REFUSED_RC: i32 = 3;

/// Where the new content comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Content<'a> {
    /// `size` bytes on stdin, then the [`trailer`] (see [`Sealed`]).
    Stdin {
        /// Length of the content, trailer excluded.
        size: u64,
    },
    /// A file already on the host (`remote_src`, a staged upload).
    HostFile(&'a str),
    /// What a command prints (a download); when the command fails the
    /// write stops with exit code `fail_rc`.
    Command {
        /// Shell text writing the content to stdout.
        command: &'a str,
        /// Exit code of the write when it fails.
        fail_rc: i32,
    },
    /// Short text carried in the script itself (which arrives whole or not
    /// at all: see `command.rs`).
    Text(&'a str),
}

/// One atomic file write, as shell text in two halves: [`begin`] leaves
/// the verified, synced new content in the temp file `"$t"` next to the
/// destination `"$d"`; the caller may then set mode, owner, take a backup
/// or validate, each `|| exit 1` on failure (the temp file goes with the
/// shell); [`commit`] renames it into place.
///
/// [`begin`]: AtomicWrite::begin
/// [`commit`]: AtomicWrite::commit
#[derive(Clone, Copy, Debug)]
pub(crate) struct AtomicWrite<'a> {
    /// Destination path.
    pub(crate) dest: &'a str,
    /// The new content.
    pub(crate) content: Content<'a>,
    /// Create the destination's directory first.
    pub(crate) mkdir: bool,
}

/// The directory part of `path` (`.` for a bare name, `/` for `/x`).
pub(crate) fn parent(path: &str) -> &str {
    match path.rsplit_once('/') {
        Some(("", _)) => "/",
        Some((d, _)) => d,
        None => ".",
    }
}

/// `<pid>-<start>.<random>`: which controller process wrote a temp file
/// (its pid and the Unix time it first wrote), and which write.
pub(crate) fn temp_name() -> String {
    static START: OnceLock<u64> = OnceLock::new();
    let start = *START.get_or_init(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    });
    format!(
        "{TEMP_PREFIX}{}-{start}.{}",
        std::process::id(),
        super::command::nonce()
    )
}

impl AtomicWrite<'_> {
    /// Shell text up to a verified, synced temp file: sweeps stale temp
    /// files of earlier writes, creates the temp file (mode 0600, locked),
    /// fills it, checks it and syncs it. Sets `t` (temp) and `d` (dest).
    pub(crate) fn begin(&self) -> String {
        self.start(false)
    }

    /// [`AtomicWrite::begin`] for a destination that may be a symbolic
    /// link: the link's target is written and the link kept, as Ansible's
    /// `atomic_move` does (`/etc/pam.d` files, `sources.list` links).
    pub(crate) fn begin_following_links(&self) -> String {
        self.start(true)
    }

    fn start(&self, follow: bool) -> String {
        let mut s = String::with_capacity(1024);
        if follow {
            s.push_str(&format!(
                "konvoy_d={}\nif [ -L \"$konvoy_d\" ]; then konvoy_d=$(readlink -f -- \"$konvoy_d\") || exit 1; fi\n\
                 konvoy_p=$(dirname -- \"$konvoy_d\")\n",
                quote(self.dest),
            ));
        } else {
            s.push_str(&format!(
                "konvoy_d={}\nkonvoy_p={}\n",
                quote(self.dest),
                quote(parent(self.dest))
            ));
        }
        if self.mkdir {
            s.push_str("mkdir -p -- \"$konvoy_p\" || exit 1\n");
        }
        s.push_str(concat!(
            "for konvoy_f in \"$konvoy_p\"/.konvoy-tmp.*; do [ -f \"$konvoy_f\" ] || continue; ",
            "if command -v flock >/dev/null 2>&1; then flock -n \"$konvoy_f\" rm -f -- \"$konvoy_f\"; ",
            "else find \"$konvoy_f\" -prune -mmin +60 -exec rm -f -- {} \\; ; fi; done\n",
        ));
        s.push_str(&format!("konvoy_t=\"$konvoy_p\"/{}\n", quote(&temp_name())));
        // A lost connection closes our pipes: without ignoring SIGPIPE and
        // SIGHUP, the `echo` of an error would kill the shell before the
        // EXIT trap removes the temp file.
        s.push_str(concat!(
            "trap 'rm -f -- \"$konvoy_t\"' EXIT\ntrap '' PIPE HUP\n",
            "konvoy_m=$(umask); umask 077; exec 9>\"$konvoy_t\" || exit 1; umask \"$konvoy_m\"\n",
            "if command -v flock >/dev/null 2>&1; then flock -n 9; fi\n",
        ));
        match self.content {
            Content::Stdin { size } => {
                // Exactly the sealed length, not "until EOF": through
                // `su`'s terminal the channel's EOF never reaches the
                // command, so `cat` would wait for ever.
                s.push_str(&format!("head -c {} >&9 || exit 1\n", size + TRAILER_LEN));
                s.push_str(&verify_received(size));
            }
            Content::HostFile(src) => {
                s.push_str(&format!("cat -- {} >&9 || exit 1\n", quote(src)));
            }
            Content::Command { command, fail_rc } => {
                s.push_str(&format!("{{ {command}; }} >&9 || exit {fail_rc}\n"));
            }
            Content::Text(text) => {
                s.push_str(&format!("printf %s {} >&9 || exit 1\n", quote(text)));
            }
        }
        s.push_str("sync -- \"$konvoy_t\" 2>/dev/null || sync\nt=$konvoy_t; d=$konvoy_d\n");
        s
    }

    /// Renames the temp file over the destination and syncs the
    /// directory; from here on the shell no longer removes anything.
    pub(crate) fn commit(&self) -> String {
        String::from(concat!(
            "exec 9>&-\nmv -f -- \"$konvoy_t\" \"$konvoy_d\" || exit 1\ntrap - EXIT\n",
            "sync -- \"$konvoy_p\" 2>/dev/null || sync\n",
        ))
    }
}

/// Shell text checking the stream of `size` bytes and its [`trailer`]
/// received in the file `"$konvoy_t"`: length, then checksum, then the
/// trailer cut off; on a mismatch it says so, naming `"$konvoy_d"` as
/// unchanged, and exits [`REFUSED_RC`]. For a step that receives a
/// sealed stream without writing a destination itself (a crontab).
pub(crate) fn verify_received(size: u64) -> String {
    let total = size + TRAILER_LEN;
    format!("konvoy_n=$(wc -c < \"$konvoy_t\") || exit 1\n\
                     if [ \"$konvoy_n\" -ne {total} ]; then echo \"konvoy: transfer cut short \
                     ($konvoy_n of {total} bytes); $konvoy_d is unchanged\" >&2; exit {REFUSED_RC}; fi\n\
                     konvoy_h=$(tail -c {TRAILER_LEN} \"$konvoy_t\") && truncate -s {size} \"$konvoy_t\" || exit 1\n\
                     konvoy_g=$(sha256sum < \"$konvoy_t\") || exit 1\n\
                     if [ \"${{konvoy_g%% *}}\" != \"$konvoy_h\" ]; then echo \"konvoy: checksum \
                     mismatch after transfer; $konvoy_d is unchanged\" >&2; exit {REFUSED_RC}; fi\n")
}

/// The trailer for `content`: its sha256 in hex and a newline.
pub(crate) fn trailer(content: &[u8]) -> Vec<u8> {
    let mut t = hex::encode(Sha256::digest(content)).into_bytes();
    t.push(b'\n');
    t
}

/// A reader giving `size` bytes of `inner` then their [`trailer`],
/// computed on the way. When `inner` gives fewer or more bytes than
/// announced, the trailer is deliberately wrong, so the host refuses the
/// file; [`Sealed::mismatch`] then says what happened.
pub(crate) struct Sealed<'a> {
    inner: &'a mut dyn Read,
    size: u64,
    count: u64,
    hasher: Sha256,
    trailer: Option<(Vec<u8>, usize)>,
    excess: bool,
    failed: Option<std::io::Error>,
}

impl<'a> Sealed<'a> {
    /// Seals `size` bytes of `inner`.
    pub(crate) fn new(inner: &'a mut dyn Read, size: u64) -> Sealed<'a> {
        Sealed {
            inner,
            size,
            count: 0,
            hasher: Sha256::new(),
            trailer: None,
            excess: false,
            failed: None,
        }
    }

    /// Why the content did not match what was announced (`None`: it did).
    pub(crate) fn mismatch(&mut self) -> Option<std::io::Error> {
        if let Some(e) = self.failed.take() {
            return Some(e);
        }
        // Not read to the end: the host stopped early (its error says why).
        self.trailer.as_ref()?;
        if self.count != self.size || self.excess {
            let what = if self.excess {
                "more than".to_owned()
            } else {
                format!("{} bytes,", self.count)
            };
            return Some(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                format!("source gave {what} {} announced", self.size),
            ));
        }
        None
    }

    fn seal(&mut self) {
        let mut extra = [0u8; 1];
        self.excess =
            self.count == self.size && matches!(self.inner.read(&mut extra), Ok(n) if n > 0);
        let digest = std::mem::take(&mut self.hasher).finalize();
        let mut t = if self.count == self.size && !self.excess {
            hex::encode(digest).into_bytes()
        } else {
            vec![b'0'; 64]
        };
        t.push(b'\n');
        self.trailer = Some((t, 0));
    }
}

impl Read for Sealed<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.trailer.is_none() {
            let want = (self.size - self.count).min(buf.len() as u64) as usize;
            let n = if want == 0 {
                0
            } else {
                match self.inner.read(&mut buf[..want]) {
                    Ok(n) => n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => return Err(e),
                    Err(e) => {
                        let kind = e.kind();
                        self.failed = Some(e);
                        return Err(std::io::Error::new(kind, "local source failed"));
                    }
                }
            };
            if n > 0 {
                self.hasher.update(&buf[..n]);
                self.count += n as u64;
                return Ok(n);
            }
            self.seal();
        }
        let Some((t, pos)) = self.trailer.as_mut() else {
            return Ok(0);
        };
        let n = (t.len() - *pos).min(buf.len());
        buf[..n].copy_from_slice(&t[*pos..*pos + n]);
        *pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::os::unix::fs::PermissionsExt;
    use std::process::{Command, Stdio};

    /// A file name with every quoting hazard: a shell that ever ran part
    /// of it would create `pwned` or `pwned2`.
    const NASTY: &str = "f x'\"$(touch pwned)`touch pwned2`;*";

    /// Runs `script` with the machine's `sh` in `dir`, feeding `input`.
    fn sh(dir: &std::path::Path, script: &str, input: &[u8]) -> (i32, String) {
        let mut child = Command::new("sh")
            .current_dir(dir)
            .arg("-c")
            .arg(script)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut pipe = child.stdin.take().unwrap();
        let data = input.to_vec();
        let writer = std::thread::spawn(move || {
            let _ = pipe.write_all(&data);
        });
        let out = child.wait_with_output().unwrap();
        writer.join().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn write(dest: &str, size: u64) -> String {
        let w = AtomicWrite {
            dest,
            content: Content::Stdin { size },
            mkdir: false,
        };
        format!("{}chmod 0640 \"$t\" || exit 1\n{}", w.begin(), w.commit())
    }

    fn names(dir: &std::path::Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn verified_content_replaces_the_destination() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join(NASTY);
        std::fs::write(&dest, "old").unwrap();
        let d = dest.to_str().unwrap();
        let mut input = b"new".to_vec();
        input.extend(trailer(b"new"));
        assert_eq!(sh(dir.path(), &write(d, 3), &input), (0, String::new()));
        assert_eq!(std::fs::read_to_string(&dest).unwrap(), "new");
        let mode = std::fs::metadata(&dest).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o640);
        assert_eq!(names(dir.path()), [NASTY]);
    }

    #[test]
    fn a_cut_or_corrupted_stream_leaves_the_old_content_and_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join(NASTY);
        std::fs::write(&dest, "old").unwrap();
        let d = dest.to_str().unwrap();
        let mut full = b"new content".to_vec();
        full.extend(trailer(b"new content"));
        // Cut anywhere: in the content, in the trailer, before its newline.
        for cut in [0, 4, 11, 20, full.len() - 1] {
            let (rc, err) = sh(dir.path(), &write(d, 11), &full[..cut]);
            assert_eq!(rc, REFUSED_RC, "cut at {cut}: {err}");
            assert!(err.contains("transfer cut short"), "{err}");
        }
        let mut flipped = full.clone();
        flipped[2] ^= 1;
        let (rc, err) = sh(dir.path(), &write(d, 11), &flipped);
        assert_eq!(rc, REFUSED_RC);
        assert!(err.contains("checksum mismatch"), "{err}");
        assert_eq!(std::fs::read_to_string(&dest).unwrap(), "old");
        assert_eq!(names(dir.path()), [NASTY]);
    }

    #[test]
    fn stale_temp_files_are_swept_but_not_a_live_writers() {
        let dir = tempfile::tempdir().unwrap();
        let stale = dir.path().join(".konvoy-tmp.1-2.dead");
        let live = dir.path().join(".konvoy-tmp.3-4.live");
        std::fs::write(&stale, "partial").unwrap();
        std::fs::write(&live, "partial").unwrap();
        let mut holder = Command::new("flock")
            .arg(&live)
            .args(["sleep", "30"])
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(200));
        let dest = dir.path().join("f");
        let mut input = b"x".to_vec();
        input.extend(trailer(b"x"));
        assert_eq!(
            sh(dir.path(), &write(dest.to_str().unwrap(), 1), &input).0,
            0
        );
        let _ = holder.kill();
        let _ = holder.wait();
        assert_eq!(names(dir.path()), [".konvoy-tmp.3-4.live", "f"]);
    }

    #[test]
    fn sealed_reader_appends_the_checksum_or_a_wrong_one() {
        let mut src: &[u8] = b"hello";
        let mut sealed = Sealed::new(&mut src, 5);
        let mut out = Vec::new();
        sealed.read_to_end(&mut out).unwrap();
        assert!(sealed.mismatch().is_none());
        assert_eq!(out, [&b"hello"[..], &trailer(b"hello")].concat());

        let mut short: &[u8] = b"hel";
        let mut sealed = Sealed::new(&mut short, 5);
        let mut out = Vec::new();
        sealed.read_to_end(&mut out).unwrap();
        assert_eq!(&out[3..], format!("{}\n", "0".repeat(64)).as_bytes());
        assert_eq!(
            sealed.mismatch().unwrap().to_string(),
            "source gave 3 bytes, 5 announced"
        );

        let mut long: &[u8] = b"hello!";
        let mut sealed = Sealed::new(&mut long, 5);
        let mut out = Vec::new();
        sealed.read_to_end(&mut out).unwrap();
        assert_eq!(out.len(), 5 + TRAILER_LEN as usize);
        assert!(sealed.mismatch().is_some());
    }

    #[test]
    fn parent_of_paths() {
        assert_eq!(parent("/etc/x"), "/etc");
        assert_eq!(parent("/x"), "/");
        assert_eq!(parent("x"), ".");
        assert_eq!(parent("a b/$(c)"), "a b");
    }
}
