//! A host that cannot be reached is reported and never stops the others.

use super::{recap_line, within, Scenario};
use crate::harness::{Fleet, Os};
use std::time::Duration;

#[test]
fn stopped_sshd_is_unreachable_and_the_rest_succeed() {
    let fleet = Fleet::builder().hosts(3, Os::Debian).start();
    let dead = fleet.hosts()[1].name().to_owned();
    fleet.hosts()[1].stop_sshd();
    let sc = Scenario::tasks(
        &fleet,
        r#"
        - command: touch /root/ran
        - command: touch /root/ran-again
        "#,
    );
    let (summary, out) = within(Duration::from_secs(60), || sc.run(&fleet, |_| {}));
    assert_eq!(summary.exit_code, 4, "{out}");
    assert!(
        out.contains(&format!("fatal: [{dead}]: UNREACHABLE!")),
        "{out}"
    );
    assert!(recap_line(&out, &dead).contains("unreachable=1"), "{out}");
    for h in fleet.hosts().iter().filter(|h| h.name() != dead) {
        assert!(h.root().join("root/ran-again").exists(), "{out}");
        assert!(
            recap_line(&out, h.name()).contains("ok=2    changed=2    unreachable=0    failed=0"),
            "{out}"
        );
    }
}

/// `-o UserKnownHostsFile=` in `ansible_ssh_common_args` (the fleet's
/// inventory sets it, with strict checking) is honoured with no run-wide
/// known_hosts at all; pointing it at `/dev/null` refuses the host.
#[test]
fn user_known_hosts_file_from_the_inventory_is_used() {
    let fleet = Fleet::builder().hosts(1, Os::Centos8).start();
    let sc = Scenario::tasks(
        &fleet,
        r#"
        - command: "true"
        "#,
    );
    let (ok, out) = sc.run(&fleet, |o| o.connect = Default::default());
    assert_eq!(ok.exit_code, 0, "{out}");
    let inv = std::fs::read_to_string(&sc.inventory).unwrap();
    let known = fleet.known_hosts().display().to_string();
    std::fs::write(&sc.inventory, inv.replace(&known, "/dev/null")).unwrap();
    let (refused, out) = sc.run(&fleet, |o| o.connect = Default::default());
    assert_eq!(refused.exit_code, 4, "{out}");
    assert!(out.contains("UNREACHABLE"), "{out}");
}
