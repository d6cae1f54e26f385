//! Another supported version set than the images' defaults, chosen on the
//! command line as an operator does: the oldest Kubernetes minor
//! pkgs.k8s.io still serves (1.31) with containerd 1.7, on Rocky Linux 9,
//! Ubuntu 24.04 and Flatcar (real systemd each), from the local mirror.
//! The Kubernetes repositories follow the minor (`core:/stable:/v1.31/`),
//! containerd 1.7 gets a version 2 config with the systemd cgroup driver
//! and the mirror in `certs.d/_default/hosts.toml` (`config_path`),
//! kubelet's drop-in has no `--container-runtime` (gone since 1.27), and
//! the control-plane images pulled and the sandbox
//! image are the ones kubeadm 1.31.13 names (etcd 3.5.15-0, coredns
//! v1.11.3, pause 3.10), not the default minor's; then again (`changed=0`).

use super::current::read;
use super::{cli, prepare, Mirror, Setup, Source};
use crate::harness::{Fleet, Os, TestHost};

/// The versions asked for on the command line.
const ARGS: &[&str] = &[
    "--kubernetes-version",
    "1.31.13",
    "--containerd-version",
    "1.7.34",
    "-e",
    "crictl_version=1.31.1",
];

fn assert_host(host: &TestHost, mirror: &Mirror) {
    let name = host.name();
    super::e2e::assert_node_files(host);
    // The 2021 config's layout, with this containerd, the systemd cgroup
    // driver (Kubernetes >= 1.22) and kubeadm 1.31's sandbox image.
    let want = super::e2e::CONFIG_TOML
        .replace("containerd 1.4.11 (", "containerd 1.7.34 (")
        .replace("SystemdCgroup = false", "SystemdCgroup = true")
        .replace("k8s.gcr.io/pause:3.4.1", "registry.k8s.io/pause:3.10");
    // Mirrors in hosts.toml files (config_path), as containerd 1.5+ reads
    // them, not in the inline `mirrors` tables 1.7 deprecates.
    assert_eq!(
        read(host, "/etc/containerd/config.toml"),
        format!(
            "{want}\n# Registry mirrors: /etc/containerd/certs.d/<registry>/hosts.toml.\n\
             [plugins.\"io.containerd.grpc.v1.cri\".registry]\n  \
             config_path = \"/etc/containerd/certs.d\"\n"
        ),
        "{name}"
    );
    mirror.assert_registry_hosts(host);
    assert_eq!(
        host.sh("ls /etc/containerd/certs.d"),
        "_default\n",
        "{name}"
    );
    assert_eq!(
        read(
            host,
            "/etc/systemd/system/kubelet.service.d/0-containerd.conf"
        ),
        super::current::KUBELET_CRI_DROPIN,
        "{name}"
    );
    let bin = if host.os() == Os::Flatcar {
        "/opt/bin"
    } else {
        "/usr/local/bin"
    };
    assert!(
        host.sh(&format!("{bin}/containerd --version"))
            .contains(" v1.7.34 "),
        "{name}"
    );
    // Pulled through the mirror (the stand-in crictl resolves it from
    // config_path's hosts.toml, as containerd's CRI does):
    // exactly what `kubeadm config images list --kubernetes-version
    // v1.31.13` names, and the pause version before 3.10.
    let images = host.sh(&format!("{bin}/ctr -n k8s.io images ls -q"));
    let mut want: Vec<String> = [
        "kube-apiserver:v1.31.13",
        "kube-controller-manager:v1.31.13",
        "kube-scheduler:v1.31.13",
        "kube-proxy:v1.31.13",
        "etcd:3.5.15-0",
        "coredns/coredns:v1.11.3",
        "pause:3.10",
        "pause:3.9",
    ]
    .iter()
    .map(|i| format!("registry.k8s.io/{i}\n"))
    .collect();
    want.sort();
    assert_eq!(images, want.concat(), "{name}");
    match host.os() {
        Os::Rocky9 => {
            assert_eq!(
                host.sh("rpm -q kubelet kubeadm kubectl cri-tools"),
                "kubelet-1.31.13-150500.1.1.x86_64\nkubeadm-1.31.13-150500.1.1.x86_64\n\
                 kubectl-1.31.13-150500.1.1.x86_64\ncri-tools-1.31.1-150500.1.1.x86_64\n",
                "{name}"
            );
            let repo = read(host, "/etc/yum.repos.d/konvoy-k8s.repo");
            assert!(
                repo.contains(&format!(
                    "baseurl = {}/core:/stable:/v1.31/rpm/\n",
                    mirror.base
                )),
                "{name}: {repo}"
            );
            let locks = read(host, "/etc/dnf/plugins/versionlock.list");
            for pkg in [
                "kubelet-0:1.31.13",
                "kubeadm-0:1.31.13",
                "kubectl-0:1.31.13",
            ] {
                assert!(locks.contains(pkg), "{name}: no lock for {pkg}:\n{locks}");
            }
        }
        Os::Ubuntu2404 => {
            assert_eq!(
                host.sh(
                    "dpkg-query -W -f '${Package} ${Version} ${Status}\\n' \
                     kubelet kubeadm kubectl cri-tools"
                ),
                // (dpkg-query lists by name)
                "cri-tools 1.31.1-1.1 install ok installed\nkubeadm 1.31.13-1.1 hold ok installed\n\
                 kubectl 1.31.13-1.1 hold ok installed\nkubelet 1.31.13-1.1 hold ok installed\n",
                "{name}"
            );
            let list = read(host, "/etc/apt/sources.list.d/kubernetes.list");
            assert!(
                list.contains(&format!("] {}/core:/stable:/v1.31/deb/ /\n", mirror.base)),
                "{name}: {list}"
            );
        }
        Os::Flatcar => {
            assert_eq!(
                host.sh("/opt/bin/kubeadm version -o short; /opt/bin/crictl --version"),
                "v1.31.13\ncrictl version v1.31.1\n",
                "{name}"
            );
        }
        _ => unreachable!("not in this fleet"),
    }
}

/// Provisions a fresh systemd host of each of `oses` with [`ARGS`], checks
/// them, and runs again (`changed=0`).
fn provision_twice(oses: &[Os]) {
    let mut builder = Fleet::builder().systemd(true);
    for os in oses {
        builder = builder.host(*os);
    }
    let fleet = builder.start();
    let mirror = Mirror::start();
    for host in fleet.hosts() {
        prepare(host, Some(&mirror));
    }
    let setup = Setup::new(&fleet, &mirror);
    let (code, output) = cli::provision(&setup, Source::Mirror, ARGS);
    assert_eq!(code, 0, "{output}");
    cli::assert_recap(&output, oses.len(), None);
    for host in fleet.hosts() {
        assert_host(host, &mirror);
    }
    let (code, output) = cli::provision(&setup, Source::Mirror, ARGS);
    assert_eq!(code, 0, "{output}");
    cli::assert_recap(&output, oses.len(), Some(0));
}

/// One fleet of the three (a single host takes about as long: the time
/// goes to the mirror and to booting systemd, not to the hosts' count).
#[test]
fn kubernetes_1_31_with_containerd_1_7_on_rocky_ubuntu_and_flatcar() {
    provision_twice(&[Os::Rocky9, Os::Ubuntu2404, Os::Flatcar]);
}
