//! `ansible_facts_modules`: naming only `setup`'s facts (`smart`, `setup`)
//! gathers as ansible-playbook 2.19.14 does on a twin host; naming another
//! fact module fails the gathering that meets it, with the reason, rather
//! than silently giving fewer facts than Ansible would.

use super::twin::Twin;

#[test]
fn facts_modules_naming_setup_gather_as_ansible_does() {
    let twin = Twin::start(1);
    let pair = twin
        .playbook(
            "
            - hosts: target
              vars:
                ansible_facts_modules: [smart]
              tasks:
                - command: hostname
                  register: hn
                - gather_facts:
                  vars:
                    ansible_facts_modules: ansible.builtin.setup
                  register: again
                - debug:
                    msg: \"{{ ansible_hostname == hn.stdout }} {{ again.ansible_facts.ansible_hostname == hn.stdout }}\"
            ",
        )
        .run();
    pair.assert_same().assert_msg("True True");
}

#[test]
fn facts_modules_naming_another_module_fail_the_gathering_that_meets_them() {
    let twin = Twin::start(1);
    let pair = twin
        .tasks(
            "
            - gather_facts:
              vars:
                ansible_facts_modules: [setup, service_facts]
              ignore_errors: true
              register: r
            - debug:
                msg: \"{{ r.failed }} {{ r.msg | default('') }}\"
            - gather_facts:
              vars:
                ansible_facts_modules: [setup, service_facts]
              when: inventory_hostname == 'nobody'
            ",
        )
        .run();
    let want = "\"msg\": \"True ansible_facts_modules names service_facts: gathering facts \
                with modules other than setup is not implemented by konvoy-image\"";
    assert!(
        pair.ours.messages().iter().any(|m| m == want),
        "{}",
        pair.ours.out
    );
    // Ansible gathers with both modules; the skipped branch costs nothing
    // on either side.
    assert!(
        pair.ansible
            .messages()
            .iter()
            .any(|m| m == "\"msg\": \"False \""),
        "{}",
        pair.ansible.out
    );
    assert_eq!(pair.ours.code, 0, "{}", pair.ours.out);
    assert_eq!(pair.ansible.code, 0, "{}", pair.ansible.out);
}
