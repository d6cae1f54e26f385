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

/// What the `template` action adds: the controller's node name, the
/// source as written, the destination, the owner, `ansible_managed`, and
/// two datetimes in Python's `str()` form (whose values differ by side).
#[test]
fn template_variables_as_ansible_gives_them() {
    let twin = Twin::start(1);
    let datetime = r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?$";
    let pair = twin
        .tasks(
            "
            - template:
                src: t.j2
                dest: /tmp/t.out
            - command: cat /tmp/t.out
              register: out
            - debug:
                msg: \"{{ out.stdout_lines | join('#') }}\"
            - template:
                src: t.j2
                dest: /tmp/t2.out
              vars:
                ansible_managed: mine
            - command: head -1 /tmp/t2.out
              register: own
            - debug:
                msg: '{{ own.stdout }}'
            ",
        )
        .file(
            "templates/t.j2",
            &format!(
                "{{{{ ansible_managed }}}}|{{{{ template_path }}}}|{{{{ template_destpath }}}}|{{{{ template_uid }}}}|{{{{ template_host == lookup('pipe', 'uname -n') }}}}|{{{{ template_fullpath | basename }}}}\n\
                 {{{{ template_mtime | string is regex('{datetime}') }}}} {{{{ template_run_date | string is regex('{datetime}') }}}}\n"
            ),
        )
        .run();
    pair.assert_same();
    pair.assert_msg("Ansible managed|t.j2|/tmp/t.out|root|True|t.j2#True True")
        .assert_msg("mine|t.j2|/tmp/t2.out|root|True|t.j2");
}

/// The role magic of a play: `role_names`/`ansible_play_role_names` (the
/// roles it names, with `import_role`, then each `include_role` as it
/// runs), `ansible_dependent_role_names`,
/// `ansible_role_names`, and in a role that another brings in with
/// `include_role` or `import_role`, `ansible_parent_role_names` and
/// `_paths`; an `include_role` task's banner has no role prefix.
#[test]
fn role_names_and_parents_as_ansible_gives_them() {
    let twin = Twin::start(1);
    let names = "{{ role_names }} {{ ansible_play_role_names }} {{ ansible_dependent_role_names }} {{ ansible_role_names | sort }}";
    let parents = "{{ ansible_parent_role_names | default('none') }} {{ ansible_parent_role_paths | default([]) | map('relpath', playbook_dir) | list }}";
    let pair = twin
        .playbook(&format!(
            r#"
            - hosts: target
              gather_facts: false
              roles: [a]
              tasks:
                - import_role:
                    name: c
                - debug:
                    msg: "play {names}"
            "#
        ))
        .file("roles/a/meta/main.yml", "dependencies: [dep]\n")
        .file(
            "roles/a/tasks/main.yml",
            &format!(
                "- name: bring b\n  include_role:\n    name: b\n- include_role:\n    name: b\n- import_role:\n    name: b\n- debug:\n    msg: \"a {parents}\"\n"
            ),
        )
        .file("roles/b/tasks/main.yml", &format!("- debug:\n    msg: \"b {parents}\"\n"))
        .file("roles/c/tasks/main.yml", &format!("- debug:\n    msg: \"c {parents}\"\n"))
        .file("roles/dep/tasks/main.yml", &format!("- debug:\n    msg: \"dep {parents}\"\n"))
        .run();
    pair.assert_same()
        .assert_msg("b ['a'] ['roles/a']")
        .assert_msg("a none []")
        .assert_msg("dep none []")
        .assert_msg("play ['a', 'b', 'c', 'b', 'b'] ['a', 'b', 'c', 'b', 'b'] ['dep'] ['a', 'b', 'c', 'dep']");
    assert_eq!(pair.ours.banners(), pair.ansible.banners());
}
