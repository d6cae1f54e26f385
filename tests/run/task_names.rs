//! A task's banner name is rendered with the task's own variables (its
//! role's defaults and vars, its `vars:`), as ansible-core post-validates
//! the name with the first host's task variables; a name that does not
//! render (a loop variable before the loop) keeps its filters' defaults.
//! Compared with ansible-playbook 2.19.14 on a twin host.

use super::twin::Twin;

#[test]
fn names_render_with_role_and_task_variables() {
    let twin = Twin::start(1);
    let pair = twin
        .playbook(
            r#"
            - hosts: target
              gather_facts: false
              roles: [r]
            "#,
        )
        .file("roles/r/defaults/main.yml", "pkg: dinginess\n")
        .file(
            "roles/r/tasks/main.yml",
            r#"
            - name: "role default {{ pkg }}"
              debug: msg=x
            - name: "task var {{ tv }}"
              debug: msg=x
              vars:
                tv: tvval
            - name: "loop {{ item | default('noitem') }}"
              debug: msg=x
              loop: [1]
            "#,
        )
        .run();
    pair.assert_same();
    assert_eq!(pair.ours.banners(), pair.ansible.banners(), "{pair:?}");
    assert_eq!(
        pair.ours.banners(),
        [
            "TASK [r : role default dinginess]",
            "TASK [r : task var tvval]",
            "TASK [r : loop noitem]",
        ]
    );
}
