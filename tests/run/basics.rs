//! Tasks, loops, conditions, handlers, blocks and the recap on real hosts.

use super::{recap_line, Scenario};
use crate::harness::{Fleet, Os};

#[test]
fn command_tasks_change_hosts_and_recap_counts_like_ansible() {
    let fleet = Fleet::builder().hosts(3, Os::Debian).start();
    let sc = Scenario::new(
        &fleet,
        r#"
        - name: basics
          hosts: all
          gather_facts: false
          tasks:
            - name: write a marker
              command: touch /root/marker creates=/root/marker
            - name: never
              command: touch /root/never
              when: false
            - name: loop
              shell: echo {{ item }} >> /root/items
              loop: [a, b]
            - name: ignored failure
              command: /bin/false
              ignore_errors: true
            - name: notify
              command: "true"
              notify: done
            - block:
                - command: /bin/false
              rescue:
                - command: touch /root/rescued
          handlers:
            - name: done
              command: touch /root/handled
        "#,
    );
    let (summary, out) = sc.run(&fleet, |_| {});
    assert_eq!(summary.exit_code, 0, "{out}");
    for h in fleet.hosts() {
        let root = h.root();
        assert!(root.join("root/marker").exists(), "{out}");
        assert!(!root.join("root/never").exists());
        assert!(root.join("root/rescued").exists());
        assert!(root.join("root/handled").exists());
        // Expected numbers: this playbook run by ansible-playbook 2.19.14
        // (paths moved to /tmp, `-i localhost, -c local`) prints
        // ok=6 changed=6 skipped=1 rescued=1 ignored=1: the failed task
        // that a rescue handles counts neither ok nor failed.
        assert_eq!(
            recap_line(&out, h.name()),
            format!(
                "{:<26} : ok=6    changed=6    unreachable=0    failed=0    skipped=1    rescued=1    ignored=1   ",
                h.name()
            )
        );
    }
    assert!(out.contains("\nTASK [write a marker] ***"), "{out}");
    assert!(out.contains("RUNNING HANDLER [done]"), "{out}");
    assert!(out.contains("...ignoring"), "{out}");
    // Second run: `creates` makes the first task a no-op.
    let (_, out2) = sc.run(&fleet, |_| {});
    assert!(
        out2.contains(&format!("ok: [{}]", fleet.hosts()[0].name())),
        "{out2}"
    );
}

#[test]
fn roles_templates_vars_files_and_handlers_work_over_ssh() {
    let fleet = Fleet::builder().hosts(2, Os::Centos8).start();
    let sc = Scenario::new(
        &fleet,
        r#"
        - hosts: all
          gather_facts: true
          vars_files: [vars/common.yml]
          roles:
            - role: web
              listen_port: 8080
        "#,
    );
    sc.file("vars/common.yml", "greeting: hello\n")
        .file("roles/web/defaults/main.yml", "listen_port: 80\nowner: root\n")
        .file(
            "roles/web/tasks/main.yml",
            r#"
            - name: render the config
              template: {src: web.conf.j2, dest: /etc/web.conf, mode: "0640"}
              notify: reload web
            - name: a file from the role
              copy: {src: motd, dest: /etc/motd.konvoy}
            "#,
        )
        .file("roles/web/templates/web.conf.j2", "{{ greeting }} {{ inventory_hostname }} on {{ ansible_distribution }} {{ ansible_distribution_major_version }}:{{ listen_port }}\n")
        .file("roles/web/files/motd", "managed\n")
        .file("roles/web/handlers/main.yml", "- name: reload web\n  command: touch /etc/web.reloaded\n");
    let (first, out) = sc.run(&fleet, |_| {});
    assert_eq!(first.exit_code, 0, "{out}");
    assert!(out.contains("TASK [web : render the config]"), "{out}");
    assert!(out.contains("RUNNING HANDLER [web : reload web]"), "{out}");
    for h in fleet.hosts() {
        let conf = std::fs::read_to_string(h.root().join("etc/web.conf")).unwrap();
        assert_eq!(conf, format!("hello {} on CentOS 8:8080\n", h.name()));
        assert_eq!(
            std::fs::read_to_string(h.root().join("etc/motd.konvoy")).unwrap(),
            "managed\n"
        );
        assert!(h.root().join("etc/web.reloaded").exists());
    }
    let (second, out2) = sc.run(&fleet, |_| {});
    assert!(
        second.recap.hosts.values().all(|s| s.changed == 0),
        "{out2}"
    );
    assert!(!out2.contains("RUNNING HANDLER"), "{out2}");
}

/// The printer, a JSON log and an embedding program's own reporter see the
/// same stream of events.
#[test]
fn every_listener_sees_the_same_events() {
    use engine::job::PlaybookJob;
    use engine::report::{Collect, Event, Fanout, JsonLines};
    use std::sync::Arc;
    let fleet = Fleet::builder().hosts(2, Os::Flatcar).start();
    let sc = Scenario::tasks(
        &fleet,
        r#"
        - command: "true"
        - command: /bin/false
          ignore_errors: true
        "#,
    );
    let json = super::Captured::default();
    let collect = Arc::new(Collect::new());
    let job = PlaybookJob {
        inventory: vec![sc.inventory.display().to_string()],
        playbook: sc.playbook.clone(),
        options: engine::run::RunOptions {
            connect: fleet.connect_options(),
            ..Default::default()
        },
        ..Default::default()
    };
    let summary = job
        .run(
            &Fanout::new()
                .with(JsonLines::new(json.clone()))
                .with(collect.clone()),
        )
        .unwrap();
    assert_eq!(summary.exit_code, 0);
    let events = collect.events();
    let results = events
        .iter()
        .filter(|e| matches!(e, Event::HostResult(_)))
        .count();
    assert_eq!(results, 4);
    let lines: Vec<serde_json::Value> = json
        .text()
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(lines.len(), events.len());
    assert_eq!(
        lines.iter().filter(|l| l["event"] == "host_result").count(),
        4
    );
    let recap = lines.last().unwrap();
    assert_eq!(recap["event"], "recap");
    for h in fleet.hosts() {
        assert_eq!(recap["hosts"][h.name()]["ignored"], 1);
        assert_eq!(recap["hosts"][h.name()]["ok"], 2);
    }
}

/// `environment:` as ansible-core reads it: the play's applies to the
/// gathering task too (`ansible_env` shows it), a value on the not yet
/// gathered `ansible_env` is skipped there and honoured afterwards, and the
/// list form merges its items with `omit` items and values dropped.
#[test]
fn environment_applies_to_gathering_and_takes_the_list_form() {
    let fleet = Fleet::builder().hosts(1, Os::Debian).start();
    let sc = Scenario::new(
        &fleet,
        r#"
        - hosts: all
          gather_facts: true
          environment:
            KONVOY_PLAY: play
            PATH: '{{ ansible_env.PATH }}:/konvoy'
          tasks:
            - assert:
                that:
                  - ansible_env.KONVOY_PLAY == 'play'
                  - "'/konvoy' not in ansible_env.PATH"
            - shell: echo "$KONVOY_PLAY $PATH"
              register: play_env
            - shell: echo "A=$A B=$B C=$C"
              environment:
                - A: one
                  B: '{{ omit }}'
                - '{{ omit }}'
                - C: three
              register: listed
            - assert:
                that:
                  - play_env.stdout.startswith('play ')
                  - play_env.stdout.endswith(':/konvoy')
                  - listed.stdout == 'A=one B= C=three'
        "#,
    );
    let (summary, out) = sc.run(&fleet, |_| {});
    assert_eq!(summary.exit_code, 0, "{out}");
    let h = &fleet.hosts()[0];
    assert!(recap_line(&out, h.name()).contains("ok=5 "), "{out}");
}

/// `meta: clear_host_errors` in an `always` section lets the hosts that
/// came in failed go on after it (ansible-core resets their fail state; the
/// recap keeps the failure), and a rescue reads the failed task's action
/// in `ansible_failed_task.action`.
#[test]
fn clear_host_errors_in_always_lets_failed_hosts_go_on() {
    let fleet = Fleet::builder().hosts(1, Os::Debian).start();
    let sc = Scenario::tasks(
        &fleet,
        r#"
        - block:
            - name: first
              fail: msg=boom
          rescue:
            - assert:
                that:
                  - ansible_failed_task.action == 'fail'
                  - ansible_failed_task.name == 'first'
            - fail: msg=again
          always:
            - meta: clear_host_errors
        - command: touch /root/after
        "#,
    );
    let (_, out) = sc.run(&fleet, |_| {});
    let h = &fleet.hosts()[0];
    assert!(h.root().join("root/after").exists(), "{out}");
    assert!(recap_line(&out, h.name()).contains("failed=1 "), "{out}");
}

/// `ansible_run_tags` and `ansible_skip_tags` hold the `--tags` and
/// `--skip-tags` given, each tag once, and `['all']` without `--tags`, as
/// ansible-core's CLI sets them.
#[test]
fn run_tags_and_skip_tags_are_variables() {
    let fleet = Fleet::builder().hosts(1, Os::Debian).start();
    let sc = Scenario::tasks(
        &fleet,
        r#"
        - copy:
            dest: /root/tags
            content: "{{ ansible_run_tags | sort | join(',') }};{{ ansible_skip_tags | sort | join(',') }}"
          tags: [always]
        "#,
    );
    let h = &fleet.hosts()[0];
    let (summary, out) = sc.run(&fleet, |_| {});
    assert_eq!(summary.exit_code, 0, "{out}");
    let read = || std::fs::read_to_string(h.root().join("root/tags")).expect("tags file");
    assert_eq!(read(), "all;");
    let (summary, out) = sc.run(&fleet, |o| {
        o.tags = vec!["b".into(), "a".into(), "b".into()];
        o.skip_tags = vec!["c".into()];
    });
    assert_eq!(summary.exit_code, 0, "{out}");
    assert_eq!(read(), "a,b;c");
}

/// In a loop, an item's `set_fact` is seen by the next items (ansible-core
/// updates the loop's task vars with it), and `now(fmt=...)` gives the
/// controller's time as Python's strftime with `%f`.
#[test]
fn set_fact_in_a_loop_accumulates_and_now_formats() {
    let fleet = Fleet::builder().hosts(1, Os::Debian).start();
    let sc = Scenario::tasks(
        &fleet,
        r#"
        - set_fact:
            acc: "{{ acc | default([]) + [item] }}"
            stamps: "{{ stamps | default([]) + [now(fmt='%s.%f')] }}"
          loop: [a, b, c]
        - assert:
            that:
              - acc == ['a', 'b', 'c']
              - stamps | length == 3
              - stamps[2] | float >= stamps[0] | float
              - stamps[0] is match('^[0-9]+\.[0-9]{6}$')
        "#,
    );
    let (summary, out) = sc.run(&fleet, |_| {});
    assert_eq!(summary.exit_code, 0, "{out}");
}
