//! Test fixtures for the package modules: a few tiny RPMs built with
//! `rpmbuild` (two versions of one package, for `latest` and pins), a
//! `createrepo_c` repository of them, a GPG public key for `rpm_key`, and
//! a small HTTP server on 127.0.0.1 for URL installs. Built once per test
//! process.
//!
//! Packages (all `noarch`, `AutoReqProv: no` so they install into the
//! hosts' empty rpm databases; each owns `/usr/share/konvoy-test/NAME`):
//! - in the repository: `konvoy-a-1.0-1`, `konvoy-b-1.0-1`, `konvoy-b-2.0-1`;
//! - outside it: `konvoy-url-1.0-1` (served over HTTP) and
//!   `konvoy-file-1.0-1` (copied onto the host as a file).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The built fixtures.
pub(crate) struct Rpms {
    _dir: tempfile::TempDir,
    /// The repository (RPMs and `repodata/`).
    pub(crate) repo: PathBuf,
    /// RPMs that are not in the repository, by file name.
    pub(crate) extra: PathBuf,
    /// An armored public key.
    pub(crate) key: PathBuf,
    /// Its fingerprint (40 upper-case hex digits).
    pub(crate) fingerprint: String,
}

/// The fixtures, built on first use.
pub(crate) fn rpms() -> &'static Rpms {
    static RPMS: OnceLock<Rpms> = OnceLock::new();
    RPMS.get_or_init(build)
}

#[track_caller]
fn run(cmd: &mut Command) -> String {
    let out = cmd.output().expect("spawn a fixture tool");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn build_rpm(work: &Path, out: &Path, name: &str, version: &str) {
    let spec = work.join(format!("{name}-{version}.spec"));
    std::fs::write(
        &spec,
        format!(
            "Name: {name}\nVersion: {version}\nRelease: 1\nSummary: konvoy-image test package\n\
             License: Apache-2.0\nBuildArch: noarch\nAutoReqProv: no\n\
             %description\nkonvoy-image test package.\n\
             %install\nmkdir -p %{{buildroot}}/usr/share/konvoy-test\n\
             echo {name}-{version} > %{{buildroot}}/usr/share/konvoy-test/{name}\n\
             %files\n/usr/share/konvoy-test/{name}\n"
        ),
    )
    .expect("write a spec");
    run(Command::new("rpmbuild")
        .arg("-bb")
        .arg("--quiet")
        .arg("--define")
        .arg(format!("_topdir {}", work.join("rpmbuild").display()))
        .arg("--define")
        .arg(format!("_rpmdir {}", out.display()))
        .arg("--define")
        .arg("_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm")
        .arg("--define")
        .arg("_binary_payload w9.gzdio")
        .arg(&spec));
}

fn build() -> Rpms {
    let dir = tempfile::tempdir().expect("tempdir");
    let work = dir.path().join("work");
    let repo = dir.path().join("repo");
    let extra = dir.path().join("extra");
    for d in [&work, &repo, &extra] {
        std::fs::create_dir_all(d).expect("mkdir");
    }
    build_rpm(&work, &repo, "konvoy-a", "1.0");
    build_rpm(&work, &repo, "konvoy-b", "1.0");
    build_rpm(&work, &repo, "konvoy-b", "2.0");
    build_rpm(&work, &extra, "konvoy-url", "1.0");
    build_rpm(&work, &extra, "konvoy-file", "1.0");
    run(Command::new("createrepo_c")
        .arg("--quiet")
        .arg("--no-database")
        .arg(&repo));

    let home = dir.path().join("gnupg");
    std::fs::create_dir_all(&home).expect("mkdir");
    std::fs::set_permissions(&home, std::os::unix::fs::PermissionsExt::from_mode(0o700))
        .expect("chmod");
    let gpg = |args: &[&str]| -> String {
        run(Command::new("gpg")
            .arg("--homedir")
            .arg(&home)
            .args(["--batch", "--no-tty"])
            .args(args))
    };
    gpg(&[
        "--passphrase",
        "",
        "--quick-gen-key",
        "konvoy-image test <test@konvoy.invalid>",
        "rsa2048",
        "sign",
        "never",
    ]);
    let key = dir.path().join("key.asc");
    let armored = gpg(&["--armor", "--export"]);
    std::fs::write(&key, armored).expect("write the key");
    let colons = gpg(&["--with-colons", "--fingerprint", "--list-keys"]);
    let fingerprint = colons
        .lines()
        .find_map(|l| l.strip_prefix("fpr:"))
        .and_then(|l| l.split(':').nth(8))
        .expect("a fingerprint")
        .to_owned();
    Rpms {
        _dir: dir,
        repo,
        extra,
        key,
        fingerprint,
    }
}

/// Copies a directory tree (files and directories only).
pub(crate) fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read a fixture dir") {
        let entry = entry.expect("an entry");
        let dest = to.join(entry.file_name());
        if entry.file_type().expect("a type").is_dir() {
            copy_tree(&entry.path(), &dest);
        } else {
            std::fs::copy(entry.path(), &dest).expect("copy a fixture");
        }
    }
}

/// `python3 -m http.server` on 127.0.0.1, on a free port, serving one
/// directory; killed on drop.
pub(crate) struct HttpServer {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub(crate) url: String,
}

impl HttpServer {
    /// Starts serving `dir`; ready when it has printed its port (within 20 s).
    pub(crate) fn start(dir: &Path) -> HttpServer {
        let mut child = Command::new("python3")
            .args(["-u", "-m", "http.server", "--bind", "127.0.0.1", "0"])
            .arg("--directory")
            .arg(dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start python3 -m http.server");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let deadline = Instant::now() + Duration::from_secs(20);
        let line = rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .unwrap_or_default();
        // "Serving HTTP on 127.0.0.1 port 41234 (http://127.0.0.1:41234/) ..."
        let port = line
            .split_whitespace()
            .skip_while(|w| *w != "port")
            .nth(1)
            .and_then(|p| p.parse::<u16>().ok());
        let Some(port) = port else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("http.server did not report its port: {line:?}");
        };
        HttpServer {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
