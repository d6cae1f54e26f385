//! `meta: end_batch` and `meta: end_play` under `serial`: `end_batch`
//! ends the batch (the next one runs), `end_play` ends the play's later
//! batches too (the next play runs), and one that `when` skips ends
//! nothing. Compared with ansible-playbook 2.19.14 on twin hosts: the
//! messages, both hosts' recaps and the exit code. (Every play is
//! `serial: 1`, so the hosts print in one order on both sides.)

use super::twin::Twin;

const PLAYBOOK: &str = r#"
- hosts: all
  gather_facts: false
  serial: 1
  tasks:
    - debug:
        msg: "batch {{ ansible_play_batch }}"
    - meta: end_batch
      when: inventory_hostname == 'nobody'
    - debug:
        msg: "not ended {{ inventory_hostname }}"
    - meta: end_batch
    - debug:
        msg: "after end_batch {{ inventory_hostname }}"
- hosts: all
  gather_facts: false
  serial: 1
  tasks:
    - debug:
        msg: "second play {{ inventory_hostname }}"
    - meta: end_play
    - debug:
        msg: "after end_play {{ inventory_hostname }}"
- hosts: all
  gather_facts: false
  serial: 1
  tasks:
    - debug:
        msg: "third play {{ inventory_hostname }}"
"#;

#[test]
fn end_batch_and_end_play_end_what_ansible_ends() {
    let twin = Twin::start(2);
    let pair = twin.playbook(PLAYBOOK).run();
    pair.assert_same().assert_same_recap("other");
    pair.assert_msg("not ended other")
        .assert_msg("second play target")
        .assert_msg("third play other");
    for side in [&pair.ours, &pair.ansible] {
        assert!(!side.out.contains("after end_"), "{}", side.out);
        assert!(!side.out.contains("second play other"), "{}", side.out);
    }
}
