//! The provisioning content run by the real `ansible-playbook` 2.19.14
//! (tests/artifacts/ansible-reference-run.sh: an overlay chroot of this
//! machine, `-c local`) and by konvoy-image (a plain-chroot test host of
//! the same OS), with the same image configuration; then every file each
//! left under the provisioned trees is compared (type, mode, content), and
//! the installed RPMs. CentOS 8 with the 2021 pins from the offline bundle,
//! Flatcar with the current versions from the mirror.
//!
//! Both sides run without a systemd: the script switches the content's
//! service tasks off, konvoy-image gets `start_services=false` (enabling
//! units still writes their `.wants` links, which are left out of the
//! comparison; so are the times in dnf's versionlock comments). Needs the `ansible.posix` and `community.general`
//! collections: `COLLECTIONS`, a directory holding `ansible_collections/`,
//! by default `target/ansible-collections` from
//! `tests/fetch-ansible-collections.sh` (which CI runs).

use super::{artifacts, image_file, prepare, repo, Mirror, Setup, Source};
use crate::harness::{Fleet, Os};
use engine::modules::RunMode;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The trees provisioning writes to (relative to `/`).
const TREES: &[&str] = &[
    "etc/containerd",
    "etc/systemd/system",
    "etc/yum.repos.d",
    "etc/dnf/plugins/versionlock.list",
    "etc/sysctl.d",
    "etc/modules-load.d",
    "etc/crictl.yaml",
    "etc/host.conf",
    "etc/flatcar",
    "etc/.noupdate",
    "opt/bin",
    "opt/cni",
    "opt/dkp/packages/offline-repo.tar.gz",
    "usr/local",
];

/// `rel -> "kind mode sha256"` for every entry under [`TREES`] in `upper`
/// (`.wants` links left out, see the module docs).
fn files(upper: &Path) -> BTreeMap<String, String> {
    use sha2::{Digest, Sha256};
    use std::os::unix::fs::MetadataExt;
    let mut out = BTreeMap::new();
    let mut stack: Vec<PathBuf> = TREES.iter().map(|t| upper.join(t)).collect();
    while let Some(path) = stack.pop() {
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        let rel = path
            .strip_prefix(upper)
            .expect("under upper")
            .display()
            .to_string();
        if rel.contains(".wants/") || rel.ends_with(".wants") {
            continue;
        }
        let what = if meta.is_dir() {
            for e in std::fs::read_dir(&path).into_iter().flatten().flatten() {
                stack.push(e.path());
            }
            "dir".to_owned()
        } else if meta.file_type().is_symlink() {
            format!(
                "link {}",
                std::fs::read_link(&path).unwrap_or_default().display()
            )
        } else {
            let mut data = std::fs::read(&path).unwrap_or_default();
            if rel.ends_with("versionlock.list") {
                // dnf stamps each lock with the time it was added.
                let text = String::from_utf8_lossy(&data);
                data = text
                    .lines()
                    .filter(|l| !l.starts_with('#'))
                    .collect::<Vec<_>>()
                    .join("\n")
                    .into_bytes();
            }
            hex::encode(Sha256::digest(&data))
        };
        out.insert(rel, format!("{what} {:o}", meta.mode() & 0o7777));
    }
    out
}

/// `name-version-release` of every RPM in the rpm database under `upper`.
fn rpms(upper: &Path) -> Vec<String> {
    let db = upper.join("root/.rpmdb");
    if !db.exists() {
        return Vec::new();
    }
    let out = Command::new("rpm")
        .arg("--dbpath")
        .arg(&db)
        .args(["-qa", "--qf", "%{NAME}-%{VERSION}-%{RELEASE}\\n"])
        .output()
        .expect("run rpm");
    let mut list: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    list.sort();
    list
}

/// One twin run: `os` (`centos-8`, `flatcar`) with `image` and `source`.
fn twin(os: Os, script_os: &str, image: &str, source: Source) {
    // tests/fetch-ansible-collections.sh (run by CI) puts them here.
    let collections = std::env::var("COLLECTIONS").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/target/ansible-collections").to_owned()
    });
    let fleet = Fleet::builder().host(os).start();
    let mirror = Mirror::start();
    let host = &fleet.hosts()[0];
    prepare(host, None);
    let setup = Setup::new(&fleet, &mirror);
    let extra = ["start_services=false", "{\"kernel_modules\": []}"];
    let mut job = setup.job(&fleet, source, Some(image), &[], &extra);
    let (summary, output) = setup.run(job.clone(), RunMode::Apply);
    assert_eq!(summary.exit_code, 0, "{output}");

    // The same layers for ansible-playbook, in the same order.
    let state = tempfile::tempdir().expect("state dir");
    let mut cmd = Command::new("bash");
    cmd.arg(repo().join("tests/artifacts/ansible-reference-run.sh"))
        .arg(script_os)
        .arg(state.path())
        .env("COLLECTIONS", &collections)
        .env(
            "FLATCAR_BIN",
            artifacts().mirror_out.join("flatcar-usr-bin"),
        );
    let mut layers = vec![repo().join("images/common.yaml"), image_file(image)];
    layers.append(&mut job.image.overrides);
    for layer in &layers {
        cmd.arg("-e").arg(format!("@{}", layer.display()));
    }
    // The job's extra vars include `extra`.
    for e in &job.image.extra_vars {
        cmd.arg("-e").arg(e);
    }
    let out = cmd.output().expect("run ansible-reference-run.sh");
    let ansible_log =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "ansible-playbook failed:\n{ansible_log}"
    );

    let ours = files(&host.upper());
    let theirs = files(&state.path().join("upper"));
    let mut diff = Vec::new();
    for (k, v) in &ours {
        match theirs.get(k) {
            None => diff.push(format!("only konvoy-image: {k} ({v})")),
            Some(t) if t != v => diff.push(format!("differs: {k}: ours {v}, ansible {t}")),
            Some(_) => {}
        }
    }
    for k in theirs.keys().filter(|k| !ours.contains_key(*k)) {
        diff.push(format!("only ansible-playbook: {k}"));
    }
    assert!(
        diff.is_empty(),
        "{script_os}: the trees differ:\n{}\n--- konvoy-image:\n{output}\n--- ansible-playbook:\n{ansible_log}",
        diff.join("\n")
    );
    assert!(
        ours.len() > 20,
        "{script_os}: too little compared: {ours:?}"
    );
    assert_eq!(
        rpms(&host.upper()),
        rpms(&state.path().join("upper")),
        "{script_os}"
    );
}

#[test]
fn ansible_playbook_and_konvoy_image_leave_the_same_files() {
    twin(Os::Centos8, "centos-8", "centos-8", Source::Bundle);
    twin(Os::Flatcar, "flatcar", "flatcar", Source::Mirror);
}
