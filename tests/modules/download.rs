//! `get_url` and `unarchive` on real hosts, downloading from a real HTTP
//! server on 127.0.0.1 (python3's `http.server`, started per test and
//! killed on drop) with real checksums.

use super::Bench;
use crate::harness::Os;
use engine::modules::get_url::GetUrlModule;
use engine::modules::unarchive::UnarchiveModule;
use engine::modules::RunMode;
use engine::value::Value;
use sha2::{Digest, Sha256};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A static file server on 127.0.0.1 for one test.
pub(crate) struct Mirror {
    child: Child,
    pub(crate) port: u16,
    pub(crate) dir: tempfile::TempDir,
}

impl Mirror {
    pub(crate) fn start() -> Mirror {
        let dir = tempfile::tempdir().expect("mirror dir");
        let port = TcpListener::bind("127.0.0.1:0")
            .expect("free port")
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("python3")
            .args([
                "-m",
                "http.server",
                "--bind",
                "127.0.0.1",
                &port.to_string(),
            ])
            .current_dir(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start python3 http.server");
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "http server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Mirror { child, port, dir }
    }

    pub(crate) fn put(&self, rel: &str, data: &[u8]) -> String {
        let p = self.dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, data).unwrap();
        self.url(rel)
    }

    pub(crate) fn url(&self, rel: &str) -> String {
        format!("http://127.0.0.1:{}/{rel}", self.port)
    }
}

impl Drop for Mirror {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn sha256(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

#[test]
fn get_url_downloads_once_with_a_literal_checksum() {
    let mirror = Mirror::start();
    let body = b"#!/bin/sh\necho kubeadm stand-in\n".repeat(100);
    let url = mirror.put("v1.21.6/bin/linux/amd64/kubeadm", &body);
    let mut b = Bench::start(Os::Flatcar);
    b.host().sh("mkdir -p /opt/bin");
    let args = [
        ("url", Value::from(url.as_str())),
        ("dest", Value::from("/opt/bin/kubeadm")),
        ("checksum", Value::from(format!("sha256:{}", sha256(&body)))),
        ("mode", Value::from("0755")),
    ];
    b.idempotent::<GetUrlModule>(&args, &["/opt/bin/kubeadm"], |b| {
        assert_eq!(std::fs::read(b.on_host("/opt/bin/kubeadm")).unwrap(), body);
        let mode = std::fs::metadata(b.on_host("/opt/bin/kubeadm")).unwrap();
        assert_eq!(
            std::os::unix::fs::PermissionsExt::mode(&mode.permissions()) & 0o7777,
            0o755
        );
    });
}

#[test]
fn get_url_reads_a_checksum_url_and_refuses_a_mismatch_keeping_the_old_file() {
    let mirror = Mirror::start();
    let body = b"cni plugins stand-in".to_vec();
    let url = mirror.put("cni-plugins-linux-amd64-v0.9.1.tgz", &body);
    let sum_url = mirror.put(
        "cni-plugins-linux-amd64-v0.9.1.tgz.sha256",
        format!("{}  cni-plugins-linux-amd64-v0.9.1.tgz\n", sha256(&body)).as_bytes(),
    );
    let mut b = Bench::start(Os::Flatcar);
    let dest = "/tmp/cni.tgz";
    let args = [
        ("url", Value::from(url.as_str())),
        ("dest", Value::from(dest)),
        ("checksum", Value::from(format!("sha256:{sum_url}"))),
    ];
    b.idempotent::<GetUrlModule>(&args, &[dest], |b| {
        assert_eq!(std::fs::read(b.on_host(dest)).unwrap(), body);
    });
    // The mirror now serves different bytes: the download fails its
    // checksum, and the file already there is left exactly as it was.
    let before = std::fs::read(b.on_host(dest)).unwrap();
    mirror.put("cni-plugins-linux-amd64-v0.9.1.tgz", b"tampered");
    let bad = b.run::<GetUrlModule>(
        &[
            ("url", Value::from(url.as_str())),
            ("dest", Value::from(dest)),
            (
                "checksum",
                Value::from(format!("sha256:{}", sha256(b"something else"))),
            ),
            ("force", Value::Bool(true)),
        ],
        RunMode::Apply,
        false,
    );
    assert!(bad.outcome.failed, "{:?}", bad.outcome);
    assert!(
        bad.outcome.result["msg"]
            .as_str()
            .unwrap()
            .contains("did not match"),
        "{:?}",
        bad.outcome
    );
    assert_eq!(std::fs::read(b.on_host(dest)).unwrap(), before);
    let leftovers = b.host().sh("ls -a /tmp | grep -c konvoy-get || true");
    assert_eq!(leftovers.trim(), "0", "temp file left behind");
}

/// A 404 on the file or on its checksum URL is Ansible's `Request failed`
/// with `status_code: 404` and the URL that failed, so a playbook can stop
/// retrying at once (the provisioning roles do).
#[test]
fn get_url_reports_the_http_status_of_a_missing_file_or_checksum() {
    let mirror = Mirror::start();
    let url = mirror.put("kubeadm", b"kubeadm");
    let mut b = Bench::start(Os::Flatcar);
    let cases = [
        (
            mirror.url("missing"),
            "sha256:0a".to_owned(),
            mirror.url("missing"),
        ),
        (
            url.clone(),
            format!("sha256:{}", mirror.url("kubeadm.sha256")),
            mirror.url("kubeadm.sha256"),
        ),
    ];
    for (src, checksum, failing) in cases {
        let r = b.run::<GetUrlModule>(
            &[
                ("url", Value::from(src.as_str())),
                ("dest", Value::from("/tmp/kubeadm")),
                ("checksum", Value::from(checksum.as_str())),
            ],
            RunMode::Apply,
            false,
        );
        let res = &r.outcome.result;
        assert!(r.outcome.failed, "{res:?}");
        assert_eq!(res["msg"], Value::from("Request failed"), "{res:?}");
        assert_eq!(res["status_code"], Value::Int(404), "{res:?}");
        assert_eq!(res["response"], Value::from("HTTP Error 404: Not Found"));
        assert_eq!(res["url"], Value::from(failing.as_str()), "{res:?}");
        assert!(!b.on_host("/tmp/kubeadm").exists());
    }
}

fn tarball(dir: &Path, files: &[(&str, &[u8])]) -> Vec<u8> {
    let src = dir.join("src");
    for (name, data) in files {
        let p = src.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, data).unwrap();
    }
    let out = dir.join("a.tar.gz");
    let st = Command::new("tar")
        .arg("-C")
        .arg(&src)
        .arg("-czf")
        .arg(&out)
        .arg(".")
        .status()
        .unwrap();
    assert!(st.success());
    std::fs::read(out).unwrap()
}

#[test]
fn unarchive_remote_src_with_extra_opts_converges() {
    let work = tempfile::tempdir().unwrap();
    let tgz = tarball(
        work.path(),
        &[
            ("usr/local/bin/containerd-shim-runc-v2", b"shim v2"),
            ("usr/local/bin/ctr", b"ctr"),
            ("etc/x", b"x"),
        ],
    );
    let mut b = Bench::start(Os::Flatcar);
    std::fs::write(b.on_host("/tmp/containerd.tar.gz"), &tgz).unwrap();
    b.host().sh("mkdir -p /opt/kbin");
    let args = [
        ("src", Value::from("/tmp/containerd.tar.gz")),
        ("dest", Value::from("/opt/kbin")),
        ("remote_src", Value::Bool(true)),
        (
            "extra_opts",
            Value::List(vec![
                "--strip-components=4".into(),
                "--wildcards".into(),
                "*containerd-shim-runc-v*".into(),
            ]),
        ),
    ];
    b.idempotent::<UnarchiveModule>(&args, &["/opt/kbin/containerd-shim-runc-v2"], |b| {
        assert_eq!(
            std::fs::read(b.on_host("/opt/kbin/containerd-shim-runc-v2")).unwrap(),
            b"shim v2"
        );
        assert!(!b.on_host("/opt/kbin/ctr").exists());
    });
}

/// The keys and types Ansible documents for get_url's and unarchive's
/// results (ansible-core 2.19 module docs, RETURN sections), on a changed
/// run and on an unchanged one.
#[test]
fn get_url_and_unarchive_results_have_ansibles_documented_keys() {
    use engine::value::Value as V;
    let is_int = |v: &V| matches!(v, V::Int(_));
    let is_str = |v: &V| matches!(v, V::Str(_));
    let mirror = Mirror::start();
    let work = tempfile::tempdir().unwrap();
    let tgz = tarball(work.path(), &[("bin/tool", b"tool")]);
    let url = mirror.put("tool.tar.gz", &tgz);
    let mut b = Bench::start(Os::Flatcar);
    b.host().sh("mkdir -p /opt/tool");
    let args = [
        ("url", Value::from(url.as_str())),
        ("dest", Value::from("/tmp/tool.tar.gz")),
        ("checksum", Value::from(format!("sha256:{}", sha256(&tgz)))),
    ];
    for (run, changed) in [(1, true), (2, false)] {
        let r = b.run::<GetUrlModule>(&args, RunMode::Apply, false).outcome;
        assert_eq!(r.changed, changed, "run {run}: {r:?}");
        for k in [
            "dest",
            "url",
            "msg",
            "state",
            "checksum_dest",
            "mode",
            "owner",
            "group",
        ] {
            let v = r
                .result
                .get(k)
                .unwrap_or_else(|| panic!("run {run}: no `{k}` in {:?}", r.result));
            assert!(
                is_str(v) || (k == "checksum_dest" && *v == V::Null),
                "run {run}: `{k}` = {v:?}"
            );
        }
        for k in ["elapsed", "uid", "gid", "size"] {
            assert!(is_int(&r.result[k]), "run {run}: `{k}` = {:?}", r.result[k]);
        }
        if changed {
            assert!(is_str(&r.result["checksum_src"]) && is_str(&r.result["src"]));
            assert_eq!(r.result["status_code"], V::Int(200));
            assert_eq!(r.result["size"], V::Int(tgz.len() as i64));
        }
    }
    let un = [
        ("src", Value::from("/tmp/tool.tar.gz")),
        ("dest", Value::from("/opt/tool")),
        ("remote_src", Value::Bool(true)),
    ];
    for (run, changed) in [(1, true), (2, false)] {
        let r = b.run::<UnarchiveModule>(&un, RunMode::Apply, false).outcome;
        assert_eq!(r.changed, changed, "run {run}: {r:?}");
        assert_eq!(r.result["handler"], V::from("TgzArchive"));
        assert_eq!(r.result["state"], V::from("directory"));
        for k in ["dest", "src", "mode", "owner", "group"] {
            assert!(
                is_str(&r.result[k]),
                "run {run}: `{k}` = {:?}",
                r.result.get(k)
            );
        }
        for k in ["uid", "gid", "size"] {
            assert!(
                is_int(&r.result[k]),
                "run {run}: `{k}` = {:?}",
                r.result.get(k)
            );
        }
    }
}

/// A zip archive on a host without `unzip`: ansible-core finds no handler
/// and fails the task naming the missing command (Ansible's `unarchive`
/// target removes the zip packages to see it); this engine's probe once
/// read the empty member list as "nothing differs" and reported ok.
/// Compared with ansible-playbook 2.19.14 on a twin host.
#[test]
fn unarchive_of_a_zip_without_unzip_finds_no_handler() {
    let twin = crate::run::twin::Twin::start(1);
    twin.on_all(
        "echo not really a zip > /tmp/nounzip.zip; mkdir -p /tmp/nounzip.d; \
         for b in unzip zipinfo; do p=$(command -v $b) && mv \"$p\" \"$p.konvoy-off\"; done; true",
    );
    let pair = twin
        .tasks(
            "
            - unarchive:
                src: /tmp/nounzip.zip
                dest: /tmp/nounzip.d
                remote_src: true
              register: r
              ignore_errors: true
            - debug:
                msg: \"{{ r is failed }} {{ r.msg is search(\\\"Unable to find required 'unzip' or 'zipinfo' binary in the path.\\\") }} {{ r.msg.startswith('Failed to find handler for \\\"/tmp/nounzip.zip\\\". Make sure the required command to extract the file is installed.') }}\"
            ",
        )
        .run();
    twin.on_all(
        "for p in /usr/bin/unzip /usr/bin/zipinfo /bin/unzip /bin/zipinfo; do \
         [ -e \"$p.konvoy-off\" ] && mv \"$p.konvoy-off\" \"$p\"; done; true",
    );
    pair.assert_same_recap("target")
        .assert_recap(
            "target",
            "ok=2 changed=0 unreachable=0 failed=0 skipped=0 rescued=0 ignored=1",
        )
        .assert_msg("True True True");
}
