//! A boolean keyword whose literal is not a boolean (`diff: yes.`,
//! `check_mode: 2`), compared with ansible-playbook 2.19.14 on a twin
//! host: the task that reaches it fails with Ansible's words, after its
//! `when` (a skipped task does not fail), so `ignore_errors` and `rescue`
//! see it as Ansible's do (the recap counts a host that entered a rescue
//! as rescued, even when the rescue fails); strict literals (`yes`, `'Off'`, `1`) are read
//! as booleans. (Ansible's own `playbook` target, `types.yml`, checks the
//! same.)

use super::twin::Twin;

#[test]
fn a_non_boolean_literal_fails_the_task_that_reaches_it() {
    let twin = Twin::start(1);
    let pair = twin
        .tasks(
            "
            - debug: msg=fine
              diff: yes
              no_log: 'Off'
              become: 0
              register: good
            - debug: msg=not important
              diff: yes.
              ignore_errors: true
              register: bad
            - debug: msg=skipped
              check_mode: 2
              when: false
            - debug:
                msg: \"{{ good is success }} {{ bad is failed }} {{ bad.msg }}\"
            # The block's keywords are its rescue's too: both fail, and
            # the host counts as rescued (it entered the rescue).
            - block:
                - debug: msg=in block
              check_mode: 2
              rescue:
                - debug: msg=in rescue
            ",
        )
        .run();
    pair.assert_same()
        .assert_msg(
            "True True Task failed: Error processing keyword 'diff': The value 'yes.' could not be converted to 'bool'.",
        );
}

/// What this engine accepts as ansible-core does, compared on the twin:
/// a strategy by its qualified name, `now()` with positional arguments,
/// and `-e k=v` text split by `parse_kv` (escapes decoded, quotes removed
/// only at both ends).
#[test]
fn qualified_strategy_positional_now_and_key_value_extra_vars() {
    let twin = Twin::start(1);
    let pair = twin
        .playbook(
            "
            - hosts: target
              gather_facts: false
              strategy: ansible.builtin.free
              tasks:
                - debug:
                    msg: \"{{ now(true, '%Y') == now(utc=true, fmt='%Y') }} {{ x | length }} {{ y }} {{ z }}\"
            ",
        )
        .args(&["-e", r#"x="a\nb" y=c\\d z='two words'"#])
        .run();
    pair.assert_same().assert_msg("True 3 c\\\\d two words");
}

/// A templated `import_playbook` name is rendered while loading, with
/// the import's own `vars:` and `-e` (which wins), as ansible-core does;
/// one naming an undefined variable stops before any host.
#[test]
fn templated_import_playbook_names_render_with_vars_and_extra_vars() {
    let twin = Twin::start(1);
    let play = |word: &str| {
        format!(
            "- hosts: target\n  gather_facts: false\n  tasks:\n    - debug:\n        msg: {word}\n"
        )
    };
    let pair = twin
        .playbook(
            r#"
            - import_playbook: '{{ "one.yml" }}'
            - import_playbook: "{{ which }}.yml"
              vars:
                which: two
            - import_playbook: "{{ chosen }}"
              vars:
                chosen: two.yml
            "#,
        )
        .file("one.yml", &play("one"))
        .file("two.yml", &play("two"))
        .file("three.yml", &play("three"))
        .args(&["-e", "chosen=three.yml"])
        .run();
    pair.assert_same()
        .assert_msg("one")
        .assert_msg("two")
        .assert_msg("three");
    let pair = twin
        .playbook("- import_playbook: '{{ nowhere }}.yml'\n")
        .run();
    assert_eq!((pair.ours.code, pair.ansible.code), (4, 4), "{pair:?}");
}

/// `role` is `name`'s alias in `include_role` and `import_role`.
#[test]
fn include_and_import_role_take_role_for_name() {
    let twin = Twin::start(1);
    let pair = twin
        .tasks(
            "
            - include_role:
                role: b
            - import_role:
                role: b
            ",
        )
        .file("roles/b/tasks/main.yml", "- debug:\n    msg: from b\n")
        .run();
    pair.assert_same().assert_msg("from b");
    assert_eq!(pair.ours.banners(), pair.ansible.banners());
}

/// A rendered value that still holds an undefined one (`map(attribute=)`
/// over items without it) fails the task, as ansible-core's finalization
/// does, where it would otherwise become null; `select('defined')` before
/// it keeps the task whole.
#[test]
fn a_value_holding_an_undefined_one_fails_the_task() {
    let twin = Twin::start(1);
    let pair = twin
        .tasks(
            "
            - set_fact:
                names: '{{ things | map(attribute=\"name\") }}'
              vars:
                things: [{name: one}, {other: two}]
              ignore_errors: true
              register: r
            - debug:
                msg: '{{ r is failed }} {{ names is defined }}'
            - debug:
                msg: \"{{ [{'name': 'a'}, {}] | map(attribute='name') | select('defined') | list }}\"
            ",
        )
        .run();
    pair.assert_same()
        .assert_recap(
            "target",
            "ok=3 changed=0 unreachable=0 failed=0 skipped=0 rescued=0 ignored=1",
        )
        .assert_msg("True False");
}

/// `include_role`'s `tasks_from`, `vars_from`, `defaults_from` and
/// `handlers_from` (templated too) choose the role's files, as they do for
/// `import_role` (they were dropped: the role's `main` files ran).
#[test]
fn include_role_entry_points_choose_the_files() {
    let twin = Twin::start(1);
    let pair = twin
        .tasks(
            "
            - include_role:
                name: r
                tasks_from: other
                vars_from: more
                defaults_from: fallback
                handlers_from: alt
            - include_role:
                name: r
                tasks_from: '{{ which }}'
                handlers_from: alt
              vars:
                which: main
            ",
        )
        .file(
            "roles/r/tasks/main.yml",
            "- debug:\n    msg: main tasks {{ v }} {{ d }}\n",
        )
        .file(
            "roles/r/tasks/other.yml",
            "- debug:\n    msg: other tasks {{ v }} {{ d }}\n  changed_when: true\n  notify: h\n",
        )
        .file("roles/r/vars/main.yml", "v: main-vars\n")
        .file("roles/r/vars/more.yml", "v: more-vars\n")
        .file("roles/r/defaults/main.yml", "d: main-defaults\n")
        .file("roles/r/defaults/fallback.yml", "d: fallback-defaults\n")
        .file(
            "roles/r/handlers/main.yml",
            "- name: h\n  debug:\n    msg: main handler\n",
        )
        .file(
            "roles/r/handlers/alt.yml",
            "- name: h\n  debug:\n    msg: alt handler\n",
        )
        .run();
    pair.assert_same()
        .assert_msg("other tasks more-vars fallback-defaults")
        .assert_msg("alt handler")
        .assert_msg("main tasks main-vars main-defaults");
}
