//! Writing a whole file on the host in one command: the new content goes
//! on stdin into a temp file in the destination's directory, gets its
//! mode/owner/group, an optional backup of the old file is taken, and a
//! rename puts it in place; the same command prints the new file's record,
//! so the result needs no further round trip.
//!
//! Used by copy, template, lineinfile, blockinfile and replace.

use super::attrs::{wanted_mode, Attrs};
use super::context::ModuleContext;
use super::fstat::{parse_records_rest, stat_call, FileStat, StatOpts, STAT_FN};
use super::outcome::ModuleError;
use crate::shell::{quote, Cmd};

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
    match path.rsplit_once('/') {
        Some(("", _)) => "/",
        Some((d, _)) => d,
        None => ".",
    }
}

/// The script for [`write_file`]; `existing` is the destination's
/// current state (its mode and owner are kept unless `attrs` say
/// otherwise).
pub(crate) fn write_script(
    spec: &WriteSpec<'_>,
    existing: Option<&FileStat>,
) -> Result<String, String> {
    let mut s = String::from(STAT_FN);
    if spec.mkdir {
        s.push_str(Cmd::new("mkdir -p --").arg(parent(spec.dest)).as_str());
        s.push_str(" || exit 1\n");
    }
    s.push_str("d=");
    s.push_str(&quote(spec.dest));
    s.push_str("\nt=$(mktemp -- ");
    s.push_str(&quote(&format!("{}/.konvoy.XXXXXX", parent(spec.dest))));
    s.push_str(") || exit 1\n");
    match spec.source {
        Some(src) => {
            s.push_str("cat -- ");
            s.push_str(&quote(src));
            s.push_str(" > \"$t\" || { rm -f -- \"$t\"; exit 1; }\n");
        }
        None => s.push_str("cat > \"$t\" || { rm -f -- \"$t\"; exit 1; }\n"),
    }
    let base = match existing {
        Some(st) => {
            s.push_str("chmod --reference=\"$d\" -- \"$t\" && { chown --reference=\"$d\" -- \"$t\" 2>/dev/null || true; } || { rm -f -- \"$t\"; exit 1; }\n");
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
        s.push_str(" || { rm -f -- \"$t\"; exit 1; }\n");
    }
    if spec.backup && existing.is_some() {
        s.push_str("b=\"$d.$$.$(date +%Y-%m-%d@%H:%M:%S)~\"; cp -p -- \"$d\" \"$b\" || { rm -f -- \"$t\"; exit 1; }\n");
    } else {
        s.push_str("b=\n");
    }
    s.push_str("mv -f -- \"$t\" \"$d\" || { rm -f -- \"$t\"; exit 1; }\n");
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
    let script = match write_script(spec, existing) {
        Ok(s) => s,
        Err(e) => return Ok(Err(e)),
    };
    let out = ctx.apply(&script, Some(data))?;
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
        };
        let s = write_script(&spec, None).unwrap();
        assert!(s.contains(r#"d='/tmp/a '"'"'$(b)`c`'"#), "{s}");
        assert!(
            s.contains(r#"t=$(mktemp -- /tmp/.konvoy.XXXXXX) || exit 1"#),
            "{s}"
        );
    }
}
