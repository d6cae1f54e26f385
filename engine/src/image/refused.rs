//! Settings konvoy-image-builder v1.5 acted on that konvoy-image does not
//! implement. Each is refused when a layer of the configuration turns it
//! on, before any host is touched, pointing at the key that did (or naming
//! `--extra-vars`), with the reason and what to do instead; nothing is
//! accepted and then ignored. playbooks/README.md's parity table lists them.

use crate::source::Span;
use crate::value::{Map, Value};

/// A refused setting: the top-level key, when its value turns the feature
/// on, and why it is refused.
struct Refusal {
    key: &'static str,
    /// What the key must hold to be refused, for the message.
    when: &'static str,
    turned_on: fn(&Value) -> bool,
    why: &'static str,
    instead: &'static str,
}

const REFUSED: &[Refusal] = &[
    Refusal {
        key: "gpu",
        when: "with `types` naming `nvidia`",
        turned_on: names_nvidia,
        why: "NVIDIA GPU support (driver build, container toolkit, the nvidia runtime in \
              containerd) is not implemented",
        instead: "leave `gpu` out and install the driver and toolkit with NVIDIA's GPU operator \
                  once the cluster runs",
    },
    Refusal {
        key: "packer_builder_type",
        when: "(`--provider`) set",
        turned_on: non_empty,
        why: "provider tasks (cloud agents, cloud-init, VMware guest tools) belong to machine \
              images built with Packer",
        instead:
            "leave `--provider` (and `packer_builder_type`) empty for machines that already run",
    },
    Refusal {
        key: "pip_packages_local_bundle_file",
        when: "set",
        turned_on: non_empty,
        why: "the pip bundle installed Python libraries for Ansible's modules on the hosts, and \
              konvoy-image runs no Python there",
        instead: "leave it out; the OS package and image bundles are supported",
    },
    Refusal {
        key: "sysprep",
        when: "true",
        turned_on: truthy,
        why: "sysprep wipes machine identity (machine-id, SSH host keys, logs) for image builds; \
              konvoy-image-builder forced it off for provisioning",
        instead: "leave it out",
    },
    Refusal {
        key: "apply_iptables_rules",
        when: "true",
        turned_on: truthy,
        why: "the iptables ACCEPT rules for control-plane ports are not implemented",
        instead: "open the ports with the host's firewall tooling",
    },
    Refusal {
        key: "allow_icmp",
        when: "true",
        turned_on: truthy,
        why: "the iptables ICMP echo rule is not implemented",
        instead: "allow ICMP with the host's firewall tooling",
    },
];

/// A refused setting that is turned on in `vars`: (key, when, why, instead).
pub(super) fn find(vars: &Map) -> Option<(&'static str, &'static str, &'static str, &'static str)> {
    REFUSED
        .iter()
        .find(|r| vars.get(r.key).is_some_and(r.turned_on))
        .map(|r| (r.key, r.when, r.why, r.instead))
}

/// The reason a refused key is refused (for a flag that sets it).
pub fn reason(key: &str) -> Option<(&'static str, &'static str)> {
    REFUSED
        .iter()
        .find(|r| r.key == key)
        .map(|r| (r.why, r.instead))
}

/// Where `key` is set in a loaded YAML file: the key's span.
pub(super) fn key_span(path: &std::path::Path, key: &str) -> Option<Span> {
    let loaded = crate::yaml::load_file(path).ok()?;
    let doc = loaded.single().0?;
    Some(doc.as_map()?.entry(key)?.key_span.clone())
}

fn non_empty(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Str(s) | Value::Unsafe(s) => !s.trim().is_empty(),
        Value::List(l) => !l.is_empty(),
        Value::Map(m) => !m.is_empty(),
        _ => true,
    }
}

/// Ansible's `| bool` of a setting.
fn truthy(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::Int(i) => *i != 0,
        Value::Str(s) => matches!(
            s.trim().to_ascii_lowercase().as_str(),
            "yes" | "on" | "1" | "true" | "y" | "t"
        ),
        _ => false,
    }
}

/// `gpu: {types: [nvidia, ...]}` (konvoy-image-builder's nvidia override).
fn names_nvidia(v: &Value) -> bool {
    let Value::Map(m) = v else { return false };
    match m.get("types") {
        Some(Value::List(types)) => types
            .iter()
            .any(|t| t.as_str().is_some_and(|s| s.eq_ignore_ascii_case("nvidia"))),
        Some(Value::Str(s)) => s.to_ascii_lowercase().contains("nvidia"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(yaml: &str) -> Map {
        match crate::yaml::load_str(yaml, "t")
            .unwrap()
            .single()
            .0
            .unwrap()
            .to_value()
        {
            Value::Map(m) => m,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn only_settings_that_turn_a_feature_on_are_refused() {
        let refused = |y: &str| find(&map(y)).map(|r| r.0);
        assert_eq!(refused("gpu: {types: [nvidia]}\n"), Some("gpu"));
        assert_eq!(refused("gpu: {types: []}\n"), None);
        assert_eq!(
            refused("packer_builder_type: amazon\n"),
            Some("packer_builder_type")
        );
        assert_eq!(refused("packer_builder_type: \"\"\n"), None);
        assert_eq!(refused("sysprep: yes\n"), Some("sysprep"));
        assert_eq!(refused("sysprep: false\n"), None);
        assert_eq!(
            refused("pip_packages_local_bundle_file: /x.tgz\n"),
            Some("pip_packages_local_bundle_file")
        );
        assert_eq!(
            refused("apply_iptables_rules: \"true\"\n"),
            Some("apply_iptables_rules")
        );
        assert_eq!(
            refused("allow_icmp: false\nkubernetes_version: 1.2\n"),
            None
        );
    }
}
