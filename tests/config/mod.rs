//! Settings from `ansible.cfg` and `ANSIBLE_*` read as ansible-core 2.19.14
//! reads them: every case is run through `ansible-config dump
//! --only-changed -t all` and `konvoy-image playbook --print-config` with
//! the same files and environment, and the settings each reports (name,
//! origin, value) must be the same. Also: the data file of every setting
//! matches the installed ansible-core, and refusals name their place.

mod conditionals;
mod flags;
mod hosts;
mod prompt;
mod ssh;
mod twin;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A scratch world: a home, a working directory, an "etc" file.
pub(crate) struct World {
    pub(crate) dir: tempfile::TempDir,
}

impl World {
    pub(crate) fn new() -> World {
        let dir = tempfile::tempdir().expect("temp dir");
        for sub in ["home", "cwd", "etc"] {
            std::fs::create_dir_all(dir.path().join(sub)).expect("mkdir");
        }
        std::fs::write(
            dir.path().join("cwd/site.yml"),
            "- hosts: all\n  tasks: []\n",
        )
        .expect("write");
        World { dir }
    }

    pub(crate) fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub(crate) fn write(&self, rel: &str, text: &str) -> &World {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
        self
    }

    /// A command with nothing of this process's environment but PATH.
    fn command(&self, program: &str, env: &[(&str, &str)]) -> Command {
        let mut c = Command::new(program);
        c.current_dir(self.path("cwd"))
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.path("home"));
        for (k, v) in env {
            c.env(k, v);
        }
        c
    }

    pub(crate) fn konvoy(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        self.command(env!("CARGO_BIN_EXE_konvoy-image"), env)
            .args(args)
            .output()
            .expect("run konvoy-image")
    }

    fn ansible_config(&self, env: &[(&str, &str)]) -> Output {
        self.command("ansible-config", env)
            .args(["dump", "--only-changed", "-t", "all"])
            .output()
            .expect("run ansible-config (pip install ansible-core==2.19.14)")
    }
}

pub(crate) fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

/// `(setting, origin, value)` from ansible-config's dump: base settings by
/// name, plugin options as `type/plugin: option`.
fn parse_ansible(dump: &str) -> BTreeSet<(String, String, String)> {
    let lines: Vec<&str> = dump.lines().collect();
    let mut out = BTreeSet::new();
    let (mut ptype, mut plugin) = (String::new(), String::new());
    for (i, line) in lines.iter().enumerate() {
        let next = lines.get(i + 1).copied().unwrap_or("");
        if !next.is_empty() && next.chars().all(|c| c == '=') {
            ptype = line.trim_end_matches(':').to_lowercase();
            continue;
        }
        if !next.is_empty() && next.chars().all(|c| c == '_') {
            let name = line.trim_end_matches(':');
            plugin = match name.strip_suffix(" (DEPRECATED)") {
                Some(n) => format!("_{n}"),
                None => name.to_owned(),
            };
            continue;
        }
        let Some((head, value)) = line.split_once(") = ") else {
            continue;
        };
        let Some((name, origin)) = head.split_once('(') else {
            continue;
        };
        if name == "CONFIG_FILE" || name.contains(' ') {
            continue;
        }
        let label = if ptype.is_empty() {
            name.to_owned()
        } else {
            format!("{ptype}/{plugin}: {name}")
        };
        let value = if ["become_pass", "private_key_passphrase"].contains(&name) {
            "********".to_owned()
        } else {
            value.to_owned()
        };
        out.insert((label, origin.to_owned(), value));
    }
    out
}

/// The same from our `--print-config` (origins without line:column).
fn parse_ours(text: &str) -> BTreeSet<(String, String, String)> {
    let section = text
        .split_once("as ansible-config dump --only-changed -t all:\n")
        .map_or("", |(_, s)| s);
    section
        .lines()
        .filter_map(|l| {
            let (head, value) = l.trim_start().split_once(") = ")?;
            let (name, origin) = head.rsplit_once('(')?;
            if name == "CONFIG_FILE" {
                return None;
            }
            let origin = match origin.strip_prefix("env: ") {
                Some(_) => origin.to_owned(),
                None => origin.rsplitn(3, ':').last().unwrap_or(origin).to_owned(),
            };
            Some((name.to_owned(), origin, value.to_owned()))
        })
        .collect()
}

/// Runs both tools on one case and compares what they report.
#[track_caller]
fn same_as_ansible(world: &World, env: &[(&str, &str)]) -> String {
    let ansible = world.ansible_config(env);
    let theirs = parse_ansible(&String::from_utf8_lossy(&ansible.stdout));
    assert!(
        ansible.status.success(),
        "ansible-config: {}",
        text(&ansible)
    );
    let out = world.konvoy(&["playbook", "site.yml", "--print-config"], env);
    assert!(out.status.success(), "konvoy-image: {}", text(&out));
    let ours = parse_ours(&String::from_utf8_lossy(&out.stdout));
    let only_theirs: Vec<_> = theirs.difference(&ours).collect();
    let only_ours: Vec<_> = ours.difference(&theirs).collect();
    assert!(
        only_theirs.is_empty() && only_ours.is_empty(),
        "ansible-config only: {only_theirs:#?}\nkonvoy-image only: {only_ours:#?}\n\nours:\n{}",
        text(&out)
    );
    let cfg_line = String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap_or("")
        .to_owned();
    assert!(
        !theirs.is_empty() || cfg_line == "config file: None",
        "{cfg_line}"
    );
    cfg_line
}

const KUBESPRAY_LIKE: &str = "\
[ssh_connection]
pipelining=True
ssh_args = -o ControlMaster=auto -o ControlPersist=30m -o UserKnownHostsFile=/dev/null
[defaults]
; a comment
host_key_checking=False
timeout = 300
roles_path = roles:$VIRTUAL_ENV/roles
deprecation_warnings=False
remote_user = \"centos\"
inventory = inventory/hosts.yaml, extra
private_key_file = keys/id_ed25519
forks: 20
callbacks_enabled = profile_tasks
[privilege_escalation]
become = true
become_user = root
[tags]
skip = slow,
  never
";

#[test]
fn settings_are_read_as_ansible_config_reads_them() {
    let w = World::new();
    // Nothing anywhere: both report nothing.
    assert_eq!(same_as_ansible(&w, &[]), "config file: None");
    // ./ansible.cfg, with the environment over it.
    w.write("cwd/ansible.cfg", KUBESPRAY_LIKE);
    let env = [
        ("VIRTUAL_ENV", "/opt/venv"),
        ("ANSIBLE_TIMEOUT", "45"),
        ("ANSIBLE_SSH_TIMEOUT", "50"),
        ("ANSIBLE_REMOTE_PORT", "2222"),
        ("ANSIBLE_BECOME_PASS", "s3cret"),
        ("ANSIBLE_SUDO_FLAGS", "-H -S"),
        ("ANSIBLE_NOCOLOR", ""),
        ("NO_COLOR", "1"),
        // Empty: an integer falls back to its default (the file's `forks`
        // is not read); a boolean is false.
        ("ANSIBLE_FORKS", ""),
        ("ANSIBLE_HOST_KEY_CHECKING", ""),
        ("ANSIBLE_SSH_HOST_KEY_CHECKING", "yes"),
    ];
    let cfg = same_as_ansible(&w, &env);
    assert_eq!(
        cfg,
        format!("config file: {}", w.path("cwd/ansible.cfg").display())
    );
    // ~/.ansible.cfg when there is none in the working directory; the
    // system file last.
    std::fs::remove_file(w.path("cwd/ansible.cfg")).expect("rm");
    w.write(
        "home/.ansible.cfg",
        "[defaults]\nforks = 7\n[diff]\nalways = yes\n",
    );
    let cfg = same_as_ansible(&w, &[]);
    assert!(cfg.ends_with("home/.ansible.cfg"), "{cfg}");
    // $ANSIBLE_CONFIG (a directory: its ansible.cfg) beats them all.
    w.write(
        "elsewhere/ansible.cfg",
        "[defaults]\ngathering = explicit\nstrategy = free\n",
    );
    let cfg = same_as_ansible(&w, &[("ANSIBLE_CONFIG", "../elsewhere")]);
    assert!(cfg.ends_with("elsewhere/ansible.cfg"), "{cfg}");
}

#[test]
fn a_world_writable_directory_is_not_a_config_source() {
    use std::os::unix::fs::PermissionsExt;
    let w = World::new();
    w.write("cwd/ansible.cfg", "[defaults]\nforks = 3\n");
    w.write("home/.ansible.cfg", "[defaults]\nforks = 4\n");
    std::fs::set_permissions(w.path("cwd"), std::fs::Permissions::from_mode(0o777)).expect("chmod");
    let cfg = same_as_ansible(&w, &[]);
    assert!(cfg.ends_with("home/.ansible.cfg"), "{cfg}");
    let out = w.konvoy(&["playbook", "site.yml", "--print-config"], &[]);
    assert!(
        text(&out).contains("Ansible is being run in a world writable directory"),
        "{}",
        text(&out)
    );
}

#[test]
fn bad_files_and_values_stop_both_with_exit_5() {
    let w = World::new();
    w.write(
        "cwd/site.yml",
        "- hosts: all\n  gather_facts: false\n  tasks: []\n",
    );
    w.write("cwd/inv.ini", "node1 ansible_connection=local\n");
    for (cfg, env, want) in [
        ("[defaults]\nforks = abc\n", vec![], "ansible.cfg:2:1"),
        (
            "[defaults]\nforks = 1\nforks = 2\n",
            vec![],
            "option `forks` in section `defaults` already exists",
        ),
        ("forks = 1\n", vec![], "file contains no section headers"),
        (
            "[defaults]\n",
            vec![("ANSIBLE_FORKS", "1.5")],
            "`ANSIBLE_FORKS` has an invalid value",
        ),
    ] {
        w.write("cwd/ansible.cfg", cfg);
        let ansible = w
            .command("ansible-playbook", &env)
            .args(["-i", "inv.ini", "site.yml"])
            .output()
            .expect("run ansible-playbook");
        let ours = w.konvoy(
            &["playbook", "-i", "inv.ini", "site.yml", "--no-run-log"],
            &env,
        );
        assert_eq!(
            ansible.status.code(),
            Some(5),
            "{cfg:?}: {}",
            text(&ansible)
        );
        assert_eq!(ours.status.code(), Some(5), "{cfg:?}: {}", text(&ours));
        assert!(text(&ours).contains(want), "{cfg:?}: {}", text(&ours));
    }
}

#[test]
fn settings_that_would_change_behaviour_are_refused_with_their_place() {
    let w = World::new();
    w.write("cwd/inv.ini", "node1 ansible_connection=local\n");
    w.write(
        "cwd/ansible.cfg",
        "[defaults]\nretry_files_enabled = False\nlog_path = /tmp/ansible.log\n\
         strategy = host_pinned\nbogus_key = 1\nhost_key_cheking = False\n\
         [ssh_connection]\npipelining = True\nssh_args = -o ProxyCommand=nc\n",
    );
    let out = w.konvoy(
        &["playbook", "-i", "inv.ini", "site.yml", "--no-run-log"],
        &[("ANSIBLE_HASH_BEHAVIOUR", "merge")],
    );
    let t = text(&out);
    assert_eq!(out.status.code(), Some(5), "{t}");
    let cfg = w.path("cwd/ansible.cfg").display().to_string();
    for want in [
        "error: `log_path` in [defaults] is set to `/tmp/ansible.log`, which konvoy-image does not support (`DEFAULT_LOG_PATH`)".to_owned(),
        format!(" --> {cfg}:3:1\n"),
        "error: `strategy` in [defaults] is set to `host_pinned`".to_owned(),
        format!(" --> {cfg}:4:1\n"),
        "error: `ssh_args` in [ssh_connection] is set to `-o ProxyCommand=nc`".to_owned(),
        "ssh option `-o ProxyCommand=nc`".to_owned(),
        "error: environment: `ANSIBLE_HASH_BEHAVIOUR` is set to `merge`".to_owned(),
    ] {
        assert!(t.contains(&want), "missing {want:?} in:\n{t}");
    }
    assert!(
        !t.contains("retry_files_enabled"),
        "a default value is accepted: {t}"
    );
    assert!(!t.contains("pipelining"), "pipelining has no effect: {t}");
    // Unknown keys are warned about, with the likely intended key.
    w.write(
        "cwd/ansible.cfg",
        "[defaults]\nbogus_key = 1\nhost_key_cheking = False\n",
    );
    let out = w.konvoy(&["playbook", "site.yml", "--print-config"], &[]);
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    assert!(
        t.contains(&format!(
            "{cfg}:3:1: `host_key_cheking` in [defaults] is not an ansible-core 2.19 setting (did you mean `host_key_checking`?)"
        )),
        "{t}"
    );
    assert!(
        t.contains("`bogus_key` in [defaults] is not an ansible-core 2.19 setting;"),
        "{t}"
    );
}

/// The committed data file is what the installed ansible-core 2.19.14
/// defines (config/base.yml and the builtin plugins' options); the unit
/// tests in engine/src/config/table.rs check every row is classified.
#[test]
fn the_settings_table_is_the_installed_ansible_cores() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new("python3")
        .arg(root.join("tests/golden/config/ansible-settings.py"))
        .stderr(std::process::Stdio::null())
        .output()
        .expect("python3 with ansible-core 2.19.14 installed");
    assert!(out.status.success(), "{}", text(&out));
    let installed = String::from_utf8_lossy(&out.stdout);
    let committed = std::fs::read_to_string(root.join("engine/src/config/ansible-settings.tsv"))
        .expect("the data file");
    assert!(installed.lines().count() > 300, "{installed}");
    assert_eq!(
        committed, installed,
        "regenerate with tests/golden/config/regen-settings.sh"
    );
}
