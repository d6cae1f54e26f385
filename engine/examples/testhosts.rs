//! Starts local test hosts (the integration tests' harness) for scripts:
//! `demo.sh` and `benches/provision.sh` provision them with the real CLI.
//!
//! ```text
//! testhosts [--systemd] [--own-network] [--mirror-out DIR [--os-repos]] OUT OS[*N]...
//!     OS: an image name (centos-7, centos-8, rocky-8, rocky-9, rhel-8, rhel-9,
//!         oracle-9, ubuntu-22.04, ubuntu-24.04, flatcar) or debian; `flatcar*3`
//!         starts three
//! ```
//!
//! `--own-network` gives every host its own network namespace (only `lo`),
//! so `net.*` sysctls and firewall rules a playbook applies stay in the
//! host (test-hosts.md §2c).
//!
//! Writes `OUT/inventory.yaml` (root login with the fleet's key) and
//! `OUT/known_hosts` (every host's key: use it as `~/.ssh/known_hosts`),
//! makes each host ready for provisioning (`tests/provision/hostprep.rs`:
//! built-in kernel modules listed for `modprobe`; with `--mirror-out`, the
//! output directory of tests/artifacts/build-mirror.sh, what Flatcar ships
//! in /usr/bin; with `--os-repos`, its `os.repo`, `os.list` and `os-apt.asc`
//! as the OS repositories of RPM and Ubuntu hosts), prints `ready` on stdout and keeps the hosts up until
//! stdin closes; then it ends every host it started and exits. Needs root.

#[path = "../../tests/harness/mod.rs"]
#[allow(unreachable_pub, missing_docs)]
mod harness;

#[path = "../../tests/provision/hostprep.rs"]
mod hostprep;

use harness::{Fleet, Os};
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

/// Every identity the harness has, by its image name (`rocky-9`, ...).
const ALL: &[Os] = &[
    Os::Debian,
    Os::Centos7,
    Os::Centos8,
    Os::Flatcar,
    Os::Rocky8,
    Os::Rocky9,
    Os::Rhel8,
    Os::Rhel9,
    Os::Oracle9,
    Os::Ubuntu2204,
    Os::Ubuntu2404,
];

fn os(name: &str) -> Option<Os> {
    let name = if name == "debian" { "debian-12" } else { name };
    ALL.iter().copied().find(|os| os.slug() == name)
}

fn main() -> ExitCode {
    let mut systemd = false;
    let mut own_network = false;
    let mut mirror_out = None;
    let mut os_repos = false;
    let mut positional = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--systemd" => systemd = true,
            "--own-network" => own_network = true,
            "--mirror-out" => mirror_out = args.next().map(PathBuf::from),
            "--os-repos" => os_repos = true,
            _ => positional.push(a),
        }
    }
    let mut positional = positional.into_iter();
    let Some(dir) = positional.next().map(PathBuf::from) else {
        eprintln!("usage: testhosts [--systemd] [--own-network] [--mirror-out DIR [--os-repos]] OUT OS[*N]...");
        return ExitCode::from(2);
    };
    let mut builder = Fleet::builder().systemd(systemd).own_network(own_network);
    for spec in positional {
        let (name, count) = match spec.split_once('*') {
            Some((n, c)) => (n, c.parse().unwrap_or(0)),
            None => (spec.as_str(), 1),
        };
        let Some(os) = os(name).filter(|_| count > 0) else {
            let names: Vec<&str> = ALL.iter().map(|os| os.slug()).collect();
            eprintln!(
                "testhosts: bad host spec `{spec}` ({}, optionally `*N`)",
                names.join(", ")
            );
            return ExitCode::from(2);
        };
        builder = builder.hosts(count, os);
    }
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("testhosts: cannot create `{}`: {e}", dir.display());
        return ExitCode::FAILURE;
    }
    let fleet = builder.start();
    fleet.write_inventory(&dir);
    if let Err(e) = std::fs::copy(fleet.known_hosts(), dir.join("known_hosts")) {
        eprintln!("testhosts: cannot write known_hosts: {e}");
        return ExitCode::FAILURE;
    }
    let os_repos = match (&mirror_out, os_repos) {
        (Some(dir), true) => Some(hostprep::OsRepos::read(dir, "", "")),
        (None, true) => {
            eprintln!("testhosts: --os-repos needs --mirror-out");
            return ExitCode::from(2);
        }
        _ => None,
    };
    for host in fleet.hosts() {
        if host.os() == Os::Flatcar && mirror_out.is_none() {
            eprintln!("testhosts: {} is Flatcar: pass --mirror-out", host.name());
            return ExitCode::from(2);
        }
        hostprep::prepare_host(
            host,
            mirror_out.as_deref().unwrap_or(std::path::Path::new("")),
            os_repos.as_ref(),
        );
        eprintln!(
            "testhosts: {} ({:?}{}) on {}:22",
            host.name(),
            host.os(),
            if systemd { ", systemd" } else { "" },
            host.address()
        );
    }
    println!("ready");
    // Hosts stay up until the caller closes our stdin (or exits).
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
    drop(fleet);
    ExitCode::SUCCESS
}
