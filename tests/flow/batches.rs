//! `serial`, `order`, `max_fail_percentage` and `throttle`: which hosts
//! run together, in which order, and when the playbook stops, as
//! ansible-playbook 2.19.14 decides it.

use super::twin::Twin;

#[test]
fn serial_batches_follow_order_and_a_failed_batch_ends_the_playbook() {
    let twin = Twin::start(3);
    let runs = twin
        .case(
            r#"
            - name: batches
              hosts: all
              gather_facts: false
              serial: [1, "50%"]
              order: reverse_sorted
              tasks:
                - debug:
                    msg: "{{ ansible_play_batch }} {{ ansible_play_hosts_all }}"
                - command: "false"
                  when: inventory_hostname == 'node2'
                - debug:
                    msg: after
            - name: never runs
              hosts: all
              gather_facts: false
              tasks:
                - debug:
                    msg: second
            "#,
        )
        .run();
    runs.same_recap(&["node2", "node3"]);
    runs.same_output();
    assert!(!runs.ours.out.contains("[node1]"), "{runs}");
}

#[test]
fn order_and_templated_serial_choose_who_goes_first() {
    let twin = Twin::start(3);
    let mut playbook = String::new();
    for order in ["inventory", "reverse_inventory", "sorted", "reverse_sorted"] {
        playbook.push_str(&format!(
            "- name: {order}\n  hosts: node3,node1,node2\n  gather_facts: false\n  \
             order: {order}\n  serial: \"{{{{ one }}}}\"\n  vars:\n    one: 1\n  tasks:\n    \
             - debug:\n        msg: \"{{{{ ansible_play_batch }}}}\"\n"
        ));
    }
    playbook.push_str(
        "- name: shuffled, all at once\n  hosts: all\n  gather_facts: false\n  order: shuffle\n  \
         serial: [\"{{ 0 }}\"]\n  tasks:\n    - debug:\n        msg: \"{{ ansible_play_batch | length }}\"\n",
    );
    let runs = twin.case(&playbook).run();
    runs.same_recap(&["node1", "node2", "node3"]);
    runs.same_output();
}

#[test]
fn max_fail_percentage_counts_failures_per_batch() {
    let twin = Twin::start(4);
    let runs = twin
        .case(
            r#"
            - name: half of a batch may fail
              hosts: all
              gather_facts: false
              serial: 2
              max_fail_percentage: 50
              tasks:
                - command: "false"
                  when: inventory_hostname in ['node1', 'node4']
                - debug:
                    msg: goes on
            - name: one of four is too many
              hosts: node2,node3
              gather_facts: false
              max_fail_percentage: 20
              tasks:
                - name: rescued failures do not count
                  block:
                    - command: "false"
                  rescue:
                    - debug:
                        msg: rescued
                - command: "false"
                  when: inventory_hostname == 'node2'
                - debug:
                    msg: never
            - name: never runs
              hosts: all
              gather_facts: false
              tasks:
                - debug:
                    msg: third
            "#,
        )
        .run();
    runs.same_recap(&["node1", "node2", "node3", "node4"]);
    runs.same_output();
    assert_eq!(runs.ours.out.matches("NO MORE HOSTS LEFT").count(), 2);
}

#[test]
fn throttle_never_lets_two_hosts_run_the_task_at_once() {
    let twin = Twin::start(3);
    let runs = twin
        .case(
            r#"
            - hosts: all
              gather_facts: false
              tasks:
                - name: one at a time
                  shell: date +%s.%N > /tmp/start; sleep 1; date +%s.%N > /tmp/end
                  throttle: 1
                - name: two at a time, inherited from the block
                  block:
                    - shell: date +%s.%N > /tmp/start2; sleep 1; date +%s.%N > /tmp/end2
                  throttle: "{{ 1 + 1 }}"
            "#,
        )
        .run();
    runs.same_recap(&["node1", "node2", "node3"]);
    runs.same_output();
    let spans = |i: usize, suffix: &str| -> Vec<(f64, f64)> {
        (0..3)
            .map(|h| {
                let host = if i == 0 {
                    twin.ours(h)
                } else {
                    twin.ansible(h)
                };
                let read = |f: &str| -> f64 {
                    host.sh(&format!("cat /tmp/{f}{suffix}"))
                        .trim()
                        .parse()
                        .expect("a timestamp")
                };
                (read("start"), read("end"))
            })
            .collect()
    };
    let most_at_once = |spans: &[(f64, f64)]| -> usize {
        spans
            .iter()
            .map(|(s, _)| spans.iter().filter(|(a, b)| a <= s && s < b).count())
            .max()
            .unwrap_or(0)
    };
    for side in [0, 1] {
        assert_eq!(most_at_once(&spans(side, "")), 1, "side {side}: {runs}");
        assert_eq!(most_at_once(&spans(side, "2")), 2, "side {side}: {runs}");
    }
}
