//! `modules`: Ansible's modules, re-implemented as shell on the target.
//!
//! One file per module. Every module parses its arguments into a typed
//! struct ([`ArgMap`] does the Ansible coercions once), reads the host's
//! current state with a read-only **probe** script, decides in Rust what
//! differs, and **applies** only that. A module whose target is already in
//! the desired state costs one command (its probe); check mode stops after
//! the decision. Probes go through [`ModuleContext::probe`], so the
//! executor can answer them from a batch it fetched ahead of time.
//!
//! Modules never open connections: they talk to the host only through the
//! [`Remote`] the executor hands them.
//!
//! Shared by the file modules (private): `fstat` (the `st` probe function:
//! one NUL-delimited record per path with stat, link target, checksum and
//! optionally the content), `attrs` (mode/owner/group differences as
//! commands; symbolic modes computed as Ansible does), `write` (a whole
//! file in one command: stdin into a temp file next to the destination,
//! attributes, optional backup, rename, new state printed), `textedit`
//! (probe → pure edit → write, for lineinfile/blockinfile/replace; Python
//! `re` expansion) and `diff` (unified diffs as Ansible's callback prints
//! them).

mod args;
mod attrs;
mod context;
mod diff;
mod fstat;
mod name;
mod outcome;
mod rpmvercmp;
mod textedit;
mod write;
mod yum_decide;
mod yum_probe;

mod argv;
pub mod blockinfile;
pub mod command;
pub mod copy;
pub mod file;
pub mod find;
pub mod get_url;
pub mod lineinfile;
pub mod modprobe;
pub mod replace;
pub mod rpm_key;
pub mod script;
pub mod service;
pub mod stat;
pub mod sysctl;
pub mod template;
pub mod unarchive;
pub mod wait_for;
pub mod yum;
pub mod yum_repository;

pub use args::{parse_bool, ArgError, ArgMap, FileMode};
pub use attrs::Attrs;
pub use context::{ExecOutput, ModuleContext, Remote, RunMode};
pub use fstat::{Checksum, FileKind, FileStat};
pub(crate) use name::distance as edit_distance;
pub use name::ModuleName;
pub use outcome::{ModuleError, Outcome};

/// One module: typed arguments and a run that probes before it changes.
pub trait Module {
    /// The typed arguments.
    type Args;

    /// Parses (already templated) arguments; unknown keys are an error.
    fn parse(args: &mut ArgMap) -> Result<Self::Args, ArgError>;

    /// Read-only probe scripts this module will ask for, so the executor
    /// can fetch several tasks' probes in one round trip. Optional.
    fn probes(_args: &Self::Args) -> Vec<String> {
        Vec::new()
    }

    /// Brings the host to the wanted state (or, in check mode, says what
    /// would change).
    fn run(args: &Self::Args, ctx: &mut ModuleContext<'_>) -> Result<Outcome, ModuleError>;
}

/// Parses and runs module `M` on `args`.
pub fn run_module<M: Module>(
    args: &mut ArgMap,
    ctx: &mut ModuleContext<'_>,
) -> Result<Outcome, ModuleError> {
    let parsed = M::parse(args)?;
    M::run(&parsed, ctx)
}

/// Runs the module `name` (host-side modules only; the executor handles
/// `set_fact`, `debug`, `assert`, `fail`, `include_vars`, `meta`, `pause`).
pub fn dispatch(
    name: ModuleName,
    args: &mut ArgMap,
    ctx: &mut ModuleContext<'_>,
) -> Result<Outcome, ModuleError> {
    match name {
        ModuleName::Command => run_module::<command::CommandModule>(args, ctx),
        ModuleName::Shell => run_module::<command::ShellModule>(args, ctx),
        ModuleName::Raw => run_module::<command::RawModule>(args, ctx),
        ModuleName::File => run_module::<file::FileModule>(args, ctx),
        ModuleName::Copy => run_module::<copy::CopyModule>(args, ctx),
        ModuleName::Template => run_module::<template::TemplateModule>(args, ctx),
        ModuleName::Lineinfile => run_module::<lineinfile::LineinfileModule>(args, ctx),
        ModuleName::Blockinfile => run_module::<blockinfile::BlockinfileModule>(args, ctx),
        ModuleName::Replace => run_module::<replace::ReplaceModule>(args, ctx),
        ModuleName::Stat => run_module::<stat::StatModule>(args, ctx),
        ModuleName::Find => run_module::<find::FindModule>(args, ctx),
        ModuleName::GetUrl => run_module::<get_url::GetUrlModule>(args, ctx),
        ModuleName::Unarchive => run_module::<unarchive::UnarchiveModule>(args, ctx),
        ModuleName::Script => run_module::<script::ScriptModule>(args, ctx),
        ModuleName::WaitFor => run_module::<wait_for::WaitForModule>(args, ctx),
        ModuleName::Sysctl => run_module::<sysctl::SysctlModule>(args, ctx),
        ModuleName::Modprobe => run_module::<modprobe::ModprobeModule>(args, ctx),
        ModuleName::Service | ModuleName::Systemd => {
            run_module::<service::ServiceModule>(args, ctx)
        }
        ModuleName::Yum | ModuleName::Dnf | ModuleName::Package => {
            run_module::<yum::YumModule>(args, ctx)
        }
        ModuleName::YumRepository => run_module::<yum_repository::YumRepositoryModule>(args, ctx),
        ModuleName::RpmKey => run_module::<rpm_key::RpmKeyModule>(args, ctx),
        ModuleName::Ping => Ok(Outcome::ok().with("ping", "pong")),
        other => Err(ModuleError::Unsupported(other.as_str())),
    }
}

/// Whether module `name` declares probes (cheap: no argument parsing).
pub fn has_probes(name: ModuleName) -> bool {
    matches!(
        name,
        ModuleName::File
            | ModuleName::Copy
            | ModuleName::Template
            | ModuleName::Lineinfile
            | ModuleName::Blockinfile
            | ModuleName::Replace
            | ModuleName::Stat
            | ModuleName::Find
            | ModuleName::GetUrl
            | ModuleName::Sysctl
            | ModuleName::Modprobe
            | ModuleName::Service
            | ModuleName::Systemd
            | ModuleName::Yum
            | ModuleName::Dnf
            | ModuleName::Package
            | ModuleName::YumRepository
            | ModuleName::RpmKey
            | ModuleName::Unarchive
    )
}

/// The read-only probe scripts module `name` would send for `args` (as
/// templated), so the executor can fetch the probes of several upcoming
/// tasks in one round trip. Empty when the module declares none or the
/// arguments do not parse (the module then reports that when it runs).
pub fn probes(name: ModuleName, args: &crate::value::Map) -> Vec<String> {
    fn of<M: Module>(args: &crate::value::Map) -> Vec<String> {
        M::parse(&mut ArgMap::new(args.clone()))
            .map(|a| M::probes(&a))
            .unwrap_or_default()
    }
    match name {
        ModuleName::File => of::<file::FileModule>(args),
        ModuleName::Copy => of::<copy::CopyModule>(args),
        ModuleName::Template => of::<template::TemplateModule>(args),
        ModuleName::Lineinfile => of::<lineinfile::LineinfileModule>(args),
        ModuleName::Blockinfile => of::<blockinfile::BlockinfileModule>(args),
        ModuleName::Replace => of::<replace::ReplaceModule>(args),
        ModuleName::Stat => of::<stat::StatModule>(args),
        ModuleName::Find => of::<find::FindModule>(args),
        ModuleName::GetUrl => of::<get_url::GetUrlModule>(args),
        ModuleName::Sysctl => of::<sysctl::SysctlModule>(args),
        ModuleName::Modprobe => of::<modprobe::ModprobeModule>(args),
        ModuleName::Service | ModuleName::Systemd => of::<service::ServiceModule>(args),
        ModuleName::Yum | ModuleName::Dnf | ModuleName::Package => of::<yum::YumModule>(args),
        ModuleName::YumRepository => of::<yum_repository::YumRepositoryModule>(args),
        ModuleName::RpmKey => of::<rpm_key::RpmKeyModule>(args),
        ModuleName::Unarchive => of::<unarchive::UnarchiveModule>(args),
        _ => Vec::new(),
    }
}
