//! A template that does not parse in a task's arguments, `when`, loop or
//! `template` file, compared with ansible-playbook 2.19.14 on a twin host:
//! only the task a host reaches fails (announced before the run as a
//! warning), so a `when` that skips it, `ignore_errors` and `rescue`
//! behave as for any failure. Ansible's own `lookup_csvfile` target runs
//! such a task under `ignore_errors`. The parsers' explanations differ
//! (Jinja2's and minijinja's), so the failure messages are compared only
//! for naming a syntax error.

use super::twin::Twin;

#[test]
fn a_template_syntax_error_fails_only_the_task_a_host_reaches() {
    let twin = Twin::start(1);
    let pair = twin
        .tasks(
            "
            - name: skipped
              debug:
                msg: '{{ a | }}'
              when: false
            - name: ignored
              set_fact:
                x: \"{{ lookup('csvfile', 'foo', file='p.csv', delimiter=',' col=1) }}\"
              ignore_errors: true
              register: args_r
            - name: bad when
              debug: msg=never
              when: a ==
              ignore_errors: true
              register: when_r
            - name: bad loop
              debug: msg={{ item }}
              loop: '{{ [1 }}'
              ignore_errors: true
              register: loop_r
            - name: bad file
              template:
                src: broken.j2
                dest: /tmp/tplerr-broken
              ignore_errors: true
              register: file_r
            - block:
                - name: in block
                  debug:
                    msg: '{{ a | }}'
              rescue:
                - debug:
                    msg: 'rescued {{ ansible_failed_result is failed }} {{ ansible_failed_task.name }}'
            - debug:
                msg: '{{ [args_r, when_r, loop_r, file_r] | map(attribute=\"failed\") | list }} {{ x is defined }}'
            ",
        )
        .file("broken.j2", "line\n{% if a %}\n{{ a }\n{% endif %}\n")
        .run();
    let plain = |side: &super::twin::Side| -> Vec<String> {
        side.messages()
            .into_iter()
            .filter(|m| !m.to_lowercase().contains("syntax error"))
            .collect()
    };
    assert_eq!(plain(&pair.ours), plain(&pair.ansible), "{pair:?}");
    for side in [&pair.ours, &pair.ansible] {
        let failures = side
            .out
            .lines()
            .filter(|l| l.to_lowercase().contains("syntax error"))
            .filter(|l| l.contains("\"msg\""))
            .count();
        assert_eq!(failures, 5, "{}", side.out);
    }
    pair.assert_same_recap("target")
        .assert_recap(
            "target",
            "ok=6 changed=0 unreachable=0 failed=0 skipped=1 rescued=1 ignored=4",
        )
        .assert_msg("rescued True in block")
        .assert_msg("[True, True, True, True] False");
    assert_eq!(pair.ours.code, pair.ansible.code);
    assert_eq!(pair.ours.banners(), pair.ansible.banners());
    // Announced as warnings at their place (the template file's at its
    // own line and column).
    for place in ["site.yml:10:12", "site.yml:15:13", "broken.j2:3:6"] {
        assert!(
            pair.ours.out.contains(&format!("--> {place}")),
            "{place}: {}",
            pair.ours.out
        );
    }
    assert!(pair.ours.out.contains("warning: template syntax error"));
}
