//! Several commands in one script, each with its own exit code, stdout and
//! stderr: what Ansible's `run_command` gives a module, without one round
//! trip per command.
//!
//! A script built with [`Script`] starts by making a scratch directory;
//! each [`Script::capture`] runs one command with its output sent to files
//! there, then prints a record `\x1eTAG RC LEN_OUT LEN_ERR\n` followed by
//! exactly those bytes. [`Records::parse`] reads the records back, so text
//! a command prints can never be mistaken for the framing.

use super::outcome::ModuleError;
use std::collections::HashMap;

/// A script of captured commands.
#[derive(Clone, Debug)]
pub(crate) struct Script {
    text: String,
}

impl Default for Script {
    fn default() -> Self {
        Script::new()
    }
}

impl Script {
    /// An empty script with its scratch directory.
    pub(crate) fn new() -> Script {
        Script {
            text: String::from(
                "_T=$(mktemp -d) || exit 97\ntrap 'rm -rf \"$_T\"' EXIT\n\
                 _cap() { _t=$1; shift; printf '\\036%s %s %s %s\\n' \"$_t\" \"$_rc\" \
                 \"$(wc -c <\"$_T/o\")\" \"$(wc -c <\"$_T/e\")\"; cat \"$_T/o\" \"$_T/e\"; }\n",
            ),
        }
    }

    /// Runs `cmd` (shell text built from quoted values) in a subshell
    /// (an `exit` ends only it) and records its result under `tag`.
    pub(crate) fn capture(mut self, tag: &'static str, cmd: &str) -> Script {
        self.text.push_str(&format!(
            "( {cmd}\n) >\"$_T/o\" 2>\"$_T/e\"; _rc=$?; _cap {tag}\n"
        ));
        self
    }

    /// Runs `cmd`, records it under `tag`, and stops the script (exit 0)
    /// when it failed: later steps depend on it.
    pub(crate) fn capture_or_stop(self, tag: &'static str, cmd: &str) -> Script {
        let mut s = self.capture(tag, cmd);
        s.text.push_str("[ \"$_rc\" = 0 ] || exit 0\n");
        s
    }

    /// Appends literal shell (variable set-up shared by later steps).
    pub(crate) fn raw(mut self, text: &str) -> Script {
        self.text.push_str(text);
        self.text.push('\n');
        self
    }

    /// Appends another script's steps (without its preamble).
    pub(crate) fn then(mut self, other: &Script) -> Script {
        let pre = Script::new().text;
        self.text
            .push_str(other.text.strip_prefix(&pre).unwrap_or(&other.text));
        self
    }

    /// The script text.
    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// Whether no command was added.
    pub(crate) fn is_empty(&self) -> bool {
        self.text == Script::new().text
    }
}

/// One captured command's result.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Captured {
    /// Exit code.
    pub(crate) rc: i32,
    /// Standard output.
    pub(crate) out: String,
    /// Standard error.
    pub(crate) err: String,
}

impl Captured {
    /// Exit code 0.
    pub(crate) fn ok(&self) -> bool {
        self.rc == 0
    }
}

/// The records of one script run, by tag (a later record with the same
/// tag replaces an earlier one).
#[derive(Clone, Debug, Default)]
pub(crate) struct Records(HashMap<String, Captured>);

impl Records {
    /// Reads the records in `stdout`.
    pub(crate) fn parse(stdout: &[u8]) -> Result<Records, ModuleError> {
        let mut map = HashMap::new();
        let mut rest = stdout;
        while let Some(start) = rest.iter().position(|b| *b == 0x1e) {
            rest = &rest[start + 1..];
            let nl = rest
                .iter()
                .position(|b| *b == b'\n')
                .ok_or_else(|| ModuleError::Probe("truncated record header".into()))?;
            let header = String::from_utf8_lossy(&rest[..nl]).into_owned();
            rest = &rest[nl + 1..];
            let f: Vec<&str> = header.split_whitespace().collect();
            let num = |i: usize| -> Result<usize, ModuleError> {
                f.get(i)
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| ModuleError::Probe(format!("bad record header `{header}`")))
            };
            let (rc, lo, le) = (num(1)?, num(2)?, num(3)?);
            if rest.len() < lo + le {
                return Err(ModuleError::Probe(format!(
                    "record `{header}` is truncated"
                )));
            }
            map.insert(
                f[0].to_owned(),
                Captured {
                    rc: rc as i32,
                    out: String::from_utf8_lossy(&rest[..lo]).into_owned(),
                    err: String::from_utf8_lossy(&rest[lo..lo + le]).into_owned(),
                },
            );
            rest = &rest[lo + le..];
        }
        Ok(Records(map))
    }

    /// The record `tag`, if the script got that far.
    pub(crate) fn get(&self, tag: &str) -> Option<&Captured> {
        self.0.get(tag)
    }

    /// The stdout of `tag` when it succeeded.
    pub(crate) fn out_ok(&self, tag: &str) -> Option<&str> {
        self.get(tag).filter(|c| c.ok()).map(|c| c.out.as_str())
    }

    /// Whether `tag` ran and exited 0.
    pub(crate) fn succeeded(&self, tag: &str) -> bool {
        self.get(tag).is_some_and(Captured::ok)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    #[test]
    fn records_survive_framing_lookalikes_in_output() {
        let s = Script::new()
            .capture("a", "printf 'x\\036y 1 2 3\\n'; echo err >&2; exit 3")
            .capture("b", "printf ''")
            .capture_or_stop("c", "false")
            .capture("d", "echo never");
        let out = Command::new("sh").arg("-c").arg(s.text()).output().unwrap();
        let r = Records::parse(&out.stdout).unwrap();
        let a = r.get("a").unwrap();
        assert_eq!(
            (a.rc, a.out.as_str(), a.err.as_str()),
            (3, "x\x1ey 1 2 3\n", "err\n")
        );
        assert_eq!(r.get("b").unwrap(), &Captured::default());
        assert_eq!(r.get("c").unwrap().rc, 1);
        assert!(r.get("d").is_none());
    }
}
