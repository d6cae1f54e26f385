//! Check mode on real hosts: nothing changes on any host, and the run
//! reports what would change with Ansible's recap numbers.

use crate::harness::{Fleet, Os};
use crate::run::{recap_line, Scenario};
use engine::modules::RunMode;
use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// Every entry of a host's overlay upper dir (its changes to the image):
/// path → kind, mode, owner, size, mtime and content (or link target).
fn snapshot(upper: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![upper.to_path_buf()];
    let mut budget = 100_000usize;
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).expect("read upper dir");
        for e in entries {
            budget = budget
                .checked_sub(1)
                .expect("upper dir too large to snapshot");
            let path = e.expect("dir entry").path();
            let rel = path
                .strip_prefix(upper)
                .expect("under upper")
                .display()
                .to_string();
            // sshd's login records change on every connection.
            if rel.starts_with("var/log") || rel.starts_with("run") {
                continue;
            }
            let md = std::fs::symlink_metadata(&path).expect("metadata");
            let body = if md.file_type().is_symlink() {
                format!("-> {}", std::fs::read_link(&path).expect("link").display())
            } else if md.is_file() {
                format!("{:?}", std::fs::read(&path).expect("read file"))
            } else {
                String::new()
            };
            if md.is_dir() {
                stack.push(path.clone());
            }
            out.insert(
                rel,
                format!(
                    "{:o} {}:{} {} {}.{} {body}",
                    md.mode(),
                    md.uid(),
                    md.gid(),
                    md.size(),
                    md.mtime(),
                    md.mtime_nsec()
                ),
            );
        }
    }
    out
}

const PLAYBOOK: &str = r#"
    - name: check mode
      hosts: all
      gather_facts: false
      vars:
        base: /root/ck
      tasks:
        - name: a directory
          file:
            path: "{{ base }}/d"
            state: directory
        - name: a file
          copy:
            content: "x\n"
            dest: "{{ base }}/d/f"
          notify: after copy
        - name: a template
          template:
            src: t.j2
            dest: "{{ base }}/t.conf"
        - name: a line
          lineinfile:
            path: /etc/hostname
            line: checked-line
        - name: a block
          blockinfile:
            path: /etc/hostname
            block: b
        - name: a replace
          replace:
            path: /etc/hostname
            regexp: '(.+)'
            replace: '\1-x'
        - name: touch an existing file
          file:
            path: /etc/hostname
            state: touch
        - name: a service
          service:
            name: ssh
            enabled: false
        - name: a command
          command: touch {{ base }}/cmd
        - name: a shell
          shell: echo hi > {{ base }}/sh
        - name: a command that creates nothing new
          command: touch /etc/hostname
          args:
            creates: /etc/hostname
        - name: check mode flag
          debug:
            var: ansible_check_mode
      handlers:
        - name: after copy
          command: touch {{ base }}/handled
"#;

#[test]
fn check_mode_changes_nothing_on_any_host_and_counts_like_ansible() {
    let fleet = Fleet::builder().hosts(2, Os::Debian).start();
    let warm = Scenario::new(
        &fleet,
        "
        - hosts: all
          gather_facts: false
          tasks:
            - ping:
        ",
    );
    // A first connection settles what logging in itself writes.
    let (summary, out) = warm.run(&fleet, |_| {});
    assert_eq!(summary.exit_code, 0, "{out}");
    let before: Vec<_> = fleet.hosts().iter().map(|h| snapshot(&h.upper())).collect();

    let sc = Scenario::new(&fleet, PLAYBOOK);
    sc.file("t.j2", "v={{ inventory_hostname }}\n");
    let (summary, out) = sc.run(&fleet, |o| o.mode = RunMode::Check);
    assert_eq!(summary.exit_code, 0, "{out}");

    for (h, before) in fleet.hosts().iter().zip(&before) {
        let after = snapshot(&h.upper());
        let changed: Vec<_> = after
            .iter()
            .filter(|(k, v)| before.get(*k) != Some(*v))
            .map(|(k, _)| k.as_str())
            .chain(
                before
                    .keys()
                    .filter(|k| !after.contains_key(*k))
                    .map(String::as_str),
            )
            .collect();
        assert!(
            changed.is_empty(),
            "{}: check mode changed {changed:?}\n{out}",
            h.name()
        );
        // ansible-playbook 2.19.14 --check on this playbook (localhost,
        // base in a temp dir, `-c local`) printed: ok=10 changed=8
        // skipped=3 (command, shell and the notified command handler).
        assert_eq!(
            recap_line(&out, h.name()),
            format!(
                "{:<26} : ok=10   changed=8    unreachable=0    failed=0    skipped=3    rescued=0    ignored=0   ",
                h.name()
            ),
            "{out}"
        );
    }
    assert!(out.contains("\"ansible_check_mode\": true"), "{out}");
    assert!(out.contains("RUNNING HANDLER [after copy]"), "{out}");

    // The snapshot does see a real change: the same playbook applied.
    let (summary, out) = sc.run(&fleet, |_| {});
    assert_eq!(summary.exit_code, 0, "{out}");
    for (h, before) in fleet.hosts().iter().zip(&before) {
        let after = snapshot(&h.upper());
        assert!(after.contains_key("root/ck/d/f") && after.contains_key("root/ck/handled"));
        assert_ne!(before.get("etc/hostname"), after.get("etc/hostname"));
    }
}
