//! Every static check, rendered; several at once; no connection attempted.

use super::{konvoy, write_tree};
use std::time::{Duration, Instant};

/// Hosts on addresses no test host uses (the harness leases 127.0.0-15.x)
/// and where nothing listens: a connection attempt would fail or hang.
const UNREACHABLE: &str = "
    [web]
    w1 ansible_host=127.0.200.5
    w2 ansible_host=127.0.200.6
    [web:vars]
    base=/srv
    wanted=directory
";

const SITE: &str = r#"
    - name: static problems
      hosts: web
      gather_facts: false
      vars:
        port: 80
      roles:
        - web
      tasks:
        - name: unknown module
          ansible.builtin.copyy: src=a dest=/tmp/x
        - name: unknown argument
          copy:
            content: hi
            dest: /tmp/y
            mdoe: "0644"
        - name: bad choice
          file: path=/tmp/d state=dirctory
        - name: templated value, unknown key
          file:
            path: "{{ base }}/d"
            state: "{{ wanted }}"
            ownr: root
"#;

const ROLE: &str = r#"
    - name: render config
      template:
        src: web.conf.j2
        dest: /etc/web.conf
    - name: broken template
      debug:
        msg: "{{ port | }}"
    - name: render a broken file
      template:
        src: broken.j2
        dest: /etc/broken
"#;

const BROKEN_J2: &str = "
    # managed
    {% if port %}
    port={{ port }
    {% endif %}
";

const EXPECTED: &str = r#"error: couldn't resolve module/action `ansible.builtin.copyy` in task `unknown module`
  --> site.yml:10:7
   |
10 |       ansible.builtin.copyy: src=a dest=/tmp/x
   |       ^^^^^^^^^^^^^^^^^^^^^
   = help: did you mean `copy`?

error: unsupported argument `mdoe` (supported: src, content, dest, remote_src, mode, owner, group, backup, force, follow, validate, directory_mode, local_follow, decrypt) for module `copy` in task `unknown argument`
  --> site.yml:15:15
   |
15 |         mdoe: "0644"
   |               ^^^^^^
   = help: did you mean `mode`?

error: unsupported argument `ownr` (supported: path, state, mode, owner, group, recurse, force, src, follow, modification_time, modification_time_format, access_time, access_time_format, _diff_peek) for module `file` in task `templated value, unknown key`
  --> site.yml:22:15
   |
22 |         ownr: root
   |               ^^^^
   = help: did you mean `owner`?
"#;

#[test]
fn every_static_error_is_reported_at_once_before_any_connection() {
    let dir = tempfile::tempdir().expect("temp dir");
    write_tree(
        dir.path(),
        &[
            ("hosts.ini", UNREACHABLE),
            ("site.yml", SITE),
            ("roles/web/tasks/main.yml", ROLE),
            ("roles/web/templates/broken.j2", BROKEN_J2),
        ],
    );
    let start = Instant::now();
    let out = konvoy(dir.path(), &["playbook", "-i", "hosts.ini", "site.yml"]);
    let took = start.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr, EXPECTED);
    assert_eq!(out.status.code(), Some(4));
    // No PLAY banner, no host line: nothing ran.
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    assert!(took < Duration::from_secs(5), "took {took:?}");
}

#[test]
fn a_missing_role_points_at_its_entry() {
    let dir = tempfile::tempdir().expect("temp dir");
    write_tree(
        dir.path(),
        &[
            ("hosts.ini", UNREACHABLE),
            (
                "site.yml",
                "
                - hosts: web
                  roles:
                    - nginxx
                ",
            ),
        ],
    );
    // The default roles_path (ansible.cfg's) is searched after ./roles.
    let out = konvoy(dir.path(), &["playbook", "-i", "hosts.ini", "site.yml"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let home = std::env::var("HOME").unwrap_or_default();
    assert_eq!(
        stderr,
        format!(
            "error: the role `nginxx` was not found in: ./roles/nginxx, {home}/.ansible/roles/nginxx, \
             /usr/share/ansible/roles/nginxx, /etc/ansible/roles/nginxx, ./nginxx, nginxx\n \
             --> site.yml:3:7\n  |\n3 |     - nginxx\n  |       ^^^^^^\n"
        )
    );
    // ansible-playbook 2.19.14 exits 1 for a missing role (measured).
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
}

#[test]
fn undefined_variables_warn_and_the_run_goes_on() {
    let dir = tempfile::tempdir().expect("temp dir");
    write_tree(
        dir.path(),
        &[(
            "site.yml",
            r#"
            - hosts: localhost
              gather_facts: false
              vars:
                greeting: hi
              tasks:
                - name: guarded and unguarded
                  debug:
                    msg: "{{ maybe | default('x') }} {{ greeting }}"
                  when: other is defined or nobody_sets_this
                - name: registered later
                  command: "true"
                  register: later
                - debug:
                    msg: "{{ later.rc }} {{ ansible_check_mode }} {{ inventory_hostname }}"
            "#,
        )],
    );
    let out = konvoy(
        dir.path(),
        &[
            "playbook",
            "-i",
            "localhost,",
            "-e",
            "ansible_connection=local",
            "site.yml",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Only the unguarded name no source defines: `maybe` and `other` are
    // guarded, `later` is registered, the rest are facts or magic vars.
    assert_eq!(
        stderr,
        "warning: no source defines variable `nobody_sets_this` used in task `guarded and unguarded`\n --> site.yml:9:13\n  |\n9 |       when: other is defined or nobody_sets_this\n  |             ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n  = help: define `nobody_sets_this` (inventory, vars, -e) or guard it with `| default(...)`\n"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("PLAY RECAP"), "{stdout}");
}

/// A template syntax error in a task's arguments or `when` is announced
/// before the run with its place and fails only the task a host reaches,
/// as in ansible-core (whose `--syntax-check` only parses the YAML, so it
/// passes here too); `--strict` refuses the playbook instead.
#[test]
fn template_syntax_errors_in_tasks_warn_and_fail_the_task_reached() {
    let dir = tempfile::tempdir().expect("temp dir");
    write_tree(
        dir.path(),
        &[(
            "site.yml",
            r#"
            - hosts: localhost
              gather_facts: false
              tasks:
                - name: skipped
                  debug:
                    msg: "{{ a | }}"
                  when: false
                - name: reached
                  debug: msg=hi
                  when: a ==
            "#,
        )],
    );
    let run = |extra: &[&str]| {
        let mut args = vec![
            "playbook",
            "-i",
            "localhost,",
            "-e",
            "ansible_connection=local",
        ];
        args.extend_from_slice(extra);
        args.push("site.yml");
        konvoy(dir.path(), &args)
    };
    let out = run(&[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stderr.starts_with(
            "warning: template syntax error: unexpected `)`, expected identifier in task `skipped`\n --> site.yml:6:14\n"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("warning: template syntax error: unexpected `)` in task `reached`\n  --> site.yml:10:13\n"),
        "{stderr}"
    );
    assert!(stdout.contains("skipping: [localhost]"), "{stdout}");
    let words = stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words.contains("ok=0 changed=0 unreachable=0 failed=1 skipped=1"),
        "{stdout}"
    );
    assert_eq!(out.status.code(), Some(2));

    let out = run(&["--syntax-check"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "\nplaybook: site.yml\n"
    );
    assert_eq!(out.status.code(), Some(0));

    let out = run(&["--strict"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("error: template syntax error"),
        "{stderr}"
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    assert_ne!(out.status.code(), Some(0));
}
