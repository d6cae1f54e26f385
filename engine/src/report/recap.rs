//! The PLAY RECAP counters and Ansible's exact recap format.

use std::collections::BTreeMap;
use std::fmt::Write;

/// Counters of one host, as Ansible's recap shows them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HostStats {
    /// Tasks that ran (changed ones included, as in Ansible).
    pub ok: u32,
    /// Tasks that changed the host.
    pub changed: u32,
    /// 1 when the host became unreachable.
    pub unreachable: u32,
    /// Failed tasks (not rescued, not ignored).
    pub failed: u32,
    /// Skipped tasks.
    pub skipped: u32,
    /// Failures handled by a `rescue` section.
    pub rescued: u32,
    /// Failures ignored by `ignore_errors`.
    pub ignored: u32,
}

/// Counters of every host of a run, sorted by host name as Ansible prints.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Recap {
    /// Per host.
    pub hosts: BTreeMap<String, HostStats>,
}

impl Recap {
    /// The mutable counters of `host` (created on first use).
    pub fn host(&mut self, host: &str) -> &mut HostStats {
        self.hosts.entry(host.to_owned()).or_default()
    }

    /// Hosts that failed or were unreachable.
    pub fn failed_hosts(&self) -> usize {
        self.hosts
            .values()
            .filter(|s| s.failed > 0 || s.unreachable > 0)
            .count()
    }

    /// `ansible-playbook`'s exit code: 4 if any host was unreachable,
    /// else 2 if any failed, else 0.
    pub fn exit_code(&self) -> i32 {
        if self.hosts.values().any(|s| s.unreachable > 0) {
            4
        } else if self.hosts.values().any(|s| s.failed > 0) {
            2
        } else {
            0
        }
    }

    /// The recap block, byte-identical to Ansible's default callback
    /// without colour: name padded to 26, `name=%-4s` fields, trailing spaces.
    pub fn render(&self) -> String {
        let mut out = String::from("PLAY RECAP ");
        out.push_str(&"*".repeat(79 - "PLAY RECAP".len()));
        out.push('\n');
        for (name, s) in &self.hosts {
            let _ = writeln!(
                out,
                "{:<26} : {} {} {} {} {} {} {}",
                name,
                field("ok", s.ok),
                field("changed", s.changed),
                field("unreachable", s.unreachable),
                field("failed", s.failed),
                field("skipped", s.skipped),
                field("rescued", s.rescued),
                field("ignored", s.ignored),
            );
        }
        out
    }
}

fn field(name: &str, n: u32) -> String {
    format!("{name}={:<4}", n)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expected text captured from ansible-playbook 2.19.14 (ANSIBLE_NOCOLOR=1).
    #[test]
    fn recap_matches_ansible_bytes() {
        let mut r = Recap::default();
        *r.host("localhost") = HostStats {
            ok: 7,
            changed: 4,
            failed: 1,
            skipped: 1,
            ignored: 1,
            ..HostStats::default()
        };
        assert_eq!(
            r.render(),
            "PLAY RECAP *********************************************************************\n\
             localhost                  : ok=7    changed=4    unreachable=0    failed=1    skipped=1    rescued=0    ignored=1   \n"
        );
        assert_eq!(r.exit_code(), 2);
    }
}
