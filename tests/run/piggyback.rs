//! Apply batching (the next task's probes riding on the apply before it,
//! on a host that is changing) on real hosts: the output at `-v` and the
//! JSON events are the same byte for byte with it on and off, a cold run
//! takes fewer round trips with it, and a failure in the middle stops the
//! host exactly there (later tasks leave nothing on the host), unless
//! `ignore_errors` says go on.

use super::Captured;
use crate::harness::{Fleet, Os, TestHost};
use engine::job::PlaybookJob;
use engine::report::{AnsiblePrinter, Fanout, JsonLines};
use engine::run::RunOptions;
use std::path::Path;

/// Provisioning-shaped: directories, files, a loop, a template-free copy
/// of several files, lines, a registered read and a condition on it, a
/// handler, and a failing task where `FAIL` says (its `ignore_errors` as
/// `IGNORE` says).
const PLAYBOOK: &str = r#"
- hosts: all
  gather_facts: false
  handlers:
    - name: reload
      copy: {dest: /etc/pig/reloaded, content: "yes\n"}
  tasks:
    - name: directories
      file: {path: "/etc/pig/{{ item }}", state: directory, mode: "0755"}
      loop: [a, b, c]
    - name: files
      copy: {dest: "/etc/pig/{{ item }}/conf", content: "{{ item }}=1\n", mode: "0644"}
      loop: [a, b, c]
      notify: reload
    - name: a line
      lineinfile: {path: /etc/pig/lines, line: "x=1", create: true}
    - name: read it
      command: cat /etc/pig/lines
      register: lines
      changed_when: false
    - name: only when read
      copy: {dest: /etc/pig/seen, content: "{{ lines.stdout }}\n"}
      when: "'x=1' in lines.stdout"
    - name: maybe fail
      copy: {dest: /etc/pig/a/conf/below, content: "cannot\n"}
      when: FAIL
      ignore_errors: IGNORE
    - name: after
      copy: {dest: /etc/pig/after, content: "after\n"}
    - name: after, a loop
      file: {path: "/etc/pig/after-{{ item }}", state: touch}
      loop: [1, 2]
"#;

/// The playbook with its switches set.
fn playbook(fail: bool, ignore: bool) -> String {
    PLAYBOOK
        .replace("when: FAIL", &format!("when: {fail}"))
        .replace("ignore_errors: IGNORE", &format!("ignore_errors: {ignore}"))
}

/// Times, ids, sequence numbers and temporary file names (a nonce) are
/// the only things two runs may not share; commands and connection
/// traces are how the run travelled (to another address), which is what
/// differs.
pub(super) fn normalise(text: &str) -> String {
    let re = regex::Regex::new(
        r#""(delta|start|end|time|id)": ?"[^"]*"|"(seq|duration)": ?[0-9.e-]+|\.konvoy-tmp\.[0-9a-f.-]+"#,
    )
    .expect("valid regex");
    let travel = regex::Regex::new(r#""event": ?"(command|ssh)""#).expect("valid regex");
    text.lines()
        .filter(|l| !travel.is_match(l))
        .map(|l| re.replace_all(l, "T").into_owned() + "\n")
        .collect()
}

/// One run on the host of `inventory` (named `target`): the `-v` output,
/// the JSON events, the round trips and the exit code.
pub(super) fn run(
    dir: &Path,
    inventory: &Path,
    batching: bool,
    connect: &RunOptions,
) -> (String, String, u64, i32) {
    let out = Captured::default();
    let json = Captured::default();
    let mut options = connect.clone();
    options.apply_batching = batching;
    let job = PlaybookJob {
        inventory: vec![inventory.display().to_string()],
        playbook: dir.join("site.yml"),
        extra_vars: Vec::new(),
        options,
    };
    let summary = job
        .run(
            &Fanout::new()
                .with(AnsiblePrinter::new(out.clone(), 1))
                .with(JsonLines::new(json.clone())),
        )
        .expect("run starts");
    (
        normalise(&out.text()),
        normalise(&json.text()),
        summary.commands.values().sum(),
        summary.exit_code,
    )
}

/// Runs the playbook cold on two fresh hosts, batching off on the first
/// and on on the second, then again on what each left; asserts the
/// outputs match and returns the hosts, the last output, and the cold
/// round trips (off, on).
fn both_ways(fleet: &Fleet, fail: bool, ignore: bool) -> (Vec<&TestHost>, String, [u64; 2]) {
    let c = compared(fleet, &playbook(fail, ignore));
    (fleet.hosts().iter().collect(), c.last, c.cold)
}

/// What [`compared`] saw: the cold and the second run's output (batching
/// on; the same off), and the cold round trips (off, on).
pub(super) struct Compared {
    pub first: String,
    pub last: String,
    pub cold: [u64; 2],
}

/// Runs `playbook` cold with apply batching off on the first host and on
/// on the second, then again on what each left; asserts each round's
/// outputs, JSON events and exit codes match.
pub(super) fn compared(fleet: &Fleet, playbook: &str) -> Compared {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("site.yml"), super::unindent(playbook)).expect("write playbook");
    let opts = RunOptions {
        connect: fleet.connect_options(),
        ..RunOptions::default()
    };
    let inventories = super::target_inventories(fleet, dir.path());
    let mut c = Compared {
        first: String::new(),
        last: String::new(),
        cold: [0; 2],
    };
    for round in ["cold", "again"] {
        let off = run(dir.path(), &inventories[0], false, &opts);
        let on = run(dir.path(), &inventories[1], true, &opts);
        assert!(
            off.0 == on.0,
            "{round}: output differs\n--- off\n{}\n--- on\n{}",
            off.0,
            on.0
        );
        assert!(
            off.1 == on.1,
            "{round}: JSON events differ\n--- off\n{}\n--- on\n{}",
            off.1,
            on.1
        );
        assert_eq!(off.3, on.3, "{round}: exit codes");
        if round == "cold" {
            c.cold = [off.2, on.2];
            c.first = on.0.clone();
        }
        c.last = on.0;
    }
    c
}

#[test]
fn a_cold_run_prints_the_same_with_apply_batching_on_and_off_in_fewer_round_trips() {
    let fleet = Fleet::builder().hosts(2, Os::Centos8).start();
    let (hosts, out, cold) = both_ways(&fleet, false, false);
    assert!(
        out.contains("failed=0") && out.contains("skipped=1"),
        "{out}"
    );
    for h in hosts {
        assert_eq!(
            h.sh("cat /etc/pig/b/conf /etc/pig/seen /etc/pig/reloaded"),
            "b=1\nx=1\nyes\n"
        );
        assert!(h.root().join("etc/pig/after-2").exists());
    }
    assert!(cold[1] < cold[0], "cold round trips off/on: {cold:?}");
    eprintln!("cold round trips without/with apply batching: {cold:?}");
}

#[test]
fn a_failure_in_the_middle_stops_the_host_there_with_apply_batching() {
    let fleet = Fleet::builder().hosts(2, Os::Centos8).start();
    let (hosts, out, _) = both_ways(&fleet, true, false);
    assert!(out.contains("failed=1"), "{out}");
    for h in hosts {
        // What came before ran (the handler too: not forced, so not),
        // what came after did not.
        assert_eq!(h.sh("cat /etc/pig/seen"), "x=1\n");
        for later in ["etc/pig/after", "etc/pig/after-1", "etc/pig/reloaded"] {
            assert!(
                !h.root().join(later).exists(),
                "{later} exists on {}",
                h.name()
            );
        }
    }
}

#[test]
fn ignore_errors_goes_on_after_a_failure_with_apply_batching() {
    let fleet = Fleet::builder().hosts(2, Os::Centos8).start();
    let (hosts, out, _) = both_ways(&fleet, true, true);
    assert!(
        out.contains("ignored=1") && out.contains("failed=0"),
        "{out}"
    );
    for h in hosts {
        assert_eq!(h.sh("cat /etc/pig/after /etc/pig/reloaded"), "after\nyes\n");
        assert!(h.root().join("etc/pig/after-2").exists());
    }
}
