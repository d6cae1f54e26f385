//! `ping`: proves the host answers (the session is opened before any
//! module runs); returns `data` (default `pong`). As Ansible's module,
//! `data=crash` fails the task.

use super::args::{ArgError, ArgMap};
use super::context::ModuleContext;
use super::outcome::{ModuleError, Outcome};
use super::Module;

/// The `ping` module.
pub struct PingModule;

impl Module for PingModule {
    type Args = String;

    fn parse(args: &mut ArgMap) -> Result<String, ArgError> {
        let data = args.str(&["data"])?.unwrap_or_else(|| "pong".into());
        args.finish(&["data"])?;
        Ok(data)
    }

    fn run(data: &String, _ctx: &mut ModuleContext<'_>) -> Result<Outcome, ModuleError> {
        if data == "crash" {
            return Ok(Outcome::failed("boom"));
        }
        Ok(Outcome::ok().with("ping", data.as_str()))
    }
}
