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
//! **Adding a module** is one new file implementing [`Module`] and one
//! row in the registry ([`name::TABLE`], see `name.rs` for the recipe):
//! name lookup (short and FQCN), dispatch, probes, the static argument
//! check and the controller/host split all come from that row.
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
pub mod async_status;
pub mod blockinfile;
pub mod command;
pub mod copy;
pub mod file;
pub mod find;
pub mod get_url;
pub mod lineinfile;
pub mod modprobe;
pub mod ping;
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
pub use name::{Builtin, Entry, HostImpl, ModuleName, Parsed, Placement, TABLE};
pub use outcome::{ModuleError, Outcome};

/// One module: typed arguments and a run that probes before it changes.
pub trait Module {
    /// The typed arguments.
    type Args;

    /// Whether [`Module::probes`] may return scripts: the executor then
    /// considers the task for probe batching.
    const PROBES: bool = false;

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

/// Runs the module `name` on the host (host-side modules only; the
/// executor runs the [`Builtin`] actions itself).
pub fn dispatch(
    name: ModuleName,
    args: ArgMap,
    ctx: &mut ModuleContext<'_>,
) -> Result<Outcome, ModuleError> {
    match name.host_impl() {
        Some(h) => h.run(args, ctx),
        None => Err(ModuleError::Unsupported(name.as_str())),
    }
}

/// The read-only probe scripts module `name` would send for `args` (as
/// templated), so the executor can fetch the probes of several upcoming
/// tasks in one round trip. Empty when the module declares none or the
/// arguments do not parse (the module then reports that when it runs).
pub fn probes(name: ModuleName, args: &crate::value::Map) -> Vec<String> {
    match name.host_impl() {
        Some(h) if h.has_probes => (h.parse)(ArgMap::new(args.clone()))
            .map(|p| p.probes())
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}
