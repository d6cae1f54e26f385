//! The Debian package modules on Ubuntu test hosts with real `dpkg` and
//! `apt` (Debian's, in the host's overlay) and the local repositories
//! `debs.sh` builds, compared with ansible-core 2.19.14 step by step
//! (`twin.rs`): the scenario playbooks in `deb/` run by this engine, their
//! registered results compared with the goldens that
//! `gen_deb_results.sh` records from ansible-playbook on a twin host.
//! Package state is also checked with `dpkg-query` run directly in the
//! host, never through a module.
//!
//! Nothing reaches a network: the hosts' only apt sources are
//! `file:/srv/apt/main` and `file:/srv/apt/extra` (the machine's own
//! sources are hidden by the harness on Ubuntu hosts).

use super::rpms::copy_tree;
use super::twin;
use crate::harness::{Fleet, Os, TestHost};
use std::path::PathBuf;
use std::sync::OnceLock;

/// The fixtures, built once per test process by `debs.sh`.
pub(crate) struct Debs {
    _dir: tempfile::TempDir,
    /// The fixture tree (`main/`, `extra/`, `files/`, keys).
    pub(crate) root: PathBuf,
}

/// Builds (once) and returns the fixtures.
pub(crate) fn debs() -> &'static Debs {
    static DEBS: OnceLock<Debs> = OnceLock::new();
    DEBS.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("apt");
        let script = twin::dir().join("../debs.sh");
        let out = std::process::Command::new("sh")
            .arg(&script)
            .arg(&root)
            .output()
            .expect("run debs.sh");
        assert!(
            out.status.success(),
            "debs.sh failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Debs { _dir: dir, root }
    })
}

/// Gives `host` the test repositories as its only apt sources
/// (`/srv/apt`, trusted, as an air-gapped mirror would be configured).
pub(crate) fn prepare(host: &TestHost) {
    copy_tree(&debs().root, &host.root().join("srv/apt"));
    host.sh(
        "mkdir -p /etc/apt/sources.list.d && \
         printf 'deb [trusted=yes] file:/srv/apt/main ./\\ndeb [trusted=yes] file:/srv/apt/extra ./\\n' \
         > /etc/apt/sources.list.d/konvoy.list",
    );
}

/// `dpkg-query` in the host, bypassing the modules: `(status, version)`.
pub(crate) fn dpkg(host: &TestHost, name: &str) -> (String, String) {
    let out = host.exec_direct(&format!(
        "dpkg-query -W -f='${{db:Status-Status}} ${{Version}}' {name} 2>/dev/null"
    ));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (st, ver) = text.split_once(' ').unwrap_or((&text, ""));
    (st.to_owned(), ver.to_owned())
}

/// Starts `n` Ubuntu 22.04 hosts with the test repositories.
pub(crate) fn hosts(n: usize) -> Fleet {
    let fleet = Fleet::builder().hosts(n, Os::Ubuntu2204).start();
    for h in fleet.hosts() {
        prepare(h);
    }
    fleet
}

/// What the apt scenario leaves on a host, read with dpkg.
#[track_caller]
fn assert_apt_end_state(host: &TestHost) {
    let installed = |n: &str, v: &str| {
        assert_eq!(dpkg(host, n), ("installed".into(), v.into()), "{n}");
    };
    installed("konvoy-a", "1.0-1");
    installed("konvoy-rec", "1.0-1");
    installed("konvoy-file", "2.0-1");
    // Upgraded by `name: '*'` with `state: latest`.
    installed("konvoy-b", "3.0-1");
    for gone in ["konvoy-lib", "konvoy-dep", "konvoy-recd"] {
        assert_ne!(dpkg(host, gone).0, "installed", "{gone}");
    }
    // Purged: dpkg forgot it, its conffile is gone.
    assert_eq!(dpkg(host, "konvoy-conf").0, "");
    assert!(!host.root().join("etc/konvoy-conf.conf").exists());
    // Manually installed, as Ansible marks what it was asked for.
    let auto = host.sh("apt-mark showauto");
    assert!(!auto.lines().any(|l| l == "konvoy-a"), "{auto}");
}

#[test]
fn apt_matches_ansible_golden() {
    let fleet = hosts(1);
    let host = &fleet.hosts()[0];
    let (ours, out) = twin::ours(&fleet, host, "apt");
    twin::assert_same("apt", &ours, &twin::golden("apt"), &out);
    assert_apt_end_state(host);
}

/// Both tools live, on twin hosts, one test per scenario of `deb/`
/// (ansible-playbook runs too; community.general for zypper comes from
/// `tests/fetch-ansible-collections.sh`). With `UPDATE_GOLDENS=1`,
/// ansible-playbook's results are written as the scenario's golden
/// (`tests/modules/gen_deb_results.sh`).
mod live {
    macro_rules! live {
        ($($name:ident),* $(,)?) => {$(
            #[test]
            fn $name() {
                super::live_twin(stringify!($name));
            }
        )*};
    }
    live!(
        apt,
        package_facts,
        dpkg_selections,
        service,
        service_facts,
        apt_key,
        apt_repository,
        deb822_repository,
        zypper,
        zypper_repository,
    );
}

/// The hosts a scenario runs on: openSUSE for `zypper*`, else Ubuntu.
pub(crate) fn hosts_for(scenario: &str, n: usize) -> Fleet {
    if scenario.starts_with("zypper") {
        super::suse::hosts(n)
    } else {
        hosts(n)
    }
}

/// Runs `scenario` with both tools on twin hosts and compares.
pub(crate) fn live_twin(scenario: &str) {
    let fleet = hosts_for(scenario, 2);
    let started = std::time::Instant::now();
    let (ours, out) = twin::ours(&fleet, &fleet.hosts()[0], scenario);
    let ours_took = started.elapsed();
    let started = std::time::Instant::now();
    let (theirs, _) = twin::ansible(&fleet, &fleet.hosts()[1], scenario);
    eprintln!(
        "{scenario}: konvoy-image {:.1} s, ansible-playbook {:.1} s",
        ours_took.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    if std::env::var_os("UPDATE_GOLDENS").is_some() {
        twin::write_golden(scenario, &theirs);
    }
    twin::assert_same(scenario, &ours, &theirs, &out);
}

#[test]
fn package_and_package_facts_match_ansible_golden() {
    let fleet = hosts(1);
    let host = &fleet.hosts()[0];
    let (ours, out) = twin::ours(&fleet, host, "package_facts");
    twin::assert_same("package_facts", &ours, &twin::golden("package_facts"), &out);
    assert_eq!(dpkg(host, "konvoy-b"), ("installed".into(), "1.0-1".into()));
}

#[test]
fn dpkg_selections_matches_ansible_golden() {
    let fleet = hosts(1);
    let host = &fleet.hosts()[0];
    let (ours, out) = twin::ours(&fleet, host, "dpkg_selections");
    twin::assert_same(
        "dpkg_selections",
        &ours,
        &twin::golden("dpkg_selections"),
        &out,
    );
    assert_eq!(dpkg(host, "konvoy-b"), ("installed".into(), "3.0-1".into()));
    assert!(host
        .sh("dpkg --get-selections konvoy-b")
        .contains("install"));
}

#[test]
fn service_and_sysvinit_match_ansible_golden() {
    let fleet = hosts(1);
    let host = &fleet.hosts()[0];
    let (ours, out) = twin::ours(&fleet, host, "service");
    twin::assert_same("service", &ours, &twin::golden("service"), &out);
    // Stopped by the pattern step, disabled by the last real step.
    assert!(!host.root().join("run/konvoy-svc.pid").exists());
    assert!(host
        .sh("ls /etc/rc2.d")
        .lines()
        .all(|l| !l.starts_with("S") || !l.ends_with("konvoy-svc")));
}

#[test]
fn service_facts_match_ansible_golden() {
    let fleet = hosts(1);
    let host = &fleet.hosts()[0];
    let (ours, out) = twin::ours(&fleet, host, "service_facts");
    twin::assert_same("service_facts", &ours, &twin::golden("service_facts"), &out);
}

#[test]
fn apt_key_matches_ansible_golden() {
    let fleet = hosts(1);
    let host = &fleet.hosts()[0];
    let (ours, out) = twin::ours(&fleet, host, "apt_key");
    twin::assert_same("apt_key", &ours, &twin::golden("apt_key"), &out);
    // Read with apt-key directly: the inline key stays, the file's key went.
    let listed = host.sh("apt-key adv --list-public-keys --keyid-format=long 2>/dev/null");
    let fp = |f: &str| {
        let t = std::fs::read_to_string(debs().root.join(f)).expect("fingerprint");
        t.trim()[24..].to_owned()
    };
    assert!(listed.contains(&fp("fingerprint2")), "{listed}");
    assert!(!listed.contains(&fp("fingerprint")), "{listed}");
}

#[test]
fn apt_repository_matches_ansible_golden() {
    let fleet = hosts(1);
    let host = &fleet.hosts()[0];
    let (ours, out) = twin::ours(&fleet, host, "apt_repository");
    twin::assert_same(
        "apt_repository",
        &ours,
        &twin::golden("apt_repository"),
        &out,
    );
    assert!(!host
        .root()
        .join("etc/apt/sources.list.d/srv_no_such.list")
        .exists());
}

#[test]
fn deb822_repository_matches_ansible_golden() {
    let fleet = hosts(1);
    let host = &fleet.hosts()[0];
    let (ours, out) = twin::ours(&fleet, host, "deb822_repository");
    twin::assert_same(
        "deb822_repository",
        &ours,
        &twin::golden("deb822_repository"),
        &out,
    );
    let text = host.sh("cat /etc/apt/sources.list.d/konvoy-main-repo.sources");
    assert!(text.contains("URIs: file:/srv/apt/main\n"), "{text}");
}
