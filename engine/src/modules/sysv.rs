//! SysV init scripts: the `sysvinit` module, and the generic `service`
//! module's path for hosts where systemd is not running (Ansible's
//! `LinuxService` with `/etc/init.d` scripts, the `service` command,
//! `update-rc.d` or `chkconfig`).
//!
//! One read-only probe finds the script, the tools, the `S??NAME` links
//! and the status (`service NAME status` or the script's `status`, or
//! `ps auxww` for `pattern`); the module decides with Ansible's text
//! heuristics and runs only the actions needed. Start/stop commands run
//! detached (`setsid`, output to temp files), as Ansible daemonizes them,
//! so a daemon never holds the connection open.
//!
//! Supported: `sysvinit`'s `name`, `state`, `enabled`, `sleep`,
//! `pattern`, `arguments`, `runlevels`, `daemonize` (commands always run
//! detached); `service`'s `name`, `state`, `enabled`, `sleep`, `pattern`,
//! `runlevel` (used by OpenRC only, which is not supported), `arguments`.

use super::args::{ArgError, ArgMap};
use super::context::ModuleContext;
use super::outcome::{ModuleError, Outcome};
use super::service::RunState;
use crate::shell::quote;
use crate::value::{Map, Value};

/// Arguments shared by `sysvinit` and the generic `service`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SysvArgs {
    /// Service name, or an init script path.
    pub name: String,
    /// Wanted run state.
    pub state: Option<RunState>,
    /// Wanted boot enablement.
    pub enabled: Option<bool>,
    /// Seconds between stop and start of a restart.
    pub sleep: i64,
    /// `ps` pattern deciding whether it runs.
    pub pattern: Option<String>,
    /// Extra arguments for the script.
    pub arguments: String,
    /// `sysvinit`'s runlevels.
    pub runlevels: Vec<String>,
}

/// Parses the arguments of either flavour.
pub(crate) fn parse(args: &mut ArgMap, sysvinit: bool) -> Result<SysvArgs, ArgError> {
    let names: &[&str] = if sysvinit {
        &["name", "service"]
    } else {
        &["name"]
    };
    let name = args.required_str(names)?;
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
    let enabled = args.bool(&["enabled"])?;
    let sleep = args
        .int(&["sleep"])?
        .unwrap_or(if sysvinit { 1 } else { 0 });
    let pattern = args.str(&["pattern"])?;
    let arguments = args.str(&["arguments", "args"])?.unwrap_or_default();
    let runlevels = if sysvinit {
        args.bool(&["daemonize"])?;
        args.list(&["runlevels"])?.unwrap_or_default()
    } else {
        args.str(&["runlevel"])?;
        Vec::new()
    };
    let supported: &[&str] = if sysvinit {
        &[
            "name",
            "state",
            "enabled",
            "sleep",
            "pattern",
            "arguments",
            "runlevels",
            "daemonize",
        ]
    } else {
        &[
            "name",
            "state",
            "enabled",
            "sleep",
            "pattern",
            "runlevel",
            "arguments",
        ]
    };
    args.finish(supported)?;
    if state.is_none() && enabled.is_none() {
        return Err(ArgError::Invalid(
            "one of the following is required: state, enabled".into(),
        ));
    }
    Ok(SysvArgs {
        name,
        state,
        enabled,
        sleep,
        pattern,
        arguments,
        runlevels,
    })
}

/// The init script Ansible would use for `name`.
fn script_path(name: &str) -> String {
    if name.starts_with('/') {
        name.to_owned()
    } else {
        format!("/etc/init.d/{name}")
    }
}

/// What the probe saw.
#[derive(Debug, Default)]
pub(crate) struct SysvProbe {
    exists: bool,
    is_file: bool,
    bins: Vec<(String, String)>,
    enabled: bool,
    enabled_in: Vec<String>,
    klinks: bool,
    systemd_running: bool,
    status_rc: Option<i32>,
    status_out: String,
    ps: Vec<String>,
}

impl SysvProbe {
    fn bin(&self, b: &str) -> Option<&str> {
        self.bins
            .iter()
            .find(|(n, _)| n == b)
            .map(|(_, p)| p.as_str())
    }
}

const PS_MARK: &str = "konvoy-ps-probe";

/// The probe: read-only.
pub(crate) fn probe_script(a: &SysvArgs) -> String {
    let n = quote(&a.name);
    let path = script_path(&a.name);
    let script = quote(&path);
    let mut s = format!(
        "# {PS_MARK}\nLC_ALL=C; export LC_ALL\nn={n}; s={script}\n\
         [ -e \"$s\" ] && echo exists\n[ -f \"/etc/init.d/$n\" ] && echo isfile\n\
         for b in service chkconfig update-rc.d insserv systemctl initctl rc-service; do\n\
         \x20 p=$(PATH=\"$PATH:/sbin:/usr/sbin:/bin:/usr/bin\" command -v \"$b\") && echo \"bin $b $p\"\ndone\n\
         if [ -d /etc/rc0.d/ ]; then d=/etc; else d=/etc/init.d; fi\n\
         for f in \"$d\"/rc?.d/S??\"$n\"; do [ -e \"$f\" ] && echo \"enabled ${{f#$d/rc}}\"; done\n\
         for f in /etc/rc?.d/K??\"$n\"; do [ -e \"$f\" ] && echo klinks; done\n\
         [ -d /run/systemd/system/ ] && echo systemd-running\n"
    );
    match &a.pattern {
        Some(_) => s.push_str("echo @@ps\nps auxww 2>/dev/null\necho @@end\n"),
        None => s.push_str(
            "if b=$(PATH=\"$PATH:/sbin:/usr/sbin\" command -v service); then o=$(\"$b\" \"$n\" status 2>/dev/null); rc=$?\n\
             elif [ -e \"$s\" ]; then o=$(\"$s\" status 2>/dev/null); rc=$?; else rc=none; fi\n\
             echo \"status-rc $rc\"; echo @@status; printf '%s\\n' \"$o\"; echo @@end\n",
        ),
    }
    s
}

fn parse_probe(text: &str) -> SysvProbe {
    let mut p = SysvProbe::default();
    let mut section: Option<&str> = None;
    for line in text.lines() {
        match (section, line) {
            (Some(_), "@@end") => section = None,
            (Some("ps"), l) => p.ps.push(l.to_owned()),
            (Some(_), l) => {
                p.status_out.push_str(l);
                p.status_out.push('\n');
            }
            (None, "@@ps") => section = Some("ps"),
            (None, "@@status") => section = Some("status"),
            (None, "exists") => p.exists = true,
            (None, "isfile") => p.is_file = true,
            (None, "klinks") => p.klinks = true,
            (None, "systemd-running") => p.systemd_running = true,
            (None, l) => {
                if let Some(rest) = l.strip_prefix("bin ") {
                    let (b, path) = rest.split_once(' ').unwrap_or((rest, ""));
                    p.bins.push((b.to_owned(), path.to_owned()));
                } else if let Some(rest) = l.strip_prefix("enabled ") {
                    p.enabled = true;
                    p.enabled_in.push(rest.chars().take(1).collect());
                } else if let Some(rc) = l.strip_prefix("status-rc ") {
                    p.status_rc = rc.trim().parse().ok();
                }
            }
        }
    }
    // `$(...)` dropped the last newline; Ansible's out keeps it.
    p
}

/// Whether `pattern` is in a `ps` line (not the probe's own processes).
fn ps_match(p: &SysvProbe, pattern: &str) -> bool {
    p.ps.iter()
        .filter(|l| !l.contains(PS_MARK))
        .any(|l| l.contains(pattern))
}

/// A command run detached, its output captured, as Ansible's daemonize.
fn detached(cmd: &str) -> String {
    format!(
        "o=$(mktemp) && e=$(mktemp) || exit 1\n\
         (cd / && exec setsid {cmd} </dev/null >\"$o\" 2>\"$e\")\nrc=$?\n\
         cat \"$o\"; cat \"$e\" >&2; rm -f \"$o\" \"$e\"; exit $rc\n"
    )
}

/// Runs the `sysvinit` module.
pub(crate) fn run_sysvinit(
    a: &SysvArgs,
    ctx: &mut ModuleContext<'_>,
) -> Result<Outcome, ModuleError> {
    let p = parse_probe(&ctx.probe(&probe_script(a))?.stdout_str());
    if !p.exists {
        return Ok(Outcome::failed(format!(
            "Could not find the requested service {}: ",
            a.name
        )));
    }
    let script = script_path(&a.name);
    let mut warnings = Vec::new();
    let (mut started, mut worked) = (false, false);
    match &a.pattern {
        Some(pat) => {
            started = ps_match(&p, pat);
            worked = started;
        }
        None => {
            let rc = p.status_rc.unwrap_or(-1);
            let out = &p.status_out;
            if rc != -1 {
                if out.matches('\n').count() <= 1 {
                    let clean = out.to_lowercase().replace(&a.name.to_lowercase(), "");
                    if [
                        "stop",
                        "is dead ",
                        "dead but ",
                        "could not access pid file",
                        "inactive",
                    ]
                    .iter()
                    .any(|s| clean.contains(s))
                    {
                        worked = true;
                    } else if ["run", "start", "active"].iter().any(|s| clean.contains(s))
                        && !clean.contains("not ")
                    {
                        started = true;
                        worked = true;
                    }
                }
                if !worked && [1, 2, 3, 4, 69].contains(&rc) {
                    worked = true;
                }
            }
            if !worked && rc == 0 {
                started = true;
                worked = true;
            }
        }
    }
    if !worked {
        warnings.push(Value::from(
            "Unable to determine if service is up, assuming it is down",
        ));
    }
    let null = |changed: bool| {
        let mut m = Map::new();
        m.insert("changed".into(), Value::Bool(changed));
        for k in ["rc", "stdout", "stderr"] {
            m.insert(k.into(), Value::Null);
        }
        m
    };
    let mut changed = false;
    let mut enabled_status = null(false);
    let enable_cmd = |on: bool| -> Option<String> {
        let rl = a.runlevels.join(" ");
        if let Some(u) = p.bin("update-rc.d") {
            Some(match (on, a.runlevels.is_empty()) {
                (true, true) => format!("{u} {} defaults", quote(&a.name)),
                (false, true) => format!("{u} {} disable", quote(&a.name)),
                (true, false) => format!("{u} {} enable {rl}", quote(&a.name)),
                (false, false) => format!("{u} {} disable {rl}", quote(&a.name)),
            })
        } else {
            p.bin("chkconfig").map(|c| {
                let onoff = if on { "on" } else { "off" };
                if a.runlevels.is_empty() {
                    format!("{c} {} {onoff}", quote(&a.name))
                } else {
                    format!(
                        "{c} --level {} {} {onoff}",
                        a.runlevels.join(""),
                        quote(&a.name)
                    )
                }
            })
        }
    };
    if let Some(want) = a.enabled {
        let differs = if a.runlevels.is_empty() {
            want != p.enabled
        } else {
            a.runlevels
                .iter()
                .any(|rl| want != p.enabled_in.iter().any(|e| e == rl))
        };
        if !a.runlevels.is_empty() {
            enabled_status.insert(
                "runlevels".into(),
                Value::List(
                    a.runlevels
                        .iter()
                        .map(|r| Value::from(r.as_str()))
                        .collect(),
                ),
            );
        }
        if differs {
            changed = true;
            enabled_status.insert("changed".into(), Value::Bool(true));
            if !ctx.check_mode() {
                if let Some(cmd) = enable_cmd(want) {
                    let out = ctx.apply(&cmd, None)?;
                    enabled_status.insert("rc".into(), Value::Int(i64::from(out.rc)));
                    enabled_status.insert("stdout".into(), Value::Str(out.stdout_str()));
                    enabled_status.insert("stderr".into(), Value::Str(out.stderr_str()));
                } else {
                    enabled_status.insert("rc".into(), Value::Int(0));
                    enabled_status.insert("stdout".into(), Value::Str(String::new()));
                    enabled_status.insert("stderr".into(), Value::Str(String::new()));
                }
            }
        }
    }
    let state_key = a.state.map_or("null", state_word);
    let mut state_status = null(false);
    if let Some(state) = a.state {
        let action = match state {
            RunState::Started => "start",
            RunState::Stopped => "stop",
            RunState::Restarted => "restart",
            RunState::Reloaded => "reload",
        };
        let needed =
            action == "restart" || started != (action == "start") || started == (action == "stop");
        if needed {
            changed = true;
            state_status.insert("changed".into(), Value::Bool(true));
            if !ctx.check_mode() {
                let steps: &[&str] = if action == "restart" {
                    &["stop", "start"]
                } else {
                    &[action]
                };
                let mut last = None;
                for step in steps {
                    let cmd = format!("{} {} {}", quote(&script), step, a.arguments);
                    let out = ctx.apply(&detached(&cmd), None)?;
                    if out.rc != 0 {
                        return Ok(Outcome::failed(format!(
                            "Failed to {action} service: {}",
                            a.name
                        ))
                        .with("rc", i64::from(out.rc))
                        .with("stdout", out.stdout_str())
                        .with("stderr", out.stderr_str()));
                    }
                    if action == "restart" && a.sleep > 0 {
                        std::thread::sleep(std::time::Duration::from_secs(
                            a.sleep.clamp(0, 3600) as u64
                        ));
                    }
                    last = Some(out);
                }
                if let Some(out) = last {
                    state_status.insert("rc".into(), Value::Int(i64::from(out.rc)));
                    state_status.insert("stdout".into(), Value::Str(out.stdout_str()));
                    state_status.insert("stderr".into(), Value::Str(out.stderr_str()));
                }
            }
        }
    }
    let mut status = Map::new();
    status.insert("enabled".into(), Value::Map(enabled_status));
    status.insert(state_key.into(), Value::Map(state_status));
    let mut o = Outcome {
        changed,
        ..Outcome::ok()
    }
    .with("name", a.name.clone())
    .with("status", Value::Map(status));
    if !warnings.is_empty() {
        o = o.with("warnings", Value::List(warnings));
    }
    Ok(o)
}

fn state_word(s: RunState) -> &'static str {
    match s {
        RunState::Started => "started",
        RunState::Stopped => "stopped",
        RunState::Restarted => "restarted",
        RunState::Reloaded => "reloaded",
    }
}

/// Whether the probe says systemd runs the host (the generic `service`
/// then drives systemctl).
pub(crate) fn systemd_running(ctx: &mut ModuleContext<'_>) -> Result<bool, ModuleError> {
    let out =
        ctx.probe("[ -d /run/systemd/system/ ] && command -v systemctl >/dev/null && echo yes")?;
    Ok(out.stdout_str().trim() == "yes")
}

/// The generic `service` module on a host without a running systemd:
/// Ansible's `LinuxService` with an init script.
pub(crate) fn run_service(
    a: &SysvArgs,
    ctx: &mut ModuleContext<'_>,
) -> Result<Outcome, ModuleError> {
    let p = parse_probe(&ctx.probe(&probe_script(a))?.stdout_str());
    let svc = p.bin("service").map(str::to_owned);
    let initscript = p.is_file.then(|| format!("/etc/init.d/{}", a.name));
    if svc.is_none() && initscript.is_none() {
        return Ok(Outcome::failed("cannot find 'service' binary or init script for service,  possible typo in service name?, aborting"));
    }
    let mut o = Outcome::ok().with("name", a.name.clone());
    let mut changed = false;
    if let Some(want) = a.enabled {
        let Some(tool) = p.bin("update-rc.d").map(str::to_owned) else {
            return Ok(Outcome::failed(format!(
                "cannot detect command to enable service {}, typo or init system potentially unknown",
                a.name
            )));
        };
        if want != p.enabled {
            changed = true;
            if !ctx.check_mode() {
                let n = quote(&a.name);
                let mut cmd = String::new();
                if want && !p.klinks {
                    cmd.push_str(&format!("{tool} {n} defaults && "));
                }
                cmd.push_str(&format!(
                    "{tool} {n} {}",
                    if want { "enable" } else { "disable" }
                ));
                let out = ctx.apply(&cmd, None)?;
                if out.rc != 0 {
                    let err = out.stderr_str();
                    return Ok(Outcome::failed(if err.is_empty() {
                        out.stdout_str()
                    } else {
                        err
                    }));
                }
            }
        }
        o = o.with("enabled", want);
    }
    let Some(state) = a.state else {
        o.changed = changed;
        return Ok(o);
    };
    let running = match &a.pattern {
        Some(pat) => Some(ps_match(&p, pat)),
        None => generic_status(&p, &a.name),
    };
    let action = match state {
        RunState::Started if running != Some(true) => Some("start"),
        RunState::Stopped if running == Some(true) => Some("stop"),
        RunState::Restarted => Some("restart"),
        RunState::Reloaded if running != Some(true) => Some("start"),
        RunState::Reloaded => Some("reload"),
        _ => None,
    };
    if let Some(action) = action {
        changed = true;
        if !ctx.check_mode() {
            let base = match (&svc, &initscript) {
                (Some(s), _) => format!("{s} {}", quote(&a.name)),
                (None, Some(i)) => quote(i).into_owned(),
                (None, None) => unreachable!("checked above"),
            };
            let steps: &[&str] = if action == "restart" {
                &["stop", "start"]
            } else {
                &[action]
            };
            let mut result = None;
            for (i, step) in steps.iter().enumerate() {
                let out = ctx.apply(&detached(&format!("{base} {step} {}", a.arguments)), None)?;
                if i == 0 && steps.len() == 2 && a.sleep > 0 {
                    std::thread::sleep(std::time::Duration::from_secs(
                        a.sleep.clamp(0, 3600) as u64
                    ));
                }
                // A restart's outcome is the start's (the stop may fail
                // on a stopped service), as Ansible's.
                result = Some(out);
            }
            if let Some(out) = result.filter(|o| o.rc != 0) {
                let err = out.stderr_str();
                if !err.contains("Job is already running") {
                    return Ok(Outcome::failed(if err.is_empty() {
                        out.stdout_str()
                    } else {
                        err
                    }));
                }
            }
        }
    }
    o.changed = changed;
    let word = if state == RunState::Stopped {
        "stopped"
    } else {
        "started"
    };
    Ok(o.with("state", word))
}

/// `LinuxService.get_service_status` for init scripts.
fn generic_status(p: &SysvProbe, name: &str) -> Option<bool> {
    let rc = p.status_rc?;
    if [1, 2, 3, 4, 69].contains(&rc) {
        return Some(false);
    }
    let out = &p.status_out;
    if out.matches('\n').count() <= 1 {
        let clean = out.to_lowercase().replace(&name.to_lowercase(), "");
        if clean.contains("stop") {
            return Some(false);
        } else if clean.contains("run") {
            return Some(!clean.contains("not "));
        } else if clean.contains("start") && !clean.contains("not ") {
            return Some(true);
        } else if [
            "could not access pid file",
            "is dead and pid file exists",
            "dead but subsys locked",
            "dead but pid file exists",
        ]
        .iter()
        .any(|s| clean.contains(s))
        {
            return Some(false);
        }
    }
    (rc == 0).then_some(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_output_is_read() {
        let p = parse_probe(
            "exists\nisfile\nbin service /usr/sbin/service\nbin update-rc.d /usr/sbin/update-rc.d\n\
             enabled 2/S01konvoy\nstatus-rc 3\n@@status\nkonvoy is not running\n@@end\n",
        );
        assert!(p.exists && p.is_file && p.enabled);
        assert_eq!(p.enabled_in, ["2"]);
        assert_eq!(p.bin("service"), Some("/usr/sbin/service"));
        assert_eq!(p.status_rc, Some(3));
        assert_eq!(generic_status(&p, "konvoy"), Some(false));
    }
}
