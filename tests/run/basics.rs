//! Tasks, loops, conditions, handlers, blocks and the recap on real hosts.

use super::{recap_line, Scenario};
use crate::harness::{Fleet, Os};

#[test]
fn command_tasks_change_hosts_and_recap_counts_like_ansible() {
    let fleet = Fleet::builder().hosts(3, Os::Debian).start();
    let sc = Scenario::new(
        &fleet,
        r#"
        - name: basics
          hosts: all
          gather_facts: false
          tasks:
            - name: write a marker
              command: touch /root/marker creates=/root/marker
            - name: never
              command: touch /root/never
              when: false
            - name: loop
              shell: echo {{ item }} >> /root/items
              loop: [a, b]
            - name: ignored failure
              command: /bin/false
              ignore_errors: true
            - name: notify
              command: "true"
              notify: done
            - block:
                - command: /bin/false
              rescue:
                - command: touch /root/rescued
          handlers:
            - name: done
              command: touch /root/handled
        "#,
    );
    let (summary, out) = sc.run(&fleet, |_| {});
    assert_eq!(summary.exit_code, 0, "{out}");
    for h in fleet.hosts() {
        let root = h.root();
        assert!(root.join("root/marker").exists(), "{out}");
        assert!(!root.join("root/never").exists());
        assert!(root.join("root/rescued").exists());
        assert!(root.join("root/handled").exists());
        // Expected numbers: this playbook run by ansible-playbook 2.19.14
        // (paths moved to /tmp, `-i localhost, -c local`) prints
        // ok=6 changed=6 skipped=1 rescued=1 ignored=1: the failed task
        // that a rescue handles counts neither ok nor failed.
        assert_eq!(
            recap_line(&out, h.name()),
            format!(
                "{:<26} : ok=6    changed=6    unreachable=0    failed=0    skipped=1    rescued=1    ignored=1   ",
                h.name()
            )
        );
    }
    assert!(out.contains("\nTASK [write a marker] ***"), "{out}");
    assert!(out.contains("RUNNING HANDLER [done]"), "{out}");
    assert!(out.contains("...ignoring"), "{out}");
    // Second run: `creates` makes the first task a no-op.
    let (_, out2) = sc.run(&fleet, |_| {});
    assert!(
        out2.contains(&format!("ok: [{}]", fleet.hosts()[0].name())),
        "{out2}"
    );
}
