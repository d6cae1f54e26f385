//! Gaps on a real host: a module or option Ansible has and konvoy-image
//! lacks fails only the task a host reaches. A task `when:` skips stays
//! skipped, `ignore_errors` and `rescue` work as for any failure, and a
//! handler never notified costs nothing: the rest of the play runs.

use super::{recap_line, Scenario};
use crate::harness::{Fleet, Os};

#[test]
fn gaps_fail_only_the_tasks_a_host_reaches() {
    let fleet = Fleet::builder().host(Os::Debian).start();
    let host = fleet.hosts()[0].name().to_owned();
    let sc = Scenario::new(
        &fleet,
        r#"
        - hosts: all
          gather_facts: true
          handlers:
            - name: never notified
              community.general.homebrew:
                name: wget
          tasks:
            - name: a package manager this host does not have
              community.general.flatpak:
                name: org.gimp.GIMP
              when: ansible_os_family == "Suse"
            - name: reached, ignored
              community.general.snap:
                name: hello
              ignore_errors: true
              register: gap
            - block:
                - name: reached, rescued
                  community.general.ufw:
                    state: enabled
              rescue:
                - command: touch /root/rescued
            - name: an option only Ansible has, skipped
              copy:
                content: x
                dest: /root/skipped
                seuser: system_u
              when: false
            - name: an option only Ansible has, reached
              copy:
                content: x
                dest: /root/reached
                seuser: system_u
              ignore_errors: true
              register: option_gap
            - assert:
                that:
                  - gap is failed
                  - "gap.msg == 'module `community.general.snap` is not implemented by konvoy-image'"
                  - option_gap is failed
                  - "option_gap.msg == 'option `seuser` of module `copy` is not implemented by konvoy-image'"
            - command: touch /root/done
        "#,
    );
    let (summary, out) = sc.run(&fleet, |_| {});
    assert_eq!(summary.exit_code, 0, "{out}");
    let root = fleet.hosts()[0].root();
    assert!(root.join("root/done").exists(), "{out}");
    assert!(root.join("root/rescued").exists(), "{out}");
    assert!(!root.join("root/reached").exists() && !root.join("root/skipped").exists());
    // Gathering, the ignored gap, the rescue command, the ignored option
    // gap, the assert and the last command are ok; two skips; one rescue.
    assert_eq!(
        recap_line(&out, &host),
        format!("{host:<26} : ok=6    changed=2    unreachable=0    failed=0    skipped=2    rescued=1    ignored=2   "),
        "{out}"
    );
    assert!(!out.contains("homebrew"), "{out}");
}
