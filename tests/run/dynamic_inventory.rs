//! `group_by` and `add_host`: the inventory a run changes. Compared with
//! ansible-playbook 2.19.14 on twin hosts: each result (`changed` only
//! for what is new, `add_group`/`parent_groups`, `add_host`), `groups`
//! and `group_names` in later tasks, the `group_vars` of a new group,
//! `hostvars` of an added host, later plays selecting the new groups,
//! `add_host` running once for the batch (with each of its name and
//! group aliases), the warnings (silenced by `force_valid_group_names =
//! ignore`), and the recap.
//! (Host-specific messages come from one host, and group members are
//! sorted: two hosts print, and ansible-core adds them to a group, in the
//! order they finish, on both sides.)

use super::twin::Twin;

const PLAYBOOK: &str = r#"
- hosts: all
  gather_facts: false
  tasks:
    - group_by:
        key: "kind_{{ inventory_hostname }}"
      register: first
    - group_by:
        key: "kind_{{ inventory_hostname }}"
      register: again
    - debug:
        msg: "first {{ first.changed }} {{ first.add_group }} {{ first.parent_groups }} again {{ again.changed }}"
      when: inventory_hostname == 'other'
    - group_by:
        key: every one
        parents: [outer, all]
    - debug:
        msg: "{{ inventory_hostname }} in {{ group_names }}; every-one={{ groups['every-one'] | sort }} outer={{ groups.outer | sort }}"
      when: inventory_hostname == 'other'
    - debug:
        msg: "{{ inventory_hostname }} kind_var={{ kind_var | default('unset') }}"
      when: inventory_hostname == 'other'
    - debug:
        msg: "target kind_var={{ hostvars.target.kind_var | default('unset') }} {{ hostvars.target.group_names }}"
      run_once: true
    - add_host:
        name: extra1
        groups: [made, every-one]
        ansible_connection: local
        color: blue
      register: added
    - add_host: name=extra2:2222 groups=made,more
    - add_host: hostname=extra3 groupname=aliased
    - add_host:
        host: extra4
        group: [aliased]
    - debug:
        msg: "added {{ added.changed | default('unregistered') }} {{ added.add_host | default('') }}"
    - debug:
        msg: "{{ groups.made }} {{ groups.more }} {{ groups.aliased }} {{ hostvars.extra1.color }} {{ hostvars.extra2.ansible_ssh_port }} {{ groups.ungrouped }}"
      run_once: true
- hosts: every-one:&made
  gather_facts: false
  tasks:
    - debug:
        msg: "{{ inventory_hostname }} {{ group_names }} {{ color }}"
- hosts: kind_other
  gather_facts: false
  tasks:
    - debug:
        msg: "{{ inventory_hostname }} {{ kind_var }}"
"#;

#[test]
fn group_by_and_add_host_change_the_inventory_as_ansible_does() {
    let twin = Twin::start(2);
    let pair = twin
        .playbook(PLAYBOOK)
        .file("group_vars/kind_other.yml", "kind_var: from group_vars\n")
        .run();
    pair.assert_same().assert_same_recap("other");
    pair.assert_msg("other kind_var=from group_vars")
        .assert_msg("target kind_var=unset ['every-one', 'kind_target', 'outer']")
        .assert_msg("extra1 ['every-one', 'made', 'outer'] blue");
    // A new group's name Ansible finds invalid is warned about once, and
    // the later plays' patterns match the new groups: no warning there.
    let invalid = "[WARNING]: Invalid characters were found in group names";
    for side in [&pair.ours, &pair.ansible] {
        assert_eq!(side.out.matches(invalid).count(), 1, "{}", side.out);
        assert!(!side.out.contains("Could not match"), "{}", side.out);
    }
    // `force_valid_group_names = ignore` silences it on both sides.
    let quiet = twin
        .playbook(PLAYBOOK)
        .file("group_vars/kind_other.yml", "kind_var: from group_vars\n")
        .env("ANSIBLE_TRANSFORM_INVALID_GROUP_CHARS", "ignore")
        .run();
    quiet.assert_same();
    for side in [&quiet.ours, &quiet.ansible] {
        assert!(!side.out.contains(invalid), "{}", side.out);
    }
}
