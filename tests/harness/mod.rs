//! The test-host harness: real sshd hosts on `127.0.0.N:22`, each with its
//! own overlay of `/`, hostname and `/etc/os-release` (see
//! `/work/shared/reference/test-hosts.md`), started in parallel and torn
//! down on drop, also when a test panics.
//!
//! ```ignore
//! let fleet = Fleet::builder().hosts(20, Os::Centos7).start();
//! for host in fleet.hosts() { host.sh("test -f /etc/os-release"); }
//! ```
//!
//! Every host has three login users, all reachable with the fleet's keys:
//! `root`, [`SUDO_USER`] (passwordless sudo) and [`SUDO_PASSWORD_USER`]
//! (sudo asks for [`SUDO_PASSWORD`]).
//!
//! These tests need root. Without it the harness fails with a message
//! saying so: a developer sees why, and CI (which runs as root) never
//! passes by accident.

#![allow(dead_code)]

mod alloc;
mod host;
mod rpmdb;
mod setup;

pub(crate) use host::TestHost;
#[allow(unused_imports)] // each user of the harness needs a different subset
pub(crate) use setup::{keys, Keys, KEY_PASSPHRASE, SUDO_PASSWORD, SUDO_PASSWORD_USER, SUDO_USER};

use engine::transport::{ConnectOptions, ConnectionKind, ConnectionSpec, HostKeyChecking};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The operating system a host pretends to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Os {
    /// Debian 12, the machine itself.
    Debian,
    /// CentOS 7 (`yum` is a stand-in that calls dnf).
    Centos7,
    /// CentOS 8.
    Centos8,
    /// Flatcar Container Linux: no Python anywhere.
    Flatcar,
    /// Rocky Linux 8.10.
    Rocky8,
    /// Rocky Linux 9.6.
    Rocky9,
    /// Red Hat Enterprise Linux 8.10.
    Rhel8,
    /// Red Hat Enterprise Linux 9.6.
    Rhel9,
    /// Oracle Linux 9.6.
    Oracle9,
    /// Ubuntu 22.04 LTS (the machine's Debian packages under Ubuntu's identity).
    Ubuntu2204,
    /// Ubuntu 24.04 LTS (the machine's Debian packages under Ubuntu's identity).
    Ubuntu2404,
    /// openSUSE Leap 15.6: Debian's `zypper` (libzypp) and `rpm` in the
    /// overlay (`tests/fetch-zypper.sh` fetches the package), apt hidden.
    OpenSuse15,
}

impl Os {
    /// The host's `/etc/os-release`, as the real distributions ship it.
    pub(crate) fn os_release(self) -> &'static str {
        match self {
            Os::Debian => concat!(
                "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\n",
                "VERSION_ID=\"12\"\nVERSION=\"12 (bookworm)\"\nVERSION_CODENAME=bookworm\nID=debian\n",
                "HOME_URL=\"https://www.debian.org/\"\nSUPPORT_URL=\"https://www.debian.org/support\"\n",
                "BUG_REPORT_URL=\"https://bugs.debian.org/\"\n"
            ),
            Os::Centos7 => concat!(
                "NAME=\"CentOS Linux\"\nVERSION=\"7 (Core)\"\nID=\"centos\"\nID_LIKE=\"rhel fedora\"\n",
                "VERSION_ID=\"7\"\nPRETTY_NAME=\"CentOS Linux 7 (Core)\"\nANSI_COLOR=\"0;31\"\n",
                "CPE_NAME=\"cpe:/o:centos:centos:7\"\nHOME_URL=\"https://www.centos.org/\"\n",
                "BUG_REPORT_URL=\"https://bugs.centos.org/\"\n\nCENTOS_MANTISBT_PROJECT=\"CentOS-7\"\n",
                "CENTOS_MANTISBT_PROJECT_VERSION=\"7\"\nREDHAT_SUPPORT_PRODUCT=\"centos\"\n",
                "REDHAT_SUPPORT_PRODUCT_VERSION=\"7\"\n\n"
            ),
            Os::Centos8 => concat!(
                "NAME=\"CentOS Linux\"\nVERSION=\"8\"\nID=\"centos\"\nID_LIKE=\"rhel fedora\"\n",
                "VERSION_ID=\"8\"\nPLATFORM_ID=\"platform:el8\"\nPRETTY_NAME=\"CentOS Linux 8\"\n",
                "ANSI_COLOR=\"0;31\"\nCPE_NAME=\"cpe:/o:centos:centos:8\"\n",
                "HOME_URL=\"https://centos.org/\"\nBUG_REPORT_URL=\"https://bugs.centos.org/\"\n",
                "CENTOS_MANTISBT_PROJECT=\"CentOS-8\"\nCENTOS_MANTISBT_PROJECT_VERSION=\"8\"\n"
            ),
            Os::Flatcar => concat!(
                "NAME=\"Flatcar Container Linux by Kinvolk\"\nID=flatcar\nID_LIKE=coreos\n",
                "VERSION=3033.2.0\nVERSION_ID=3033.2.0\nBUILD_ID=2021-12-10-1820\n",
                "SYSEXT_LEVEL=1.0\nPRETTY_NAME=\"Flatcar Container Linux by Kinvolk 3033.2.0 (Oklo)\"\n",
                "ANSI_COLOR=\"38;5;75\"\nHOME_URL=\"https://flatcar-linux.org/\"\n",
                "BUG_REPORT_URL=\"https://issues.flatcar-linux.org\"\nFLATCAR_BOARD=\"amd64-usr\"\n",
                "CPE_NAME=\"cpe:2.3:o:flatcar-linux:flatcar_linux:3033.2.0:*:*:*:*:*:*:*\"\n"
            ),
            Os::Rocky8 => concat!(
                "NAME=\"Rocky Linux\"\nVERSION=\"8.10 (Green Obsidian)\"\nID=\"rocky\"\n",
                "ID_LIKE=\"rhel centos fedora\"\nVERSION_ID=\"8.10\"\nPLATFORM_ID=\"platform:el8\"\n",
                "PRETTY_NAME=\"Rocky Linux 8.10 (Green Obsidian)\"\nANSI_COLOR=\"0;32\"\n",
                "LOGO=\"fedora-logo-icon\"\nCPE_NAME=\"cpe:/o:rocky:rocky:8:GA\"\n",
                "HOME_URL=\"https://rockylinux.org/\"\nBUG_REPORT_URL=\"https://bugs.rockylinux.org/\"\n",
                "SUPPORT_END=\"2029-05-31\"\nROCKY_SUPPORT_PRODUCT=\"Rocky-Linux-8\"\n",
                "ROCKY_SUPPORT_PRODUCT_VERSION=\"8.10\"\nREDHAT_SUPPORT_PRODUCT=\"Rocky Linux\"\n",
                "REDHAT_SUPPORT_PRODUCT_VERSION=\"8.10\"\n"
            ),
            Os::Rocky9 => concat!(
                "NAME=\"Rocky Linux\"\nVERSION=\"9.6 (Blue Onyx)\"\nID=\"rocky\"\n",
                "ID_LIKE=\"rhel centos fedora\"\nVERSION_ID=\"9.6\"\nPLATFORM_ID=\"platform:el9\"\n",
                "PRETTY_NAME=\"Rocky Linux 9.6 (Blue Onyx)\"\nANSI_COLOR=\"0;32\"\n",
                "LOGO=\"fedora-logo-icon\"\nCPE_NAME=\"cpe:/o:rocky:rocky:9::baseos\"\n",
                "HOME_URL=\"https://rockylinux.org/\"\nVENDOR_NAME=\"RESF\"\n",
                "VENDOR_URL=\"https://resf.org/\"\nBUG_REPORT_URL=\"https://bugs.rockylinux.org/\"\n",
                "SUPPORT_END=\"2032-05-31\"\nROCKY_SUPPORT_PRODUCT=\"Rocky-Linux-9\"\n",
                "ROCKY_SUPPORT_PRODUCT_VERSION=\"9.6\"\nREDHAT_SUPPORT_PRODUCT=\"Rocky Linux\"\n",
                "REDHAT_SUPPORT_PRODUCT_VERSION=\"9.6\"\n"
            ),
            Os::Rhel8 => concat!(
                "NAME=\"Red Hat Enterprise Linux\"\nVERSION=\"8.10 (Ootpa)\"\nID=\"rhel\"\n",
                "ID_LIKE=\"fedora\"\nVERSION_ID=\"8.10\"\nPLATFORM_ID=\"platform:el8\"\n",
                "PRETTY_NAME=\"Red Hat Enterprise Linux 8.10 (Ootpa)\"\nANSI_COLOR=\"0;31\"\n",
                "CPE_NAME=\"cpe:/o:redhat:enterprise_linux:8::baseos\"\n",
                "HOME_URL=\"https://www.redhat.com/\"\n",
                "DOCUMENTATION_URL=\"https://access.redhat.com/documentation/en-us/red_hat_enterprise_linux/8\"\n",
                "BUG_REPORT_URL=\"https://issues.redhat.com/\"\n\n",
                "REDHAT_BUGZILLA_PRODUCT=\"Red Hat Enterprise Linux 8\"\n",
                "REDHAT_BUGZILLA_PRODUCT_VERSION=8.10\n",
                "REDHAT_SUPPORT_PRODUCT=\"Red Hat Enterprise Linux\"\n",
                "REDHAT_SUPPORT_PRODUCT_VERSION=\"8.10\"\n"
            ),
            Os::Rhel9 => concat!(
                "NAME=\"Red Hat Enterprise Linux\"\nVERSION=\"9.6 (Plow)\"\nID=\"rhel\"\n",
                "ID_LIKE=\"fedora\"\nVERSION_ID=\"9.6\"\nPLATFORM_ID=\"platform:el9\"\n",
                "PRETTY_NAME=\"Red Hat Enterprise Linux 9.6 (Plow)\"\nANSI_COLOR=\"0;31\"\n",
                "LOGO=\"fedora-logo-icon\"\nCPE_NAME=\"cpe:/o:redhat:enterprise_linux:9::baseos\"\n",
                "HOME_URL=\"https://www.redhat.com/\"\n",
                "DOCUMENTATION_URL=\"https://access.redhat.com/documentation/en-us/red_hat_enterprise_linux/9\"\n",
                "BUG_REPORT_URL=\"https://issues.redhat.com/\"\n\n",
                "REDHAT_BUGZILLA_PRODUCT=\"Red Hat Enterprise Linux 9\"\n",
                "REDHAT_BUGZILLA_PRODUCT_VERSION=9.6\n",
                "REDHAT_SUPPORT_PRODUCT=\"Red Hat Enterprise Linux\"\n",
                "REDHAT_SUPPORT_PRODUCT_VERSION=\"9.6\"\n"
            ),
            Os::Oracle9 => concat!(
                "NAME=\"Oracle Linux Server\"\nVERSION=\"9.6\"\nID=\"ol\"\n",
                "ID_LIKE=\"fedora\"\nVARIANT=\"Server\"\nVARIANT_ID=\"server\"\n",
                "VERSION_ID=\"9.6\"\nPLATFORM_ID=\"platform:el9\"\n",
                "PRETTY_NAME=\"Oracle Linux Server 9.6\"\nANSI_COLOR=\"0;31\"\n",
                "CPE_NAME=\"cpe:/o:oracle:linux:9:6:server\"\n",
                "HOME_URL=\"https://linux.oracle.com/\"\n",
                "BUG_REPORT_URL=\"https://github.com/oracle/oracle-linux\"\n\n",
                "ORACLE_BUGZILLA_PRODUCT=\"Oracle Linux 9\"\n",
                "ORACLE_BUGZILLA_PRODUCT_VERSION=9.6\n",
                "ORACLE_SUPPORT_PRODUCT=\"Oracle Linux\"\n",
                "ORACLE_SUPPORT_PRODUCT_VERSION=9.6\n"
            ),
            Os::Ubuntu2204 => concat!(
                "PRETTY_NAME=\"Ubuntu 22.04.5 LTS\"\nNAME=\"Ubuntu\"\nVERSION_ID=\"22.04\"\n",
                "VERSION=\"22.04.5 LTS (Jammy Jellyfish)\"\nVERSION_CODENAME=jammy\nID=ubuntu\n",
                "ID_LIKE=debian\nHOME_URL=\"https://www.ubuntu.com/\"\n",
                "SUPPORT_URL=\"https://help.ubuntu.com/\"\n",
                "BUG_REPORT_URL=\"https://bugs.launchpad.net/ubuntu/\"\n",
                "PRIVACY_POLICY_URL=\"https://www.ubuntu.com/legal/terms-and-policies/privacy-policy\"\n",
                "UBUNTU_CODENAME=jammy\n"
            ),
            Os::Ubuntu2404 => concat!(
                "PRETTY_NAME=\"Ubuntu 24.04.3 LTS\"\nNAME=\"Ubuntu\"\nVERSION_ID=\"24.04\"\n",
                "VERSION=\"24.04.3 LTS (Noble Numbat)\"\nVERSION_CODENAME=noble\nID=ubuntu\n",
                "ID_LIKE=debian\nHOME_URL=\"https://www.ubuntu.com/\"\n",
                "SUPPORT_URL=\"https://help.ubuntu.com/\"\n",
                "BUG_REPORT_URL=\"https://bugs.launchpad.net/ubuntu/\"\n",
                "PRIVACY_POLICY_URL=\"https://www.ubuntu.com/legal/terms-and-policies/privacy-policy\"\n",
                "UBUNTU_CODENAME=noble\nLOGO=ubuntu-logo\n"
            ),
            Os::OpenSuse15 => concat!(
                "NAME=\"openSUSE Leap\"\nVERSION=\"15.6\"\nID=\"opensuse-leap\"\n",
                "ID_LIKE=\"suse opensuse\"\nVERSION_ID=\"15.6\"\n",
                "PRETTY_NAME=\"openSUSE Leap 15.6\"\nANSI_COLOR=\"0;32\"\n",
                "CPE_NAME=\"cpe:/o:opensuse:leap:15.6\"\n",
                "BUG_REPORT_URL=\"https://bugs.opensuse.org\"\n",
                "HOME_URL=\"https://www.opensuse.org/\"\n",
                "DOCUMENTATION_URL=\"https://en.opensuse.org/Portal:Leap\"\n",
                "LOGO=\"distributor-logo-Leap\"\n"
            ),
        }
    }

    /// The OS family as the image files name it (`rocky-9`, `ubuntu-24.04`, ...).
    pub(crate) fn slug(self) -> &'static str {
        match self {
            Os::Debian => "debian-12",
            Os::Centos7 => "centos-7",
            Os::Centos8 => "centos-8",
            Os::Flatcar => "flatcar",
            Os::Rocky8 => "rocky-8",
            Os::Rocky9 => "rocky-9",
            Os::Rhel8 => "rhel-8",
            Os::Rhel9 => "rhel-9",
            Os::Oracle9 => "oracle-9",
            Os::Ubuntu2204 => "ubuntu-22.04",
            Os::Ubuntu2404 => "ubuntu-24.04",
            Os::OpenSuse15 => "opensuse-15",
        }
    }

    /// True for the RPM distributions (dnf on the host).
    pub(crate) fn is_rpm(self) -> bool {
        matches!(
            self,
            Os::Centos7
                | Os::Centos8
                | Os::Rocky8
                | Os::Rocky9
                | Os::Rhel8
                | Os::Rhel9
                | Os::Oracle9
        )
    }

    /// True for Ubuntu.
    pub(crate) fn is_ubuntu(self) -> bool {
        matches!(self, Os::Ubuntu2204 | Os::Ubuntu2404)
    }
}

/// Builds a [`Fleet`].
#[must_use]
#[derive(Debug, Default)]
pub(crate) struct FleetBuilder {
    hosts: Vec<Os>,
    systemd: bool,
    own_network: bool,
}

impl FleetBuilder {
    /// Adds `n` hosts of `os` (named `node1`, `node2`, ... in order).
    pub(crate) fn hosts(mut self, n: usize, os: Os) -> FleetBuilder {
        self.hosts.extend(std::iter::repeat_n(os, n));
        self
    }

    /// Boots every host with a real systemd as PID 1 (test-hosts.md §2):
    /// `systemctl start/restart/is-active` work for real. Slower to start.
    pub(crate) fn systemd(mut self, enabled: bool) -> FleetBuilder {
        self.systemd = enabled;
        self
    }

    /// Gives every host its own network namespace (with only `lo`), so
    /// firewall and other `net.*` changes stay in the host: sshd still
    /// answers on `127.0.0.N` of the machine, through a listener that
    /// hands each connection to `sshd -i` inside the host's namespace.
    /// Not with `systemd`.
    pub(crate) fn own_network(mut self, enabled: bool) -> FleetBuilder {
        self.own_network = enabled;
        self
    }

    /// Adds one host of `os`.
    pub(crate) fn host(self, os: Os) -> FleetBuilder {
        self.hosts(1, os)
    }

    /// Starts every host in parallel and waits until all answer SSH.
    ///
    /// # Panics
    /// When not running as root, or when a host does not come up.
    #[track_caller]
    pub(crate) fn start(self) -> Fleet {
        require_root();
        host::reap_stale();
        let keys = keys();
        let hosts: Vec<TestHost> = std::thread::scope(|scope| {
            let handles: Vec<_> = self
                .hosts
                .iter()
                .enumerate()
                .map(|(i, &os)| {
                    let lease = alloc::lease();
                    let systemd = self.systemd;
                    let net = self.own_network && !systemd;
                    scope.spawn(move || {
                        TestHost::start(&format!("node{}", i + 1), os, lease, systemd, net)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        });
        setup::remove_stale("/tmp/konvoy-test-hosts", "fleet-");
        // Unique per fleet: an address is reused as soon as a fleet ends,
        // possibly before that fleet has removed its directory.
        static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let seq = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = PathBuf::from(format!(
            "/tmp/konvoy-test-hosts/fleet-{}-{seq}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).expect("create the fleet dir");
        let known_hosts = dir.join("known_hosts");
        let lines: String = hosts.iter().map(|h| h.known_hosts_line() + "\n").collect();
        std::fs::write(&known_hosts, lines).expect("write known_hosts");
        Fleet {
            hosts,
            dir,
            known_hosts,
            private_key: keys.ed25519.clone(),
        }
    }
}

/// Fails (never passes silently) when the tests cannot create hosts.
#[track_caller]
pub(crate) fn require_root() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        panic!("these tests need root (CI runs them as root via .ci/run)");
    }
}

/// A set of running test hosts.
pub(crate) struct Fleet {
    hosts: Vec<TestHost>,
    dir: PathBuf,
    known_hosts: PathBuf,
    private_key: PathBuf,
}

impl Fleet {
    /// Starts describing a fleet.
    pub(crate) fn builder() -> FleetBuilder {
        FleetBuilder::default()
    }

    /// The hosts, in the order they were added.
    pub(crate) fn hosts(&self) -> &[TestHost] {
        &self.hosts
    }

    /// Mutable access (for [`TestHost::kill`]).
    pub(crate) fn hosts_mut(&mut self) -> &mut [TestHost] {
        &mut self.hosts
    }

    /// The host called `name`.
    #[track_caller]
    pub(crate) fn host(&self, name: &str) -> &TestHost {
        self.hosts
            .iter()
            .find(|h| h.name() == name)
            .unwrap_or_else(|| panic!("no host `{name}` in the fleet"))
    }

    /// The private key every host accepts for every user.
    pub(crate) fn private_key(&self) -> PathBuf {
        self.private_key.clone()
    }

    /// A `known_hosts` file with every host's key.
    pub(crate) fn known_hosts(&self) -> PathBuf {
        self.known_hosts.clone()
    }

    /// Scratch directory of this fleet (removed on drop).
    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// An Ansible YAML inventory of the fleet, connecting as root with the
    /// fleet's key and strict host key checking against
    /// [`Fleet::known_hosts`].
    pub(crate) fn inventory_yaml(&self) -> String {
        let mut s = String::from("all:\n  hosts:\n");
        for h in &self.hosts {
            s.push_str(&format!(
                "    {}:\n      ansible_host: {}\n",
                h.name(),
                h.address()
            ));
            if h.os() == Os::Flatcar {
                s.push_str("      ansible_python_interpreter: /opt/bin/python\n");
            }
        }
        s.push_str(&format!(
            "  vars:\n    ansible_user: root\n    ansible_ssh_private_key_file: {}\n    \
             ansible_ssh_common_args: \"-o UserKnownHostsFile={} -o StrictHostKeyChecking=yes\"\n",
            self.private_key.display(),
            self.known_hosts.display()
        ));
        s
    }

    /// Writes [`Fleet::inventory_yaml`] to `dir/inventory.yaml`.
    pub(crate) fn write_inventory(&self, dir: &Path) -> PathBuf {
        let path = dir.join("inventory.yaml");
        std::fs::write(&path, self.inventory_yaml()).expect("write the inventory");
        path
    }

    /// Connection settings as the inventory layer would produce them for
    /// `host`, logging in as `root`.
    pub(crate) fn spec(&self, host: &TestHost) -> ConnectionSpec {
        ConnectionSpec {
            name: host.name().to_owned(),
            kind: ConnectionKind::Ssh,
            address: host.address().to_string(),
            port: 22,
            user: Some("root".to_owned()),
            private_key_file: Some(self.private_key.clone()),
            password: None,
            connect_timeout: Duration::from_secs(10),
            host_key_checking: HostKeyChecking::Strict,
            jump: None,
            known_hosts_file: None,
            become_: None,
        }
    }

    /// Options with this fleet's `known_hosts` and nothing from the
    /// environment.
    pub(crate) fn connect_options(&self) -> ConnectOptions {
        ConnectOptions {
            known_hosts: vec![self.known_hosts.clone()],
            ..ConnectOptions::default()
        }
    }
}

impl Drop for Fleet {
    fn drop(&mut self) {
        // Hosts first (they end their processes), then the fleet's files.
        self.hosts.clear();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
