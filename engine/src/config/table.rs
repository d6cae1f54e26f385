//! Every setting ansible-core 2.19.14 reads from `ansible.cfg` or an
//! `ANSIBLE_*` variable, and what konvoy-image does with it.
//!
//! The settings themselves (names, types, defaults, variables, ini keys)
//! are data generated from the installed ansible-core
//! (`ansible-settings.tsv`, made by `tests/golden/config/regen-settings.sh`);
//! [`RULES`] says, for each one, whether it is
//! - [`Use::Honoured`]: read, typed and applied (the field it fills);
//! - [`Use::Same`]: another row of the same setting (an older name, or the
//!   base setting a plugin option repeats) whose variables and keys are all
//!   read through the honoured row;
//! - [`Use::NoEffect`]: accepted with any value, because on an engine that
//!   runs no Python and loads no plugins it has nothing to change (the
//!   reason is shown by `--print-config`);
//! - [`Use::DefaultOnly`]: accepted only when its value is Ansible's
//!   default; any other value changes what Ansible does in a way this
//!   engine does not, so the run is refused before any host is touched.
//!
//! Tests check that every row of the data has exactly one rule and every
//! rule matches a row, so a new ansible-core setting cannot slip through
//! unclassified.

use std::sync::OnceLock;

/// What a setting fills when it is honoured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    /// `remote_user` / `-u`.
    RemoteUser,
    /// `remote_port`.
    Port,
    /// `transport` / `-c`.
    Connection,
    /// `private_key_file` / `--private-key`.
    PrivateKeyFile,
    /// `ANSIBLE_PRIVATE_KEY_PASSPHRASE`.
    KeyPassphrase,
    /// `timeout` / `-T`.
    Timeout,
    /// `host_key_checking`.
    HostKeyChecking,
    /// `ssh_args` (`[ssh_connection]`).
    SshArgs,
    /// `ssh_common_args` / `--ssh-common-args`.
    SshCommonArgs,
    /// `ssh_extra_args` / `--ssh-extra-args`.
    SshExtraArgs,
    /// `become` / `-b`.
    Become,
    /// `become_method` / `--become-method`.
    BecomeMethod,
    /// `become_user` of the become method's plugin / `--become-user`.
    BecomeUser,
    /// `become_exe` of the become method's plugin.
    BecomeExe,
    /// `become_flags` of the become method's plugin.
    BecomeFlags,
    /// The become method's plugin `password` (`ANSIBLE_BECOME_PASS`).
    BecomePass,
    /// `ask_pass` / `-k`.
    AskPass,
    /// `become_ask_pass` / `-K`.
    AskBecomePass,
    /// `become_password_file` / `--become-password-file`.
    BecomePasswordFile,
    /// `connection_password_file` / `--connection-password-file`.
    ConnectionPasswordFile,
    /// `agnostic_become_prompt`: `BECOME password:` or `SUDO password:`.
    AgnosticBecomePrompt,
    /// `forks` / `-f`.
    Forks,
    /// `inventory` / `-i`.
    Inventory,
    /// `roles_path`.
    RolesPath,
    /// `home` (`ANSIBLE_HOME`): the root of the default `roles_path`.
    AnsibleHome,
    /// `verbosity`.
    Verbosity,
    /// `nocolor`.
    NoColor,
    /// `force_color`.
    ForceColor,
    /// `[inventory] host_pattern_mismatch`.
    HostPatternMismatch,
    /// `localhost_warning`.
    LocalhostWarning,
    /// `[tags] run` / `-t`.
    TagsRun,
    /// `[tags] skip` / `--skip-tags`.
    TagsSkip,
    /// `[diff] always` / `-D`.
    DiffAlways,
    /// `force_handlers` (play default) / `--force-handlers`.
    ForceHandlers,
    /// `gathering`: the play's `gather_facts` default.
    Gathering,
    /// `strategy`: the play's `strategy` default.
    Strategy,
    /// `any_errors_fatal`: the play's default.
    AnyErrorsFatal,
    /// `callbacks_enabled`.
    CallbacksEnabled,
    /// `stdout_callback`.
    StdoutCallback,
    /// `force_valid_group_names`.
    GroupNameChars,
    /// `allow_broken_conditionals`: a non-boolean conditional result counts
    /// by its truth value instead of failing the task.
    AllowBrokenConditionals,
}

impl Field {
    /// The setting's name as `ansible.cfg` writes it.
    pub fn name(self) -> &'static str {
        match self {
            Field::RemoteUser => "remote_user",
            Field::Port => "remote_port",
            Field::Connection => "transport",
            Field::PrivateKeyFile => "private_key_file",
            Field::KeyPassphrase => "private_key_passphrase",
            Field::Timeout => "timeout",
            Field::HostKeyChecking => "host_key_checking",
            Field::SshArgs => "ssh_args",
            Field::SshCommonArgs => "ssh_common_args",
            Field::SshExtraArgs => "ssh_extra_args",
            Field::Become => "become",
            Field::BecomeMethod => "become_method",
            Field::BecomeUser => "become_user",
            Field::BecomeExe => "become_exe",
            Field::BecomeFlags => "become_flags",
            Field::BecomePass => "become_pass",
            Field::AskPass => "ask_pass",
            Field::AskBecomePass => "become_ask_pass",
            Field::BecomePasswordFile => "become_password_file",
            Field::ConnectionPasswordFile => "connection_password_file",
            Field::AgnosticBecomePrompt => "agnostic_become_prompt",
            Field::Forks => "forks",
            Field::Inventory => "inventory",
            Field::RolesPath => "roles_path",
            Field::AnsibleHome => "home",
            Field::Verbosity => "verbosity",
            Field::NoColor => "nocolor",
            Field::ForceColor => "force_color",
            Field::HostPatternMismatch => "host_pattern_mismatch",
            Field::LocalhostWarning => "localhost_warning",
            Field::TagsRun => "tags run",
            Field::TagsSkip => "tags skip",
            Field::DiffAlways => "diff always",
            Field::ForceHandlers => "force_handlers",
            Field::Gathering => "gathering",
            Field::Strategy => "strategy",
            Field::AnyErrorsFatal => "any_errors_fatal",
            Field::CallbacksEnabled => "callbacks_enabled",
            Field::StdoutCallback => "stdout_callback",
            Field::GroupNameChars => "force_valid_group_names",
            Field::AllowBrokenConditionals => "allow_broken_conditionals",
        }
    }
}

/// What konvoy-image does with one setting (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Use {
    /// Read and applied.
    Honoured(Field),
    /// Read through the honoured row of the same setting.
    Same(Field),
    /// Accepted whatever its value, for this reason.
    NoEffect(&'static str),
    /// Accepted only with Ansible's default value; why another is refused.
    DefaultOnly(&'static str),
}

/// One setting of the data file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// `base` or `<plugin type>/<plugin name>`.
    pub scope: String,
    /// The setting's name (`DEFAULT_FORKS`, `ssh_args`).
    pub name: String,
    /// Ansible's type name (`boolean`, `integer`, `path`, `list`, ...).
    pub kind: String,
    /// The default, as JSON.
    pub default: String,
    /// Environment variables, lowest precedence first (the last set wins).
    pub env: Vec<String>,
    /// `(section, key)` entries, the last present wins.
    pub ini: Vec<(String, String)>,
}

impl Row {
    /// `DEFAULT_FORKS` for base settings, `connection/ssh: ssh_args` for
    /// plugin options.
    pub fn label(&self) -> String {
        if self.scope == "base" {
            self.name.clone()
        } else {
            format!("{}: {}", self.scope, self.name)
        }
    }
}

const DATA: &str = include_str!("ansible-settings.tsv");

/// The settings of ansible-core 2.19.14, in the data file's order.
pub fn rows() -> &'static [Row] {
    static ROWS: OnceLock<Vec<Row>> = OnceLock::new();
    ROWS.get_or_init(|| DATA.lines().filter_map(parse_row).collect())
}

fn parse_row(line: &str) -> Option<Row> {
    let mut cols = line.split('\t');
    let list = |s: Option<&str>| -> Vec<String> {
        s.unwrap_or("")
            .split(',')
            .filter(|x| !x.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let scope = cols.next()?.to_owned();
    let name = cols.next()?.to_owned();
    let kind = cols.next()?.to_owned();
    let default = cols.next()?.to_owned();
    let env = list(cols.next());
    let ini = list(cols.next())
        .into_iter()
        .filter_map(|e| e.split_once('.').map(|(s, k)| (s.to_owned(), k.to_owned())))
        .collect();
    Some(Row {
        scope,
        name,
        kind,
        default,
        env,
        ini,
    })
}

/// The rule of `row` (see [`RULES`]).
pub fn rule(row: &Row) -> Option<Use> {
    RULES
        .iter()
        .find(|(scope, name, _)| *scope == row.scope && (*name == row.name || *name == "*"))
        .map(|(_, _, u)| *u)
}

const PIPELINING: &str = "konvoy-image sends no module files, so there is nothing to pipeline: \
     every command already runs in one round trip";
const CONNECTION_REUSE: &str = "konvoy-image keeps one SSH session per host for the whole run, \
     without OpenSSH control sockets";
const PYTHON: &str = "about Python modules on the hosts; konvoy-image runs no Python there";
const PLUGIN_PATH: &str = "konvoy-image loads no Python plugins or modules from disk; a task or \
     template that uses one from these directories is reported as unknown where it is used";
const COLLECTIONS: &str = "konvoy-image loads no collections; a module or plugin from one is \
     reported as unknown where it is used";
const GALAXY: &str = "an `ansible-galaxy` setting; konvoy-image installs no roles or collections";
const VAULT: &str = "vault-encrypted values are refused wherever they appear, so no vault \
     password is ever used";
const NETWORK: &str = "network-device connections (persistent, netconf, httpapi) are not used";
const COWS: &str = "cowsay banners: konvoy-image never prints them, as ansible-core without \
     cowsay installed";
const NOT_LOADED: &str = "an option of an ansible-core plugin konvoy-image never loads";
const WINDOWS: &str = "Windows hosts only";
const FILES_OVER_SESSION: &str = "files travel over the SSH session itself, never through the \
     scp or sftp programs";
const SSH_BINARY: &str = "konvoy-image has its own SSH client and runs no ssh, scp or sftp \
     program";
const COLOURS: &str = "custom output colours are not supported; konvoy-image uses Ansible's \
     default colours";
const ADHOC: &str = "read by ad-hoc `ansible` (and the other tools) only";
const SYSLOG: &str = "Python modules log to the host's syslog; konvoy-image's modules never do";
const SELINUX: &str =
    "about SELinux contexts set by Python modules; konvoy-image's modules set none";
const TEMPLATING: &str = "changes how templates are evaluated; konvoy-image templates as \
     ansible-core does by default";
const DISPLAY: &str = "changes the default callback's output; konvoy-image prints Ansible's \
     default output";
const INVENTORY_FILES: &str = "changes which inventory files are read; konvoy-image reads them \
     as ansible-core does by default";
const PARAMIKO: &str = "paramiko options are not read: a `paramiko` connection uses \
     konvoy-image's SSH client";

/// The rule of every row: `(scope, name or "*" for a whole plugin, use)`.
pub const RULES: &[(&str, &str, Use)] = &[
    ("base", "ACTION_WARNINGS", Use::DefaultOnly("module warnings cannot be turned off")),
    ("base", "AGNOSTIC_BECOME_PROMPT", Use::Honoured(Field::AgnosticBecomePrompt)),
    ("base", "ALLOW_BROKEN_CONDITIONALS", Use::Honoured(Field::AllowBrokenConditionals)),
    ("base", "ALLOW_EMBEDDED_TEMPLATES", Use::DefaultOnly(TEMPLATING)),
    ("base", "ANSIBLE_CONNECTION_PATH", Use::NoEffect(NETWORK)),
    ("base", "ANSIBLE_COW_ACCEPTLIST", Use::NoEffect(COWS)),
    ("base", "ANSIBLE_COW_PATH", Use::NoEffect(COWS)),
    ("base", "ANSIBLE_COW_SELECTION", Use::NoEffect(COWS)),
    ("base", "ANSIBLE_FORCE_COLOR", Use::Honoured(Field::ForceColor)),
    ("base", "ANSIBLE_HOME", Use::Honoured(Field::AnsibleHome)),
    ("base", "ANSIBLE_NOCOLOR", Use::Honoured(Field::NoColor)),
    ("base", "ANSIBLE_NOCOWS", Use::NoEffect(COWS)),
    ("base", "ANSIBLE_PIPELINING", Use::NoEffect(PIPELINING)),
    ("base", "ANY_ERRORS_FATAL", Use::Honoured(Field::AnyErrorsFatal)),
    ("base", "BECOME_ALLOW_SAME_USER", Use::DefaultOnly(
        "no become when the become user is the remote user, as by default")),
    ("base", "BECOME_PASSWORD_FILE", Use::Honoured(Field::BecomePasswordFile)),
    ("base", "BECOME_PLUGIN_PATH", Use::NoEffect(PLUGIN_PATH)),
    ("base", "CACHE_PLUGIN", Use::DefaultOnly(
        "facts are not cached between runs: each run gathers them")),
    ("base", "CACHE_PLUGIN_CONNECTION", Use::NoEffect(
        "read by a fact cache plugin only; `fact_caching` other than `memory` is refused")),
    ("base", "CACHE_PLUGIN_PREFIX", Use::NoEffect(
        "read by a fact cache plugin only; `fact_caching` other than `memory` is refused")),
    ("base", "CACHE_PLUGIN_TIMEOUT", Use::NoEffect(
        "read by a fact cache plugin only; `fact_caching` other than `memory` is refused")),
    ("base", "CALLBACKS_ENABLED", Use::Honoured(Field::CallbacksEnabled)),
    ("base", "COLLECTIONS_ON_ANSIBLE_VERSION_MISMATCH", Use::NoEffect(COLLECTIONS)),
    ("base", "COLLECTIONS_PATHS", Use::NoEffect(COLLECTIONS)),
    ("base", "COLLECTIONS_SCAN_SYS_PATH", Use::NoEffect(COLLECTIONS)),
    ("base", "COLOR_CHANGED", Use::DefaultOnly(COLOURS)),
    ("base", "COLOR_CONSOLE_PROMPT", Use::NoEffect("`ansible-console` only")),
    ("base", "COLOR_DEBUG", Use::DefaultOnly(COLOURS)),
    ("base", "COLOR_DEPRECATE", Use::DefaultOnly(COLOURS)),
    ("base", "COLOR_DIFF_ADD", Use::DefaultOnly(COLOURS)),
    ("base", "COLOR_DIFF_LINES", Use::DefaultOnly(COLOURS)),
    ("base", "COLOR_DIFF_REMOVE", Use::DefaultOnly(COLOURS)),
    ("base", "COLOR_DOC_CONSTANT", Use::NoEffect("`ansible-doc` only")),
    ("base", "COLOR_DOC_DEPRECATED", Use::NoEffect("`ansible-doc` only")),
    ("base", "COLOR_DOC_LINK", Use::NoEffect("`ansible-doc` only")),
    ("base", "COLOR_DOC_MODULE", Use::NoEffect("`ansible-doc` only")),
    ("base", "COLOR_DOC_PLUGIN", Use::NoEffect("`ansible-doc` only")),
    ("base", "COLOR_DOC_REFERENCE", Use::NoEffect("`ansible-doc` only")),
    ("base", "COLOR_ERROR", Use::DefaultOnly(COLOURS)),
    ("base", "COLOR_HIGHLIGHT", Use::DefaultOnly(COLOURS)),
    ("base", "COLOR_INCLUDED", Use::DefaultOnly(COLOURS)),
    ("base", "COLOR_OK", Use::DefaultOnly(COLOURS)),
    ("base", "COLOR_SKIP", Use::DefaultOnly(COLOURS)),
    ("base", "COLOR_UNREACHABLE", Use::DefaultOnly(COLOURS)),
    ("base", "COLOR_VERBOSE", Use::DefaultOnly(COLOURS)),
    ("base", "COLOR_WARN", Use::DefaultOnly(COLOURS)),
    ("base", "CONNECTION_PASSWORD_FILE", Use::Honoured(Field::ConnectionPasswordFile)),
    ("base", "COVERAGE_REMOTE_OUTPUT", Use::NoEffect(PYTHON)),
    ("base", "COVERAGE_REMOTE_PATHS", Use::NoEffect(PYTHON)),
    ("base", "DEFAULT_ACTION_PLUGIN_PATH", Use::NoEffect(PLUGIN_PATH)),
    ("base", "DEFAULT_ALLOW_UNSAFE_LOOKUPS", Use::DefaultOnly(TEMPLATING)),
    ("base", "DEFAULT_ASK_PASS", Use::Honoured(Field::AskPass)),
    ("base", "DEFAULT_ASK_VAULT_PASS", Use::NoEffect(VAULT)),
    ("base", "DEFAULT_BECOME", Use::Honoured(Field::Become)),
    ("base", "DEFAULT_BECOME_ASK_PASS", Use::Honoured(Field::AskBecomePass)),
    ("base", "DEFAULT_BECOME_EXE", Use::Same(Field::BecomeExe)),
    ("base", "DEFAULT_BECOME_FLAGS", Use::Same(Field::BecomeFlags)),
    ("base", "DEFAULT_BECOME_METHOD", Use::Honoured(Field::BecomeMethod)),
    ("base", "DEFAULT_BECOME_USER", Use::Same(Field::BecomeUser)),
    ("base", "DEFAULT_CACHE_PLUGIN_PATH", Use::NoEffect(PLUGIN_PATH)),
    ("base", "DEFAULT_CALLBACK_PLUGIN_PATH", Use::NoEffect(PLUGIN_PATH)),
    ("base", "DEFAULT_CLICONF_PLUGIN_PATH", Use::NoEffect(PLUGIN_PATH)),
    ("base", "DEFAULT_CONNECTION_PLUGIN_PATH", Use::NoEffect(PLUGIN_PATH)),
    ("base", "DEFAULT_DEBUG", Use::DefaultOnly("ansible-core's internal debug output is not produced")),
    ("base", "DEFAULT_EXECUTABLE", Use::DefaultOnly("commands always run under `/bin/sh`")),
    ("base", "DEFAULT_FILTER_PLUGIN_PATH", Use::NoEffect(PLUGIN_PATH)),
    ("base", "DEFAULT_FORCE_HANDLERS", Use::Honoured(Field::ForceHandlers)),
    ("base", "DEFAULT_FORKS", Use::Honoured(Field::Forks)),
    ("base", "DEFAULT_GATHERING", Use::Honoured(Field::Gathering)),
    ("base", "DEFAULT_HASH_BEHAVIOUR", Use::DefaultOnly("`hash_behaviour = merge` is not implemented")),
    ("base", "DEFAULT_HOST_LIST", Use::Honoured(Field::Inventory)),
    ("base", "DEFAULT_HTTPAPI_PLUGIN_PATH", Use::NoEffect(PLUGIN_PATH)),
    ("base", "DEFAULT_INTERNAL_POLL_INTERVAL", Use::NoEffect(
        "a timing detail of ansible-core's worker processes")),
    ("base", "DEFAULT_INVENTORY_PLUGIN_PATH", Use::NoEffect(PLUGIN_PATH)),
    ("base", "DEFAULT_JINJA2_EXTENSIONS", Use::DefaultOnly(TEMPLATING)),
    ("base", "DEFAULT_JINJA2_NATIVE", Use::DefaultOnly(TEMPLATING)),
    ("base", "DEFAULT_KEEP_REMOTE_FILES", Use::NoEffect(PYTHON)),
    ("base", "DEFAULT_LIBVIRT_LXC_NOSECLABEL", Use::NoEffect(SELINUX)),
    ("base", "DEFAULT_LOAD_CALLBACK_PLUGINS", Use::NoEffect(ADHOC)),
    ("base", "DEFAULT_LOCAL_TMP", Use::NoEffect(
        "controller-side temporary files; konvoy-image uses its own temporary directory")),
    ("base", "DEFAULT_LOG_FILTER", Use::NoEffect("filters the `log_path` log, which is refused")),
    ("base", "DEFAULT_LOG_PATH", Use::DefaultOnly(
        "konvoy-image writes its log to the run folder (`--work-dir`), not to `log_path`")),
    ("base", "DEFAULT_LOOKUP_PLUGIN_PATH", Use::NoEffect(PLUGIN_PATH)),
    ("base", "DEFAULT_MANAGED_STR", Use::DefaultOnly("a custom `ansible_managed` text is not supported")),
    ("base", "DEFAULT_MODULE_ARGS", Use::NoEffect(ADHOC)),
    ("base", "DEFAULT_MODULE_COMPRESSION", Use::NoEffect(PYTHON)),
    ("base", "DEFAULT_MODULE_NAME", Use::NoEffect(ADHOC)),
    ("base", "DEFAULT_MODULE_PATH", Use::NoEffect(PLUGIN_PATH)),
    ("base", "DEFAULT_MODULE_UTILS_PATH", Use::NoEffect(PLUGIN_PATH)),
    ("base", "DEFAULT_NETCONF_PLUGIN_PATH", Use::NoEffect(PLUGIN_PATH)),
    ("base", "DEFAULT_NO_LOG", Use::DefaultOnly("set `no_log` on the plays or tasks instead")),
    ("base", "DEFAULT_NO_TARGET_SYSLOG", Use::NoEffect(SYSLOG)),
    ("base", "DEFAULT_NULL_REPRESENTATION", Use::DefaultOnly(TEMPLATING)),
    ("base", "DEFAULT_POLL_INTERVAL", Use::DefaultOnly("set `poll` on async tasks instead")),
    ("base", "DEFAULT_PRIVATE_KEY_FILE", Use::Honoured(Field::PrivateKeyFile)),
    ("base", "DEFAULT_PRIVATE_ROLE_VARS", Use::DefaultOnly("private role vars are not implemented")),
    ("base", "DEFAULT_REMOTE_PORT", Use::Same(Field::Port)),
    ("base", "DEFAULT_REMOTE_USER", Use::Same(Field::RemoteUser)),
    ("base", "DEFAULT_ROLES_PATH", Use::Honoured(Field::RolesPath)),
    ("base", "DEFAULT_SELINUX_SPECIAL_FS", Use::NoEffect(SELINUX)),
    ("base", "DEFAULT_STDOUT_CALLBACK", Use::Honoured(Field::StdoutCallback)),
    ("base", "DEFAULT_STRATEGY", Use::Honoured(Field::Strategy)),
    ("base", "DEFAULT_STRATEGY_PLUGIN_PATH", Use::NoEffect(PLUGIN_PATH)),
    ("base", "DEFAULT_SU", Use::NoEffect("defined by ansible-core 2.19 but read by none of its code")),
    ("base", "DEFAULT_SYSLOG_FACILITY", Use::NoEffect(SYSLOG)),
    ("base", "DEFAULT_TERMINAL_PLUGIN_PATH", Use::NoEffect(PLUGIN_PATH)),
    ("base", "DEFAULT_TEST_PLUGIN_PATH", Use::NoEffect(PLUGIN_PATH)),
    ("base", "DEFAULT_TIMEOUT", Use::Same(Field::Timeout)),
    ("base", "DEFAULT_TRANSPORT", Use::Honoured(Field::Connection)),
    ("base", "DEFAULT_UNDEFINED_VAR_BEHAVIOR", Use::DefaultOnly(TEMPLATING)),
    ("base", "DEFAULT_VARS_PLUGIN_PATH", Use::NoEffect(PLUGIN_PATH)),
    ("base", "DEFAULT_VAULT_ENCRYPT_IDENTITY", Use::NoEffect(VAULT)),
    ("base", "DEFAULT_VAULT_IDENTITY", Use::NoEffect(VAULT)),
    ("base", "DEFAULT_VAULT_IDENTITY_LIST", Use::NoEffect(VAULT)),
    ("base", "DEFAULT_VAULT_ID_MATCH", Use::NoEffect(VAULT)),
    ("base", "DEFAULT_VAULT_PASSWORD_FILE", Use::NoEffect(VAULT)),
    ("base", "DEFAULT_VERBOSITY", Use::Honoured(Field::Verbosity)),
    ("base", "DEPRECATION_WARNINGS", Use::NoEffect("konvoy-image prints no deprecation warnings")),
    ("base", "DEVEL_WARNING", Use::NoEffect("warns about a development build of ansible-core")),
    ("base", "DIFF_ALWAYS", Use::Honoured(Field::DiffAlways)),
    ("base", "DIFF_CONTEXT", Use::DefaultOnly("diffs always have 3 lines of context")),
    ("base", "DISPLAY_ARGS_TO_STDOUT", Use::DefaultOnly(DISPLAY)),
    ("base", "DISPLAY_SKIPPED_HOSTS", Use::DefaultOnly(DISPLAY)),
    ("base", "DISPLAY_TRACEBACK", Use::NoEffect("Python tracebacks; konvoy-image has none")),
    ("base", "DOCSITE_ROOT_URL", Use::NoEffect("links to Ansible's documentation in its messages")),
    ("base", "DOC_FRAGMENT_PLUGIN_PATH", Use::NoEffect(PLUGIN_PATH)),
    ("base", "DUPLICATE_YAML_DICT_KEY", Use::DefaultOnly("duplicate YAML keys always warn")),
    ("base", "EDITOR", Use::NoEffect("`ansible-vault edit` only")),
    ("base", "ENABLE_TASK_DEBUGGER", Use::DefaultOnly("the task debugger is not implemented")),
    ("base", "ERROR_ON_MISSING_HANDLER", Use::DefaultOnly("a missing handler is always an error")),
    ("base", "FACTS_MODULES", Use::DefaultOnly("facts come from konvoy-image's own probe")),
    ("base", "GALAXY_CACHE_DIR", Use::NoEffect(GALAXY)),
    ("base", "GALAXY_COLLECTIONS_PATH_WARNING", Use::NoEffect(GALAXY)),
    ("base", "GALAXY_COLLECTION_IMPORT_POLL_FACTOR", Use::NoEffect(GALAXY)),
    ("base", "GALAXY_COLLECTION_IMPORT_POLL_INTERVAL", Use::NoEffect(GALAXY)),
    ("base", "GALAXY_COLLECTION_SKELETON", Use::NoEffect(GALAXY)),
    ("base", "GALAXY_COLLECTION_SKELETON_IGNORE", Use::NoEffect(GALAXY)),
    ("base", "GALAXY_DISABLE_GPG_VERIFY", Use::NoEffect(GALAXY)),
    ("base", "GALAXY_DISPLAY_PROGRESS", Use::NoEffect(GALAXY)),
    ("base", "GALAXY_GPG_KEYRING", Use::NoEffect(GALAXY)),
    ("base", "GALAXY_IGNORE_CERTS", Use::NoEffect(GALAXY)),
    ("base", "GALAXY_IGNORE_INVALID_SIGNATURE_STATUS_CODES", Use::NoEffect(GALAXY)),
    ("base", "GALAXY_REQUIRED_VALID_SIGNATURE_COUNT", Use::NoEffect(GALAXY)),
    ("base", "GALAXY_ROLE_SKELETON", Use::NoEffect(GALAXY)),
    ("base", "GALAXY_ROLE_SKELETON_IGNORE", Use::NoEffect(GALAXY)),
    ("base", "GALAXY_SERVER", Use::NoEffect(GALAXY)),
    ("base", "GALAXY_SERVER_LIST", Use::NoEffect(GALAXY)),
    ("base", "GALAXY_SERVER_TIMEOUT", Use::NoEffect(GALAXY)),
    ("base", "GALAXY_TOKEN_PATH", Use::NoEffect(GALAXY)),
    ("base", "HOST_KEY_CHECKING", Use::Same(Field::HostKeyChecking)),
    ("base", "HOST_PATTERN_MISMATCH", Use::Honoured(Field::HostPatternMismatch)),
    ("base", "INJECT_FACTS_AS_VARS", Use::DefaultOnly("facts are always also `ansible_*` variables")),
    ("base", "INTERPRETER_PYTHON", Use::NoEffect(PYTHON)),
    ("base", "INVALID_TASK_ATTRIBUTE_FAILED", Use::DefaultOnly("an invalid task keyword value is always an error")),
    ("base", "INVENTORY_ANY_UNPARSED_IS_FAILED", Use::NoEffect(
        "konvoy-image always stops on an inventory source it cannot parse")),
    ("base", "INVENTORY_ENABLED", Use::DefaultOnly(INVENTORY_FILES)),
    ("base", "INVENTORY_EXPORT", Use::NoEffect("read by `ansible-inventory` only")),
    ("base", "INVENTORY_IGNORE_EXTS", Use::DefaultOnly(INVENTORY_FILES)),
    ("base", "INVENTORY_IGNORE_PATTERNS", Use::DefaultOnly(INVENTORY_FILES)),
    ("base", "INVENTORY_UNPARSED_IS_FAILED", Use::NoEffect(
        "konvoy-image always stops on an inventory source it cannot parse")),
    ("base", "INVENTORY_UNPARSED_WARNING", Use::NoEffect(
        "konvoy-image always stops on an inventory source it cannot parse")),
    ("base", "LOCALHOST_WARNING", Use::Honoured(Field::LocalhostWarning)),
    ("base", "LOG_VERBOSITY", Use::NoEffect("the verbosity of `log_path`, which is refused")),
    ("base", "MAX_FILE_SIZE_FOR_DIFF", Use::DefaultOnly("the diff size limit is fixed")),
    ("base", "MODULE_IGNORE_EXTS", Use::NoEffect(PLUGIN_PATH)),
    ("base", "MODULE_STRICT_UTF8_RESPONSE", Use::NoEffect(PYTHON)),
    ("base", "NETCONF_SSH_CONFIG", Use::NoEffect(NETWORK)),
    ("base", "NETWORK_GROUP_MODULES", Use::NoEffect(NETWORK)),
    ("base", "OLD_PLUGIN_CACHE_CLEARING", Use::NoEffect(PLUGIN_PATH)),
    ("base", "PAGER", Use::NoEffect("`ansible-doc` only")),
    ("base", "PARAMIKO_HOST_KEY_AUTO_ADD", Use::DefaultOnly(PARAMIKO)),
    ("base", "PARAMIKO_LOOK_FOR_KEYS", Use::DefaultOnly(PARAMIKO)),
    ("base", "PERSISTENT_COMMAND_TIMEOUT", Use::NoEffect(NETWORK)),
    ("base", "PERSISTENT_CONNECT_RETRY_TIMEOUT", Use::NoEffect(NETWORK)),
    ("base", "PERSISTENT_CONNECT_TIMEOUT", Use::NoEffect(NETWORK)),
    ("base", "PERSISTENT_CONTROL_PATH_DIR", Use::NoEffect(NETWORK)),
    ("base", "PLAYBOOK_DIR", Use::NoEffect(
        "read by the tools that run without a playbook; ansible-playbook takes the playbook's directory")),
    ("base", "PLAYBOOK_VARS_ROOT", Use::DefaultOnly("vars roots other than `top` are not implemented")),
    ("base", "PLUGIN_FILTERS_CFG", Use::DefaultOnly("plugin filters (rejected modules) are not implemented")),
    ("base", "PYTHON_MODULE_RLIMIT_NOFILE", Use::NoEffect(PYTHON)),
    ("base", "RETRY_FILES_ENABLED", Use::DefaultOnly("retry files are not written")),
    ("base", "RETRY_FILES_SAVE_PATH", Use::NoEffect("read only with retry files, which are refused")),
    ("base", "RUN_VARS_PLUGINS", Use::DefaultOnly("vars files are read on demand, as by default")),
    ("base", "SHOW_CUSTOM_STATS", Use::DefaultOnly(DISPLAY)),
    ("base", "SSH_AGENT", Use::DefaultOnly(
        "ansible-core starting its own ssh-agent is not implemented; the agent of `SSH_AUTH_SOCK` is used")),
    ("base", "SSH_AGENT_EXECUTABLE", Use::NoEffect("read only with `ssh_agent`, which is refused")),
    ("base", "SSH_AGENT_KEY_LIFETIME", Use::NoEffect("read only with `ssh_agent`, which is refused")),
    ("base", "STRING_TYPE_FILTERS", Use::DefaultOnly(TEMPLATING)),
    ("base", "SYSTEM_WARNINGS", Use::NoEffect(
        "konvoy-image emits none of ansible-core's system warnings (interpreter discovery, Python versions)")),
    ("base", "TAGS_RUN", Use::Honoured(Field::TagsRun)),
    ("base", "TAGS_SKIP", Use::Honoured(Field::TagsSkip)),
    ("base", "TARGET_LOG_INFO", Use::NoEffect(SYSLOG)),
    ("base", "TASK_DEBUGGER_IGNORE_ERRORS", Use::NoEffect("read only with the task debugger, which is refused")),
    ("base", "TASK_TIMEOUT", Use::DefaultOnly("set `timeout` on the tasks instead")),
    ("base", "TRANSFORM_INVALID_GROUP_CHARS", Use::Honoured(Field::GroupNameChars)),
    ("base", "USE_PERSISTENT_CONNECTIONS", Use::NoEffect(NETWORK)),
    ("base", "VALIDATE_ACTION_GROUP_METADATA", Use::NoEffect(COLLECTIONS)),
    ("base", "VARIABLE_PLUGINS_ENABLED", Use::DefaultOnly("vars plugins other than `host_group_vars` are not loaded")),
    ("base", "VARIABLE_PRECEDENCE", Use::DefaultOnly("the variable precedence is Ansible's default one")),
    ("base", "VAULT_ENCRYPT_SALT", Use::NoEffect(VAULT)),
    ("base", "VERBOSE_TO_STDERR", Use::DefaultOnly(DISPLAY)),
    ("base", "WIN_ASYNC_STARTUP_TIMEOUT", Use::NoEffect(WINDOWS)),
    ("base", "WORKER_SHUTDOWN_POLL_COUNT", Use::NoEffect("a timing detail of ansible-core's worker processes")),
    ("base", "WORKER_SHUTDOWN_POLL_DELAY", Use::NoEffect("a timing detail of ansible-core's worker processes")),
    ("base", "YAML_FILENAME_EXTENSIONS", Use::DefaultOnly(INVENTORY_FILES)),
    ("base", "_ANSIBALLZ_COVERAGE_CONFIG", Use::NoEffect(PYTHON)),
    ("base", "_ANSIBALLZ_DEBUGPY_CONFIG", Use::NoEffect(PYTHON)),
    ("base", "_ANSIBALLZ_PYDEVD_CONFIG", Use::NoEffect(PYTHON)),
    ("base", "_ANSIBLE_CONNECTION_PATH", Use::NoEffect(NETWORK)),
    ("base", "_CALLBACK_DISPATCH_ERROR_BEHAVIOR", Use::NoEffect("errors of ansible-core's Python callback plugins")),
    ("base", "_MODULE_METADATA", Use::NoEffect(PYTHON)),
    ("base", "_TEMPLAR_SANDBOX_MODE", Use::DefaultOnly(TEMPLATING)),
    ("base", "_TEMPLAR_UNKNOWN_TYPE_CONVERSION", Use::DefaultOnly(TEMPLATING)),
    ("base", "_TEMPLAR_UNKNOWN_TYPE_ENCOUNTERED", Use::DefaultOnly(TEMPLATING)),
    ("base", "_TEMPLAR_UNTRUSTED_TEMPLATE_BEHAVIOR", Use::DefaultOnly(TEMPLATING)),
    ("base", "_Z_TEST_ENTRY", Use::NoEffect("entries of ansible-core's own test suite")),
    ("base", "_Z_TEST_ENTRY_2", Use::NoEffect("entries of ansible-core's own test suite")),
    ("base", "_Z_TEST_ENTRY_3", Use::NoEffect("entries of ansible-core's own test suite")),
    ("become/runas", "*", Use::NoEffect(WINDOWS)),
    ("become/su", "become_exe", Use::Honoured(Field::BecomeExe)),
    ("become/su", "become_flags", Use::Honoured(Field::BecomeFlags)),
    ("become/su", "become_pass", Use::Honoured(Field::BecomePass)),
    ("become/su", "become_user", Use::Honoured(Field::BecomeUser)),
    ("become/su", "prompt_l10n", Use::DefaultOnly("localised `su` password prompts are not recognised")),
    ("become/sudo", "become_exe", Use::Honoured(Field::BecomeExe)),
    ("become/sudo", "become_flags", Use::Honoured(Field::BecomeFlags)),
    ("become/sudo", "become_pass", Use::Honoured(Field::BecomePass)),
    ("become/sudo", "become_user", Use::Honoured(Field::BecomeUser)),
    ("become/sudo", "sudo_chdir", Use::DefaultOnly("changing directory before sudo is not implemented")),
    ("cache/jsonfile", "*", Use::NoEffect(NOT_LOADED)),
    ("callback/default", "check_mode_markers", Use::DefaultOnly(DISPLAY)),
    ("callback/default", "display_failed_stderr", Use::DefaultOnly(DISPLAY)),
    ("callback/default", "display_ok_hosts", Use::DefaultOnly(DISPLAY)),
    ("callback/default", "display_skipped_hosts", Use::DefaultOnly(DISPLAY)),
    ("callback/default", "pretty_results", Use::DefaultOnly(DISPLAY)),
    ("callback/default", "result_format", Use::DefaultOnly(DISPLAY)),
    ("callback/default", "show_custom_stats", Use::DefaultOnly(DISPLAY)),
    ("callback/default", "show_per_host_start", Use::DefaultOnly(DISPLAY)),
    ("callback/default", "show_task_path_on_failure", Use::DefaultOnly(DISPLAY)),
    ("callback/junit", "*", Use::NoEffect(NOT_LOADED)),
    ("callback/minimal", "*", Use::NoEffect(NOT_LOADED)),
    ("callback/tree", "*", Use::NoEffect(NOT_LOADED)),
    ("connection/_paramiko_ssh", "*", Use::DefaultOnly(PARAMIKO)),
    ("connection/local", "pipelining", Use::NoEffect(PIPELINING)),
    ("connection/paramiko_ssh", "*", Use::DefaultOnly(PARAMIKO)),
    ("connection/psrp", "*", Use::NoEffect(WINDOWS)),
    ("connection/ssh", "control_path", Use::NoEffect(CONNECTION_REUSE)),
    ("connection/ssh", "control_path_dir", Use::NoEffect(CONNECTION_REUSE)),
    ("connection/ssh", "host_key_checking", Use::Honoured(Field::HostKeyChecking)),
    ("connection/ssh", "password_mechanism", Use::NoEffect(
        "how ansible-core hands a password to the ssh program; konvoy-image's SSH client sends it itself")),
    ("connection/ssh", "pipelining", Use::NoEffect(PIPELINING)),
    ("connection/ssh", "pkcs11_provider", Use::DefaultOnly("PKCS#11 keys are not supported")),
    ("connection/ssh", "port", Use::Honoured(Field::Port)),
    ("connection/ssh", "private_key", Use::DefaultOnly(
        "a private key given as text is not supported; use `private_key_file`")),
    ("connection/ssh", "private_key_file", Use::Same(Field::PrivateKeyFile)),
    ("connection/ssh", "private_key_passphrase", Use::Honoured(Field::KeyPassphrase)),
    ("connection/ssh", "reconnection_retries", Use::DefaultOnly("SSH connections are not retried")),
    ("connection/ssh", "remote_user", Use::Honoured(Field::RemoteUser)),
    ("connection/ssh", "scp_executable", Use::DefaultOnly(SSH_BINARY)),
    ("connection/ssh", "scp_extra_args", Use::DefaultOnly(FILES_OVER_SESSION)),
    ("connection/ssh", "sftp_batch_mode", Use::NoEffect(FILES_OVER_SESSION)),
    ("connection/ssh", "sftp_executable", Use::DefaultOnly(SSH_BINARY)),
    ("connection/ssh", "sftp_extra_args", Use::DefaultOnly(FILES_OVER_SESSION)),
    ("connection/ssh", "ssh_args", Use::Honoured(Field::SshArgs)),
    ("connection/ssh", "ssh_common_args", Use::Honoured(Field::SshCommonArgs)),
    ("connection/ssh", "ssh_executable", Use::DefaultOnly(SSH_BINARY)),
    ("connection/ssh", "ssh_extra_args", Use::Honoured(Field::SshExtraArgs)),
    ("connection/ssh", "ssh_transfer_method", Use::NoEffect(FILES_OVER_SESSION)),
    ("connection/ssh", "sshpass_prompt", Use::NoEffect(
        "how ansible-core hands a password to the ssh program; konvoy-image's SSH client sends it itself")),
    ("connection/ssh", "timeout", Use::Honoured(Field::Timeout)),
    ("connection/ssh", "use_tty", Use::DefaultOnly("forcing a tty on every command is not supported")),
    ("connection/ssh", "verbosity", Use::NoEffect("debug output of the ssh program, which is not run")),
    ("connection/winrm", "*", Use::NoEffect(WINDOWS)),
    ("inventory/constructed", "*", Use::NoEffect(NOT_LOADED)),
    ("inventory/script", "*", Use::NoEffect(NOT_LOADED)),
    ("inventory/yaml", "yaml_extensions", Use::DefaultOnly(INVENTORY_FILES)),
    ("lookup/url", "*", Use::NoEffect(NOT_LOADED)),
    ("shell/cmd", "*", Use::NoEffect(WINDOWS)),
    ("shell/powershell", "*", Use::NoEffect(WINDOWS)),
    ("shell/sh", "admin_users", Use::NoEffect(
        "decides how Python module files are made readable; konvoy-image writes none")),
    ("shell/sh", "async_dir", Use::DefaultOnly("async job files stay in `~/.ansible_async`")),
    ("shell/sh", "common_remote_group", Use::NoEffect(
        "decides how Python module files are made readable; konvoy-image writes none")),
    ("shell/sh", "remote_tmp", Use::NoEffect(
        "where Python module files go on the host; konvoy-image writes none")),
    ("shell/sh", "system_tmpdirs", Use::NoEffect(
        "where Python module files go on the host; konvoy-image writes none")),
    ("shell/sh", "world_readable_temp", Use::NoEffect(
        "decides how Python module files are made readable; konvoy-image writes none")),
    ("vars/host_group_vars", "_valid_extensions", Use::DefaultOnly(INVENTORY_FILES)),
    ("vars/host_group_vars", "stage", Use::DefaultOnly("vars files are read on demand, as by default")),
];

/// `docs/settings.md`: every setting of ansible-core 2.19.14 that
/// `ansible.cfg` or an `ANSIBLE_*` variable can set, and what konvoy-image
/// does with it (checked current by a test).
pub fn render_markdown() -> String {
    let mut out = String::from(
        "# Settings: `ansible.cfg` and `ANSIBLE_*`\n\n\
         Generated from `engine/src/config/table.rs` by `cargo test --lib \
         config::table` (set `UPDATE_DOCS=1` to rewrite it). Every setting \
         of ansible-core 2.19.14 (`config/base.yml` and the builtin plugins' \
         options) that a config file or environment variable can set has one \
         row. The file is found and read as ansible-core does; a variable \
         beats the file, and a flag beats both.\n\n\
         - **honoured**: read and applied;\n\
         - **no effect**: accepted with any value, for the reason given;\n\
         - **default only**: accepted at Ansible's default value; any other \
         value is refused (exit code 5, with the file, line and column or \
         the variable) before any host is touched.\n\n\
         | setting | `ansible.cfg` | environment | konvoy-image |\n| --- | --- | --- | --- |\n",
    );
    for row in rows() {
        let ini: Vec<String> = row
            .ini
            .iter()
            .map(|(s, k)| format!("`[{s}] {k}`"))
            .collect();
        let env: Vec<String> = row.env.iter().map(|e| format!("`{e}`")).collect();
        let what = match rule(row) {
            Some(Use::Honoured(f) | Use::Same(f)) => format!("honoured (`{}`)", f.name()),
            Some(Use::NoEffect(why)) => format!("no effect: {why}"),
            Some(Use::DefaultOnly(why)) => format!("default only: {why}"),
            None => "unclassified".to_owned(),
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            row.label(),
            ini.join(", "),
            env.join(", "),
            what.replace('|', "\\|")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_setting_has_exactly_one_rule_and_every_rule_a_setting() {
        let rows = rows();
        assert!(rows.len() > 300, "{} rows", rows.len());
        for row in rows {
            let n = RULES
                .iter()
                .filter(|(s, n, _)| *s == row.scope && *n == row.name)
                .count();
            let wildcard = RULES.iter().any(|(s, n, _)| *s == row.scope && *n == "*");
            assert!(
                (n == 1 && !wildcard) || (n == 0 && wildcard),
                "{} has {n} rules (wildcard: {wildcard})",
                row.label()
            );
        }
        for (scope, name, _) in RULES {
            assert!(
                rows.iter()
                    .any(|r| r.scope == *scope && (r.name == *name || *name == "*")),
                "rule for {scope} {name} matches no setting"
            );
        }
    }

    #[test]
    fn docs_settings_md_is_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/settings.md");
        let text = render_markdown();
        if std::env::var_os("UPDATE_DOCS").is_some() {
            std::fs::write(&path, &text).expect("write docs/settings.md");
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == text,
            "docs/settings.md is out of date: UPDATE_DOCS=1 cargo test --lib config::table"
        );
    }

    #[test]
    fn a_same_row_is_read_entirely_through_its_honoured_row() {
        for row in rows() {
            let Some(Use::Same(field)) = rule(row) else {
                continue;
            };
            let honoured: Vec<&Row> = rows()
                .iter()
                .filter(|r| rule(r) == Some(Use::Honoured(field)))
                .collect();
            assert!(!honoured.is_empty(), "{}: no honoured row", row.label());
            for h in &honoured {
                for e in &row.env {
                    assert!(
                        h.env.contains(e),
                        "{}: {e} not in {}",
                        row.label(),
                        h.label()
                    );
                }
                for i in &row.ini {
                    assert!(
                        h.ini.contains(i),
                        "{}: {i:?} not in {}",
                        row.label(),
                        h.label()
                    );
                }
            }
        }
    }
}
