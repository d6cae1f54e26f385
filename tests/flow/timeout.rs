//! `timeout:`: the attempt fails with Ansible's `Task failed: Timed out
//! after N second(s).` once N seconds pass, the command is ended on the
//! host, and the other hosts go on.

use super::twin::Twin;
use std::time::Duration;

#[test]
fn a_task_timeout_fails_the_attempt_in_time_as_ansible_does() {
    let twin = Twin::start(2);
    let case = twin.case(
        r#"
        - hosts: all
          gather_facts: false
          tasks:
            - name: slow
              command: sleep 600
              timeout: 2
              when: inventory_hostname == 'node1'
            - name: templated, inherited from the block, per loop item
              block:
                - command: sleep {{ item }}
                  loop: [0, 30]
                  ignore_errors: true
              timeout: "{{ 1 + 1 }}"
            - name: registered
              command: sleep 30
              timeout: 1
              retries: 3
              delay: 0
              until: false
              register: r
              ignore_errors: true
            - assert:
                that:
                  - r is failed
                  - "r.msg == 'Task failed: Timed out after 1 second(s).'"
                  - r.timedout.period == 1
                  - r.attempts is not defined
            - name: after
              command: "true"
        "#,
    );
    let runs = case.run();
    runs.same_recap(&["node1", "node2"]);
    runs.same_output();
    assert_eq!(runs.ours.exit, 2, "{runs}");
    // 2 s (node1) + 2 s (item 30 on node2) + 1 s; never the 600 s sleep.
    assert!(runs.ours.elapsed < Duration::from_secs(30), "{runs}");
    for out in [&runs.ours.out, &runs.ansible.out] {
        assert!(
            out.contains("[ERROR]: Task failed: Timed out after 2 second(s).\n"),
            "{runs}"
        );
    }
}

/// Ansible abandons the remote command when the alarm fires (measured:
/// `sleep 600` runs on after ansible-playbook 2.19.14 exits); we end it.
#[test]
fn a_task_timeout_ends_the_remote_command() {
    let twin = Twin::start(1);
    let runs = twin
        .case(
            r#"
            - hosts: all
              gather_facts: false
              tasks:
                - command: sleep 600
                  timeout: 1
                  ignore_errors: true
                - shell: sleep 500 & sleep 400; echo done
                  timeout: 1
                  ignore_errors: true
            "#,
        )
        .run();
    runs.same_recap(&["node1"]);
    std::thread::sleep(Duration::from_millis(500));
    let left: Vec<String> = twin
        .ours(0)
        .cmdlines()
        .into_iter()
        .filter(|c| c.contains("sleep "))
        .collect();
    assert!(left.is_empty(), "processes left on our host: {left:?}");
}

#[test]
fn a_timeout_that_is_not_an_int_fails_the_task_as_ansible_does() {
    let twin = Twin::start(1);
    let runs = twin
        .case(
            r#"
            - hosts: all
              gather_facts: false
              tasks:
                - name: not an int
                  command: "true"
                  timeout: abc
                  ignore_errors: true
                - name: negative
                  command: "true"
                  timeout: -1
                  ignore_errors: true
                - name: skipped before it is read
                  command: "true"
                  timeout: abc
                  when: false
            "#,
        )
        .run();
    runs.same_recap(&["node1"]);
    let fatal = |out: &str| -> Vec<String> {
        out.lines()
            .filter(|l| l.starts_with("fatal:") || l.starts_with("skipping:"))
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(fatal(&runs.ours.out), fatal(&runs.ansible.out), "{runs}");
    assert_eq!(fatal(&runs.ours.out).len(), 3, "{runs}");
}
