//! The image and override keys the provisioning content reads, enumerated
//! from the playbook itself (the static checks collect every variable the
//! playbook, its roles and templates read): every key of the built-in image
//! and override files is read, every setting `playbooks/README.md`
//! documents is read, and a misspelt or unused key of a user's override is
//! named with `file:line:column` by the real binary, before any host.

use super::repo;
use engine::image::{self, ImageRequest};
use engine::job::PlaybookJob;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

/// Every variable `playbooks/provision.yaml` and its roles read.
fn reads() -> BTreeSet<String> {
    let job = PlaybookJob {
        inventory: vec!["h1,".to_owned()],
        playbook: repo().join("playbooks/provision.yaml"),
        ..PlaybookJob::default()
    };
    job.prepare_checked()
        .unwrap_or_else(|e| panic!("the provisioning playbook compiles: {e}"))
        .reads
}

/// The backticked names of the README's "Variables" section: the image
/// keys paragraph and the first column of the settings table.
fn documented() -> BTreeSet<String> {
    let readme = std::fs::read_to_string(repo().join("playbooks/README.md")).expect("README");
    let section = readme
        .split_once("## Variables")
        .and_then(|(_, rest)| rest.split_once("\n## "))
        .map(|(s, _)| s)
        .expect("a Variables section");
    let image_keys = section
        .split_once(". A key of an image")
        .map_or("", |(s, _)| s);
    let table_cells = section
        .lines()
        .filter(|l| l.starts_with("| `"))
        .filter_map(|l| l.split('|').nth(1));
    let mut names = BTreeSet::new();
    for text in std::iter::once(image_keys).chain(table_cells) {
        for (i, part) in text.split('`').enumerate() {
            if i % 2 == 1
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            {
                names.insert(part.to_owned());
            }
        }
    }
    names
}

#[test]
fn the_content_reads_every_key_of_the_built_in_files_and_of_the_readme() {
    let reads = reads();
    let documented = documented();
    assert!(documented.len() > 40, "{documented:?}");
    // Image keys only other image keys read (`runc_version` in `runc_url`)
    // count as read.
    let common = image::load_config(&ImageRequest {
        image: repo().join("images/generic/flatcar.yaml"),
        common: Some(repo().join("images/common.yaml")),
        ..ImageRequest::default()
    })
    .expect("the built-in files load");
    let all_reads = image::through_values(&common, &reads);
    let unread: Vec<&String> = documented
        .iter()
        .filter(|k| !all_reads.contains(*k))
        .collect();
    assert!(
        unread.is_empty(),
        "documented but read by nothing: {unread:?}"
    );
    // The keys the command line sets are read too.
    for k in [
        "kubernetes_version",
        "containerd_version",
        "registry_mirror_url",
        "registry_mirror_cacert",
        "http_proxy",
        "https_proxy",
        "no_proxy",
    ] {
        assert!(reads.contains(k), "{k}");
    }
    // Every built-in image and override: no warnings at all.
    let overrides: Vec<PathBuf> = std::fs::read_dir(repo().join("images/overrides"))
        .expect("images/overrides")
        .map(|e| e.expect("entry").path())
        .collect();
    assert!(overrides.len() >= 3, "{overrides:?}");
    let images: Vec<String> = std::fs::read_dir(repo().join("images/generic"))
        .expect("images/generic")
        .filter_map(|e| {
            let name = e.ok()?.file_name().to_string_lossy().into_owned();
            Some(name.strip_suffix(".yaml")?.to_owned())
        })
        .collect();
    assert!(images.len() >= 9, "{images:?}");
    for image in &images {
        let config = image::load_config(&ImageRequest {
            image: repo().join(format!("images/generic/{image}.yaml")),
            common: Some(repo().join("images/common.yaml")),
            overrides: overrides.clone(),
            ..ImageRequest::default()
        })
        .expect("the built-in files load");
        let warnings = image::unread_keys(&config, &reads).expect("nothing refused");
        let texts: Vec<String> = warnings.iter().map(ToString::to_string).collect();
        assert!(texts.is_empty(), "{image}: {texts:#?}");
        assert!(
            config.keys.len() > 25,
            "{image}: {} keys",
            config.keys.len()
        );
    }
}

#[test]
fn a_misspelt_override_key_is_named_before_any_host_is_touched() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    // Nothing listens on this address: a connection would fail, and the
    // refusal must come first.
    std::fs::write(d.join("inv.ini"), "h1 ansible_host=127.0.200.7\n").expect("write");
    std::fs::write(
        d.join("overrides.yaml"),
        "# a user's override\nhtpp_proxy: \"http://proxy:3128\"\ngpu:\n  types: [nvidia]\n",
    )
    .expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_konvoy-image"))
        .current_dir(d)
        .env("ANSIBLE_NOCOLOR", "1")
        .args([
            "provision",
            "centos-7",
            "-i",
            "inv.ini",
            "--overrides",
            "overrides.yaml",
            "--no-run-log",
        ])
        .output()
        .expect("run konvoy-image");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr,
        "error: `gpu` is a konvoy-image-builder setting that konvoy-image does not implement: \
         NVIDIA GPU drivers and container runtime (KIB's gpu role) are not installed by konvoy-image\n \
         --> overrides.yaml:3:1\n  |\n3 | gpu:\n  | ^^^\n"
    );
    assert!(out.stdout.is_empty(), "no play starts");
    // Without the refused key the misspelling is a warning with a hint,
    // printed before the run (which then fails to reach the host).
    std::fs::write(
        d.join("overrides.yaml"),
        "# a user's override\nhtpp_proxy: \"http://proxy:3128\"\n",
    )
    .expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_konvoy-image"))
        .current_dir(d)
        .env("ANSIBLE_NOCOLOR", "1")
        .args([
            "provision",
            "centos-7",
            "-i",
            "inv.ini",
            "--overrides",
            "overrides.yaml",
            "--no-run-log",
        ])
        .output()
        .expect("run konvoy-image");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with(
            "warning: `htpp_proxy` is not read by the provisioning playbook, its roles or templates; \
             it has no effect\n --> overrides.yaml:2:1\n  |\n2 | htpp_proxy: \"http://proxy:3128\"\n  \
             | ^^^^^^^^^^\n  = help: did you mean `http_proxy`?\n"
        ),
        "{stderr}"
    );
}
