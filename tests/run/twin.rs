//! Twin runs: the same playbook and inventory run by `konvoy-image
//! playbook` on one real test host and by `ansible-playbook` 2.19.14 on
//! its twin, then compared (the messages the play printed, the recap,
//! the exit code, and what the tests read on the hosts themselves).
//!
//! Each side sees one host called `target` (and `other`, for
//! delegation), so the outputs compare line for line. The inventory gives
//! the address, the fleet's key and known_hosts; every other connection
//! variable is the test's, so a test can leave `ansible_user` out and see
//! what a keyword does.
//!
//! Also here: the connection keywords and variables compared this way
//! (`connection`, `remote_user`, `port`, play/block/task `vars`,
//! `delegate_to`).

use crate::harness::{Fleet, Os, TestHost, SUDO_USER};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Two hosts per side at most: `target` and `other`.
pub(crate) struct Twin {
    pub fleet: Fleet,
    /// Hosts per side.
    per_side: usize,
}

/// Which tool ran.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tool {
    Ours,
    Ansible,
}

/// One side's run.
#[derive(Debug)]
pub(crate) struct Side {
    pub code: i32,
    pub out: String,
    /// How long the run took.
    pub took: Duration,
}

impl Side {
    /// The `"msg": ...` lines the play printed, in order.
    pub(crate) fn messages(&self) -> Vec<String> {
        self.out
            .lines()
            .filter(|l| l.trim_start().starts_with("\"msg\": "))
            .map(|l| l.trim().to_owned())
            .collect()
    }

    /// The `TASK [...]` banners, in order (without their row of stars).
    pub(crate) fn banners(&self) -> Vec<String> {
        self.out
            .lines()
            .filter(|l| l.starts_with("TASK ["))
            .map(|l| l.trim_end_matches(['*', ' ']).to_owned())
            .collect()
    }

    /// The recap counters of `host`.
    pub(crate) fn recap(&self, host: &str) -> String {
        super::recap_line(&self.out, host)
            .split_once(':')
            .map(|(_, r)| r.split_whitespace().collect::<Vec<_>>().join(" "))
            .unwrap_or_default()
    }
}

/// Both sides of one run.
#[derive(Debug)]
pub(crate) struct Pair {
    pub ours: Side,
    pub ansible: Side,
}

impl Pair {
    /// The same messages, recap and exit code on both sides.
    #[track_caller]
    pub(crate) fn assert_same(&self) -> &Pair {
        assert_eq!(
            self.ours.messages(),
            self.ansible.messages(),
            "messages differ\n{}",
            self.show()
        );
        self.assert_same_recap("target");
        assert_eq!(
            self.ours.code,
            self.ansible.code,
            "exit codes differ\n{}",
            self.show()
        );
        self
    }

    /// The same recap of `host` on both sides.
    #[track_caller]
    pub(crate) fn assert_same_recap(&self, host: &str) -> &Pair {
        assert_eq!(
            self.ours.recap(host),
            self.ansible.recap(host),
            "recaps of {host} differ\n{}",
            self.show()
        );
        self
    }

    /// The recap of `host` is `want` (its counters, single-spaced) on both
    /// sides.
    #[track_caller]
    pub(crate) fn assert_recap(&self, host: &str, want: &str) -> &Pair {
        for (tool, side) in [(Tool::Ours, &self.ours), (Tool::Ansible, &self.ansible)] {
            assert_eq!(side.recap(host), want, "{tool:?}:\n{}", side.out);
        }
        self
    }

    /// Both sides' exit codes and output, for a failure message.
    fn show(&self) -> String {
        format!(
            "--- ours (exit {})\n{}\n--- ansible-playbook (exit {})\n{}",
            self.ours.code, self.ours.out, self.ansible.code, self.ansible.out
        )
    }

    /// Both sides printed `msg` (a whole `"msg": ...` line's value).
    #[track_caller]
    pub(crate) fn assert_msg(&self, msg: &str) -> &Pair {
        let want = format!("\"msg\": \"{msg}\"");
        for (tool, side) in [("ours", &self.ours), ("ansible-playbook", &self.ansible)] {
            assert!(
                side.messages().contains(&want),
                "{tool} did not print {want}:\n{}",
                side.out
            );
        }
        self
    }
}

/// One run to make on both sides.
#[must_use]
pub(crate) struct TwinRun<'t> {
    twin: &'t Twin,
    playbook: String,
    host_vars: String,
    other_vars: String,
    args: Vec<String>,
    ours_args: Vec<String>,
    files: Vec<(String, String)>,
    known_hosts_extra: Vec<String>,
    env: Vec<(String, String)>,
    bare: bool,
    inventory_flag: bool,
}

impl Twin {
    /// Starts `per_side` Debian hosts for each side.
    pub(crate) fn start(per_side: usize) -> Twin {
        Twin {
            fleet: Fleet::builder().hosts(2 * per_side, Os::Debian).start(),
            per_side,
        }
    }

    /// The host playing `target` (index 0) or `other` (1) for `tool`.
    pub(crate) fn host(&self, tool: Tool, index: usize) -> &TestHost {
        let base = match tool {
            Tool::Ours => 0,
            Tool::Ansible => self.per_side,
        };
        &self.fleet.hosts()[base + index]
    }

    /// Runs `sh` on every host (setup both sides need).
    pub(crate) fn on_all(&self, sh: &str) {
        for h in self.fleet.hosts() {
            h.sh(sh);
        }
    }

    /// Starts a run of one play of `tasks` on `target`, without fact
    /// gathering (see [`super::play`]), as [`Twin::playbook`] does.
    pub(crate) fn tasks(&self, tasks: &str) -> TwinRun<'_> {
        self.playbook(&super::play("target", tasks))
    }

    /// Starts a run of `playbook`; `target` gets `ansible_user: root`
    /// unless [`TwinRun::host_vars`] says otherwise.
    pub(crate) fn playbook(&self, playbook: &str) -> TwinRun<'_> {
        TwinRun {
            twin: self,
            playbook: super::unindent(playbook),
            host_vars: "ansible_user: root".into(),
            other_vars: "ansible_user: root".into(),
            args: Vec::new(),
            ours_args: Vec::new(),
            files: Vec::new(),
            known_hosts_extra: Vec::new(),
            env: Vec::new(),
            bare: false,
            inventory_flag: true,
        }
    }
}

impl TwinRun<'_> {
    /// The connection variables of `target` (YAML mapping lines).
    pub(crate) fn host_vars(mut self, vars: &str) -> Self {
        self.host_vars = super::unindent(vars);
        self
    }

    /// The connection variables of `other`.
    pub(crate) fn other_vars(mut self, vars: &str) -> Self {
        self.other_vars = super::unindent(vars);
        self
    }

    /// Command-line arguments for both tools.
    pub(crate) fn args(mut self, args: &[&str]) -> Self {
        self.args.extend(args.iter().map(|a| (*a).to_owned()));
        self
    }

    /// Command-line arguments for `konvoy-image` only (`{dir}` is the
    /// side's directory).
    pub(crate) fn ours_args(mut self, args: &[&str]) -> Self {
        self.ours_args.extend(args.iter().map(|a| (*a).to_owned()));
        self
    }

    /// A file next to the playbook.
    pub(crate) fn file(mut self, rel: &str, text: &str) -> Self {
        self.files.push((rel.to_owned(), super::unindent(text)));
        self
    }

    /// An environment variable for both tools (`{dir}` is the side's
    /// directory, `{key}` the fleet's private key).
    pub(crate) fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    /// Leaves the connection settings to the test: the inventory holds
    /// only addresses, the test's host vars and the Python interpreter (no
    /// key, no ssh arguments, no known_hosts), `HOME` is the side's
    /// directory and no SSH agent is reachable.
    pub(crate) fn bare(mut self) -> Self {
        self.bare = true;
        self
    }

    /// Runs without `-i inventory.yaml` (the inventory comes from a
    /// setting).
    pub(crate) fn without_inventory_flag(mut self) -> Self {
        self.inventory_flag = false;
        self
    }

    /// Also trust each host's key at `port` (an extra sshd).
    pub(crate) fn trust_port(mut self, port: u16) -> Self {
        for h in self.twin.fleet.hosts() {
            let line = h.known_hosts_line();
            let (_, key) = line.split_once(' ').expect("known_hosts line");
            self.known_hosts_extra
                .push(format!("[{}]:{port} {key}", h.address()));
        }
        self
    }

    /// Runs both sides at once.
    pub(crate) fn run(self) -> Pair {
        let dir = tempfile::tempdir().expect("temp dir");
        let (ours, ansible) = std::thread::scope(|s| {
            let ours = s.spawn(|| self.side(Tool::Ours, dir.path()));
            let ansible = s.spawn(|| self.side(Tool::Ansible, dir.path()));
            (
                ours.join().expect("our side"),
                ansible.join().expect("ansible side"),
            )
        });
        Pair { ours, ansible }
    }

    fn side(&self, tool: Tool, base: &Path) -> Side {
        let dir = base.join(match tool {
            Tool::Ours => "ours",
            Tool::Ansible => "ansible",
        });
        std::fs::create_dir_all(&dir).expect("side dir");
        let dir_text = dir.display().to_string();
        let key_text = self.twin.fleet.private_key().display().to_string();
        let subst = |s: &str| s.replace("{dir}", &dir_text).replace("{key}", &key_text);
        std::fs::write(dir.join("site.yml"), &self.playbook).expect("write playbook");
        for (rel, text) in &self.files {
            let p = dir.join(rel);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(p, subst(text)).expect("write file");
        }
        let known_hosts = dir.join("known_hosts");
        let mut lines: Vec<String> = self
            .twin
            .fleet
            .hosts()
            .iter()
            .map(TestHost::known_hosts_line)
            .collect();
        lines.extend(self.known_hosts_extra.iter().cloned());
        std::fs::write(&known_hosts, lines.join("\n") + "\n").expect("write known_hosts");
        std::fs::write(
            dir.join("inventory.yaml"),
            self.inventory(tool, &known_hosts),
        )
        .expect("write inventory");
        let mut cmd = match tool {
            Tool::Ours => {
                let mut c = Command::new(env!("CARGO_BIN_EXE_konvoy-image"));
                c.arg("playbook");
                if !self.ours_args.iter().any(|a| a == "--work-dir") {
                    c.arg("--no-run-log");
                }
                c
            }
            Tool::Ansible => Command::new("ansible-playbook"),
        };
        for (k, _) in std::env::vars_os() {
            if k.to_string_lossy().starts_with("ANSIBLE_") {
                cmd.env_remove(&k);
            }
        }
        if tool == Tool::Ansible {
            cmd.env("ANSIBLE_SSH_CONTROL_PATH_DIR", dir.join("cp"))
                .env("ANSIBLE_LOCAL_TEMP", dir.join("tmp"))
                .env("ANSIBLE_PIPELINING", "1")
                .env("ANSIBLE_RETRY_FILES_ENABLED", "0");
        }
        if tool == Tool::Ours {
            cmd.args(self.ours_args.iter().map(|a| a.replace("{dir}", &dir_text)));
        }
        if self.bare {
            cmd.env("HOME", &dir).env_remove("SSH_AUTH_SOCK");
        }
        for (k, v) in &self.env {
            cmd.env(k, subst(v));
        }
        if self.inventory_flag {
            cmd.args(["-i", "inventory.yaml"]);
        }
        cmd.arg("site.yml")
            .args(&self.args)
            .current_dir(&dir)
            .env("ANSIBLE_NOCOLOR", "1")
            .env("NO_COLOR", "1");
        run_bounded(cmd, Duration::from_secs(180))
    }

    fn inventory(&self, tool: Tool, known_hosts: &Path) -> String {
        let indent = |text: &str| -> String {
            text.lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| format!("      {l}\n"))
                .collect()
        };
        let mut s = String::from("all:\n  hosts:\n");
        let names = ["target", "other"];
        for (i, name) in names.iter().enumerate().take(self.twin.per_side) {
            let vars = if i == 0 {
                &self.host_vars
            } else {
                &self.other_vars
            };
            s.push_str(&format!(
                "    {name}:\n      ansible_host: {}\n{}",
                self.twin.host(tool, i).address(),
                indent(vars)
            ));
        }
        if self.bare {
            s.push_str("  vars:\n    ansible_python_interpreter: /usr/bin/python3\n");
            return s;
        }
        s.push_str(&format!(
            "  vars:\n    ansible_ssh_private_key_file: {}\n    \
             ansible_ssh_common_args: \"-o UserKnownHostsFile={} -o StrictHostKeyChecking=yes\"\n    \
             ansible_python_interpreter: /usr/bin/python3\n",
            self.twin.fleet.private_key().display(),
            known_hosts.display()
        ));
        s
    }
}

/// Runs `cmd`, ending its process group if it outlives `limit`.
pub(crate) fn run_bounded(mut cmd: Command, limit: Duration) -> Side {
    use std::os::unix::process::CommandExt;
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("start {cmd:?}: {e}"));
    let mut stdout = child.stdout.take().expect("piped stdout");
    let mut stderr = child.stderr.take().expect("piped stderr");
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let started = Instant::now();
    let deadline = started + limit;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the run") {
            break status;
        }
        if Instant::now() > deadline {
            // SAFETY: ending the process group this test started.
            unsafe {
                libc::kill(-(child.id() as i32), libc::SIGKILL);
            }
            let _ = child.wait();
            let out = out.join().unwrap_or_default();
            let err = err.join().unwrap_or_default();
            panic!("{cmd:?} did not finish within {limit:?}:\n{out}{err}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let out = out.join().expect("stdout reader");
    let err = err.join().expect("stderr reader");
    Side {
        code: status.code().unwrap_or(-1),
        out: format!("{out}{err}"),
        took: started.elapsed(),
    }
}

/// What `path` on `host` is owned by (`stat -c %U`).
pub(crate) fn owner(host: &TestHost, path: &str) -> String {
    host.sh(&format!("stat -c %U {path}")).trim().to_owned()
}

/// A fresh scratch directory on the controller both sides may write to.
pub(crate) fn controller_dir() -> (tempfile::TempDir, PathBuf) {
    let d = tempfile::tempdir().expect("temp dir");
    let p = d.path().to_path_buf();
    (d, p)
}

#[test]
fn connection_local_at_play_level_runs_on_the_controller() {
    let twin = Twin::start(1);
    let (_keep, scratch) = controller_dir();
    let marker = scratch.join("ran-here");
    let pair = twin
        .playbook(&format!(
            "
            - hosts: target
              connection: local
              gather_facts: false
              tasks:
                - command: cat /etc/hostname
                  register: h
                - debug:
                    msg: \"hostname={{{{ h.stdout }}}}\"
                - file:
                    path: {marker}-{{{{ inventory_hostname }}}}
                    state: touch
            ",
            marker = marker.display()
        ))
        .host_vars("")
        .run();
    let controller = std::fs::read_to_string("/etc/hostname").expect("controller hostname");
    pair.assert_same()
        .assert_msg(&format!("hostname={}", controller.trim()));
    assert!(
        scratch.join("ran-here-target").exists(),
        "{:?}",
        pair.ours.out
    );
}

#[test]
fn remote_user_and_port_keywords_reach_the_host() {
    let twin = Twin::start(1);
    // A second sshd on each host, on port 2222.
    twin.on_all("/usr/sbin/sshd -f /etc/ssh/konvoy_sshd_config -o Port=2222");
    let pair = twin
        .playbook(
            "
            - hosts: target
              gather_facts: false
              remote_user: kib
              port: 2222
              tasks:
                - command: id -un
                  register: who
                - shell: echo $SSH_CONNECTION | cut -d' ' -f4
                  register: port
                - debug:
                    msg: \"user={{ who.stdout }} port={{ port.stdout }}\"
                - command: id -un
                  remote_user: root
                  register: who2
                - debug:
                    msg: \"task user={{ who2.stdout }}\"
            ",
        )
        .host_vars("")
        .trust_port(2222)
        .run();
    pair.assert_same()
        .assert_msg(&format!("user={SUDO_USER} port=2222"))
        .assert_msg("task user=root");
}

#[test]
fn connection_vars_in_play_block_and_task_vars_beat_keywords_and_inventory() {
    let twin = Twin::start(1);
    let pair = twin
        .playbook(
            "
            - hosts: target
              gather_facts: false
              remote_user: root
              vars:
                ansible_user: kib
              tasks:
                - command: id -un
                  register: a
                - debug:
                    msg: \"play vars={{ a.stdout }}\"
                - block:
                    - command: id -un
                      register: b
                    - debug:
                        msg: \"block vars={{ b.stdout }}\"
                    - command: id -un
                      register: c
                      vars:
                        ansible_user: kibpw
                    - debug:
                        msg: \"task vars={{ c.stdout }}\"
                  vars:
                    ansible_user: root
            - hosts: target
              gather_facts: false
              remote_user: kib
              tasks:
                - command: id -un
                  register: d
                - debug:
                    msg: \"inventory beats keyword={{ d.stdout }}\"
            ",
        )
        .host_vars("ansible_user: root")
        .run();
    pair.assert_same()
        .assert_msg("play vars=kib")
        .assert_msg("block vars=root")
        .assert_msg("task vars=kibpw")
        .assert_msg("inventory beats keyword=root");
}

#[test]
fn delegate_to_another_inventory_host_runs_there() {
    let twin = Twin::start(2);
    for tool in [Tool::Ours, Tool::Ansible] {
        twin.host(tool, 0).sh("echo target > /etc/konvoy-role");
        twin.host(tool, 1).sh("echo other > /etc/konvoy-role");
    }
    let pair = twin
        .tasks(
            "
            - command: cat /etc/konvoy-role
              delegate_to: other
              register: there
            - command: id -un
              delegate_to: other
              register: user
            - debug:
                msg: \"ran on {{ there.stdout }} as {{ user.stdout }}\"
            - copy:
                dest: /tmp/delegated
                content: from {{ inventory_hostname }}
              delegate_to: other
            - debug:
                msg: \"{{ ansible_delegated_vars | list }} {{ ansible_delegated_vars.other.inventory_hostname }} {{ ansible_delegated_vars.other.ansible_user }}\"
              delegate_to: other
            - debug:
                msg: \"{{ ansible_delegated_vars is defined }}\"
            ",
        )
        .host_vars("ansible_user: root")
        .other_vars("ansible_user: kib")
        .run();
    pair.assert_same()
        .assert_msg(&format!("ran on other as {SUDO_USER}"))
        .assert_msg("['other'] target kib");
    // Only a delegated task has them.
    assert!(pair.ours.messages().contains(&"\"msg\": false".to_owned()));
    for tool in [Tool::Ours, Tool::Ansible] {
        let other = twin.host(tool, 1);
        assert_eq!(other.sh("cat /tmp/delegated"), "from target", "{tool:?}");
        assert!(!twin.host(tool, 0).root().join("tmp/delegated").exists());
    }
}

#[test]
fn extra_vars_and_vars_files_set_connection_variables() {
    let twin = Twin::start(1);
    let pair = twin
        .playbook(
            "
            - hosts: target
              gather_facts: false
              vars_files: [conn.yml]
              tasks:
                - command: id -un
                  vars:
                    ansible_user: root
                  register: a
                - command: id -un
                  become: true
                  register: b
                - debug:
                    msg: \"extra vars={{ a.stdout }} vars_files become_user={{ b.stdout }}\"
            ",
        )
        .file("conn.yml", "ansible_become_user: daemon\n")
        .args(&["-e", "ansible_user=kib"])
        .run();
    pair.assert_same()
        .assert_msg("extra vars=kib vars_files become_user=daemon");
}

#[test]
fn a_block_notify_reaches_its_tasks_handlers() {
    let twin = Twin::start(1);
    let pair = twin
        .playbook(
            "
            - hosts: target
              gather_facts: false
              vars:
                hide: true
              tasks:
                - block:
                    - command: \"true\"
                    - command: \"true\"
                      notify: own
                    - command: \"true\"
                      changed_when: false
                  notify: from block
                - command: echo templated no_log
                  no_log: \"{{ hide }}\"
              handlers:
                - name: from block
                  debug:
                    msg: block handler ran
                - name: own
                  debug:
                    msg: own handler ran
            ",
        )
        .args(&["-v"])
        .run();
    pair.assert_same()
        .assert_msg("block handler ran")
        .assert_msg("own handler ran");
    assert!(
        pair.ours.out.contains(&format!(
            "changed: [target] => {{\"censored\": \"{}\", \"changed\": true}}",
            engine::report::CENSORED
        )),
        "{}",
        pair.ours.out
    );
    assert_eq!(
        pair.ours.out.matches("censored").count(),
        pair.ansible.out.matches("censored").count()
    );
}

#[test]
fn any_errors_fatal_on_a_block_or_task_fails_every_host() {
    let twin = Twin::start(2);
    let pair = twin
        .playbook(
            "
            - hosts: all
              gather_facts: false
              tasks:
                - block:
                    - command: \"false\"
                      when: inventory_hostname == 'target'
                  any_errors_fatal: true
                - debug:
                    msg: \"still running on {{ inventory_hostname }}\"
            - hosts: all
              gather_facts: false
              tasks:
                - command: \"false\"
                  when: inventory_hostname == 'other'
                  any_errors_fatal: false
                - debug:
                    msg: \"second play on {{ inventory_hostname }}\"
            ",
        )
        .run();
    pair.assert_same().assert_same_recap("other");
    assert!(
        !pair.ours.out.contains("still running"),
        "{}",
        pair.ours.out
    );
}
