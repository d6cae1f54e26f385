//! Module tests against real test hosts (`crate::harness`): every module
//! runs over the real SSH transport; its effects are checked by reading
//! the host's filesystem directly (through `/proc/PID/root` of the host),
//! never through the module.
//!
//! `goldens.rs` replays text edits recorded from ansible-core 2.19.14
//! (`gen_text_edits.py`) through the local transport.
//!
//! The result key sets in `shapes.rs` were produced by running
//! ansible-core 2.19.14 on the same tasks (`gen_ansible_shapes.sh` in this
//! directory regenerates them).

mod commands;
mod debs;
pub(crate) mod download;
mod edits;
mod files;
mod goldens;
mod kernel;
mod packages;
mod readonly;
mod remote;
mod rpms;
mod sysmods;
#[rustfmt::skip]
mod shapes;
mod suse;
mod twin;
mod user_args;

use engine::modules::{run_module, ArgMap, ExecOutput, Module, ModuleContext, Outcome, RunMode};
use engine::run::remote::TransportRemote;
use engine::template::{Templar, Vars};
use engine::transport::{connect, Become, ExecRequest, Privilege, Transport};
use engine::value::{Map, Value};
use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::harness::{Fleet, Os, TestHost};

/// Hostile text used in paths, contents and lines: every quoting hazard.
/// No `/`, so it can be one file name; `$(…)` and backticks would create
/// `pwned`/`pwned2` in the login directory if a shell ever ran them.
pub(crate) const NASTY: &str = "a b'c\"d$(touch pwned)`touch pwned2`;*?[x] \\$HOME";

/// One connected host and what modules need to run on it.
pub(crate) struct Bench {
    pub(crate) fleet: Fleet,
    transport: Box<dyn Transport>,
    templar: Templar,
    vars: Vars,
    /// Controller-side directory used as the search path for src files.
    pub(crate) local: tempfile::TempDir,
    privilege: Privilege,
}

/// What one module run gave.
pub(crate) struct Run {
    pub(crate) outcome: Outcome,
    /// Commands the module sent to the host.
    pub(crate) commands: u32,
}

impl Bench {
    /// Starts one host of `os` and connects to it.
    pub(crate) fn start(os: Os) -> Bench {
        Bench::start_as(os, None)
    }

    /// Starts one host and logs in as `login` (user, become settings):
    /// every module command then runs through become.
    pub(crate) fn start_as(os: Os, login: Option<(&str, Become)>) -> Bench {
        Bench::on_as(Fleet::builder().host(os).start(), login)
    }

    /// Connects to the first host of an already started fleet, as root.
    pub(crate) fn on(fleet: Fleet) -> Bench {
        Bench::on_as(fleet, None)
    }

    /// Connects to the first host of `fleet` as `login` (see `start_as`).
    pub(crate) fn on_as(fleet: Fleet, login: Option<(&str, Become)>) -> Bench {
        let mut spec = fleet.spec(&fleet.hosts()[0]);
        let privilege = match login {
            Some((user, become_)) => {
                spec.user = Some(user.to_owned());
                spec.become_ = Some(become_);
                Privilege::Become
            }
            None => Privilege::User,
        };
        let transport = connect(&spec, &fleet.connect_options()).expect("connect");
        let mut vars = Map::new();
        vars.insert("greeting".into(), Value::from("hello"));
        vars.insert("nasty".into(), Value::from(NASTY));
        Bench {
            fleet,
            transport,
            templar: Templar::new(),
            vars: Vars::new(Arc::new(vars)),
            local: tempfile::tempdir().expect("tempdir"),
            privilege,
        }
    }

    pub(crate) fn host(&self) -> &TestHost {
        &self.fleet.hosts()[0]
    }

    /// A path on the host, as seen from this test process.
    pub(crate) fn on_host(&self, path: &str) -> PathBuf {
        self.host().root().join(path.trim_start_matches('/'))
    }

    /// Runs module `M` with `args` in `mode`.
    pub(crate) fn run<M: Module>(
        &mut self,
        args: &[(&str, Value)],
        mode: RunMode,
        diff: bool,
    ) -> Run {
        let map: Map = args
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect();
        let mut argmap = ArgMap::new(map);
        let mut remote = TransportRemote::new(self.transport.as_mut()).privilege(self.privilege);
        let mut cache = HashMap::new();
        let search = [self.local.path().to_path_buf()];
        let mut ctx = ModuleContext {
            host: "node1",
            remote: &mut remote,
            mode,
            diff,
            search_paths: &search,
            templar: &self.templar,
            vars: &self.vars,
            probe_cache: &mut cache,
            commands: 0,
        };
        let outcome = run_module::<M>(&mut argmap, &mut ctx).expect("module runs");
        Run {
            outcome,
            commands: ctx.commands,
        }
    }

    /// Runs `M` as Ansible's idempotency contract demands and returns the
    /// first (changing) run's outcome:
    /// 1. check mode on the untouched host reports a change and changes
    ///    nothing;
    /// 2. the real run reports a change (`verify` then checks the host);
    /// 3. the second run reports no change, costs at most one command and
    ///    leaves every watched path exactly as it was (inode, mtime, ctime,
    ///    content); check mode costs one command, a change at most two;
    /// 4. with its declared probes prefetched, an unchanged run sends no
    ///    command at all.
    #[track_caller]
    pub(crate) fn idempotent<M: Module>(
        &mut self,
        args: &[(&str, Value)],
        watch: &[&str],
        verify: impl FnOnce(&Bench),
    ) -> Outcome {
        let before = self.snapshot(watch);
        let check = self.run::<M>(args, RunMode::Check, true);
        assert!(
            !check.outcome.failed,
            "check mode failed: {:?}",
            check.outcome
        );
        assert!(
            check.outcome.changed,
            "check mode should predict a change: {:?}",
            check.outcome
        );
        assert_eq!(self.snapshot(watch), before, "check mode changed the host");
        let first = self.run::<M>(args, RunMode::Apply, false);
        assert!(
            !first.outcome.failed,
            "first run failed: {:?}",
            first.outcome
        );
        assert!(
            first.outcome.changed,
            "first run should change: {:?}",
            first.outcome
        );
        verify(self);
        let after_first = self.snapshot(watch);
        let second = self.run::<M>(args, RunMode::Apply, false);
        assert!(
            !second.outcome.failed,
            "second run failed: {:?}",
            second.outcome
        );
        assert!(
            !second.outcome.changed,
            "second run changed: {:?}",
            second.outcome
        );
        assert!(
            second.commands <= 1,
            "unchanged run cost {} commands",
            second.commands
        );
        assert_eq!(
            self.snapshot(watch),
            after_first,
            "second run touched the host"
        );
        let check2 = self.run::<M>(args, RunMode::Check, false);
        assert!(
            !check2.outcome.changed,
            "check mode after convergence: {:?}",
            check2.outcome
        );
        assert!(
            check.commands <= 1,
            "check mode cost {} commands",
            check.commands
        );
        assert!(
            first.commands <= 2,
            "changing run cost {} commands",
            first.commands
        );
        let batched = self.run_batched::<M>(args);
        assert!(
            !batched.outcome.changed,
            "batched run changed: {:?}",
            batched.outcome
        );
        assert_eq!(
            batched.commands, 0,
            "the prefetched probe answered the module"
        );
        first.outcome
    }

    /// Runs `M` the way the executor batches probes: the module's
    /// declared probes are run first (here one by one) and handed over in
    /// the probe cache, so an unchanged module sends nothing itself.
    pub(crate) fn run_batched<M: Module>(&mut self, args: &[(&str, Value)]) -> Run {
        let map: Map = args
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect();
        let parsed = M::parse(&mut ArgMap::new(map.clone())).expect("args parse");
        let mut cache = HashMap::new();
        for script in M::probes(&parsed) {
            let req = ExecRequest {
                privilege: self.privilege,
                ..ExecRequest::new(script.clone())
            };
            let out = self.transport.exec(&req).expect("probe runs");
            let out = ExecOutput {
                stdout: out.stdout,
                stderr: out.stderr,
                rc: out.rc,
            };
            cache.insert(script, out);
        }
        let mut argmap = ArgMap::new(map);
        let mut remote = TransportRemote::new(self.transport.as_mut()).privilege(self.privilege);
        let search = [self.local.path().to_path_buf()];
        let mut ctx = ModuleContext {
            host: "node1",
            remote: &mut remote,
            mode: RunMode::Apply,
            diff: false,
            search_paths: &search,
            templar: &self.templar,
            vars: &self.vars,
            probe_cache: &mut cache,
            commands: 0,
        };
        let outcome = run_module::<M>(&mut argmap, &mut ctx).expect("module runs");
        Run {
            outcome,
            commands: ctx.commands,
        }
    }

    /// Everything about `paths` that a change would alter.
    pub(crate) fn snapshot(&self, paths: &[&str]) -> Vec<Option<Snap>> {
        paths.iter().map(|p| snap(&self.on_host(p))).collect()
    }
}

/// One path's observable state.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Snap {
    ino: u64,
    mode: u32,
    uid: u32,
    gid: u32,
    mtime_ns: i64,
    ctime_ns: i64,
    content: Vec<u8>,
}

fn snap(p: &Path) -> Option<Snap> {
    let md = std::fs::symlink_metadata(p).ok()?;
    let content = if md.file_type().is_symlink() {
        std::fs::read_link(p)
            .ok()?
            .into_os_string()
            .into_encoded_bytes()
    } else if md.is_file() {
        std::fs::read(p).ok()?
    } else {
        Vec::new()
    };
    Some(Snap {
        ino: md.ino(),
        mode: md.mode(),
        uid: md.uid(),
        gid: md.gid(),
        mtime_ns: md.mtime() * 1_000_000_000 + md.mtime_nsec(),
        ctime_ns: md.ctime() * 1_000_000_000 + md.ctime_nsec(),
        content,
    })
}

/// `Value::Str`.
pub(crate) fn s(v: &str) -> Value {
    Value::Str(v.to_owned())
}

/// Asserts `result` has every key Ansible's result has (`expected`), with
/// the JSON type Ansible gives it.
#[track_caller]
pub(crate) fn assert_shape(result: &Map, expected: &[(&str, &str)]) {
    for (key, ty) in expected {
        let v = result
            .get(*key)
            .unwrap_or_else(|| panic!("result lacks `{key}`: {result:?}"));
        let got = match v {
            Value::Str(_) | Value::Unsafe(_) => "str",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Bool(_) => "bool",
            Value::List(_) => "list",
            Value::Map(_) => "dict",
            Value::Null => "null",
            Value::Date(_) => "str",
        };
        assert_eq!(got, *ty, "type of `{key}` in {result:?}");
    }
}

/// Asserts the quoting hazards did not run as commands on the host.
#[track_caller]
pub(crate) fn assert_not_pwned(b: &Bench) {
    for p in ["/root/pwned", "/root/pwned2", "/pwned", "/pwned2"] {
        assert!(
            !b.on_host(p).exists(),
            "{p} exists: a quoted value was executed"
        );
    }
}
