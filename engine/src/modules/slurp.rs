//! `slurp`: a file's content, base64-encoded, read on the host.
//!
//! Supported: `src` (`path`). Results: `content`, `source`, `encoding`
//! (`base64`); Ansible's messages for a missing, unreadable or directory
//! source. Read-only: one command, check mode the same.

use super::args::{ArgError, ArgMap};
use super::context::ModuleContext;
use super::outcome::{ModuleError, Outcome};
use super::Module;
use crate::shell::quote;
use base64::Engine as _;

/// Arguments of `slurp`.
#[derive(Debug, Clone)]
pub struct SlurpArgs {
    src: String,
}

/// The `slurp` module.
pub struct SlurpModule;

impl Module for SlurpModule {
    type Args = SlurpArgs;
    const PROBES: bool = true;

    fn parse(args: &mut ArgMap) -> Result<SlurpArgs, ArgError> {
        let parsed = SlurpArgs {
            src: args.required_str(&["src", "path"])?,
        };
        args.finish(&["src"])?;
        Ok(parsed)
    }

    fn probes(a: &SlurpArgs) -> Vec<String> {
        vec![script(a)]
    }

    fn run(a: &SlurpArgs, ctx: &mut ModuleContext<'_>) -> Result<Outcome, ModuleError> {
        let out = ctx.probe(&script(a))?;
        let src = &a.src;
        let msg = match out.rc {
            0 => {
                return Ok(Outcome::ok()
                    .with(
                        "content",
                        base64::engine::general_purpose::STANDARD.encode(&out.stdout),
                    )
                    .with("source", src.as_str())
                    .with("encoding", "base64"))
            }
            2 => format!("File not found: {src}"),
            3 => format!("Source is a directory and must be a file: {src}"),
            4 => format!("File is not readable: {src}"),
            // Ansible's own message lacks the f-string prefix.
            _ => "Unable to slurp file: {source}".to_owned(),
        };
        Ok(Outcome::fail_json(msg))
    }
}

/// The file's bytes on stdout; the exit code tells why it could not be
/// read (2 missing, 3 a directory, 4 unreadable).
fn script(a: &SlurpArgs) -> String {
    format!(
        "f={}; if [ -d \"$f\" ]; then exit 3; elif [ ! -e \"$f\" ]; then exit 2; \
         elif [ ! -r \"$f\" ]; then exit 4; else cat -- \"$f\" || exit 5; fi",
        quote(&a.src)
    )
}
