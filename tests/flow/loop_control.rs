//! `loop_control`: `loop_var`, `index_var`, `label`, `pause`,
//! `extended` (`ansible_loop.*`), `extended_allitems` and `break_when`,
//! on module loops and looped includes, as ansible-playbook 2.19.14.

use super::twin::Twin;
use std::time::Duration;

#[test]
fn loop_control_keys_shape_vars_labels_results_and_stops() {
    let twin = Twin::start(1);
    let runs = twin
        .case(
            r#"
            - hosts: all
              gather_facts: false
              vars:
                pkgs: [{name: a, v: 1}, {name: b, v: 2}, {name: c, v: 3}]
              tasks:
                - name: names, label, extended
                  debug:
                    msg: "{{ idx }} {{ pkg.name }} {{ ansible_loop.index }}/{{ ansible_loop.length }} first={{ ansible_loop.first }} last={{ ansible_loop.last }} rev={{ ansible_loop.revindex0 }} prev={{ ansible_loop.previtem.name | default('-') }} next={{ ansible_loop.nextitem.name | default('-') }} all={{ ansible_loop.allitems | length }}"
                  loop: "{{ pkgs }}"
                  loop_control:
                    loop_var: pkg
                    index_var: idx
                    label: "{{ pkg.name }}"
                    extended: true
                  register: out
                - assert:
                    that:
                      - out.results[1].pkg.name == 'b'
                      - out.results[1].idx == 1
                      - out.results[1].ansible_index_var == 'idx'
                      - out.results[1].ansible_loop_var == 'pkg'
                      - out.results[2].ansible_loop.revindex == 1
                      - out.results[0].ansible_loop.allitems | length == 3
                - name: without allitems
                  debug:
                    msg: "{{ ansible_loop.allitems is defined }}"
                  loop: [1, 2]
                  loop_control:
                    extended: yes
                    extended_allitems: false
                - name: break when the registered result says so
                  command: echo {{ item }}
                  loop: [1, 2, 3, 4]
                  register: r
                  changed_when: false
                  loop_control:
                    break_when: r.stdout == '2'
                - assert:
                    that:
                      - r.results | length == 2
                - name: later items see the previous result
                  debug:
                    msg: "{{ 'after ' ~ prev.item if prev is defined else 'first' }}"
                  loop: [x, y]
                  register: prev
                - name: looped include with index and extended
                  include_tasks: inc.yml
                  loop: [p, q]
                  loop_control:
                    loop_var: name
                    index_var: n
                    extended: true
            "#,
        )
        .file(
            "inc.yml",
            r#"
            - debug:
                msg: "{{ n }} {{ name }} {{ ansible_loop.last }}"
            "#,
        )
        .run();
    runs.same_recap(&["node1"]);
    runs.same_output();
}

#[test]
fn pause_waits_between_items_only() {
    let twin = Twin::start(1);
    let runs = twin
        .case(
            r#"
            - hosts: all
              gather_facts: false
              tasks:
                - debug:
                    msg: "{{ item }}"
                  loop: [1, 2, 3]
                  loop_control:
                    pause: "{{ 0.5 * 2 }}"
            "#,
        )
        .run();
    runs.same_recap(&["node1"]);
    runs.same_output();
    // Two pauses of 1 s (between three items), not three.
    assert!(runs.ours.elapsed >= Duration::from_secs(2), "{runs}");
    assert!(runs.ours.elapsed < Duration::from_millis(2900), "{runs}");
}

/// A label that does not render fails its item (Ansible words the cause
/// with its own undefined-variable text and prints no `[ERROR]` block:
/// both differ here).
#[test]
fn a_label_that_does_not_render_fails_the_item() {
    let twin = Twin::start(1);
    let runs = twin
        .case(
            r#"
            - hosts: all
              gather_facts: false
              tasks:
                - command: echo {{ item }}
                  loop: [1, 2]
                  loop_control:
                    label: "{{ nope }}"
                  register: r
                  ignore_errors: true
                - assert:
                    that:
                      - r is failed
                      - r.results | length == 2
                      - r.results[0].msg is match('Failed to template loop_control.label:')
                      - r.results[0].stdout == '1'
            "#,
        )
        .run();
    runs.same_recap(&["node1"]);
}
