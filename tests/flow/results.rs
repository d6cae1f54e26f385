//! How a task's verdict is reached, as ansible-core 2.19.14 reaches it:
//! `failed_when` deciding after `until` ran out of retries, the name a
//! rescue reads in `ansible_failed_task`, a conditional with template
//! delimiters inside an expression or naming a variable that holds one
//! (trusted) or made by a template (not), `assert`'s untemplated `that`,
//! `with_together` on nothing, `with_indexed_items` on a mapping.

use super::twin::Twin;

#[test]
fn verdicts_and_rescue_details_match_ansible() {
    let twin = Twin::start(1);
    let runs = twin
        .case(
            r#"
            - hosts: all
              gather_facts: false
              vars:
                expr: "1 == 1"
              tasks:
                - name: a variable holding an expression is evaluated
                  debug:
                    msg: indirection
                  when: "{{ expr }}"
                - name: text a template made is not trusted as an expression
                  assert:
                    that: "{{ '1 == 1' }}"
                  ignore_errors: true
                - name: until never holds, failed_when says not failed
                  command: "true"
                  register: r
                  until: 1 == 0
                  retries: 2
                  delay: 0
                  failed_when: r.attempts > 6
                - debug:
                    msg: "attempts={{ r.attempts }}"
                - name: delimiters inside an expression
                  debug:
                    msg: never shown
                  when: '"foo" in {{ r.stdout }}'
                  ignore_errors: true
                - block:
                    - name: "nothing {{ 'to' }} zip"
                      debug:
                        msg: "{{ item }}"
                      with_together: []
                  rescue:
                    - debug:
                        msg: "[{{ ansible_failed_task.name }}] {{ 'with_together requires' in ansible_failed_result.msg }}"
                - block:
                    - fail:
                        msg: unnamed
                  rescue:
                    - debug:
                        msg: "[{{ ansible_failed_task.name }}]"
                - name: a mapping is one term of with_indexed_items
                  debug:
                    var: item
                  with_indexed_items:
                    a: 1
                - name: terms are flattened one level
                  debug:
                    msg: "{{ item }}"
                  with_indexed_items: [[x, y], z]
                - debug:
                    msg: "{{ item }}"
                  with_together:
                    - [a, [b, c]]
                    - [1]
            "#,
        )
        .run();
    runs.same_recap(&["node1"]);
    for side in [&runs.ours, &runs.ansible] {
        let out = &side.out;
        assert!(out.contains("\"msg\": \"[nothing to zip] True\""), "{runs}");
        assert!(out.contains("\"msg\": \"[]\""), "{runs}");
        assert_eq!(out.matches("...ignoring").count(), 2, "{runs}");
        assert!(out.contains("\"msg\": \"indirection\""), "{runs}");
        assert!(out.contains("untrusted template or expression"), "{runs}");
        assert!(out.contains("(item=['a', 1])"), "{runs}");
        assert!(out.contains("(item=['b', 'c', None])"), "{runs}");
        assert!(out.contains("(item=[0, {'a': 1}])"), "{runs}");
        assert!(out.contains("(item=[1, 'y'])"), "{runs}");
        assert!(out.contains("(item=[2, 'z'])"), "{runs}");
    }
}
