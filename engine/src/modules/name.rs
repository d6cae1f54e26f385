//! The module registry: the one table every module decision comes from.
//!
//! Each [`Entry`] names a module (its short name first, then aliases) and
//! says where it runs ([`Placement`]). Everything else is derived from it:
//! name lookup (short and FQCN), dispatch, probes, the static argument
//! check, `Action failed` vs `Module failed`, and which tasks leave the host
//! alone (so prefetched probes stay valid across them).
//!
//! # Adding a module
//!
//! 1. Write `modules/<name>.rs` with a type implementing [`super::Module`]
//!    (typed `parse`, read-only `probes` with `const PROBES: bool = true`
//!    when it has any, `run` through [`super::ModuleContext`]), and declare
//!    it `pub mod <name>;` in `modules/mod.rs`.
//! 2. Add one row to [`TABLE`] below: `host::<name::YourModule>(&["name", "alias"])`
//!    (or `action::<...>` when Ansible runs it as an action plugin, whose
//!    failures read `Action failed`).
//!
//! Nothing else lists modules: the planner, the static checks and the
//! executor all ask this table.

use super::args::{ArgError, ArgMap};
use super::context::ModuleContext;
use super::outcome::{ModuleError, Outcome};
use super::*;

/// A module known to the engine, by its canonical short name.
///
/// Only [`ModuleName::lookup`] makes one, so every value names a row of
/// [`TABLE`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ModuleName(&'static str);

/// The actions the executor runs itself, on the controller: they send
/// nothing to the host.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum Builtin {
    SetFact,
    Debug,
    Assert,
    Fail,
    IncludeVars,
    Meta,
    Pause,
    ValidateArgumentSpec,
    GroupBy,
    AddHost,
}

impl Builtin {
    /// The arguments this engine honours for the action, `None` when any
    /// key is an argument (`set_fact`'s facts). Other arguments Ansible
    /// documents fail the task when a host reaches it.
    pub fn options(self) -> Option<&'static [&'static str]> {
        match self {
            // `cacheable` only matters to a fact cache, which runs here
            // do not keep: honoured by having none.
            Builtin::SetFact => None,
            Builtin::Debug => Some(&["msg", "var", "verbosity"]),
            Builtin::Assert => Some(&["that", "fail_msg", "msg", "success_msg", "quiet"]),
            Builtin::Fail => Some(&["msg"]),
            Builtin::IncludeVars => Some(&[
                "_raw_params",
                "file",
                "name",
                "dir",
                "depth",
                "files_matching",
                "ignore_files",
                "extensions",
                "ignore_unknown_extensions",
                "hash_behaviour",
            ]),
            Builtin::Meta => Some(&["_raw_params"]),
            Builtin::Pause => Some(&["seconds", "minutes"]),
            Builtin::ValidateArgumentSpec => Some(&["argument_spec", "provided_arguments"]),
            Builtin::GroupBy => Some(&["key", "parents"]),
            // Every key other than the name and groups is a host variable.
            Builtin::AddHost => None,
        }
    }
}

/// A module's arguments, parsed once into its typed form: what probe
/// batching asks for probes and what the executor later runs.
pub trait Parsed: Send {
    /// The module's read-only probe scripts for these arguments.
    fn probes(&self) -> Vec<String>;
    /// See [`Module::read_only`].
    fn read_only(&mut self) -> bool;
    /// Runs the module with these arguments.
    fn run(&self, ctx: &mut ModuleContext<'_>) -> Result<Outcome, ModuleError>;
}

struct Typed<M: Module> {
    args: M::Args,
    _module: std::marker::PhantomData<fn() -> M>,
}

impl<M: Module> Parsed for Typed<M>
where
    M::Args: Send,
{
    fn probes(&self) -> Vec<String> {
        M::probes(&self.args)
    }

    fn read_only(&mut self) -> bool {
        M::read_only(&mut self.args)
    }

    fn run(&self, ctx: &mut ModuleContext<'_>) -> Result<Outcome, ModuleError> {
        M::run(&self.args, ctx)
    }
}

/// The functions of a module that runs on the host, derived from its
/// [`Module`] implementation.
#[derive(Clone, Copy)]
pub struct HostImpl {
    /// Parses (templated) arguments into the module's typed form.
    pub parse: fn(ArgMap) -> Result<Box<dyn Parsed>, ArgError>,
    /// The module declares read-only probes.
    pub has_probes: bool,
    /// The module supports check mode.
    pub check_mode: bool,
    /// See [`super::Module::FINAL_APPLY`].
    pub final_apply: bool,
}

impl HostImpl {
    /// Parses and runs.
    pub fn run(&self, args: ArgMap, ctx: &mut ModuleContext<'_>) -> Result<Outcome, ModuleError> {
        (self.parse)(args)?.run(ctx)
    }

    /// The argument parser alone (static checks).
    pub fn check(&self, args: ArgMap) -> Result<(), ArgError> {
        (self.parse)(args).map(drop)
    }
}

impl std::fmt::Debug for HostImpl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostImpl")
            .field("has_probes", &self.has_probes)
            .finish()
    }
}

/// Where a module's work happens.
#[derive(Clone, Copy, Debug)]
pub enum Placement {
    /// A module run on the host through [`ModuleContext`]; failures read
    /// `Module failed`.
    Host(HostImpl),
    /// Like [`Placement::Host`], but Ansible runs it as a controller-side
    /// action plugin (copy, template, raw, script): failures read
    /// `Action failed`.
    Action(HostImpl),
    /// Run by the executor itself; nothing goes to the host.
    Controller(Builtin),
    /// Ansible has it; this engine does not (the task fails when a host
    /// reaches it).
    Unsupported,
}

/// One row of the registry.
#[derive(Debug)]
pub struct Entry {
    /// Short names: the canonical one first, then aliases.
    pub names: &'static [&'static str],
    /// Where it runs.
    pub placement: Placement,
}

fn parse_of<M: Module + 'static>(mut args: ArgMap) -> Result<Box<dyn Parsed>, ArgError>
where
    M::Args: Send + 'static,
{
    let args = M::parse(&mut args)?;
    Ok(Box::new(Typed::<M> {
        args,
        _module: std::marker::PhantomData,
    }))
}

const fn implementation<M: Module + 'static>() -> HostImpl
where
    M::Args: Send + 'static,
{
    HostImpl {
        parse: parse_of::<M>,
        has_probes: M::PROBES,
        check_mode: M::CHECK_MODE,
        final_apply: M::FINAL_APPLY,
    }
}

const fn host<M: Module + 'static>(names: &'static [&'static str]) -> Entry
where
    M::Args: Send + 'static,
{
    Entry {
        names,
        placement: Placement::Host(implementation::<M>()),
    }
}

const fn action<M: Module + 'static>(names: &'static [&'static str]) -> Entry
where
    M::Args: Send + 'static,
{
    Entry {
        names,
        placement: Placement::Action(implementation::<M>()),
    }
}

const fn builtin(names: &'static [&'static str], b: Builtin) -> Entry {
    Entry {
        names,
        placement: Placement::Controller(b),
    }
}

/// Every module and action the engine knows.
pub static TABLE: &[Entry] = &[
    host::<command::CommandModule>(&["command"]),
    host::<command::ShellModule>(&["shell"]),
    action::<command::RawModule>(&["raw"]),
    action::<script::ScriptModule>(&["script"]),
    host::<file::FileModule>(&["file"]),
    action::<copy::CopyModule>(&["copy"]),
    action::<template::TemplateModule>(&["template"]),
    host::<lineinfile::LineinfileModule>(&["lineinfile"]),
    host::<blockinfile::BlockinfileModule>(&["blockinfile"]),
    host::<replace::ReplaceModule>(&["replace"]),
    host::<stat::StatModule>(&["stat"]),
    host::<find::FindModule>(&["find"]),
    host::<get_url::GetUrlModule>(&["get_url"]),
    host::<unarchive::UnarchiveModule>(&["unarchive"]),
    host::<yum::YumModule>(&["yum"]),
    host::<yum::YumModule>(&["dnf"]),
    host::<package::PackageModule>(&["package"]),
    host::<package_facts::PackageFactsModule>(&["package_facts"]),
    host::<yum_repository::YumRepositoryModule>(&["yum_repository"]),
    host::<apt::AptModule>(&["apt"]),
    host::<apt_key::AptKeyModule>(&["apt_key"]),
    host::<apt_repository::AptRepositoryModule>(&["apt_repository"]),
    host::<deb822_repository::Deb822RepositoryModule>(&["deb822_repository"]),
    host::<dpkg_selections::DpkgSelectionsModule>(&["dpkg_selections"]),
    host::<rpm_key::RpmKeyModule>(&["rpm_key"]),
    host::<zypper::ZypperModule>(&["zypper"]),
    host::<zypper_repository::ZypperRepositoryModule>(&["zypper_repository"]),
    host::<service_action::ServiceActionModule>(&["service"]),
    host::<service_action::SysvinitModule>(&["sysvinit"]),
    host::<service_facts::ServiceFactsModule>(&["service_facts"]),
    host::<service::ServiceModule>(&["systemd", "systemd_service"]),
    host::<modprobe::ModprobeModule>(&["modprobe"]),
    host::<sysctl::SysctlModule>(&["sysctl"]),
    host::<wait_for::WaitForModule>(&["wait_for"]),
    host::<ping::PingModule>(&["ping"]),
    host::<user::UserModule>(&["user"]),
    host::<group::GroupModule>(&["group"]),
    host::<mount::MountModule>(&["mount"]),
    host::<hostname::HostnameModule>(&["hostname"]),
    host::<getent::GetentModule>(&["getent"]),
    host::<slurp::SlurpModule>(&["slurp"]),
    host::<tempfile::TempfileModule>(&["tempfile"]),
    host::<pam_limits::PamLimitsModule>(&["pam_limits"]),
    host::<selinux::SelinuxModule>(&["selinux"]),
    host::<known_hosts::KnownHostsModule>(&["known_hosts"]),
    action::<assemble::AssembleModule>(&["assemble"]),
    host::<pip::PipModule>(&["pip"]),
    action::<fetch::FetchModule>(&["fetch"]),
    host::<cron::CronModule>(&["cron"]),
    host::<openssh_keypair::OpensshKeypairModule>(&["openssh_keypair"]),
    host::<pamd::PamdModule>(&["pamd"]),
    host::<iptables::IptablesModule>(&["iptables"]),
    host::<async_status::AsyncStatusModule>(&["async_status"]),
    builtin(&["set_fact"], Builtin::SetFact),
    builtin(&["debug"], Builtin::Debug),
    builtin(&["assert"], Builtin::Assert),
    builtin(&["fail"], Builtin::Fail),
    builtin(&["include_vars"], Builtin::IncludeVars),
    builtin(&["meta"], Builtin::Meta),
    builtin(&["pause"], Builtin::Pause),
    builtin(&["validate_argument_spec"], Builtin::ValidateArgumentSpec),
    builtin(&["group_by"], Builtin::GroupBy),
    builtin(&["add_host"], Builtin::AddHost),
    host::<setup::SetupModule>(&["setup"]),
    action::<setup::GatherFactsModule>(&["gather_facts"]),
];

/// The row of every module Ansible has and this engine does not.
static UNIMPLEMENTED: Entry = Entry {
    names: &[],
    placement: Placement::Unsupported,
};

/// A `'static` copy of `name`, made once per distinct name: module names
/// of unimplemented modules come from playbooks, and [`ModuleName`] stays
/// `Copy` by holding `'static` text (a run sees a bounded set of names).
fn intern(name: &str) -> &'static str {
    use std::collections::HashSet;
    use std::sync::{Mutex, OnceLock};
    static NAMES: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut names = NAMES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(n) = names.get(name) {
        return n;
    }
    let leaked: &'static str = Box::leak(name.to_owned().into_boxed_str());
    names.insert(leaked);
    leaked
}

/// Collections whose modules map onto ours (`ansible.builtin.copy`,
/// `community.general.modprobe`, `ansible.posix.sysctl`, ...).
const PREFIXES: &[&str] = &[
    "ansible.builtin.",
    "ansible.legacy.",
    "community.general.",
    "ansible.posix.",
    "community.crypto.",
];

impl ModuleName {
    /// `meta`: what the planner records for include tasks.
    pub const META: ModuleName = ModuleName("meta");

    /// Finds a module by the name a task uses, FQCN or short.
    pub fn lookup(name: &str) -> Option<ModuleName> {
        let short = PREFIXES
            .iter()
            .find_map(|p| name.strip_prefix(p))
            .unwrap_or(name);
        TABLE
            .iter()
            .find(|e| e.names.contains(&short))
            .map(|e| ModuleName(e.names[0]))
    }

    /// A module Ansible has and this engine does not implement, under the
    /// name Ansible resolves it to (`apt`, `ansible.posix.mount`): the
    /// planner compiles its tasks so that only a host reaching one fails
    /// ([`Placement::Unsupported`]).
    pub fn unimplemented(name: &str) -> ModuleName {
        match ModuleName::lookup(name) {
            Some(m) => m,
            None => ModuleName(intern(name)),
        }
    }

    /// Parses `args` for the host-side module, as the task named it
    /// (`written`): an argument this engine does not take but Ansible
    /// documents for the module reads as not implemented, not as unknown.
    /// `None` for a module that does not run on the host.
    pub fn parse(self, written: &str, args: ArgMap) -> Option<Result<Box<dyn Parsed>, ArgError>> {
        let host = self.host_impl()?;
        Some((host.parse)(args).map_err(|e| {
            match e {
                ArgError::Unknown { name, .. } if name == "_raw_params" => ArgError::Invalid(
                    crate::catalog::catalog()
                        .no_raw_params(written)
                        .unwrap_or_else(|| format!("`{}` does not take free-form text", self.0)),
                ),
                // Ansible's internal arguments (`_diff_peek`, ...) given to a
                // module that does not take them: its argument spec's failure.
                ArgError::Unknown { name, .. }
                    if name.starts_with('_') && !documents(written, &name) =>
                {
                    ArgError::Invalid(format!(
                        "Unsupported parameters for ({}) module: {name}",
                        qualified(written)
                    ))
                }
                ArgError::Unknown { name, .. } if documents(written, &name) => {
                    ArgError::NotImplemented {
                        module: self.0.to_owned(),
                        name,
                    }
                }
                other => other,
            }
        }))
    }

    /// The short Ansible name.
    pub fn as_str(self) -> &'static str {
        self.0
    }

    /// This module's row ([`UNIMPLEMENTED`] for a module Ansible has and
    /// this engine does not).
    pub fn entry(self) -> &'static Entry {
        TABLE
            .iter()
            .find(|e| e.names[0] == self.0)
            .unwrap_or(&UNIMPLEMENTED)
    }

    /// Whether this engine runs the module (on the host or itself).
    pub fn is_implemented(self) -> bool {
        !matches!(self.entry().placement, Placement::Unsupported)
    }

    /// The action the executor runs itself, if this is one.
    pub fn builtin(self) -> Option<Builtin> {
        match self.entry().placement {
            Placement::Controller(b) => Some(b),
            _ => None,
        }
    }

    /// The host-side implementation, when there is one.
    pub fn host_impl(self) -> Option<&'static HostImpl> {
        match &self.entry().placement {
            Placement::Host(h) | Placement::Action(h) => Some(h),
            _ => None,
        }
    }

    /// Ansible runs it as a controller-side action plugin: its failures
    /// read `Action failed` rather than `Module failed`.
    pub fn is_action_plugin(self) -> bool {
        matches!(
            self.entry().placement,
            Placement::Action(_) | Placement::Controller(_)
        )
    }

    /// Sends nothing to the host (prefetched probes stay valid across it).
    pub fn leaves_host_alone(self) -> bool {
        matches!(self.entry().placement, Placement::Controller(_))
    }

    /// Whether a loop item's apply may travel ahead (see
    /// [`super::Module::FINAL_APPLY`]).
    pub fn final_apply(self) -> bool {
        self.host_impl().is_some_and(|h| h.final_apply)
    }

    /// Whether the module declares read-only probes.
    pub fn has_probes(self) -> bool {
        self.host_impl().is_some_and(|h| h.has_probes)
    }

    /// Every short name, for "did you mean" hints.
    pub fn all_names() -> impl Iterator<Item = &'static str> {
        TABLE.iter().flat_map(|e| e.names.iter().copied())
    }

    /// The closest name to an unknown one (edit distance ≤ 3), among this
    /// engine's modules first, then Ansible's short names.
    pub fn suggest(name: &str) -> Option<&'static str> {
        let short = name.rsplit('.').next().unwrap_or(name);
        let ansible = crate::catalog::catalog()
            .module_names()
            .filter(|n| !n.contains('.'));
        ModuleName::all_names()
            .chain(ansible)
            .map(|n| (distance(short, n), n))
            .filter(|(d, _)| *d <= 3)
            .min_by_key(|(d, _)| *d)
            .map(|(_, n)| n)
    }
}

/// The module's name as Ansible's messages give it (`ansible.legacy.copy`
/// for a short name).
fn qualified(module: &str) -> String {
    if module.contains('.') {
        module.to_owned()
    } else {
        format!("ansible.legacy.{module}")
    }
}

/// Whether Ansible documents option `key` for the module named `module`.
pub(crate) fn documents(module: &str, key: &str) -> bool {
    use crate::catalog::{catalog, ModuleKnown};
    matches!(catalog().module(module), ModuleKnown::Documented(d) if d.accepts(key))
}

/// Levenshtein distance, for "did you mean" hints.
pub(crate) fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fqcn_and_short_names_resolve() {
        let copy = ModuleName::lookup("copy").expect("copy");
        assert_eq!(ModuleName::lookup("ansible.builtin.copy"), Some(copy));
        assert_eq!(copy.as_str(), "copy");
        assert_eq!(
            ModuleName::lookup("community.general.modprobe").map(ModuleName::as_str),
            Some("modprobe")
        );
        assert_eq!(
            ModuleName::lookup("systemd_service").map(ModuleName::as_str),
            Some("systemd")
        );
        assert_eq!(ModuleName::lookup("no_such_module"), None);
        assert_eq!(
            ModuleName::suggest("ansible.builtin.sysctll"),
            Some("sysctl")
        );
    }

    #[test]
    fn every_name_is_unique_and_every_row_resolves() {
        let mut seen = std::collections::HashSet::new();
        for name in ModuleName::all_names() {
            assert!(seen.insert(name), "`{name}` is in the table twice");
            let m = ModuleName::lookup(name).expect("resolves");
            assert!(m.entry().names.contains(&name));
        }
        assert_eq!(ModuleName::lookup("meta"), Some(ModuleName::META));
    }

    #[test]
    fn placement_decides_the_split() {
        let m = |n| ModuleName::lookup(n).expect(n);
        assert_eq!(m("debug").builtin(), Some(Builtin::Debug));
        assert!(m("debug").leaves_host_alone() && m("debug").is_action_plugin());
        assert!(m("copy").is_action_plugin() && !m("copy").leaves_host_alone());
        assert!(!m("file").is_action_plugin() && m("file").has_probes());
        assert!(!m("command").has_probes());
        assert!(m("setup").host_impl().is_some() && !m("setup").is_action_plugin());
        assert!(m("gather_facts").is_action_plugin() && !m("gather_facts").leaves_host_alone());
    }
}
