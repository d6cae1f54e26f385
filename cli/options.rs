//! The run's options from three layers, as ansible-playbook builds them:
//! `ansible.cfg` and `ANSIBLE_*` ([`engine::config`]), then the flags,
//! which win. Passwords are asked for or read here.

use crate::args::RunFlags;
use crate::prompt;
use engine::config::{self, ConfigEnv, ConfigError, ConfigErrors, Field, Gathering, Settings};
use engine::modules::RunMode;
use engine::plan::Strategy;
use engine::run::{PlayDefaults, RunOptions};
use engine::transport::ConnectOptions;

/// What the output looks like (the session needs it before the run).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct View {
    /// `-v` count plus the `verbosity` setting.
    pub(crate) verbosity: u8,
    /// `nocolor` / `NO_COLOR` / `--no-color`.
    pub(crate) no_color: bool,
    /// `force_color`.
    pub(crate) force_color: bool,
    /// Task durations after the recap (`--profile`, `-v`, `profile_tasks`).
    pub(crate) profile: bool,
}

/// Settings with the flags applied, and the run options from them.
pub(crate) struct Resolved {
    pub(crate) env: ConfigEnv,
    pub(crate) settings: Settings,
    pub(crate) view: View,
}

/// The `-t`/`--skip-tags` of `playbook` (provision has none).
#[derive(Default)]
pub(crate) struct Tags<'a> {
    pub(crate) only: &'a [String],
    pub(crate) skip: &'a [String],
}

/// Reads the settings and applies the flags over them.
///
/// # Errors
/// Every refused or invalid setting or flag, at once.
pub(crate) fn resolve(
    flags: &RunFlags,
    inventory: &[String],
    tags: &Tags<'_>,
) -> Result<Resolved, ConfigErrors> {
    let env = ConfigEnv::from_process();
    let mut settings = config::load(&env)?;
    let mut errors = Vec::new();
    let mut refused = Vec::new();
    let mut set = |settings: &mut Settings, field: Field, flag: &str, raw: &str| {
        if let Err(e) = settings.set_flag(field, flag, raw, &env) {
            errors.push(e);
        }
    };
    let text = |p: &std::path::Path| p.display().to_string();
    if let Some(u) = &flags.user {
        set(&mut settings, Field::RemoteUser, "-u", u);
    }
    if let Some(k) = &flags.private_key {
        set(
            &mut settings,
            Field::PrivateKeyFile,
            "--private-key",
            &text(k),
        );
    }
    if let Some(c) = &flags.connection {
        set(&mut settings, Field::Connection, "-c", c);
    }
    if let Some(t) = &flags.timeout {
        set(&mut settings, Field::Timeout, "-T", t);
    }
    if let Some(a) = &flags.ssh_common_args {
        set(&mut settings, Field::SshCommonArgs, "--ssh-common-args", a);
    }
    if let Some(a) = &flags.ssh_extra_args {
        set(&mut settings, Field::SshExtraArgs, "--ssh-extra-args", a);
    }
    for (flag, value) in [
        ("--sftp-extra-args", &flags.sftp_extra_args),
        ("--scp-extra-args", &flags.scp_extra_args),
    ] {
        if let Some(v) = value.as_deref().filter(|v| !v.trim().is_empty()) {
            refused.push(ConfigError::Unsupported {
                setting: flag.to_owned(),
                origin: Box::new(config::Origin::Flag(flag.to_owned())),
                value: v.to_owned(),
                reason: "files travel over the SSH session itself, never through the scp or sftp programs"
                    .to_owned(),
            });
        }
    }
    if flags.become_ {
        set(&mut settings, Field::Become, "-b", "True");
    }
    if let Some(m) = &flags.become_method {
        set(&mut settings, Field::BecomeMethod, "--become-method", m);
    }
    if let Some(u) = &flags.become_user {
        set(&mut settings, Field::BecomeUser, "--become-user", u);
    }
    if flags.ask_pass {
        set(&mut settings, Field::AskPass, "-k", "True");
    }
    if flags.ask_become_pass {
        set(&mut settings, Field::AskBecomePass, "-K", "True");
    }
    if let Some(f) = &flags.connection_password_file {
        set(
            &mut settings,
            Field::ConnectionPasswordFile,
            "--connection-password-file",
            &text(f),
        );
    }
    if let Some(f) = &flags.become_password_file {
        set(
            &mut settings,
            Field::BecomePasswordFile,
            "--become-password-file",
            &text(f),
        );
    }
    if let Some(n) = flags.forks {
        set(&mut settings, Field::Forks, "-f", &n.to_string());
    }
    if !inventory.is_empty() {
        settings.values.inventory = Some(inventory.to_vec());
        settings.set_by_flag(Field::Inventory, "-i", &inventory.join(", "));
    }
    if !tags.only.is_empty() {
        settings.values.tags_run = tags.only.to_vec();
        settings.set_by_flag(Field::TagsRun, "-t", &tags.only.join(","));
    }
    if !tags.skip.is_empty() {
        settings.values.tags_skip = tags.skip.to_vec();
        settings.set_by_flag(Field::TagsSkip, "--skip-tags", &tags.skip.join(","));
    }
    if flags.diff {
        set(&mut settings, Field::DiffAlways, "-D", "True");
    }
    if flags.force_handlers {
        set(
            &mut settings,
            Field::ForceHandlers,
            "--force-handlers",
            "True",
        );
    }
    errors.extend(refused);
    if !errors.is_empty() {
        return Err(ConfigErrors(errors));
    }
    let v = &settings.values;
    engine::template::allow_broken_conditionals(v.allow_broken_conditionals);
    let view = View {
        verbosity: v.verbosity.saturating_add(flags.verbose),
        no_color: flags.no_color || v.no_color,
        force_color: v.force_color && !flags.no_color,
        profile: flags.profile || v.profile_tasks,
    };
    Ok(Resolved {
        env,
        settings,
        view,
    })
}

impl Resolved {
    /// The inventory sources: `-i`, else `inventory` of the settings,
    /// else Ansible's `/etc/ansible/hosts`.
    pub(crate) fn inventory(&self) -> Vec<String> {
        self.settings
            .values
            .inventory
            .clone()
            .unwrap_or_else(|| vec!["/etc/ansible/hosts".to_owned()])
    }

    /// The options the listing flags need (no passwords asked).
    pub(crate) fn list_options(&self, flags: &RunFlags) -> RunOptions {
        let v = &self.settings.values;
        RunOptions {
            limit: flags.limit.clone(),
            host_pattern_mismatch: v.host_pattern_mismatch,
            localhost_warning: v.localhost_warning,
            ..RunOptions::default()
        }
    }

    /// The run options; asks for passwords (`-k`, `-K`) or reads their files.
    ///
    /// # Errors
    /// A password that cannot be asked for or read.
    pub(crate) fn run_options(&self, flags: &RunFlags) -> anyhow::Result<RunOptions> {
        let v = &self.settings.values;
        let mut defaults = self.settings.run_defaults();
        let mut ssh_pass = None;
        if v.ask_pass {
            ssh_pass = Some(prompt::ask("SSH password: ")?);
        } else if let Some(f) = &v.connection_password_file {
            ssh_pass = Some(prompt::from_file(f)?);
        }
        if v.ask_become_pass {
            let method = if v.agnostic_become_prompt {
                "BECOME".to_owned()
            } else {
                v.become_method.as_deref().unwrap_or("sudo").to_uppercase()
            };
            let prompt = if v.ask_pass {
                format!("{method} password[defaults to SSH password]: ")
            } else {
                format!("{method} password: ")
            };
            let typed = prompt::ask(&prompt)?;
            defaults.become_password = match (&ssh_pass, typed.expose().is_empty() && v.ask_pass) {
                (Some(p), true) => Some(p.clone()),
                _ => Some(typed),
            };
        } else if let Some(f) = &v.become_password_file {
            defaults.become_password = Some(prompt::from_file(f)?);
        }
        defaults.connection_password = ssh_pass;
        let mut connect = ConnectOptions::from_env();
        if let Some(p) = &v.key_passphrase {
            connect.key_passphrase = Some(p.clone());
        }
        Ok(RunOptions {
            forks: v.forks.unwrap_or(0),
            mode: if flags.check {
                RunMode::Check
            } else {
                RunMode::Apply
            },
            diff: v.diff_always,
            verbosity: self.view.verbosity,
            limit: flags.limit.clone(),
            tags: v.tags_run.clone(),
            skip_tags: v.tags_skip.clone(),
            command_timeout: flags.command_timeout,
            connect,
            defaults,
            shard: flags.shard,
            strict: flags.strict,
            play_defaults: PlayDefaults {
                gather_facts: v.gathering != Gathering::Explicit,
                gather_once: v.gathering == Gathering::Smart,
                strategy: match v.strategy.as_deref() {
                    Some("free") => Strategy::Free,
                    _ => Strategy::Linear,
                },
                any_errors_fatal: v.any_errors_fatal,
                force_handlers: v.force_handlers,
            },
            roles_path: self.settings.roles_path(self.env.home.as_deref()),
            host_pattern_mismatch: v.host_pattern_mismatch,
            quiet_group_names: v.quiet_group_names,
            localhost_warning: v.localhost_warning,
            // For tests and benchmarks comparing the two ways: the output
            // is the same, only the number of round trips differs.
            apply_batching: std::env::var_os("KONVOY_APPLY_BATCHING").is_none_or(|v| v != "0"),
            ..RunOptions::default()
        })
    }
}
