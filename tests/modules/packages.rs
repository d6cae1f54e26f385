//! `yum`/`dnf`/`package`, `yum_repository` and `rpm_key` on CentOS 7 and
//! CentOS 8 test hosts with real `rpm` and `dnf` (Debian's, in the host's
//! overlay) and a repository of tiny RPMs built by the tests (`rpms.rs`).
//! Package state is checked with `rpm -q` run directly in the host
//! (`TestHost::exec_direct`), never through the module.
//!
//! CentOS 7 hosts have no `dnf` on a real machine: there the test moves
//! `dnf` out of `PATH`, so the module must pick `yum`, which on these hosts
//! is the harness's small stand-in handing its arguments to dnf (Debian
//! ships no yum; see `test-hosts.md`, section 3).
//!
//! The expected `.repo` files (`REPO_*`) were produced by running
//! ansible-core 2.19.14's `yum_repository` on the same arguments against a
//! scratch reposdir; `gen_yum_repository.sh` in this directory regenerates
//! them.

use super::rpms::{copy_tree, rpms, HttpServer};
use super::{assert_not_pwned, s, Bench, NASTY};
use crate::harness::Os;
use engine::modules::rpm_key::RpmKeyModule;
use engine::modules::yum::YumModule;
use engine::modules::yum_repository::YumRepositoryModule;
use engine::modules::{Module, Outcome, RunMode};
use engine::value::Value;

/// `rpm -q NAME` in the host, bypassing the module: the NEVRA or `None`.
fn rpm_q(b: &Bench, name: &str) -> Option<String> {
    let out = b.host().exec_direct(&format!(
        "rpm -q --qf '%{{NAME}}-%{{VERSION}}-%{{RELEASE}}.%{{ARCH}}\\n' {name}"
    ));
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

fn list(items: &[&str]) -> Value {
    Value::List(items.iter().map(|i| s(i)).collect())
}

/// Command counts of one converged module call.
#[derive(Debug)]
struct Cost {
    changed: u32,
    unchanged: u32,
}

/// Check mode, then a changing run, then an unchanged one:
/// - check mode predicts the change and `unchanged_host` still holds;
/// - the first run changes the host (`changed_host` holds);
/// - the second reports `changed=false`, costs one command, and
///   `changed_host` still holds.
#[track_caller]
fn converge<M: Module>(
    b: &mut Bench,
    label: &str,
    args: &[(&str, Value)],
    unchanged_host: impl Fn(&Bench),
    changed_host: impl Fn(&Bench),
) -> (Outcome, Outcome, Cost) {
    let check = b.run::<M>(args, RunMode::Check, false);
    assert!(
        check.outcome.changed && !check.outcome.failed,
        "{label}: check mode: {:?}",
        check.outcome
    );
    unchanged_host(b);
    let first = b.run::<M>(args, RunMode::Apply, false);
    assert!(
        first.outcome.changed && !first.outcome.failed,
        "{label}: first run: {:?}",
        first.outcome
    );
    changed_host(b);
    let started = std::time::Instant::now();
    let second = b.run::<M>(args, RunMode::Apply, false);
    let unchanged_time = started.elapsed();
    assert!(
        !second.outcome.changed && !second.outcome.failed,
        "{label}: second run: {:?}",
        second.outcome
    );
    assert_eq!(second.commands, 1, "{label}: unchanged run cost");
    changed_host(b);
    let cost = Cost {
        changed: first.commands,
        unchanged: second.commands,
    };
    eprintln!(
        "{label}: {} commands changed, {} unchanged ({} ms)",
        cost.changed,
        cost.unchanged,
        unchanged_time.as_millis()
    );
    (first.outcome, second.outcome, cost)
}

/// The result keys and types Ansible's dnf module gives (`changed` is the
/// outcome's flag). The expected `msg`/`results`/`failures` values in this
/// file are what ansible-core 2.19.14's dnf module registers for the same
/// packages and steps (`gen_dnf_results.sh` prints them).
#[track_caller]
fn assert_yum_shape(o: &Outcome) {
    super::assert_shape(
        &o.result,
        &[("msg", "str"), ("rc", "int"), ("results", "list")],
    );
}

/// Repository arguments as KIB's offline mode passes them.
fn offline_only() -> [(&'static str, Value); 2] {
    [("disablerepo", s("*")), ("enablerepo", list(&["offline"]))]
}

/// Copies the test repository into the host and configures it, with the
/// module under test: `offline` (disabled) and `broken` (enabled, its
/// URL does not exist, unavailability is fatal), so only
/// `disablerepo`/`enablerepo` make installs work.
fn prepare(b: &mut Bench, os: Os) {
    copy_tree(&rpms().repo, &b.on_host("/srv/repo"));
    if os == Os::Centos7 {
        b.host().sh(
            "mkdir -p /usr/local/libexec && cp /usr/bin/dnf /usr/local/libexec/dnf \
             && rm /usr/bin/dnf \
             && printf '#!/bin/sh\\necho \"$@\" >> /var/log/yum-standin.log\\n\
             exec /usr/local/libexec/dnf \"$@\"\\n' > /usr/bin/yum",
        );
        assert!(!b.host().exec_direct("command -v dnf").status.success());
    }
    b.host().sh("mkdir -p /etc/yum.repos.d");
    for (name, url, enabled) in [
        ("offline", "file:///srv/repo", false),
        ("broken", "file:///srv/no-such-repo", true),
    ] {
        let r = b.run::<YumRepositoryModule>(
            &[
                ("name", s(name)),
                ("description", s(name)),
                ("baseurl", s(url)),
                ("gpgcheck", Value::Bool(false)),
                ("enabled", Value::Bool(enabled)),
                ("skip_if_unavailable", Value::Bool(false)),
            ],
            RunMode::Apply,
            false,
        );
        assert!(r.outcome.changed && !r.outcome.failed, "{:?}", r.outcome);
    }
}

fn packages_converge(os: Os) {
    let mut b = Bench::start(os);
    prepare(&mut b, os);
    let repos = offline_only();

    // Without the repository flags the broken repository fails the run.
    let r = b.run::<YumModule>(&[("name", s("konvoy-a"))], RunMode::Apply, false);
    assert!(r.outcome.failed, "{:?}", r.outcome);
    assert_eq!(
        r.outcome.result["msg"],
        s("Failed to install some of the specified packages")
    );
    assert_eq!(rpm_q(&b, "konvoy-a"), None);

    // Install by name; `package` and `dnf` are the same module.
    let mut args = vec![("name", s("konvoy-a")), ("state", s("present"))];
    args.extend(repos.iter().cloned());
    let check = b.run::<YumModule>(&args, RunMode::Check, false).outcome;
    assert_eq!(
        check.result["msg"],
        s("Check mode: No changes made, but would have if not in check mode")
    );
    // dnf resolves the spec as Ansible shows it; through yum the spec.
    let shown = if os == Os::Centos7 {
        "Installed: konvoy-a"
    } else {
        "Installed: konvoy-a-1.0-1.noarch"
    };
    assert_eq!(check.result["results"], list(&[shown]));
    let (o, again, _) = converge::<YumModule>(
        &mut b,
        "yum install",
        &args,
        |b| assert_eq!(rpm_q(b, "konvoy-a"), None),
        |b| {
            assert_eq!(
                rpm_q(b, "konvoy-a").as_deref(),
                Some("konvoy-a-1.0-1.noarch")
            )
        },
    );
    assert_yum_shape(&o);
    assert_eq!(o.result["msg"], s(""));
    assert_eq!(
        o.result["results"],
        list(&["Installed: konvoy-a-1.0-1.noarch"])
    );
    assert_yum_shape(&again);
    assert_eq!(again.result["msg"], s("Nothing to do"));
    assert_eq!(again.result["results"], list(&[]));

    // A pin (`name-version`) among names already installed: one
    // transaction for what is missing.
    let mut args = vec![("name", s("konvoy-a,konvoy-b-1.0"))];
    args.extend(repos.iter().cloned());
    let (o, _, _) = converge::<YumModule>(
        &mut b,
        "yum pin",
        &args,
        |b| assert_eq!(rpm_q(b, "konvoy-b"), None),
        |b| {
            assert_eq!(
                rpm_q(b, "konvoy-b").as_deref(),
                Some("konvoy-b-1.0-1.noarch")
            )
        },
    );
    assert_eq!(
        o.result["results"],
        list(&["Installed: konvoy-b-1.0-1.noarch"])
    );

    // latest: the repository has konvoy-b 2.0.
    let mut args = vec![
        ("name", list(&["konvoy-a", "konvoy-b"])),
        ("state", s("latest")),
        ("update_cache", Value::Bool(true)),
    ];
    args.extend(repos.iter().cloned());
    let (o, _, _) = converge::<YumModule>(
        &mut b,
        "yum latest",
        &args,
        |b| {
            assert_eq!(
                rpm_q(b, "konvoy-b").as_deref(),
                Some("konvoy-b-1.0-1.noarch")
            )
        },
        |b| {
            assert_eq!(
                rpm_q(b, "konvoy-b").as_deref(),
                Some("konvoy-b-2.0-1.noarch")
            )
        },
    );
    assert_eq!(
        o.result["results"],
        list(&[
            "Installed: konvoy-b-2.0-1.noarch",
            "Removed: konvoy-b-1.0-1.noarch"
        ])
    );

    // A pin older than the installed version: left alone, as Ansible
    // does without `allow_downgrade`.
    let mut args = vec![("name", s("konvoy-b-1.0"))];
    args.extend(repos.iter().cloned());
    let r = b.run::<YumModule>(&args, RunMode::Apply, false);
    assert!(!r.outcome.changed && !r.outcome.failed, "{:?}", r.outcome);
    assert_eq!(r.outcome.result["msg"], s("Nothing to do"));
    assert_eq!(r.commands, 1);
    assert_eq!(
        rpm_q(&b, "konvoy-b").as_deref(),
        Some("konvoy-b-2.0-1.noarch")
    );

    // update_cache alone.
    let mut args = vec![("update_cache", Value::Bool(true))];
    args.extend(repos.iter().cloned());
    let r = b.run::<YumModule>(&args, RunMode::Apply, false);
    assert!(!r.outcome.changed && !r.outcome.failed, "{:?}", r.outcome);
    assert_eq!(r.outcome.result["msg"], s("Cache updated"));
    assert_eq!(r.commands, 1);

    // absent (and its alias removed) removes both.
    let (o, again, _) = converge::<YumModule>(
        &mut b,
        "yum absent",
        &[
            ("name", list(&["konvoy-a", "konvoy-b"])),
            ("state", s("removed")),
        ],
        |b| assert!(rpm_q(b, "konvoy-a").is_some()),
        |b| {
            assert_eq!(rpm_q(b, "konvoy-a"), None);
            assert_eq!(rpm_q(b, "konvoy-b"), None);
        },
    );
    assert_yum_shape(&o);
    assert_eq!(
        o.result["results"],
        list(&[
            "Removed: konvoy-a-1.0-1.noarch",
            "Removed: konvoy-b-2.0-1.noarch"
        ])
    );
    assert_eq!(again.result["msg"], s("Nothing to do"));
    assert_eq!(
        again.result["results"],
        list(&[
            "No match for argument: konvoy-a",
            "No match for argument: konvoy-b"
        ])
    );

    // An RPM at an http URL (a server on 127.0.0.1 started by the test).
    let server = HttpServer::start(&rpms().extra);
    let url = format!("{}/konvoy-url-1.0-1.noarch.rpm", server.url);
    let mut args = vec![("name", s(&url))];
    args.extend(repos.iter().cloned());
    let check = b.run::<YumModule>(&args, RunMode::Check, false).outcome;
    assert_eq!(
        check.result["msg"],
        s("Check mode: No changes made, but would have if not in check mode")
    );
    assert_eq!(
        check.result["results"],
        list(&[
            &format!("Installed {url}"),
            "Installed: konvoy-url-1.0-1.noarch"
        ])
    );
    let (o, again, _) = converge::<YumModule>(
        &mut b,
        "yum url",
        &args,
        |b| assert_eq!(rpm_q(b, "konvoy-url"), None),
        |b| {
            assert_eq!(
                rpm_q(b, "konvoy-url").as_deref(),
                Some("konvoy-url-1.0-1.noarch")
            )
        },
    );
    assert_eq!(
        o.result["results"],
        list(&[
            &format!("Installed {url}"),
            "Installed: konvoy-url-1.0-1.noarch"
        ])
    );
    assert_eq!(
        again.result["results"],
        list(&[&format!("Installed {url}")])
    );
    drop(server);

    // A local RPM file in a directory whose name is every quoting hazard.
    let dir = format!("/srv/{NASTY}");
    let host_dir = b.on_host(&dir);
    std::fs::create_dir_all(&host_dir).unwrap();
    std::fs::copy(
        rpms().extra.join("konvoy-file-1.0-1.noarch.rpm"),
        host_dir.join("konvoy-file-1.0-1.noarch.rpm"),
    )
    .unwrap();
    let file = format!("{dir}/konvoy-file-1.0-1.noarch.rpm");
    let mut args = vec![("name", s(&file))];
    args.extend(repos.iter().cloned());
    let (o, _, _) = converge::<YumModule>(
        &mut b,
        "yum file",
        &args,
        |b| assert_eq!(rpm_q(b, "konvoy-file"), None),
        |b| {
            assert_eq!(
                rpm_q(b, "konvoy-file").as_deref(),
                Some("konvoy-file-1.0-1.noarch")
            )
        },
    );
    assert_eq!(
        o.result["results"],
        list(&[
            &format!("Installed {file}"),
            "Installed: konvoy-file-1.0-1.noarch"
        ])
    );

    // A name no repository has.
    let mut args = vec![("name", s("no-such-package"))];
    args.extend(repos.iter().cloned());
    let r = b.run::<YumModule>(&args, RunMode::Apply, false);
    assert!(r.outcome.failed, "{:?}", r.outcome);
    assert_yum_shape(&r.outcome);
    assert_eq!(
        r.outcome.result["failures"],
        list(&["No package no-such-package available."])
    );

    // A hostile package name reaches the package manager as one literal
    // argument: nothing matches it, nothing runs. (A leading `-` is
    // rejected before anything runs: dnf would read it as an option.)
    let mut args = vec![("name", list(&[NASTY, "konvoy-a"]))];
    args.extend(repos.iter().cloned());
    let r = b.run::<YumModule>(&args, RunMode::Apply, false);
    assert!(r.outcome.failed, "{:?}", r.outcome);
    assert_eq!(
        r.outcome.result["failures"],
        list(&[&format!("No package {NASTY} available.")])
    );
    assert_not_pwned(&b);

    if os == Os::Centos7 {
        // Every transaction went through yum (the stand-in logs its calls).
        let log = read(&b, "/var/log/yum-standin.log");
        assert!(log.contains("install -- konvoy-a"), "{log}");
        assert!(log.contains("remove -- konvoy-a-1.0-1.noarch"), "{log}");
    }
}

#[test]
fn yum_converges_on_centos7_through_yum() {
    packages_converge(Os::Centos7);
}

#[test]
fn dnf_converges_on_centos8() {
    packages_converge(Os::Centos8);
}

/// ansible-core 2.19.14, two `yum_repository` tasks (KIB's repositories).
const REPO_KONVOY_K8S: &str = "[kubernetes]
baseurl = https://packages.d2iq.com/konvoy/rpm/stable/centos/7/x86_64
enabled = 1
gpgcheck = 1
gpgkey = https://packages.d2iq.com/konvoy/rpm-gpg-pub-key
name = Konvoy Kubernetes package repository

[konvoy-packages]
baseurl = https://packages.d2iq.com/konvoy/stable/linux/centos/8/x86_64
enabled = 1
gpgcheck = 1
gpgkey = https://packages.d2iq.com/konvoy/stable/linux/centos/8/x86_64/gpg.asc
name = Konvoy packages
priority = 50

";

/// ansible-core 2.19.14, after `state: absent` of `kubernetes`.
const REPO_KONVOY_K8S_AFTER_ABSENT: &str = "[konvoy-packages]
baseurl = https://packages.d2iq.com/konvoy/stable/linux/centos/8/x86_64
enabled = 1
gpgcheck = 1
gpgkey = https://packages.d2iq.com/konvoy/stable/linux/centos/8/x86_64/gpg.asc
name = Konvoy packages
priority = 50

";

/// ansible-core 2.19.14, one repository with many keys and hostile text.
const REPO_EVERY: &str = "[every]
baseurl = file:///srv/a b
\thttp://127.0.0.1:1/x
cost = 500
enabled = 0
exclude = kube* containerd.io
gpgcheck = 0
gpgkey = file:///k1
\tfile:///k2
includepkgs = a b
metadata_expire = 0
metalink = http://127.0.0.1:1/l
mirrorlist = http://127.0.0.1:1/m
module_hotfixes = 1
name = a $(touch pwned) 'q' \"d\" `x`
password = p$(id)
priority = 10
proxy = http://127.0.0.1:3128
repo_gpgcheck = 1
skip_if_unavailable = 1
sslcacert = /etc/ca.pem
sslverify = 0
timeout = 30
username = u

";

fn read(b: &Bench, path: &str) -> String {
    std::fs::read_to_string(b.on_host(path)).unwrap()
}

fn repositories_converge(os: Os) {
    let mut b = Bench::start(os);
    b.host().sh("mkdir -p /etc/yum.repos.d");
    let path = "/etc/yum.repos.d/konvoy-k8s.repo";
    let k8s = [
        ("name", s("kubernetes")),
        ("file", s("konvoy-k8s")),
        ("description", s("Konvoy Kubernetes package repository")),
        (
            "baseurl",
            s("https://packages.d2iq.com/konvoy/rpm/stable/centos/7/x86_64"),
        ),
        (
            "gpgkey",
            s("https://packages.d2iq.com/konvoy/rpm-gpg-pub-key"),
        ),
        ("gpgcheck", s("yes")),
        ("enabled", s("yes")),
    ];
    let (o, _, _) = converge::<YumRepositoryModule>(
        &mut b,
        "yum_repository kubernetes",
        &k8s,
        |b| assert!(!b.on_host(path).exists()),
        |b| assert!(read(b, path).starts_with("[kubernetes]\n")),
    );
    assert_eq!(o.result["repo"], s("kubernetes"));
    assert_eq!(o.result["state"], s("present"));
    let packages = [
        ("name", s("konvoy-packages")),
        ("file", s("konvoy-k8s")),
        ("description", s("Konvoy packages")),
        (
            "baseurl",
            s("https://packages.d2iq.com/konvoy/stable/linux/centos/8/x86_64"),
        ),
        (
            "gpgkey",
            s("https://packages.d2iq.com/konvoy/stable/linux/centos/8/x86_64/gpg.asc"),
        ),
        ("gpgcheck", Value::Bool(true)),
        ("enabled", Value::Bool(true)),
        ("priority", Value::Int(50)),
    ];
    converge::<YumRepositoryModule>(
        &mut b,
        "yum_repository konvoy-packages",
        &packages,
        |b| assert!(!read(b, path).contains("konvoy-packages")),
        |b| assert_eq!(read(b, path), REPO_KONVOY_K8S),
    );
    // Re-running the first task leaves the file as it is.
    let r = b.run::<YumRepositoryModule>(&k8s, RunMode::Apply, false);
    assert!(!r.outcome.changed);
    assert_eq!(read(&b, path), REPO_KONVOY_K8S);

    let every = [
        ("name", s("every")),
        ("description", s("a $(touch pwned) 'q' \"d\" `x`")),
        (
            "baseurl",
            list(&["file:///srv/a b", "http://127.0.0.1:1/x"]),
        ),
        ("mirrorlist", s("http://127.0.0.1:1/m")),
        ("metalink", s("http://127.0.0.1:1/l")),
        ("gpgkey", list(&["file:///k1", "file:///k2"])),
        ("gpgcheck", Value::Bool(false)),
        ("repo_gpgcheck", Value::Bool(true)),
        ("enabled", Value::Bool(false)),
        ("priority", s("10")),
        ("proxy", s("http://127.0.0.1:3128")),
        ("sslverify", Value::Bool(false)),
        ("exclude", list(&["kube*", "containerd.io"])),
        ("includepkgs", list(&["a", "b"])),
        ("module_hotfixes", Value::Bool(true)),
        ("skip_if_unavailable", Value::Bool(true)),
        ("cost", s("500")),
        ("timeout", s("30")),
        ("metadata_expire", s("0")),
        ("username", s("u")),
        ("password", s("p$(id)")),
        ("sslcacert", s("/etc/ca.pem")),
    ];
    converge::<YumRepositoryModule>(
        &mut b,
        "yum_repository every key",
        &every,
        |b| assert!(!b.on_host("/etc/yum.repos.d/every.repo").exists()),
        |b| assert_eq!(read(b, "/etc/yum.repos.d/every.repo"), REPO_EVERY),
    );
    assert_not_pwned(&b);

    // absent: one section goes, then the last one takes the file with it.
    converge::<YumRepositoryModule>(
        &mut b,
        "yum_repository absent",
        &[
            ("name", s("kubernetes")),
            ("file", s("konvoy-k8s")),
            ("state", s("absent")),
        ],
        |b| assert_eq!(read(b, path), REPO_KONVOY_K8S),
        |b| assert_eq!(read(b, path), REPO_KONVOY_K8S_AFTER_ABSENT),
    );
    let (o, _, _) = converge::<YumRepositoryModule>(
        &mut b,
        "yum_repository absent (last)",
        &[
            ("name", s("konvoy-packages")),
            ("file", s("konvoy-k8s")),
            ("state", s("absent")),
        ],
        |b| assert!(b.on_host(path).exists()),
        |b| assert!(!b.on_host(path).exists()),
    );
    assert_eq!(o.result["state"], s("absent"));
}

#[test]
fn yum_repository_writes_ansibles_file_on_centos7() {
    repositories_converge(Os::Centos7);
}

#[test]
fn yum_repository_writes_ansibles_file_on_centos8() {
    repositories_converge(Os::Centos8);
}

/// `rpm -q gpg-pubkey` in the host: the installed key packages.
fn pubkeys(b: &Bench) -> String {
    let out = b.host().exec_direct("rpm -q gpg-pubkey");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn rpm_key_converges(os: Os) {
    let mut b = Bench::start(os);
    let fixtures = rpms();
    let short = fixtures.fingerprint[32..].to_lowercase();
    let dir = format!("/srv/{NASTY}");
    std::fs::create_dir_all(b.on_host(&dir)).unwrap();
    let key_path = format!("{dir}/key.asc");
    std::fs::copy(&fixtures.key, b.on_host(&key_path)).unwrap();
    let server = HttpServer::start(fixtures.key.parent().unwrap());
    let url = format!("{}/key.asc", server.url);

    // A fingerprint the key does not have: nothing is imported.
    let r = b.run::<RpmKeyModule>(
        &[("key", s(&url)), ("fingerprint", s("0000 1111"))],
        RunMode::Apply,
        false,
    );
    assert!(r.outcome.failed, "{:?}", r.outcome);
    assert!(!pubkeys(&b).contains(&short));

    converge::<RpmKeyModule>(
        &mut b,
        "rpm_key file",
        &[
            ("key", s(&key_path)),
            ("fingerprint", s(&fixtures.fingerprint)),
        ],
        |b| assert!(!pubkeys(b).contains(&short)),
        |b| assert!(pubkeys(b).contains(&format!("gpg-pubkey-{short}-"))),
    );
    // The same key by URL is already there.
    let r = b.run::<RpmKeyModule>(&[("key", s(&url))], RunMode::Apply, false);
    assert!(!r.outcome.changed && !r.outcome.failed, "{:?}", r.outcome);
    assert_eq!(r.commands, 1);
    assert!(r.outcome.result.is_empty(), "{:?}", r.outcome.result);

    converge::<RpmKeyModule>(
        &mut b,
        "rpm_key absent by id",
        &[
            ("key", s(&format!("0x{}", &fixtures.fingerprint[24..]))),
            ("state", s("absent")),
        ],
        |b| assert!(pubkeys(b).contains(&short)),
        |b| assert!(!pubkeys(b).contains(&short)),
    );
    converge::<RpmKeyModule>(
        &mut b,
        "rpm_key url",
        &[("key", s(&url))],
        |b| assert!(!pubkeys(b).contains(&short)),
        |b| assert!(pubkeys(b).contains(&short)),
    );
    assert_not_pwned(&b);
}

#[test]
fn rpm_key_imports_once_on_centos7() {
    rpm_key_converges(Os::Centos7);
}

#[test]
fn rpm_key_imports_once_on_centos8() {
    rpm_key_converges(Os::Centos8);
}

/// KIB's offline package steps as a playbook, through the executor, on a
/// CentOS 7 and a CentOS 8 host: a second run changes nothing.
#[test]
fn offline_package_playbook_converges() {
    use crate::run::{recap_line, Scenario};
    let fleet = crate::harness::Fleet::builder()
        .host(Os::Centos7)
        .host(Os::Centos8)
        .start();
    // An HTTP server that answers proxy requests for
    // http://konvoy.invalid/NAME (http.server maps the absolute URL of a
    // proxied request to `http:/konvoy.invalid/NAME` under its root), so
    // fetching that URL works only through the task's `http_proxy`.
    let served = tempfile::tempdir().unwrap();
    let proxied = served.path().join("http:/konvoy.invalid");
    std::fs::create_dir_all(&proxied).unwrap();
    std::fs::copy(&rpms().key, proxied.join("key.asc")).unwrap();
    std::fs::copy(
        rpms().extra.join("konvoy-url-1.0-1.noarch.rpm"),
        proxied.join("konvoy-url-1.0-1.noarch.rpm"),
    )
    .unwrap();
    let proxy = HttpServer::start(served.path());
    for host in fleet.hosts() {
        let repo = host.root().join("srv/repo");
        copy_tree(&rpms().repo, &repo);
        host.sh("mkdir -p /etc/yum.repos.d /srv/keys");
        std::fs::copy(&rpms().key, host.root().join("srv/keys/key.asc")).unwrap();
    }
    let playbook = r#"
        - hosts: all
          gather_facts: false
          tasks:
            - name: offline repository
              yum_repository:
                name: offline
                file: offline
                description: offline
                baseurl: file:///srv/repo
                gpgcheck: no
            - rpm_key:
                key: /srv/keys/key.asc
                state: present
            - name: packages
              yum:
                name: [konvoy-a, konvoy-b-1.0]
                state: present
                enablerepo: offline
                disablerepo: '*'
              register: installed
            - command: rpm -q konvoy-b
              register: q
              changed_when: false
              failed_when: q.stdout != 'konvoy-b-1.0-1.noarch'
            - name: the registered result is usable
              command: "true"
              changed_when: false
              failed_when: installed.rc != 0 or (installed.changed and installed.results | length != 2)
            - name: a key from a URL, through the task's proxy
              rpm_key:
                key: http://konvoy.invalid/key.asc
              environment:
                http_proxy: PROXY
            - name: an RPM from a URL, through the task's proxy
              yum:
                name: http://konvoy.invalid/konvoy-url-1.0-1.noarch.rpm
                disablerepo: '*'
              environment:
                http_proxy: PROXY
        "#
    .replace("PROXY", &proxy.url);
    let scenario = Scenario::new(&fleet, &playbook);
    let (_, first) = scenario.run(&fleet, |_| {});

    for host in fleet.hosts() {
        assert!(
            recap_line(&first, host.name()).contains("changed=4 "),
            "{first}"
        );
        let out = host.sh("rpm -q konvoy-a konvoy-b konvoy-url");
        assert_eq!(
            out,
            "konvoy-a-1.0-1.noarch\nkonvoy-b-1.0-1.noarch\nkonvoy-url-1.0-1.noarch\n"
        );
    }
    let (_, second) = scenario.run(&fleet, |_| {});
    for host in fleet.hosts() {
        let line = recap_line(&second, host.name());
        assert!(
            line.contains("changed=0 ") && line.contains("failed=0 "),
            "{second}"
        );
    }
}
