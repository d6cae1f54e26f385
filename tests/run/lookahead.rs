//! The lookahead of probe batching on real hosts: a converged play of
//! roles, static imports, blocks, loops, registered results read by later
//! conditions, `set_fact`, handler flushes and read-only commands is read
//! in two round trips (facts with the probes that need none, then one
//! batch); a change in the middle of the play makes the tasks after it
//! read the host again (a read-only
//! command read ahead is run anew); and every run prints exactly what the
//! same run without batching prints, on a twin host.

use super::Scenario;
use crate::harness::{Fleet, Os};
use engine::modules::RunMode;

const PLAYBOOK: &str = r#"
- hosts: all
  gather_facts: true
  vars:
    files: [a, b, c]
  pre_tasks:
    - name: read the marker before
      command: cat /root/la/marker
      register: before
      changed_when: false
      check_mode: false
      failed_when: false
  roles:
    - la
  tasks:
    - name: a file named by a fact
      copy: {dest: "/root/la/os-{{ ansible_os_family }}", content: "x\n", mode: "0644"}
    - name: write the marker
      copy: {dest: /root/la/marker, content: "{{ marker }}\n", mode: "0644"}
      notify: marker changed
    - meta: flush_handlers
    - name: read the marker after
      command: cat /root/la/marker
      register: after
      changed_when: false
      check_mode: false
    - debug:
        msg: "before={{ before.stdout }} after={{ after.stdout }}"
    - block:
        - name: render
          template: {src: t.j2, dest: /root/la/t.conf, mode: "0600"}
      always:
        - stat: {path: /root/la/t.conf}
          register: t_stat
        - debug: {msg: "t.conf mode {{ t_stat.stat.mode }}"}
  handlers:
    - name: marker changed
      command: "true"
"#;

const ROLE: &str = r#"
- file: {path: /root/la, state: directory, mode: "0755"}
- copy: {dest: "/root/la/{{ item }}", content: "{{ item }}\n", mode: "0644"}
  loop: "{{ files }}"
- import_tasks: more.yml
"#;

const MORE: &str = r#"
- stat: {path: /root/la/a}
  register: a_stat
- lineinfile: {path: /root/la/lines, line: "a exists", create: true, mode: "0644"}
  when: a_stat.stat.exists
- find: {paths: /root/la, patterns: "?"}
  register: found
- set_fact: {count: "{{ found.matched }}"}
- copy: {dest: /root/la/count, content: "{{ count }}\n", mode: "0644"}
"#;

#[test]
fn a_converged_play_is_read_ahead_and_a_change_is_seen() {
    let fleet = Fleet::builder().hosts(2, Os::Centos8).start();
    let (off_host, on_host) = (&fleet.hosts()[0], &fleet.hosts()[1]);
    let sc = Scenario::new(&fleet, PLAYBOOK);
    sc.file("roles/la/tasks/main.yml", ROLE)
        .file("roles/la/tasks/more.yml", MORE)
        .file("templates/t.j2", "marker is {{ marker }}\n");
    // Each run twice, without batching on one host and with it on the
    // other; the outputs differ only by the host's name.
    let twin = |marker: &str, check: bool| {
        let tweak = |batching: bool, host: &str| {
            let marker = marker.to_owned();
            let host = host.to_owned();
            move |o: &mut engine::run::RunOptions| {
                o.probe_batching = batching;
                o.limit = Some(host);
                o.extra_vars
                    .insert("marker".into(), engine::value::Value::Str(marker));
                if check {
                    o.mode = RunMode::Check;
                }
            }
        };
        let (off, off_out) = sc.run(&fleet, tweak(false, off_host.name()));
        let (on, on_out) = sc.run(&fleet, tweak(true, on_host.name()));
        let same = |s: &str, name: &str| {
            s.replace(name, "HOST")
                .lines()
                .filter(|l| !l.starts_with("PLAY RECAP"))
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert_eq!(
            same(&off_out, off_host.name()),
            same(&on_out, on_host.name()),
            "marker={marker} check={check}: batching changed the output"
        );
        assert_eq!(off.exit_code, 0, "{off_out}");
        eprintln!(
            "marker={marker} check={check}: round trips without/with batching {}/{}",
            off.commands[off_host.name()],
            on.commands[on_host.name()]
        );
        (
            on.commands[on_host.name()],
            off.commands[off_host.name()],
            on_out,
        )
    };

    let (_, _, cold) = twin("one", false);
    assert!(cold.contains("before= after=one"), "{cold}");

    // Converged: facts (with the probes that need none), then one batch
    // (the copy whose content reads a `set_fact` of a result not read yet
    // still declares its probe).
    let (on, off, out) = twin("one", false);
    assert!(out.contains("changed=0"), "{out}");
    assert!(out.contains("before=one after=one"), "{out}");
    assert!(
        on <= 2,
        "{on} round trips with batching (without: {off})\n{out}"
    );
    assert!(off >= 15, "without batching every task probes: {off}");

    // A change in the middle: the read-only command read ahead before it
    // is run again after it, and the handler runs.
    let (_, _, out) = twin("two", false);
    assert!(out.contains("before=one after=two"), "{out}");
    assert!(out.contains("RUNNING HANDLER [marker changed]"), "{out}");
    assert_eq!(
        on_host.sh("cat /root/la/marker").trim(),
        "two",
        "the change reached the host"
    );

    // Check mode on a converged host: the same again, nothing changed.
    let (on, _, out) = twin("three", true);
    assert!(out.contains("before=two after=two"), "{out}");
    assert!(on <= 2, "{on} round trips in check mode\n{out}");
    assert_eq!(on_host.sh("cat /root/la/marker").trim(), "two");
}
