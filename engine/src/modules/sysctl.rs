//! `sysctl`: a kernel parameter, persisted in a sysctl file and applied.
//!
//! Supported: `name`, `value`, `state` (present/absent), `sysctl_file`
//! (default `/etc/sysctl.conf`), `reload` (default true: `sysctl -p FILE`
//! after the file changed), `sysctl_set` (also compare and set the live
//! value in `/proc/sys`), `ignoreerrors`. The file is edited in Rust from
//! one probe and written atomically; lines are written as `name=value`,
//! as Ansible writes them. Values compare with whitespace normalised
//! (`1  2` equals `1 2`). Unchanged: one command (two with `sysctl_set`).

use super::args::{ArgError, ArgMap};
use super::attrs::Attrs;
use super::context::ModuleContext;
use super::outcome::{ModuleError, Outcome};
use super::textedit::{probe_script, run_edit, Edit, EditTarget};
use super::Module;
use crate::shell::Cmd;

/// Arguments of `sysctl`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SysctlArgs {
    /// The key (`net.ipv4.ip_forward`).
    pub name: String,
    /// The wanted value (required for `present`).
    pub value: Option<String>,
    /// Keep (`true`) or remove the key.
    pub present: bool,
    /// The file holding the setting.
    pub sysctl_file: String,
    /// Run `sysctl -p FILE` after the file changed.
    pub reload: bool,
    /// Compare and set the live value too.
    pub sysctl_set: bool,
    /// `sysctl -e`: ignore unknown keys when reloading.
    pub ignoreerrors: bool,
}

/// The `sysctl` module.
pub struct SysctlModule;

impl Module for SysctlModule {
    type Args = SysctlArgs;
    const PROBES: bool = true;

    fn parse(args: &mut ArgMap) -> Result<SysctlArgs, ArgError> {
        let name = args.required_str(&["name", "key"])?;
        if name.is_empty() || name.contains(|c: char| c == '=' || c.is_whitespace()) {
            return Err(ArgError::Invalid(format!("invalid sysctl name `{name}`")));
        }
        let value = args.str(&["value", "val"])?.map(|v| normalise(&v));
        let present = args.choice(&["state"], &["present", "absent"])?.as_deref() != Some("absent");
        if present && value.is_none() {
            return Err(ArgError::Missing("value".into()));
        }
        let parsed = SysctlArgs {
            name,
            value,
            present,
            sysctl_file: args
                .str(&["sysctl_file"])?
                .unwrap_or_else(|| "/etc/sysctl.conf".into()),
            reload: args.bool(&["reload"])?.unwrap_or(true),
            sysctl_set: args.bool(&["sysctl_set"])?.unwrap_or(false),
            ignoreerrors: args.bool(&["ignoreerrors"])?.unwrap_or(false),
        };
        args.finish(&[
            "name",
            "value",
            "state",
            "sysctl_file",
            "reload",
            "sysctl_set",
            "ignoreerrors",
        ])?;
        Ok(parsed)
    }

    fn probes(a: &SysctlArgs) -> Vec<String> {
        vec![probe_script(&a.sysctl_file)]
    }

    fn run(a: &SysctlArgs, ctx: &mut ModuleContext<'_>) -> Result<Outcome, ModuleError> {
        let attrs = Attrs::default();
        let target = EditTarget {
            path: &a.sysctl_file,
            backup: false,
            attrs: &attrs,
            header_suffix: "",
            validate: None,
            diff_list: false,
        };
        let (mut o, _) = run_edit(ctx, &target, |text| Ok(edit(text, a)))?;
        if o.failed {
            return Ok(o);
        }
        let file_changed = o.changed;
        if a.sysctl_set && a.present {
            let proc = format!("/proc/sys/{}", a.name.replace('.', "/"));
            let out = ctx.probe(&Cmd::new("cat").arg(&proc).into_string())?;
            let live = normalise(&out.stdout_str());
            let want = a.value.clone().unwrap_or_default();
            if out.rc != 0 || live != want {
                o.changed = true;
                if !ctx.check_mode() {
                    let set = ctx.apply(
                        &Cmd::new("sysctl")
                            .flag("-w")
                            .arg(format!("{}={want}", a.name))
                            .into_string(),
                        None,
                    )?;
                    if set.rc != 0 {
                        return Ok(o.failing(format!(
                            "setting {} failed: {}",
                            a.name,
                            set.stderr_str().trim()
                        )));
                    }
                }
            }
        }
        if file_changed && a.reload && !ctx.check_mode() {
            let mut cmd = Cmd::new("sysctl");
            if a.ignoreerrors {
                cmd = cmd.flag("-e");
            }
            let out = ctx.apply(&cmd.flag("-p").arg(&a.sysctl_file).into_string(), None)?;
            if out.rc != 0 {
                return Ok(o.failing(format!(
                    "Failed to reload sysctl: {}",
                    out.stderr_str().trim()
                )));
            }
        }
        o.result.shift_remove("msg");
        Ok(o)
    }
}

/// Ansible compares values with runs of whitespace folded to one space.
fn normalise(v: &str) -> String {
    v.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The new file text: the key's line replaced, appended or removed.
fn edit(text: Option<&str>, a: &SysctlArgs) -> Edit {
    let text = text.unwrap_or("");
    let mut out = String::with_capacity(text.len() + 64);
    let mut found = false;
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches('\n');
        let key = body.split_once('=').map(|(k, _)| k.trim());
        let is_comment = body.trim_start().starts_with(['#', ';']);
        if !is_comment && key == Some(a.name.as_str()) {
            if a.present && !found {
                let current = body
                    .split_once('=')
                    .map(|(_, v)| normalise(v))
                    .unwrap_or_default();
                if Some(&current) == a.value.as_ref() {
                    out.push_str(line);
                } else {
                    out.push_str(&format!(
                        "{}={}\n",
                        a.name,
                        a.value.as_deref().unwrap_or("")
                    ));
                }
            }
            found = true;
            continue;
        }
        out.push_str(line);
    }
    if a.present && !found {
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(&format!(
            "{}={}\n",
            a.name,
            a.value.as_deref().unwrap_or("")
        ));
    }
    Edit {
        text: Some(out),
        msg: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;

    fn args(name: &str, value: Option<&str>, present: bool) -> SysctlArgs {
        SysctlArgs {
            name: name.into(),
            value: value.map(Into::into),
            present,
            sysctl_file: "/etc/sysctl.d/x.conf".into(),
            reload: true,
            sysctl_set: false,
            ignoreerrors: false,
        }
    }

    #[test]
    fn appends_replaces_and_keeps() {
        let a = args("net.ipv4.ip_forward", Some("1"), true);
        assert_eq!(edit(None, &a).text.unwrap(), "net.ipv4.ip_forward=1\n");
        assert_eq!(
            edit(Some("# c\nx=2"), &a).text.unwrap(),
            "# c\nx=2\nnet.ipv4.ip_forward=1\n"
        );
        assert_eq!(
            edit(Some("net.ipv4.ip_forward = 0\n"), &a).text.unwrap(),
            "net.ipv4.ip_forward=1\n"
        );
        // Already right (spacing differs): the line is kept as written.
        assert_eq!(
            edit(Some("net.ipv4.ip_forward = 1\n"), &a).text.unwrap(),
            "net.ipv4.ip_forward = 1\n"
        );
    }

    #[test]
    fn absent_removes_every_occurrence_but_comments() {
        let a = args("k", None, false);
        assert_eq!(
            edit(Some("#k=1\nk=1\nj=2\nk = 3\n"), &a).text.unwrap(),
            "#k=1\nj=2\n"
        );
    }

    #[test]
    fn values_compare_normalised() {
        assert_eq!(normalise(" 1\t 2 \n"), "1 2");
        let mut m = ArgMap::new(
            [
                ("name".to_owned(), Value::from("k")),
                ("value".to_owned(), Value::Int(1)),
            ]
            .into_iter()
            .collect(),
        );
        assert_eq!(
            SysctlModule::parse(&mut m).unwrap().value.as_deref(),
            Some("1")
        );
    }
}
