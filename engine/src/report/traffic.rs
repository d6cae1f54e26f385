//! [`Traffic`]: what a run sent to one host and where the time went, as
//! `--stats` prints it after the recap.

use std::collections::BTreeMap;
use std::time::Duration;

/// Where a host's wall time went, and what crossed the wire.
///
/// Measured by the one wrapper every session is lent through (see the
/// executor's `trace.rs`): each command, `put` and `fetch` is one round
/// trip, timed from sending to its exit status. Bytes are the payload the
/// executor handed the transport (command text, environment and stdin
/// sent; stdout and stderr received; file contents), not SSH framing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Traffic {
    /// SSH round trips: commands, puts and fetches (one `Command` event
    /// each).
    pub commands: u64,
    /// Of those, file transfers (`put`, `fetch`).
    pub transfers: u64,
    /// Round trips on the controller itself (`delegate_to: localhost`, a
    /// local connection): not counted in `commands`, their time is.
    pub local_commands: u64,
    /// Sessions opened or attempted (SSH handshake and authentication).
    pub connects: u64,
    /// Payload bytes sent.
    pub bytes_sent: u64,
    /// Payload bytes received.
    pub bytes_received: u64,
    /// Time opening sessions.
    pub connect_time: Duration,
    /// Time gathering facts.
    pub facts_time: Duration,
    /// Time in read-only probes (batched or a module's own).
    pub probes_time: Duration,
    /// Time in commands that may change the host.
    pub applies_time: Duration,
    /// Time in file transfers.
    pub transfers_time: Duration,
}

impl Traffic {
    /// The sum of the phases: the host's time on the wire.
    pub fn total_time(&self) -> Duration {
        self.connect_time
            + self.facts_time
            + self.probes_time
            + self.applies_time
            + self.transfers_time
    }

    /// One line per host, sorted by name:
    /// `node1: 2 SSH commands (0 transfers, 1 connect), sent 3.1 KB,
    /// received 4.2 KB; connect 0.012s, facts 0.045s, probes 0.020s,
    /// applies 0.000s, transfers 0.000s, total 0.077s`.
    pub fn render(hosts: &BTreeMap<String, Traffic>) -> String {
        let mut out = String::new();
        for (host, t) in hosts {
            out.push_str(&format!(
                "{host}: {} SSH commands ({} transfers, {} connect{}{}), sent {}, received {}; \
                 connect {:.3}s, facts {:.3}s, probes {:.3}s, applies {:.3}s, transfers {:.3}s, \
                 total {:.3}s\n",
                t.commands,
                t.transfers,
                t.connects,
                if t.connects == 1 { "" } else { "s" },
                if t.local_commands > 0 {
                    format!(", {} local", t.local_commands)
                } else {
                    String::new()
                },
                bytes(t.bytes_sent),
                bytes(t.bytes_received),
                t.connect_time.as_secs_f64(),
                t.facts_time.as_secs_f64(),
                t.probes_time.as_secs_f64(),
                t.applies_time.as_secs_f64(),
                t.transfers_time.as_secs_f64(),
                t.total_time().as_secs_f64(),
            ));
        }
        out
    }
}

/// `512 B`, `3.1 KB`, `2.0 MB` (powers of 1000, as `ls --si`).
fn bytes(n: u64) -> String {
    match n {
        0..=999 => format!("{n} B"),
        1_000..=999_999 => format!("{:.1} KB", n as f64 / 1e3),
        _ => format!("{:.1} MB", n as f64 / 1e6),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_per_host_with_every_phase() {
        let mut hosts = BTreeMap::new();
        hosts.insert(
            "node1".to_owned(),
            Traffic {
                commands: 2,
                connects: 1,
                bytes_sent: 3_100,
                bytes_received: 42,
                connect_time: Duration::from_millis(12),
                facts_time: Duration::from_millis(45),
                probes_time: Duration::from_millis(20),
                ..Traffic::default()
            },
        );
        assert_eq!(
            Traffic::render(&hosts),
            "node1: 2 SSH commands (0 transfers, 1 connect), sent 3.1 KB, received 42 B; \
             connect 0.012s, facts 0.045s, probes 0.020s, applies 0.000s, transfers 0.000s, \
             total 0.077s\n"
        );
    }
}
