//! Writing a whole file on the host in one command, through the one
//! atomic write path ([`crate::transport::atomic`]): the new content and
//! its checksum go on stdin into a temp file in the destination's
//! directory, are verified and synced, get their mode/owner/group, an
//! optional backup of the old file is taken, and a rename puts it in
//! place; the same command prints the new file's record, so the result
//! needs no further round trip. An interrupted write leaves the old file.
//!
//! Used by copy, template, lineinfile, blockinfile and replace.

use super::attrs::{wanted_mode, Attrs};
use super::context::ModuleContext;
use super::fstat::{parse_records_rest, stat_call, FileStat, StatOpts, STAT_FN};
use super::outcome::ModuleError;
use crate::shell::Cmd;
use crate::transport::atomic::{self, AtomicWrite, Content};

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
}

/// The directory part of `path` (`.` for a bare name).
pub(crate) fn parent(path: &str) -> &str {
    atomic::parent(path)
}

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
    s.push_str(&write.begin());
    let base = match existing {
        Some(st) => {
            s.push_str("chmod --reference=\"$d\" -- \"$t\" && { chown --reference=\"$d\" -- \"$t\" 2>/dev/null || true; } || exit 1\n");
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
) -> Result<Result<(FileStat, Option<String>), String>, ModuleError> {
    let script = match write_script(spec, data.len() as u64, existing) {
        Ok(s) => s,
        Err(e) => return Ok(Err(e)),
    };
    let out = match spec.source {
        Some(_) => ctx.apply(&script, None)?,
        None => {
            let mut sealed = Vec::with_capacity(data.len() + atomic::TRAILER_LEN as usize);
            sealed.extend_from_slice(data);
            sealed.extend(atomic::trailer(data));
            ctx.apply(&script, Some(&sealed))?
        }
    };
    if out.rc != 0 {
        return Ok(Err(format!(
            "cannot write `{}`: {}",
            spec.dest,
            out.stderr_str().trim()
        )));
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
    fn script_quotes_destination() {
        let attrs = Attrs::default();
        let spec = WriteSpec {
            dest: "/tmp/a '$(b)`c`",
            attrs: &attrs,
            backup: false,
            stat: StatOpts::default(),
            source: None,
            mkdir: false,
        };
        let s = write_script(&spec, 3, None).unwrap();
        assert!(s.contains(r#"konvoy_d='/tmp/a '"'"'$(b)`c`'"#), "{s}");
        assert!(s.contains("konvoy_t=\"$konvoy_p\"/.konvoy-tmp."), "{s}");
    }
}
