//! Options real roles use, on a real host, with Ansible's semantics
//! (read from ansible-core 2.19.14's modules): `file`'s times and
//! `_diff_peek`, `blockinfile`'s blank lines. Idempotency is asserted:
//! the second run changes nothing.

use super::{recap_line, Scenario};
use crate::harness::{Fleet, Os};
use std::os::unix::fs::MetadataExt;

#[test]
fn file_times_are_set_once_and_then_left_alone() {
    let fleet = Fleet::builder().host(Os::Debian).start();
    let host = fleet.hosts()[0].name().to_owned();
    let sc = Scenario::new(
        &fleet,
        r#"
        - hosts: all
          gather_facts: false
          tasks:
            - copy: {content: "x\n", dest: /root/timed}
            - file:
                path: /root/timed
                modification_time: "202001021230.45"
                access_time: "01/02/2021 10:00"
                access_time_format: "%m/%d/%Y %H:%M"
            - file: {path: /root/touched, state: touch, modification_time: preserve, access_time: preserve}
            - file: {path: /root/bin, state: touch}
            - shell: printf 'a\0b' > /root/bin
              args: {creates: /root/bin.done}
            - file: {path: /root/bin, _diff_peek: yes}
              register: peek
            - copy: {content: "text\n", dest: /root/text}
            - file: {path: /root/text, _diff_peek: yes}
              register: peek_text
            - assert:
                that:
                  - peek.appears_binary
                  - not peek_text.appears_binary
                  - peek is not changed
        "#,
    );
    let (summary, out) = sc.run(&fleet, |_| {});
    assert_eq!(summary.exit_code, 0, "{out}");
    let root = fleet.hosts()[0].root();
    let meta = std::fs::metadata(root.join("root/timed")).expect("timed");
    // The host's local time is UTC here: what `date -d` made of it.
    assert_eq!(meta.mtime(), 1_577_968_245, "{out}");
    assert_eq!(meta.atime(), 1_609_581_600, "{out}");
    assert_eq!(
        recap_line(&out, &host),
        format!("{host:<26} : ok=9    changed=6    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0   "),
        "{out}"
    );
    // Second run, as ansible-playbook 2.19.14 counts the same playbook
    // (run by hand, `connection: local`): the copy's checksum read moves
    // the access time, so the times task changes it back; touch with
    // preserved times of an existing file changes nothing; touch with the
    // default times and the shell task change.
    let (summary, out) = sc.run(&fleet, |_| {});
    assert_eq!(summary.exit_code, 0, "{out}");
    assert_eq!(
        recap_line(&out, &host),
        format!("{host:<26} : ok=9    changed=3    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0   "),
        "{out}"
    );
    let meta = std::fs::metadata(root.join("root/timed")).expect("timed");
    assert_eq!((meta.mtime(), meta.atime()), (1_577_968_245, 1_609_581_600));
}
