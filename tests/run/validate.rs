//! `validate:` on copy, lineinfile, blockinfile and replace (template
//! shares copy's path) on a real host: the validator runs on the new
//! file before it replaces the old one; a rejection keeps the old file and
//! fails with Ansible's result. The expected results were recorded from
//! ansible-core 2.19.14 on the same tasks (`connection: local`, keys of
//! the file's state dropped).

use super::Scenario;
use crate::harness::{Fleet, Os};

const EXPECTED: &str = r#"{"changed": true, "failed": false}
{"exit_status": 3, "stdout": "out\n", "stderr": "err\n", "failed": true, "msg": "failed to validate", "stdout_lines": ["out"], "stderr_lines": ["err"], "changed": false, "exception": "(traceback unavailable)"}
{"failed": true, "msg": "failed to validate: rc:2 error:err\n", "changed": false, "exception": "(traceback unavailable)"}
{"failed": true, "msg": "failed to validate: rc:1 error:", "changed": false, "exception": "(traceback unavailable)"}
{"failed": true, "msg": "failed to validate: rc:1 error:", "changed": false, "exception": "(traceback unavailable)"}
{"failed": true, "msg": "validate must contain %s: true", "changed": false, "exception": "(traceback unavailable)"}
{"changed": true, "msg": "line added", "backup": "", "failed": false}"#;

#[test]
fn validate_runs_before_the_rename_and_fails_as_ansible() {
    let fleet = Fleet::builder().host(Os::Debian).start();
    let sc = Scenario::new(
        &fleet,
        r#"
        - hosts: all
          gather_facts: false
          tasks:
            - copy: {content: "ok\n", dest: /root/c, validate: "grep -q ok %s"}
              register: r1
            - copy: {content: "bad\n", dest: /root/c, validate: "sh -c 'echo out; echo err >&2; exit 3' %s"}
              register: r2
              ignore_errors: true
            - lineinfile: {path: /root/c, line: "bad", validate: "sh -c 'echo err >&2; exit 2' x %s"}
              register: r3
              ignore_errors: true
            - blockinfile: {path: /root/c, block: "bad", validate: "grep -q nope %s"}
              register: r4
              ignore_errors: true
            - replace: {path: /root/c, regexp: ok, replace: "KO", validate: "grep -q ok %s"}
              register: r5
              ignore_errors: true
            - lineinfile: {path: /root/c, line: "bad", validate: "true"}
              register: r6
              ignore_errors: true
            - lineinfile: {path: /root/c, line: "fine", validate: "grep -q fine %s"}
              register: r7
            - copy:
                dest: /root/results
                content: "{{ [r1, r2, r3, r4, r5, r6, r7] | map('dict2items') | map('rejectattr', 'key', 'in', ['invocation','diff','uid','gid','owner','group','mode','size','checksum','md5sum','src','dest','state','backup_file']) | map('items2dict') | list | to_json }}"
        "#,
    );
    let (summary, out) = sc.run(&fleet, |_| {});
    assert_eq!(summary.exit_code, 0, "{out}");
    let root = fleet.hosts()[0].root();
    assert_eq!(
        std::fs::read_to_string(root.join("root/c")).expect("c"),
        "ok\nfine\n"
    );
    let got: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(root.join("root/results")).expect("results"))
            .expect("json");
    let want: Vec<serde_json::Value> = EXPECTED
        .lines()
        .map(|l| serde_json::from_str(l).expect("expected json"))
        .collect();
    assert_eq!(got, want, "{out}");
    // No temp file of a rejected write is left next to the destination.
    let left: Vec<_> = std::fs::read_dir(root.join("root"))
        .expect("ls")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with(".konvoy."))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}
