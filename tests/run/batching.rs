//! Probe batching on real hosts: a converged host answers a run of tasks
//! with one batched probe instead of one command per task, and the
//! results are the same as without batching.

use super::Scenario;
use crate::harness::{Fleet, Os};

const PLAYBOOK: &str = r#"
- hosts: all
  gather_facts: false
  tasks:
    - file: {path: /etc/konvoy, state: directory, mode: "0755"}
    - copy: {dest: /etc/konvoy/a.conf, content: "a=1\n"}
    - copy: {dest: /etc/konvoy/b.conf, content: "b=2\n"}
    - lineinfile: {path: /etc/konvoy/c.conf, line: "c=3", create: true}
    - blockinfile: {path: /etc/konvoy/d.conf, block: "d=4", create: true}
    - sysctl: {name: konvoy.test, value: "1", sysctl_file: /etc/konvoy/s.conf, reload: false}
    - file: {path: /etc/konvoy/link, src: /etc/konvoy/a.conf, state: link}
    - stat: {path: /etc/konvoy/a.conf}
"#;

#[test]
fn a_converged_host_is_checked_in_one_batch() {
    let fleet = Fleet::builder().hosts(2, Os::Centos8).start();
    let sc = Scenario::new(&fleet, PLAYBOOK);
    let (cold, out) = sc.run(&fleet, |_| {});
    assert_eq!(cold.exit_code, 0, "{out}");
    assert!(cold.recap.hosts.values().all(|s| s.changed == 7), "{out}");
    let (plain, out_plain) = sc.run(&fleet, |o| o.probe_batching = false);
    let (batched, out_batched) = sc.run(&fleet, |_| {});
    for (host, stats) in [&plain, &batched].iter().flat_map(|s| s.recap.hosts.iter()) {
        assert_eq!(
            stats.changed, 0,
            "{host} changed on a converged run:\n{out_plain}\n{out_batched}"
        );
    }
    assert_eq!(
        super::sorted_per_task(&out_plain),
        super::sorted_per_task(&out_batched),
        "batching must not change what is reported"
    );
    for h in fleet.hosts() {
        let (p, b) = (plain.commands[h.name()], batched.commands[h.name()]);
        // One command per task without batching; one batch (plus at most
        // a connection-time command) with it.
        assert_eq!(p, 8, "{}: {p} commands without batching", h.name());
        assert!(b <= 2, "{}: {b} commands with batching", h.name());
    }
}
