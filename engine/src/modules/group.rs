//! `group`: a local group, with `groupadd`/`groupmod`/`groupdel` as
//! Ansible's Linux `Group` class runs them.
//!
//! Supported: `name`, `state`, `gid`, `system`, `non_unique` (needs
//! `gid`), `force` (`groupdel -f`), `gid_min`, `gid_max`. Not implemented
//! (the task fails when run): `local: true` (libuser's `lgroupadd`).
//! Results: `name`, `state`, and for a present group `system` and `gid`.

use super::args::{ArgError, ArgMap};
use super::capture::{Records, Script};
use super::context::ModuleContext;
use super::outcome::{ModuleError, Outcome};
use super::pending::Pending;
use super::useracct::Group;
use super::Module;
use crate::shell::{quote, Cmd};
use crate::value::Value;

/// Arguments of `group`.
#[derive(Debug)]
pub struct GroupArgs {
    name: String,
    present: bool,
    gid: Option<i64>,
    system: bool,
    non_unique: bool,
    force: bool,
    gid_min: Option<i64>,
    gid_max: Option<i64>,
    pending: Pending,
}

/// The `group` module.
pub struct GroupModule;

impl Module for GroupModule {
    type Args = GroupArgs;
    const PROBES: bool = true;

    fn parse(args: &mut ArgMap) -> Result<GroupArgs, ArgError> {
        let local = args.bool(&["local"])?.unwrap_or(false);
        let parsed = GroupArgs {
            name: args.required_str(&["name"])?,
            present: args.choice(&["state"], &["absent", "present"])?.as_deref() != Some("absent"),
            gid: args.int(&["gid"])?,
            system: args.bool(&["system"])?.unwrap_or(false),
            non_unique: args.bool(&["non_unique"])?.unwrap_or(false),
            force: args.bool(&["force"])?.unwrap_or(false),
            gid_min: args.int(&["gid_min"])?,
            gid_max: args.int(&["gid_max"])?,
            pending: Pending::default().also("local", local),
        };
        args.finish(&[
            "name",
            "state",
            "gid",
            "system",
            "non_unique",
            "force",
            "gid_min",
            "gid_max",
            "local",
        ])?;
        if parsed.non_unique && parsed.gid.is_none() {
            return Err(ArgError::Invalid(
                "non_unique is True but all of the following are missing: gid".into(),
            ));
        }
        Ok(parsed)
    }

    fn probes(a: &GroupArgs) -> Vec<String> {
        vec![probe(a).text().to_owned()]
    }

    fn run(a: &GroupArgs, ctx: &mut ModuleContext<'_>) -> Result<Outcome, ModuleError> {
        if let Some(o) = a.pending.outcome() {
            return Ok(o);
        }
        let r = Records::parse(&ctx.probe(probe(a).text())?.stdout)?;
        let current = find(&r, &a.name);
        let mut o = Outcome::ok()
            .with("name", a.name.as_str())
            .with("state", if a.present { "present" } else { "absent" });
        let cmd = match (&current, a.present) {
            (None, false) => return Ok(o),
            (Some(_), false) => {
                let mut c = Cmd::new("groupdel");
                if a.force {
                    c = c.flag("-f");
                }
                Some(c)
            }
            (None, true) => {
                let mut c = Cmd::new("groupadd");
                if let Some(g) = a.gid {
                    c = c.flag("-g").arg(g.to_string());
                    if a.non_unique {
                        c = c.flag("-o");
                    }
                }
                if a.system {
                    c = c.flag("-r");
                }
                Some(with_limits(c, a))
            }
            (Some(g), true) => a.gid.filter(|want| *want != g.gid).map(|want| {
                let c = Cmd::new("groupmod").flag("-g").arg(want.to_string());
                if a.non_unique {
                    c.flag("-o")
                } else {
                    c
                }
            }),
        };
        let mut after = current.clone();
        if let Some(cmd) = cmd {
            o.changed = true;
            if ctx.check_mode() {
                if current.is_none() || !a.present {
                    return Ok(Outcome::changed());
                }
            } else {
                let script = Script::new()
                    .capture("act", cmd.arg(&a.name).as_str())
                    .capture("gr", &getent(a));
                let r2 = Records::parse(&ctx.apply(script.text(), None)?.stdout)?;
                let act = r2.get("act").cloned().unwrap_or_default();
                if !act.ok() {
                    return Ok(Outcome::fail_json(act.err).with("name", a.name.as_str()));
                }
                if !act.out.is_empty() {
                    o = o.with("stdout", act.out.as_str());
                }
                if !act.err.is_empty() {
                    o = o.with("stderr", act.err.as_str());
                }
                after = find(&r2, &a.name);
            }
        }
        if let Some(g) = after {
            o = o.with("system", a.system).with("gid", Value::Int(g.gid));
        }
        Ok(o)
    }
}

fn with_limits(mut c: Cmd, a: &GroupArgs) -> Cmd {
    if let Some(m) = a.gid_min {
        c = c.flag("-K").arg(format!("GID_MIN={m}"));
    }
    if let Some(m) = a.gid_max {
        c = c.flag("-K").arg(format!("GID_MAX={m}"));
    }
    c
}

fn getent(a: &GroupArgs) -> String {
    format!("getent group {}", quote(&a.name))
}

fn probe(a: &GroupArgs) -> Script {
    Script::new().capture("gr", &getent(a))
}

/// The group `name` (by name: `grp.getgrnam`).
fn find(r: &Records, name: &str) -> Option<Group> {
    Group::all(r).into_iter().find(|g| g.name == name)
}
