//! Magic variables compared with ansible-playbook 2.19.14 on twin hosts:
//! `ansible_search_path` (the task's role, its file's directory, the
//! playbook's) in a role and in a play, and what `hostvars[host]` holds
//! of the host's own magic (`group_names`, `inventory_hostname_short`).

use super::twin::Twin;

#[test]
fn search_path_and_hostvars_magic_as_ansible_gives_them() {
    let twin = Twin::start(1);
    let relative = "{{ ansible_search_path | map('relpath', playbook_dir) | list }}";
    let pair = twin
        .playbook(&format!(
            r#"
            - hosts: target
              gather_facts: false
              roles: [r]
              tasks:
                - debug:
                    msg: "play {relative}"
                - debug:
                    msg: "{{{{ hostvars.target.group_names }}}} {{{{ hostvars.target.inventory_hostname_short }}}}"
            "#
        ))
        .file(
            "roles/r/tasks/main.yml",
            &format!("- debug:\n    msg: \"role {relative}\"\n"),
        )
        .run();
    pair.assert_same()
        .assert_msg("role ['roles/r', 'roles/r/tasks', '.']")
        .assert_msg("play ['.']");
}
