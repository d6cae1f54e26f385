//! Running commands: environment, stdin, large interleaved output,
//! signals, reconnecting, jump hosts and the local transport.

use super::root_session;
use crate::harness::{Fleet, Os};
use engine::transport::{ExecRequest, PutOptions};
use std::time::Instant;

#[test]
fn put_speed() {
    let fleet = Fleet::builder().host(Os::Debian).start();
    let mut t = root_session(&fleet, &fleet.hosts()[0]);
    let data = vec![7u8; 64 << 20];
    let s = Instant::now();
    t.put(
        &mut data.as_slice(),
        data.len() as u64,
        "/root/x",
        &PutOptions::default(),
    )
    .unwrap();
    eprintln!("put {:?}", s.elapsed());
    let s = Instant::now();
    for _ in 0..20 {
        t.exec(&ExecRequest::new("true")).unwrap();
    }
    eprintln!("20 exec {:?}", s.elapsed());
}
