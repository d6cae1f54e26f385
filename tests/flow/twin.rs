//! Twin runs: the same playbook run by `konvoy-image playbook` on one set
//! of real test hosts and by `ansible-playbook` 2.19.14 on a twin set,
//! both sides seeing the same inventory names (`node1`, `node2`, ...).
//! Tests compare exit codes, output and what each side left on its hosts.

use crate::harness::{Fleet, Os, TestHost};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// `n` hosts for us and `n` twins for ansible-core, all Debian.
pub(crate) struct Twin {
    fleet: Fleet,
    n: usize,
}

/// What one side's run printed and how it ended.
#[derive(Debug)]
pub(crate) struct Side {
    /// Exit code (-1: killed at the time limit).
    pub(crate) exit: i32,
    /// Standard output.
    pub(crate) out: String,
    /// Standard error.
    pub(crate) err: String,
    /// Wall-clock time of the run.
    pub(crate) elapsed: Duration,
}

impl Side {
    /// Standard output then standard error.
    pub(crate) fn all(&self) -> String {
        format!("{}{}", self.out, self.err)
    }

    /// The recap line of `host` (empty when there is none).
    pub(crate) fn recap(&self, host: &str) -> String {
        self.out
            .lines()
            .find(|l| l.starts_with(host) && l.contains(" : ok="))
            .unwrap_or_default()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Both sides of one twin run.
#[derive(Debug)]
pub(crate) struct Runs {
    pub(crate) ours: Side,
    pub(crate) ansible: Side,
}

impl Runs {
    /// Asserts both sides exited alike and printed the same recap for
    /// every host in `hosts`.
    #[track_caller]
    pub(crate) fn same_recap(&self, hosts: &[&str]) {
        assert_eq!(
            self.ours.exit, self.ansible.exit,
            "exit codes differ\n{self}"
        );
        for h in hosts {
            assert_eq!(
                self.ours.recap(h),
                self.ansible.recap(h),
                "recap of {h} differs\n{self}"
            );
        }
    }

    /// Asserts both sides printed the same output once host lines are
    /// sorted within each task and timings are masked.
    #[track_caller]
    pub(crate) fn same_output(&self) {
        self.same_output_without(&[]);
    }

    /// [`Runs::same_output`], leaving out lines that start with one of
    /// `timing` (lines whose number depends on timing: `FAILED -
    /// RETRYING`, `ASYNC POLL`).
    #[track_caller]
    pub(crate) fn same_output_without(&self, timing: &[&str]) {
        let keep = |out: &str| -> String {
            out.lines()
                .filter(|l| !timing.iter().any(|t| l.starts_with(t)))
                .map(|l| format!("{l}\n"))
                .collect()
        };
        let ours = normal(&keep(&self.ours.out));
        let theirs = normal(&keep(&self.ansible.out));
        assert!(
            ours == theirs,
            "output differs from ansible-playbook 2.19.14\n--- ansible\n{theirs}\n--- ours\n{ours}\n--- our stderr\n{}",
            self.ours.err
        );
    }
}

impl std::fmt::Display for Runs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (name, s) in [("ansible", &self.ansible), ("ours", &self.ours)] {
            writeln!(
                f,
                "--- {name} (exit {}, {:?})\n{}--- {name} stderr\n{}",
                s.exit, s.elapsed, s.out, s.err
            )?;
        }
        Ok(())
    }
}

/// Output with host lines sorted per task and run-specific values masked
/// (timings, job ids, temp paths).
pub(crate) fn normal(out: &str) -> String {
    let masks = [
        (r#""(delta|start|end)": "[^"]*""#, r#""$1": "X""#),
        (r#""ansible_job_id": "[^"]*""#, r#""ansible_job_id": "JID""#),
        (r#""results_file": "[^"]*""#, r#""results_file": "FILE""#),
        (r#""attempts": [0-9]+"#, r#""attempts": N"#),
        (r"\bj[0-9]+\.[0-9]+\b", "JID"),
        (r#""child_pid": [0-9]+"#, r#""child_pid": PID"#),
        (r"/tmp/[A-Za-z0-9_./-]+", "TMP"),
    ];
    let mut text = out.to_owned();
    for (re, with) in masks {
        text = regex::Regex::new(re)
            .expect("valid regex")
            .replace_all(&text, with)
            .into_owned();
    }
    crate::run::sorted_per_task(&text)
}

impl Twin {
    /// Starts `2 * n` hosts.
    pub(crate) fn start(n: usize) -> Twin {
        let fleet = Fleet::builder().hosts(2 * n, Os::Debian).start();
        Twin { fleet, n }
    }

    /// Our side's host `node{i+1}`.
    pub(crate) fn ours(&self, i: usize) -> &TestHost {
        &self.fleet.hosts()[i]
    }

    /// ansible-core's twin of `node{i+1}`.
    pub(crate) fn ansible(&self, i: usize) -> &TestHost {
        &self.fleet.hosts()[self.n + i]
    }

    /// Both hosts `node{i+1}`: ours, then ansible's.
    pub(crate) fn pair(&self, i: usize) -> [&TestHost; 2] {
        [self.ours(i), self.ansible(i)]
    }

    /// A YAML inventory naming `node1..nodeN` after the hosts from `first`,
    /// then `hosts` (YAML lines), then `extra` under `vars:`.
    fn inventory(&self, first: usize, hosts: &str, extra: &str) -> String {
        let mut s = String::from("all:\n  hosts:\n");
        for i in 0..self.n {
            let h = &self.fleet.hosts()[first + i];
            s.push_str(&format!(
                "    node{}:\n      ansible_host: {}\n",
                i + 1,
                h.address()
            ));
        }
        s.push_str(hosts);
        s.push_str(&format!(
            "  vars:\n    ansible_user: root\n    ansible_ssh_private_key_file: {}\n    \
             ansible_ssh_common_args: \"-o UserKnownHostsFile={} -o StrictHostKeyChecking=yes\"\n    \
             ansible_python_interpreter: /usr/bin/python3\n{extra}",
            self.fleet.private_key().display(),
            self.fleet.known_hosts().display()
        ));
        s
    }

    /// A playbook (`site.yml`) to run on both sides.
    pub(crate) fn case(&self, playbook: &str) -> Case<'_> {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("site.yml"), crate::run::unindent(playbook))
            .expect("write the playbook");
        Case {
            twin: self,
            dir,
            args: Vec::new(),
            inventory_vars: String::new(),
            extra_hosts: String::new(),
            limit: Duration::from_secs(180),
        }
    }
}

/// One playbook with its files and flags.
pub(crate) struct Case<'t> {
    twin: &'t Twin,
    dir: tempfile::TempDir,
    args: Vec<String>,
    inventory_vars: String,
    extra_hosts: String,
    limit: Duration,
}

impl Case<'_> {
    /// Adds a file next to the playbook.
    pub(crate) fn file(self, rel: &str, text: &str) -> Self {
        let p = self.dir.path().join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, crate::run::unindent(text)).expect("write a file");
        self
    }

    /// Adds command-line flags (both tools take the same ones).
    pub(crate) fn args(mut self, args: &[&str]) -> Self {
        self.args.extend(args.iter().map(|a| (*a).to_owned()));
        self
    }

    /// Adds lines under the inventory's `all: vars:` (indented by 4).
    pub(crate) fn inventory_vars(mut self, lines: &str) -> Self {
        self.inventory_vars.push_str(lines);
        self
    }

    /// Adds a host that is not a test host (both sides get it as
    /// written): `vars` are its YAML lines, indented by 6.
    pub(crate) fn extra_host(mut self, name: &str, vars: &str) -> Self {
        self.extra_hosts
            .push_str(&format!("    {name}:\n      {vars}\n"));
        self
    }

    /// The directory holding the playbook.
    pub(crate) fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Runs both sides at once and waits for both.
    pub(crate) fn run(&self) -> Runs {
        let ours_inv = self.dir.path().join("ours.yaml");
        let theirs_inv = self.dir.path().join("ansible.yaml");
        std::fs::write(
            &ours_inv,
            self.twin
                .inventory(0, &self.extra_hosts, &self.inventory_vars),
        )
        .expect("write inventory");
        std::fs::write(
            &theirs_inv,
            self.twin
                .inventory(self.twin.n, &self.extra_hosts, &self.inventory_vars),
        )
        .expect("write inventory");
        std::thread::scope(|s| {
            let ours = s.spawn(|| self.side(false, &ours_inv));
            let ansible = s.spawn(|| self.side(true, &theirs_inv));
            Runs {
                ours: ours.join().expect("our run"),
                ansible: ansible.join().expect("ansible's run"),
            }
        })
    }

    fn side(&self, ansible: bool, inventory: &PathBuf) -> Side {
        use std::os::unix::process::CommandExt;
        let mut cmd = if ansible {
            Command::new("ansible-playbook")
        } else {
            let mut c = Command::new(env!("CARGO_BIN_EXE_konvoy-image"));
            c.args(["playbook", "--no-run-log"]);
            c
        };
        for (k, _) in std::env::vars_os() {
            if k.to_string_lossy().starts_with("ANSIBLE_") {
                cmd.env_remove(&k);
            }
        }
        let scratch = self
            .dir
            .path()
            .join(if ansible { "ansible-tmp" } else { "ours-tmp" });
        std::fs::create_dir_all(&scratch).expect("scratch dir");
        cmd.arg("-i")
            .arg(inventory)
            .args(&self.args)
            .arg("site.yml")
            .current_dir(self.dir.path())
            .env("ANSIBLE_NOCOLOR", "1")
            .env("NO_COLOR", "1")
            .env("ANSIBLE_SSH_CONTROL_PATH_DIR", scratch.join("cp"))
            .env("ANSIBLE_LOCAL_TEMP", scratch.join("tmp"))
            .env("ANSIBLE_PIPELINING", "1")
            .env("ANSIBLE_RETRY_FILES_ENABLED", "0")
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(scratch.join("out")).expect("out file"))
            .stderr(std::fs::File::create(scratch.join("err")).expect("err file"))
            .process_group(0);
        let started = Instant::now();
        let mut child = cmd.spawn().expect("start a playbook run");
        let exit = loop {
            match child.try_wait().expect("wait for the run") {
                Some(status) => break status.code().unwrap_or(-1),
                None if started.elapsed() > self.limit => {
                    // SAFETY: signals the process group this run created.
                    unsafe { libc::kill(-(child.id() as i32), libc::SIGKILL) };
                    let _ = child.wait();
                    break -1;
                }
                None => std::thread::sleep(Duration::from_millis(20)),
            }
        };
        let read = |f: &str| std::fs::read_to_string(scratch.join(f)).unwrap_or_default();
        Side {
            exit,
            out: read("out"),
            err: read("err"),
            elapsed: started.elapsed(),
        }
    }
}
