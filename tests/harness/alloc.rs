//! Address allocation for test hosts.
//!
//! Every host listens on port 22 of its own loopback address. Tests run as
//! threads of one `cargo test` process and as several processes at once,
//! so an address is taken by holding an exclusive `flock` on
//! `/tmp/konvoy-test-hosts/locks/<address>.lock` for the host's lifetime
//! (the kernel drops it when the process dies, so a crashed run leaves no
//! stale claim) and by checking that nothing else listens there.

use std::fs::File;
use std::net::{Ipv4Addr, TcpListener};
use std::os::fd::AsRawFd;
use std::path::Path;

/// An address held for one host; released on drop.
pub(crate) struct Lease {
    pub(crate) address: Ipv4Addr,
    _lock: File,
}

/// The candidates: 127.0.X.Y for X in 0..16, Y in 2..=254 (3,968 hosts).
/// `.1` addresses are skipped: Debian maps its hostname to 127.0.1.1.
fn candidates() -> impl Iterator<Item = Ipv4Addr> {
    (0u8..16).flat_map(|x| (2u8..=254).map(move |y| Ipv4Addr::new(127, 0, x, y)))
}

/// Takes the first free address.
pub(crate) fn lease() -> Lease {
    let dir = Path::new("/tmp/konvoy-test-hosts/locks");
    std::fs::create_dir_all(dir).expect("create the address lock directory");
    for address in candidates() {
        let path = dir.join(format!("{address}.lock"));
        let Ok(file) = File::options()
            .create(true)
            .write(true)
            .truncate(false)
            .open(&path)
        else {
            continue;
        };
        // SAFETY: flock on a file we own; non-blocking.
        let locked = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0;
        if !locked {
            continue;
        }
        // Something outside our locks (a stray sshd) may hold the port.
        if TcpListener::bind((address, 22)).is_err() {
            continue;
        }
        return Lease {
            address,
            _lock: file,
        };
    }
    panic!("no free loopback address for a test host (all of 127.0.0-15.x are taken)");
}
