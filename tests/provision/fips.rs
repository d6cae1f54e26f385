//! The built-in FIPS override (konvoy-image-builder's): the image list
//! names kubeadm would use for the `mesosphere` registry (coredns as
//! `<registry>/coredns`, `_fips.0` tags, the kfips image), pulled through a
//! local registry mirror: with containerd 1.4's version 2 config (CentOS 8,
//! 2021 pins) and containerd 2.x's version 3 config and hosts.toml
//! (Flatcar). Each host gets the image of its OS; the mirror override comes
//! after the FIPS one, so the packages come from the mirror too.

use super::{assert_unchanged, prepare, repo, Mirror, Setup, Source};
use crate::harness::{Fleet, Os};
use engine::modules::RunMode;

#[test]
fn fips_images_are_named_as_kubeadm_names_them_and_pulled_through_the_mirror() {
    let fleet = Fleet::builder().host(Os::Centos8).host(Os::Flatcar).start();
    let mirror = Mirror::start();
    for host in fleet.hosts() {
        prepare(host, Some(&mirror));
    }
    let setup = Setup::new(&fleet, &mirror);
    let job = || {
        let mut job = setup.job(&fleet, Source::Mirror, None, &[], &["start_services=false"]);
        job.image
            .overrides
            .insert(0, repo().join("images/overrides/fips.yaml"));
        job
    };
    let (summary, output) = setup.run(job(), RunMode::Apply);
    assert_eq!(summary.exit_code, 0, "{output}");

    for host in fleet.hosts() {
        let (ctr, k8s, pause) = match host.os() {
            Os::Centos8 => ("ctr", "1.21.6", ["3.4.1", "3.2"]),
            _ => ("/opt/bin/ctr", "1.36.4", ["3.10.2", "3.10.1"]),
        };
        let coredns = if k8s == "1.21.6" { "1.8.0" } else { "1.14.2" };
        let mut want: Vec<String> = [
            "kube-apiserver",
            "kube-controller-manager",
            "kube-scheduler",
            "kube-proxy",
        ]
        .iter()
        .map(|c| format!("docker.io/mesosphere/{c}:v{k8s}_fips.0"))
        .collect();
        want.push("docker.io/mesosphere/etcd:v3.4.13_fips.0".into());
        want.extend(
            pause
                .iter()
                .map(|p| format!("docker.io/mesosphere/pause:{p}")),
        );
        want.push(format!("docker.io/mesosphere/coredns:v{coredns}"));
        want.push("docker.io/mesosphere/kfips:v0.1.0".into());
        want.sort();
        let got = host.sh(&format!("{ctr} -n k8s.io images ls -q"));
        assert_eq!(got, want.join("\n") + "\n", "{}", host.name());
        let config = super::current::read(host, "/etc/containerd/config.toml");
        let sandbox = format!("mesosphere/pause:{}", pause[0]);
        assert!(config.contains(&sandbox), "{}: {config}", host.name());
    }
    // The RPMs came from the mirror (after the override's FIPS repositories
    // were replaced by the mirror override's).
    let centos = fleet.host("node1");
    assert_eq!(centos.sh("rpm -q kubeadm"), "kubeadm-1.21.6-0.x86_64\n");
    // Present images are recognised by their full names: nothing to pull.
    let (summary, output) = setup.run(job(), RunMode::Apply);
    assert_unchanged(&summary, &output);
}
