//! Writing a whole file on the host in one command, through the one
//! atomic write path ([`crate::transport::atomic`]): the new content and
//! its checksum go on stdin into a temp file in the destination's
//! directory, are verified and synced, get their mode/owner/group, an
//! optional backup of the old file is taken, and a rename puts it in
//! place; the same command prints the new file's record, so the result
//! needs no further round trip. An interrupted write leaves the old file.
//!
//! Used by copy, template, lineinfile, blockinfile and replace; the
//! modules that edit a file within a script of their own (known_hosts,
//! pam_limits, pamd, selinux, mount, cron, apt_repository,
//! deb822_repository, openssh_keypair) write it with [`replace_step`].

use super::attrs::{wanted_mode, Attrs};
use super::context::ModuleContext;
use super::fstat::{parse_records_rest, stat_call, FileStat, StatOpts, STAT_FN};
use super::outcome::ModuleError;
use super::outcome::Outcome;
use crate::shell::{quote, Cmd};
use crate::transport::atomic::{self, AtomicWrite, Content};
use crate::value::Value;

/// What to write and how.
pub(crate) struct WriteSpec<'a> {
    /// Destination path.
    pub(crate) dest: &'a str,
    /// Wanted attributes.
    pub(crate) attrs: &'a Attrs,
    /// Keep a timestamped copy of the old file (`backup: yes`).
    pub(crate) backup: bool,
    /// Checksum of the result to report (copy reports sha1).
    pub(crate) stat: StatOpts,
    /// Copy this file on the host instead of reading stdin (`remote_src`).
    pub(crate) source: Option<&'a str>,
    /// Create the destination's directory first (`dest` ending in `/`).
    pub(crate) mkdir: bool,
    /// A symbolic link at `dest` stays: its target is written (copy's
    /// `follow: true`).
    pub(crate) follow: bool,
    /// `validate:`: a command with `%s` run on the temp file before it is
    /// renamed into place ([`validator`]); a non-zero exit keeps the old
    /// file.
    pub(crate) validate: Option<&'a str>,
}

/// Why a write did not happen.
#[derive(Debug, PartialEq)]
pub(crate) enum WriteFailure {
    /// The host refused (the text says why).
    Message(String),
    /// `validate:` rejected the new content: Ansible's `failed to
    /// validate` with the command's exit status and output.
    Validation {
        /// The validator's exit status.
        rc: i64,
        /// Its standard output.
        stdout: String,
        /// Its standard error.
        stderr: String,
    },
}

impl WriteFailure {
    /// The failed result of lineinfile, blockinfile and replace: the
    /// validator's status and error in the message. Like every
    /// `fail_json` of ansible-core 2.19, it carries `exception` and
    /// nothing of the result built so far.
    pub(crate) fn fail_edit(self) -> Outcome {
        match self {
            WriteFailure::Validation { rc, stderr, .. } => {
                module_failure(format!("failed to validate: rc:{rc} error:{stderr}"))
            }
            other => other.fail(),
        }
    }

    /// The failed result of copy and template: `failed to validate` with
    /// the validator's `exit_status`, `stdout` and `stderr` (and their
    /// `_lines`, which Ansible adds to any result with output).
    pub(crate) fn fail(self) -> Outcome {
        match self {
            WriteFailure::Message(m) => module_failure(m),
            WriteFailure::Validation { rc, stdout, stderr } => {
                let lines =
                    |s: &str| Value::List(s.lines().map(|l| Value::Str(l.to_owned())).collect());
                module_failure("failed to validate")
                    .with("exit_status", Value::Int(rc))
                    .with("stdout_lines", lines(&stdout))
                    .with("stderr_lines", lines(&stderr))
                    .with("stdout", stdout)
                    .with("stderr", stderr)
            }
        }
    }
}

/// A module's `fail_json` as ansible-core 2.19 returns it.
fn module_failure(msg: impl Into<String>) -> Outcome {
    Outcome::failed(msg).with("exception", "(traceback unavailable)")
}

/// The shell text running `validate` on the temp file `"$t"`, as Ansible
/// runs `validate % path`: the command must contain `%s` (`%%` is a
/// literal `%`) and is split into words as Python's `shlex.split` does,
/// then run without a shell.
///
/// # Errors
/// Ansible's message for a command without `%s`, or one that does not
/// split or format.
pub(crate) fn validator(validate: &str) -> Result<String, String> {
    if !validate.contains("%s") {
        return Err(format!("validate must contain %s: {validate}"));
    }
    let words = super::argv::split_words(validate)
        .ok_or_else(|| format!("validate: cannot split `{validate}`: unbalanced quotes"))?;
    let mut out = String::new();
    let mut placed = 0;
    for w in &words {
        let mut word = String::new();
        let mut rest = w.as_str();
        let mut literal = String::new();
        while let Some(i) = rest.find('%') {
            literal.push_str(&rest[..i]);
            match rest[i + 1..].chars().next() {
                Some('%') => literal.push('%'),
                Some('s') if placed == 0 => {
                    if !literal.is_empty() {
                        word.push_str(&quote(&literal));
                        literal.clear();
                    }
                    word.push_str("\"$t\"");
                    placed += 1;
                }
                Some('s') => return Err("not enough arguments for format string".into()),
                _ => {
                    return Err(format!(
                        "validate: unsupported format character in `{validate}`"
                    ))
                }
            }
            rest = &rest[i + 2..];
        }
        literal.push_str(rest);
        if !literal.is_empty() || word.is_empty() {
            word.push_str(&quote(&literal));
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&word);
    }
    Ok(out)
}

/// The directory part of `path` (`.` for a bare name).
pub(crate) fn parent(path: &str) -> &str {
    atomic::parent(path)
}

/// `data` followed by its checksum trailer: what a [`replace_step`]
/// writing from stdin must be sent.
pub(crate) fn sealed(data: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(data.len() + atomic::TRAILER_LEN as usize);
    v.extend_from_slice(data);
    v.extend(atomic::trailer(data));
    v
}

/// One step of a [`super::capture::Script`] (it runs in a subshell of its
/// own, so its `exit` and traps stay there) replacing `dest` through the
/// one atomic write path: verified, synced, renamed, stale temp files
/// swept. An existing destination keeps its mode and owner, a new one
/// gets `new_mode`. With `follow_links` a symbolic link's target is
/// written (Ansible's `atomic_move`); with `mkdir` the directory is
/// created. [`Content::Stdin`] must be sent [`sealed`].
pub(crate) fn replace_step(
    dest: &str,
    content: Content<'_>,
    new_mode: &str,
    follow_links: bool,
    mkdir: bool,
) -> String {
    let w = AtomicWrite {
        dest,
        content,
        mkdir,
    };
    let mut s = if follow_links {
        w.begin_following_links()
    } else {
        w.begin()
    };
    s.push_str(&format!(
        "if [ -e \"$d\" ]; then chmod --reference=\"$d\" -- \"$t\" && \
         {{ chown --reference=\"$d\" -- \"$t\" 2>/dev/null || true; }}; \
         else chmod {} -- \"$t\"; fi || exit 1\n",
        quote(new_mode)
    ));
    s.push_str(&w.commit());
    s
}

/// Ansible's `atomic_move` gives the new file the old one's extended
/// attributes (`shutil.copystat`), so a POSIX ACL on the destination
/// survives the rename; where the host has no ACL tools or the file
/// system no ACLs there is nothing to keep.
const COPY_ACL: &str =
    "if command -v getfacl >/dev/null 2>&1 && command -v setfacl >/dev/null 2>&1; then \
     getfacl -cp -- \"$d\" 2>/dev/null | setfacl --set-file=- -- \"$t\" 2>/dev/null || true; fi\n";

/// The script for [`write_file`] of `size` bytes; `existing` is the
/// destination's current state (its mode and owner are kept unless
/// `attrs` say otherwise).
pub(crate) fn write_script(
    spec: &WriteSpec<'_>,
    size: u64,
    existing: Option<&FileStat>,
) -> Result<String, String> {
    let write = AtomicWrite {
        dest: spec.dest,
        content: match spec.source {
            Some(src) => Content::HostFile(src),
            None => Content::Stdin { size },
        },
        mkdir: spec.mkdir,
    };
    let mut s = String::from(STAT_FN);
    s.push_str(&if spec.follow {
        write.begin_following_links()
    } else {
        write.begin()
    });
    let base = match existing {
        Some(st) => {
            s.push_str("chmod --reference=\"$d\" -- \"$t\" && { chown --reference=\"$d\" -- \"$t\" 2>/dev/null || true; } || exit 1\n");
            s.push_str(COPY_ACL);
            st.mode
        }
        None => {
            s.push_str("chmod \"$(printf %o $((0666 & ~$(umask))))\" -- \"$t\"\n");
            0o644
        }
    };
    let mut attr_cmds = Vec::new();
    if let Some(m) = &spec.attrs.mode {
        let want = wanted_mode(m, base, false)?;
        attr_cmds.push(
            Cmd::new("chmod")
                .arg(format!("{want:04o}"))
                .flag("-- \"$t\""),
        );
    }
    if let Some(o) = &spec.attrs.owner {
        attr_cmds.push(Cmd::new("chown").arg(o).flag("-- \"$t\""));
    }
    if let Some(g) = &spec.attrs.group {
        attr_cmds.push(Cmd::new("chgrp").arg(g).flag("-- \"$t\""));
    }
    for c in attr_cmds {
        s.push_str(c.as_str());
        s.push_str(" || exit 1\n");
    }
    if let Some(v) = spec.validate {
        // The validator's output goes to files, so that the record the
        // script prints stays readable; a rejection is reported as a
        // record of its own and leaves the destination alone.
        s.push_str("vo=$(mktemp) && ve=$(mktemp) || { rm -f -- \"$t\"; exit 1; }\n");
        s.push_str(&validator(v)?);
        s.push_str(" > \"$vo\" 2> \"$ve\" < /dev/null; vr=$?\n");
        s.push_str("if [ \"$vr\" -ne 0 ]; then printf '\\001validate %s\\0' \"$vr\"; cat -- \"$vo\"; printf '\\0'; cat -- \"$ve\"; printf '\\0'; rm -f -- \"$t\" \"$vo\" \"$ve\"; exit 0; fi\n");
        s.push_str("rm -f -- \"$vo\" \"$ve\"\n");
    }
    if spec.backup && existing.is_some() {
        s.push_str("b=\"$d.$$.$(date +%Y-%m-%d@%H:%M:%S)~\"; cp -p -- \"$d\" \"$b\" || exit 1\n");
    } else {
        s.push_str("b=\n");
    }
    s.push_str(&write.commit());
    s.push_str(&stat_call(spec.dest, spec.stat));
    s.push_str("printf '%s\\0' \"$b\"\n");
    Ok(s)
}

/// Writes `data` to the destination atomically; gives the new state and
/// the backup file's name (when one was made).
pub(crate) fn write_file(
    ctx: &mut ModuleContext<'_>,
    data: &[u8],
    spec: &WriteSpec<'_>,
    existing: Option<&FileStat>,
) -> Result<Result<(FileStat, Option<String>), WriteFailure>, ModuleError> {
    let script = match write_script(spec, data.len() as u64, existing) {
        Ok(s) => s,
        Err(e) => return Ok(Err(WriteFailure::Message(e))),
    };
    let out = match spec.source {
        Some(_) => ctx.apply(&script, None)?,
        None => ctx.apply(&script, Some(&sealed(data)))?,
    };
    if out.rc != 0 {
        return Ok(Err(WriteFailure::Message(format!(
            "cannot write `{}`: {}",
            spec.dest,
            out.stderr_str().trim()
        ))));
    }
    if let Some(rejected) = out.stdout.strip_prefix(b"\x01validate ") {
        let mut parts = rejected.split(|b| *b == 0);
        let mut text = || String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
        let rc = text().trim().parse().unwrap_or(1);
        let (stdout, stderr) = (text(), text());
        return Ok(Err(WriteFailure::Validation { rc, stdout, stderr }));
    }
    let (recs, rest) = parse_records_rest(&out.stdout, 1)?;
    let st =
        recs.into_iter().next().flatten().ok_or_else(|| {
            ModuleError::Probe(format!("`{}` is absent after writing it", spec.dest))
        })?;
    let backup = rest
        .split(|b| *b == 0)
        .next()
        .filter(|b| !b.is_empty())
        .map(|b| String::from_utf8_lossy(b).into_owned());
    Ok(Ok((st, backup)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validators_run_as_python_formats_and_splits_them() {
        assert_eq!(
            validator("/usr/sbin/visudo -cf %s").unwrap(),
            r#"/usr/sbin/visudo -cf "$t""#
        );
        assert_eq!(
            validator("sh -c 'grep -q x %s && echo 100%%'").unwrap(),
            r#"sh -c 'grep -q x '"$t"' && echo 100%'"#
        );
        assert_eq!(validator("cat --file=%s").unwrap(), r#"cat --file="$t""#);
        assert_eq!(
            validator("visudo -c").unwrap_err(),
            "validate must contain %s: visudo -c"
        );
        assert!(validator("x %s %s").is_err() && validator("x %s %d").is_err());
    }

    #[test]
    fn parent_of_paths() {
        assert_eq!(parent("/etc/x"), "/etc");
        assert_eq!(parent("/x"), "/");
        assert_eq!(parent("x"), ".");
        assert_eq!(parent("a b/$(c)"), "a b");
    }

    #[test]
    fn script_quotes_destination() {
        let attrs = Attrs::default();
        let spec = WriteSpec {
            dest: "/tmp/a '$(b)`c`",
            attrs: &attrs,
            backup: false,
            stat: StatOpts::default(),
            source: None,
            mkdir: false,
            follow: false,
            validate: None,
        };
        let s = write_script(&spec, 3, None).unwrap();
        assert!(s.contains(r#"konvoy_d='/tmp/a '"'"'$(b)`c`'"#), "{s}");
        assert!(s.contains("konvoy_t=\"$konvoy_p\"/.konvoy-tmp."), "{s}");
    }
}
