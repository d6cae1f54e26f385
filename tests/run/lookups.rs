//! Lookups in a real run, compared with ansible-playbook 2.19.14 on twin
//! hosts: `ansible_connection` as a task sees it (no variable sets it
//! here), the `vars` lookup's list and its failure as a rescue reads it
//! (`ansible_failed_result`, whose message quotes a template that must
//! not be rendered again), and `with_subelements` / the `with_sequence`
//! shortcut as loops.

use super::twin::Twin;

#[test]
fn lookups_in_tasks_and_loops_give_what_ansible_gives() {
    let twin = Twin::start(1);
    let pair = twin
        .tasks(
            r#"
            - debug:
                msg: "{{ ansible_connection }}"
            - debug:
                msg: "{{ query('vars', 'ansible_connection', 'inventory_hostname') | join(' ') }}"
            - debug:
                msg: "{{ ansible_connection }}"
              connection: local
            - block:
                - command: "echo {{ lookup('vars', 'nope_var') }}"
              rescue:
                - debug:
                    msg: "{{ ansible_failed_result.msg is search(\"No variable named 'nope_var' was found\") }}"
            - debug:
                msg: "{{ item.0.name }} {{ item.1 }} {{ item.0.mysql | to_json }}"
              with_subelements:
                - "{{ users }}"
                - mysql.hosts
              vars:
                users:
                  - {name: alice, mysql: {password: pw, hosts: ['%', '::1']}}
                  - {name: bob, mysql: {password: other, hosts: [db1]}}
                  - {name: carol, skipped: true, mysql: {hosts: [db9]}}
            - debug:
                msg: "{{ item }}"
              with_sequence: 2-6/2:n%02d
            "#,
        )
        .run();
    assert!(pair.ours.messages().contains(&"\"msg\": true".to_owned()));
    pair.assert_same()
        .assert_msg("ssh")
        .assert_msg("ssh target")
        .assert_msg("local")
        .assert_msg("alice ::1 {\\\"password\\\": \\\"pw\\\"}")
        .assert_msg("n06");
}
