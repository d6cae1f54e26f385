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
///   into a `_dnf_local` repository.
/// - With `os_repos`, the host's OS repository, as BaseOS and AppStream (or
///   the Ubuntu archive) are on a real one: `/etc/yum.repos.d/konvoy-test-os.repo`
///   on RPM hosts, `/etc/apt/sources.list.d/konvoy-test-os.list` and its key
///   on Ubuntu hosts.
pub(crate) fn prepare_host(host: &TestHost, mirror_out: &Path, os_repos: Option<&OsRepos>) {
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
    let Some(repos) = os_repos else { return };
    let write = |rel: &str, text: &str| {
        let path = host.root().join(rel);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        std::fs::write(path, text).expect("write the OS repository");
    };
    if host.os().is_rpm() {
        write("etc/yum.repos.d/konvoy-test-os.repo", &repos.rpm);
    } else if host.os().is_ubuntu() {
        write("etc/apt/keyrings/konvoy-test-os.asc", &repos.apt_key);
        write(
            "etc/apt/sources.list.d/konvoy-test-os.list",
            &repos.apt_list,
        );
    }
}

/// The OS repositories of test hosts (tests/artifacts/build-mirror.sh's
/// `os.repo`, `os.list`, `os-apt.asc`, with the mirror's address).
pub(crate) struct OsRepos {
    /// The `.repo` file of RPM hosts.
    pub(crate) rpm: String,
    /// The `sources.list.d` file of Ubuntu hosts.
    pub(crate) apt_list: String,
    /// The key that file trusts.
    pub(crate) apt_key: String,
}

impl OsRepos {
    /// Read from `build-mirror.sh`'s output directory, replacing `from`
    /// (the base URL it was built with) by `to`.
    pub(crate) fn read(mirror_out: &Path, from: &str, to: &str) -> OsRepos {
        let read = |f: &str| {
            let text = std::fs::read_to_string(mirror_out.join(f))
                .unwrap_or_else(|e| panic!("read {f}: {e}"));
            if from.is_empty() {
                text
            } else {
                text.replace(from, to)
            }
        };
        OsRepos {
            rpm: read("os.repo"),
            apt_list: read("os.list"),
            apt_key: read("os-apt.asc"),
        }
    }
}
