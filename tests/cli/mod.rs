//! The `konvoy-image` binary as an operator drives it: `version`,
//! completions and the man page; what konvoy-image-builder users type;
//! colour switches; pre-run errors in the run record; and interrupts
//! (SIGINT twice, SIGTERM) on real local runs.

mod interrupt;
mod shard;
mod stats;

use crate::report::{assert_events_valid, read_events, run_folder};
use std::path::Path;
use std::process::{Command, Output};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_konvoy-image"));
    c.env_remove("NO_COLOR")
        .env_remove("ANSIBLE_NOCOLOR")
        .env_remove("ANSIBLE_FORCE_COLOR");
    c
}

fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

/// A local playbook run in `dir`, run folders in `dir/runs`.
pub(crate) fn local_playbook(dir: &Path, playbook: &str) -> Command {
    std::fs::write(dir.join("site.yml"), playbook).expect("write the playbook");
    let mut c = bin();
    c.current_dir(dir).args([
        "playbook",
        "-i",
        "localhost,",
        "-e",
        "ansible_connection=local",
        "--work-dir",
        "runs",
        "site.yml",
    ]);
    c
}

#[test]
fn version_completions_and_man_page() {
    let common =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("images/common.yaml"))
            .expect("images/common.yaml");
    let k8s = common
        .lines()
        .find_map(|l| l.strip_prefix("kubernetes_version: "))
        .expect("a kubernetes_version line")
        .trim_matches('"');
    for args in [&["version"][..], &["--version"]] {
        let out = bin().args(args).output().expect("run");
        let t = text(&out);
        assert!(out.status.success(), "{t}");
        assert!(
            t.starts_with(&format!(
                "konvoy-image {}\ncommit: ",
                env!("CARGO_PKG_VERSION")
            )),
            "{t}"
        );
        assert!(
            t.contains(&format!("default kubernetes version: {k8s}\n")),
            "{t}"
        );
        assert!(t.contains("default containerd version: "), "{t}");
        assert!(
            !t.contains("commit: unknown"),
            "built from a git checkout: {t}"
        );
    }
    for shell in ["bash", "zsh", "fish"] {
        let out = bin().args(["completion", shell]).output().expect("run");
        assert!(out.status.success());
        let t = text(&out);
        assert!(
            t.contains("provision") && t.contains("inventory-file"),
            "{shell}: {t}"
        );
    }
    let out = bin().arg("man").output().expect("run");
    let t = text(&out);
    assert!(
        out.status.success() && t.contains(".TH konvoy-image"),
        "{t}"
    );
}

#[test]
fn kib_arguments_are_accepted_or_refused_with_a_reason() {
    let dir = tempfile::tempdir().expect("temp dir");
    // `-v 2` is verbosity 2, not a file named `2`.
    let out = local_playbook(
        dir.path(),
        "- hosts: all\n  gather_facts: false\n  tasks:\n    - debug: msg=hi\n",
    )
    .args(["-v", "2"])
    .output()
    .expect("run");
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("\"msg\": \"hi\""), "{}", text(&out));
    let cases: &[(&[&str], &str)] = &[
        (
            &["build", "images/generic/centos-7.yaml"],
            "`build` is a konvoy-image-builder command",
        ),
        (&["generate", "x.yaml"], "records it in the run folder"),
    ];
    for (args, want) in cases {
        let out = bin().args(*args).output().expect("run");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(text(&out).contains(want), "{args:?}: {}", text(&out));
    }
    // KIB's `--provider` is accepted; a non-empty one is refused with the
    // reason, before any host is contacted (`h` does not even resolve).
    let out = bin()
        .args(["provision", "--provider", "aws", "-i", "h,", "--no-run-log"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains(
            "--provider aws: `packer_builder_type` is a konvoy-image-builder setting that \
             konvoy-image does not implement"
        ),
        "{}",
        text(&out)
    );
    // A KIB work dir (made by `generate`) is not silently taken as ours.
    let kib = dir.path().join("work");
    std::fs::create_dir_all(&kib).expect("mkdir");
    std::fs::write(kib.join("ansible_vars.yaml"), "a: 1\n").expect("write");
    let out = bin()
        .args(["provision", "centos-7", "-i", "h,", "--work-dir"])
        .arg(&kib)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains("konvoy-image-builder work dir"),
        "{}",
        text(&out)
    );
}

#[test]
fn colour_follows_the_terminal_flags_and_environment() {
    let dir = tempfile::tempdir().expect("temp dir");
    let pb = "- hosts: all\n  gather_facts: false\n  tasks:\n    - command: 'true'\n";
    let forced = local_playbook(dir.path(), pb)
        .env("ANSIBLE_FORCE_COLOR", "1")
        .output()
        .expect("run");
    let t = text(&forced);
    assert!(
        t.contains("\x1b[0;33mchanged: [localhost]\x1b[0m\n"),
        "{t:?}"
    );
    assert!(
        t.contains("\x1b[0;33mlocalhost\x1b[0m"),
        "recap host in yellow: {t:?}"
    );
    for (flag, env) in [
        (Some("--no-color"), None),
        (None, Some("NO_COLOR")),
        (None, None),
    ] {
        let mut c = local_playbook(dir.path(), pb);
        c.env(
            "ANSIBLE_FORCE_COLOR",
            if flag.is_some() { "1" } else { "0" },
        );
        if let Some(f) = flag {
            c.arg(f);
        }
        if let Some(e) = env {
            c.env(e, "1");
        }
        let t = text(&c.output().expect("run"));
        assert!(
            t.contains("\nchanged: [localhost]\n"),
            "{flag:?} {env:?}: {t:?}"
        );
        assert!(!t.contains('\x1b'), "{flag:?} {env:?}: {t:?}");
    }
}

#[test]
fn a_rejected_playbook_is_recorded_with_its_diagnostic() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = local_playbook(
        dir.path(),
        "- hosts: all\n  tasks:\n    - ansible.builtin.copyy: src=a dest=/tmp/x\n",
    )
    .output()
    .expect("run");
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    let folder = run_folder(&dir.path().join("runs"));
    let events_path = folder.join("events.jsonl");
    assert_events_valid(&events_path);
    let events = read_events(&events_path);
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| e["event"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(kinds, ["run_start", "diagnostic", "run_end"], "{events:#?}");
    let d = &events[1];
    assert_eq!(d["level"], "error");
    assert_eq!(
        (d["line"].as_i64(), d["column"].as_i64()),
        (Some(3), Some(7)),
        "{d}"
    );
    assert!(d["text"].as_str().is_some_and(|t| t.contains("^^^")), "{d}");
    assert_eq!(events[2]["exit_code"], 4);
    let log = std::fs::read_to_string(folder.join("run.log")).expect("run.log");
    assert!(log.contains("copyy"), "{log}");
}

#[test]
fn an_override_error_shows_its_line_with_a_caret() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("list.yaml"), "- a: 1\n- b: 2\n").expect("write");
    let out = bin()
        .current_dir(dir.path())
        .args([
            "provision",
            "centos-7",
            "-i",
            "h,",
            "--overrides",
            "list.yaml",
            "--work-dir",
            "runs",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: an image or override file must be a mapping, got sequence\n --> list.yaml:1:1\n  |\n\
         1 | - a: 1\n  | ^^^^^^\n"
    );
    assert!(out.stdout.is_empty(), "no play starts");
    let events = read_events(&run_folder(&dir.path().join("runs")).join("events.jsonl"));
    assert_eq!(events[1]["event"], "diagnostic");
    assert_eq!(events[1]["file"], "list.yaml");
}

/// The binary alone, from an empty directory, finds the built-in image by
/// name; an image file on disk given by path wins over the built-in one
/// of the same path (and, having no `common.yaml` beside its folder, gets
/// the built-in one); nothing extracted is left behind.
#[test]
fn built_in_images_from_anywhere_and_files_on_disk_win() {
    let dir = tempfile::tempdir().expect("temp dir");
    let print = |image: &str| {
        let out = bin()
            .current_dir(dir.path())
            .args([
                "provision",
                image,
                "--print-config",
                "-i",
                "h,",
                "--no-run-log",
            ])
            .env("TMPDIR", dir.path())
            .output()
            .expect("run");
        assert!(out.status.success(), "{image}: {}", text(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let line = |config: &str, key: &str| {
        config
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{key} = ")))
            .unwrap_or_else(|| panic!("no {key}:\n{config}"))
            .trim()
            .to_owned()
    };
    let built_in = print("centos-8");
    let k8s = line(&built_in, "kubernetes_version");
    assert!(
        k8s.starts_with("kubernetes_version = \"1.21.6\"  (")
            && k8s.ends_with("/images/generic/centos-8.yaml:9:1)"),
        "{k8s}"
    );
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let original = std::fs::read_to_string(repo.join("images/generic/centos-8.yaml"))
        .expect("images/generic/centos-8.yaml");
    assert!(original.contains("kubernetes_version: \"1.21.6\"\n"));
    std::fs::create_dir_all(dir.path().join("images/generic")).expect("mkdir");
    std::fs::write(
        dir.path().join("images/generic/centos-8.yaml"),
        original.replace(
            "kubernetes_version: \"1.21.6\"\n",
            "kubernetes_version: \"1.99.0\"\n",
        ),
    )
    .expect("write the image");
    let on_disk = print("images/generic/centos-8.yaml");
    assert_eq!(
        line(&on_disk, "kubernetes_version"),
        "kubernetes_version = \"1.99.0\"  (images/generic/centos-8.yaml:9:1)"
    );
    assert!(
        line(&on_disk, "runc_version").contains("/images/common.yaml:"),
        "{on_disk}"
    );
    // The built-in files were extracted under TMPDIR and removed again.
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .expect("read dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, ["images"], "{left:?}");
}
