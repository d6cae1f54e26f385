//! Templated module names (`action: "{{ pkg_mgr }}"`), compared with
//! ansible-playbook 2.19.14 on twin hosts: the name is rendered with each
//! host's variables when the host reaches the task, so two hosts may run
//! two modules in one task; the arguments are parsed by the module the
//! name resolves to (from `args:`, from `k=v` text after the name, or
//! from the mapping form); a name that resolves to no module fails that
//! task (each loop item reaching it) in Ansible's words, which
//! `ignore_errors` sees; and a name that does not render ends the run, as
//! ansible-core's strategy raises it before the task's `when`. `run_once`,
//! which the strategy renders in the same pass, is compared here too.

use super::twin::{Tool, Twin};

#[test]
fn a_templated_module_name_is_resolved_per_host() {
    let twin = Twin::start(2);
    let pair = twin
        .playbook(
            r#"
            - hosts: all
              gather_facts: false
              vars:
                pkg_mgr_var: file
                bad: nosuchmod
              tasks:
                - name: a templated name, arguments from args
                  action: "{{ pkg_mgr_var }}"
                  args:
                    path: /root/touched
                    state: touch
                  register: a
                - name: free-form k=v text after the name
                  action: "{{ name }} msg='hello {{ inventory_hostname }}'"
                  vars:
                    name: ansible.builtin.debug
                  when: inventory_hostname == 'target'
                - set_fact:
                    m: "{{ 'command' if inventory_hostname == 'target' else 'shell' }}"
                - name: each host its own module
                  action:
                    module: "{{ m }}"
                    cmd: echo {{ inventory_hostname }}
                  register: c
                - name: a name no module answers to
                  action: "{{ bad }} x=1"
                  ignore_errors: true
                  register: d
                - name: and in a loop, item by item after the item's when
                  action: "{{ bad }}"
                  loop: [1, 2]
                  when: item == 2
                  ignore_errors: true
                  register: e
                - debug:
                    msg: "{{ a.state }} {{ hostvars.target.c.cmd }} {{ hostvars.other.c.cmd }} {{ c.stdout }}"
                  when: inventory_hostname == 'other'
                - debug:
                    msg: "{{ d.msg }} | {{ e.results | map(attribute='skipped', default=false) | list }} {{ e.results[1].msg }}"
                  when: inventory_hostname == 'other'
            "#,
        )
        .run();
    pair.assert_same()
        .assert_same_recap("other")
        .assert_recap(
            "target",
            "ok=6 changed=2 unreachable=0 failed=0 skipped=2 rescued=0 ignored=2",
        )
        .assert_msg("hello target")
        .assert_msg("file ['echo', 'target'] echo other other")
        .assert_msg(
            "Task failed: Cannot resolve 'nosuchmod' to an action or module. | [True, False] Task failed: Cannot resolve 'nosuchmod' to an action or module.",
        );
    for tool in [Tool::Ours, Tool::Ansible] {
        for i in 0..2 {
            let h = twin.host(tool, i);
            assert!(h.root().join("root/touched").exists(), "{tool:?} {i}");
        }
    }
}

#[test]
fn a_module_name_that_does_not_render_ends_the_run() {
    let twin = Twin::start(1);
    let pair = twin
        .tasks(
            r#"
            - debug: msg=before
            - action: "{{ undefined_thing }} msg=x"
              when: false
            - debug: msg=after
            "#,
        )
        .run();
    // No recap: the run stops at the task, before its banner.
    assert_eq!(pair.ours.messages(), pair.ansible.messages(), "{pair:?}");
    assert_eq!(pair.ours.code, pair.ansible.code, "{pair:?}");
    pair.assert_msg("before");
    for side in [&pair.ours, &pair.ansible] {
        assert!(!side.out.contains("PLAY RECAP"), "{}", side.out);
        assert!(!side.out.contains("TASK [{{"), "{}", side.out);
        assert!(side.out.contains("undefined_thing"), "{}", side.out);
    }
}

/// `run_once` as a template, rendered per host in inventory order as
/// ansible-core's linear strategy renders it: false for every host, every
/// host runs; true for the first, only it runs (and its result is
/// registered for all); true only for a later host, the hosts before it
/// run as usual and it runs too.
#[test]
fn a_templated_run_once_is_decided_host_by_host() {
    let twin = Twin::start(2);
    let pair = twin
        .playbook(
            r#"
            - hosts: all
              gather_facts: false
              vars:
                flag: false
              tasks:
                - name: false for every host
                  command: touch /root/a
                  run_once: "{{ flag }}"
                - name: true for the first host
                  command: touch /root/b
                  run_once: "{{ inventory_hostname == 'target' }}"
                  register: b
                - name: true for the second host only
                  command: touch /root/c
                  run_once: "{{ inventory_hostname == 'other' }}"
                - debug:
                    msg: "{{ b.cmd | join(' ') }}"
                  when: inventory_hostname == 'other'
            "#,
        )
        .run();
    pair.assert_same()
        .assert_same_recap("other")
        .assert_msg("touch /root/b");
    for tool in [Tool::Ours, Tool::Ansible] {
        let exists = |i: usize, f: &str| twin.host(tool, i).root().join(f).exists();
        assert!(exists(0, "root/a") && exists(1, "root/a"), "{tool:?}");
        assert!(exists(0, "root/b") && !exists(1, "root/b"), "{tool:?}");
        assert!(exists(0, "root/c") && exists(1, "root/c"), "{tool:?}");
    }
}

/// Under the `free` strategy, which leaves the module name to the task's
/// own post-validation, a name that does not render fails the task for
/// the host that reaches it (after its `when`), and `ignore_errors` sees
/// it; the run goes on. So does a name that renders to `omit`, in
/// Ansible's words.
#[test]
fn under_the_free_strategy_a_name_that_does_not_render_fails_the_task() {
    let twin = Twin::start(1);
    let pair = twin
        .playbook(
            r#"
            - hosts: target
              gather_facts: false
              strategy: free
              vars:
                m: debug
              tasks:
                - action: "{{ undefined_thing }} msg=x"
                  when: false
                - action: "{{ undefined_thing }} msg=x"
                  ignore_errors: true
                  register: r
                - action: "{{ omit }}"
                  ignore_errors: true
                  register: o
                - action: "{{ m }} msg='{{ r is failed }} failed {{ o.msg }}'"
            "#,
        )
        .run();
    pair.assert_same()
        .assert_recap(
            "target",
            "ok=3 changed=0 unreachable=0 failed=0 skipped=1 rescued=0 ignored=2",
        )
        .assert_msg("True failed Task failed: Omit is not valid for the `action` keyword.");
}
