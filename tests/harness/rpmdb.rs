//! The system packages of an openSUSE Leap 15.6 host, in the rpm database
//! its zypper reads (`/var/lib/rpm`). libzypp's `/etc/zypp/systemCheck`
//! requires `glibc`: with an empty database every install fails with
//! "nothing provides requested glibc", which a real openSUSE host never
//! sees because glibc is installed there. So the host's database holds
//! what a real one holds for that check: a `glibc` package (openSUSE
//! Leap 15.6's version, no files: the machine's own libc is in the lower
//! layer), recorded with `rpm --justdb`, as installed system packages are.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// openSUSE Leap 15.6's glibc.
const GLIBC: (&str, &str, &str) = ("glibc", "2.38", "150600.14.1");

/// The stand-in RPMs, built once per test process.
fn system_rpms() -> &'static [PathBuf] {
    static RPMS: OnceLock<(tempfile::TempDir, Vec<PathBuf>)> = OnceLock::new();
    &RPMS.get_or_init(build).1
}

fn build() -> (tempfile::TempDir, Vec<PathBuf>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (name, version, release) = GLIBC;
    let spec = dir.path().join(format!("{name}.spec"));
    std::fs::write(
        &spec,
        format!(
            "Name: {name}\nVersion: {version}\nRelease: {release}\n\
             Summary: openSUSE system package stand-in\nLicense: LGPL-2.1-or-later\n\
             BuildArch: noarch\nAutoReqProv: no\n\
             %description\nStand-in for the installed {name} of an openSUSE test host.\n\
             %files\n"
        ),
    )
    .expect("write a spec");
    let out = Command::new("rpmbuild")
        .args(["-bb", "--quiet", "--define"])
        .arg(format!("_topdir {}", dir.path().join("build").display()))
        .arg("--define")
        .arg(format!("_rpmdir {}", dir.path().display()))
        .arg("--define")
        .arg("_build_name_fmt %%{NAME}.rpm")
        .arg(&spec)
        .output()
        .expect("run rpmbuild");
    assert!(
        out.status.success(),
        "rpmbuild {name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rpm = dir.path().join(format!("{name}.rpm"));
    (dir, vec![rpm])
}

/// Records the system packages in `upper`'s `/var/lib/rpm` (before the
/// overlay is mounted).
pub(crate) fn install_system_packages(upper: &Path) {
    let db = upper.join("var/lib/rpm");
    std::fs::create_dir_all(&db).expect("create the rpm database dir");
    let out = Command::new("rpm")
        .arg("--dbpath")
        .arg(&db)
        .args(["--justdb", "--nodeps", "--noscripts", "-i"])
        .args(system_rpms())
        .output()
        .expect("run rpm");
    assert!(
        out.status.success(),
        "rpm --justdb -i: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
