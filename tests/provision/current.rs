//! A mixed fleet (CentOS 8, Rocky Linux 9, Ubuntu 24.04, Flatcar; real
//! systemd each) provisioned by one `provision` without an image: each host
//! gets the image of its OS from its facts. Rocky, Ubuntu and Flatcar get
//! the current versions of `images/common.yaml` (Kubernetes 1.36 from the
//! pkgs.k8s.io repository layouts with signed metadata, RPM and apt,
//! containerd 2.x from its release tarball with a version 3 config, runc,
//! EPEL, images pulled through the mirror's registry), CentOS 8 the 2021
//! pins of its image (containerd.io
//! 1.4.11, Kubernetes 1.21.6, a version 2 config), all from the local
//! mirror; checked on the hosts' files, rpm database and systemd; then
//! again (`changed=0`). Both runs are the operator's command, the CLI
//! binary's `provision --inventory-file INV` with no image argument.

use super::{artifacts, cli, prepare, Mirror, Setup, Source};
use crate::harness::{Fleet, Os, TestHost};

/// config.toml for containerd 2.3.4 (version 3), current defaults.
const CONFIG_TOML_V3: &str = r#"# Managed by konvoy-image: containerd 2.3.4 (config version 3).
# Files in /etc/containerd/conf.d/ are merged on top; registry mirrors are in
# /etc/containerd/certs.d/<registry>/hosts.toml.
version = 3
root = "/var/lib/containerd"
state = "/run/containerd"
imports = ["/etc/containerd/conf.d/*.toml"]

[grpc]
  address = "/run/containerd/containerd.sock"

[metrics]
  address = "127.0.0.1:1338"

[plugins."io.containerd.cri.v1.images"]
  snapshotter = "overlayfs"
  max_concurrent_downloads = 3

[plugins."io.containerd.cri.v1.images".pinned_images]
  sandbox = "registry.k8s.io/pause:3.10.2"

[plugins."io.containerd.cri.v1.images".registry]
  config_path = "/etc/containerd/certs.d"

[plugins."io.containerd.cri.v1.runtime"]
  max_container_log_line_size = 16384

[plugins."io.containerd.cri.v1.runtime".containerd]
  default_runtime_name = "runc"

[plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"

[plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc.options]
  SystemdCgroup = true

[plugins."io.containerd.cri.v1.runtime".cni]
  bin_dirs = ["/opt/cni/bin"]
  conf_dir = "/etc/cni/net.d"
"#;

pub(crate) const KUBELET_CRI_DROPIN: &str =
    "# Managed by konvoy-image: kubelet talks to containerd over CRI.\n[Service]\n\
Environment=\"KUBELET_EXTRA_ARGS=--runtime-request-timeout=15m \
--container-runtime-endpoint=unix:///run/containerd/containerd.sock\"\n";

/// Flatcar's kubelet unit (no package brings one).
const FLATCAR_KUBELET_UNIT: &str =
    "# Managed by konvoy-image: kubelet on Flatcar. kubeadm's settings come from
# the drop-in 10-kubeadm.conf next to this unit.
[Unit]
Description=kubelet: the Kubernetes node agent
Documentation=https://kubernetes.io/docs/
Wants=network-online.target
After=network-online.target containerd.service
StartLimitIntervalSec=0

[Service]
ExecStart=/opt/bin/kubelet
Restart=always
RestartSec=10

[Install]
WantedBy=multi-user.target
";

/// Current kubeadm's kubelet drop-in (the packages' 10-kubeadm.conf), for
/// the binary in /opt/bin.
const FLATCAR_KUBEADM_DROPIN: &str = "# Managed by konvoy-image: run kubelet with the files kubeadm writes.
[Service]
Environment=\"KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf\"
Environment=\"KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml\"
# Written by `kubeadm init` / `kubeadm join`.
EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env
# Site settings, e.g. KUBELET_EXTRA_ARGS.
EnvironmentFile=-/etc/sysconfig/kubelet
ExecStart=
ExecStart=/opt/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS
";

/// The images kubeadm 1.36 needs, as containerd lists them once pulled.
const IMAGES: &[&str] = &[
    "registry.k8s.io/kube-apiserver:v1.36.4",
    "registry.k8s.io/kube-controller-manager:v1.36.4",
    "registry.k8s.io/kube-scheduler:v1.36.4",
    "registry.k8s.io/kube-proxy:v1.36.4",
    "registry.k8s.io/etcd:3.6.8-0",
    "registry.k8s.io/pause:3.10.2",
    "registry.k8s.io/pause:3.10.1",
    "registry.k8s.io/coredns/coredns:v1.14.2",
];

pub(crate) fn read(host: &TestHost, path: &str) -> String {
    std::fs::read_to_string(host.root().join(path.trim_start_matches('/')))
        .unwrap_or_else(|e| panic!("{}: read {path}: {e}", host.name()))
}

/// Flatcar's updates are off the way konvoy-image-builder switched them
/// off: the update services stopped and kept from starting again, and no
/// automatic reboots.
pub(crate) fn assert_flatcar_updates_off(host: &TestHost) {
    let name = host.name();
    for unit in ["update-engine", "locksmithd"] {
        assert_eq!(
            read(
                host,
                &format!("/etc/systemd/system/{unit}.service.d/10-noupdate.conf")
            ),
            "# Managed by konvoy-image: no automatic updates (remove /etc/.noupdate to allow them).\n\
             [Unit]\nConditionPathExists=!/etc/.noupdate\n",
            "{name}"
        );
        // Stopped, and a start attempt (a timer, a dependency) finds its
        // condition false and leaves it stopped.
        host.sh(&format!("systemctl start {unit}.service"));
        assert_eq!(
            host.exec_direct(&format!("systemctl is-active {unit}.service"))
                .stdout,
            b"inactive\n",
            "{name}: {unit}"
        );
    }
    assert!(host.root().join("etc/.noupdate").exists(), "{name}");
    assert_eq!(
        read(host, "/etc/flatcar/update.conf"),
        "GROUP=stable\nREBOOT_STRATEGY=off\n",
        "{name}"
    );
}

fn assert_common(host: &TestHost, mirror: &Mirror) {
    let name = host.name();
    super::e2e::assert_node_files(host);
    assert_eq!(
        read(host, "/etc/containerd/config.toml"),
        CONFIG_TOML_V3,
        "{name}"
    );
    mirror.assert_registry_hosts(host);
    assert_eq!(
        read(
            host,
            "/etc/systemd/system/kubelet.service.d/0-containerd.conf"
        ),
        KUBELET_CRI_DROPIN,
        "{name}"
    );
    let prefix = if host.os() == Os::Flatcar {
        "/opt"
    } else {
        "/usr/local"
    };
    let runc = if host.os() == Os::Flatcar {
        "/opt/bin/runc"
    } else {
        "/usr/local/sbin/runc"
    };
    assert!(
        host.sh(&format!("{prefix}/bin/containerd --version"))
            .contains(" v2.3.4 "),
        "{name}"
    );
    assert_eq!(
        host.sh(&format!("{runc} --version")).lines().next(),
        Some("runc version 1.4.3"),
        "{name}"
    );
    let unit = read(host, "/etc/systemd/system/containerd.service");
    assert!(
        unit.contains(&format!("\nExecStart={prefix}/bin/containerd\n")),
        "{name}: {unit}"
    );
    let images = host.sh(&format!("{prefix}/bin/ctr -n k8s.io images ls -q"));
    for image in IMAGES {
        assert!(
            images.lines().any(|l| l == *image),
            "{name}: {image} not pulled:\n{images}"
        );
    }
}

fn assert_rocky(host: &TestHost, mirror: &Mirror) {
    let name = host.name();
    let q = host.sh(
        "rpm -q kubelet kubeadm kubectl cri-tools kubernetes-cni audit iproute-tc \
         iptables-nft container-selinux NetworkManager open-vm-tools epel-release",
    );
    for pkg in [
        "kubelet-1.36.4-150500.1.1.x86_64",
        "kubeadm-1.36.4-150500.1.1.x86_64",
        "kubectl-1.36.4-150500.1.1.x86_64",
        "cri-tools-1.36.0-150500.1.1.x86_64",
        "kubernetes-cni-1.9.1-150500.1.1.x86_64",
        "iptables-nft-1.0-1.x86_64",
        "NetworkManager-1.0-1.x86_64",
        "open-vm-tools-1.0-1.x86_64",
        "epel-release-9-1.noarch",
    ] {
        assert!(
            q.lines().any(|l| l == pkg),
            "{name}: {pkg} not installed:\n{q}"
        );
    }
    // containerd from the release tarball, not the package.
    assert!(
        !host.exec_direct("rpm -q containerd.io").status.success(),
        "{name}"
    );
    assert_eq!(
        read(host, "/etc/yum.repos.d/konvoy-k8s.repo"),
        format!(
            "[kubernetes]\nbaseurl = {base}/core:/stable:/v1.36/rpm/\nenabled = 1\ngpgcheck = 1\n\
             gpgkey = {base}/core:/stable:/v1.36/rpm/repodata/repomd.xml.key\n\
             name = Kubernetes packages\nrepo_gpgcheck = 1\n\n",
            base = mirror.base
        ),
        "{name}"
    );
    // Air-gapped: every repository is the mirror or on the host (EPEL's
    // stand-in release package points at a local directory).
    let urls = host.sh("grep -h '^baseurl\\|^mirrorlist\\|^metalink' /etc/yum.repos.d/*.repo");
    for url in urls.lines() {
        let url = url.split_once('=').map_or("", |(_, u)| u.trim());
        assert!(
            url.starts_with(&format!("{}/", mirror.base)) || url.starts_with("file:///"),
            "{name}: a repository off the mirror: {url}\n{urls}"
        );
    }
    // kubeadm's kubelet drop-in is the package's.
    assert!(
        host.sh("rpm -qf /usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf")
            .starts_with("kubeadm-1.36.4-"),
        "{name}"
    );
    let locks = read(host, "/etc/dnf/plugins/versionlock.list");
    for pkg in ["kubelet-0:1.36.4", "kubeadm-0:1.36.4", "kubectl-0:1.36.4"] {
        assert!(locks.contains(pkg), "{name}: no lock for {pkg}:\n{locks}");
    }
    assert_eq!(host.sh("systemctl is-active auditd"), "active\n", "{name}");
}

/// CentOS 8 with its image's 2021 pins, online from the mirror.
fn assert_centos8(host: &TestHost, mirror: &Mirror) {
    let name = host.name();
    super::e2e::assert_node_files(host);
    let config = read(host, "/etc/containerd/config.toml");
    assert!(
        config.starts_with("# Managed by konvoy-image: containerd 1.4.11 (config version 2).\n"),
        "{name}: {config}"
    );
    assert!(
        config.contains(&format!(
            "[plugins.\"io.containerd.grpc.v1.cri\".registry.mirrors.\"*\"]\n  endpoint = [\"{}\"]\n",
            mirror.base
        )),
        "{config}"
    );
    assert!(
        config.contains("sandbox_image = \"k8s.gcr.io/pause:3.4.1\""),
        "{config}"
    );
    let q = host.sh("rpm -q containerd.io kubelet kubeadm cri-tools epel-release");
    for pkg in [
        "containerd.io-1.4.11-3.1.x86_64",
        "kubelet-1.21.6-0.x86_64",
        "kubeadm-1.21.6-0.x86_64",
        "cri-tools-1.22.0-0.x86_64",
        "epel-release-8-1.noarch",
    ] {
        assert!(
            q.lines().any(|l| l == pkg),
            "{name}: {pkg} not installed:\n{q}"
        );
    }
    assert_eq!(
        host.sh("systemctl is-active containerd auditd"),
        "active\nactive\n",
        "{name}"
    );
    let images = host.sh("ctr -n k8s.io images ls -q");
    for image in [
        "k8s.gcr.io/kube-apiserver:v1.21.6",
        "k8s.gcr.io/etcd:3.4.13-0",
        "k8s.gcr.io/coredns/coredns:v1.8.0",
        "k8s.gcr.io/pause:3.2",
    ] {
        assert!(
            images.lines().any(|l| l == image),
            "{name}: {image} not pulled:\n{images}"
        );
    }
}

fn assert_ubuntu(host: &TestHost, mirror: &Mirror) {
    let name = host.name();
    let q = host.sh(
        "dpkg-query -W -f '${Package} ${Version} ${Status}\\n' kubelet kubeadm kubectl \
         cri-tools kubernetes-cni chrony conntrack socat",
    );
    for pkg in [
        "kubelet 1.36.4-1.1 hold ok installed",
        "kubeadm 1.36.4-1.1 hold ok installed",
        "kubectl 1.36.4-1.1 hold ok installed",
        "cri-tools 1.36.0-1.1 install ok installed",
        "kubernetes-cni 1.9.1-1.1 install ok installed",
        "chrony 4.5-1ubuntu4 install ok installed",
    ] {
        assert!(q.lines().any(|l| l == pkg), "{name}: `{pkg}` not in:\n{q}");
    }
    assert_eq!(
        read(host, "/etc/apt/sources.list.d/kubernetes.list"),
        format!(
            "# Managed by konvoy-image: Kubernetes packages.\n\
             deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.asc] {}/core:/stable:/v1.36/deb/ /\n",
            mirror.base
        ),
        "{name}"
    );
    // Air-gapped: the mirror's Kubernetes and OS repositories only.
    assert_eq!(
        host.sh("ls /etc/apt/sources.list.d; test ! -e /etc/apt/sources.list && echo none"),
        "konvoy-test-os.list\nkubernetes.list\nnone\n",
        "{name}"
    );
    assert!(
        host.sh("dpkg -S /usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf")
            .starts_with("kubeadm: "),
        "{name}"
    );
    assert!(
        read(host, "/etc/apt/keyrings/kubernetes-apt-keyring.asc")
            .starts_with("-----BEGIN PGP PUBLIC KEY BLOCK-----"),
        "{name}"
    );
}

fn assert_flatcar(host: &TestHost) {
    let name = host.name();
    for (bin, out) in [
        ("kubeadm version -o short", "v1.36.4"),
        ("crictl --version", "v1.36.0"),
    ] {
        let got = host.sh(&format!("/opt/bin/{bin}"));
        assert!(got.contains(out), "{name}: `{bin}` said {got}");
    }
    assert_eq!(read(host, "/opt/cni/bin/.konvoy-cni-version"), "1.9.1");
    assert_eq!(
        read(host, "/etc/systemd/system/kubelet.service"),
        FLATCAR_KUBELET_UNIT,
        "{name}"
    );
    assert_eq!(
        read(
            host,
            "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf"
        ),
        FLATCAR_KUBEADM_DROPIN,
        "{name}"
    );
    assert_flatcar_updates_off(host);
}

#[test]
fn mixed_fleet_without_an_image_gets_each_os_its_image_from_the_mirror_idempotently() {
    let fleet = Fleet::builder()
        .host(Os::Centos8)
        .host(Os::Rocky9)
        .host(Os::Ubuntu2404)
        .host(Os::Flatcar)
        .systemd(true)
        .start();
    let mirror = Mirror::start();
    for host in fleet.hosts() {
        prepare(host, Some(&mirror));
    }
    // Rocky runs the iptables service (as with iptables-services).
    fleet.host("node2").sh(
        "printf '[Unit]\\nDescription=iptables (stand-in)\\n[Service]\\nExecStart=/bin/sleep infinity\\n\
         [Install]\\nWantedBy=multi-user.target\\n' > /usr/lib/systemd/system/iptables.service && \
         systemctl daemon-reload && systemctl enable --now iptables.service",
    );
    // Flatcar updates itself until provisioned.
    assert_eq!(
        fleet
            .host("node4")
            .sh("systemctl is-active update-engine locksmithd"),
        "active\nactive\n"
    );
    // The mirror is laid out as konvoy-image-builder users built theirs:
    // no `.sha256` files beside the Kubernetes binaries.
    let bins = artifacts().www.join("release/v1.36.4/bin/linux/amd64");
    assert!(bins.join("kubeadm").exists());
    assert!(!bins.join("kubeadm.sha256").exists());
    let setup = Setup::new(&fleet, &mirror);

    // The operator's command: no image, each host the image of its OS.
    let (code, output) = cli::provision(&setup, Source::Mirror, &[]);
    assert_eq!(code, 0, "{output}");
    cli::assert_recap(&output, 4, None);
    for host in fleet.hosts() {
        match host.os() {
            Os::Centos8 => assert_centos8(host, &mirror),
            Os::Rocky9 => {
                assert_common(host, &mirror);
                assert_rocky(host, &mirror);
            }
            Os::Ubuntu2404 => {
                assert_common(host, &mirror);
                assert_ubuntu(host, &mirror);
            }
            Os::Flatcar => {
                assert_common(host, &mirror);
                assert_flatcar(host);
            }
            _ => unreachable!("not in this fleet"),
        }
    }

    // The same command again: nothing to do anywhere.
    let (code, output) = cli::provision(&setup, Source::Mirror, &[]);
    assert_eq!(code, 0, "{output}");
    cli::assert_recap(&output, 4, Some(0));
}
