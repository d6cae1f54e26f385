//! What a fresh test host needs before it can be provisioned, beyond the
//! harness's own setup (tests/artifacts/README.md): what the real OS would
//! already have. Shared by the provision tests and
//! `engine/examples/testhosts.rs` (demo.sh, benches/provision.sh).

use crate::harness::{Os, TestHost};
use std::path::Path;

/// Prepares `host` for provisioning.
///
/// - Every host: the kernel here has `overlay` and `br_netfilter` built in
///   and no `/lib/modules`, so they are listed in the host's
///   `modules.builtin` and real `modprobe` succeeds for them (test-hosts.md
///   §2c).
/// - Flatcar: what Flatcar ships in `/usr/bin` (stand-in `containerd`, `ctr`,
///   `update_engine`, `locksmithd` from `mirror_out/flatcar-usr-bin`, made by
///   tests/artifacts/build-mirror.sh), the `update-engine` and `locksmithd`
///   units enabled (and running under systemd), `/etc/flatcar/update.conf`.
/// - RPM hosts: dnf's `local` plugin off (Debian's dnf-plugins-core turns it
///   on; the real OSes do not ship it), so installed packages do not turn
///   into a `_dnf_local` repository; when `os_repo` is given, it becomes the
///   host's OS repository (`/etc/yum.repos.d/konvoy-test-os.repo`), as
///   BaseOS and AppStream are on a real one.
pub(crate) fn prepare_host(host: &TestHost, mirror_out: &Path, os_repo: Option<&str>) {
    host.sh(
        "d=/lib/modules/$(uname -r); mkdir -p \"$d\" && \
         printf 'kernel/net/bridge/br_netfilter.ko\\nkernel/fs/overlayfs/overlay.ko\\n' > \"$d/modules.builtin\" && \
         depmod -b /",
    );
    if host.os() == Os::Flatcar {
        let usr_bin = host.root().join("usr/bin");
        for name in ["containerd", "ctr", "update_engine", "locksmithd"] {
            std::fs::copy(
                mirror_out.join("flatcar-usr-bin").join(name),
                usr_bin.join(name),
            )
            .expect("install a Flatcar stand-in");
        }
        let units = host.root().join("usr/lib/systemd/system");
        for (unit, bin) in [
            ("update-engine", "update_engine"),
            ("locksmithd", "locksmithd"),
        ] {
            // Flatcar's own units skip when /usr/.noupdate exists.
            std::fs::write(
                units.join(format!("{unit}.service")),
                format!(
                    "[Unit]\nDescription={unit} (Flatcar stand-in)\n\
                     ConditionPathExists=!/usr/.noupdate\n\n\
                     [Service]\nExecStart=/usr/bin/{bin}\n\n\
                     [Install]\nWantedBy=multi-user.target\n"
                ),
            )
            .expect("write a Flatcar unit");
        }
        host.sh("mkdir -p /etc/flatcar && printf 'GROUP=stable\\n' > /etc/flatcar/update.conf");
        if host.has_systemd() {
            host.sh("systemctl daemon-reload && \
                 systemctl enable --now update-engine.service locksmithd.service");
        } else {
            host.sh("systemctl enable update-engine.service locksmithd.service");
        }
    }
    if host.os().is_rpm() {
        std::fs::create_dir_all(host.root().join("etc/dnf/plugins")).expect("mkdir dnf/plugins");
        std::fs::write(
            host.root().join("etc/dnf/plugins/local.conf"),
            "[main]\nenabled = false\n",
        )
        .expect("switch dnf's local plugin off");
    }
    if let Some(repo) = os_repo.filter(|_| host.os().is_rpm()) {
        std::fs::create_dir_all(host.root().join("etc/yum.repos.d")).expect("mkdir yum.repos.d");
        std::fs::write(
            host.root().join("etc/yum.repos.d/konvoy-test-os.repo"),
            repo,
        )
        .expect("write the OS repository");
    }
}
