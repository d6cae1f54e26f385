//! `konvoy-image provision` end to end: the real provisioning playbook,
//! image files and overrides run by [`ProvisionJob`] (and the CLI binary)
//! against real test hosts, air-gapped in two ways:
//! - [`Source::Bundle`]: the 2021 way, packages from the RPM bundle of
//!   `tests/artifacts/build-rpms.sh` and image tarballs from
//!   `build-images-bundle.sh` (offline mode);
//! - [`Source::Mirror`]: online mode against the `build-mirror.sh` tree
//!   served on 127.0.0.1: pkgs.k8s.io-layout RPM repositories with signed
//!   metadata, the OS repository, EPEL, release downloads with real
//!   checksums, a registry for image pulls.
//!
//! The artifacts are built once per test process; each test starts its own
//! mirror and fleet. Hosts share the machine's network namespace, so every
//! run passes `sysctl_reload=false` and `disable_swap_now=false`
//! (`playbooks/README.md`); plain-chroot hosts also get
//! `start_services=false`.

mod check;
mod cli;
mod current;
mod e2e;
mod faults;
mod fips;
pub(crate) mod hostprep;
mod keys;
mod kubeadm_images;
mod matrix;
mod twin;
mod versions;

use crate::harness::{Fleet, TestHost};
use crate::run::Captured;
use engine::image::{ImageRequest, PerHost};
use engine::job::ProvisionJob;
use engine::modules::RunMode;
use engine::report::{AnsiblePrinter, Fanout};
use engine::run::{RunOptions, RunSummary};
use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The repository root (image files, playbook, artifact scripts).
pub(crate) fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Base URL baked into the mirror overrides at build time; each [`Mirror`]
/// replaces it with its own address.
const BASE_PLACEHOLDER: &str = "http://127.0.0.1:1";

/// Everything the air-gapped runs need, built once per process.
pub(crate) struct Artifacts {
    /// `os_packages_local_bundle_file`.
    pub(crate) rpm_bundle: PathBuf,
    /// `images_local_bundle_dir`.
    pub(crate) images_dir: PathBuf,
    /// The mirror's document root.
    pub(crate) www: PathBuf,
    /// `build-mirror.sh`'s output directory (Flatcar's `/usr/bin` stand-ins).
    pub(crate) mirror_out: PathBuf,
    /// `mirror-overrides.yaml` with [`BASE_PLACEHOLDER`] as base URL.
    overrides_template: String,
}

/// The artifacts, built on first use by the repository's own scripts.
pub(crate) fn artifacts() -> &'static Artifacts {
    static ART: OnceLock<Artifacts> = OnceLock::new();
    ART.get_or_init(|| {
        crate::harness::require_root();
        remove_stale_artifacts();
        let dir = PathBuf::from(format!(
            "/tmp/konvoy-test-hosts/{ARTIFACTS_PREFIX}{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create the artifacts dir");
        // Both scripts at once (the mirror also makes the RPM bundle).
        let d = |sub: &str| dir.join(sub).display().to_string();
        let script = |name: &str, args: Vec<String>| {
            Command::new("bash")
                .arg(repo().join("tests/artifacts").join(name))
                .args(args)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("run an artifact script")
        };
        let running = [
            (
                "build-mirror.sh",
                script(
                    "build-mirror.sh",
                    vec![d("mirror"), BASE_PLACEHOLDER.into()],
                ),
            ),
            (
                "build-images-bundle.sh",
                script("build-images-bundle.sh", vec![d("bundle")]),
            ),
        ];
        for (name, child) in running {
            let out = child
                .wait_with_output()
                .expect("wait for an artifact script");
            assert!(
                out.status.success(),
                "{name} failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let read = |f: &str| {
            std::fs::read_to_string(dir.join("mirror").join(f))
                .unwrap_or_else(|e| panic!("read {f}: {e}"))
        };
        Artifacts {
            rpm_bundle: dir.join("mirror/os-packages_1.21.6_x86_64_rpms.tar.gz"),
            images_dir: dir.join("bundle/images"),
            www: dir.join("mirror/www"),
            mirror_out: dir.join("mirror"),
            overrides_template: read("mirror-overrides.yaml"),
        }
    })
}

const ARTIFACTS_PREFIX: &str = "provision-artifacts-";

/// Removes the artifacts of earlier test processes that are gone (the
/// current process's are kept for its whole life, so nothing removes them).
fn remove_stale_artifacts() {
    let Ok(entries) = std::fs::read_dir("/tmp/konvoy-test-hosts") else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(pid) = name.strip_prefix(ARTIFACTS_PREFIX) {
            if !Path::new("/proc").join(pid).exists() {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
}

/// `python3 -m http.server` on 127.0.0.1 serving [`Artifacts::www`];
/// killed on drop.
pub(crate) struct Mirror {
    child: Child,
    pub(crate) base: String,
}

impl Mirror {
    pub(crate) fn start() -> Mirror {
        let www = &artifacts().www;
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new("python3")
            .args(["-m", "http.server", "--bind", "127.0.0.1"])
            .arg(port.to_string())
            .arg("--directory")
            .arg(www)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start python3 http.server");
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "the mirror did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Mirror {
            child,
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    /// The `--overrides` file pointing the URL keys at this mirror.
    pub(crate) fn overrides(&self) -> String {
        artifacts()
            .overrides_template
            .replace(BASE_PLACEHOLDER, &self.base)
    }

    /// The OS repositories of test hosts, served by this mirror.
    pub(crate) fn os_repos(&self) -> hostprep::OsRepos {
        hostprep::OsRepos::read(&artifacts().mirror_out, BASE_PLACEHOLDER, &self.base)
    }

    /// `host`'s containerd pulls every registry through this mirror, then
    /// from the registry itself (`certs.d/_default/hosts.toml`, read by
    /// containerd 1.5+ through `config_path`).
    #[track_caller]
    pub(crate) fn assert_registry_hosts(&self, host: &TestHost) {
        assert_eq!(
            current::read(host, "/etc/containerd/certs.d/_default/hosts.toml"),
            format!(
                "# Managed by konvoy-image: registry hosts for every registry; mirrors are\n\
                 # tried in order, then the registry itself.\n\n[host.\"{}\"]\n  \
                 capabilities = [\"pull\", \"resolve\"]\n",
                self.base
            ),
            "{}",
            host.name()
        );
    }
}

impl Drop for Mirror {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A fresh host made ready ([`hostprep::prepare_host`]; with `mirror`,
/// hosts get its OS repository), plus a swap line in `/etc/fstab` for the
/// playbook to comment out.
pub(crate) fn prepare(host: &TestHost, mirror: Option<&Mirror>) {
    let repos = mirror.map(Mirror::os_repos);
    hostprep::prepare_host(host, &artifacts().mirror_out, repos.as_ref());
    host.sh(
        "printf '# test host\\nUUID=0a1b / ext4 defaults 0 1\\n/swapfile none swap sw 0 0\\n' > /etc/fstab",
    );
}

/// Where packages and images come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Source {
    /// Offline mode: the RPM bundle and the image tarballs (downloads from
    /// the mirror).
    Bundle,
    /// Online mode against the mirror: repositories, downloads, registry.
    Mirror,
}

/// Extra vars of every test run: hosts share the machine's kernel and
/// network namespace, and failing downloads fail fast.
pub(crate) const TEST_EXTRA_VARS: &[&str] = &[
    "sysctl_reload=false",
    "disable_swap_now=false",
    "download_retries=1",
    "download_retry_delay=0",
];

/// A provisioning setup for one fleet: inventory and override files.
pub(crate) struct Setup {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) inventory: PathBuf,
    /// The offline override (package and image bundles).
    pub(crate) offline: PathBuf,
    /// The mirror override (Flatcar URL keys).
    pub(crate) mirror: PathBuf,
}

impl Setup {
    pub(crate) fn new(fleet: &Fleet, mirror: &Mirror) -> Setup {
        let dir = tempfile::tempdir().expect("temp dir");
        let inventory = fleet.write_inventory(dir.path());
        let art = artifacts();
        let offline = dir.path().join("offline.yaml");
        std::fs::write(
            &offline,
            format!(
                "os_packages_local_bundle_file: {}\nimages_local_bundle_dir: {}\n",
                art.rpm_bundle.display(),
                art.images_dir.display()
            ),
        )
        .expect("write offline.yaml");
        let mirror_path = dir.path().join("mirror-overrides.yaml");
        std::fs::write(&mirror_path, mirror.overrides()).expect("write the mirror overrides");
        Setup {
            dir,
            inventory,
            offline,
            mirror: mirror_path,
        }
    }

    /// Writes another override file next to the others.
    pub(crate) fn file(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).expect("write an override");
        p
    }

    /// The air-gapped job: `images/generic/<image>.yaml` (`None`: each
    /// host the image of its OS), the offline (with [`Source::Bundle`]) and
    /// mirror overrides, then `more` overrides and `extra` vars.
    pub(crate) fn job(
        &self,
        fleet: &Fleet,
        source: Source,
        image: Option<&str>,
        more: &[PathBuf],
        extra: &[&str],
    ) -> ProvisionJob {
        let mut overrides = match source {
            Source::Bundle => vec![self.offline.clone(), self.mirror.clone()],
            Source::Mirror => vec![self.mirror.clone()],
        };
        overrides.extend_from_slice(more);
        let mut extra_vars: Vec<String> = TEST_EXTRA_VARS.iter().map(|s| (*s).to_owned()).collect();
        extra_vars.extend(extra.iter().map(|s| (*s).to_owned()));
        let per_host = image.is_none().then(|| {
            let vars_dir = self.dir.path().join("host-images");
            std::fs::create_dir_all(&vars_dir).expect("mkdir host-images");
            let images = std::fs::read_dir(repo().join("images/generic"))
                .expect("read images/generic")
                .flatten()
                .filter_map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    Some((name.strip_suffix(".yaml")?.to_owned(), e.path()))
                })
                .collect();
            PerHost { images, vars_dir }
        });
        ProvisionJob {
            per_host,
            image: ImageRequest {
                image: image.map(image_file).unwrap_or_default(),
                common: Some(repo().join("images/common.yaml")),
                overrides,
                kubernetes_version: None,
                containerd_version: None,
                extra_vars,
            },
            inventory: vec![self.inventory.display().to_string()],
            playbook: Some(repo().join("playbooks/provision.yaml")),
            options: RunOptions {
                connect: fleet.connect_options(),
                ..RunOptions::default()
            },
        }
    }

    /// Runs `job` (with `mode`) and returns the summary and the
    /// Ansible-style output.
    pub(crate) fn run(&self, mut job: ProvisionJob, mode: RunMode) -> (RunSummary, String) {
        job.options.mode = mode;
        let out = Captured::default();
        let printer = AnsiblePrinter::new(out.clone(), 0);
        let summary = job
            .run(&Fanout::new().with(printer))
            .unwrap_or_else(|e| panic!("provision did not start: {e}"));
        (summary, out.text())
    }
}

/// `images/generic/<name>.yaml` of the repository.
pub(crate) fn image_file(name: &str) -> PathBuf {
    repo().join("images/generic").join(format!("{name}.yaml"))
}

/// Asserts every host of the recap reports `changed=0` and nothing failed.
#[track_caller]
pub(crate) fn assert_unchanged(summary: &RunSummary, output: &str) {
    assert!(!summary.recap.hosts.is_empty(), "empty recap:\n{output}");
    for (host, stats) in &summary.recap.hosts {
        assert_eq!(
            (stats.changed, stats.failed, stats.unreachable),
            (0, 0, 0),
            "{host} changed or failed:\n{output}"
        );
    }
}

/// Every entry of a host's overlay upper directory (what the host changed
/// since it started) with its type, mode, owner and content hash, except
/// the traces of read-only package queries ([`VOLATILE`]).
pub(crate) fn snapshot(host: &TestHost) -> BTreeMap<String, String> {
    use sha2::{Digest, Sha256};
    use std::os::unix::fs::MetadataExt;
    let upper = host.upper();
    let mut out = BTreeMap::new();
    let mut stack = vec![upper.clone()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let rel = path
                .strip_prefix(&upper)
                .expect("under upper")
                .display()
                .to_string();
            if VOLATILE
                .iter()
                .any(|v| rel == *v || rel.starts_with(&format!("{v}/")))
            {
                continue;
            }
            let Ok(meta) = std::fs::symlink_metadata(&path) else {
                continue;
            };
            let what = if meta.is_dir() {
                stack.push(path.clone());
                if COPIED_UP.contains(&rel.as_str()) {
                    continue;
                }
                "dir".to_owned()
            } else if meta.file_type().is_symlink() {
                format!(
                    "link {}",
                    std::fs::read_link(&path).unwrap_or_default().display()
                )
            } else if meta.is_file() {
                let data = std::fs::read(&path).unwrap_or_default();
                hex::encode(Sha256::digest(&data))
            } else {
                format!("special {:o}", meta.rdev())
            };
            out.insert(
                rel,
                format!("{what} {:o} {}:{}", meta.mode(), meta.uid(), meta.gid()),
            );
        }
    }
    out
}

/// What read-only package queries leave behind (dnf's metadata cache and
/// logs, rpm's database handle in root's home): `dnf check-update` and
/// `rpm -q` write these in check mode too, as they would under Ansible.
/// Everything else a run writes counts.
const VOLATILE: &[&str] = &[
    "root/.rpmdb",
    "var/cache/dnf",
    "var/log/dnf.log",
    "var/log/dnf.librepo.log",
    "var/log/dnf.rpm.log",
    "var/log/hawkey.log",
];

/// Directories copied up only to hold a [`VOLATILE`] entry.
const COPIED_UP: &[&str] = &["root", "var", "var/cache", "var/log"];

/// Asserts `before` and `after` snapshots are equal, naming the differences.
#[track_caller]
pub(crate) fn assert_same(
    host: &str,
    before: &BTreeMap<String, String>,
    after: &BTreeMap<String, String>,
) {
    let mut diff = Vec::new();
    for (k, v) in after {
        match before.get(k) {
            None => diff.push(format!("+ {k}")),
            Some(b) if b != v => diff.push(format!("~ {k}")),
            Some(_) => {}
        }
    }
    for k in before.keys().filter(|k| !after.contains_key(*k)) {
        diff.push(format!("- {k}"));
    }
    assert!(
        diff.is_empty(),
        "{host} changed on disk:\n{}",
        diff.join("\n")
    );
}
