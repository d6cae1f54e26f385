//! What the settings give the rest of the program: flags applied over
//! them, the executor's connection and become defaults, the default
//! `roles_path`, and the `--print-config` text.

use super::error::ConfigError;
use super::settings::Settings;
use super::table::{self, Field, Use};
use super::value::{self, Context};
use super::{ConfigEnv, Origin};
use std::path::PathBuf;

impl Settings {
    /// Applies a command-line flag to `field` (flags beat the file and the
    /// environment), with the same checks as the setting; `raw` is the
    /// flag's value as text (`True` for a switch, comma-joined lists).
    ///
    /// # Errors
    /// A value outside the setting's choices or refused (an unsupported
    /// become method, an ssh option konvoy-image does not implement).
    pub fn set_flag(
        &mut self,
        field: Field,
        flag: &str,
        raw: &str,
        env: &ConfigEnv,
    ) -> Result<(), ConfigError> {
        let row = table::rows()
            .iter()
            .find(|r| table::rule(r) == Some(Use::Honoured(field)))
            .expect("every field has an honoured row (table tests)");
        let origin = Origin::Flag(flag.to_owned());
        let cx = Context {
            env: &env.vars,
            cwd: &env.cwd,
            home: env.home.as_deref(),
            base: None,
        };
        let kind = match row.kind.as_str() {
            // A flag's path is taken as given, relative to the working directory.
            "path" | "pathspec" | "pathlist" => "string",
            k => k,
        };
        let t = value::convert(raw, kind, false, &cx).map_err(|reason| ConfigError::Invalid {
            setting: row.label(),
            origin: Box::new(origin.clone()),
            reason,
        })?;
        super::apply::apply(self, field, &row.label(), &t, &origin, raw)
    }

    /// The connection and become defaults of the run, for the executor:
    /// the honoured options of `ssh_args` come first in `ssh_common_args`
    /// (OpenSSH takes the first value of an option, and Ansible passes
    /// `ssh_args` before `ssh_common_args`).
    pub fn run_defaults(&self) -> crate::run::RunDefaults {
        let v = &self.values;
        let common: Vec<String> = [&v.ssh_args, &v.ssh_common_args]
            .into_iter()
            .flatten()
            .filter_map(|a| super::ssh_args::honoured(a))
            .collect();
        crate::run::RunDefaults {
            remote_user: v.remote_user.clone(),
            port: v.port,
            connection: v.connection.clone(),
            private_key_file: v.private_key_file.clone(),
            timeout: v.timeout,
            become_: v.become_,
            become_method: v.become_method.clone(),
            become_user: v.become_user.clone(),
            become_flags: v.become_flags.clone(),
            become_exe: v.become_exe.clone(),
            become_password: v.become_pass.clone(),
            connection_password: None,
            ssh_common_args: (!common.is_empty()).then(|| common.join(" ")),
            ssh_extra_args: v
                .ssh_extra_args
                .as_deref()
                .and_then(super::ssh_args::honoured),
            host_key_checking: v.host_key_checking,
        }
    }

    /// The default `roles_path`: `$ANSIBLE_HOME/roles` (`~/.ansible/roles`),
    /// `/usr/share/ansible/roles`, `/etc/ansible/roles`, unless set.
    pub fn roles_path(&self, home: Option<&std::path::Path>) -> Vec<PathBuf> {
        if let Some(p) = &self.values.roles_path {
            return p.clone();
        }
        let ansible_home = self
            .values
            .ansible_home
            .clone()
            .or_else(|| home.map(|h| h.join(".ansible")))
            .unwrap_or_else(|| PathBuf::from("/root/.ansible"));
        vec![
            ansible_home.join("roles"),
            PathBuf::from("/usr/share/ansible/roles"),
            PathBuf::from("/etc/ansible/roles"),
        ]
    }

    /// `--print-config`: the file, every honoured value with its origin,
    /// the settings accepted without effect and why, and the settings found
    /// as `ansible-config dump --only-changed -t all` shows them (origins
    /// with line and column).
    pub fn render(&self) -> String {
        let mut out = format!(
            "config file: {}\n",
            self.file
                .as_ref()
                .map_or_else(|| "None".to_owned(), |f| f.display().to_string())
        );
        out.push_str("\nhonoured:\n");
        if self.origins.is_empty() {
            out.push_str("  (nothing set: Ansible's defaults)\n");
        }
        for (field, (origin, shown)) in &self.origins {
            out.push_str(&format!("  {} = {shown}  ({origin})\n", field.name()));
        }
        if !self.accepted.is_empty() {
            out.push_str("\naccepted without effect:\n");
            for a in &self.accepted {
                out.push_str(&format!(
                    "  {} = {}  ({}): {}\n",
                    a.setting, a.value, a.origin, a.why
                ));
            }
        }
        if !self.warnings.is_empty() {
            out.push_str("\nwarnings:\n");
            for w in &self.warnings {
                out.push_str(&format!("  {w}\n"));
            }
        }
        out.push_str("\nas ansible-config dump --only-changed -t all:\n");
        if let Some(f) = &self.file {
            out.push_str(&format!("  CONFIG_FILE() = {}\n", f.display()));
        }
        let mut found = self.found.clone();
        found.sort_by(|a, b| a.0.cmp(&b.0));
        for (label, origin, value) in found {
            out.push_str(&format!("  {label}({origin}) = {value}\n"));
        }
        out
    }
}
