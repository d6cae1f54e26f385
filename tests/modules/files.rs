//! `file`, `copy` and `template` on a real host (Flatcar: no Python).

use super::{assert_not_pwned, assert_shape, s, shapes, Bench, NASTY};
use crate::harness::{Os, SUDO_PASSWORD, SUDO_PASSWORD_USER};
use engine::modules::copy::CopyModule;
use engine::modules::file::FileModule;
use engine::modules::template::TemplateModule;
use engine::modules::RunMode;
use engine::shell::Secret;
use engine::transport::{Become, BecomeMethod};
use engine::value::Value;
use std::os::unix::fs::MetadataExt;

#[test]
fn file_states_converge_and_are_idempotent() {
    let mut b = Bench::start(Os::Flatcar);
    // directory with parents and an octal mode
    let o = b.idempotent::<FileModule>(
        &[
            ("path", s("/srv/a/b")),
            ("state", s("directory")),
            ("mode", s("0750")),
        ],
        &["/srv/a/b"],
        |b| {
            let md = std::fs::metadata(b.on_host("/srv/a/b")).unwrap();
            assert!(md.is_dir());
            assert_eq!(md.mode() & 0o7777, 0o750);
            // As Ansible: every directory created on the way gets the mode.
            let parent = std::fs::metadata(b.on_host("/srv/a")).unwrap();
            assert_eq!(parent.mode() & 0o7777, 0o750);
            let srv = std::fs::metadata(b.on_host("/srv")).unwrap();
            assert_eq!(
                srv.mode() & 0o7777,
                0o755,
                "an existing parent keeps its mode"
            );
        },
    );
    assert_shape(&o.result, shapes::FILE_DIRECTORY);
    assert_eq!(o.result["mode"], s("0750"));
    assert_eq!(o.result["state"], s("directory"));

    // symbolic mode and owner/group on an existing directory
    b.idempotent::<FileModule>(
        &[
            ("path", s("/srv/a/b")),
            ("state", s("directory")),
            ("mode", s("g+w,o=rx")),
            ("owner", s("nobody")),
            ("group", s("65534")),
        ],
        &["/srv/a/b"],
        |b| {
            let md = std::fs::metadata(b.on_host("/srv/a/b")).unwrap();
            assert_eq!(md.mode() & 0o7777, 0o775);
            assert_eq!((md.uid(), md.gid()), (65534, 65534));
        },
    );

    // recurse: only applied when an entry differs
    b.host()
        .sh("mkdir -p /srv/r/sub && echo x > /srv/r/sub/f && chmod 600 /srv/r/sub/f");
    b.idempotent::<FileModule>(
        &[
            ("path", s("/srv/r")),
            ("state", s("directory")),
            ("mode", s("u=rwX,go=rX")),
            ("recurse", Value::Bool(true)),
        ],
        &["/srv/r", "/srv/r/sub", "/srv/r/sub/f"],
        |b| {
            let f = std::fs::metadata(b.on_host("/srv/r/sub/f")).unwrap();
            assert_eq!(f.mode() & 0o7777, 0o644);
            let d = std::fs::metadata(b.on_host("/srv/r/sub")).unwrap();
            assert_eq!(d.mode() & 0o7777, 0o755);
        },
    );

    // symlink, then pointing it elsewhere
    b.host().sh("echo one > /srv/one && echo two > /srv/two");
    let o = b.idempotent::<FileModule>(
        &[
            ("path", s("/srv/link")),
            ("state", s("link")),
            ("src", s("/srv/one")),
        ],
        &["/srv/link"],
        |b| {
            assert_eq!(
                std::fs::read_link(b.on_host("/srv/link")).unwrap().to_str(),
                Some("/srv/one")
            )
        },
    );
    assert_shape(&o.result, shapes::FILE_LINK);
    b.idempotent::<FileModule>(
        &[
            ("path", s("/srv/link")),
            ("state", s("link")),
            ("src", s("two")),
        ],
        &["/srv/link"],
        |b| assert_eq!(b.host().sh("cat /srv/link"), "two\n"),
    );

    // hard link
    let o = b.idempotent::<FileModule>(
        &[
            ("path", s("/srv/hard")),
            ("state", s("hard")),
            ("src", s("/srv/one")),
        ],
        &["/srv/hard", "/srv/one"],
        |b| {
            let a = std::fs::metadata(b.on_host("/srv/hard")).unwrap();
            let o = std::fs::metadata(b.on_host("/srv/one")).unwrap();
            assert_eq!(a.ino(), o.ino());
        },
    );
    assert_shape(&o.result, shapes::FILE_HARD);

    // absent (a directory tree)
    let o = b.idempotent::<FileModule>(
        &[("path", s("/srv/a")), ("state", s("absent"))],
        &["/srv/a"],
        |b| assert!(!b.on_host("/srv/a").exists()),
    );
    assert_shape(&o.result, shapes::FILE_ABSENT);

    // touch creates, and (as in Ansible) always reports a change
    let first = b.run::<FileModule>(
        &[("path", s("/srv/t")), ("state", s("touch"))],
        RunMode::Apply,
        false,
    );
    assert!(first.outcome.changed);
    assert!(b.on_host("/srv/t").is_file());
    assert_shape(&first.outcome.result, shapes::FILE_TOUCH);

    // refusing to turn a file into a link without force
    let r = b.run::<FileModule>(
        &[
            ("path", s("/srv/t")),
            ("state", s("link")),
            ("src", s("/srv/one")),
        ],
        RunMode::Apply,
        false,
    );
    assert!(r.outcome.failed, "{:?}", r.outcome);
    assert!(b.on_host("/srv/t").is_file());
}

#[test]
fn file_paths_reach_the_host_literally() {
    let mut b = Bench::start(Os::Flatcar);
    let dir = format!("/srv/{NASTY}\n-x");
    let link = format!("/srv/-{NASTY}.lnk");
    b.idempotent::<FileModule>(
        &[
            ("path", s(&dir)),
            ("state", s("directory")),
            ("mode", s("0700")),
        ],
        &[&dir],
        |b| assert!(b.on_host(&dir).is_dir()),
    );
    b.idempotent::<FileModule>(
        &[("path", s(&link)), ("state", s("link")), ("src", s(&dir))],
        &[&link],
        |b| {
            assert_eq!(
                std::fs::read_link(b.on_host(&link)).unwrap().to_str(),
                Some(dir.as_str())
            )
        },
    );
    // a glob must not expand to the directory made above
    let r = b.run::<FileModule>(
        &[("path", s("/srv/*")), ("state", s("absent"))],
        RunMode::Apply,
        false,
    );
    assert!(!r.outcome.changed);
    assert!(b.on_host(&dir).is_dir());
    assert_not_pwned(&b);
}

#[test]
fn copy_writes_only_when_the_checksum_differs() {
    let mut b = Bench::start(Os::Flatcar);
    let nasty_content = format!("line 1\n{NASTY}\n\0binary\x01\n");
    let o = b.idempotent::<CopyModule>(
        &[
            ("content", s(&nasty_content)),
            ("dest", s("/etc/demo.conf")),
            ("mode", s("0600")),
        ],
        &["/etc/demo.conf"],
        |b| {
            assert_eq!(
                std::fs::read(b.on_host("/etc/demo.conf")).unwrap(),
                nasty_content.as_bytes()
            );
            let md = std::fs::metadata(b.on_host("/etc/demo.conf")).unwrap();
            assert_eq!(md.mode() & 0o7777, 0o600);
        },
    );
    assert_shape(&o.result, shapes::COPY_CHANGED);
    let again = b.run::<CopyModule>(
        &[
            ("content", s(&nasty_content)),
            ("dest", s("/etc/demo.conf")),
            ("mode", s("0600")),
        ],
        RunMode::Apply,
        false,
    );
    assert_shape(&again.outcome.result, shapes::COPY_UNCHANGED);
    assert_eq!(again.outcome.result["checksum"], o.result["checksum"]);

    // src from the search path into a directory, a hostile name, backup
    let name = format!("-{NASTY}.txt");
    std::fs::write(b.local.path().join(&name), "from the controller\n").unwrap();
    b.host().sh("mkdir /opt/dest");
    let dest = format!("/opt/dest/{name}");
    b.idempotent::<CopyModule>(
        &[
            ("src", s(&name)),
            ("dest", s("/opt/dest")),
            ("owner", s("nobody")),
        ],
        &[&dest],
        |b| {
            assert_eq!(
                std::fs::read_to_string(b.on_host(&dest)).unwrap(),
                "from the controller\n"
            );
            assert_eq!(std::fs::metadata(b.on_host(&dest)).unwrap().uid(), 65534);
        },
    );
    std::fs::write(b.local.path().join(&name), "second version\n").unwrap();
    let r = b.run::<CopyModule>(
        &[
            ("src", s(&name)),
            ("dest", s("/opt/dest/")),
            ("backup", Value::Bool(true)),
        ],
        RunMode::Apply,
        true,
    );
    assert!(r.outcome.changed);
    assert_eq!(r.commands, 2, "probe + write");
    let backup = r.outcome.result["backup_file"].as_str().unwrap().to_owned();
    assert_eq!(
        std::fs::read_to_string(b.on_host(&backup)).unwrap(),
        "from the controller\n"
    );
    assert_eq!(
        std::fs::metadata(b.on_host(&dest)).unwrap().uid(),
        65534,
        "owner kept"
    );
    let diff = r.outcome.diff.unwrap();
    assert!(
        diff.contains("-from the controller\n+second version\n"),
        "{diff}"
    );

    // remote_src: its `src` is a path option, whose `$HOME` the host
    // expands (as Python's expandvars does), so the source gets a plain
    // name here.
    b.host().sh("cp -- /opt/dest/-a*.txt /opt/copy-src");
    b.idempotent::<CopyModule>(
        &[
            ("src", s("/opt/copy-src")),
            ("dest", s("/opt/copy2")),
            ("remote_src", Value::Bool(true)),
        ],
        &["/opt/copy2"],
        |b| {
            assert_eq!(
                std::fs::read_to_string(b.on_host("/opt/copy2")).unwrap(),
                "second version\n"
            )
        },
    );

    // only a mode difference: one command to fix it, no rewrite
    let ino = std::fs::metadata(b.on_host("/opt/copy2")).unwrap().ino();
    let r = b.run::<CopyModule>(
        &[
            ("src", s("/opt/copy-src")),
            ("dest", s("/opt/copy2")),
            ("remote_src", Value::Bool(true)),
            ("mode", s("0640")),
        ],
        RunMode::Apply,
        false,
    );
    assert!(r.outcome.changed);
    let md = std::fs::metadata(b.on_host("/opt/copy2")).unwrap();
    assert_eq!((md.ino(), md.mode() & 0o7777), (ino, 0o640));
    assert_not_pwned(&b);
}

#[test]
fn template_renders_and_installs_once() {
    let mut b = Bench::start(Os::Flatcar);
    std::fs::write(
        b.local.path().join("motd.j2"),
        "{{ greeting }} from {{ template_path }}\n{% for i in [1, 2] %}{{ i }}\n{% endfor %}{{ nasty }}\n",
    )
    .unwrap();
    let o = b.idempotent::<TemplateModule>(
        &[
            ("src", s("motd.j2")),
            ("dest", s("/etc/motd")),
            ("mode", s("0644")),
        ],
        &["/etc/motd"],
        |b| {
            assert_eq!(
                std::fs::read_to_string(b.on_host("/etc/motd")).unwrap(),
                format!("hello from motd.j2\n1\n2\n{NASTY}\n")
            );
        },
    );
    assert_shape(&o.result, shapes::TEMPLATE_CHANGED);
    let again = b.run::<TemplateModule>(
        &[("src", s("motd.j2")), ("dest", s("/etc/motd"))],
        RunMode::Apply,
        false,
    );
    assert_shape(&again.outcome.result, shapes::TEMPLATE_UNCHANGED);
    assert_not_pwned(&b);
}

#[test]
fn modules_work_through_sudo_with_a_password() {
    // The content goes on stdin after sudo has read its password there.
    let become_ = Become {
        method: BecomeMethod::Sudo,
        user: "root".into(),
        password: Some(Secret::new(SUDO_PASSWORD)),
        flags: None,
        exe: None,
    };
    let mut b = Bench::start_as(Os::Centos7, Some((SUDO_PASSWORD_USER, become_)));
    let content = format!("{NASTY}\nsecond line\n");
    b.idempotent::<CopyModule>(
        &[
            ("content", s(&content)),
            ("dest", s("/etc/sudo-demo.conf")),
            ("mode", s("0640")),
        ],
        &["/etc/sudo-demo.conf"],
        |b| {
            assert_eq!(
                std::fs::read_to_string(b.on_host("/etc/sudo-demo.conf")).unwrap(),
                content
            );
            let md = std::fs::metadata(b.on_host("/etc/sudo-demo.conf")).unwrap();
            assert_eq!((md.uid(), md.mode() & 0o7777), (0, 0o640));
        },
    );
    b.idempotent::<FileModule>(
        &[
            ("path", s("/etc/sudo-demo.d")),
            ("state", s("directory")),
            ("owner", s(SUDO_PASSWORD_USER)),
        ],
        &["/etc/sudo-demo.d"],
        |b| assert!(b.on_host("/etc/sudo-demo.d").is_dir()),
    );
    assert_not_pwned(&b);
}
