//! `modprobe`: load or unload a kernel module, optionally at every boot.
//!
//! Supported: `name`, `state` (present/absent), `params`, `persistent`
//! (`present` writes `/etc/modules-load.d/NAME.conf` and, with params,
//! `/etc/modprobe.d/NAME.conf`; `absent` removes them; `disabled`, the
//! default, leaves them alone). A module built into the kernel counts as
//! loaded, as Ansible reads `modules.builtin`. Unchanged: one command.

use super::args::{ArgError, ArgMap};
use super::context::ModuleContext;
use super::outcome::{ModuleError, Outcome};
use super::Module;
use crate::shell::{quote, Cmd};
use crate::transport::atomic::{AtomicWrite, Content};
use crate::value::Value;

/// Arguments of `modprobe`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModprobeArgs {
    /// Module name.
    pub name: String,
    /// Loaded (`true`) or not.
    pub present: bool,
    /// Module parameters (`a=1 b=2`).
    pub params: String,
    /// Boot-time persistence: `present`, `absent` or `disabled`.
    pub persistent: String,
}

/// The `modprobe` module.
pub struct ModprobeModule;

impl Module for ModprobeModule {
    type Args = ModprobeArgs;
    const PROBES: bool = true;

    fn parse(args: &mut ArgMap) -> Result<ModprobeArgs, ArgError> {
        let name = args.required_str(&["name"])?;
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_-".contains(c))
        {
            return Err(ArgError::Invalid(format!("invalid module name `{name}`")));
        }
        let parsed = ModprobeArgs {
            name,
            present: args.choice(&["state"], &["present", "absent"])?.as_deref() != Some("absent"),
            params: args.str(&["params"])?.unwrap_or_default(),
            persistent: args
                .choice(&["persistent"], &["present", "absent", "disabled"])?
                .unwrap_or_else(|| "disabled".into()),
        };
        args.finish(&["name", "state", "params", "persistent"])?;
        Ok(parsed)
    }

    fn probes(a: &ModprobeArgs) -> Vec<String> {
        vec![probe(a)]
    }

    fn run(a: &ModprobeArgs, ctx: &mut ModuleContext<'_>) -> Result<Outcome, ModuleError> {
        let out = ctx.probe(&probe(a))?;
        let text = out.stdout_str();
        let field = |k: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(k))
                .unwrap_or("")
                .to_owned()
        };
        let loaded = matches!(field("state=").as_str(), "loaded" | "builtin");
        let load_file = field("load=");
        let opts_file = field("opts=");
        let want_load = format!("{}\n", a.name);
        let want_opts = format!("options {} {}\n", a.name, a.params);
        let mut cmds: Vec<String> = Vec::new();
        if a.present && !loaded {
            let mut c = format!("modprobe {}", quote(&a.name));
            for p in a.params.split_whitespace() {
                c.push(' ');
                c.push_str(&quote(p));
            }
            cmds.push(format!("{c} || exit $?\n"));
        } else if !a.present && loaded {
            let c = Cmd::new("modprobe").flag("-r").arg(&a.name);
            cmds.push(format!("{} || exit $?\n", c.as_str()));
        }
        let load_path = format!("/etc/modules-load.d/{}.conf", a.name);
        let opts_path = format!("/etc/modprobe.d/{}.conf", a.name);
        match a.persistent.as_str() {
            "present" => {
                if load_file != want_load.trim_end() {
                    cmds.push(write(&load_path, &want_load));
                }
                if !a.params.is_empty() && opts_file != want_opts.trim_end() {
                    cmds.push(write(&opts_path, &want_opts));
                }
            }
            "absent" if !load_file.is_empty() || !opts_file.is_empty() => {
                let c = Cmd::new("rm").flag("-f").arg(&load_path).arg(&opts_path);
                cmds.push(format!("{} || exit $?\n", c.as_str()));
            }
            _ => {}
        }
        let mut o = if cmds.is_empty() {
            Outcome::ok()
        } else {
            Outcome::changed()
        };
        o.result.insert("name".into(), Value::Str(a.name.clone()));
        o.result
            .insert("params".into(), Value::Str(a.params.clone()));
        o.result.insert(
            "state".into(),
            Value::Str(if a.present { "present" } else { "absent" }.into()),
        );
        if !cmds.is_empty() && !ctx.check_mode() {
            let r = ctx.apply(&cmds.concat(), None)?;
            if r.rc != 0 {
                let err = r.stderr_str();
                return Ok(o
                    .failing(format!("modprobe {} failed: {}", a.name, err.trim()))
                    .with("rc", Value::Int(i64::from(r.rc))));
            }
        }
        Ok(o)
    }
}

/// One probe: is the module loaded or built in, and what the persistence
/// files hold (first line each).
fn probe(a: &ModprobeArgs) -> String {
    let u = a.name.replace('-', "_");
    format!(
        "n={u}\n\
         if grep -q \"^$n \" /proc/modules 2>/dev/null; then echo state=loaded; \
         elif grep -qE \"/$n\\.ko(\\..*)?$\" \"/lib/modules/$(uname -r)/modules.builtin\" 2>/dev/null \
           || grep -qE \"/{dash}\\.ko(\\..*)?$\" \"/lib/modules/$(uname -r)/modules.builtin\" 2>/dev/null; then echo state=builtin; \
         else echo state=absent; fi\n\
         printf 'load=%s\\n' \"$(head -n1 {load} 2>/dev/null)\"\n\
         printf 'opts=%s\\n' \"$(head -n1 {opts} 2>/dev/null)\"\n",
        dash = a.name.replace('_', "-"),
        load = quote(&format!("/etc/modules-load.d/{}.conf", a.name)),
        opts = quote(&format!("/etc/modprobe.d/{}.conf", a.name)),
    )
}

/// Writes `text` to `path` through the one atomic write path (mode 0644,
/// its directory created when missing).
fn write(path: &str, text: &str) -> String {
    let w = AtomicWrite {
        dest: path,
        content: Content::Text(text),
        mkdir: true,
    };
    format!("{}chmod 0644 \"$t\" || exit 1\n{}", w.begin(), w.commit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_validated_and_defaults_apply() {
        let mut m = ArgMap::new(
            [("name".to_owned(), Value::from("br_netfilter"))]
                .into_iter()
                .collect(),
        );
        let a = ModprobeModule::parse(&mut m).unwrap();
        assert!(a.present);
        assert_eq!(a.persistent, "disabled");
        let mut bad = ArgMap::new(
            [("name".to_owned(), Value::from("x; rm -rf /"))]
                .into_iter()
                .collect(),
        );
        assert!(ModprobeModule::parse(&mut bad).is_err());
    }
}
