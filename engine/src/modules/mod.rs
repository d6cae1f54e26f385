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

mod apt_deb;
mod apt_probe;
mod apt_run;
mod args;
mod attrs;
mod capture;
mod context;
mod debvercmp;
mod diff;
mod fstat;
mod mountinfo;
mod name;
mod outcome;
mod path_info;
mod pathinfo;
mod pending;
mod rpmvercmp;
mod textedit;
mod useracct;
mod write;
mod yum_decide;
mod yum_probe;

pub mod apt;
pub mod apt_key;
pub mod apt_repository;
mod argv;
pub mod assemble;
pub mod async_status;
pub mod blockinfile;
pub mod command;
pub mod copy;
mod copy_dir;
mod copy_remote;
pub mod cron;
pub mod deb822_repository;
pub mod dpkg_selections;
pub mod fetch;
pub mod file;
pub mod find;
pub mod get_url;
pub mod getent;
pub mod group;
pub mod hostname;
pub mod iptables;
pub mod known_hosts;
pub mod lineinfile;
pub mod modprobe;
pub mod mount;
pub mod openssh_keypair;
pub mod package;
pub mod package_facts;
pub mod pam_limits;
pub mod pamd;
pub mod ping;
pub mod pip;
pub mod replace;
pub mod rpm_key;
pub mod script;
pub mod selinux;
pub mod service;
pub mod service_action;
pub mod service_facts;
pub mod setup;
pub mod slurp;
pub mod stat;
pub mod sysctl;
mod sysv;
pub mod tempfile;
pub mod template;
pub mod unarchive;
pub mod user;
pub mod wait_for;
pub mod yum;
pub mod yum_repository;
pub mod zypper;
pub mod zypper_repository;
mod zypper_xml;

pub use args::{parse_bool, ArgError, ArgMap, FileMode};
pub(crate) use argv::split_words;
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

    /// Whether the module supports check mode. When it does not, the
    /// executor skips it in check mode with Ansible's message, naming the
    /// module as the task wrote it.
    const CHECK_MODE: bool = true;

    /// Whether the module sends at most one apply, as its last command,
    /// with a script that is a function of its arguments and its probes'
    /// answers alone (no nonce, no clock) and no stdin of its own. The
    /// executor may then send the applies of a loop's next items in the
    /// same command (see the executor's `ahead.rs`): the order of the
    /// commands on the host stays the order of a run item by item, and a
    /// later item's run asks for exactly the apply that was sent.
    const FINAL_APPLY: bool = false;

    /// Parses (already templated) arguments; unknown keys are an error.
    fn parse(args: &mut ArgMap) -> Result<Self::Args, ArgError>;

    /// Read-only probe scripts this module will ask for, so the executor
    /// can fetch several tasks' probes in one round trip. Optional.
    fn probes(_args: &Self::Args) -> Vec<String> {
        Vec::new()
    }

    /// Marks these arguments read-only, when the module can run them as a
    /// probe: the executor asks for it when the task declares it changes
    /// nothing (`changed_when: false` and `check_mode: false`), so the run
    /// can be answered from a batch fetched ahead of time. Returns whether
    /// it did. Default: no (modules with a real probe need nothing more).
    fn read_only(_args: &mut Self::Args) -> bool {
        false
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
