//! `user` arguments read as ansible-core's module reads them, compared
//! with ansible-playbook 2.19.14 on a twin host as its own `user` target
//! does (`test_create_user.yml`, `test_create_user_password.yml`):
//! - `shell` is a `type='path'` option: `~` and `$VAR` are expanded on the
//!   host before the module compares or passes it (`useradd` refuses a
//!   shell that is not absolute): created once, then unchanged;
//! - a `password` that does not look like a crypt hash is set as given,
//!   with the module's warning in the result.

use crate::run::twin::{Tool, Twin};

#[test]
fn a_shell_with_a_tilde_is_expanded_on_the_host() {
    let twin = Twin::start(1);
    let pair = twin
        .tasks(
            r#"
            - user:
                name: tildeshell
                shell: ~/custom_shell
              register: first
            - user:
                name: tildeshell
                shell: ~/custom_shell
              register: second
            - debug:
                msg: "{{ first is changed }} {{ second is changed }} {{ second.shell }}"
            "#,
        )
        .run();
    pair.assert_same()
        .assert_msg("True False /root/custom_shell");
    for tool in [Tool::Ours, Tool::Ansible] {
        let passwd = std::fs::read_to_string(twin.host(tool, 0).root().join("etc/passwd"))
            .expect("read passwd");
        assert!(
            passwd
                .lines()
                .any(|l| l.starts_with("tildeshell:") && l.ends_with(":/root/custom_shell")),
            "{tool:?}: {passwd}"
        );
    }
}

#[test]
fn a_password_that_is_not_a_hash_warns() {
    let twin = Twin::start(1);
    let pair = twin
        .tasks(
            r#"
            - user:
                name: plainpw
                password: plaintextpassword
              register: plain
            - user:
                name: plainpw
                password: "*"
              register: star
            - user:
                name: plainpw
                password: "$6$rounds=656000$tgK3gYTyRLUmhyv2$lAFrYUQwn7E6VsjPOwQwoSx30lmpiU9r/E0Al7tzKrR9mkodcMEZGe9OXD0H/clOn6qdsUnaL4zefy5fG+++++"
              register: bad_hash
            - user:
                name: plainpw
                password: "$6$rounds=656000$tgK3gYTyRLUmhyv2$lAFrYUQwn7E6VsjPOwQwoSx30lmpiU9r/E0Al7tzKrR9mkodcMEZGe9OXD0H/clOn6qdsUnaL4zefy5fG0"
              register: short_hash
            - debug:
                msg: "{{ plain.warnings | default([]) | length }} {{ star.warnings | default([]) | length }} {{ bad_hash.warnings | default([]) | length }} {{ short_hash.warnings | default([]) | length }} {{ plain.warnings[0] }}"
            "#,
        )
        .run();
    pair.assert_same().assert_msg(
        "1 0 1 1 The input password appears not to have been hashed. The 'password' argument must be encrypted for this module to work properly.",
    );
}
