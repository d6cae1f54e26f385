//! Become, compared with ansible-playbook 2.19.14 on twin hosts (see
//! `twin.rs`): the keywords at play, block and task level, the
//! `ansible_become*` variables from the inventory and from `vars:`, and
//! which of them wins. Checked by `id -un` and by the owner of a file the
//! task wrote, read on the host's own disk.
//!
//! Every host has `root`, `kib` (passwordless sudo) and `kibpw` (sudo asks
//! for [`SUDO_PASSWORD`]) as login users.

use super::twin::{owner, Tool, Twin};
use crate::harness::{SUDO_PASSWORD, SUDO_PASSWORD_USER, SUDO_USER};
use engine::shell::Secret;

#[test]
fn become_user_runs_as_that_user_at_every_level() {
    let twin = Twin::start(1);
    let pair = twin
        .playbook(
            "
            - hosts: target
              gather_facts: false
              become: true
              become_user: nobody
              tasks:
                - command: id -un
                  register: play
                - copy:
                    dest: /tmp/by-play
                    content: x
                - block:
                    - command: id -un
                      register: block
                    - command: id -un
                      become_user: daemon
                      register: task
                    - command: id -un
                      become: false
                      register: nob
                  become_user: bin
                - debug:
                    msg: \"play={{ play.stdout }} block={{ block.stdout }} task={{ task.stdout }} nob={{ nob.stdout }}\"
            ",
        )
        .host_vars(&format!("ansible_user: {SUDO_USER}"))
        .run();
    pair.assert_same().assert_msg(&format!(
        "play=nobody block=bin task=daemon nob={SUDO_USER}"
    ));
    for tool in [Tool::Ours, Tool::Ansible] {
        assert_eq!(
            owner(twin.host(tool, 0), "/tmp/by-play"),
            "nobody",
            "{tool:?}"
        );
    }
}

#[test]
fn become_variables_from_inventory_and_vars_beat_keywords() {
    let twin = Twin::start(1);
    let pair = twin
        .tasks(
            "
            - command: id -un
              register: inv
            - debug:
                msg: \"inventory become={{ inv.stdout }}\"
            - command: id -un
              become_user: nobody
              vars:
                ansible_become_user: daemon
              register: var
            - debug:
                msg: \"var beats keyword={{ var.stdout }}\"
            - command: id -un
              become: true
              vars:
                ansible_become: false
              register: nob
            - debug:
                msg: \"ansible_become false={{ nob.stdout }}\"
            ",
        )
        // `ansible_become: true` and no keyword at all: sudo to root.
        .host_vars(&format!("ansible_user: {SUDO_USER}\nansible_become: true"))
        .run();
    pair.assert_same()
        .assert_msg("inventory become=root")
        .assert_msg("var beats keyword=daemon")
        .assert_msg(&format!("ansible_become false={SUDO_USER}"));
}

#[test]
fn become_password_from_a_variable_without_ansible_become() {
    let twin = Twin::start(1);
    let pair = twin
        .tasks(
            "
            - command: id -un
              register: plain
            - command: id -un
              become: true
              register: root
            - copy:
                dest: /tmp/by-pw
                content: x
              become: true
              become_user: daemon
            - debug:
                msg: \"plain={{ plain.stdout }} become={{ root.stdout }}\"
            ",
        )
        .host_vars(&format!(
            "ansible_user: {SUDO_PASSWORD_USER}\nansible_become_password: {SUDO_PASSWORD}"
        ))
        .run();
    pair.assert_same()
        .assert_msg(&format!("plain={SUDO_PASSWORD_USER} become=root"));
    for tool in [Tool::Ours, Tool::Ansible] {
        assert_eq!(
            owner(twin.host(tool, 0), "/tmp/by-pw"),
            "daemon",
            "{tool:?}"
        );
    }
    // The password went on stdin: in no output.
    assert!(!pair.ours.out.contains(SUDO_PASSWORD), "{}", pair.ours.out);
}

#[test]
fn become_method_su_flags_and_exe() {
    let twin = Twin::start(1);
    // A sudo wrapper that leaves a trace, for `become_exe`.
    twin.on_all(
        "printf '#!/bin/sh\\ntouch /tmp/mysudo-used\\nexec sudo \"$@\"\\n' > /usr/local/bin/mysudo && chmod 755 /usr/local/bin/mysudo",
    );
    let pair = twin
        .playbook(&format!(
            "
            - hosts: target
              gather_facts: false
              tasks:
                - command: id -un
                  become: true
                  become_method: su
                  become_user: {SUDO_PASSWORD_USER}
                  vars:
                    ansible_become_password: {SUDO_PASSWORD}
                  register: su
                - shell: echo $HOME
                  become: true
                  become_user: nobody
                  become_flags: -S -n
                  register: noh
                - shell: echo $HOME
                  become: true
                  become_user: nobody
                  register: h
                - command: id -un
                  become: true
                  become_exe: /usr/local/bin/mysudo
                  register: exe
                - debug:
                    msg: \"su={{{{ su.stdout }}}} flags={{{{ noh.stdout }}}} default={{{{ h.stdout }}}} exe={{{{ exe.stdout }}}}\"
            "
        ))
        .host_vars(&format!("ansible_user: {SUDO_USER}"))
        .run();
    pair.assert_same();
    assert!(
        pair.ours.messages()[0].contains(&format!("su={SUDO_PASSWORD_USER} ")),
        "{}",
        pair.ours.out
    );
    for tool in [Tool::Ours, Tool::Ansible] {
        assert!(
            twin.host(tool, 0).root().join("tmp/mysudo-used").exists(),
            "{tool:?}: become_exe not used"
        );
    }
}

#[test]
fn an_unsupported_become_method_is_refused_before_any_host() {
    let twin = Twin::start(1);
    let pair = twin
        .tasks(
            "
            - command: id -un
              become: true
              become_method: doas
            ",
        )
        .run();
    assert_ne!(pair.ours.code, 0);
    assert!(
        pair.ours
            .out
            .contains("`become_method: doas` is not supported (supported: `sudo`, `su`)"),
        "{}",
        pair.ours.out
    );
    assert!(pair.ours.out.contains("site.yml:6:22"), "{}", pair.ours.out);
    assert!(!pair.ours.out.contains("TASK ["), "{}", pair.ours.out);
    // ansible-playbook fails the task instead (it looks for a plugin).
    assert!(
        pair.ansible.out.contains("Invalid become method"),
        "{}",
        pair.ansible.out
    );
}

/// Config and command-line defaults (`RunDefaults`: `-b`, `--become-user`,
/// `-u`, `-K`) are the lowest rung: a keyword or a variable beats them.
#[test]
fn run_defaults_are_the_lowest_precedence() {
    use crate::harness::{Fleet, Os};
    use crate::run::Scenario;
    let fleet = Fleet::builder().host(Os::Debian).start();
    let host = &fleet.hosts()[0];
    let sc = Scenario::new(
        &fleet,
        "
        - hosts: all
          gather_facts: false
          tasks:
            - command: id -un
              register: a
            - command: id -un
              become_user: daemon
              register: b
            - command: id -un
              vars:
                ansible_become_user: bin
              register: c
            - copy:
                dest: /tmp/defaults
                content: \"{{ a.stdout }} {{ b.stdout }} {{ c.stdout }}\"
              become: false
        ",
    );
    // The fleet inventory logs in as root; a password user shows -K at work.
    std::fs::write(
        &sc.inventory,
        fleet.inventory_yaml().replace(
            "ansible_user: root",
            &format!("ansible_user: {SUDO_PASSWORD_USER}"),
        ),
    )
    .expect("rewrite inventory");
    let (summary, out) = sc.run(&fleet, |o| {
        o.defaults.become_ = Some(true);
        o.defaults.become_user = Some("nobody".into());
        o.defaults.become_password = Some(Secret::new(SUDO_PASSWORD));
        o.defaults.remote_user = Some("root".into());
    });
    assert_eq!(summary.exit_code, 0, "{out}");
    assert_eq!(host.sh("cat /tmp/defaults"), "nobody daemon bin", "{out}");
    assert_eq!(owner(host, "/tmp/defaults"), SUDO_PASSWORD_USER);
    assert!(!out.contains(SUDO_PASSWORD));
}

/// `copy` through `become_method: su` writes the file as the become user,
/// as ansible-playbook does (it once hung: the write read its content
/// until EOF, which su's terminal never passes on).
#[test]
fn copy_through_su_writes_the_file_as_the_become_user() {
    let twin = Twin::start(1);
    let pair = twin
        .playbook(&format!(
            "
            - hosts: target
              gather_facts: false
              become: true
              become_method: su
              become_user: {SUDO_USER}
              tasks:
                - copy: {{dest: /tmp/by-su, content: x}}
            "
        ))
        .run();
    pair.assert_same();
    for tool in [Tool::Ours, Tool::Ansible] {
        assert_eq!(
            owner(twin.host(tool, 0), "/tmp/by-su"),
            SUDO_USER,
            "{tool:?}"
        );
    }
}
