//! Every OS the harness has an identity for, provisioned without an image
//! (each host the image of its OS) from the local mirror, on real systemd
//! hosts, twice (the second run `changed=0`): about two minutes.
//!
//! Hosts start in batches of four: each systemd host holds inotify
//! instances, of which this machine allows 128 per user.

use super::{assert_unchanged, prepare, Mirror, Setup, Source};
use crate::harness::{Fleet, Os, TestHost};
use engine::modules::RunMode;

/// The OSes, with the Kubernetes version their image installs.
const MATRIX: &[(Os, &str)] = &[
    (Os::Centos7, "v1.21.6"),
    (Os::Centos8, "v1.21.6"),
    (Os::Rocky8, "v1.36.4"),
    (Os::Rocky9, "v1.36.4"),
    (Os::Rhel8, "v1.36.4"),
    (Os::Rhel9, "v1.36.4"),
    (Os::Oracle9, "v1.36.4"),
    (Os::Ubuntu2204, "v1.36.4"),
    (Os::Ubuntu2404, "v1.36.4"),
    (Os::Flatcar, "v1.36.4"),
];

fn check(host: &TestHost, kubernetes: &str) {
    let name = format!("{} ({:?})", host.name(), host.os());
    let out = host.sh(
        "PATH=/opt/bin:/usr/local/bin:$PATH; kubeadm version -o short; \
         systemctl is-active containerd; systemctl is-enabled kubelet",
    );
    assert_eq!(out, format!("{kubernetes}\nactive\nenabled\n"), "{name}");
    if host.os().is_rpm() {
        assert_eq!(host.sh("systemctl is-active auditd"), "active\n", "{name}");
        assert!(
            host.root().join("etc/yum.repos.d/epel.repo").exists(),
            "{name}: EPEL"
        );
    }
}

#[test]
fn every_os_is_provisioned_with_its_image_twice() {
    let mirror = Mirror::start();
    for batch in MATRIX.chunks(4) {
        let mut builder = Fleet::builder().systemd(true);
        for (os, _) in batch {
            builder = builder.host(*os);
        }
        let fleet = builder.start();
        for host in fleet.hosts() {
            prepare(host, Some(&mirror));
        }
        let setup = Setup::new(&fleet, &mirror);
        let job = || setup.job(&fleet, Source::Mirror, None, &[], &[]);
        let (summary, output) = setup.run(job(), RunMode::Apply);
        assert_eq!(summary.exit_code, 0, "{output}");
        for (host, (_, kubernetes)) in fleet.hosts().iter().zip(batch) {
            check(host, kubernetes);
        }
        let (summary, output) = setup.run(job(), RunMode::Apply);
        assert_unchanged(&summary, &output);
    }
}
