//! `--start-at-task`: the run starts at the first task whose name (or
//! `role : name`, or glob) matches, facts gathered first; the plays
//! before it run nothing; no match prints Ansible's `[ERROR]` and exits
//! as ansible-playbook 2.19.14 does.

use super::twin::Twin;

const PLAYBOOK: &str = r#"
- name: one
  hosts: all
  tasks:
    - name: first task
      command: touch /tmp/first
    - block:
        - name: in block a
          debug:
            msg: a
        - name: in block b
          debug:
            msg: b
      always:
        - name: always
          debug:
            msg: always
    - debug:
        msg: unnamed
  roles:
    - r
- name: two
  hosts: all
  gather_facts: false
  serial: 1
  tasks:
    - name: second play task
      debug:
        msg: "{{ inventory_hostname }}"
"#;

fn case(twin: &Twin, start: &str) -> super::twin::Runs {
    twin.case(PLAYBOOK)
        .file(
            "roles/r/tasks/main.yml",
            "- name: role task\n  debug:\n    msg: r\n- name: role two\n  debug:\n    msg: r2\n",
        )
        .args(&["--start-at-task", start])
        .run()
}

#[test]
fn the_run_starts_at_the_named_task() {
    let twin = Twin::start(2);
    for start in [
        "in block b",
        "r : role two",
        "role t*",
        "debug",
        "second play task",
    ] {
        let runs = case(&twin, start);
        runs.same_recap(&["node1", "node2"]);
        runs.same_output();
        if start == "in block b" {
            // `first task` came before: it ran on neither side.
            for i in 0..2 {
                for h in twin.pair(i) {
                    assert!(!h.root().join("tmp/first").exists());
                }
            }
        }
    }
}

/// Two quirks of ansible-core's iterator, reproduced: matching the very
/// first task gathers facts even with `gather_facts: false`, and
/// matching `Gathering Facts` gathers twice; with `serial`, only the
/// first batch starts late.
#[test]
fn the_iterator_quirks_of_ansible_are_kept() {
    let twin = Twin::start(2);
    for start in ["t1", "t2", "Gathering Facts"] {
        let runs = twin
            .case(
                r#"
                - name: quiet
                  hosts: all
                  gather_facts: false
                  serial: 1
                  tasks:
                    - name: t1
                      debug:
                        msg: 1
                    - name: t2
                      debug:
                        msg: 2
                - name: gathering
                  hosts: all
                  tasks:
                    - name: t3
                      debug:
                        msg: 3
                "#,
            )
            .args(&["--start-at-task", start])
            .run();
        runs.same_recap(&["node1", "node2"]);
        runs.same_output();
    }
}

#[test]
fn no_matching_task_is_reported_and_exits_as_ansible_does() {
    let twin = Twin::start(1);
    let runs = case(&twin, "nosuch");
    runs.same_recap(&["node1"]);
    runs.same_output();
    assert_eq!(runs.ours.exit, 0, "{runs}");
    let line = "[ERROR]: No matching task \"nosuch\" found. Note: --start-at-task can only follow static includes.\n";
    assert!(runs.ansible.err.contains(line), "{runs}");
    assert!(runs.ours.err.contains(line), "{runs}");
}
