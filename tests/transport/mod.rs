//! Transport tests against real sshd test hosts (see `crate::harness`):
//! every test here talks to a real OpenSSH server over TCP; nothing is
//! mocked.

mod become_;
mod exec;
mod faults;
mod fleet;
mod interrupt;
mod keys;
mod scale;
mod secrets;
mod trust;
mod writes;

use crate::harness::{Fleet, TestHost};
use engine::transport::{connect, Transport};

/// Connects to `host` as root with the fleet's key and known_hosts.
#[track_caller]
pub(crate) fn root_session(fleet: &Fleet, host: &TestHost) -> Box<dyn Transport> {
    connect(&fleet.spec(host), &fleet.connect_options())
        .unwrap_or_else(|e| panic!("connect {}: {e}", host.name()))
}

/// A Debug rendering with the whole error chain, for assertions on text.
pub(crate) fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}
