//! Keys of image and override files that nothing reads.
//!
//! Every top-level key of every file layer is looked up in the names the
//! provisioning playbook, its roles and their templates read (the static
//! checks collect them, [`crate::plan::Checked::reads`]), in the names the
//! templated values of those keys read in turn (`runc_url` reads
//! `runc_version`), and in the keys the loader itself consumes. A key found
//! in none has no effect:
//! - a key of konvoy-image-builder that konvoy-image deliberately does not
//!   implement gets a message saying so ([`KIB_KEYS`]); when its value asks
//!   for the feature (`gpu: {types: [nvidia]}`, a non-empty bundle file,
//!   `true`) the run is refused, since going on would silently skip it;
//!   an inert value (empty, `false`) is only a warning;
//! - any other key is a warning naming `file:line:column` and the closest
//!   key that is read (`htpp_proxy` → `http_proxy`).

use super::{ImageConfig, ImageError};
use crate::value::Value;
use std::collections::BTreeSet;

/// Keys the loader or the command line consume themselves.
const CONSUMED: &[&str] = &[
    // Turned into `kubernetes_full_version` (and read by the playbook).
    "kubernetes_build_metadata",
    // Turned into http_proxy, https_proxy and no_proxy (see layer.rs).
    "proxy_env",
];

/// konvoy-image-builder keys konvoy-image does not implement, and why.
pub const KIB_KEYS: &[(&str, &str)] = &[
    ("packer", "Packer settings of KIB's image builds; konvoy-image provisions machines that already run"),
    ("packer_builder_type", "KIB's `--provider` tasks (cloud agents, cloud-init) are not implemented"),
    ("build_name", "the name of a KIB image build; provisioning builds no image"),
    ("build_name_extra", "the name of a KIB image build; provisioning builds no image"),
    ("python_path", "konvoy-image needs no Python on the hosts"),
    ("pip_packages_local_bundle_file", "konvoy-image needs no Python on the hosts, so it installs no pip packages"),
    ("pip_packages_remote_bundle_path", "konvoy-image needs no Python on the hosts, so it installs no pip packages"),
    (
        "pip_packages_remote_filesystem_repo_path",
        "konvoy-image needs no Python on the hosts, so it installs no pip packages",
    ),
    ("gpu", "NVIDIA GPU drivers and container runtime (KIB's gpu role) are not installed by konvoy-image"),
    ("nvidia_runfile_local_file", "NVIDIA GPU drivers (KIB's gpu role) are not installed by konvoy-image"),
    ("nvidia_remote_bundle_path", "NVIDIA GPU drivers (KIB's gpu role) are not installed by konvoy-image"),
    ("nvidia_driver_version", "NVIDIA GPU drivers (KIB's gpu role) are not installed by konvoy-image"),
    ("nvidia_cuda_version", "NVIDIA GPU drivers (KIB's gpu role) are not installed by konvoy-image"),
    ("default_image_repo", "images are pre-pulled from `k8s_image_registry`"),
    ("containerd_local_bundle_file", "containerd comes from its release tarball (`containerd_url`) or the package repositories"),
    ("containerd_remote_bundle_path", "containerd comes from its release tarball (`containerd_url`) or the package repositories"),
    ("oracle_kernel", "switching Oracle Linux to the Red Hat compatible kernel (KIB's rhck role) is not implemented"),
    ("list_images", "KIB's list-images playbook is not part of konvoy-image"),
    ("aws_images", "KIB's `--provider` tasks (cloud agents, cloud-init) are not implemented"),
    ("sysprep", "machine-image cleanup (KIB's sysprep role) is for image builds; provisioning never runs it"),
    ("apply_iptables_rules", "KIB's iptables rules are not implemented"),
    ("allow_icmp", "KIB's iptables rules are not implemented"),
    ("apiserver_port", "KIB's iptables rules are not implemented"),
    ("systemd_prefix", "install locations are fixed (`/opt` on Flatcar, `/usr/local` for containerd, the packages' own elsewhere)"),
    ("sysusr_prefix", "install locations are fixed (`/opt` on Flatcar, `/usr/local` for containerd, the packages' own elsewhere)"),
    ("sysusrlocal_prefix", "install locations are fixed (`/opt` on Flatcar, `/usr/local` for containerd, the packages' own elsewhere)"),
    ("containerd_flatcar_bins", "Flatcar gets containerd from its release tarball under /opt (or its own with `containerd_from: package`); no links are made"),
];

/// What the keys of `config` come to: warnings, and the refusals of KIB
/// features a value asks for.
///
/// # Errors
/// Every KIB key whose value asks for a feature konvoy-image does not
/// implement ([`ImageError::UnsupportedKey`]), all at once.
pub fn unread_keys(
    config: &ImageConfig,
    reads: &BTreeSet<String>,
) -> Result<Vec<ImageError>, Vec<ImageError>> {
    let reads = &through_values(config, reads);
    let mut warnings = Vec::new();
    let mut refused = Vec::new();
    for (key, span, value) in &config.keys {
        if reads.contains(key) || CONSUMED.contains(&key.as_str()) {
            continue;
        }
        if let Some((_, why)) = KIB_KEYS.iter().find(|(k, _)| k == key) {
            let e = ImageError::UnsupportedKey {
                key: key.clone(),
                reason: (*why).to_owned(),
                refused: asks_for_something(key, value),
                span: span.clone(),
            };
            if asks_for_something(key, value) {
                refused.push(e);
            } else {
                warnings.push(e);
            }
            continue;
        }
        warnings.push(ImageError::UnusedKey {
            key: key.clone(),
            closest: closest(key, reads),
            span: span.clone(),
        });
    }
    if refused.is_empty() {
        Ok(warnings)
    } else {
        Err(refused)
    }
}

/// `reads` and every name the merged values of read keys read, to the
/// end of the chain (values are templated lazily, so a key that only
/// another key's value uses is read when that key is).
pub fn through_values(config: &ImageConfig, reads: &BTreeSet<String>) -> BTreeSet<String> {
    fn texts<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
        match v {
            Value::Str(s) if s.contains("{{") || s.contains("{%") => out.push(s),
            Value::List(items) => items.iter().for_each(|i| texts(i, out)),
            Value::Map(m) => m.values().for_each(|i| texts(i, out)),
            _ => {}
        }
    }
    let templar = crate::template::Templar::new();
    let mut all = reads.clone();
    let mut queue: Vec<String> = reads.iter().cloned().collect();
    while let Some(name) = queue.pop() {
        let Some(value) = config.vars.get(&name) else {
            continue;
        };
        let mut found = Vec::new();
        texts(value, &mut found);
        for text in found {
            for n in templar.variables(text, false).unwrap_or_default() {
                if all.insert(n.clone()) {
                    queue.push(n);
                }
            }
        }
    }
    all
}

/// Whether a KIB key's value turns its feature on. Names, paths kept for
/// old files and Packer settings never do; `gpu.types`, `fips.enabled`, a
/// bundle file and a `true` do.
fn asks_for_something(key: &str, value: &Value) -> bool {
    const INERT: &[&str] = &[
        "packer",
        "build_name",
        "build_name_extra",
        "python_path",
        "systemd_prefix",
        "sysusr_prefix",
        "sysusrlocal_prefix",
        "containerd_flatcar_bins",
        "pip_packages_remote_bundle_path",
        "pip_packages_remote_filesystem_repo_path",
        "pip_packages_local_bundle_file",
        "nvidia_remote_bundle_path",
        "containerd_remote_bundle_path",
        "nvidia_driver_version",
        "nvidia_cuda_version",
        "sysprep",
        "list_images",
        "apiserver_port",
    ];
    if INERT.contains(&key) {
        return false;
    }
    match (key, value) {
        ("gpu", Value::Map(m)) => m
            .get("types")
            .is_some_and(|t| matches!(t, Value::List(l) if !l.is_empty())),
        ("oracle_kernel", Value::Str(s)) => s != "UEK",
        (_, v) => truthy(v),
    }
}

/// A value that is set to something: non-empty, non-false, non-zero.
fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Int(i) => *i != 0,
        Value::Str(s) | Value::Unsafe(s) => {
            !s.is_empty()
                && !matches!(
                    s.to_ascii_lowercase().as_str(),
                    "false" | "no" | "off" | "0"
                )
        }
        Value::List(l) => !l.is_empty(),
        Value::Map(m) => !m.is_empty(),
        _ => true,
    }
}

/// The read key closest to `key`, if close enough to be a typo.
fn closest(key: &str, reads: &BTreeSet<String>) -> Option<String> {
    reads
        .iter()
        .map(|r| (crate::modules::edit_distance(key, r), r))
        .filter(|(d, r)| *d <= 2.max(r.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, r)| r.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Map;

    #[test]
    fn keys_that_read_keys_read_them_too() {
        let mut vars = Map::new();
        vars.insert(
            "runc_url".into(),
            Value::Str("https://x/v{{ runc_version }}/runc.{{ arch }}".into()),
        );
        vars.insert("runc_version".into(), Value::Str("1.4.3".into()));
        vars.insert("arch".into(), Value::Str("{{ goarch }}".into()));
        vars.insert("goarch".into(), Value::Str("amd64".into()));
        vars.insert("unused".into(), Value::Str("{{ also_unused }}".into()));
        let config = ImageConfig {
            vars,
            ..ImageConfig::default()
        };
        let reads: BTreeSet<String> = ["runc_url".to_owned()].into_iter().collect();
        let all = through_values(&config, &reads);
        let want: BTreeSet<String> = ["runc_url", "runc_version", "arch", "goarch"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        assert_eq!(all, want);
    }
}
