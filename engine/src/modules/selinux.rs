//! `selinux` (`ansible.posix.selinux`): the SELinux state and policy in
//! `/etc/selinux/config`, the running mode, and optionally the kernel's
//! `selinux=0` argument (grubby).
//!
//! Supported: `state`, `policy`, `configfile` (`conf`, `file`),
//! `update_kernel_param`. What libselinux tells ansible.posix is read
//! from the host directly: SELinux is enabled when `selinuxfs` is mounted
//! (`/sys/fs/selinux/enforce`), the running policy is the config's
//! `SELINUXTYPE` (libselinux's default `targeted` without one), and the
//! running mode is set through `/sys/fs/selinux/enforce`. So unlike
//! ansible.posix, no Python bindings are needed on the host. Results:
//! `msg`, `configfile`, `policy`, `state`, `reboot_required`, Ansible's
//! warnings.

use super::args::{ArgError, ArgMap};
use super::capture::{Records, Script};
use super::context::ModuleContext;
use super::outcome::{ModuleError, Outcome};
use super::write::{replace_step, sealed};
use super::Module;
use crate::shell::quote;
use crate::transport::atomic::Content;
use crate::value::Value;

/// Arguments of `selinux`.
#[derive(Debug, Clone)]
pub struct SelinuxArgs {
    state: String,
    policy: Option<String>,
    configfile: String,
    update_kernel_param: bool,
}

/// The `selinux` module.
pub struct SelinuxModule;

impl Module for SelinuxModule {
    type Args = SelinuxArgs;
    const PROBES: bool = true;

    fn parse(args: &mut ArgMap) -> Result<SelinuxArgs, ArgError> {
        let parsed = SelinuxArgs {
            state: args
                .choice(&["state"], &["enforcing", "permissive", "disabled"])?
                .ok_or_else(|| ArgError::Missing("state".into()))?,
            policy: args.str(&["policy"])?,
            configfile: args
                .str(&["configfile", "conf", "file"])?
                .unwrap_or_else(|| "/etc/selinux/config".into()),
            update_kernel_param: args.bool(&["update_kernel_param"])?.unwrap_or(false),
        };
        args.finish(&["state", "policy", "configfile", "update_kernel_param"])?;
        Ok(parsed)
    }

    fn probes(a: &SelinuxArgs) -> Vec<String> {
        vec![probe(a).text().to_owned()]
    }

    fn run(a: &SelinuxArgs, ctx: &mut ModuleContext<'_>) -> Result<Outcome, ModuleError> {
        let r = Records::parse(&ctx.probe(probe(a).text())?.stdout)?;
        let check = ctx.check_mode();
        let runtime_enabled = r.succeeded("enabled");
        let runtime_state = if !runtime_enabled {
            "disabled"
        } else if r.out_ok("enforce").is_some_and(|e| e.trim() == "1") {
            "enforcing"
        } else {
            "permissive"
        };
        let Some(config) = r.out_ok("config").map(str::to_owned) else {
            return Ok(Outcome::fail_json(format!("Unable to find file {}", a.configfile))
                .with(
                    "details",
                    "Please install SELinux-policy package, if this package is not installed previously.",
                ));
        };
        let config_policy = config_value(&config, "SELINUXTYPE");
        let config_state = config_value(&config, "SELINUX");
        let runtime_policy = config_policy.clone().unwrap_or_else(|| "targeted".into());
        let mut kernel_enabled = None;
        if a.update_kernel_param {
            let Some(info) = r.get("grubby") else {
                return Ok(no_grubby());
            };
            if info.rc == 127 {
                return Ok(no_grubby());
            }
            if !info.ok() {
                return Ok(Outcome::fail_json("unable to run grubby"));
            }
            kernel_enabled = kernel_state(&info.out);
        }
        let policy = match (&a.policy, a.state.as_str()) {
            (Some(p), _) if !p.is_empty() => Some(p.clone()),
            (_, "disabled") => config_policy.clone(),
            _ => {
                return Ok(Outcome::fail_json(
                    "Policy is required if state is not 'disabled'",
                ))
            }
        };
        let mut changed = false;
        let mut msgs: Vec<String> = Vec::new();
        let mut warnings: Vec<String> = Vec::new();
        let mut reboot_required = false;
        let mut script = Script::new();
        let mut text = config.clone();
        if policy.as_deref() != Some(runtime_policy.as_str()) {
            if check {
                return Ok(Outcome::changed());
            }
            msgs.push(format!(
                "Running SELinux policy changed from '{runtime_policy}' to '{}'",
                policy.as_deref().unwrap_or("None")
            ));
            changed = true;
        }
        if policy != config_policy {
            if check {
                return Ok(Outcome::changed());
            }
            let p = policy.clone().unwrap_or_default();
            if !r.succeeded("policydir") {
                return Ok(Outcome::fail_json(format!(
                    "Policy {p} does not exist in /etc/selinux/"
                )));
            }
            text = set_line(&text, "SELINUXTYPE", &p);
            msgs.push(format!(
                "SELinux policy configuration in '{}' changed from '{}' to '{p}'",
                a.configfile,
                config_policy.as_deref().unwrap_or("None")
            ));
            changed = true;
        }
        if a.state != runtime_state {
            if runtime_enabled {
                if a.state == "disabled" {
                    if runtime_state != "permissive" {
                        script = script
                            .capture_or_stop("setenforce", "echo 0 > /sys/fs/selinux/enforce");
                        warnings.push(format!(
                            "SELinux state temporarily changed from '{runtime_state}' to 'permissive'. State change will take effect next reboot."
                        ));
                        changed = true;
                    } else {
                        warnings.push("SELinux state change will take effect next reboot".into());
                    }
                    reboot_required = true;
                } else {
                    let v = if a.state == "enforcing" { "1" } else { "0" };
                    script = script.capture_or_stop(
                        "setenforce",
                        &format!("echo {v} > /sys/fs/selinux/enforce"),
                    );
                    msgs.push(format!(
                        "SELinux state changed from '{runtime_state}' to '{}'",
                        a.state
                    ));
                    changed = true;
                }
            } else {
                warnings.push(format!(
                    "Reboot is required to set SELinux state to '{}'",
                    a.state
                ));
                reboot_required = true;
            }
        }
        if config_state.as_deref() != Some(a.state.as_str()) {
            text = set_line(&text, "SELINUX", &a.state);
            msgs.push(format!(
                "Config SELinux state changed from '{}' to '{}'",
                config_state.as_deref().unwrap_or("None"),
                a.state
            ));
            changed = true;
        }
        let wanted_kernel = a.state == "enforcing" || a.state == "permissive";
        if a.update_kernel_param && kernel_enabled != Some(wanted_kernel) {
            let flag = if wanted_kernel {
                "--remove-args"
            } else {
                "--args"
            };
            script = script.capture_or_stop(
                "grubby_set",
                &format!("grubby --update-kernel=ALL {flag} selinux=0"),
            );
            let states = match (kernel_enabled, wanted_kernel) {
                (None, true) => ("<inconsistent>", "enabled"),
                (None, false) => ("<inconsistent>", "disabled"),
                (_, true) => ("disabled", "enabled"),
                (_, false) => ("enabled", "disabled"),
            };
            msgs.push(format!(
                "Kernel SELinux state changed from '{}' to '{}'",
                states.0, states.1
            ));
            changed = true;
        }
        if !check {
            if text != config {
                let size = text.len() as u64;
                script = script.capture_or_stop(
                    "write",
                    &replace_step(&a.configfile, Content::Stdin { size }, "0644", true, false),
                );
            }
            if !script.is_empty() {
                let rec = Records::parse(
                    &ctx.apply(script.text(), Some(&sealed(text.as_bytes())))?
                        .stdout,
                )?;
                if rec.get("grubby_set").is_some_and(|c| !c.ok()) {
                    let msg = if wanted_kernel {
                        "unable to remove selinux=0 from kernel config"
                    } else {
                        "unable to add selinux=0 to kernel config"
                    };
                    return Ok(Outcome::fail_json(msg));
                }
                for tag in ["setenforce", "write"] {
                    if let Some(c) = rec.get(tag).filter(|c| !c.ok()) {
                        return Ok(Outcome::fail_json(c.err.trim().to_owned()));
                    }
                }
            }
        }
        let mut o = Outcome::ok()
            .with("msg", msgs.join(", "))
            .with("configfile", a.configfile.as_str())
            .with("policy", policy.map(Value::Str).unwrap_or(Value::Null))
            .with("state", a.state.as_str())
            .with("reboot_required", reboot_required);
        o.changed = changed;
        if !warnings.is_empty() {
            o = o.with(
                "warnings",
                Value::List(warnings.into_iter().map(Value::Str).collect()),
            );
        }
        Ok(o)
    }
}

fn no_grubby() -> Outcome {
    Outcome::fail_json("'grubby' command not found on host").with(
        "details",
        "In order to update the kernel command lineenabled/disabled setting, the grubby packageneeds to be present on the system.",
    )
}

fn probe(a: &SelinuxArgs) -> Script {
    let mut s = Script::new()
        .capture(
            "enabled",
            "grep -qw selinuxfs /proc/filesystems && [ -r /sys/fs/selinux/enforce ]",
        )
        .capture("enforce", "cat /sys/fs/selinux/enforce")
        .capture(
            "config",
            &format!("[ -f {f} ] && cat -- {f}", f = quote(&a.configfile)),
        );
    if let Some(p) = &a.policy {
        s = s.capture(
            "policydir",
            &format!("[ -e /etc/selinux/{}/policy ]", quote(p)),
        );
    }
    if a.update_kernel_param {
        s = s.capture(
            "grubby",
            "command -v grubby >/dev/null || exit 127; grubby --info=ALL",
        );
    }
    s
}

/// `get_config_state`/`get_config_policy`: the first `KEY=` line's value.
fn config_value(text: &str, key: &str) -> Option<String> {
    let prefix = format!("{key}=");
    text.lines()
        .find(|l| l.starts_with(&prefix))
        .map(|l| l.split('=').nth(1).unwrap_or("").trim().to_owned())
}

/// `set_config_state`/`set_config_policy`: every `KEY=` line replaced (or
/// one appended); lines end in newlines afterwards.
fn set_line(text: &str, key: &str, value: &str) -> String {
    let prefix = format!("{key}=");
    let mut out = String::new();
    let mut found = false;
    for line in text.lines() {
        if line.starts_with(&prefix) {
            found = true;
            out.push_str(&format!("{key}={value}\n"));
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    if !found {
        out.push_str(&format!("{key}={value}\n"));
    }
    out
}

/// `get_kernel_enabled`: `Some(true)` when no kernel has `selinux=0`,
/// `Some(false)` when all have it, `None` when they differ.
fn kernel_state(info: &str) -> Option<bool> {
    let (mut all_enabled, mut all_disabled) = (true, true);
    for line in info.split('\n') {
        let Some(args) = line
            .strip_prefix("args=\"")
            .and_then(|l| l.strip_suffix('"'))
        else {
            continue;
        };
        if args.split(' ').any(|a| a == "selinux=0") {
            all_enabled = false;
        } else {
            all_disabled = false;
        }
    }
    (all_enabled != all_disabled).then_some(all_enabled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_lines_are_read_and_replaced() {
        let c = "# c\nSELINUX=enforcing\nSELINUXTYPE=targeted";
        assert_eq!(config_value(c, "SELINUX").as_deref(), Some("enforcing"));
        assert_eq!(config_value(c, "SELINUXTYPE").as_deref(), Some("targeted"));
        assert_eq!(
            set_line(c, "SELINUX", "disabled"),
            "# c\nSELINUX=disabled\nSELINUXTYPE=targeted\n"
        );
        assert_eq!(set_line("", "SELINUX", "disabled"), "SELINUX=disabled\n");
        assert_eq!(kernel_state("args=\"ro quiet\"\nargs=\"ro\"\n"), Some(true));
        assert_eq!(kernel_state("args=\"ro selinux=0\"\nargs=\"ro\"\n"), None);
    }
}
