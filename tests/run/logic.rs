//! The controller-side actions (`set_fact`, `register`, `debug`,
//! `assert`, `fail`, `include_vars`, `meta`, `pause`) and `script` from a
//! role, run by the real executor against real hosts: their effect is read
//! from files the hosts' commands write. Output text is compared with
//! ansible-playbook 2.19.14 in `tests/golden/run/logic` and `commands`.

use super::{recap_line, Scenario};
use crate::harness::{Fleet, Os};
use engine::value::Value;
use std::time::{Duration, Instant};

fn read(fleet: &Fleet, host: usize, path: &str) -> Option<String> {
    std::fs::read_to_string(
        fleet.hosts()[host]
            .root()
            .join(path.trim_start_matches('/')),
    )
    .ok()
}

#[test]
fn logic_actions_steer_real_hosts() {
    let fleet = Fleet::builder().hosts(2, Os::Debian).start();
    let (first, second) = (fleet.hosts()[0].name(), fleet.hosts()[1].name());
    let sc = Scenario::new(
        &fleet,
        &format!(
            r#"
            - name: logic
              hosts: all
              gather_facts: false
              vars:
                colour: red
              handlers:
                - name: stamp
                  shell: echo handled >> /root/handled
              tasks:
                - set_fact:
                    colour: blue
                    pinned: lost
                - include_vars: vars.yml
                - include_vars: empty.yml
                - include_vars:
                    file: vars.yml
                    name: loaded
                - name: write what the vars are
                  command:
                    argv: [sh, -c, 'printf "%s|%s|%s|%s" "$1" "$2" "$3" "$4" > /root/vars', sh,
                           "{{{{ colour }}}}", "{{{{ pinned }}}}", "{{{{ fruit }}}}", "{{{{ loaded.fruit }}}}"]
                  register: wrote
                - assert:
                    that:
                      - wrote.rc == 0
                      - wrote.cmd | length == 8
                      - wrote is changed
                    fail_msg: register lost the result
                - debug:
                    var: wrote.rc
                - name: notify
                  command: "true"
                  notify: stamp
                - meta: flush_handlers
                - name: the handler already ran
                  shell: test -e /root/handled && touch /root/after_flush
                - pause:
                    seconds: 1
                - meta: end_host
                  when: inventory_hostname == "{first}"
                - name: only the other host gets here
                  command: touch /root/after_end
            - name: next play
              hosts: all
              gather_facts: false
              tasks:
                - command: touch /root/next_play
                - assert:
                    that: inventory_hostname == "{first}"
                    fail_msg: "not {{{{ inventory_hostname }}}}"
                - name: never after a failure
                  command: touch /root/after_fail
            "#
        ),
    );
    sc.file("vars.yml", "fruit: apple\n");
    sc.file("empty.yml", "");
    let started = Instant::now();
    let (summary, out) = sc.run(&fleet, |o| {
        o.extra_vars.insert("pinned".into(), Value::from("extra"));
    });
    assert!(started.elapsed() >= Duration::from_secs(1), "pause paused");
    assert_eq!(summary.exit_code, 2, "{out}");
    for i in 0..2 {
        // set_fact beats play vars; an extra var beats set_fact.
        assert_eq!(
            read(&fleet, i, "/root/vars").as_deref(),
            Some("blue|extra|apple|apple"),
            "{out}"
        );
        // The handler ran once, at the flush, before the next task.
        assert_eq!(
            read(&fleet, i, "/root/handled").as_deref(),
            Some("handled\n")
        );
        assert!(read(&fleet, i, "/root/after_flush").is_some(), "{out}");
        assert!(
            read(&fleet, i, "/root/next_play").is_some(),
            "end_host ends the play only"
        );
    }
    assert!(
        read(&fleet, 0, "/root/after_end").is_none(),
        "end_host ended {first}"
    );
    assert!(read(&fleet, 1, "/root/after_end").is_some());
    assert!(read(&fleet, 0, "/root/after_fail").is_some());
    assert!(
        read(&fleet, 1, "/root/after_fail").is_none(),
        "assert failed {second}"
    );
    assert!(out.contains(&format!("\"msg\": \"not {second}\"")), "{out}");
    assert!(out.contains("    \"wrote.rc\": 0\n"), "{out}");
    // As ansible-playbook 2.19.14 prints it: a meta banner per host (two
    // for the flush, two for end_host), and `pause` once for the batch.
    assert_eq!(out.matches("\nTASK [meta] ****").count(), 4, "{out}");
    assert_eq!(out.matches("Pausing for 1 seconds\n").count(), 1, "{out}");
    // Counted as ansible-playbook 2.19.14 counts the same playbook (run by
    // hand on two `ansible_connection=local` hosts, `/root/` replaced by a
    // per-host temp dir, `-e pinned=extra`): a meta counts nothing, run or
    // skipped; `pause` counts only on the first host.
    assert_eq!(
        recap_line(&out, first),
        format!("{first:<26} : ok=14   changed=6    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0   "),
        "{out}"
    );
    assert_eq!(
        recap_line(&out, second),
        format!("{second:<26} : ok=12   changed=6    unreachable=0    failed=1    skipped=0    rescued=0    ignored=0   "),
        "{out}"
    );
}

#[test]
fn script_from_a_role_runs_once_and_then_costs_one_command() {
    let fleet = Fleet::builder().host(Os::Debian).start();
    let sc = Scenario::new(
        &fleet,
        r#"
        - hosts: all
          gather_facts: false
          roles:
            - tool
        "#,
    );
    sc.file(
        "roles/tool/tasks/main.yml",
        r#"
        - script: "install.sh '{{ arg }}' --now"
          args:
            creates: /root/installed
          vars:
            arg: "$(touch /root/pwned) `touch /root/pwned2` *"
        "#,
    );
    sc.file(
        "roles/tool/files/install.sh",
        "#!/bin/sh\nprintf '%s\\n' \"$@\" > /root/installed\n",
    );
    let host = fleet.hosts()[0].name();
    let (summary, out) = sc.run(&fleet, |_| {});
    assert_eq!(summary.exit_code, 0, "{out}");
    assert_eq!(
        read(&fleet, 0, "/root/installed").as_deref(),
        Some("$(touch /root/pwned) `touch /root/pwned2` *\n--now\n")
    );
    assert!(read(&fleet, 0, "/root/pwned").is_none() && read(&fleet, 0, "/root/pwned2").is_none());
    assert!(out.contains(&format!("changed: [{host}]")), "{out}");
    let ran = summary.commands[host];
    let (summary, out) = sc.run(&fleet, |_| {});
    assert!(out.contains(&format!("skipping: [{host}]")), "{out}");
    let skipped = summary.commands[host];
    // Round trips for the whole run: the creates probe, the upload and
    // the run; once converged, the probe alone.
    assert_eq!((ran, skipped), (3, 1));
}
