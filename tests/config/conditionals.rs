//! `allow_broken_conditionals`: ansible-core 2.19 fails a task whose
//! conditional gives a non-boolean result (content written for earlier
//! releases, such as konvoy-image-builder v1.5.0's `when: packer_builder_type
//! and packer_builder_type != ""`, relies on its truth value); with the
//! setting on, the value counts by its truth, and the run is the same as
//! ansible-playbook 2.19.14's (output, exit code; Ansible also prints a
//! deprecation warning, konvoy-image prints none: docs/settings.md).

use super::hosts::run;

const INVENTORY: &str = "node1 ansible_connection=local\n";

const PLAY: &str = r#"- hosts: all
  gather_facts: false
  vars:
    empty: ""
    word: "x"
  tasks:
    - debug: msg="empty string is false"
      when: empty and empty != ""
    - debug: msg="a word is true"
      when: word
    - debug: msg="zero is false"
      when: "0"
    - command: "true"
      register: r
      changed_when: r.stdout
      failed_when: r.rc
    - debug: msg="changed {{ r.changed }}, failed {{ r.failed }}"
"#;

#[test]
fn non_boolean_conditionals_fail_by_default_and_count_by_truth_when_allowed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    std::fs::write(d.join("inv.ini"), INVENTORY).expect("write");
    std::fs::write(d.join("site.yml"), PLAY).expect("write");
    let args = ["-i", "inv.ini", "site.yml"];
    for setting in [
        ("ANSIBLE_ALLOW_BROKEN_CONDITIONALS", "true"),
        ("ANSIBLE_ALLOW_BROKEN_CONDITIONALS", "1"),
    ] {
        let (out, _, rc) = run(
            d,
            env!("CARGO_BIN_EXE_konvoy-image"),
            &["playbook", "--no-run-log"],
            &args,
            &[setting],
        );
        let (theirs, _, their_rc) = run(d, "ansible-playbook", &[], &args, &[setting]);
        assert_eq!((&out, rc), (&theirs, their_rc), "{setting:?}");
        assert_eq!(rc, Some(0), "{out}");
        assert!(out.contains("a word is true"), "{out}");
        assert!(!out.contains("empty string is false\""), "{out}");
        assert!(out.contains("changed False, failed False"), "{out}");
        assert!(out.contains("ok=3"), "{out}");
    }
    // Ansible's default: the first such task fails the host, on both sides
    // (the messages differ in wording).
    for program in [
        "ansible-playbook".to_owned(),
        env!("CARGO_BIN_EXE_konvoy-image").to_owned(),
    ] {
        let pre: &[&str] = if program == "ansible-playbook" {
            &[]
        } else {
            &["playbook", "--no-run-log"]
        };
        let (out, _, rc) = run(d, &program, pre, &args, &[]);
        assert_eq!(rc, Some(2), "{program}: {out}");
        assert!(out.contains("failed=1"), "{program}: {out}");
        assert!(!out.contains("a word is true"), "{program}: {out}");
    }
}
