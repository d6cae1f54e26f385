//! `delegate_facts`, compared with ansible-playbook 2.19.14 on twin hosts:
//! under `delegate_to: X` the facts a task returns (`set_fact`, a host
//! module's `ansible_facts`, `include_vars`) belong to X when `delegate_facts` is true,
//! to the task's host otherwise; `register` always stays on the task's
//! host. What each host ends up with is read three ways: by the host
//! itself in the same play, through `hostvars` from the other host, and
//! by the delegate in a later play. Also: `delegate_facts` inherited from
//! a block, and facts given to the implicit `localhost`. (When two hosts
//! give one host the same fact in one task, ansible-playbook keeps the
//! result it processed last, which depends on timing: measured both ways.
//! This engine keeps the last in host order, see `run/walk.rs`.)

use super::twin::{Tool, Twin};

/// Each fact as `name=value` (`unset` when the host lacks it), for the
/// host the expression runs on (`prefix` empty) or for `hostvars[...]`.
fn facts(prefix: &str) -> String {
    ["color", "shape", "size", "weight", "tag", "flavour"]
        .iter()
        .map(|f| format!("{f}={{{{ {prefix}{f} | default('unset') }}}}"))
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn delegate_facts_give_the_facts_to_the_delegate() {
    let twin = Twin::start(2);
    let playbook = format!(
        "
        - hosts: target
          gather_facts: false
          vars:
            flag: true
          tasks:
            - set_fact:
                color: blue
              delegate_to: other
              delegate_facts: true
            - set_fact:
                shape: round
              delegate_to: other
            - set_fact:
                weight: heavy
              delegate_to: other
              delegate_facts: \"{{{{ not flag }}}}\"
            - set_fact:
                size: big
              delegate_facts: true
            - set_fact:
                tag: \"{{{{ item }}}}-tag\"
              loop: [target, other]
              delegate_to: \"{{{{ item }}}}\"
              delegate_facts: \"{{{{ flag }}}}\"
              register: tagged
            - getent:
                database: passwd
                key: daemon
              delegate_to: other
              delegate_facts: true
            - getent:
                database: group
                key: daemon
              delegate_to: other
            - include_vars: flavour.yml
              delegate_to: other
              delegate_facts: true
            - include_vars:
                file: flavour.yml
                name: own
            - debug:
                msg: \"own include_vars through hostvars: {{{{ hostvars['target'].own.flavour }}}}\"
            - block:
                - set_fact:
                    inherited: from block
              delegate_to: other
              delegate_facts: true
            - set_fact:
                local_mark: here
              delegate_to: localhost
              delegate_facts: true
            - debug:
                msg: \"block: other={{{{ hostvars['other'].inherited | default('unset') }}}} target={{{{ inherited | default('unset') }}}}; implicit localhost={{{{ hostvars['localhost'].local_mark | default('unset') }}}} target={{{{ local_mark | default('unset') }}}}\"
            - debug:
                msg: \"target: {own}\"
            - debug:
                msg: \"target sees other: {theirs}\"
            - debug:
                msg: \"registered on target: {{{{ tagged.results | map(attribute='item') | join(',') }}}}; on other: {{{{ hostvars['other'].tagged is defined }}}}\"
            - debug:
                msg: \"getent: target passwd={{{{ getent_passwd is defined }}}} group={{{{ getent_group.daemon[1] | default('unset') }}}}; other passwd={{{{ hostvars['other'].getent_passwd.daemon[1] | default('unset') }}}} group={{{{ hostvars['other'].getent_group is defined }}}}\"
        - hosts: other
          gather_facts: false
          tasks:
            - debug:
                msg: \"other: {own}\"
            - debug:
                msg: \"other registered: {{{{ tagged is defined }}}}\"
            - debug:
                msg: \"other getent: passwd={{{{ getent_passwd.daemon[1] | default('unset') }}}} ns={{{{ ansible_facts.getent_passwd is defined }}}}\"
        ",
        own = facts(""),
        theirs = facts("hostvars['other']."),
    );
    let pair = twin
        .playbook(&playbook)
        .file("flavour.yml", "flavour: mint\n")
        .run();
    pair.assert_same()
        .assert_msg("target: color=unset shape=round size=big weight=heavy tag=target-tag flavour=unset")
        .assert_msg(
            "target sees other: color=blue shape=unset size=unset weight=unset tag=other-tag flavour=mint",
        )
        .assert_msg("own include_vars through hostvars: mint")
        .assert_msg("registered on target: target,other; on other: False")
        .assert_msg("getent: target passwd=False group=1; other passwd=1 group=False")
        .assert_msg("other: color=blue shape=unset size=unset weight=unset tag=other-tag flavour=mint")
        .assert_msg("block: other=from block target=unset; implicit localhost=here target=unset")
        .assert_msg("other registered: False")
        .assert_msg("other getent: passwd=1 ns=True");
    pair.assert_recap(
        "other",
        "ok=3 changed=0 unreachable=0 failed=0 skipped=0 rescued=0 ignored=0",
    );
}

#[test]
fn a_delegate_facts_that_is_not_a_boolean_fails_the_task_as_ansible_does() {
    let twin = Twin::start(2);
    let pair = twin
        .tasks(
            "
            - set_fact:
                x: 1
              delegate_to: other
              delegate_facts: \"{{ 'maybe' }}\"
              ignore_errors: true
              register: r
            - debug:
                msg: \"{{ r.msg }} x={{ x | default('unset') }} other={{ hostvars['other'].x | default('unset') }}\"
            ",
        )
        .run();
    pair.assert_same().assert_msg(
        "Task failed: Error processing keyword 'delegate_facts': The value 'maybe' could not be converted to 'bool'. x=unset other=unset",
    );
}

/// The result lines (`ok: [...]`, `skipping: [...]`, …) of one side, with
/// that side's host addresses written as `target`/`other`'s placeholders.
fn result_lines(twin: &Twin, tool: Tool, side: &super::twin::Side) -> Vec<String> {
    let mut out = side.out.clone();
    for (i, name) in ["TARGET", "OTHER"].iter().enumerate() {
        out = out.replace(&twin.host(tool, i).address().to_string(), name);
    }
    let words = [
        "ok: [",
        "changed: [",
        "skipping: [",
        "failed: [",
        "fatal: [",
    ];
    out.lines()
        .filter(|l| words.iter().any(|w| l.starts_with(w)))
        .map(str::to_owned)
        .collect()
}

/// A delegated result is labelled `[host -> delegate(address)]` as
/// ansible-core's callback labels it: per loop item, with no label when a
/// host delegates to itself or the result is skipped; the same lines on
/// both sides at `-v`, skipped results with the dump Ansible gives them
/// (a loop whose items were all skipped ends with its own line).
#[test]
fn delegated_results_name_their_delegate_as_ansible_does() {
    let twin = Twin::start(2);
    let pair = twin
        .tasks(
            "
            - command: 'true'
              delegate_to: other
              changed_when: false
            - command: 'true'
              delegate_to: target
              changed_when: false
            - command: 'true'
              delegate_to: other
              when: false
            - command: 'echo {{ item }}'
              delegate_to: '{{ item }}'
              loop: [target, other]
              changed_when: item == 'other'
            - command: 'echo {{ item }}'
              delegate_to: '{{ item }}'
              loop: [target, other]
              when: item == 'target'
              changed_when: false
            - command: 'echo {{ item }}'
              delegate_to: other
              loop: [target, other]
              when: item == 'nobody'
              register: none_ran
            - debug:
                msg: \"{{ none_ran.msg }} skipped={{ none_ran.skipped }}\"
            - command: 'true'
              delegate_to: other
              loop: []
            - command: 'false'
              delegate_to: other
              ignore_errors: true
            - command: '{{ item }}'
              delegate_to: other
              loop: ['true', 'false']
              ignore_errors: true
              changed_when: false
            ",
        )
        .args(&["-v"])
        .run();
    pair.assert_same();
    let ours = result_lines(&twin, Tool::Ours, &pair.ours);
    let theirs = result_lines(&twin, Tool::Ansible, &pair.ansible);
    let labels = |lines: &[String]| -> Vec<String> {
        lines
            .iter()
            .map(|l| {
                l.split_once(']')
                    .map_or(l.clone(), |(head, _)| head.to_owned())
            })
            .collect()
    };
    assert_eq!(
        labels(&ours),
        labels(&theirs),
        "result labels differ\n--- ours\n{}\n--- ansible-playbook\n{}",
        pair.ours.out,
        pair.ansible.out
    );
    // Skipped results carry no timings: the whole line is compared.
    let skipped = |lines: &[String]| -> Vec<String> {
        lines
            .iter()
            .filter(|l| l.starts_with("skipping: "))
            .cloned()
            .collect()
    };
    assert_eq!(skipped(&ours), skipped(&theirs));
    pair.assert_msg("All items skipped skipped=True");
    assert!(
        theirs
            .iter()
            .any(|l| l.starts_with("ok: [target -> other(OTHER)]")),
        "{theirs:?}"
    );
}
