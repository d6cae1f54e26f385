//! `zypper` and `zypper_repository` on openSUSE Leap 15 test hosts: Debian's
//! zypper (libzypp) and rpm in the host's overlay, the tiny RPMs of
//! `rpms.rs` as an rpm-md repository under `/srv/repo`, compared with
//! community.general's modules run by ansible-core 2.19.14 (goldens from
//! `gen_deb_results.sh`, which puts community.general from the `ansible`
//! package on PyPI on the collections path).

use super::rpms::{copy_tree, rpms};
use super::twin;
use crate::harness::{Fleet, Os, TestHost};

/// Copies the RPM repository into `host` at `/srv/repo`.
pub(crate) fn prepare(host: &TestHost) {
    copy_tree(&rpms().repo, &host.root().join("srv/repo"));
}

/// Starts `n` openSUSE hosts with the repository.
pub(crate) fn hosts(n: usize) -> Fleet {
    let fleet = Fleet::builder().hosts(n, Os::OpenSuse15).start();
    for h in fleet.hosts() {
        prepare(h);
    }
    fleet
}

#[test]
fn zypper_matches_ansible_golden() {
    let fleet = hosts(1);
    let host = &fleet.hosts()[0];
    let (ours, out) = twin::ours(&fleet, host, "zypper");
    twin::assert_same("zypper", &ours, &twin::golden("zypper"), &out);
    // Debian's rpm keeps its own database in ~/.rpmdb; zypper's is the
    // system one, as on openSUSE, with the host's system packages.
    let q = host.sh("rpm --dbpath /var/lib/rpm -qa --qf '%{NAME}-%{VERSION}\\n' | sort");
    assert_eq!(q, "glibc-2.38\nkonvoy-a-1.0\n");
}

#[test]
fn zypper_repository_matches_ansible_golden() {
    let fleet = hosts(1);
    let host = &fleet.hosts()[0];
    let (ours, out) = twin::ours(&fleet, host, "zypper_repository");
    twin::assert_same(
        "zypper_repository",
        &ours,
        &twin::golden("zypper_repository"),
        &out,
    );
    let repo = host.sh("cat /etc/zypp/repos.d/offline2.repo");
    // zypper writes `file:///` URLs as `file:/`.
    assert!(repo.contains("baseurl=file:/srv/repo"), "{repo}");
    assert!(!host.root().join("etc/zypp/repos.d/offline.repo").exists());
}
