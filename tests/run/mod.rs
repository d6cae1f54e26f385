//! The executor end to end: playbooks compiled and run by the engine
//! against real sshd test hosts, results checked on the hosts' own files
//! and in Ansible's output and recap.

mod action_name;
mod ahead;
mod basics;
mod batching;
mod delegate_facts;
mod dynamic_inventory;
mod facts_modules;
mod faults;
mod gaps;
mod gathering;
mod golden;
mod keyword_use;
mod keyword_values;
mod local_facts;
mod logic;
mod lookahead;
mod lookups;
mod magic_vars;
mod meta_end;
mod nolog;
mod options;
mod piggyback;
mod privilege;
mod replay;
mod setup_task;
mod strategy;
mod task_names;
mod template_syntax;
pub(crate) mod twin;
mod validate;

use crate::harness::Fleet;
use engine::job::PlaybookJob;
use engine::report::{AnsiblePrinter, Fanout};
use engine::run::{RunOptions, RunSummary};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// A `Write` whose bytes tests can read afterwards.
#[derive(Clone, Default)]
pub(crate) struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("capture lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("capture lock")).into_owned()
    }
}

/// A playbook written into a temp dir next to the fleet's inventory.
pub(crate) struct Scenario {
    pub dir: tempfile::TempDir,
    pub inventory: PathBuf,
    pub playbook: PathBuf,
}

impl Scenario {
    pub(crate) fn new(fleet: &Fleet, playbook: &str) -> Scenario {
        let dir = tempfile::tempdir().expect("temp dir");
        let inventory = fleet.write_inventory(dir.path());
        let playbook_path = dir.path().join("site.yml");
        std::fs::write(&playbook_path, unindent(playbook)).expect("write playbook");
        Scenario {
            dir,
            inventory,
            playbook: playbook_path,
        }
    }

    /// One play of `tasks` on all hosts, without fact gathering
    /// (see [`play`]).
    pub(crate) fn tasks(fleet: &Fleet, tasks: &str) -> Scenario {
        Scenario::new(fleet, &play("all", tasks))
    }

    /// Adds a file next to the playbook (roles, vars files, templates).
    pub(crate) fn file(&self, rel: &str, text: &str) -> &Scenario {
        let p = self.dir.path().join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, unindent(text)).expect("write file");
        self
    }

    /// Runs the playbook; returns the summary and Ansible-style output.
    pub(crate) fn run(
        &self,
        fleet: &Fleet,
        tweak: impl FnOnce(&mut RunOptions),
    ) -> (RunSummary, String) {
        let out = Captured::default();
        let printer = AnsiblePrinter::new(out.clone(), 0);
        let mut options = RunOptions {
            connect: fleet.connect_options(),
            ..RunOptions::default()
        };
        tweak(&mut options);
        let job = PlaybookJob {
            inventory: vec![self.inventory.display().to_string()],
            playbook: self.playbook.clone(),
            extra_vars: Vec::new(),
            options,
        };
        let summary = job
            .run(&Fanout::new().with(printer))
            .unwrap_or_else(|e| panic!("run failed to start: {e}"));
        (summary, out.text())
    }
}

/// Runs `f` (a run) and asserts it ended within `limit`: a dead or slow
/// host must never hang the run.
#[track_caller]
pub(crate) fn within<T>(limit: std::time::Duration, f: impl FnOnce() -> T) -> T {
    let started = std::time::Instant::now();
    let out = f();
    assert!(
        started.elapsed() < limit,
        "took {:?} (limit {limit:?})",
        started.elapsed()
    );
    out
}

/// Which hosts of `fleet` have `path` (read on the host's own disk).
pub(crate) fn has_file(fleet: &Fleet, path: &str) -> Vec<bool> {
    fleet
        .hosts()
        .iter()
        .map(|h| h.root().join(path.trim_start_matches('/')).exists())
        .collect()
}

/// Removes the common leading indentation of inline YAML.
pub(crate) fn unindent(text: &str) -> String {
    let lines: Vec<&str> = text.lines().skip_while(|l| l.trim().is_empty()).collect();
    let indent = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    let mut s: String = lines
        .iter()
        .map(|l| l.get(indent..).unwrap_or("").trim_end())
        .collect::<Vec<_>>()
        .join("\n");
    s.push('\n');
    s
}

/// One play of `tasks` (inline YAML of its task list, at any indentation)
/// on `hosts`, without fact gathering: what most tests need, written once.
pub(crate) fn play(hosts: &str, tasks: &str) -> String {
    let tasks: String = unindent(tasks)
        .lines()
        .map(|l| match l {
            "" => "\n".to_owned(),
            l => format!("    {l}\n"),
        })
        .collect();
    format!("- hosts: {hosts}\n  gather_facts: false\n  tasks:\n{tasks}")
}

/// One inventory for each host of `fleet`, written into `dir`, each
/// naming its host `target` (as root, with the fleet's key): runs on
/// different hosts whose outputs compare line for line.
pub(crate) fn target_inventories(fleet: &Fleet, dir: &Path) -> Vec<PathBuf> {
    fleet
        .hosts()
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let path = dir.join(format!("inventory-{i}.yaml"));
            std::fs::write(
                &path,
                format!(
                    "all:\n  hosts:\n    target:\n      ansible_host: {}\n  vars:\n    \
                     ansible_user: root\n    ansible_ssh_private_key_file: {}\n",
                    h.address(),
                    fleet.private_key().display()
                ),
            )
            .expect("write the inventory");
            path
        })
        .collect()
}

/// The recap line of `host` in `output`.
pub(crate) fn recap_line<'o>(output: &'o str, host: &str) -> &'o str {
    output
        .lines()
        .find(|l| l.starts_with(host) && l.contains(" : ok="))
        .unwrap_or_else(|| panic!("no recap line for {host} in:\n{output}"))
}

/// `output` with the host lines of each task block sorted: with several
/// hosts, each host's result is printed the moment that host finishes,
/// so (as with ansible-playbook) their order within a task varies.
/// A chunk is a line that starts a host's result (`ok: [`, `fatal: [`,
/// `[ERROR]`, ...) and the lines that continue it; blank lines are
/// dropped.
pub(crate) fn sorted_per_task(output: &str) -> String {
    const STARTS: &[&str] = &[
        "ok: [",
        "changed: [",
        "skipping: [",
        "fatal: [",
        "failed: [",
        "[ERROR]",
        "[WARNING]",
        "included: ",
        "FAILED - RETRYING",
        "Pausing for",
    ];
    let mut out = String::new();
    let mut chunks: Vec<String> = Vec::new();
    let flush = |chunks: &mut Vec<String>, out: &mut String| {
        chunks.sort();
        for c in chunks.drain(..) {
            out.push_str(&c);
        }
    };
    for line in output.split_inclusive('\n') {
        let banner = ["TASK [", "PLAY [", "RUNNING HANDLER [", "PLAY RECAP"]
            .iter()
            .any(|b| line.starts_with(b));
        if line.trim().is_empty() {
            continue;
        }
        if banner {
            flush(&mut chunks, &mut out);
            out.push_str(line);
        } else if STARTS.iter().any(|s| line.starts_with(s)) || chunks.is_empty() {
            chunks.push(line.to_owned());
        } else if let Some(last) = chunks.last_mut() {
            last.push_str(line);
        }
    }
    flush(&mut chunks, &mut out);
    out
}
