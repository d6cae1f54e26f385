//! The 2021 pins: one mixed fleet (CentOS 7, CentOS 8 and Flatcar in one
//! inventory, each booted with a real systemd) provisioned with
//! `images/generic/centos-7.yaml` (Kubernetes 1.21.6, containerd.io 1.4.11,
//! as konvoy-image-builder v1.5 did) and the offline bundles, checked on the
//! hosts' own files, rpm database and systemd; then again (`changed=0`);
//! then with a proxy override.

use super::{assert_unchanged, prepare, Mirror, Setup, Source};
use crate::harness::{Fleet, Os, TestHost};
use engine::modules::RunMode;

/// `/etc/containerd/config.toml` from the content's template with the
/// 2021 image configuration (the same on every OS: the socket and state
/// dir are the containerd defaults, cgroupfs driver as kubeadm 1.21's,
/// runc v2), then the mirror's section.
const CONFIG_TOML: &str = r#"# Managed by konvoy-image: containerd 1.4.11 (config version 2).
# Files in /etc/containerd/conf.d/ are merged on top.
version = 2
root = "/var/lib/containerd"
state = "/run/containerd"
imports = ["/etc/containerd/conf.d/*.toml"]

[grpc]
  address = "/run/containerd/containerd.sock"

[metrics]
  address = "127.0.0.1:1338"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "k8s.gcr.io/pause:3.4.1"
  max_concurrent_downloads = 3
  max_container_log_line_size = 16384

[plugins."io.containerd.grpc.v1.cri".containerd]
  snapshotter = "overlayfs"
  default_runtime_name = "runc"

[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"

[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
  SystemdCgroup = false

[plugins."io.containerd.grpc.v1.cri".cni]
  bin_dir = "/opt/cni/bin"
  conf_dir = "/etc/cni/net.d"
"#;

const KUBELET_CRI_DROPIN: &str =
    "# Managed by konvoy-image: kubelet talks to containerd over CRI.\n[Service]\n\
Environment=\"KUBELET_EXTRA_ARGS=--container-runtime=remote --runtime-request-timeout=15m \
--container-runtime-endpoint=unix:///run/containerd/containerd.sock\"\n";

const CRICTL_YAML: &str = "runtime-endpoint: unix:///run/containerd/containerd.sock\n\
image-endpoint: unix:///run/containerd/containerd.sock\n";

const MODULES_LOAD: &str =
    "# Managed by konvoy-image: modules kubelet and the CNI plugins need.\noverlay\nbr_netfilter\n";

const SYSCTL_CONF: &str =
    "net.bridge.bridge-nf-call-iptables=1\nnet.bridge.bridge-nf-call-ip6tables=1\n\
net.ipv4.ip_forward=1\nnet.ipv6.conf.all.forwarding=1\n";

/// Every image of the bundle, as the stand-in `ctr` lists them once
/// imported.
const IMAGES: &[&str] = &[
    "k8s.gcr.io/kube-apiserver:v1.21.6",
    "k8s.gcr.io/kube-controller-manager:v1.21.6",
    "k8s.gcr.io/kube-scheduler:v1.21.6",
    "k8s.gcr.io/kube-proxy:v1.21.6",
    "k8s.gcr.io/etcd:3.4.13-0",
    "k8s.gcr.io/pause:3.4.1",
    "k8s.gcr.io/pause:3.2",
    "k8s.gcr.io/coredns/coredns:v1.8.0",
];

fn read(host: &TestHost, path: &str) -> String {
    std::fs::read_to_string(host.root().join(path.trim_start_matches('/')))
        .unwrap_or_else(|e| panic!("{}: read {path}: {e}", host.name()))
}

/// What the first run must leave on every host, whatever its OS.
fn assert_provisioned(host: &TestHost, mirror: &Mirror) {
    let name = host.name();
    assert_eq!(
        read(host, "/etc/containerd/config.toml"),
        format!(
            "{CONFIG_TOML}\n# Mirror for every registry; containerd falls back to the registry itself.\n\
             [plugins.\"io.containerd.grpc.v1.cri\".registry.mirrors.\"*\"]\n  endpoint = [\"{}\"]\n",
            mirror.base
        ),
        "{name}"
    );
    assert_eq!(
        read(
            host,
            "/etc/systemd/system/kubelet.service.d/0-containerd.conf"
        ),
        KUBELET_CRI_DROPIN,
        "{name}"
    );
    assert_node_files(host);
    // Image bundle imported (the stand-in ctr keeps the list of images).
    let images = host.sh("ctr -n k8s.io images ls -q");
    for image in IMAGES {
        assert!(
            images.lines().any(|l| l == *image),
            "{name}: {image} missing in:\n{images}"
        );
    }
    // No proxy configured: no drop-ins.
    for unit in ["containerd", "kubelet"] {
        let p = format!("etc/systemd/system/{unit}.service.d/http-proxy.conf");
        assert!(!host.root().join(&p).exists(), "{name}: unexpected {p}");
    }
}

/// The files and units every provisioned host has, whatever its OS and
/// versions: resolver, crictl, kernel modules and sysctls, swap commented
/// out; containerd and kubelet enabled, containerd (a stand-in) running
/// under systemd, kubelet left for kubeadm to start.
pub(crate) fn assert_node_files(host: &TestHost) {
    let name = host.name();
    assert_eq!(
        read(host, "/etc/host.conf"),
        "# Resolver configuration file.\n# See host.conf(5) for details.\n\nmulti on\n",
        "{name}"
    );
    assert_eq!(read(host, "/etc/crictl.yaml"), CRICTL_YAML, "{name}");
    assert_eq!(
        read(host, "/etc/modules-load.d/konvoy.conf"),
        MODULES_LOAD,
        "{name}"
    );
    assert_eq!(
        read(host, "/etc/sysctl.d/konvoy-kubernetes.conf"),
        SYSCTL_CONF,
        "{name}"
    );
    assert_eq!(
        read(host, "/etc/fstab"),
        "# test host\nUUID=0a1b / ext4 defaults 0 1\n# /swapfile none swap sw 0 0\n",
        "{name}: swap commented out in fstab"
    );
    assert_eq!(
        host.sh("systemctl is-enabled containerd kubelet"),
        "enabled\nenabled\n",
        "{name}"
    );
    assert_eq!(
        host.sh("systemctl is-active containerd"),
        "active\n",
        "{name}"
    );
    assert_eq!(
        host.exec_direct("systemctl is-active kubelet").stdout,
        b"inactive\n",
        "{name}"
    );
}

fn assert_centos(host: &TestHost, major: &str) {
    let name = host.name();
    // Installed from the bundle's repository, and only from it.
    let q = host.sh(
        "rpm -q containerd.io kubelet kubeadm kubectl cri-tools kubernetes-cni \
         audit conntrack-tools socat container-selinux",
    );
    for pkg in [
        "containerd.io-1.4.11-3.1.x86_64",
        "kubelet-1.21.6-0.x86_64",
        "kubeadm-1.21.6-0.x86_64",
        "kubectl-1.21.6-0.x86_64",
        "cri-tools-1.22.0-0.x86_64",
        "kubernetes-cni-0.9.1-0.x86_64",
        "audit-1.0-1.x86_64",
    ] {
        assert!(
            q.lines().any(|l| l == pkg),
            "{name}: {pkg} not installed:\n{q}"
        );
    }
    let repos = host.sh("ls /etc/yum.repos.d");
    assert_eq!(
        repos, "offline.repo\n",
        "{name}: only the offline repository"
    );
    let repo = read(host, "/etc/yum.repos.d/offline.repo");
    assert!(
        repo.contains("baseurl = file:///opt/dkp/packages/offline-repo"),
        "{name}: {repo}"
    );
    assert_eq!(read(host, "/etc/dnf/vars/releasever"), format!("{major}\n"));
    // Versions locked.
    let locks = read(host, "/etc/dnf/plugins/versionlock.list");
    for pkg in [
        "containerd.io-0:1.4.11",
        "kubelet-0:1.21.6",
        "kubeadm-0:1.21.6",
    ] {
        assert!(locks.contains(pkg), "{name}: no lock for {pkg}:\n{locks}");
    }
    // auditd (from the audit package) runs, as konvoy-image-builder's
    // handler made it; no EPEL offline.
    assert_eq!(
        host.sh("systemctl is-enabled auditd; systemctl is-active auditd"),
        "enabled\nactive\n",
        "{name}"
    );
    assert!(!host.root().join("etc/yum.repos.d/epel.repo").exists());
    // The units come from the RPMs on CentOS.
    assert!(host
        .root()
        .join("usr/lib/systemd/system/containerd.service")
        .exists());
    assert!(
        !host.root().join("opt/bin/kubeadm").exists(),
        "{name}: no Flatcar binaries"
    );
}

fn assert_flatcar(host: &TestHost) {
    let name = host.name();
    // Binaries from the mirror, checked against its sha256 files.
    for (bin, out) in [
        ("kubeadm version -o short", "v1.21.6"),
        ("crictl --version", "v1.22.0"),
    ] {
        let got = host.sh(&format!("/opt/bin/{bin}"));
        assert!(got.contains(out), "{name}: `{bin}` said {got}");
    }
    for f in [
        "opt/bin/kubelet",
        "opt/bin/kubectl",
        "opt/bin/containerd-shim-runc-v2",
        "opt/cni/bin/bridge",
        "opt/cni/bin/loopback",
        "etc/systemd/system/kubelet.service",
        "etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
        "etc/systemd/system/containerd.service.d/memory-pressure.conf",
        "etc/systemd/system/containerd.service.d/max-tasks.conf",
    ] {
        assert!(host.root().join(f).exists(), "{name}: {f} missing");
    }
    let unit = read(host, "/etc/systemd/system/containerd.service");
    assert!(unit.contains("ExecStart=/usr/bin/containerd --config /etc/containerd/config.toml"));
    assert!(unit.contains("Environment=PATH=/opt/bin:"), "{unit}");
    // No automatic updates or reboots.
    super::current::assert_flatcar_updates_off(host);
    // No package manager was used.
    assert!(!host.root().join("etc/yum.repos.d/offline.repo").exists());
    assert!(
        !host.root().join("opt/dkp/packages").exists(),
        "{name}: no RPM bundle on Flatcar"
    );
}

#[test]
fn centos_2021_pins_air_gapped_with_flatcar_idempotent_and_with_a_proxy() {
    let fleet = Fleet::builder()
        .host(Os::Centos7)
        .host(Os::Centos8)
        .host(Os::Flatcar)
        .systemd(true)
        .start();
    let mirror = Mirror::start();
    for host in fleet.hosts() {
        prepare(host, None);
    }
    let setup = Setup::new(&fleet, &mirror);
    let job = |more: &[std::path::PathBuf]| {
        setup.job(&fleet, Source::Bundle, Some("centos-7"), more, &[])
    };

    // First run: one inventory, three OSes, the CentOS 7 image.
    let (summary, output) = setup.run(job(&[]), RunMode::Apply);
    assert_eq!(summary.exit_code, 0, "{output}");
    for (name, stats) in &summary.recap.hosts {
        assert_eq!(
            (stats.failed, stats.unreachable),
            (0, 0),
            "{name}:\n{output}"
        );
        assert!(
            stats.changed > 5,
            "{name} changed only {}:\n{output}",
            stats.changed
        );
    }
    for host in fleet.hosts() {
        assert_provisioned(host, &mirror);
        match host.os() {
            Os::Centos7 => assert_centos(host, "7"),
            Os::Centos8 => assert_centos(host, "8"),
            Os::Flatcar => assert_flatcar(host),
            _ => unreachable!("not in this fleet"),
        }
    }

    // Second run: nothing to do anywhere.
    let (summary, output) = setup.run(job(&[]), RunMode::Apply);
    assert_eq!(summary.exit_code, 0, "{output}");
    assert_unchanged(&summary, &output);
    assert_eq!(summary.recap.hosts.len(), 3, "{output}");

    // A proxy override (a subset of the keys, with a `%` that systemd needs
    // doubled): drop-ins for containerd and kubelet, package manager proxy.
    let proxy = setup.file(
        "proxy.yaml",
        "http_proxy: \"http://user:p%40ss@proxy.internal:3128\"\n\
         no_proxy: \"127.0.0.1,localhost,.svc\"\n",
    );
    let (summary, output) = setup.run(job(std::slice::from_ref(&proxy)), RunMode::Apply);
    assert_eq!(summary.exit_code, 0, "{output}");
    let expected_env = "Environment=\"HTTP_PROXY=http://user:p%%40ss@proxy.internal:3128\"\n\
        Environment=\"http_proxy=http://user:p%%40ss@proxy.internal:3128\"\n\
        Environment=\"NO_PROXY=127.0.0.1,localhost,.svc\"\n\
        Environment=\"no_proxy=127.0.0.1,localhost,.svc\"\n";
    for host in fleet.hosts() {
        for unit in ["containerd", "kubelet"] {
            let conf = read(
                host,
                &format!("/etc/systemd/system/{unit}.service.d/http-proxy.conf"),
            );
            assert!(conf.contains("[Service]\n"), "{}: {conf}", host.name());
            assert!(
                conf.ends_with(expected_env),
                "{} {unit}:\n{conf}",
                host.name()
            );
        }
        // systemd read the drop-in (daemon-reload ran) and containerd
        // was restarted with it.
        let env = host.sh("systemctl show -p Environment containerd");
        assert!(
            env.contains("HTTP_PROXY=http://user:p%40ss@proxy.internal:3128"),
            "{env}"
        );
        assert_eq!(host.sh("systemctl is-active containerd"), "active\n");
        let pm_conf = match host.os() {
            Os::Centos7 => Some("/etc/yum.conf"),
            Os::Centos8 => Some("/etc/dnf/dnf.conf"),
            _ => None,
        };
        if let Some(conf) = pm_conf {
            let text = read(host, conf);
            assert!(
                text.lines()
                    .any(|l| l == "proxy=http://user:p%40ss@proxy.internal:3128"),
                "{}: {conf}:\n{text}",
                host.name()
            );
        }
    }
    // And the same proxy again is a no-op.
    let (summary, output) = setup.run(job(&[proxy]), RunMode::Apply);
    assert_unchanged(&summary, &output);

    // The same settings in the form of the original tool's documentation
    // (http-proxy-override.yaml, a `proxy_env:` map of both cases) are the
    // same configuration: nothing changes.
    let kib = |https: &str| {
        let mut text = String::from("---\nproxy_env:\n");
        if !https.is_empty() {
            text.push_str(&format!(
                "  HTTPS_PROXY: \"{https}\"\n  https_proxy: \"{https}\"\n"
            ));
        }
        text.push_str(
            "  HTTP_PROXY: \"http://user:p%40ss@proxy.internal:3128\"\n  \
             http_proxy: \"http://user:p%40ss@proxy.internal:3128\"\n  \
             NO_PROXY: \"127.0.0.1,localhost,.svc\"\n  no_proxy: \"127.0.0.1,localhost,.svc\"\n",
        );
        setup.file("http-proxy-override.yaml", &text)
    };
    let (summary, output) = setup.run(job(&[kib("")]), RunMode::Apply);
    assert_unchanged(&summary, &output);
    // A new HTTPS proxy in that form reaches the drop-ins and the package
    // managers, as `https_proxy` does.
    let (summary, output) = setup.run(job(&[kib("http://secure.internal:3129")]), RunMode::Apply);
    assert_eq!(summary.exit_code, 0, "{output}");
    for host in fleet.hosts() {
        for unit in ["containerd", "kubelet"] {
            let conf = read(
                host,
                &format!("/etc/systemd/system/{unit}.service.d/http-proxy.conf"),
            );
            for line in [
                "Environment=\"HTTPS_PROXY=http://secure.internal:3129\"",
                "Environment=\"https_proxy=http://secure.internal:3129\"",
                "Environment=\"HTTP_PROXY=http://user:p%%40ss@proxy.internal:3128\"",
                "Environment=\"no_proxy=127.0.0.1,localhost,.svc\"",
            ] {
                assert!(
                    conf.lines().any(|l| l == line),
                    "{} {unit}: {line}\n{conf}",
                    host.name()
                );
            }
        }
        let env = host.sh("systemctl show -p Environment containerd");
        assert!(
            env.contains("HTTPS_PROXY=http://secure.internal:3129"),
            "{env}"
        );
        if host.os() == Os::Centos8 {
            let text = read(host, "/etc/dnf/dnf.conf");
            assert!(
                text.lines()
                    .any(|l| l == "proxy=http://secure.internal:3129"),
                "{text}"
            );
        }
    }
}
