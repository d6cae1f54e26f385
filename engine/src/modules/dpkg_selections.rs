//! `dpkg_selections`: a package's dpkg selection (`install`, `hold`,
//! `deinstall`, `purge`), read with `dpkg --get-selections` and set with
//! `dpkg --set-selections` only when it differs. Results: `changed`,
//! `before` (`not present` for a package dpkg has no selection for),
//! `after`. All of ansible-core 2.19's options are supported.

use super::apt_probe::APT_ENV;
use super::args::{ArgError, ArgMap};
use super::context::ModuleContext;
use super::outcome::{ModuleError, Outcome};
use super::Module;
use crate::shell::quote;

/// Arguments of `dpkg_selections`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DpkgSelectionsArgs {
    /// The package.
    pub name: String,
    /// The wanted selection.
    pub selection: String,
}

/// The `dpkg_selections` module.
pub struct DpkgSelectionsModule;

impl Module for DpkgSelectionsModule {
    type Args = DpkgSelectionsArgs;
    const PROBES: bool = true;

    fn parse(args: &mut ArgMap) -> Result<DpkgSelectionsArgs, ArgError> {
        let name = args.required_str(&["name"])?;
        let selection = args
            .choice(&["selection"], &["install", "hold", "deinstall", "purge"])?
            .ok_or_else(|| ArgError::Missing("selection".into()))?;
        args.finish(&["name", "selection"])?;
        Ok(DpkgSelectionsArgs { name, selection })
    }

    fn probes(a: &DpkgSelectionsArgs) -> Vec<String> {
        vec![probe(&a.name)]
    }

    fn run(a: &DpkgSelectionsArgs, ctx: &mut ModuleContext<'_>) -> Result<Outcome, ModuleError> {
        let out = ctx.probe(&probe(&a.name))?;
        let stderr = out.stderr_str();
        if out.rc != 0 {
            return Ok(Outcome::failed(stderr.trim_end().to_owned())
                .with("rc", i64::from(out.rc))
                .with("stdout", out.stdout_str())
                .with("stderr", stderr));
        }
        if stderr.contains("no packages found matching") {
            return Ok(Outcome::failed(format!(
                "Failed to find package '{}' to perform selection '{}'.",
                a.name, a.selection
            )));
        }
        let stdout = out.stdout_str();
        let current = stdout
            .split_whitespace()
            .nth(1)
            .unwrap_or("not present")
            .to_owned();
        let changed = current != a.selection;
        let o = Outcome {
            changed,
            ..Outcome::ok()
        }
        .with("before", current)
        .with("after", a.selection.clone());
        if ctx.check_mode() || !changed {
            return Ok(o);
        }
        let data = format!("{} {}", a.name, a.selection);
        let set = ctx.apply(
            &format!("{APT_ENV}dpkg --set-selections"),
            Some(data.as_bytes()),
        )?;
        if set.rc != 0 {
            let err = set.stderr_str();
            return Ok(Outcome::failed(err.trim_end().to_owned())
                .with("rc", i64::from(set.rc))
                .with("stderr", err));
        }
        Ok(o)
    }
}

fn probe(name: &str) -> String {
    format!("{APT_ENV}dpkg --get-selections {}", quote(name))
}
