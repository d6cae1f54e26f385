//! A host that cannot be reached is reported and never stops the others.

use super::{recap_line, Scenario};
use crate::harness::{Fleet, Os};
use std::time::{Duration, Instant};

#[test]
fn stopped_sshd_is_unreachable_and_the_rest_succeed() {
    let fleet = Fleet::builder().hosts(3, Os::Debian).start();
    let dead = fleet.hosts()[1].name().to_owned();
    fleet.hosts()[1].stop_sshd();
    let sc = Scenario::new(
        &fleet,
        r#"
        - hosts: all
          gather_facts: false
          tasks:
            - command: touch /root/ran
            - command: touch /root/ran-again
        "#,
    );
    let started = Instant::now();
    let (summary, out) = sc.run(&fleet, |_| {});
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "took {:?}",
        started.elapsed()
    );
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
