//! Loop items' applies sent ahead (with the apply of the item before
//! them) on real hosts: the output at `-v`, the JSON events, the exit code
//! and what the host holds are the same with apply batching on and off,
//! the items' commands run on the host in loop order, a cold loop takes
//! a round trip or two instead of one per item, and a failing item in the
//! middle leaves the loop going on (as Ansible's loops do) and the host
//! stopping after the task, exactly as item by item.

use super::piggyback::run;
use crate::harness::{Fleet, Os, TestHost};
use engine::run::RunOptions;

/// Directories (probes, then one apply each), an ordered log written by
/// a shell loop whose `register` only `changed_when` reads, failing at
/// item `FAILAT` (none: 0), and a task after the loops.
const PLAYBOOK: &str = r#"
- hosts: all
  gather_facts: false
  tasks:
    - name: directories
      file: {path: "/etc/ahead/{{ item }}", state: directory, mode: "0755"}
      loop: [a, b, c, d, e, f]
    - name: in order
      shell: "echo {{ item }} >> /etc/ahead/log && test {{ item }} != FAILAT"
      loop: [1, 2, 3, 4, 5, 6]
      register: wrote
      changed_when: "wrote.rc == 0"
    - name: after
      copy: {dest: /etc/ahead/after, content: "after\n"}
"#;

/// Cold, then again on what the first run left, with apply batching off
/// on one host and on on the other: asserts the outputs, events and exit
/// codes match; returns the hosts, the cold output and the cold round
/// trips (off, on).
fn both_ways<'f>(fleet: &'f Fleet, playbook: &str) -> (Vec<&'f TestHost>, String, [u64; 2]) {
    let c = super::piggyback::compared(fleet, playbook);
    (fleet.hosts().iter().collect(), c.first, c.cold)
}

#[test]
fn a_cold_loop_sends_its_items_applies_together_in_loop_order() {
    let fleet = Fleet::builder().hosts(2, Os::Centos8).start();
    let (hosts, out, cold) = both_ways(&fleet, &PLAYBOOK.replace("FAILAT", "0"));
    assert!(
        out.contains("changed=3") && out.contains("failed=0"),
        "{out}"
    );
    for h in hosts {
        // Twice (cold, then again), each time in loop order.
        assert_eq!(
            h.sh("cat /etc/ahead/log"),
            "1\n2\n3\n4\n5\n6\n1\n2\n3\n4\n5\n6\n"
        );
        assert!(h.root().join("etc/ahead/f").is_dir());
        assert_eq!(h.sh("cat /etc/ahead/after"), "after\n");
    }
    // Item by item: 6 probes and 6 applies for the directories, 6 shell
    // applies, a probe and an apply for the copy. Sent ahead: the first
    // directory's probe, its apply (carrying the others' probes), the
    // second's apply carrying the other four; one command for the whole
    // shell loop; the copy's probe and apply.
    assert_eq!(cold[0], 20, "cold round trips off/on: {cold:?}");
    assert!(cold[1] <= 6, "cold round trips off/on: {cold:?}");
    eprintln!("cold round trips without/with apply batching: {cold:?}");
}

#[test]
fn a_failing_item_in_the_middle_ends_as_item_by_item() {
    let fleet = Fleet::builder().hosts(2, Os::Centos8).start();
    let (hosts, out, _) = both_ways(&fleet, &PLAYBOOK.replace("FAILAT", "3"));
    assert!(out.contains("failed=1"), "{out}");
    for h in hosts {
        // The loop went on past item 3 (Ansible runs every item), the
        // host stopped after the task: the copy never ran.
        assert_eq!(
            h.sh("cat /etc/ahead/log"),
            "1\n2\n3\n4\n5\n6\n1\n2\n3\n4\n5\n6\n"
        );
        assert!(
            !h.root().join("etc/ahead/after").exists(),
            "after exists on {}",
            h.name()
        );
    }
}

/// The third item's apply is decided from what the host answered before
/// the second item created its directory: on the host its probe now
/// answers otherwise, so it does not run ahead; the item decides again
/// when its turn comes and finds nothing to do, as item by item.
#[test]
fn an_item_whose_answer_the_item_before_changed_is_decided_again() {
    let fleet = Fleet::builder().hosts(2, Os::Centos8).start();
    let playbook = r#"
- hosts: all
  gather_facts: false
  tasks:
    - name: directories, one twice
      file: {path: "/etc/guard/{{ item }}", state: directory, mode: "0755"}
      loop: [z, x, x]
"#;
    let (hosts, out, cold) = both_ways(&fleet, playbook);
    assert!(
        out.contains("changed: [target] => (item=x)") && out.contains("ok: [target] => (item=x)"),
        "{out}"
    );
    for h in hosts {
        assert!(h.root().join("etc/guard/x").is_dir());
    }
    eprintln!("cold round trips without/with apply batching: {cold:?}");
}

/// A shell message naming a line of the command (`sh: 3: ...: not
/// found`) reads the same whether the command was sent alone, after its
/// environment's `export`s, or answered from a batch of probes or sent
/// ahead in a loop: batched scripts start as far down as they would alone.
#[test]
fn a_shell_message_names_the_same_line_batched_or_sent_alone() {
    let fleet = Fleet::builder().hosts(2, Os::Centos8).start();
    let dir = tempfile::tempdir().expect("temp dir");
    let playbook = r#"
- hosts: all
  gather_facts: false
  environment: {KONVOY_A: "1", KONVOY_B: "two\nlines"}
  tasks:
    - name: a read that fails in the shell
      command: /nonexistent/read --version
      register: r
      changed_when: false
      failed_when: false
      check_mode: false
    - name: a loop that fails in the shell
      shell: "/nonexistent/{{ item }}"
      loop: [a, b, c]
      failed_when: false
"#;
    std::fs::write(dir.path().join("site.yml"), super::unindent(playbook)).expect("write");
    let alone = RunOptions {
        connect: fleet.connect_options(),
        probe_batching: false,
        ..RunOptions::default()
    };
    let batched = RunOptions {
        connect: fleet.connect_options(),
        ..RunOptions::default()
    };
    let inventories = super::target_inventories(&fleet, dir.path());
    let off = run(dir.path(), &inventories[0], false, &alone);
    let on = run(dir.path(), &inventories[1], true, &batched);
    assert!(
        off.0 == on.0,
        "output differs\n--- alone\n{}\n--- batched\n{}",
        off.0,
        on.0
    );
    assert!(
        off.0.contains("not found") || off.0.contains("No such file"),
        "{}",
        off.0
    );
    assert!(
        on.2 < off.2,
        "round trips alone/batched: {} {}",
        off.2,
        on.2
    );
}
