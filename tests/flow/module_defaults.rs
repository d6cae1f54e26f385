//! `module_defaults` (modules by short name and FQCN, `group/`, templated
//! values, inheritance with the innermost winning, the task's own
//! arguments winning over all) and `collections` (short names looked up
//! in the listed collections; a role uses its own `meta/main.yml` list),
//! as ansible-playbook 2.19.14 applies them.

use super::twin::Twin;

#[test]
fn module_defaults_fill_what_the_task_leaves_unset() {
    let twin = Twin::start(1);
    let runs = twin
        .case(
            r#"
            - hosts: all
              gather_facts: false
              collections: [ansible.posix, community.general]
              module_defaults:
                command:
                  chdir: /tmp
                group/testgroup:
                  data: from-group
              tasks:
                - command: pwd
                  register: a
                - name: the task's own argument wins
                  command: pwd
                  args:
                    chdir: /
                  register: b
                - ping:
                  register: p
                - name: the module's entry wins over its group's
                  ping:
                  module_defaults:
                    ansible.builtin.ping:
                      data: from-module
                  register: p2
                - name: inner entries replace outer ones
                  block:
                    - file:
                        state: directory
                      register: f
                    - command: pwd
                      register: c
                  module_defaults:
                    ansible.builtin.file:
                      path: "/tmp/{{ dirname }}"
                    ansible.legacy.command:
                      chdir: /etc
                  vars:
                    dirname: md
                - name: a templated entry
                  debug:
                  module_defaults:
                    debug: "{{ dbg }}"
                  vars:
                    dbg:
                      msg: from-template
                - assert:
                    that:
                      - a.stdout == '/tmp'
                      - b.stdout == '/'
                      - p.ping == 'from-group'
                      - p2.ping == 'from-module'
                      - f.path == '/tmp/md'
                      - c.stdout == '/etc'
            - name: a role looks up names in its own collections
              hosts: all
              gather_facts: false
              collections: [community.general]
              roles: [r]
            "#,
        )
        .file("roles/r/meta/main.yml", "collections: [ansible.posix]\n")
        .file(
            "roles/r/tasks/main.yml",
            "- stat:\n    path: /tmp/md\n  register: s\n- assert:\n    that: s.stat.isdir\n",
        )
        .run();
    runs.same_recap(&["node1"]);
    runs.same_output();
    for h in twin.pair(0) {
        assert!(h.root().join("tmp/md").is_dir());
    }
}

#[test]
fn an_unknown_group_is_refused_before_any_host_is_touched() {
    let twin = Twin::start(1);
    let runs = twin
        .case(
            r#"
            - hosts: all
              gather_facts: false
              module_defaults:
                group/nosuch:
                  x: 1
              tasks:
                - command: touch /tmp/touched
            "#,
        )
        .run();
    assert_ne!(runs.ours.exit, 0, "{runs}");
    assert_ne!(runs.ansible.exit, 0, "{runs}");
    let msg = "could not resolve the module_defaults group ansible.builtin.nosuch";
    assert!(runs.ansible.all().contains(msg), "{runs}");
    assert!(runs.ours.all().contains(msg), "{runs}");
    assert!(runs.ours.all().contains("site.yml:4:"), "{runs}");
    for h in twin.pair(0) {
        assert!(!h.root().join("tmp/touched").exists());
    }
}
