//! `package`: the host's own package module, chosen as Ansible's
//! `package` action plugin chooses it: `use:` when given, else the
//! `ansible_package_use` variable, else the gathered `pkg_mgr` fact, else
//! `pkg_mgr` read from the host now (Ansible runs `setup` for it). Every
//! other argument goes to that module unchanged, and that module checks
//! them, as in Ansible.
//!
//! Backends: `yum`/`dnf`/`dnf5` ([`super::yum`]), `apt` ([`super::apt`]),
//! `zypper` ([`super::zypper`]).
//! Another manager fails the task with Ansible's message.

use super::args::{ArgError, ArgMap};
use super::context::ModuleContext;
use super::outcome::{ModuleError, Outcome};
use super::{apt, yum, zypper, Module};
use crate::value::{Map, Value};

/// Arguments of `package`.
#[derive(Clone, Debug, PartialEq)]
pub struct PackageArgs {
    /// `use:` (`auto` when absent).
    pub use_: Option<String>,
    /// Everything else, for the backend.
    pub args: Map,
}

/// The `package` module.
pub struct PackageModule;

impl Module for PackageModule {
    type Args = PackageArgs;

    fn parse(args: &mut ArgMap) -> Result<PackageArgs, ArgError> {
        let use_ = args.str(&["use"])?.filter(|u| u != "auto");
        Ok(PackageArgs {
            use_,
            args: args.take_rest(),
        })
    }

    fn run(a: &PackageArgs, ctx: &mut ModuleContext<'_>) -> Result<Outcome, ModuleError> {
        let manager = match &a.use_ {
            Some(m) => m.clone(),
            None => match configured(ctx) {
                Some(m) => m,
                None => match gathered(ctx)? {
                    Ok(m) => m,
                    Err(msg) => return Ok(Outcome::failed(msg)),
                },
            },
        };
        let mut args = ArgMap::new(a.args.clone());
        match manager.as_str() {
            "yum" | "dnf" | "dnf5" => super::run_module::<yum::YumModule>(&mut args, ctx),
            "apt" => super::run_module::<apt::AptModule>(&mut args, ctx),
            "zypper" => super::run_module::<zypper::ZypperModule>(&mut args, ctx),
            "auto" | "" => Ok(Outcome::failed(
                "Could not detect which package manager to use. Try gathering facts or setting the \"use\" option.",
            )),
            other => Ok(Outcome::failed(format!(
                "Could not find a matching action for the \"{other}\" package manager."
            ))),
        }
    }
}

/// `ansible_package_use`, then the gathered `ansible_facts.pkg_mgr`.
fn configured(ctx: &ModuleContext<'_>) -> Option<String> {
    let text = |v: Value| v.as_str().map(str::to_owned).filter(|s| !s.is_empty());
    if let Some(m) = ctx
        .vars
        .get("ansible_package_use")
        .ok()
        .flatten()
        .and_then(text)
    {
        return Some(m);
    }
    match ctx.vars.raw("ansible_facts") {
        Some(Value::Map(f)) => f.get("pkg_mgr").cloned().and_then(text),
        _ => None,
    }
}

/// `pkg_mgr` read from the host now (facts were not gathered).
fn gathered(ctx: &mut ModuleContext<'_>) -> Result<Result<String, String>, ModuleError> {
    let out = ctx.probe(crate::facts::gather_script())?;
    Ok(match crate::facts::parse(&out.stdout) {
        Ok(f) => match f.get("pkg_mgr").and_then(Value::as_str) {
            Some(m) => Ok(m.to_owned()),
            None => Err("Could not detect a package manager. Try using the \"use\" option.".into()),
        },
        Err(e) => Err(format!(
            "Failed to fetch ansible_pkg_mgr to determine the package action backend: {e}"
        )),
    })
}
