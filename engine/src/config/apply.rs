//! One honoured setting's typed value into [`Values`], with the checks
//! Ansible makes (choices) and the refusals of values konvoy-image does not
//! do (a `strategy` other than `linear`/`free`, a callback other than
//! `profile_tasks`, ...).

use super::error::ConfigError;
use super::settings::{Gathering, PatternMismatch, Settings};
use super::ssh_args::{self, SshArg};
use super::table::Field;
use super::value::Typed;
use super::Origin;
use crate::shell::Secret;
use std::path::PathBuf;

/// Sets `field` from `t` (found at `origin`, written as `raw`).
///
/// # Errors
/// A value outside the setting's choices, or one konvoy-image refuses.
pub(crate) fn apply(
    settings: &mut Settings,
    field: Field,
    setting: &str,
    t: &Typed,
    origin: &Origin,
    raw: &str,
) -> Result<(), ConfigError> {
    let invalid = |reason: String| ConfigError::Invalid {
        setting: setting.to_owned(),
        origin: Box::new(origin.clone()),
        reason,
    };
    let unsupported = |reason: &str| ConfigError::Unsupported {
        setting: setting.to_owned(),
        origin: Box::new(origin.clone()),
        value: raw.to_owned(),
        reason: reason.to_owned(),
    };
    let text = t.text();
    let v = &mut settings.values;
    let mut shown = text.clone();
    match field {
        Field::RemoteUser => v.remote_user = Some(text),
        Field::Port => {
            v.port = Some(
                int(t)
                    .and_then(|p| u16::try_from(p).ok())
                    .ok_or_else(|| invalid(format!("`{raw}` is not a port number")))?,
            );
        }
        Field::Connection => {
            let name = text
                .trim_start_matches("ansible.builtin.")
                .trim_start_matches("ansible.legacy.");
            if !matches!(
                name,
                "ssh" | "smart" | "paramiko" | "paramiko_ssh" | "local"
            ) {
                return Err(unsupported(
                    "the connections are `ssh` (also `smart`, `paramiko`) and `local`",
                ));
            }
            v.connection = Some(name.to_owned());
        }
        Field::PrivateKeyFile => v.private_key_file = Some(PathBuf::from(text)),
        Field::KeyPassphrase => {
            v.key_passphrase = Some(Secret::new(text));
            shown = "********".to_owned();
        }
        Field::Timeout => {
            v.timeout = Some(
                int(t)
                    .and_then(|s| u64::try_from(s).ok())
                    .ok_or_else(|| invalid(format!("`{raw}` is not a number of seconds")))?,
            );
        }
        Field::HostKeyChecking => v.host_key_checking = Some(bool_of(t)),
        Field::SshArgs | Field::SshCommonArgs | Field::SshExtraArgs => {
            if let Some((opt, why)) = ssh_args::classify(&text).into_iter().find_map(|a| match a {
                SshArg::Refused(opt, why) => Some((opt, why)),
                _ => None,
            }) {
                return Err(unsupported(&format!("ssh option `{opt}`: {why}")));
            }
            match field {
                Field::SshArgs => v.ssh_args = Some(text),
                Field::SshCommonArgs => v.ssh_common_args = Some(text),
                _ => v.ssh_extra_args = Some(text),
            }
        }
        Field::Become => v.become_ = Some(bool_of(t)),
        Field::BecomeMethod => {
            let name = text.trim_start_matches("ansible.builtin.");
            if !matches!(name, "sudo" | "su") {
                return Err(unsupported("the become methods are `sudo` and `su`"));
            }
            v.become_method = Some(name.to_owned());
        }
        Field::BecomeUser => v.become_user = Some(text),
        Field::BecomeExe => v.become_exe = Some(text),
        Field::BecomeFlags => v.become_flags = Some(text),
        Field::BecomePass => {
            v.become_pass = Some(Secret::new(text));
            shown = "********".to_owned();
        }
        Field::AskPass => v.ask_pass = bool_of(t),
        Field::AskBecomePass => v.ask_become_pass = bool_of(t),
        Field::BecomePasswordFile => v.become_password_file = Some(PathBuf::from(text)),
        Field::ConnectionPasswordFile => v.connection_password_file = Some(PathBuf::from(text)),
        Field::AgnosticBecomePrompt => v.agnostic_become_prompt = bool_of(t),
        Field::Forks => {
            v.forks = Some(
                int(t)
                    .and_then(|n| usize::try_from(n).ok())
                    .filter(|n| *n >= 1)
                    .ok_or_else(|| invalid("the number of forks must be >= 1".to_owned()))?,
            );
        }
        Field::Inventory => v.inventory = Some(list(t)),
        Field::RolesPath => v.roles_path = Some(list(t).into_iter().map(PathBuf::from).collect()),
        Field::AnsibleHome => v.ansible_home = Some(PathBuf::from(text)),
        Field::Verbosity => {
            v.verbosity = int(t)
                .and_then(|n| u8::try_from(n).ok())
                .ok_or_else(|| invalid(format!("`{raw}` is not a verbosity level")))?;
        }
        Field::NoColor => v.no_color = bool_of(t),
        Field::ForceColor => v.force_color = bool_of(t),
        Field::HostPatternMismatch => {
            v.host_pattern_mismatch = match text.as_str() {
                "warning" => PatternMismatch::Warning,
                "error" => PatternMismatch::Error,
                "ignore" => PatternMismatch::Ignore,
                _ => {
                    return Err(invalid(
                        "valid values are: warning, error, ignore".to_owned(),
                    ))
                }
            };
        }
        Field::LocalhostWarning => v.localhost_warning = bool_of(t),
        Field::AllowBrokenConditionals => v.allow_broken_conditionals = bool_of(t),
        Field::TagsRun => v.tags_run = list(t),
        Field::TagsSkip => v.tags_skip = list(t),
        Field::DiffAlways => v.diff_always = bool_of(t),
        Field::ForceHandlers => v.force_handlers = bool_of(t),
        Field::Gathering => {
            v.gathering = match text.as_str() {
                "implicit" => Gathering::Implicit,
                "explicit" => Gathering::Explicit,
                "smart" => Gathering::Smart,
                _ => {
                    return Err(invalid(
                        "valid values are: implicit, explicit, smart".to_owned(),
                    ))
                }
            };
        }
        Field::Strategy => {
            let name = text.trim_start_matches("ansible.builtin.");
            if !matches!(name, "linear" | "free") {
                return Err(unsupported("the strategies are `linear` and `free`"));
            }
            v.strategy = Some(name.to_owned());
        }
        Field::AnyErrorsFatal => v.any_errors_fatal = bool_of(t),
        Field::CallbacksEnabled => {
            for cb in list(t).iter().filter(|c| !c.is_empty()) {
                match cb.as_str() {
                    "profile_tasks" | "ansible.posix.profile_tasks" => v.profile_tasks = true,
                    other => {
                        return Err(unsupported(&format!(
                            "callback `{other}` is not available; `profile_tasks` is (task \
                             durations after the recap)"
                        )))
                    }
                }
            }
        }
        Field::StdoutCallback => {
            if !matches!(text.as_str(), "default" | "ansible.builtin.default") {
                return Err(unsupported(
                    "konvoy-image prints the `default` callback's output",
                ));
            }
        }
        Field::GroupNameChars => match text.as_str() {
            "never" => v.quiet_group_names = false,
            "ignore" => v.quiet_group_names = true,
            "always" | "silently" => return Err(unsupported(
                "group names are kept as written; replacing invalid characters is not implemented",
            )),
            _ => {
                return Err(invalid(
                    "valid values are: always, never, ignore, silently".to_owned(),
                ))
            }
        },
    }
    settings.origins.insert(field, (origin.clone(), shown));
    Ok(())
}

fn int(t: &Typed) -> Option<i64> {
    match t {
        Typed::Int(i) => Some(*i),
        Typed::Str(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn bool_of(t: &Typed) -> bool {
    match t {
        Typed::Bool(b) => *b,
        other => super::value::boolean(&other.text()),
    }
}

fn list(t: &Typed) -> Vec<String> {
    match t {
        Typed::List(l) => l.clone(),
        Typed::Null => Vec::new(),
        other => vec![other.text()],
    }
}
