//! `user`'s `shell` is a `type='path'` option: ansible-core expands `~`
//! and `$VAR` in it on the host before the module compares or passes it
//! (`useradd` refuses a shell that is not absolute). Compared with
//! ansible-playbook 2.19.14 on a twin host, as its own `user` target does
//! (`test_create_user.yml`): created once with the expanded path, then
//! unchanged.

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
