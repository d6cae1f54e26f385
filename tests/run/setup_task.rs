//! `setup` and `gather_facts` as tasks, compared with ansible-playbook
//! 2.19.14 on twin hosts: the facts read (each host's own `hostname`,
//! checked against `hostname` run there), `filter`, where the facts go
//! under `delegate_to` with and without `delegate_facts`, and what is
//! registered.

use super::twin::Twin;

#[test]
fn setup_task_gathers_and_delegate_facts_gives_them_to_the_delegate() {
    let twin = Twin::start(2);
    let pair = twin
        .playbook(
            "
            - hosts: target
              gather_facts: false
              tasks:
                - command: hostname
                  register: hn_target
                - command: hostname
                  delegate_to: other
                  register: hn_other
                - gather_facts:
                  delegate_to: other
                  delegate_facts: true
                  register: theirs
                - debug:
                    msg: \"delegated: target has {{ ansible_hostname is defined }}, other {{ hostvars.other.ansible_hostname == hn_other.stdout }}/{{ hostvars.other.ansible_facts.hostname == hn_other.stdout }}, registered {{ theirs.ansible_facts.ansible_hostname == hn_other.stdout }} {{ theirs.ansible_facts.gather_subset }} {{ theirs.ansible_facts.module_setup }}\"
                - setup:
                    filter: [hostname, 'ansible_distribution*']
                  register: mine
                - debug:
                    msg: \"own: {{ mine.ansible_facts.keys() | sort | join(',') }} {{ ansible_hostname == hn_target.stdout }}/{{ ansible_facts.hostname == hn_target.stdout }} {{ ansible_distribution }}\"
                - setup:
                    filter: ansible_hostname
                  delegate_to: other
                  delegate_facts: false
                - debug:
                    msg: \"without delegate_facts: target has other's {{ ansible_hostname == hn_other.stdout }}\"
            - hosts: other
              gather_facts: false
              tasks:
                - debug:
                    msg: \"other itself: {{ ansible_hostname == hostvars.target.hn_other.stdout }} {{ ansible_distribution }} {{ hn_other is defined }}\"
            ",
        )
        .run();
    pair.assert_same()
        .assert_msg("delegated: target has False, other True/True, registered True ['all'] True")
        .assert_msg(
            "own: ansible_distribution,ansible_distribution_file_parsed,\
             ansible_distribution_file_path,ansible_distribution_file_variety,\
             ansible_distribution_major_version,ansible_distribution_minor_version,\
             ansible_distribution_release,ansible_distribution_version,ansible_hostname \
             True/True Debian",
        )
        .assert_msg("without delegate_facts: target has other's True")
        .assert_msg("other itself: True Debian False");
    pair.assert_recap(
        "other",
        "ok=1 changed=0 unreachable=0 failed=0 skipped=0 rescued=0 ignored=0",
    );
}

/// Both hosts in one play, each giving facts to the other while both run
/// the task at once: a later task of either host sees what the other
/// gave it (its own variables and through `hostvars`), and `setup` looped
/// over the play's hosts with `delegate_to: "{{ item }}"` gives each host
/// its own facts, whoever ran the loop.
#[test]
fn hosts_running_together_see_the_facts_they_gave_each_other() {
    let twin = Twin::start(2);
    let pair = twin
        .playbook(
            "
            - hosts: all
              gather_facts: false
              vars:
                peer: \"{{ 'other' if inventory_hostname == 'target' else 'target' }}\"
              tasks:
                - command: hostname
                  register: hn
                - set_fact:
                    \"from_{{ inventory_hostname }}\": \"{{ inventory_hostname }} was here\"
                  delegate_to: \"{{ peer }}\"
                  delegate_facts: true
                - setup:
                    filter: ansible_hostname
                  loop: \"{{ ansible_play_hosts }}\"
                  delegate_to: \"{{ item }}\"
                  delegate_facts: true
                  when: inventory_hostname == 'target'
                - debug:
                    msg: \"{{ inventory_hostname }}: from_target={{ from_target | default('unset') }} from_other={{ from_other | default('unset') }} peer has mine={{ hostvars[peer]['from_' ~ inventory_hostname] | default('unset') }} own facts={{ ansible_hostname == hn.stdout }} peer facts={{ hostvars[peer].ansible_hostname == hostvars[peer].hn.stdout }}\"
                  when: inventory_hostname == item
                  loop: [target, other]
            ",
        )
        .run();
    pair.assert_same()
        .assert_msg(
            "target: from_target=unset from_other=other was here peer has mine=target was here \
             own facts=True peer facts=True",
        )
        .assert_msg(
            "other: from_target=target was here from_other=unset peer has mine=other was here \
             own facts=True peer facts=True",
        );
    pair.assert_same_recap("other");
}

/// The options `setup` and `gather_facts` accept change nothing in the
/// facts this engine reads, as in ansible-core: `gather_facts`'
/// `parallel` (one fact module, either way), `gather_timeout`, the
/// task's or the play's (it bounds collectors of facts this engine does
/// not read, such as mounts), `gather_subset: all` and the default
/// `fact_path` (another is tested in `run::local_facts`). A subset this
/// engine cannot honour fails the task a host reaches, not a branch it
/// skips.
#[test]
fn setup_options_that_are_accepted_give_ansibles_facts() {
    let twin = Twin::start(1);
    let pair = twin
        .playbook(
            "
            - hosts: target
              gather_facts: false
              tasks:
                - command: hostname
                  register: hn
                - gather_facts:
                    parallel: true
                    gather_timeout: 1
                  register: par
                - gather_facts:
                    parallel: false
                    gather_subset: all
                    fact_path: /etc/ansible/facts.d
                  register: ser
                - setup:
                    gather_subset: [all]
                    gather_timeout: 30
                    filter: ansible_hostname
                  register: one
                - setup:
                    gather_subset: ['!all', network]
                  when: inventory_hostname == 'nobody'
                - debug:
                    msg: \"parallel {{ par.ansible_facts.ansible_hostname == hn.stdout }} {{ par.ansible_facts.ansible_distribution }}, serial {{ ser.ansible_facts.ansible_hostname == hn.stdout }} {{ ser.ansible_facts.gather_subset }}, filtered {{ one.ansible_facts.keys() | list }}\"
            - hosts: target
              gather_timeout: 1
              tasks:
                - debug:
                    msg: \"play gather_timeout: {{ ansible_hostname == hostvars.target.hn.stdout }} {{ ansible_distribution }}\"
            ",
        )
        .run();
    pair.assert_same()
        .assert_msg("parallel True Debian, serial True ['all'], filtered ['ansible_hostname']")
        .assert_msg("play gather_timeout: True Debian");
}
