//! `pkg_mgr`, as ansible-core 2.19 decides it, and the value the yum-era
//! Ansible (2.13, which KIB pinned) gave.
//!
//! 2.19: the last existing binary of a fixed list names the manager, then
//! family rules override it. RedHat family: `atomic_container` on ostree,
//! `dnf5`/`dnf` if `/usr/bin/dnf` or `/usr/bin/microdnf` exists, otherwise
//! **`unknown`** (so a CentOS 7 host without dnf says `unknown`; 2.17 dropped
//! the yum module). Debian family: always `apt`, or `apt_rpm` when rpm owns
//! `/usr/bin/apt-get`. Flatcar: `unknown`.
//!
//! [`legacy`] gives ansible-core 2.13's answer for the RedHat family
//! (`yum` on EL7, `dnf` on EL8+ and Fedora 23+), for playbooks written
//! against it. It is not part of the facts map.

use std::collections::BTreeSet;

/// Binaries in ansible-core 2.19's list, in order: the last existing one
/// is the first answer.
const PKG_MGRS: &[(&str, &str)] = &[
    ("/usr/bin/rpm-ostree", "atomic_container"),
    ("/usr/bin/yum", "dnf"),
    ("/usr/bin/dnf-3", "dnf"),
    ("/usr/bin/dnf5", "dnf5"),
    ("/usr/bin/apt-get", "apt"),
    ("/usr/bin/zypper", "zypper"),
    ("/usr/sbin/urpmi", "urpmi"),
    ("/usr/bin/pacman", "pacman"),
    ("/bin/opkg", "opkg"),
    ("/usr/pkg/bin/pkgin", "pkgin"),
    ("/opt/local/bin/pkgin", "pkgin"),
    ("/opt/tools/bin/pkgin", "pkgin"),
    ("/opt/local/bin/port", "macports"),
    ("/usr/local/bin/brew", "homebrew"),
    ("/opt/homebrew/bin/brew", "homebrew"),
    ("/sbin/apk", "apk"),
    ("/usr/sbin/pkg", "pkgng"),
    ("/usr/sbin/swlist", "swdepot"),
    ("/usr/bin/emerge", "portage"),
    ("/usr/sbin/pkgadd", "svr4pkg"),
    ("/usr/bin/pkg", "pkg5"),
    ("/usr/bin/xbps-install", "xbps"),
    ("/usr/local/sbin/pkg", "pkgng"),
    ("/usr/bin/swupd", "swupd"),
    ("/usr/sbin/sorcery", "sorcery"),
    ("/usr/bin/installp", "installp"),
];

/// What the probe saw on the host that `pkg_mgr` depends on.
#[derive(Debug, Clone)]
pub(crate) struct PkgProbe<'a> {
    /// Paths that exist.
    pub(crate) exists: &'a BTreeSet<&'a str>,
    /// `realpath` of `/usr/bin/dnf` and `/usr/bin/microdnf`.
    pub(crate) realpaths: Vec<(&'a str, &'a str)>,
    /// Exit status of `rpm -q --whatprovides /usr/bin/apt-get`.
    pub(crate) apt_rpm_status: Option<i32>,
}

/// ansible-core 2.19's `pkg_mgr`.
pub(crate) fn pkg_mgr(system: &str, os_family: &str, probe: &PkgProbe<'_>) -> String {
    if system == "OpenBSD" {
        return "openbsd_pkg".into();
    }
    let mut name = "unknown";
    for &(path, manager) in PKG_MGRS {
        // Altlinux's /usr/bin/pkg is a Perl tool, not Solaris' pkg5.
        if os_family == "Altlinux" && path == "/usr/bin/pkg" {
            continue;
        }
        if probe.exists.contains(path) {
            name = manager;
        }
    }
    match os_family {
        "RedHat" => name = redhat(probe),
        "Debian" => name = "apt",
        "Altlinux" if name == "apt" => name = "apt_rpm",
        _ => {}
    }
    if name == "apt" && probe.exists.contains("/usr/bin/rpm") && probe.apt_rpm_status == Some(0) {
        name = "apt_rpm";
    }
    name.to_owned()
}

fn redhat(probe: &PkgProbe<'_>) -> &'static str {
    if probe.exists.contains("/run/ostree-booted") {
        return "atomic_container";
    }
    for bin in ["/usr/bin/dnf", "/usr/bin/microdnf"] {
        if probe.exists.contains(bin) {
            let real = probe
                .realpaths
                .iter()
                .find(|(p, _)| *p == bin)
                .map(|(_, r)| *r);
            return if real == Some("/usr/bin/dnf5") {
                "dnf5"
            } else {
                "dnf"
            };
        }
    }
    "unknown"
}

/// ansible-core 2.13's answer for the RedHat family: `yum` unless the
/// distribution's major version defaults to dnf (Fedora ≥ 23, others ≥ 8)
/// and dnf exists; other families get the 2.19 value.
pub(crate) fn legacy(
    distribution: &str,
    major: &str,
    os_family: &str,
    modern: &str,
    probe: &PkgProbe<'_>,
) -> String {
    if os_family != "RedHat" || probe.exists.contains("/run/ostree-booted") {
        return modern.to_owned();
    }
    let major: u32 = major.parse().unwrap_or(0);
    let dnf_default = if distribution == "Fedora" {
        major >= 23
    } else {
        major >= 8
    };
    let has = |p: &str| probe.exists.contains(p);
    if dnf_default && (has("/usr/bin/dnf") || has("/usr/bin/dnf-3")) {
        "dnf".into()
    } else if has("/usr/bin/yum") {
        "yum".into()
    } else if has("/usr/bin/dnf") {
        "dnf".into()
    } else {
        "unknown".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe<'a>(exists: &'a BTreeSet<&'a str>) -> PkgProbe<'a> {
        PkgProbe {
            exists,
            realpaths: Vec::new(),
            apt_rpm_status: None,
        }
    }

    #[test]
    fn centos7_without_dnf_is_unknown_in_2_19_and_yum_in_2_13() {
        let exists = BTreeSet::from(["/usr/bin/yum", "/usr/bin/rpm"]);
        let p = probe(&exists);
        let modern = pkg_mgr("Linux", "RedHat", &p);
        assert_eq!(modern, "unknown");
        assert_eq!(legacy("CentOS", "7", "RedHat", &modern, &p), "yum");
    }

    #[test]
    fn debian_with_dnf_installed_is_apt() {
        let exists = BTreeSet::from([
            "/usr/bin/apt-get",
            "/usr/bin/dnf",
            "/usr/bin/dnf-3",
            "/usr/bin/rpm",
        ]);
        let mut p = probe(&exists);
        p.apt_rpm_status = Some(1);
        assert_eq!(pkg_mgr("Linux", "Debian", &p), "apt");
        p.apt_rpm_status = Some(0);
        assert_eq!(pkg_mgr("Linux", "Debian", &p), "apt_rpm");
        let none = BTreeSet::new();
        assert_eq!(pkg_mgr("Linux", "Flatcar", &probe(&none)), "unknown");
    }
}
