//! The control-plane images `roles/images` pre-pulls follow the Kubernetes
//! version asked for: `images_to_pull` rendered from the real image files,
//! the play's vars and the role's defaults (precedence as in a run: extra
//! vars over play vars over role defaults) for several minors and patches,
//! with explicit settings winning, and a minor without known versions
//! refused with a message naming the keys to set. No host is involved; the
//! end-to-end pulls are in `versions` (1.31) and `current` (1.36).

use super::{image_file, repo};
use engine::image::{self, ImageRequest};
use engine::template::{Templar, Vars};
use engine::value::{Map, Value};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A top-level mapping of `path` (or the mapping at `key` of its first
/// play, for the playbook) as variables.
fn yaml_map(path: &Path, play_key: Option<&str>) -> Map {
    let (doc, _) = engine::yaml::load_file(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .single();
    let value = doc.expect("a document").to_value();
    let value = match play_key {
        Some(key) => match value {
            Value::List(plays) => match plays.into_iter().next() {
                Some(Value::Map(play)) => play.get(key).cloned().expect("play vars"),
                other => panic!("first play: {other:?}"),
            },
            other => panic!("a list of plays: {other:?}"),
        },
        None => value,
    };
    match value {
        Value::Map(m) => m,
        other => panic!("{}: not a mapping: {other:?}", path.display()),
    }
}

/// `expr` rendered for `image` with `--kubernetes-version` `k8s` (if any),
/// `--overrides` files and `--extra-vars`.
fn render(
    image: &str,
    k8s: Option<&str>,
    overrides: &[PathBuf],
    extra: &[&str],
    expr: &str,
) -> Result<Value, String> {
    let req = ImageRequest {
        image: image_file(image),
        common: None,
        overrides: overrides.to_vec(),
        kubernetes_version: k8s.map(str::to_owned),
        containerd_version: None,
        extra_vars: extra.iter().map(|s| (*s).to_owned()).collect(),
    };
    let extra_vars = image::load(&req).map_err(|e| e.to_string())?;
    let mut vars = yaml_map(
        &repo().join("playbooks/roles/images/defaults/main.yaml"),
        None,
    );
    vars.extend(yaml_map(
        &repo().join("playbooks/provision.yaml"),
        Some("vars"),
    ));
    vars.extend(extra_vars);
    Templar::new()
        .render(expr, &Vars::new(Arc::new(vars)))
        .map_err(|e| e.to_string())
}

/// `images_to_pull`, as [`render`] takes its arguments.
fn images_to_pull(
    image: &str,
    k8s: Option<&str>,
    overrides: &[PathBuf],
    extra: &[&str],
) -> Vec<String> {
    match render(image, k8s, overrides, extra, "{{ images_to_pull }}") {
        Ok(Value::List(items)) => items
            .iter()
            .map(|v| match v {
                Value::Str(s) => s.clone(),
                other => panic!("an image name: {other:?} in {items:?}"),
            })
            .collect(),
        other => panic!("a list of images: {other:?}"),
    }
}

/// What `kubeadm config images list --kubernetes-version v<k8s>` names on
/// registry.k8s.io, plus the previous pause version.
fn kubeadm_list(k8s: &str, etcd: &str, coredns: &str, pause: [&str; 2]) -> Vec<String> {
    let mut images: Vec<String> = [
        "kube-apiserver",
        "kube-controller-manager",
        "kube-scheduler",
        "kube-proxy",
    ]
    .iter()
    .map(|c| format!("registry.k8s.io/{c}:v{k8s}"))
    .collect();
    images.push(format!("registry.k8s.io/etcd:{etcd}"));
    images.extend(pause.iter().map(|p| format!("registry.k8s.io/pause:{p}")));
    images.push(format!("registry.k8s.io/coredns/coredns:v{coredns}"));
    images
}

#[test]
fn the_images_follow_the_kubernetes_minor_and_patch() {
    // The default version.
    assert_eq!(
        images_to_pull("rocky-9", None, &[], &[]),
        kubeadm_list("1.36.4", "3.6.8-0", "1.14.2", ["3.10.2", "3.10.1"])
    );
    // The oldest supported minor, before and after kubeadm's etcd backport.
    assert_eq!(
        images_to_pull("ubuntu-24.04", Some("1.31.13"), &[], &[]),
        kubeadm_list("1.31.13", "3.5.15-0", "1.11.3", ["3.10", "3.9"])
    );
    assert_eq!(
        images_to_pull("flatcar", Some("1.31.14"), &[], &[]),
        kubeadm_list("1.31.14", "3.5.24-0", "1.11.3", ["3.10", "3.9"])
    );
    // 1.31.0 still named coredns 1.11.1; 1.34.0 and .1 etcd 3.6.4.
    assert_eq!(
        images_to_pull("rocky-9", Some("1.31.0"), &[], &[]),
        kubeadm_list("1.31.0", "3.5.15-0", "1.11.1", ["3.10", "3.9"])
    );
    assert_eq!(
        images_to_pull("rocky-9", Some("1.34.1"), &[], &[]),
        kubeadm_list("1.34.1", "3.6.4-0", "1.12.1", ["3.10.1", "3.10"])
    );
    assert_eq!(
        images_to_pull("rocky-9", Some("1.35.8"), &[], &[]),
        kubeadm_list("1.35.8", "3.6.6-0", "1.13.1", ["3.10.1", "3.10"])
    );
    // The CentOS images keep the 2021 pins.
    let centos = images_to_pull("centos-8", None, &[], &[]);
    assert!(
        centos.contains(&"k8s.gcr.io/etcd:3.4.13-0".to_owned()),
        "{centos:?}"
    );
    assert!(
        centos.contains(&"k8s.gcr.io/coredns/coredns:v1.8.0".to_owned()),
        "{centos:?}"
    );
}

#[test]
fn explicit_versions_win_over_the_table() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("pins.yaml");
    std::fs::write(
        &file,
        "coredns_version: \"1.11.9\"\npause_image_version: \"3.9\"\n",
    )
    .expect("write");
    let got = images_to_pull(
        "rocky-9",
        Some("1.31.13"),
        &[file],
        &["etcd_version=3.5.99-0", "pause_image_version_prev=3.8"],
    );
    assert_eq!(
        got,
        kubeadm_list("1.31.13", "3.5.99-0", "1.11.9", ["3.9", "3.8"])
    );
}

/// The `that` conditions and `fail_msg` of the play's pre-task `name`.
fn pre_task_assert(name: &str) -> (Vec<String>, String) {
    let path = repo().join("playbooks/provision.yaml");
    let (doc, _) = engine::yaml::load_file(&path).expect("playbook").single();
    let Some(Value::List(plays)) = doc.map(|d| d.to_value()) else {
        panic!("a list of plays")
    };
    let Some(Value::Map(play)) = plays.first() else {
        panic!("a play")
    };
    let Some(Value::List(tasks)) = play.get("pre_tasks") else {
        panic!("pre_tasks")
    };
    let task = tasks
        .iter()
        .find_map(|t| match t {
            Value::Map(t) if t.get("name").and_then(Value::as_str) == Some(name) => Some(t),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no pre-task {name}"));
    let Some(Value::Map(assert)) = task.get("assert") else {
        panic!("{name}: an assert")
    };
    let Some(Value::List(that)) = assert.get("that") else {
        panic!("{name}: that")
    };
    let that = that
        .iter()
        .map(|c| c.as_str().expect("a condition").to_owned())
        .collect();
    let msg = assert
        .get("fail_msg")
        .and_then(Value::as_str)
        .expect("fail_msg")
        .to_owned();
    (that, msg)
}

/// Whether every condition of `that` holds (as `assert` evaluates them),
/// and the rendered `fail_msg`.
fn check(that: &[String], msg: &str, k8s: &str, extra: &[&str]) -> (bool, String) {
    let holds = that.iter().all(|c| {
        match render("flatcar", Some(k8s), &[], extra, &format!("{{{{ {c} }}}}")) {
            Ok(Value::Bool(b)) => b,
            other => panic!("{c}: {other:?}"),
        }
    });
    let msg = match render("flatcar", Some(k8s), &[], extra, msg) {
        Ok(Value::Str(s)) => s,
        other => panic!("fail_msg: {other:?}"),
    };
    (holds, msg)
}

#[test]
fn a_minor_without_known_versions_fails_the_check_naming_the_keys_to_set() {
    let (that, msg) = pre_task_assert("Check the control-plane image versions are known");
    let (holds, text) = check(&that, &msg, "1.30.14", &[]);
    assert!(!holds, "the check fails for 1.30");
    assert_eq!(
        text,
        "no kubeadm image versions known for Kubernetes 1.30 (images/common.yaml \
         kubeadm_image_versions lists 1.31, 1.32, 1.33, 1.34, 1.35, 1.36); set etcd_version, \
         coredns_version, pause_image_version and pause_image_version_prev"
    );
    // A known minor passes it; so does an unknown one with the four set.
    assert!(check(&that, &msg, "1.31.13", &[]).0);
    let pins = [
        "etcd_version=3.5.15-0",
        "coredns_version=1.11.3",
        "pause_image_version=3.9",
        "pause_image_version_prev=3.8",
    ];
    assert!(check(&that, &msg, "1.30.14", &pins).0);
    assert_eq!(
        images_to_pull("rocky-9", Some("1.30.14"), &[], &pins),
        kubeadm_list("1.30.14", "3.5.15-0", "1.11.3", ["3.9", "3.8"])
    );
    // Three of four set is not enough.
    assert!(!check(&that, &msg, "1.30.14", &pins[..3]).0);
}
