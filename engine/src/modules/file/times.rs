//! `modification_time` / `access_time` (and their `_format`) of `file`.
//!
//! As Ansible's `file`: `preserve` (the default, except for `touch`),
//! `now` (the default for `touch`; always a change), or a time written in
//! the `_format` (Python `strptime`, default `%Y%m%d%H%M.%S`) read as the
//! host's local time. A literal time is turned into seconds on the host
//! (`date -d`), since the host's time zone decides it; the change is
//! decided by comparing with the probed times.

use super::FileState;
use crate::modules::args::{ArgError, ArgMap};
use crate::modules::context::ModuleContext;
use crate::modules::fstat::FileStat;
use crate::modules::outcome::ModuleError;
use crate::shell::{quote, Cmd};
use crate::value::{Map, Value};

/// One wanted time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stamp {
    /// Keep it.
    Preserve,
    /// The time the task runs.
    Now,
    /// A local time on the host, as `YYYY-MM-DD HH:MM:SS`.
    At(String),
}

/// The wanted modification and access times (`None`: the state's
/// default).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Times {
    /// `modification_time`.
    pub mtime: Option<Stamp>,
    /// `access_time`.
    pub atime: Option<Stamp>,
}

/// Reads the four arguments.
pub(super) fn parse(args: &mut ArgMap) -> Result<Times, ArgError> {
    let mut one = |name: &str, format: &str| -> Result<Option<Stamp>, ArgError> {
        let fmt = args
            .str(&[format])?
            .unwrap_or_else(|| "%Y%m%d%H%M.%S".into());
        Ok(match args.str(&[name])?.as_deref() {
            None => None,
            Some("preserve") => Some(Stamp::Preserve),
            Some("now") => Some(Stamp::Now),
            Some(t) => Some(Stamp::At(strptime(t, &fmt).map_err(|e| {
                ArgError::Invalid(format!(
                    "Error while obtaining timestamp for time {t} using format {fmt}: {e}"
                ))
            })?)),
        })
    };
    Ok(Times {
        mtime: one("modification_time", "modification_time_format")?,
        atime: one("access_time", "access_time_format")?,
    })
}

/// Python's `strptime` for the numeric directives (`%Y %m %d %H %M %S
/// %y %%`), giving `YYYY-MM-DD HH:MM:SS`.
fn strptime(text: &str, format: &str) -> Result<String, String> {
    let mismatch = || format!("time data '{text}' does not match format '{format}'");
    let (mut y, mut mo, mut d, mut h, mut mi, mut s) = (1900, 1, 1, 0, 0, 0);
    let mut rest = text;
    let mut f = format.chars();
    while let Some(c) = f.next() {
        if c != '%' {
            rest = rest.strip_prefix(c).ok_or_else(mismatch)?;
            continue;
        }
        let dir = f
            .next()
            .ok_or_else(|| format!("stray % in format '{format}'"))?;
        if dir == '%' {
            rest = rest.strip_prefix('%').ok_or_else(mismatch)?;
            continue;
        }
        let width = if dir == 'Y' { 4 } else { 2 };
        let digits: String = rest
            .chars()
            .take(width)
            .take_while(char::is_ascii_digit)
            .collect();
        if digits.is_empty() {
            return Err(mismatch());
        }
        rest = &rest[digits.len()..];
        let n: u32 = digits.parse().map_err(|_| mismatch())?;
        match dir {
            'Y' => y = n,
            'y' => y = if n < 69 { 2000 + n } else { 1900 + n },
            'm' => mo = n,
            'd' => d = n,
            'H' => h = n,
            'M' => mi = n,
            'S' => s = n,
            other => return Err(format!("'%{other}' is not supported by konvoy-image")),
        }
    }
    if !rest.is_empty() {
        return Err(format!("unconverted data remains: {rest}"));
    }
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 61 {
        return Err(mismatch());
    }
    Ok(format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}"))
}

/// The commands that bring the times of `path` (state `state`, current
/// `cur`) to `t`, with the diff's before/after entries; empty when the
/// times stay. A file `touch` creates already has both times set to now.
pub(super) fn plan(
    ctx: &mut ModuleContext<'_>,
    path: &str,
    state: FileState,
    t: &Times,
    cur: Option<&FileStat>,
    before: &mut Map,
    after: &mut Map,
) -> Result<Vec<String>, ModuleError> {
    let default = if state == FileState::Touch {
        Stamp::Now
    } else {
        Stamp::Preserve
    };
    let mut cmds = Vec::new();
    for (stamp, flag, key, now) in [
        (&t.mtime, "-m", "mtime", cur.map(|c| c.mtime)),
        (&t.atime, "-a", "atime", cur.map(|c| c.atime)),
    ] {
        let stamp = stamp.as_ref().unwrap_or(&default);
        let at = match stamp {
            Stamp::Preserve => None,
            // A file `touch` creates has both times set to now already.
            Stamp::Now if state == FileState::Touch && cur.is_none() => None,
            Stamp::Now => {
                cmds.push(
                    Cmd::new("touch -c")
                        .flag(flag)
                        .flag("--")
                        .arg(path)
                        .into_string(),
                );
                before.insert(key.into(), now.map_or(Value::Null, Value::Int));
                after.insert(key.into(), "now".into());
                None
            }
            Stamp::At(local) => {
                let out = ctx.probe(&format!("date -d {} +%s", quote(local)))?;
                let secs: i64 =
                    out.stdout_str().trim().parse().map_err(|_| {
                        ModuleError::Probe(format!("`date -d {local}` gave no time"))
                    })?;
                (now != Some(secs)).then_some(secs)
            }
        };
        if let Some(secs) = at {
            cmds.push(
                Cmd::new("touch -c")
                    .flag(flag)
                    .flag("-d")
                    .arg(format!("@{secs}"))
                    .flag("--")
                    .arg(path)
                    .into_string(),
            );
            before.insert(key.into(), now.map_or(Value::Null, Value::Int));
            after.insert(key.into(), Value::Int(secs));
        }
    }
    Ok(cmds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strptime_reads_ansibles_default_and_others() {
        assert_eq!(
            strptime("202001011230.15", "%Y%m%d%H%M.%S").unwrap(),
            "2020-01-01 12:30:15"
        );
        assert_eq!(
            strptime("01/02/99 10:00", "%m/%d/%y %H:%M").unwrap(),
            "1999-01-02 10:00:00"
        );
        assert!(strptime("2020", "%Y%m").is_err());
        assert!(strptime("20201301", "%Y%m%d").is_err());
        assert!(strptime("x", "%Y")
            .unwrap_err()
            .contains("does not match format"));
    }
}
