//! The `gathering` setting (`ANSIBLE_GATHERING`): `smart` gathers a host
//! once per run (a play's gathering or a `gather_facts` task marks it,
//! `meta: clear_facts` forgets it), `explicit` only where a play says
//! `gather_facts: true`; compared with ansible-playbook 2.19.14 on twin
//! hosts: the same `Gathering Facts` banners, messages and recap.

use super::twin::{Pair, Side, Twin};

/// Five plays: the facts each sees tell whether it gathered (a local
/// fact written after the first gathering shows only after another).
const PLAYS: &str = r#"
- hosts: target
  tasks:
    - copy:
        dest: /etc/ansible/facts.d/g.fact
        content: '{"n": 1}'
    - debug:
        msg: "one {{ ansible_local.g is defined }}"
- hosts: target
  tasks:
    - debug:
        msg: "two {{ ansible_local.g is defined }}"
    - meta: clear_facts
- hosts: target
  gather_facts: false
  tasks:
    - debug:
        msg: "three {{ ansible_local is defined }}"
    - gather_facts:
    - debug:
        msg: "three {{ ansible_local.g.n | default('none') }}"
- hosts: target
  tasks:
    - file:
        path: /etc/ansible/facts.d/g.fact
        state: absent
    - debug:
        msg: "four {{ ansible_local.g is defined }}"
- hosts: target
  gather_facts: true
  tasks:
    - debug:
        msg: "five {{ ansible_local.g is defined }}"
"#;

fn banners(side: &Side) -> usize {
    side.out.matches("TASK [Gathering Facts]").count()
}

fn run(twin: &Twin, gathering: &str) -> Pair {
    twin.on_all("rm -rf /etc/ansible/facts.d && mkdir -p /etc/ansible/facts.d");
    let pair = twin
        .playbook(PLAYS)
        .env("ANSIBLE_GATHERING", gathering)
        .run();
    pair.assert_same();
    assert_eq!(
        banners(&pair.ours),
        banners(&pair.ansible),
        "{gathering}: gathering banners differ\n--- ours\n{}\n--- ansible\n{}",
        pair.ours.out,
        pair.ansible.out
    );
    pair
}

#[test]
fn smart_gathers_once_and_explicit_only_when_asked_as_ansible_does() {
    let twin = Twin::start(1);
    // smart: only play 1 gathers (play 2 has its facts, play 3 clears them
    // and gathers by a task, which plays 4 and 5 count as gathered, even
    // play 5's `gather_facts: true`).
    let smart = run(&twin, "smart");
    assert_eq!(banners(&smart.ours), 1, "{}", smart.ours.out);
    smart.assert_msg("one False").assert_msg("two False");
    smart.assert_msg("three 1").assert_msg("four True");
    // explicit: only play 5 gathers.
    let explicit = run(&twin, "explicit");
    assert_eq!(banners(&explicit.ours), 1, "{}", explicit.ours.out);
    explicit.assert_msg("one False");
    // implicit (the default): every play that does not say false.
    let implicit = run(&twin, "implicit");
    assert_eq!(banners(&implicit.ours), 4, "{}", implicit.ours.out);
    implicit.assert_msg("two True");
}
