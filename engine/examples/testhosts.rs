//! Starts local test hosts (the integration tests' harness) for scripts:
//! `demo.sh` and `benches/provision.sh` provision them with the real CLI.
//!
//! ```text
//! testhosts [--systemd] DIR OS...      (OS: centos-7, centos-8, flatcar, debian)
//! ```
//!
//! Writes `DIR/inventory.yaml` (root login with the fleet's key, strict host
//! key checking against the fleet's `known_hosts`), prints `ready` on stdout
//! and keeps the hosts up until stdin closes; then it ends every host it
//! started and exits. Needs root, like the tests.

#[path = "../../tests/harness/mod.rs"]
#[allow(unreachable_pub, dead_code, missing_docs)]
mod harness;

use harness::{Fleet, Os};
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1).peekable();
    let systemd = args.peek().is_some_and(|a| a == "--systemd");
    if systemd {
        args.next();
    }
    let Some(dir) = args.next().map(PathBuf::from) else {
        eprintln!("usage: testhosts [--systemd] DIR OS...");
        return ExitCode::from(2);
    };
    let mut builder = Fleet::builder().systemd(systemd);
    for name in args {
        let os = match name.as_str() {
            "centos-7" => Os::Centos7,
            "centos-8" => Os::Centos8,
            "flatcar" => Os::Flatcar,
            "debian" => Os::Debian,
            other => {
                eprintln!("testhosts: unknown OS `{other}` (centos-7, centos-8, flatcar, debian)");
                return ExitCode::from(2);
            }
        };
        builder = builder.host(os);
    }
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("testhosts: cannot create `{}`: {e}", dir.display());
        return ExitCode::FAILURE;
    }
    let fleet = builder.start();
    fleet.write_inventory(&dir);
    for host in fleet.hosts() {
        eprintln!(
            "testhosts: {} ({:?}) on {}:22, root at {}",
            host.name(),
            host.os(),
            host.address(),
            host.root().display()
        );
    }
    println!("ready");
    // Hosts stay up until the caller closes our stdin (or exits).
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
    drop(fleet);
    ExitCode::SUCCESS
}
