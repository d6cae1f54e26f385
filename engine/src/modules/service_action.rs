//! `service`: the host's own service module, chosen as Ansible's
//! `service` action plugin chooses it: `use:` when given, else the
//! gathered `service_mgr` fact, else `service_mgr` read from the host now.
//! `systemd` runs [`super::service`] (the systemd module), `sysvinit`
//! runs [`super::sysv`]'s `sysvinit`; anything else runs the generic
//! `service` module, which drives systemctl when systemd runs the host
//! and the init script otherwise (Ansible's `LinuxService`).
//!
//! As Ansible does for the systemd module, `pattern`, `runlevel`,
//! `sleep`, `arguments` and `args` are dropped with a warning.

use super::args::{ArgError, ArgMap};
use super::context::ModuleContext;
use super::outcome::{ModuleError, Outcome};
use super::service::ServiceModule;
use super::{sysv, Module};
use crate::value::{Map, Value};

/// Arguments of `service`.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceActionArgs {
    /// `use:` (`auto` when absent).
    pub use_: Option<String>,
    /// Everything else, for the chosen module.
    pub args: Map,
}

/// The `service` action.
pub struct ServiceActionModule;

impl Module for ServiceActionModule {
    type Args = ServiceActionArgs;

    fn parse(args: &mut ArgMap) -> Result<ServiceActionArgs, ArgError> {
        let use_ = args
            .str(&["use"])?
            .map(|u| u.to_lowercase())
            .filter(|u| u != "auto");
        Ok(ServiceActionArgs {
            use_,
            args: args.take_rest(),
        })
    }

    fn run(a: &ServiceActionArgs, ctx: &mut ModuleContext<'_>) -> Result<Outcome, ModuleError> {
        let manager = match &a.use_ {
            Some(m) => m.clone(),
            None => match ctx.vars.raw("ansible_facts") {
                Some(Value::Map(f)) if f.get("service_mgr").and_then(Value::as_str).is_some() => f
                    .get("service_mgr")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned(),
                _ => {
                    let out = ctx.probe(crate::facts::gather_script())?;
                    crate::facts::parse(&out.stdout)
                        .ok()
                        .and_then(|f| {
                            f.get("service_mgr")
                                .and_then(Value::as_str)
                                .map(str::to_owned)
                        })
                        .unwrap_or_else(|| "auto".into())
                }
            },
        };
        match manager.as_str() {
            "systemd" => {
                let mut args = a.args.clone();
                let mut warnings = Vec::new();
                for unused in ["pattern", "runlevel", "sleep", "arguments", "args"] {
                    if args.shift_remove(unused).is_some() {
                        warnings.push(Value::from(format!(
                            "Ignoring \"{unused}\" as it is not used in \"systemd\""
                        )));
                    }
                }
                let mut o = super::run_module::<ServiceModule>(&mut ArgMap::new(args), ctx)?;
                if !warnings.is_empty() {
                    o = o.with("warnings", Value::List(warnings));
                }
                Ok(o)
            }
            "sysvinit" => {
                let parsed = sysv::parse(&mut ArgMap::new(a.args.clone()), true)?;
                sysv::run_sysvinit(&parsed, ctx)
            }
            _ => {
                let parsed = sysv::parse(&mut ArgMap::new(a.args.clone()), false)?;
                if sysv::systemd_running(ctx)? {
                    // LinuxService over systemctl: the systemd decision,
                    // the generic module's result keys.
                    let mut args = a.args.clone();
                    for unused in ["pattern", "runlevel", "sleep", "arguments", "args"] {
                        args.shift_remove(unused);
                    }
                    let mut o = super::run_module::<ServiceModule>(&mut ArgMap::new(args), ctx)?;
                    o.result.shift_remove("status");
                    return Ok(o);
                }
                sysv::run_service(&parsed, ctx)
            }
        }
    }
}

/// The `sysvinit` module.
pub struct SysvinitModule;

impl Module for SysvinitModule {
    type Args = sysv::SysvArgs;
    const PROBES: bool = true;

    fn parse(args: &mut ArgMap) -> Result<sysv::SysvArgs, ArgError> {
        sysv::parse(args, true)
    }

    fn probes(a: &sysv::SysvArgs) -> Vec<String> {
        vec![sysv::probe_script(a)]
    }

    fn run(a: &sysv::SysvArgs, ctx: &mut ModuleContext<'_>) -> Result<Outcome, ModuleError> {
        sysv::run_sysvinit(a, ctx)
    }
}
