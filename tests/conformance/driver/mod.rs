//! The conformance driver: runs ansible-core's own integration targets
//! (from the 2.19.14 sdist, fetched by `tests/conformance/fetch-targets.sh`)
//! with `konvoy-image playbook` on one real test host and with
//! `ansible-playbook` on a twin, and compares the two by the rule of
//! `ansible-targets.md`. Shared by the CI ratchet (`tests/conformance/mod.rs`,
//! our side against the recorded oracle) and the full run
//! (`engine/examples/conformance.rs`, both sides live).

#![allow(dead_code)] // the test and the example each use a part

pub(crate) mod manifest;
pub(crate) mod outcome;
pub(crate) mod report;

use crate::harness::{Fleet, Os, TestHost};
use manifest::{How, Target};
use outcome::Outcome;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The sdist version every target and the oracle come from.
pub(crate) const ANSIBLE_CORE: &str = "2.19.14";

/// Where things are.
#[derive(Clone, Debug)]
pub(crate) struct Paths {
    /// The repository root.
    pub(crate) repo: PathBuf,
    /// `test/integration/targets` of the unpacked sdist.
    pub(crate) targets: PathBuf,
    /// Scratch space for run directories.
    pub(crate) work: PathBuf,
    /// The `konvoy-image` binary.
    pub(crate) konvoy: PathBuf,
    /// Limit for one playbook run.
    pub(crate) timeout: Duration,
}

impl Paths {
    /// The committed stand-ins for ansible-test's helper roles.
    pub(crate) fn stubs(&self) -> PathBuf {
        self.repo.join("tests/conformance/roles")
    }

    pub(crate) fn manifest(&self) -> PathBuf {
        self.repo.join("tests/conformance/targets.txt")
    }

    pub(crate) fn oracle(&self, target: &str) -> PathBuf {
        self.repo
            .join("tests/conformance/oracle")
            .join(format!("{target}.txt"))
    }

    /// The repository's `target/conformance/…` sdist location written by
    /// `fetch-targets.sh`.
    pub(crate) fn default_targets(repo: &Path) -> PathBuf {
        repo.join(format!(
            "target/conformance/ansible_core-{ANSIBLE_CORE}/test/integration/targets"
        ))
    }
}

/// Which tool runs a side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Side {
    Ansible,
    Ours,
}

impl Side {
    fn dir_name(self) -> &'static str {
        match self {
            Side::Ansible => "ansible",
            Side::Ours => "ours",
        }
    }
}

/// How the tools log in to a side's host.
pub(crate) struct Login {
    pub(crate) address: String,
    pub(crate) key: PathBuf,
    pub(crate) known_hosts: PathBuf,
}

impl Login {
    pub(crate) fn of(fleet: &Fleet, host: &TestHost) -> Login {
        Login {
            address: host.address().to_string(),
            key: fleet.private_key(),
            known_hosts: fleet.known_hosts(),
        }
    }

    /// `[all:vars]` lines for an INI inventory.
    fn vars(&self) -> String {
        format!(
            "[all:vars]\nansible_user=root\nansible_ssh_private_key_file={}\n\
             ansible_ssh_common_args=\"-o UserKnownHostsFile={} -o StrictHostKeyChecking=yes\"\n\
             ansible_python_interpreter=/usr/bin/python3\n",
            self.key.display(),
            self.known_hosts.display()
        )
    }
}

/// Starts the twin hosts of one target: `node1` for us, `node2` for
/// ansible-core (both Debian: the machine's own OS, with its package
/// manager and Python).
pub(crate) fn twin_hosts() -> Fleet {
    let fleet = Fleet::builder().hosts(2, Os::Debian).start();
    for host in fleet.hosts() {
        prepare(host);
    }
    fleet
}

/// One host for our side alone (the CI ratchet).
pub(crate) fn single_host() -> Fleet {
    let fleet = Fleet::builder().host(Os::Debian).start();
    prepare(&fleet.hosts()[0]);
    fleet
}

/// What a real machine has and ansible-test's hosts rely on: the login
/// user's keys in `~/.ssh/authorized_keys` (the `copy` target duplicates
/// that file for another user).
fn prepare(host: &TestHost) {
    host.sh("mkdir -p /root/.ssh && chmod 700 /root/.ssh && \
         cp /etc/ssh/konvoy_authorized_keys /root/.ssh/authorized_keys && \
         chmod 600 /root/.ssh/authorized_keys");
}

/// One tool run: working directory, environment additions, arguments.
type Invocation = (PathBuf, Vec<(String, String)>, Vec<String>);

/// Runs one side of one in-scope target and reads what it did.
pub(crate) fn run_side(paths: &Paths, target: &Target, side: Side, login: &Login) -> Outcome {
    let base = paths.work.join(&target.name).join(side.dir_name());
    let _ = std::fs::remove_dir_all(&base);
    let output_dir = PathBuf::from(format!(
        "/dev/shm/konvoy-conformance-{}/{}/{}",
        std::process::id(),
        target.name,
        side.dir_name()
    ));
    let _ = std::fs::remove_dir_all(&output_dir);
    std::fs::create_dir_all(&output_dir).expect("create output_dir");
    let tdir = base.join("targets");
    let mut outcome = Outcome::default();
    if let Err(e) = lay_out(paths, target, &tdir) {
        outcome.add_run(&format!("error: harness: {e}\n"), -2);
        return outcome;
    }
    let inventory = base.join("inventory");
    std::fs::write(
        &inventory,
        format!(
            "[testgroup]\ntesthost ansible_host={}\n\n{}",
            login.address,
            login.vars()
        ),
    )
    .expect("write the inventory");
    let runs: Vec<Invocation> = match &target.how {
        How::Role => {
            let gather = !aliases(&paths.targets.join(&target.name))
                .iter()
                .any(|a| a == "gather_facts/no");
            std::fs::write(
                base.join("play.yml"),
                format!(
                    "- hosts: testhost\n  gather_facts: {gather}\n  vars:\n    output_dir: {}\n  \
                     roles:\n    - {}\n",
                    output_dir.display(),
                    target.name
                ),
            )
            .expect("write the play");
            let _ = std::os::unix::fs::symlink("targets", base.join("roles"));
            vec![(
                base.clone(),
                Vec::new(),
                vec![
                    "-i".into(),
                    inventory.display().to_string(),
                    "play.yml".into(),
                ],
            )]
        }
        How::Runs(runs) => {
            let cwd = tdir.join(&target.name);
            runs.iter()
                .map(|run| {
                    let env: Vec<(String, String)> =
                        run.iter().map_while(|w| env_word(w)).collect();
                    let rest = &run[env.len()..];
                    let args = run_args(rest, &cwd, &inventory, login, &output_dir);
                    (cwd.clone(), env, args)
                })
                .collect()
        }
    };
    for (i, (cwd, env, args)) in runs.iter().enumerate() {
        let log = base.join(format!("run{i}.log"));
        let exit = execute(paths, side, cwd, env, args, &base, &log);
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        outcome.add_run(&text, exit);
    }
    let _ = std::fs::remove_dir_all(&output_dir);
    outcome
}

/// `NAME=value` before a run's playbook: an environment variable.
fn env_word(w: &str) -> Option<(String, String)> {
    let (k, v) = w.split_once('=')?;
    let is_name = !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    is_name.then(|| (k.to_owned(), v.to_owned()))
}

/// The flags of one `runme.sh` run: `-i ../../inventory` (or none) is the
/// harness's inventory; another inventory file of the target is rewritten
/// so its local hosts become this side's test host.
fn run_args(
    run: &[String],
    cwd: &Path,
    inventory: &Path,
    login: &Login,
    output_dir: &Path,
) -> Vec<String> {
    let mut args = Vec::new();
    let mut has_inventory = false;
    let mut it = run.iter();
    while let Some(a) = it.next() {
        if a == "-i" {
            has_inventory = true;
            let src = it.next().cloned().unwrap_or_default();
            if src == "../../inventory" {
                args.push("-i".into());
                args.push(inventory.display().to_string());
            } else {
                for source in rewrite_inventory(&cwd.join(&src), login) {
                    args.push("-i".into());
                    args.push(source);
                }
            }
        } else {
            args.push(a.replace("{output_dir}", &output_dir.display().to_string()));
        }
    }
    if !has_inventory {
        args.insert(0, inventory.display().to_string());
        args.insert(0, "-i".into());
    }
    args
}

/// A target's own INI inventory whose hosts use the local connection:
/// point them at this side's host instead (same host for every name), so
/// the run never touches the machine itself.
fn rewrite_inventory(path: &Path, login: &Login) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return vec![path.display().to_string()];
    };
    let yaml = matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yml" | "yaml")
    );
    if yaml {
        // YAML keeps its name (its format is told by it); the login
        // settings come from a second, INI source.
        let body = text.replace(
            "ansible_connection: local",
            &format!("ansible_host: {}", login.address),
        );
        let out = path.with_file_name(format!(
            "harness-{}",
            path.file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("inventory.yml")
        ));
        std::fs::write(&out, body).expect("write an inventory");
        let vars = path.with_file_name("harness-login.ini");
        std::fs::write(&vars, login.vars()).expect("write an inventory");
        return vec![out.display().to_string(), vars.display().to_string()];
    }
    let out = path.with_extension("harness.ini");
    let body = text.replace(
        "ansible_connection=local",
        &format!("ansible_host={}", login.address),
    );
    std::fs::write(&out, format!("{body}\n{}", login.vars())).expect("write an inventory");
    vec![out.display().to_string()]
}

/// Runs one tool once; output (stdout and stderr) into `log`; the exit
/// code, or -1 when the time limit ended it.
fn execute(
    paths: &Paths,
    side: Side,
    cwd: &Path,
    env: &[(String, String)],
    args: &[String],
    base: &Path,
    log: &Path,
) -> i32 {
    use std::os::unix::process::CommandExt;
    let mut cmd = match side {
        Side::Ansible => Command::new("ansible-playbook"),
        Side::Ours => {
            let mut c = Command::new(&paths.konvoy);
            // No run folder in the target's directory (a target may list it).
            c.args(["playbook", "--no-run-log"]);
            c
        }
    };
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("ANSIBLE_") {
            cmd.env_remove(&k);
        }
    }
    let file = std::fs::File::create(log).expect("create a run log");
    cmd.args(args)
        .current_dir(cwd)
        .env("ANSIBLE_NOCOLOR", "1")
        .env("ANSIBLE_FORCE_COLOR", "0")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(file.try_clone().expect("dup a log"))
        .stderr(file)
        .process_group(0);
    if side == Side::Ansible {
        cmd.env("ANSIBLE_SSH_CONTROL_PATH_DIR", base.join("cp"))
            .env("ANSIBLE_LOCAL_TEMP", base.join("tmp"))
            .env("ANSIBLE_PIPELINING", "1")
            .env("ANSIBLE_RETRY_FILES_ENABLED", "0");
    }
    cmd.envs(env.iter().map(|(k, v)| (k, v)));
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            let _ = std::fs::write(log, format!("error: cannot start {side:?}: {e}\n"));
            return -2;
        }
    };
    let deadline = Instant::now() + paths.timeout;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return status.code().unwrap_or(-1),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(50)),
            _ => {
                // SAFETY: signals the process group this run created.
                unsafe { libc::kill(-(child.id() as i32), libc::SIGKILL) };
                let _ = child.wait();
                use std::io::Write;
                if let Ok(mut f) = std::fs::OpenOptions::new().append(true).open(log) {
                    let _ = writeln!(f, "\nerror: harness: killed after {:?}", paths.timeout);
                }
                return -1;
            }
        }
    }
}

/// The target's `aliases` entries (comments dropped).
pub(crate) fn aliases(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("aliases"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split('#').next())
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Roles a target leans on: its `meta/main.yml` dependencies and its
/// `needs/target/…` aliases.
fn needed_roles(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = aliases(dir)
        .iter()
        .filter_map(|a| a.strip_prefix("needs/target/"))
        .map(str::to_owned)
        .collect();
    for meta in ["meta/main.yml", "meta/main.yaml"] {
        let Ok(text) = std::fs::read_to_string(dir.join(meta)) else {
            continue;
        };
        let Ok(doc) = serde_yaml::from_str::<serde_yaml::Value>(&text) else {
            continue;
        };
        let deps = doc
            .get("dependencies")
            .and_then(|d| d.as_sequence())
            .cloned();
        for d in deps.unwrap_or_default() {
            let name = match &d {
                serde_yaml::Value::String(s) => Some(s.clone()),
                other => other
                    .get("role")
                    .or_else(|| other.get("name"))
                    .and_then(|v| v.as_str())
                    .map(str::to_owned),
            };
            out.extend(name);
        }
    }
    out
}

/// Copies the target, the stand-ins and (from the sdist) any other role
/// it leans on into `tdir`; a `runme.sh`-style target also gets them in
/// its own `roles/` (where both tools look).
fn lay_out(paths: &Paths, target: &Target, tdir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(tdir).map_err(|e| e.to_string())?;
    let src = paths.targets.join(&target.name);
    if !src.is_dir() {
        return Err(format!(
            "no target `{}` in {}",
            target.name,
            paths.targets.display()
        ));
    }
    copy_tree(&src, &tdir.join(&target.name))?;
    let stubs = paths.stubs();
    let mut stub_names = Vec::new();
    for e in std::fs::read_dir(&stubs)
        .map_err(|e| e.to_string())?
        .flatten()
    {
        let name = e.file_name().to_string_lossy().into_owned();
        copy_tree(&e.path(), &tdir.join(&name))?;
        stub_names.push(name);
    }
    let mut queue = needed_roles(&src);
    let mut seen = Vec::new();
    while let Some(role) = queue.pop() {
        if seen.contains(&role) || stub_names.contains(&role) || role == target.name {
            continue;
        }
        let from = paths.targets.join(&role);
        if from.is_dir() {
            copy_tree(&from, &tdir.join(&role))?;
            queue.extend(needed_roles(&from));
        }
        seen.push(role);
    }
    if matches!(target.how, How::Runs(_)) {
        let roles = tdir.join(&target.name).join("roles");
        std::fs::create_dir_all(&roles).map_err(|e| e.to_string())?;
        for name in stub_names.iter().chain(&seen) {
            let from = tdir.join(name);
            if from.is_dir() && !roles.join(name).exists() {
                copy_tree(&from, &roles.join(name))?;
            }
        }
    }
    Ok(())
}

fn copy_tree(from: &Path, to: &Path) -> Result<(), String> {
    let status = Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .status()
        .map_err(|e| format!("cp: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("cp -a {} {} failed", from.display(), to.display()))
    }
}
