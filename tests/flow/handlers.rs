//! Handlers notified by name or by `listen` topic (role handlers by
//! `role : name` too), run once per flush in definition order, chained
//! from other handlers, `meta: flush_handlers` mid-play; and
//! `ignore_unreachable`. As ansible-playbook 2.19.14 runs them.

use super::twin::Twin;

#[test]
fn handlers_run_by_name_and_topic_once_in_definition_order() {
    let twin = Twin::start(2);
    let runs = twin
        .case(
            r#"
            - hosts: all
              gather_facts: false
              handlers:
                - name: first
                  debug:
                    msg: first
                - name: restart web
                  debug:
                    msg: restart web
                  listen: web changed
                - name: reload proxy
                  debug:
                    msg: reload proxy
                  listen:
                    - web changed
                    - proxy changed
                  notify: chained
                - name: chained
                  debug:
                    msg: chained
                - name: never
                  debug:
                    msg: never
                - name: first
                  debug:
                    msg: the last one named first wins
              tasks:
                - name: notify a topic and a name
                  command: "true"
                  notify:
                    - web changed
                    - first
                - name: the same again (runs once)
                  command: "true"
                  notify: web changed
                  when: inventory_hostname == 'node1'
                - name: unchanged notifies nothing
                  command: "true"
                  changed_when: false
                  notify: never
                - name: flush now
                  meta: flush_handlers
                - name: after the flush
                  command: "true"
                  notify: proxy changed
              roles:
                - r
            "#,
        )
        .file(
            "roles/r/tasks/main.yml",
            "- command: \"true\"\n  notify: r : role handler\n- command: \"true\"\n  notify: role topic\n",
        )
        .file(
            "roles/r/handlers/main.yml",
            "- name: role handler\n  debug:\n    msg: by role-prefixed name\n- name: role listener\n  debug:\n    msg: by topic\n  listen: role topic\n",
        )
        .run();
    runs.same_recap(&["node1", "node2"]);
    runs.same_output();
}

#[test]
fn notifying_a_missing_handler_fails_as_ansible_does() {
    let twin = Twin::start(1);
    let runs = twin
        .case(
            r#"
            - hosts: all
              gather_facts: false
              handlers:
                - name: h
                  debug:
                    msg: h
              tasks:
                - command: "true"
                  notify: nosuch
                - debug:
                    msg: after
            "#,
        )
        .run();
    runs.same_recap(&["node1"]);
    runs.same_output();
    let line = "[ERROR]: The requested handler 'nosuch' was not found in either the main \
                handlers list nor in the listening handlers list\n";
    assert!(runs.ansible.err.contains(line), "{runs}");
    assert!(runs.ours.err.contains(line), "{runs}");
}

#[test]
fn ignore_unreachable_keeps_the_host_in_the_play() {
    let twin = Twin::start(1);
    let runs = twin
        .case(
            r#"
            - hosts: all
              gather_facts: false
              tasks:
                - name: reach the dead host
                  command: "true"
                  ignore_unreachable: true
                - name: still there
                  debug:
                    msg: "{{ inventory_hostname }}"
                - name: not ignored this time
                  command: "true"
                - name: gone now
                  debug:
                    msg: gone
            "#,
        )
        // Nothing listens on port 1: every connection is refused.
        .extra_host("dead", "ansible_host: 127.0.0.1\n      ansible_port: 1")
        .run();
    runs.same_recap(&["node1", "dead"]);
    assert_eq!(runs.ours.exit, 4, "{runs}");
    for side in [&runs.ours, &runs.ansible] {
        assert!(side.out.contains("ok: [dead] => {"), "{runs}");
        assert_eq!(side.out.matches("...ignoring").count(), 1, "{runs}");
    }
}

#[test]
fn handlers_of_included_and_imported_roles_and_include_handlers() {
    let twin = Twin::start(1);
    let runs = twin
        .case(
            r#"
            - hosts: all
              gather_facts: false
              handlers:
                - name: cleanup
                  include_tasks: cleanup.yml
              tasks:
                - import_role:
                    name: shared/imported
                - include_role:
                    name: included
                - import_tasks: change.yml
                  notify: by import
                - command: "true"
                  notify: cleanup
                - command: "true"
                  notify: imported handler
            "#,
        )
        .file(
            "cleanup.yml",
            "- name: cleanup step one\n  debug:\n    msg: one\n- name: cleanup step two\n  debug:\n    msg: two\n",
        )
        .file("change.yml", "- command: \"true\"\n")
        .file(
            "shared/imported/tasks/main.yml",
            "- debug:\n    msg: imported\n",
        )
        .file(
            "shared/imported/handlers/main.yml",
            "- name: imported handler\n  debug:\n    msg: from the imported role\n- name: by import\n  debug:\n    msg: notified through import_tasks\n",
        )
        .file(
            "roles/included/tasks/main.yml",
            "- command: \"true\"\n  notify: included handler\n- meta: flush_handlers\n",
        )
        .file(
            "roles/included/handlers/main.yml",
            "- name: included handler\n  debug:\n    msg: from the included role\n",
        )
        .run();
    runs.same_recap(&["node1"]);
    runs.same_output();
    for side in [&runs.ours, &runs.ansible] {
        assert!(
            side.out
                .contains("RUNNING HANDLER [included : included handler]"),
            "{runs}"
        );
        assert!(
            side.out
                .contains("RUNNING HANDLER [shared/imported : by import]"),
            "{runs}"
        );
        assert!(
            side.out.contains("RUNNING HANDLER [cleanup step two]"),
            "{runs}"
        );
    }
}
