//! `tempfile`: a new temporary file (mode 0600) or directory (0700).
//!
//! Supported: `state` (`file`, `directory`), `path` (default: the host's
//! `$TMPDIR` or `/tmp`, as Python's `gettempdir`), `prefix` (default
//! `ansible.`), `suffix`. Made with `mktemp`, so the random part is
//! `mktemp`'s (letters of both cases and digits) where Python's uses
//! lower-case letters, digits and `_`. Ansible's module does not support
//! check mode: the task is skipped there. Always `changed`; result `path`.

use super::args::{ArgError, ArgMap};
use super::context::ModuleContext;
use super::fstat::parse_records_rest;
use super::outcome::{ModuleError, Outcome};
use super::pathinfo::insert_path_info;
use super::Module;
use crate::shell::Cmd;

/// Arguments of `tempfile`.
#[derive(Debug, Clone)]
pub struct TempfileArgs {
    directory: bool,
    path: Option<String>,
    prefix: String,
    suffix: String,
}

/// The `tempfile` module.
pub struct TempfileModule;

impl Module for TempfileModule {
    type Args = TempfileArgs;
    const CHECK_MODE: bool = false;

    fn parse(args: &mut ArgMap) -> Result<TempfileArgs, ArgError> {
        let parsed = TempfileArgs {
            directory: args.choice(&["state"], &["file", "directory"])?.as_deref()
                == Some("directory"),
            path: args.str(&["path"])?,
            prefix: args.str(&["prefix"])?.unwrap_or_else(|| "ansible.".into()),
            suffix: args.str(&["suffix"])?.unwrap_or_default(),
        };
        args.finish(&["state", "path", "prefix", "suffix"])?;
        Ok(parsed)
    }

    fn run(a: &TempfileArgs, ctx: &mut ModuleContext<'_>) -> Result<Outcome, ModuleError> {
        for (what, v) in [("prefix", &a.prefix), ("suffix", &a.suffix)] {
            if !v.is_empty() && v.contains('/') {
                return Ok(Outcome::fail_json(format!(
                    "{what} must be a valid file name component, got {}",
                    crate::value::py_str_repr(v)
                )));
            }
        }
        let mut cmd = Cmd::new("mktemp");
        if a.directory {
            cmd = cmd.flag("-d");
        }
        let dir = match &a.path {
            Some(p) => crate::shell::quote(p).into_owned(),
            None => "\"${TMPDIR:-/tmp}\"".to_owned(),
        };
        let script = format!(
            "{}p=$({} --suffix={} -p {dir} -- {}) || exit 1\nprintf '%s\\0' \"$p\"\nst \"$p\" - - -\n",
            super::fstat::STAT_FN,
            cmd,
            crate::shell::quote(&a.suffix),
            crate::shell::quote(&format!("{}XXXXXXXX", a.prefix))
        );
        let out = ctx.apply(&script, None)?;
        if out.rc != 0 {
            let err = out.stderr_str();
            let reason = err.rsplit(": ").next().unwrap_or("").trim().to_owned();
            let errno = match reason.as_str() {
                "No such file or directory" => "[Errno 2] ",
                "Permission denied" => "[Errno 13] ",
                "Not a directory" => "[Errno 20] ",
                _ => "",
            };
            let base = a.path.clone().unwrap_or_else(|| "/tmp".into());
            return Ok(Outcome::fail_json(format!(
                "{errno}{reason}: '{base}/{}XXXXXXXX{}'",
                a.prefix, a.suffix
            )));
        }
        let (path, rest) = match out.stdout.iter().position(|b| *b == 0) {
            Some(i) => (
                String::from_utf8_lossy(&out.stdout[..i]).into_owned(),
                &out.stdout[i + 1..],
            ),
            None => return Err(ModuleError::Probe("mktemp printed no path".into())),
        };
        let (recs, _) = parse_records_rest(rest, 1)?;
        let mut o = Outcome::changed().with("path", path);
        insert_path_info(&mut o.result, recs.first().and_then(Option::as_ref));
        Ok(o)
    }
}
