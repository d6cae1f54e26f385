//! The connection and privilege settings of `ansible.cfg` and `ANSIBLE_*`
//! on real sshd test hosts, each run by `konvoy-image playbook` on one
//! host and by ansible-playbook 2.19.14 on its twin (see
//! `tests/run/twin.rs`). The inventory holds only addresses (no key, no
//! ssh arguments, no user), so what connects and as whom comes from the
//! setting under test; a run without the setting shows it is needed.

use crate::harness::{SUDO_PASSWORD_USER, SUDO_USER};
use crate::run::twin::{owner, Pair, Tool, Twin};
use std::net::TcpListener;
use std::time::Duration;

/// Trusts the test hosts' keys through the ssh arguments of the setting.
const COMMON_ARGS: &str = "-o UserKnownHostsFile={dir}/known_hosts -o StrictHostKeyChecking=yes";

const WHO: &str = "
    - hosts: target
      gather_facts: false
      roles: [r1]
      tasks:
        - command: id -un
          register: who
        - debug:
            msg: \"user={{ who.stdout }}\"
    ";

/// Both sides failed to reach `target` (exit 4, the same recap).
#[track_caller]
fn unreachable(pair: &Pair) {
    pair.assert_same();
    assert_eq!(pair.ours.code, 4, "{}", pair.ours.out);
    assert!(
        pair.ours.recap("target").contains("unreachable=1"),
        "{}",
        pair.ours.out
    );
}

#[test]
fn user_key_ssh_args_inventory_and_roles_path_come_from_the_settings() {
    let twin = Twin::start(1);
    let role = "- debug: msg='role from roles_path'\n";
    // From ansible.cfg, with no -i: the inventory is the setting's.
    let cfg = format!(
        "[defaults]\ninventory = inventory.yaml\nremote_user = {SUDO_USER}\n\
         private_key_file = {{key}}\nroles_path = shared\n\
         [ssh_connection]\nssh_common_args = {COMMON_ARGS}\n"
    );
    twin.playbook(WHO)
        .bare()
        .host_vars("")
        .without_inventory_flag()
        .file("ansible.cfg", &cfg)
        .file("shared/r1/tasks/main.yml", role)
        .run()
        .assert_same()
        .assert_msg(&format!("user={SUDO_USER}"))
        .assert_msg("role from roles_path");
    // The same from the environment, over a file that says otherwise.
    twin.playbook(WHO)
        .bare()
        .host_vars("")
        .without_inventory_flag()
        .file(
            "ansible.cfg",
            "[defaults]\ninventory = nosuch.yaml\nremote_user = nobody\nroles_path = nosuch\n",
        )
        .file("env_roles/r1/tasks/main.yml", role)
        .env("ANSIBLE_INVENTORY", "{dir}/inventory.yaml")
        .env("ANSIBLE_REMOTE_USER", SUDO_PASSWORD_USER)
        .env("ANSIBLE_PRIVATE_KEY_FILE", "{key}")
        .env("ANSIBLE_ROLES_PATH", "env_roles")
        .env("ANSIBLE_SSH_COMMON_ARGS", COMMON_ARGS)
        .run()
        .assert_same()
        .assert_msg(&format!("user={SUDO_PASSWORD_USER}"))
        .assert_msg("role from roles_path");
    // Without the key setting nothing logs in; without the ssh arguments
    // the hosts' keys are unknown and strict checking refuses them.
    let play = "- hosts: target\n  gather_facts: false\n  tasks: [{command: id -un}]\n";
    unreachable(
        &twin
            .playbook(play)
            .bare()
            .host_vars("")
            .file(
                "ansible.cfg",
                &format!("[ssh_connection]\nssh_common_args = {COMMON_ARGS}\n"),
            )
            .run(),
    );
    let pair = twin
        .playbook(play)
        .bare()
        .host_vars("")
        .file("ansible.cfg", "[defaults]\nprivate_key_file = {key}\n")
        .env("ANSIBLE_SSH_ARGS", "-o UserKnownHostsFile=/dev/null")
        .run();
    unreachable(&pair);
    assert!(
        pair.ansible.out.contains("Host key verification failed"),
        "{}",
        pair.ansible.out
    );
    assert!(
        pair.ours
            .out
            .contains("is not in known_hosts and host_key_checking is strict"),
        "{}",
        pair.ours.out
    );
}

#[test]
fn host_key_checking_off_from_the_file_or_the_environment() {
    let twin = Twin::start(1);
    let play = "- hosts: target\n  gather_facts: false\n  tasks: [{command: id -un}]\n";
    // known_hosts that does not exist yet: the hosts are unknown.
    let args = "-o UserKnownHostsFile={dir}/seen";
    let cfg = |extra: &str| {
        format!(
            "[defaults]\nprivate_key_file = {{key}}\nremote_user = root\n{extra}\
             [ssh_connection]\nssh_common_args = {args}\n"
        )
    };
    unreachable(
        &twin
            .playbook(play)
            .bare()
            .host_vars("")
            .file("ansible.cfg", &cfg(""))
            .run(),
    );
    for (file, env) in [
        (cfg("host_key_checking = False\n"), None),
        (cfg(""), Some(("ANSIBLE_HOST_KEY_CHECKING", "False"))),
        (
            cfg("host_key_checking = False\n"),
            Some(("ANSIBLE_HOST_KEY_CHECKING", "True")),
        ),
    ] {
        let mut run = twin
            .playbook(play)
            .bare()
            .host_vars("")
            .file("ansible.cfg", &file);
        if let Some((k, v)) = env {
            run = run.env(k, v);
        }
        let pair = run.run();
        pair.assert_same();
        let on = env.is_some_and(|(_, v)| v == "True");
        assert_eq!(
            pair.ours.code,
            if on { 4 } else { 0 },
            "{env:?}: {}",
            pair.ours.out
        );
    }
}

#[test]
fn become_user_and_method_come_from_the_settings() {
    let twin = Twin::start(1);
    let play = "
        - hosts: target
          gather_facts: false
          tasks:
            - shell: echo \"$(id -un) sudo_user=${SUDO_USER-none}\"
              register: who
            - file:
                path: /tmp/by-setting-{{ who.stdout.split()[0] }}
                state: touch
            - debug:
                msg: \"{{ who.stdout }}\"
        ";
    let base = format!(
        "[defaults]\nprivate_key_file = {{key}}\nremote_user = root\n\
         [ssh_connection]\nssh_common_args = {COMMON_ARGS}\n"
    );
    // su to kib, from the file.
    twin.playbook(play)
        .bare()
        .host_vars("")
        .file(
            "ansible.cfg",
            &format!(
                "{base}[privilege_escalation]\nbecome = True\nbecome_user = {SUDO_USER}\nbecome_method = su\n"
            ),
        )
        .run()
        .assert_same()
        .assert_msg(&format!("{SUDO_USER} sudo_user=none"));
    // sudo to kibpw, from the environment.
    twin.playbook(play)
        .bare()
        .host_vars("")
        .file("ansible.cfg", &base)
        .env("ANSIBLE_BECOME", "true")
        .env("ANSIBLE_BECOME_USER", SUDO_PASSWORD_USER)
        .env("ANSIBLE_BECOME_METHOD", "sudo")
        .run()
        .assert_same()
        .assert_msg(&format!("{SUDO_PASSWORD_USER} sudo_user=root"));
    for tool in [Tool::Ours, Tool::Ansible] {
        let host = twin.host(tool, 0);
        for user in [SUDO_USER, SUDO_PASSWORD_USER] {
            assert_eq!(
                owner(host, &format!("/tmp/by-setting-{user}")),
                user,
                "{tool:?}"
            );
        }
    }
}

#[test]
fn forks_from_the_file_and_the_environment_bound_parallel_hosts() {
    let twin = Twin::start(2);
    let play = "
        - hosts: all
          gather_facts: false
          tasks:
            - shell: date +%s.%N > /tmp/start; sleep 1; date +%s.%N > /tmp/end
        ";
    let cfg = format!(
        "[defaults]\nforks = 1\nprivate_key_file = {{key}}\nremote_user = root\n\
         [ssh_connection]\nssh_common_args = {COMMON_ARGS}\n"
    );
    for (env, want) in [(None, 1), (Some("2"), 2)] {
        let mut run = twin
            .playbook(play)
            .bare()
            .host_vars("")
            .other_vars("")
            .file("ansible.cfg", &cfg);
        if let Some(forks) = env {
            run = run.env("ANSIBLE_FORKS", forks);
        }
        let pair = run.run();
        pair.assert_same();
        assert_eq!(pair.ours.recap("other"), pair.ansible.recap("other"));
        for tool in [Tool::Ours, Tool::Ansible] {
            let spans: Vec<(f64, f64)> = (0..2)
                .map(|i| {
                    let h = twin.host(tool, i);
                    let read = |f: &str| -> f64 {
                        h.sh(&format!("cat /tmp/{f}"))
                            .trim()
                            .parse()
                            .expect("a time")
                    };
                    (read("start"), read("end"))
                })
                .collect();
            let overlap = spans[0].0 < spans[1].1 && spans[1].0 < spans[0].1;
            assert_eq!(
                if overlap { 2 } else { 1 },
                want,
                "{tool:?} forks {env:?}: {spans:?}"
            );
        }
    }
}

#[test]
fn timeout_bounds_a_connection_that_never_answers() {
    let twin = Twin::start(1);
    // A listener on each target's address that never speaks SSH: the
    // kernel completes the TCP handshake and the banner never comes.
    let first = TcpListener::bind((twin.host(Tool::Ours, 0).address(), 0)).expect("bind");
    let port = first.local_addr().expect("addr").port();
    let _second =
        TcpListener::bind((twin.host(Tool::Ansible, 0).address(), port)).expect("bind same port");
    let play = "- hosts: target\n  gather_facts: false\n  tasks: [{command: id -un}]\n";
    for (file, env, most) in [
        ("[defaults]\ntimeout = 2\n", None, 9),
        ("[defaults]\ntimeout = 30\n", Some("3"), 12),
    ] {
        let mut run = twin
            .playbook(play)
            .bare()
            .host_vars(&format!("ansible_port: {port}\nansible_user: root"))
            .file("ansible.cfg", file);
        if let Some(t) = env {
            run = run.env("ANSIBLE_TIMEOUT", t);
        }
        let pair = run.run();
        unreachable(&pair);
        let least = Duration::from_secs(env.map_or(2, |t| t.parse().expect("int")));
        for side in [&pair.ours, &pair.ansible] {
            assert!(
                side.took >= least && side.took < Duration::from_secs(most),
                "{:?}\n{}",
                side.took,
                side.out
            );
        }
        assert!(
            pair.ansible
                .out
                .contains("Connection timed out during banner exchange"),
            "{}",
            pair.ansible.out
        );
        assert!(
            pair.ours
                .out
                .contains("(no SSH greeting before the timeout)"),
            "{}",
            pair.ours.out
        );
    }
}
