//! What a fresh test host needs before it can be provisioned, beyond the
//! harness's own setup (tests/artifacts/README.md). Shared by the provision
//! tests and `engine/examples/testhosts.rs` (demo.sh, benches/provision.sh).

use crate::harness::{Os, TestHost};
use std::path::Path;

/// The kernel here has `overlay` and `br_netfilter` built in and no
/// `/lib/modules`: list them in the host's `modules.builtin` so real
/// `modprobe` succeeds for them (test-hosts.md §2c). Flatcar hosts get the
/// stand-in `containerd` and `ctr` of `flatcar_usr_bin` in `/usr/bin`, where
/// Flatcar ships its own.
pub(crate) fn prepare_host(host: &TestHost, flatcar_usr_bin: &Path) {
    host.sh(
        "d=/lib/modules/$(uname -r); mkdir -p \"$d\" && \
         printf 'kernel/net/bridge/br_netfilter.ko\\nkernel/fs/overlayfs/overlay.ko\\n' > \"$d/modules.builtin\" && \
         depmod -b /",
    );
    if host.os() == Os::Flatcar {
        let usr_bin = host.root().join("usr/bin");
        for name in ["containerd", "ctr"] {
            std::fs::copy(flatcar_usr_bin.join(name), usr_bin.join(name))
                .expect("install a Flatcar stand-in");
        }
    }
}
