//! Options real roles use, on a real host, with Ansible's semantics
//! (read from ansible-core 2.19.14's modules): `file`'s times and
//! `_diff_peek`, `blockinfile`'s blank lines. Idempotency is asserted:
//! the second run changes nothing.

use super::{recap_line, Scenario};
use crate::harness::{Fleet, Os};
use std::os::unix::fs::MetadataExt;

#[test]
fn file_times_are_set_once_and_then_left_alone() {
    let fleet = Fleet::builder().host(Os::Debian).start();
    let host = fleet.hosts()[0].name().to_owned();
    let sc = Scenario::tasks(
        &fleet,
        r#"
        - copy: {content: "x\n", dest: /root/timed}
        - file:
            path: /root/timed
            modification_time: "202001021230.45"
            access_time: "01/02/2021 10:00"
            access_time_format: "%m/%d/%Y %H:%M"
        - file: {path: /root/touched, state: touch, modification_time: preserve, access_time: preserve}
        - file: {path: /root/bin, state: touch}
        - shell: printf 'a\0b' > /root/bin
          args: {creates: /root/bin.done}
        - file: {path: /root/bin, _diff_peek: yes}
          register: peek
        - copy: {content: "text\n", dest: /root/text}
        - file: {path: /root/text, _diff_peek: yes}
          register: peek_text
        - assert:
            that:
              - peek.appears_binary
              - not peek_text.appears_binary
              - peek is not changed
        "#,
    );
    let (summary, out) = sc.run(&fleet, |_| {});
    assert_eq!(summary.exit_code, 0, "{out}");
    let root = fleet.hosts()[0].root();
    let meta = std::fs::metadata(root.join("root/timed")).expect("timed");
    // The host's local time is UTC here: what `date -d` made of it.
    assert_eq!(meta.mtime(), 1_577_968_245, "{out}");
    assert_eq!(meta.atime(), 1_609_581_600, "{out}");
    assert_eq!(
        recap_line(&out, &host),
        format!("{host:<26} : ok=9    changed=6    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0   "),
        "{out}"
    );
    // Second run, as ansible-playbook 2.19.14 counts the same playbook
    // (run by hand, `connection: local`): the copy's checksum read moves
    // the access time, so the times task changes it back; touch with
    // preserved times of an existing file changes nothing; touch with the
    // default times and the shell task change.
    let (summary, out) = sc.run(&fleet, |_| {});
    assert_eq!(summary.exit_code, 0, "{out}");
    assert_eq!(
        recap_line(&out, &host),
        format!("{host:<26} : ok=9    changed=3    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0   "),
        "{out}"
    );
    let meta = std::fs::metadata(root.join("root/timed")).expect("timed");
    assert_eq!((meta.mtime(), meta.atime()), (1_577_968_245, 1_609_581_600));
}

/// `include_vars` from a role, as ansible-core 2.19.14 resolves it (the
/// expected JSON was produced by ansible-playbook on the same tree).
#[test]
fn include_vars_finds_files_and_dirs_as_ansible() {
    let fleet = Fleet::builder().host(Os::Debian).start();
    let sc = Scenario::new(
        &fleet,
        r#"
        - hosts: all
          gather_facts: false
          roles: [r]
        "#,
    );
    sc.file(
        "roles/r/tasks/main.yml",
        r#"
        - include_vars: env/dev/all.yml
        - include_vars: {dir: more, files_matching: '^b', name: more_b}
        - include_vars: {dir: vars/env, depth: 1}
          register: depth1
        - include_vars: {dir: more, ignore_files: ['a.yml'], extensions: ['yml'], ignore_unknown_extensions: true}
          register: ignored
        - include_vars: nope.yml
          ignore_errors: true
          register: missing
        - set_fact: {deep: {a: 1, b: {c: 1}}}
        - include_vars: {file: deep.yml, hash_behaviour: merge}
        - copy:
            dest: /root/out.json
            content: "{{ {'from_role_vars': from_role_vars, 'more_b': more_b, 'depth1': depth1.ansible_included_var_files | map('basename') | list, 'ignored': ignored.ansible_included_var_files | map('basename') | list, 'missing': missing.message | regex_replace(playbook_dir, 'PB'), 'missing_failed': missing.failed, 'deep': deep, 'b2': b2 | default('none')} | to_nice_json }}"
        "#,
    );
    for (f, text) in [
        ("roles/r/vars/env/dev/all.yml", "from_role_vars: yes\n"),
        ("roles/r/vars/env/top.yml", "top: 1\n"),
        ("roles/r/vars/more/b1.yml", "b1: 1\n"),
        ("roles/r/vars/more/a.yml", "a: 1\n"),
        ("roles/r/vars/more/b2.yaml", "b2: 2\n"),
        ("roles/r/vars/more/c.txt", "x: 1\n"),
        ("roles/r/vars/deep.yml", "deep: {b: {d: 2}}\n"),
    ] {
        sc.file(f, text);
    }
    let (summary, out) = sc.run(&fleet, |_| {});
    assert_eq!(summary.exit_code, 0, "{out}");
    let got: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fleet.hosts()[0].root().join("root/out.json")).expect("out"),
    )
    .expect("json");
    let want: serde_json::Value = serde_json::from_str(
        r#"{"b2": "none", "deep": {"a": 1, "b": {"c": 1}}, "depth1": ["top.yml"], "from_role_vars": true,
            "ignored": ["b1.yml"],
            "missing": "Could not find or access 'nope.yml'\nSearched in:\n\tPB/roles/r/vars/nope.yml\n\tPB/roles/r/nope.yml\n\tPB/roles/r/tasks/vars/nope.yml\n\tPB/roles/r/tasks/nope.yml\n\tPB/vars/nope.yml\n\tPB/nope.yml on the Ansible Controller.\nIf you are using a module and expect the file to exist on the remote, see the remote_src option",
            "missing_failed": true, "more_b": {"b1": 1, "b2": 2}}"#,
    )
    .expect("expected json");
    assert_eq!(got, want, "{out}");
}

/// `set_fact` templates its keys (ansible-core 2.19.14's set_fact
/// target), and a `with_first_found` loop of `include_vars` looks in
/// `vars/` first.
#[test]
fn set_fact_keys_and_first_found_subdirs() {
    let fleet = Fleet::builder().host(Os::Debian).start();
    let sc = Scenario::new(
        &fleet,
        r#"
        - hosts: all
          gather_facts: false
          roles: [r]
        "#,
    );
    sc.file(
        "roles/r/tasks/main.yml",
        r#"
        - set_fact:
            "{{ a_key }}": "{{ a_value }}"
          vars:
            a_key: my_key
            a_value: my_value
        - set_fact:
            "{{ 'not' }}": 1
          ignore_errors: true
          register: bad_key
        - include_vars: "{{ item }}"
          with_first_found:
            - missing.yml
            - picked.yml
        - assert:
            that:
              - my_key == 'my_value'
              - bad_key is failed
              - "bad_key.msg == \"Invalid variable name 'not'.\""
              - from_vars_dir == 'vars'
        "#,
    );
    sc.file("roles/r/vars/picked.yml", "from_vars_dir: vars\n");
    sc.file("roles/r/files/picked.yml", "from_vars_dir: files\n");
    let (summary, out) = sc.run(&fleet, |_| {});
    assert_eq!(summary.exit_code, 0, "{out}");
}

/// `find`'s `contains` and `read_whole_file`, with the matches
/// ansible-playbook 2.19.14 gave on the same tree.
#[test]
fn find_contains_as_ansible() {
    let fleet = Fleet::builder().host(Os::Debian).start();
    let sc = Scenario::tasks(
        &fleet,
        r#"
        - shell: |
            mkdir -p /root/d/sub
            printf 'alpha\nbeta\n' > /root/d/a.txt
            printf 'xx beta\n' > /root/d/b.txt
            printf 'gamma' > /root/d/c.txt
            printf 'beta\n' > /root/d/sub/d.txt
        - find: {paths: /root/d, contains: "beta", recurse: yes}
          register: by_line
        - find: {paths: /root/d, contains: "beta", read_whole_file: yes}
          register: whole
        - find: {paths: /root/d, contains: "^gam", file_type: any}
          register: any
        - copy:
            dest: /root/found.json
            content: "{{ [by_line.files | map(attribute='path') | map('basename') | sort, whole.files | map(attribute='path') | map('basename') | sort, any.files | map(attribute='path') | map('basename') | sort] | to_json }}"
        "#,
    );
    let (summary, out) = sc.run(&fleet, |_| {});
    assert_eq!(summary.exit_code, 0, "{out}");
    let got =
        std::fs::read_to_string(fleet.hosts()[0].root().join("root/found.json")).expect("found");
    assert_eq!(
        got, r#"[["a.txt", "d.txt"], ["a.txt", "b.txt"], ["a.txt", "b.txt", "c.txt", "sub"]]"#,
        "{out}"
    );
}

/// Registered `diff` of lineinfile (always a list: content, attributes)
/// and file (a dict, in diff mode only), as ansible-playbook 2.19.14
/// registered them for the same tasks.
#[test]
fn registered_diffs_have_ansibles_shape() {
    let fleet = Fleet::builder().host(Os::Debian).start();
    let sc = Scenario::tasks(
        &fleet,
        r#"
        - lineinfile: {path: /tmp/dd, line: "a", create: yes}
          register: r1
        - lineinfile: {path: /tmp/dd, line: "b"}
          register: r2
          diff: yes
        - file: {path: /tmp/dd, mode: "0600"}
          register: r3
          diff: yes
        - file: {path: /tmp/dd, mode: "0644"}
          register: r4
        - copy:
            dest: /root/diffs.json
            content: "{{ [r1.diff | default('NONE'), r2.diff, r3.diff, r4.diff | default('NONE')] | to_json }}"
        "#,
    );
    let (summary, out) = sc.run(&fleet, |_| {});
    assert_eq!(summary.exit_code, 0, "{out}");
    let got: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fleet.hosts()[0].root().join("root/diffs.json")).expect("diffs"),
    )
    .expect("json");
    let h = |w: &str| format!("/tmp/dd ({w})");
    let want = serde_json::json!([
        [
            {"after": "", "after_header": h("content"), "before": "", "before_header": h("content")},
            {"after_header": h("file attributes"), "before_header": h("file attributes")}
        ],
        [
            {"after": "a\nb\n", "after_header": h("content"), "before": "a\n", "before_header": h("content")},
            {"after_header": h("file attributes"), "before_header": h("file attributes")}
        ],
        {"after": {"mode": "0600", "path": "/tmp/dd"}, "before": {"mode": "0644", "path": "/tmp/dd"}},
        "NONE"
    ]);
    assert_eq!(got, want, "{out}");
}
