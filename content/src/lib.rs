//! The provisioning content of `konvoy-image`, embedded at build time by
//! `build.rs`: every file under the repository's `playbooks/` and
//! `images/`, and the git commit the binary was built from. The binary
//! needs nothing else on disk.

#![deny(missing_docs)]

include!(concat!(env!("OUT_DIR"), "/content.rs"));

/// The git commit the binary was built from (`unknown` outside a git
/// checkout), with `-dirty` when tracked files had changes.
pub const GIT_COMMIT: &str = env!("KONVOY_GIT_COMMIT");

/// The embedded file at `path` (relative to the repository root, `/`
/// separated: `images/common.yaml`).
pub fn get(path: &str) -> Option<&'static [u8]> {
    FILES.iter().find(|(p, _)| *p == path).map(|(_, b)| *b)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_provisioning_tree_is_embedded() {
        assert!(super::get("playbooks/provision.yaml").is_some());
        assert!(super::get("images/common.yaml").is_some());
        assert!(super::get("images/generic/centos-8.yaml").is_some());
        assert!(super::FILES.windows(2).all(|w| w[0].0 < w[1].0));
    }
}
