//! `ansible_local`: local fact files under `/etc/ansible/facts.d` (JSON,
//! INI with its defaults, continuations and interpolation, executables,
//! and files that fail each way), read by the play's gathering and by
//! `setup` (from its default path and from a `fact_path` of its own, or
//! the play's),
//! compared with ansible-playbook 2.19.14 on twin hosts: the same
//! facts, the same error texts and the same warnings. Without the
//! directory the fact is `{}` on both sides.

use super::twin::Twin;

const FILES: &str = r#"
set -e
d=/etc/ansible/facts.d
mkdir -p $d
printf '{"role": "web", "n": 3, "tags": ["a", "b"]}\n' > $d/a.fact
printf '[DEFAULT]\nsite = dc1\n[Net]\nName = Web\nbase: /srv\npath = %%(base)s/app 100%%%%\nlong = one\n  two\n' > $d/b.fact
printf '#!/bin/sh\necho "{\\"from\\": \\"script\\"}"\n' > $d/c.fact
printf '#!/bin/sh\necho oops >&2\nexit 3\n' > $d/d.fact
printf 'not json, not ini\n' > $d/e.fact
printf '[s]\nk = 50%%\n' > $d/g.fact
chmod 755 $d/c.fact $d/d.fact
ln -sf /nonexistent $d/f.fact
mkdir -p "/tmp/my facts"
printf '[x]\ny = 1\n' > "/tmp/my facts/own.fact"
"#;

#[test]
fn local_facts_read_as_ansible_reads_them() {
    let twin = Twin::start(1);
    let pair = twin
        .playbook(
            "
            - hosts: target
              gather_facts: false
              vars_files: [files.yml]
              tasks:
                - setup:
                    filter: ansible_local
                  register: before
                - command: sh -c 'cat > /tmp/files.sh'
                  args:
                    stdin: '{{ files }}'
                - command: sh /tmp/files.sh
                - file:
                    path: /tmp/files.sh
                    state: absent
                - setup:
                - debug:
                    msg: \"none: {{ before.ansible_facts.ansible_local | to_json }}\"
                - debug:
                    msg: \"{{ item }}: {{ ansible_local[item] | to_json }}\"
                  loop: [a, b, c, d, e, f, g]
                - setup:
                    fact_path: /tmp/my facts
                    filter: ansible_local
                  register: own
                - debug:
                    msg: \"own: {{ own.ansible_facts.ansible_local | to_json }}\"
            - hosts: target
              fact_path: /tmp/my facts
              tasks:
                - debug:
                    msg: \"play: {{ ansible_local | to_json }}\"
            ",
        )
        .file(
            "files.yml",
            &format!("files: |{}", FILES.replace('\n', "\n  ")),
        )
        .run();
    pair.assert_same()
        .assert_msg("none: {}")
        .assert_msg("own: {\\\"own\\\": {\\\"x\\\": {\\\"y\\\": \\\"1\\\"}}}")
        .assert_msg("play: {\\\"own\\\": {\\\"x\\\": {\\\"y\\\": \\\"1\\\"}}}")
        .assert_msg(
            "a: {\\\"role\\\": \\\"web\\\", \\\"n\\\": 3, \\\"tags\\\": [\\\"a\\\", \\\"b\\\"]}",
        );
    let warnings = |out: &str| -> Vec<String> {
        out.lines()
            .filter(|l| l.starts_with("[WARNING]: ") && l.contains(".fact"))
            .map(str::to_owned)
            .collect()
    };
    let ours = warnings(&pair.ours.out);
    assert_eq!(ours, warnings(&pair.ansible.out), "{}", pair.ours.out);
    assert_eq!(ours.len(), 4, "{ours:?}");
}
