//! `service` and `systemd`: a unit's run state, boot enablement and mask.
//!
//! Supported: `name`, `state` (started/stopped/restarted/reloaded),
//! `enabled`, `masked` (systemd), `daemon_reload`, `daemon_reexec`;
//! `service`'s `arguments`/`pattern`/`runlevel`/`sleep` are accepted and
//! ignored (systemd hosts only). One probe reads `is-enabled` and
//! `is-active`; only what differs is changed. `restarted` and `reloaded`
//! always act, as in Ansible. On a host where systemd is not running
//! (a chroot), `enabled` and `masked` still work (systemctl edits links
//! offline); starting or stopping fails with systemctl's message.

use super::args::{ArgError, ArgMap};
use super::context::ModuleContext;
use super::outcome::{ModuleError, Outcome};
use super::Module;
use crate::shell::Cmd;
use crate::value::{Map, Value};

/// Wanted run state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunState {
    /// Running.
    Started,
    /// Not running.
    Stopped,
    /// Restart now.
    Restarted,
    /// Reload now (start if not running).
    Reloaded,
}

/// Arguments of `service`/`systemd`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceArgs {
    /// Unit name (`.service` may be left out).
    pub name: Option<String>,
    /// Run state, if any.
    pub state: Option<RunState>,
    /// Start at boot.
    pub enabled: Option<bool>,
    /// Masked.
    pub masked: Option<bool>,
    /// `systemctl daemon-reload` first.
    pub daemon_reload: bool,
    /// `systemctl daemon-reexec` first.
    pub daemon_reexec: bool,
}

/// The `service` and `systemd` modules.
pub struct ServiceModule;

impl Module for ServiceModule {
    type Args = ServiceArgs;
    const PROBES: bool = true;

    fn parse(args: &mut ArgMap) -> Result<ServiceArgs, ArgError> {
        let name = args.str(&["name", "service", "unit"])?;
        if let Some(n) = &name {
            if n.is_empty() || n.starts_with('-') || n.contains(char::is_whitespace) {
                return Err(ArgError::Invalid(format!("invalid unit name `{n}`")));
            }
        }
        let state = match args
            .choice(&["state"], &["started", "stopped", "restarted", "reloaded"])?
            .as_deref()
        {
            Some("started") => Some(RunState::Started),
            Some("stopped") => Some(RunState::Stopped),
            Some("restarted") => Some(RunState::Restarted),
            Some("reloaded") => Some(RunState::Reloaded),
            _ => None,
        };
        let parsed = ServiceArgs {
            name,
            state,
            enabled: args.bool(&["enabled"])?,
            masked: args.bool(&["masked"])?,
            daemon_reload: args
                .bool(&["daemon_reload", "daemon-reload"])?
                .unwrap_or(false),
            daemon_reexec: args
                .bool(&["daemon_reexec", "daemon-reexec"])?
                .unwrap_or(false),
        };
        // Accepted where their value is what systemctl does here; any
        // other value is not implemented (the task fails when reached).
        for name in ["arguments", "args", "pattern", "runlevel", "sleep", "force"] {
            args.absent_only(name);
        }
        args.bool_at_default("no_block", false);
        if matches!(args.str(&["scope"])?.as_deref(), Some(s) if s != "system") {
            return Err(ArgError::NotImplemented {
                module: "systemd".into(),
                name: "scope".into(),
            });
        }
        if matches!(args.str(&["use"])?.as_deref(), Some(u) if u != "auto" && u != "systemd") {
            return Err(ArgError::NotImplemented {
                module: "service".into(),
                name: "use".into(),
            });
        }
        args.finish(&[
            "name",
            "state",
            "enabled",
            "masked",
            "daemon_reload",
            "daemon_reexec",
            "scope",
            "no_block",
        ])?;
        if parsed.name.is_none()
            && (parsed.state.is_some() || parsed.enabled.is_some() || parsed.masked.is_some())
        {
            return Err(ArgError::Missing("name".into()));
        }
        if parsed.name.is_none() && !parsed.daemon_reload && !parsed.daemon_reexec {
            return Err(ArgError::Invalid(
                "one of `name`, `daemon_reload`, `daemon_reexec` is required".into(),
            ));
        }
        Ok(parsed)
    }

    fn probes(a: &ServiceArgs) -> Vec<String> {
        a.name.as_deref().map(probe).into_iter().collect()
    }

    fn run(a: &ServiceArgs, ctx: &mut ModuleContext<'_>) -> Result<Outcome, ModuleError> {
        let mut o = Outcome::ok();
        let mut cmds: Vec<String> = Vec::new();
        if a.daemon_reexec {
            cmds.push("systemctl daemon-reexec".into());
        }
        if a.daemon_reload {
            cmds.push("systemctl daemon-reload".into());
        }
        let Some(name) = &a.name else {
            if !ctx.check_mode() {
                run_all(ctx, &cmds, &mut o)?;
            }
            return Ok(o);
        };
        let out = ctx.probe(&probe(name))?;
        let text = out.stdout_str();
        let field = |k: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(k))
                .unwrap_or("")
                .trim()
                .to_owned()
        };
        let (enabled_state, active_state) = (field("enabled="), field("active="));
        if enabled_state.is_empty()
            && field("exists=") != "yes"
            && a.state != Some(RunState::Stopped)
        {
            return Ok(o.failing(format!("Could not find the requested service {name}: host")));
        }
        let is_masked = enabled_state == "masked" || enabled_state == "masked-runtime";
        let is_enabled = matches!(
            enabled_state.as_str(),
            "enabled" | "enabled-runtime" | "alias" | "static" | "indirect" | "generated"
        );
        let is_active = matches!(active_state.as_str(), "active" | "activating" | "reloading");
        let mut changed = false;
        if let Some(m) = a.masked {
            if m != is_masked {
                cmds.push(
                    Cmd::new("systemctl")
                        .arg(if m { "mask" } else { "unmask" })
                        .arg(name)
                        .into_string(),
                );
                changed = true;
            }
        }
        if let Some(e) = a.enabled {
            if e != is_enabled {
                cmds.push(
                    Cmd::new("systemctl")
                        .arg(if e { "enable" } else { "disable" })
                        .arg(name)
                        .into_string(),
                );
                changed = true;
            }
        }
        let verb = match a.state {
            Some(RunState::Started) if !is_active => Some("start"),
            Some(RunState::Stopped) if is_active => Some("stop"),
            Some(RunState::Restarted) => Some("restart"),
            Some(RunState::Reloaded) => Some(if is_active { "reload" } else { "start" }),
            _ => None,
        };
        if let Some(v) = verb {
            cmds.push(Cmd::new("systemctl").arg(v).arg(name).into_string());
            changed = true;
        }
        o.changed = changed;
        o.result.insert("name".into(), Value::Str(name.clone()));
        if let Some(s) = a.state {
            let word = match s {
                RunState::Started | RunState::Restarted | RunState::Reloaded => "started",
                RunState::Stopped => "stopped",
            };
            o.result.insert("state".into(), Value::Str(word.into()));
        }
        if let Some(e) = a.enabled {
            o.result.insert("enabled".into(), Value::Bool(e));
        }
        let mut status = Map::new();
        status.insert("ActiveState".into(), Value::Str(active_state));
        status.insert("UnitFileState".into(), Value::Str(enabled_state));
        o.result.insert("status".into(), Value::Map(status));
        if !ctx.check_mode() {
            run_all(ctx, &cmds, &mut o)?;
        }
        Ok(o)
    }
}

fn run_all(
    ctx: &mut ModuleContext<'_>,
    cmds: &[String],
    o: &mut Outcome,
) -> Result<(), ModuleError> {
    if cmds.is_empty() {
        return Ok(());
    }
    let out = ctx.apply(&cmds.join(" && "), None)?;
    if out.rc != 0 {
        let msg = format!("{} failed: {}", cmds.join(" && "), out.stderr_str().trim());
        *o = std::mem::take(o).failing(msg);
    }
    Ok(())
}

/// One probe: enablement, activity, and whether a unit file exists.
fn probe(name: &str) -> String {
    let n = crate::shell::quote(name);
    format!(
        "printf 'enabled=%s\\n' \"$(systemctl is-enabled {n} 2>/dev/null)\"\n\
         printf 'active=%s\\n' \"$(systemctl is-active {n} 2>/dev/null)\"\n\
         if systemctl cat {n} >/dev/null 2>&1; then echo exists=yes; else echo exists=no; fi\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, Value)]) -> Result<ServiceArgs, ArgError> {
        ServiceModule::parse(&mut ArgMap::new(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
        ))
    }

    #[test]
    fn parses_ansible_forms() {
        let a = parse(&[
            ("name", "containerd".into()),
            ("state", "started".into()),
            ("enabled", "yes".into()),
        ])
        .unwrap();
        assert_eq!(a.state, Some(RunState::Started));
        assert_eq!(a.enabled, Some(true));
        assert!(parse(&[("daemon_reload", Value::Bool(true))]).is_ok());
        assert!(parse(&[("state", "started".into())]).is_err());
        assert!(parse(&[("name", "-x".into())]).is_err());
    }
}
