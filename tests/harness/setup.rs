//! What goes into a host's overlay before it starts: OS identity, users,
//! sudo rules, sshd configuration, and the process-wide test keys.

use super::Os;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// Login user with passwordless sudo.
pub(crate) const SUDO_USER: &str = "kib";
/// Login user whose sudo asks for [`SUDO_PASSWORD`].
pub(crate) const SUDO_PASSWORD_USER: &str = "kibpw";
/// Password of [`SUDO_PASSWORD_USER`] (also its login and `su` password).
pub(crate) const SUDO_PASSWORD: &str = "Sekr1t-horse-battery";
/// Passphrase of [`Keys::encrypted`].
pub(crate) const KEY_PASSPHRASE: &str = "konvoy key passphrase";

/// Key pairs shared by every host started by this process.
pub(crate) struct Keys {
    /// Directory holding the keys.
    pub(crate) dir: PathBuf,
    /// ed25519, authorized for every user.
    pub(crate) ed25519: PathBuf,
    /// RSA, authorized.
    pub(crate) rsa: PathBuf,
    /// ECDSA, authorized.
    pub(crate) ecdsa: PathBuf,
    /// ed25519 protected by [`KEY_PASSPHRASE`], authorized.
    pub(crate) encrypted: PathBuf,
    /// ed25519 that no host authorizes.
    pub(crate) unauthorized: PathBuf,
    /// The `authorized_keys` text.
    pub(crate) authorized: String,
    /// `/etc/shadow` hash of [`SUDO_PASSWORD`].
    pub(crate) password_hash: String,
}

/// The keys, made once per process under `/tmp/konvoy-test-keys-PID`.
pub(crate) fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(make_keys)
}

fn make_keys() -> Keys {
    remove_stale("/tmp", "konvoy-test-keys-");
    let dir = PathBuf::from(format!("/tmp/konvoy-test-keys-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the key directory");
    let gen = |name: &str, args: &[&str], passphrase: &str| {
        let path = dir.join(name);
        let status = Command::new("ssh-keygen")
            .args(["-q", "-N", passphrase, "-C", name, "-f"])
            .arg(&path)
            .args(args)
            .status()
            .expect("run ssh-keygen (install openssh-client)");
        assert!(status.success(), "ssh-keygen {name} failed");
        path
    };
    let ed25519 = gen("id_ed25519", &["-t", "ed25519"], "");
    let rsa = gen("id_rsa", &["-t", "rsa", "-b", "2048"], "");
    let ecdsa = gen("id_ecdsa", &["-t", "ecdsa", "-b", "256"], "");
    let encrypted = gen("id_ed25519_encrypted", &["-t", "ed25519"], KEY_PASSPHRASE);
    let unauthorized = gen("id_unauthorized", &["-t", "ed25519"], "");
    let mut authorized = String::new();
    for key in [&ed25519, &rsa, &ecdsa, &encrypted] {
        let mut pubkey = key.clone().into_os_string();
        pubkey.push(".pub");
        authorized.push_str(&std::fs::read_to_string(pubkey).expect("read a public key"));
    }
    Keys {
        dir,
        ed25519,
        rsa,
        ecdsa,
        encrypted,
        unauthorized,
        authorized,
        password_hash: hash_password(SUDO_PASSWORD),
    }
}

/// SHA-512 crypt hash, computed by `openssl passwd` with the password on
/// stdin (never in argv).
fn hash_password(password: &str) -> String {
    use std::io::Write;
    let mut child = Command::new("openssl")
        .args(["passwd", "-6", "-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run openssl");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("{password}\n").as_bytes())
        .expect("write to openssl");
    let out = child.wait_with_output().expect("openssl output");
    assert!(out.status.success(), "openssl passwd failed");
    String::from_utf8(out.stdout)
        .expect("utf-8 hash")
        .trim()
        .to_owned()
}

/// Removes `dir/prefixPID*` entries whose process is gone (earlier runs).
pub(crate) fn remove_stale(dir: &str, prefix: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix(prefix) else {
            continue;
        };
        let pid: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
        if !pid.is_empty() && !Path::new("/proc").join(&pid).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Writes everything a host needs into its upper directory.
pub(crate) fn prepare_upper(upper: &Path, name: &str, address: std::net::Ipv4Addr, os: Os) {
    let keys = keys();
    let write = |rel: &str, text: &str, mode: u32| {
        let path = upper.join(rel);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("create a parent dir");
        std::fs::write(&path, text).expect("write an upper file");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).expect("chmod");
    };
    write("etc/os-release", os.os_release(), 0o644);
    write("etc/hostname", &format!("{name}\n"), 0o644);
    write(
        "etc/hosts",
        &format!("127.0.0.1 localhost\n{address} {name}\n"),
        0o644,
    );
    for dir in ["run/sshd", "tmp", "var/tmp"] {
        std::fs::create_dir_all(upper.join(dir)).expect("create a runtime dir");
    }
    std::fs::set_permissions(upper.join("tmp"), std::fs::Permissions::from_mode(0o1777))
        .expect("chmod /tmp");
    std::fs::set_permissions(
        upper.join("var/tmp"),
        std::fs::Permissions::from_mode(0o1777),
    )
    .expect("chmod");
    std::fs::set_permissions(
        upper.join("run/sshd"),
        std::fs::Permissions::from_mode(0o755),
    )
    .expect("chmod");

    // Users: the machine's files plus two sudoers.
    let base = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
    let hash = &keys.password_hash;
    let mut passwd = base("/etc/passwd");
    let mut shadow = base("/etc/shadow");
    let mut group = base("/etc/group");
    for (user, uid) in [(SUDO_USER, 4101), (SUDO_PASSWORD_USER, 4102)] {
        passwd.push_str(&format!("{user}:x:{uid}:{uid}::/home/{user}:/bin/sh\n"));
        shadow.push_str(&format!("{user}:{hash}:19000:0:99999:7:::\n"));
        group.push_str(&format!("{user}:x:{uid}:\n"));
        let home = upper.join("home").join(user);
        std::fs::create_dir_all(&home).expect("create a home");
        std::os::unix::fs::chown(&home, Some(uid), Some(uid)).expect("chown a home");
    }
    // The root password is the test password too, so `su` to root works.
    let shadow: String = shadow
        .lines()
        .map(|l| match l.strip_prefix("root:") {
            Some(rest) => {
                let tail = rest.split_once(':').map(|(_, t)| t).unwrap_or("");
                format!("root:{hash}:{tail}\n")
            }
            None => format!("{l}\n"),
        })
        .collect();
    write("etc/passwd", &passwd, 0o644);
    write("etc/shadow", &shadow, 0o640);
    write("etc/group", &group, 0o644);
    write(
        "etc/sudoers.d/konvoy-test",
        &format!(
            "{SUDO_USER} ALL=(ALL:ALL) NOPASSWD: ALL\n{SUDO_PASSWORD_USER} ALL=(ALL:ALL) ALL\n"
        ),
        0o440,
    );

    // sshd: our own config, host key and authorized keys.
    write("etc/ssh/konvoy_authorized_keys", &keys.authorized, 0o644);
    let host_key = upper.join("etc/ssh/konvoy_host_ed25519_key");
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
        .arg(&host_key)
        .status()
        .expect("run ssh-keygen");
    assert!(status.success(), "host key generation failed");
    write(
        "etc/ssh/konvoy_sshd_config",
        &format!(
            "ListenAddress {address}\nPort 22\nHostKey /etc/ssh/konvoy_host_ed25519_key\n\
             PidFile none\nAuthorizedKeysFile /etc/ssh/konvoy_authorized_keys\nStrictModes no\n\
             UsePAM no\nPasswordAuthentication yes\nKbdInteractiveAuthentication no\n\
             PermitRootLogin yes\nMaxStartups 200:30:400\nMaxSessions 50\n\
             AllowTcpForwarding yes\nSubsystem sftp /usr/lib/openssh/sftp-server\n"
        ),
        0o644,
    );

    // The machine's root dotfiles start pyenv on every login (hundreds of
    // milliseconds per command); a freshly installed host has plain ones.
    write("root/.bashrc", "# test host: distribution default\n", 0o644);
    write("root/.profile", "[ -f ~/.bashrc ] && . ~/.bashrc\n", 0o644);

    match os {
        Os::Debian => {}
        Os::Centos7
        | Os::Centos8
        | Os::Rocky8
        | Os::Rocky9
        | Os::Rhel8
        | Os::Rhel9
        | Os::Oracle9 => {
            let (release, major) = match os {
                Os::Centos7 => ("CentOS Linux release 7.9.2009 (Core)\n", "7\n"),
                Os::Centos8 => ("CentOS Linux release 8.5.2111\n", "8\n"),
                Os::Rocky8 => ("Rocky Linux release 8.10 (Green Obsidian)\n", "8\n"),
                Os::Rocky9 => ("Rocky Linux release 9.6 (Blue Onyx)\n", "9\n"),
                Os::Rhel8 => ("Red Hat Enterprise Linux release 8.10 (Ootpa)\n", "8\n"),
                Os::Rhel9 | Os::Oracle9 => ("Red Hat Enterprise Linux release 9.6 (Plow)\n", "9\n"),
                _ => unreachable!("an RPM distribution"),
            };
            write("etc/redhat-release", release, 0o644);
            match os {
                Os::Centos7 | Os::Centos8 => write("etc/centos-release", release, 0o644),
                Os::Rocky8 | Os::Rocky9 => write("etc/rocky-release", release, 0o644),
                Os::Oracle9 => write(
                    "etc/oracle-release",
                    "Oracle Linux Server release 9.6\n",
                    0o644,
                ),
                _ => {}
            }
            write("etc/dnf/vars/releasever", major, 0o644);
            if os == Os::Centos7 {
                // Debian ships no yum: a CentOS 7 stand-in hands it to dnf.
                write("usr/bin/yum", "#!/bin/sh\nexec dnf \"$@\"\n", 0o755);
            }
        }
        Os::Ubuntu2204 | Os::Ubuntu2404 => {
            let (release, codename, description) = if os == Os::Ubuntu2204 {
                ("22.04", "jammy", "Ubuntu 22.04.5 LTS")
            } else {
                ("24.04", "noble", "Ubuntu 24.04.3 LTS")
            };
            write(
                "etc/lsb-release",
                &format!(
                    "DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE={release}\nDISTRIB_CODENAME={codename}\n\
                     DISTRIB_DESCRIPTION=\"{description}\"\n"
                ),
                0o644,
            );
            write(
                "etc/debian_version",
                if os == Os::Ubuntu2204 {
                    "bookworm/sid\n"
                } else {
                    "trixie/sid\n"
                },
                0o644,
            );
            // An air-gapped host: the machine's own Debian sources are not
            // this host's (and not reachable from a real air-gapped one).
            if let Ok(entries) = std::fs::read_dir("/etc/apt/sources.list.d") {
                for entry in entries.flatten() {
                    whiteout(&upper.join("etc/apt/sources.list.d").join(entry.file_name()));
                }
            }
            if Path::new("/etc/apt/sources.list").exists() {
                whiteout(&upper.join("etc/apt/sources.list"));
            }
        }
        Os::OpenSuse15 => {
            unpack_zypper(upper);
            super::rpmdb::install_system_packages(upper);
            // An openSUSE host has no apt: hide Debian's.
            for bin in [
                "apt",
                "apt-get",
                "apt-cache",
                "apt-key",
                "apt-mark",
                "aptitude",
            ] {
                if Path::new("/usr/bin").join(bin).exists() {
                    whiteout(&upper.join("usr/bin").join(bin));
                }
            }
            std::fs::create_dir_all(upper.join("etc/zypp/repos.d")).expect("create repos.d");
        }
        Os::Flatcar => {
            // No Python on Flatcar: whiteouts hide every interpreter.
            for dir in ["usr/bin", "usr/local/bin"] {
                let Ok(entries) = std::fs::read_dir(Path::new("/").join(dir)) else {
                    continue;
                };
                for entry in entries.flatten() {
                    if entry.file_name().to_string_lossy().starts_with("python") {
                        whiteout(&upper.join(dir).join(entry.file_name()));
                    }
                }
            }
            whiteout(&upper.join("root/.pyenv"));
            // Flatcar ships its own containerd in /usr/bin.
            write(
                "usr/bin/containerd",
                "#!/bin/sh\necho 'containerd github.com/containerd/containerd v1.6.16 (Flatcar stand-in)'\n",
                0o755,
            );
        }
    }
}

/// Units for a host booted by systemd: the machine's own services are
/// masked (its sshd listens on every address, postgresql, getty, ...) and
/// the host's sshd runs as a unit of the default target.
pub(crate) fn prepare_systemd(upper: &Path) {
    let units = upper.join("etc/systemd/system");
    let wants = units.join("multi-user.target.wants");
    std::fs::create_dir_all(&wants).expect("create unit dirs");
    for unit in [
        "ssh.service",
        "ssh.socket",
        "postgresql.service",
        "getty@tty1.service",
        "getty.target",
        "console-getty.service",
        "systemd-logind.service",
        "e2scrub_reap.service",
        "systemd-timesyncd.service",
        "apt-daily.timer",
        "apt-daily-upgrade.timer",
        "man-db.timer",
        "e2scrub_all.timer",
        "fstrim.timer",
        "dpkg-db-backup.timer",
        "remote-fs.target",
    ] {
        std::os::unix::fs::symlink("/dev/null", units.join(unit)).expect("mask a unit");
    }
    std::fs::write(
        units.join("konvoy-sshd.service"),
        "[Unit]\nDescription=sshd of this test host\n\n[Service]\n\
         ExecStartPre=/bin/mkdir -p /run/sshd\n\
         ExecStart=/usr/sbin/sshd -D -e -f /etc/ssh/konvoy_sshd_config\n\
         KillMode=process\n\n[Install]\nWantedBy=multi-user.target\n",
    )
    .expect("write the sshd unit");
    std::os::unix::fs::symlink("../konvoy-sshd.service", wants.join("konvoy-sshd.service"))
        .expect("enable sshd");
}

/// Unpacks the `.deb` files `tests/fetch-zypper.sh` fetched into the
/// host's upper directory, with `/lib`, `/bin`, `/sbin` contents moved
/// under `/usr` (those are links on this image: a real directory in the
/// upper layer would hide them).
fn unpack_zypper(upper: &Path) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/debs/zypper");
    let debs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|e| {
            e.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "deb"))
                .collect()
        })
        .unwrap_or_default();
    assert!(
        debs.iter().any(|d| d
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("zypper_"))),
        "no zypper package in {}: run tests/fetch-zypper.sh (.ci/run does)",
        dir.display()
    );
    let stage = upper.with_file_name("zypper-stage");
    let _ = std::fs::remove_dir_all(&stage);
    std::fs::create_dir_all(&stage).expect("create a staging dir");
    for deb in &debs {
        let st = Command::new("dpkg-deb")
            .arg("-x")
            .arg(deb)
            .arg(&stage)
            .status()
            .expect("run dpkg-deb");
        assert!(st.success(), "dpkg-deb -x {}", deb.display());
    }
    let script = "set -e; cd \"$1\"; for d in lib lib64 bin sbin; do if [ -d \"$d\" ] && [ ! -L \"$d\" ]; then \
                  mkdir -p \"usr/$d\"; cp -a \"$d\"/. \"usr/$d\"/; rm -rf \"$d\"; fi; done; cp -a . \"$2\"/";
    let st = Command::new("sh")
        .args(["-c", script, "sh"])
        .arg(&stage)
        .arg(upper)
        .status()
        .expect("run sh");
    assert!(st.success(), "unpacking zypper into the host failed");
    let _ = std::fs::remove_dir_all(&stage);
}

/// An overlayfs whiteout: a 0/0 character device hides the lower entry.
fn whiteout(path: &Path) {
    use std::os::unix::ffi::OsStrExt;
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("create a parent");
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).expect("no NUL in a path");
    // SAFETY: a valid C string; mknod creates a device node or fails.
    let rc = unsafe { libc::mknod(c.as_ptr(), libc::S_IFCHR, libc::makedev(0, 0)) };
    assert_eq!(rc, 0, "mknod whiteout {}", path.display());
}
