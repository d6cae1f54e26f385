//! Reading every setting of [`super::table`] from the file and the
//! environment, as ansible-core's `ConfigManager.get_config_value_and_origin`
//! does, and applying the rules.

use super::error::{ConfigError, ConfigErrors};
use super::ini::{self, IniFile};
use super::table::{self, Field, Row, Use};
use super::value::{self, Context, Typed};
use super::{find, ConfigEnv, Origin};
use crate::shell::Secret;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// `[inventory] host_pattern_mismatch`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PatternMismatch {
    /// `[WARNING]: Could not match supplied host pattern, ignoring: X`.
    #[default]
    Warning,
    /// The same text as an error.
    Error,
    /// Nothing.
    Ignore,
}

/// `gathering`: the default of a play's `gather_facts`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Gathering {
    /// Gather unless the play says `gather_facts: false`.
    #[default]
    Implicit,
    /// Gather only when the play says `gather_facts: true`.
    Explicit,
    /// As `Implicit`, but a host whose facts were gathered earlier in the
    /// run (by a play or a `gather_facts` task) is not gathered again.
    Smart,
}

/// The honoured settings, typed. `None`/empty: not set anywhere (Ansible's
/// built-in default applies).
#[derive(Clone, Debug, PartialEq)]
pub struct Values {
    /// `remote_user`.
    pub remote_user: Option<String>,
    /// `remote_port`.
    pub port: Option<u16>,
    /// `transport`.
    pub connection: Option<String>,
    /// `private_key_file`.
    pub private_key_file: Option<PathBuf>,
    /// `ANSIBLE_PRIVATE_KEY_PASSPHRASE`.
    pub key_passphrase: Option<Secret>,
    /// `timeout` (seconds).
    pub timeout: Option<u64>,
    /// `host_key_checking`.
    pub host_key_checking: Option<bool>,
    /// `ssh_args`.
    pub ssh_args: Option<String>,
    /// `ssh_common_args`.
    pub ssh_common_args: Option<String>,
    /// `ssh_extra_args`.
    pub ssh_extra_args: Option<String>,
    /// `become`.
    pub become_: Option<bool>,
    /// `become_method`.
    pub become_method: Option<String>,
    /// `become_user` (of the method's plugin).
    pub become_user: Option<String>,
    /// `become_exe`.
    pub become_exe: Option<String>,
    /// `become_flags`.
    pub become_flags: Option<String>,
    /// The become password (`ANSIBLE_BECOME_PASS`, ...).
    pub become_pass: Option<Secret>,
    /// `ask_pass`.
    pub ask_pass: bool,
    /// `become_ask_pass`.
    pub ask_become_pass: bool,
    /// `become_password_file`.
    pub become_password_file: Option<PathBuf>,
    /// `connection_password_file`.
    pub connection_password_file: Option<PathBuf>,
    /// `agnostic_become_prompt`.
    pub agnostic_become_prompt: bool,
    /// `forks`.
    pub forks: Option<usize>,
    /// `inventory` (`None`: `/etc/ansible/hosts`).
    pub inventory: Option<Vec<String>>,
    /// `roles_path` (`None`: `~/.ansible/roles:/usr/share/ansible/roles:/etc/ansible/roles`).
    pub roles_path: Option<Vec<PathBuf>>,
    /// `home`.
    pub ansible_home: Option<PathBuf>,
    /// `verbosity`.
    pub verbosity: u8,
    /// `nocolor`.
    pub no_color: bool,
    /// `force_color`.
    pub force_color: bool,
    /// `host_pattern_mismatch`.
    pub host_pattern_mismatch: PatternMismatch,
    /// `localhost_warning`.
    pub localhost_warning: bool,
    /// `[tags] run`.
    pub tags_run: Vec<String>,
    /// `[tags] skip`.
    pub tags_skip: Vec<String>,
    /// `[diff] always`.
    pub diff_always: bool,
    /// `force_handlers`.
    pub force_handlers: bool,
    /// `gathering`.
    pub gathering: Gathering,
    /// `strategy` (`linear` or `free`).
    pub strategy: Option<String>,
    /// `any_errors_fatal`.
    pub any_errors_fatal: bool,
    /// `callbacks_enabled` names `profile_tasks`.
    pub profile_tasks: bool,
    /// `force_valid_group_names = ignore`: no warning about group names.
    pub quiet_group_names: bool,
    /// `allow_broken_conditionals`.
    pub allow_broken_conditionals: bool,
}

impl Default for Values {
    fn default() -> Values {
        Values {
            remote_user: None,
            port: None,
            connection: None,
            private_key_file: None,
            key_passphrase: None,
            timeout: None,
            host_key_checking: None,
            ssh_args: None,
            ssh_common_args: None,
            ssh_extra_args: None,
            become_: None,
            become_method: None,
            become_user: None,
            become_exe: None,
            become_flags: None,
            become_pass: None,
            ask_pass: false,
            ask_become_pass: false,
            become_password_file: None,
            connection_password_file: None,
            agnostic_become_prompt: true,
            forks: None,
            inventory: None,
            roles_path: None,
            ansible_home: None,
            verbosity: 0,
            no_color: false,
            force_color: false,
            host_pattern_mismatch: PatternMismatch::Warning,
            localhost_warning: true,
            tags_run: Vec::new(),
            tags_skip: Vec::new(),
            diff_always: false,
            force_handlers: false,
            gathering: Gathering::Implicit,
            strategy: None,
            any_errors_fatal: false,
            profile_tasks: false,
            quiet_group_names: false,
            allow_broken_conditionals: false,
        }
    }
}

/// A setting that is set and accepted but not honoured: shown by
/// `--print-config`.
#[derive(Clone, Debug, PartialEq)]
pub struct Accepted {
    /// The setting's label.
    pub setting: String,
    /// Where it is set.
    pub origin: Origin,
    /// The value as shown (`ansible-config dump` style).
    pub value: String,
    /// Why it is accepted: its reason, or that it equals the default.
    pub why: String,
}

/// The settings of a run: the file read, the honoured values with their
/// origins, what was accepted without effect, and warnings.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    /// The config file read, if any.
    pub file: Option<PathBuf>,
    /// The honoured values.
    pub values: Values,
    /// Where each honoured value that is set comes from, with the value as
    /// shown (secrets masked).
    pub origins: BTreeMap<Field, (Origin, String)>,
    /// Every setting found in the file or the environment, in
    /// `ansible-config dump --only-changed` terms: `(label, origin, value)`.
    pub found: Vec<(String, Origin, String)>,
    /// Settings set but accepted without effect.
    pub accepted: Vec<Accepted>,
    /// Warnings (unknown keys, a skipped world-writable `./ansible.cfg`).
    pub warnings: Vec<String>,
}

/// A value found for a row: the raw text and where.
struct Found {
    raw: String,
    origin: Origin,
    from_ini: bool,
}

/// Reads the settings.
///
/// # Errors
/// Every problem at once: an unreadable or malformed file, invalid values,
/// and settings konvoy-image does not support set to other than Ansible's
/// default.
pub fn load(env: &ConfigEnv) -> Result<Settings, ConfigErrors> {
    let (file, warning) = find::config_file(env);
    let mut settings = Settings {
        file: file.clone(),
        warnings: warning.into_iter().collect(),
        ..Settings::default()
    };
    let ini = match &file {
        Some(path) => read_file(path).map_err(|e| ConfigErrors(vec![e]))?,
        None => IniFile::default(),
    };
    let base_dir = file.as_ref().and_then(|f| f.parent().map(PathBuf::from));
    let rows = table::rows();
    let covered = covered_entries(rows);
    let mut errors = Vec::new();
    let reader = Reader {
        env,
        ini: &ini,
        base_dir: base_dir.as_deref(),
    };
    // The become method decides which plugin's become options are read.
    let method_row = rows
        .iter()
        .find(|r| table::rule(r) == Some(Use::Honoured(Field::BecomeMethod)));
    let method = method_row
        .and_then(|r| reader.find(r, None))
        .map(|f| value::unquote(f.raw.trim()).to_owned())
        .unwrap_or_else(|| "sudo".to_owned());
    for row in rows {
        let Some(rule) = table::rule(row) else {
            continue;
        };
        if let Some(found) = reader.find(row, None) {
            match reader.convert(row, &found) {
                Ok(t) => settings
                    .found
                    .push((row.label(), found.origin.clone(), shown(row, &t))),
                Err(e) if loaded(&row.scope) => errors.push(e),
                Err(_) => {}
            }
        }
        match rule {
            Use::Honoured(field) => {
                if row.scope.starts_with("become/") && row.scope != format!("become/{method}") {
                    continue;
                }
                let Some(found) = reader.find(row, None) else {
                    continue;
                };
                match reader.convert(row, &found) {
                    Ok(t) => {
                        if let Err(e) = super::apply::apply(
                            &mut settings,
                            field,
                            &row.label(),
                            &t,
                            &found.origin,
                            &found.raw,
                        ) {
                            errors.push(e);
                        }
                    }
                    Err(e) => errors.push(e),
                }
            }
            Use::Same(_) => {}
            Use::NoEffect(reason) => {
                if let Some(found) = reader.find(row, Some(&covered)) {
                    let value = found.raw.clone();
                    settings.accept(row.label(), found.origin, value, reason.to_owned());
                }
            }
            Use::DefaultOnly(reason) => {
                let Some(found) = reader.find(row, Some(&covered)) else {
                    continue;
                };
                let Ok(t) = reader.convert(row, &found) else {
                    continue; // reported above for loaded plugins
                };
                if value::default_of(&row.default).as_ref() == Some(&t) {
                    settings.accept(
                        row.label(),
                        found.origin,
                        shown(row, &t),
                        "Ansible's default".to_owned(),
                    );
                } else {
                    errors.push(ConfigError::Unsupported {
                        setting: row.label(),
                        origin: Box::new(found.origin),
                        value: found.raw,
                        reason: format!("{reason}; only Ansible's default value is accepted"),
                    });
                }
            }
        }
    }
    settings.warnings.extend(unknown_keys(&ini, rows));
    if errors.is_empty() {
        Ok(settings)
    } else {
        dedup(&mut errors);
        Err(ConfigErrors(errors))
    }
}

impl Settings {
    /// Records that a flag set `field` (the CLI sets the value itself).
    pub fn set_by_flag(&mut self, field: Field, flag: &str, shown: &str) {
        self.origins
            .insert(field, (Origin::Flag(flag.to_owned()), shown.to_owned()));
    }

    fn accept(&mut self, setting: String, origin: Origin, value: String, why: String) {
        if self.accepted.iter().any(|a| a.origin == origin) {
            return; // one line of the file, shared by several settings
        }
        self.accepted.push(Accepted {
            setting,
            origin,
            value,
            why,
        });
    }
}

fn read_file(path: &std::path::Path) -> Result<IniFile, ConfigError> {
    let shown = path.display().to_string();
    match path.extension().and_then(|e| e.to_str()) {
        Some("cfg" | "ini") => {}
        other => {
            return Err(ConfigError::File {
                path: shown,
                message: format!(
                    "unsupported configuration file extension `{}`: ansible-core reads `.cfg` and `.ini` files",
                    other.unwrap_or("")
                ),
            })
        }
    }
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError::File {
        path: shown.clone(),
        message: e.to_string(),
    })?;
    Ok(ini::parse(&text, &shown)?)
}

struct Reader<'a> {
    env: &'a ConfigEnv,
    ini: &'a IniFile,
    base_dir: Option<&'a std::path::Path>,
}

impl Reader<'_> {
    /// The row's value: its last environment variable that is set, else
    /// its last key present in the file. With `skip`, entries in that set
    /// are ignored.
    fn find(&self, row: &Row, skip: Option<&Covered>) -> Option<Found> {
        let keep_env = |n: &&String| skip.is_none_or(|c| !c.env.contains(*n));
        if let Some((name, raw)) = row
            .env
            .iter()
            .filter(keep_env)
            .rev()
            .find_map(|n| self.env.vars.get(n).map(|v| (n, v)))
        {
            // An empty variable that does not convert means the default
            // (and the file is not consulted), as in ansible-core.
            let fails_empty = matches!(
                row.kind.as_str(),
                "integer" | "int" | "float" | "none" | "dict" | "dictionary"
            );
            if raw.is_empty() && fails_empty {
                return None;
            }
            return Some(Found {
                raw: raw.clone(),
                origin: Origin::Env(name.clone()),
                from_ini: false,
            });
        }
        row.ini
            .iter()
            .rev()
            .filter(|e| skip.is_none_or(|c| !c.ini.contains(*e)))
            .find_map(|(section, key)| {
                self.ini.get(section, key).map(|v| Found {
                    raw: v.value.clone(),
                    origin: Origin::File {
                        span: v.span.clone(),
                        section: section.clone(),
                        key: key.clone(),
                    },
                    from_ini: true,
                })
            })
    }

    fn convert(&self, row: &Row, found: &Found) -> Result<Typed, ConfigError> {
        let cx = Context {
            env: &self.env.vars,
            cwd: &self.env.cwd,
            home: self.env.home.as_deref(),
            base: if found.from_ini { self.base_dir } else { None },
        };
        value::convert(&found.raw, &row.kind, found.from_ini, &cx).map_err(|reason| {
            ConfigError::Invalid {
                setting: row.label(),
                origin: Box::new(found.origin.clone()),
                reason,
            }
        })
    }
}

/// Variables and keys read by honoured settings.
#[derive(Default)]
struct Covered {
    env: BTreeSet<String>,
    ini: BTreeSet<(String, String)>,
}

fn covered_entries(rows: &[Row]) -> Covered {
    let mut c = Covered::default();
    for row in rows {
        if matches!(table::rule(row), Some(Use::Honoured(_) | Use::Same(_))) {
            c.env.extend(row.env.iter().cloned());
            c.ini.extend(row.ini.iter().cloned());
        }
    }
    c
}

/// Plugins konvoy-image stands in for: their invalid values are errors,
/// as they are for ansible-playbook, which loads them.
fn loaded(scope: &str) -> bool {
    matches!(
        scope,
        "base"
            | "connection/ssh"
            | "connection/local"
            | "become/sudo"
            | "become/su"
            | "shell/sh"
            | "callback/default"
            | "inventory/yaml"
            | "vars/host_group_vars"
    )
}

/// A value as `ansible-config dump` prints it; secrets masked.
fn shown(row: &Row, t: &Typed) -> String {
    if matches!(
        row.name.as_str(),
        "become_pass" | "private_key_passphrase" | "private_key"
    ) {
        return "********".to_owned();
    }
    match t {
        Typed::List(l) => format!(
            "[{}]",
            l.iter()
                .map(|x| format!("'{x}'"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => other.text(),
    }
}

/// Keys of the file no ansible-core setting reads.
fn unknown_keys(ini: &IniFile, rows: &[Row]) -> Vec<String> {
    let known: BTreeSet<(&str, &str)> = rows
        .iter()
        .flat_map(|r| r.ini.iter().map(|(s, k)| (s.as_str(), k.as_str())))
        .collect();
    let mut out = Vec::new();
    for (section, opts) in &ini.sections {
        for (key, v) in opts {
            if known.contains(&(section.as_str(), key.as_str())) {
                continue;
            }
            let candidates: Vec<&str> = known
                .iter()
                .filter(|(s, _)| *s == section)
                .map(|(_, k)| *k)
                .collect();
            let hint = closest(key, &candidates)
                .map(|k| format!(" (did you mean `{k}`?)"))
                .unwrap_or_default();
            out.push(format!(
                "{}: `{key}` in [{section}] is not an ansible-core 2.19 setting{hint}; \
                 it is ignored, as ansible-core ignores it",
                v.span
            ));
        }
    }
    out
}

/// One error per origin (a key shared by several refused settings).
fn dedup(errors: &mut Vec<ConfigError>) {
    let mut seen: Vec<String> = Vec::new();
    errors.retain(|e| {
        let key = match e {
            ConfigError::Unsupported { origin, .. } | ConfigError::Invalid { origin, .. } => {
                origin.to_string()
            }
            other => other.to_string(),
        };
        if seen.contains(&key) {
            false
        } else {
            seen.push(key);
            true
        }
    });
}

/// The candidate closest to `name`, if close enough to be a typo.
fn closest<'a>(name: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (crate::modules::edit_distance(name, c), *c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}
