//! `service_mgr`, as ansible-core 2.19 decides it: the name of PID 1 from
//! `/proc/1/comm` (mapped for procd, runit, svscan, openrc), unless that is
//! `init` or a shell; then per-system defaults and, on Linux, the systemd
//! canaries, upstart, openrc, an offline systemd (`/sbin/init` links to
//! systemd), sysvinit, dinit; `service` as the last resort.

use std::collections::BTreeSet;

/// What the probe saw that `service_mgr` depends on.
#[derive(Debug, Clone)]
pub(crate) struct ServiceProbe<'a> {
    /// `/proc/1/comm`, or the last line of `ps -p 1 -o comm`.
    pub(crate) proc_1: Option<&'a str>,
    /// Where `/sbin/init` links to.
    pub(crate) init_link: Option<&'a str>,
    /// Paths that exist.
    pub(crate) exists: &'a BTreeSet<&'a str>,
    /// Binaries found by Ansible's `get_bin_path` rules.
    pub(crate) bins: &'a BTreeSet<&'a str>,
}

/// ansible-core 2.19's `service_mgr`.
pub(crate) fn service_mgr(system: &str, distribution: &str, probe: &ServiceProbe<'_>) -> String {
    let mut proc_1 = probe
        .proc_1
        .map(str::trim)
        .filter(|p| !p.is_empty() && *p != "COMMAND")
        .or(probe.init_link)
        .map(|p| p.rsplit('/').next().unwrap_or(p).trim());
    if proc_1.is_some_and(|p| p == "init" || p.ends_with("sh")) {
        proc_1 = None;
    }
    if let Some(name) = proc_1 {
        let mapped = match name {
            "procd" => "openwrt_init",
            "runit-init" => "runit",
            "svscan" => "svc",
            "openrc-init" => "openrc",
            other => other,
        };
        return mapped.to_owned();
    }
    let exists = |p: &str| probe.exists.contains(p);
    let bin = |b: &str| probe.bins.contains(b);
    let name = if distribution == "MacOSX" {
        "launchd"
    } else if system.contains("BSD") || system == "Bitrig" || system == "DragonFly" {
        "bsdinit"
    } else if system == "AIX" {
        "src"
    } else if system == "SunOS" {
        "smf"
    } else if distribution == "OpenWrt" {
        "openwrt_init"
    } else if distribution == "SMGL" {
        "simpleinit_msb"
    } else if system == "Linux" {
        let canary = [
            "/run/systemd/system/",
            "/dev/.run/systemd/",
            "/dev/.systemd/",
        ]
        .iter()
        .any(|c| exists(c));
        let offline = probe
            .init_link
            .is_some_and(|l| l.rsplit('/').next() == Some("systemd"));
        if bin("systemctl") && canary {
            "systemd"
        } else if bin("initctl") && exists("/etc/init/") {
            "upstart"
        } else if exists("/sbin/openrc") {
            "openrc"
        } else if bin("systemctl") && offline {
            "systemd"
        } else if exists("/etc/init.d/") {
            "sysvinit"
        } else if exists("/etc/dinit.d/") {
            "dinit"
        } else {
            "service"
        }
    } else {
        "service"
    };
    name.to_owned()
}

/// A read-only probe for `service_mgr` alone, for modules that need it
/// when facts were not gathered (the `service` action): PID 1's name,
/// `/sbin/init`'s target, the paths and binaries the decision reads.
pub(crate) const PROBE: &str = "printf 'comm %s\\n' \"$(cat /proc/1/comm 2>/dev/null)\"\n\
    printf 'init %s\\n' \"$(readlink -f /sbin/init 2>/dev/null)\"\n\
    for p in /run/systemd/system/ /dev/.run/systemd/ /dev/.systemd/ /etc/init/ /sbin/openrc /etc/init.d/ /etc/dinit.d/; do\n\
    \x20 [ -e \"$p\" ] && echo \"path $p\"\ndone\n\
    for b in systemctl initctl; do command -v \"$b\" >/dev/null 2>&1 && echo \"bin $b\"; done\n\
    printf 'system %s\\n' \"$(uname -s)\"\n";

/// `service_mgr` from [`PROBE`]'s output (a Linux-style decision; the
/// distribution-specific answers of BSDs, macOS and OpenWrt need the
/// full fact probe).
pub(crate) fn from_probe(out: &str) -> String {
    let field = |k: &str| {
        out.lines()
            .find_map(|l| l.strip_prefix(k))
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let exists: BTreeSet<&str> = out
        .lines()
        .filter_map(|l| l.strip_prefix("path "))
        .collect();
    let bins: BTreeSet<&str> = out.lines().filter_map(|l| l.strip_prefix("bin ")).collect();
    let probe = ServiceProbe {
        proc_1: field("comm "),
        init_link: field("init "),
        exists: &exists,
        bins: &bins,
    };
    service_mgr(field("system ").unwrap_or("Linux"), "", &probe)
}
