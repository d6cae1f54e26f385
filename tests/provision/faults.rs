//! `--check` on fresh hosts, and bad input: a missing image file, an
//! override that is not a map, a host of an unsupported OS, a Kubernetes
//! minor without known control-plane image versions, a download
//! whose checksum does not match. Each gives a clear message and leaves
//! the hosts as they were (the failed download keeps the old binary).
//!
//! One plain-chroot fleet (no systemd: `start_services=false`) of all three
//! OSes plus a Debian host serves every step, in an order where each step
//! starts from fresh hosts or says what it changed.

use super::{assert_same, prepare, repo, snapshot, Mirror, Setup, Source};
use crate::harness::{Fleet, Os};
use engine::modules::RunMode;
use std::process::Command;

/// Runs the CLI binary from the repository root (writing no run folder
/// there); returns (exit code, stderr).
fn cli(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_konvoy-image"))
        .args(args)
        .arg("--no-run-log")
        .current_dir(repo())
        .output()
        .expect("run konvoy-image");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout),
    )
}

#[test]
fn check_mode_and_bad_input_leave_hosts_untouched() {
    let fleet = Fleet::builder()
        .host(Os::Centos7)
        .host(Os::Centos8)
        .host(Os::Flatcar)
        .host(Os::Debian)
        .start();
    let mirror = Mirror::start();
    for host in fleet.hosts() {
        prepare(host, None);
    }
    let setup = Setup::new(&fleet, &mirror);
    let fresh: Vec<_> = fleet.hosts().iter().map(snapshot).collect();
    let assert_all_fresh = |step: &str| {
        for (host, before) in fleet.hosts().iter().zip(&fresh) {
            assert_same(
                &format!("{} after {step}", host.name()),
                before,
                &snapshot(host),
            );
        }
    };
    let inventory = setup.inventory.display().to_string();

    // A missing image file: refused before any host is contacted.
    let (code, text) = cli(&[
        "provision",
        "images/generic/centos-9.yaml",
        "--inventory-file",
        &inventory,
    ]);
    assert_ne!(code, 0, "{text}");
    assert!(text.contains("images/generic/centos-9.yaml"), "{text}");
    assert!(!text.contains("PLAY ["), "no play may start:\n{text}");

    // An override that is a list, not a map.
    let list = setup.file(
        "list.yaml",
        "- http_proxy: http://proxy:3128\n- no_proxy: x\n",
    );
    let (code, text) = cli(&[
        "provision",
        "images/generic/centos-7.yaml",
        "--inventory-file",
        &inventory,
        "--overrides",
        &list.display().to_string(),
    ]);
    assert_ne!(code, 0, "{text}");
    assert!(
        text.contains("list.yaml"),
        "the message names the file:\n{text}"
    );
    assert!(text.contains("map") || text.contains("mapping"), "{text}");
    assert!(!text.contains("PLAY ["), "no play may start:\n{text}");

    // konvoy-image-builder's nvidia override: refused at its key, with the
    // reason, before any host is contacted.
    let nvidia = setup.file(
        "nvidia.yaml",
        "gpu:\n  types:\n    - nvidia\nbuild_name_extra: \"-nvidia\"\n",
    );
    let (code, text) = cli(&[
        "provision",
        "--inventory-file",
        &inventory,
        "--overrides",
        &nvidia.display().to_string(),
    ]);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains(
            "`gpu` is a konvoy-image-builder setting that konvoy-image does not implement"
        ) && text.contains("nvidia.yaml:1:1"),
        "{text}"
    );
    assert!(!text.contains("PLAY ["), "no play may start:\n{text}");
    assert_all_fresh("bad input");

    // --check on fresh hosts, each with the image of its OS (no image
    // given): changes predicted, nothing written. The Debian host fails the
    // OS check, naming its OS and the supported ones.
    let job = setup.job(&fleet, Source::Bundle, None, &[], &["start_services=false"]);
    let (summary, output) = setup.run(job, RunMode::Check);
    let stats = |name: &str| summary.recap.hosts[name];
    for host in ["node1", "node2", "node3"] {
        assert_eq!(
            (stats(host).failed, stats(host).unreachable),
            (0, 0),
            "{host}:\n{output}"
        );
        assert!(
            stats(host).changed > 5,
            "{host}: check mode predicts changes:\n{output}"
        );
    }
    assert_eq!(stats("node4").failed, 1, "{output}");
    assert!(
        output.contains("unsupported OS `Debian 12")
            && output.contains("konvoy-image provisions centos-7, centos-8, rocky-8, rocky-9"),
        "the message names the OS and the supported ones:\n{output}"
    );
    assert_all_fresh("--check");

    // A Kubernetes minor without known control-plane image versions: the
    // Flatcar host (current image) fails before any change, naming the keys
    // to set; the CentOS images pin their own and are not refused.
    let job = setup.job(
        &fleet,
        Source::Bundle,
        None,
        &[],
        &["start_services=false", "kubernetes_version=1.30.14"],
    );
    let (summary, output) = setup.run(job, RunMode::Check);
    let node3 = summary.recap.hosts["node3"];
    assert_eq!((node3.failed, node3.changed), (1, 0), "{output}");
    assert!(
        output.contains("no kubeadm image versions known for Kubernetes 1.30")
            && output.contains(
                "set etcd_version, coredns_version, pause_image_version and pause_image_version_prev"
            ),
        "the message names the keys to set:\n{output}"
    );
    let failure = output
        .split("fatal: [node3]")
        .nth(1)
        .and_then(|rest| rest.lines().next())
        .expect("node3 fails");
    assert!(
        failure.contains("no kubeadm image versions known for Kubernetes 1.30"),
        "node3 fails at the check:\n{failure}"
    );
    assert_all_fresh("an unknown Kubernetes minor");

    // A bad checksum on a download. Flatcar has an older crictl; the run
    // must fail on that host and keep the old binary. The Debian host fails
    // before anything is changed; the CentOS hosts do not use the download.
    let old = "#!/bin/sh\necho 'crictl version v1.20.0'\n";
    let flatcar = fleet.host("node3");
    std::fs::create_dir_all(flatcar.root().join("opt/bin")).expect("mkdir /opt/bin");
    std::fs::write(flatcar.root().join("opt/bin/crictl"), old).expect("old crictl");
    std::fs::set_permissions(
        flatcar.root().join("opt/bin/crictl"),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .expect("chmod the old crictl");
    let job = setup.job(
        &fleet,
        Source::Bundle,
        Some("centos-7"),
        &[],
        &[
            "start_services=false",
            "crictl_sha256=0000000000000000000000000000000000000000000000000000000000000000",
        ],
    );
    let (summary, output) = setup.run(job, RunMode::Apply);
    assert_ne!(summary.exit_code, 0, "{output}");
    assert_eq!(summary.recap.hosts["node3"].failed, 1, "{output}");
    assert!(
        output.contains("fatal: [node3]") && output.contains("checksum"),
        "the failure names the checksum:\n{output}"
    );
    assert_eq!(
        std::fs::read_to_string(flatcar.root().join("opt/bin/crictl")).expect("crictl"),
        old,
        "the old crictl stays"
    );
    assert_eq!(
        flatcar.sh("/opt/bin/crictl --version"),
        "crictl version v1.20.0\n"
    );
    assert!(!flatcar.root().join("tmp/konvoy-crictl.tar.gz").exists());
    for host in ["node1", "node2"] {
        let s = &summary.recap.hosts[host];
        assert_eq!((s.failed, s.unreachable), (0, 0), "{host}:\n{output}");
    }
    assert_eq!(summary.recap.hosts["node4"].failed, 1, "{output}");
    // The snapshots do see a real run's changes.
    assert_ne!(
        fresh[0],
        snapshot(fleet.host("node1")),
        "node1 was provisioned"
    );
    let debian = fleet.host("node4");
    assert_same("node4 after a real run", &fresh[3], &snapshot(debian));

    // Nothing pinned but the Kubernetes binaries: the checksum files the
    // mirror publishes next to crictl, the CNI plugins, containerd and runc
    // are used (the current Flatcar image; extra vars replace the maps).
    let mut job = setup.job(
        &fleet,
        Source::Bundle,
        Some("flatcar"),
        &[],
        &[
            "start_services=false",
            "{\"crictl_checksums\": {}, \"cni_plugins_checksums\": {}, \
             \"containerd_checksums\": {}, \"runc_checksums\": {}}",
        ],
    );
    job.options.limit = Some("node3".into());
    let (summary, output) = setup.run(job, RunMode::Apply);
    assert_eq!(summary.recap.hosts["node3"].failed, 0, "{output}");
    assert_eq!(
        flatcar.sh("/opt/bin/crictl --version; /opt/bin/runc --version | head -1"),
        "crictl version v1.36.0\nrunc version 1.4.3\n",
    );

    // A konvoy-image-builder-era mirror: binaries without `.sha256` files.
    // Flatcar now has kubeadm 1.36.4 (the run above). For an unpinned
    // version the checksum file is missing (404), and for a version the
    // mirror lacks the binary is (404): each fails at once, with the URL and
    // what to do, though downloads would be retried 3 times 5 s apart.
    let pins = "{\"kubernetes_binary_checksums\": {}}";
    let missing = format!(
        "{{\"kubernetes_version\": \"1.36.9\", \"kubernetes_binary_checksums\": {{\"1.36.9\": \
         {{\"kubeadm\": \"{z}\", \"kubectl\": \"{z}\", \"kubelet\": \"{z}\"}}}}}}",
        z = "0".repeat(64)
    );
    for (extra, url) in [
        (pins, "/v1.36.4/bin/linux/amd64/kubeadm.sha256"),
        (missing.as_str(), "/v1.36.9/bin/linux/amd64/kubeadm"),
    ] {
        let mut job = setup.job(
            &fleet,
            Source::Bundle,
            Some("flatcar"),
            &[],
            &[
                "start_services=false",
                "download_retries=3",
                "download_retry_delay=5",
                extra,
            ],
        );
        job.options.limit = Some("node3".into());
        let started = std::time::Instant::now();
        let (summary, output) = setup.run(job, RunMode::Apply);
        assert_eq!(summary.recap.hosts["node3"].failed, 1, "{output}");
        assert!(
            output.contains(&format!(
                "{url} is not on the server (HTTP 404), so it was not retried"
            )) && output.contains("A mirror without `.sha256` files needs the checksum pinned"),
            "{output}"
        );
        assert!(
            !output.contains("RETRYING: [node3]: kubernetes : Download kubeadm"),
            "{output}"
        );
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "{output}"
        );
        assert_eq!(
            flatcar.sh("/opt/bin/kubeadm version -o short"),
            "v1.36.4\n",
            "the old kubeadm stays"
        );
    }
}
