//! A real provision by the binary alone, from an empty directory: the
//! built-in image, `common.yaml` and playbook, against real CentOS 8 and
//! Flatcar test hosts, logging in as a user whose sudo asks for a
//! password. Then its run folder: every event line validates against the
//! checked-in schema, timestamps increase, `events.jsonl` grows while the
//! run goes on, and neither the become password, the registry password
//! nor a `no_log` task's output appears in any of its files.

use super::{assert_events_valid, read_events, run_folder};
use crate::harness::{Fleet, Os, SUDO_PASSWORD, SUDO_PASSWORD_USER};
use crate::provision::{prepare, repo, Mirror, Setup};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Output of the `no_log` task, computed on the host so it appears in no
/// input: only the task's result carries it.
const NO_LOG_CANARY: &str = "nolog-42-canary";
const REGISTRY_PASSWORD: &str = "Registry-Pa55-word";

/// The fleet's inventory, logging in as the sudo-with-password user.
fn inventory(fleet: &Fleet, dir: &Path) -> PathBuf {
    let text = fleet
        .inventory_yaml()
        .replace(
            "ansible_user: root",
            &format!("ansible_user: {SUDO_PASSWORD_USER}"),
        )
        .replace(
            "  vars:\n",
            // `ansible_become: true` too: the executor takes the password
            // only with it (a play's `become: true` alone drops it).
            &format!(
                "  vars:\n    ansible_become: true\n    ansible_become_password: {SUDO_PASSWORD}\n"
            ),
        );
    let p = dir.join("inventory.yaml");
    std::fs::write(&p, text).expect("write the inventory");
    p
}

/// Runs the binary in `cwd`; while it runs, samples the size of the
/// `events.jsonl` under `work_dir`. Returns (exit code, output, sizes
/// seen while the process was alive).
fn run_watching(
    bin: &Path,
    cwd: &Path,
    args: &[String],
    work_dir: &Path,
) -> (i32, String, Vec<u64>) {
    let mut child = Command::new(bin)
        .current_dir(cwd)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start konvoy-image");
    let stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || std::io::read_to_string(stdout).unwrap_or_default());
    let mut sizes = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(300);
    let status = loop {
        let size = std::fs::read_dir(work_dir)
            .ok()
            .and_then(|mut d| d.next())
            .and_then(|e| e.ok())
            .and_then(|e| std::fs::metadata(e.path().join("events.jsonl")).ok())
            .map_or(0, |m| m.len());
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        sizes.push(size);
        assert!(Instant::now() < deadline, "provision did not end in 300 s");
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut e, &mut err);
    }
    let out = reader.join().unwrap_or_default();
    (status.code().unwrap_or(-1), out + &err, sizes)
}

/// Checks one run folder (see the module docs).
fn check_folder(folder: &Path, sizes: &[u64], output: &str) {
    for f in [
        "command-line.txt",
        "events.jsonl",
        "run.log",
        "inventory.json",
    ] {
        assert!(
            folder.join(f).is_file(),
            "{f} missing in {}",
            folder.display()
        );
    }
    let events_path = folder.join("events.jsonl");
    assert_events_valid(&events_path);
    let events = read_events(&events_path);
    assert_eq!(
        events.first().map(|e| e["event"].clone()),
        Some("run_start".into())
    );
    assert_eq!(
        events.last().map(|e| e["event"].clone()),
        Some("run_end".into())
    );
    assert_eq!(
        events.last().map(|e| e["exit_code"].clone()),
        Some(0.into()),
        "{output}"
    );
    let times: Vec<&str> = events
        .iter()
        .map(|e| e["time"].as_str().expect("time"))
        .collect();
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "timestamps go back: {times:?}"
    );
    assert!(
        times.first() < times.last(),
        "the run took no time? {times:?}"
    );
    // Read mid-run: the file had lines and then more lines while the
    // process was still running.
    let mut grew: Vec<u64> = sizes.iter().copied().filter(|s| *s > 0).collect();
    grew.dedup();
    assert!(
        grew.len() >= 3,
        "events.jsonl did not grow during the run: {sizes:?}"
    );
    // No secret in any file of the folder.
    for entry in std::fs::read_dir(folder)
        .expect("read the folder")
        .flatten()
    {
        let text = std::fs::read_to_string(entry.path()).expect("read a record file");
        for secret in [SUDO_PASSWORD, REGISTRY_PASSWORD, NO_LOG_CANARY] {
            assert!(
                !text.contains(secret),
                "`{secret}` in {}",
                entry.path().display()
            );
        }
    }
}

#[test]
fn provision_from_an_empty_dir_with_only_the_binary_keeps_a_clean_record() {
    let fleet = Fleet::builder().host(Os::Centos8).host(Os::Flatcar).start();
    let mirror = Mirror::start();
    for host in fleet.hosts() {
        prepare(host, None);
    }
    let setup = Setup::new(&fleet, &mirror);
    let inventory = inventory(&fleet, setup.dir.path());
    // Nothing but the binary in the working directory.
    let empty = tempfile::tempdir().expect("temp dir");
    let bin = empty.path().join("konvoy-image");
    std::fs::copy(env!("CARGO_BIN_EXE_konvoy-image"), &bin).expect("copy the binary");
    let runs = tempfile::tempdir().expect("runs dir");
    // `image` empty: each host the image of its OS.
    let args = |image: &str, extra: &[&str]| -> Vec<String> {
        let mut a: Vec<String> = vec!["provision".into()];
        if !image.is_empty() {
            a.push(image.into());
        }
        a.extend([
            "--inventory-file".into(),
            inventory.display().to_string(),
            "--overrides".into(),
            format!("{},{}", setup.offline.display(), setup.mirror.display()),
            "--work-dir".into(),
            runs.path().display().to_string(),
        ]);
        for e in [
            "sysctl_reload=false",
            "disable_swap_now=false",
            "start_services=false",
            "download_retries=1",
            "download_retry_delay=0",
        ]
        .iter()
        .chain(extra)
        {
            a.push("-e".into());
            a.push((*e).into());
        }
        a
    };

    let registry = format!("registry_mirror_password={REGISTRY_PASSWORD}");
    let (code, output, sizes) = run_watching(
        &bin,
        empty.path(),
        &args("centos-8", &[&registry]),
        runs.path(),
    );
    assert_eq!(code, 0, "{output}");
    assert!(output.contains("PLAY RECAP"), "{output}");
    for host in fleet.hosts() {
        assert!(
            host.root().join("etc/containerd/config.toml").exists(),
            "{} not provisioned:\n{output}",
            host.name()
        );
    }
    let folder = run_folder(runs.path());
    check_folder(&folder, &sizes, &output);
    // The exact command line, the secret in it masked, and where it ran.
    let command = std::fs::read_to_string(folder.join("command-line.txt")).expect("command line");
    assert!(
        command.starts_with(&format!(
            "{} provision centos-8 --inventory-file ",
            bin.display()
        )) && command.contains(" -e registry_mirror_password=********\n# in ")
            && command.ends_with(&format!("\n# in {}\n", empty.path().display())),
        "{command}"
    );
    let resolved = std::fs::read_to_string(folder.join("inventory.json")).expect("inventory");
    let resolved: serde_json::Value = serde_json::from_str(&resolved).expect("json");
    for host in fleet.hosts() {
        assert!(
            resolved["_meta"]["hostvars"][host.name()]["ansible_host"]
                == host.address().to_string(),
            "{resolved}"
        );
    }
    let vars = std::fs::read_to_string(folder.join("variables.json")).expect("variables.json");
    assert!(vars.contains("\"registry_mirror_password\""), "{vars}");
    let v: serde_json::Value = serde_json::from_str(&vars).expect("json");
    // The CentOS images keep the 2021 pins over common.yaml's current ones.
    assert_eq!(v["variables"]["kubernetes_version"]["value"], "1.21.6");
    assert!(
        v["variables"]["kubernetes_version"]["source"]
            .as_str()
            .is_some_and(|s| s.contains("images/generic/centos-8.yaml:")),
        "{vars}"
    );
    assert!(
        v["variables"]["runc_version"]["source"]
            .as_str()
            .is_some_and(|s| s.contains("images/common.yaml:")),
        "{vars}"
    );
    assert_eq!(v["variables"]["sysctl_reload"]["source"], "--extra-vars");

    // Without an image (each host the image of its OS): every image's
    // configuration is recorded, the secret nowhere, in the folder or on
    // the terminal at -vv (the included configuration is in the results).
    std::fs::remove_dir_all(&folder).expect("clear the runs dir");
    let mut a = args("", &[&registry]);
    a.push("-vv".into());
    let (code, output, sizes) = run_watching(&bin, empty.path(), &a, runs.path());
    assert_eq!(code, 0, "{output}");
    assert!(!output.contains(REGISTRY_PASSWORD), "{output}");
    let folder = run_folder(runs.path());
    check_folder(&folder, &sizes, &output);
    let vars = std::fs::read_to_string(folder.join("variables.json")).expect("variables.json");
    let v: serde_json::Value = serde_json::from_str(&vars).expect("json");
    for (image, k8s) in [
        ("centos-8", "1.21.6"),
        ("flatcar", "1.36.4"),
        ("rocky-9", "1.36.4"),
    ] {
        assert_eq!(
            v["images"][image]["variables"]["kubernetes_version"]["value"], k8s,
            "{vars}"
        );
    }

    // A provision whose playbook adds a `no_log` task in front of the real
    // one: the task's output is hidden everywhere.
    std::fs::remove_dir_all(&folder).expect("clear the runs dir");
    let wrapper = empty.path().join("site.yaml");
    std::fs::write(
        &wrapper,
        format!(
            "- hosts: all\n  gather_facts: false\n  tasks:\n    - name: a secret\n      \
             shell: echo nolog-$((6*7))-canary\n      no_log: true\n\
             - import_playbook: {}\n",
            repo().join("playbooks/provision.yaml").display()
        ),
    )
    .expect("write the wrapper playbook");
    // `-v` shows every result, so the censored one is printed too (on
    // one line, as ansible-playbook 2.19 prints results below `-vvv`).
    let mut a = args("centos-8", &[]);
    a.extend([
        "--playbook".into(),
        wrapper.display().to_string(),
        "-v".into(),
    ]);
    let (code, output, sizes) = run_watching(&bin, empty.path(), &a, runs.path());
    assert_eq!(code, 0, "{output}");
    assert!(
        output.contains(&format!(
            "changed: [node1] => {{\"censored\": \"{}\", \"changed\": true}}",
            engine::report::CENSORED
        )),
        "{output}"
    );
    assert!(!output.contains(NO_LOG_CANARY), "{output}");
    let folder = run_folder(runs.path());
    check_folder(&folder, &sizes, &output);
    let hidden = read_events(&folder.join("events.jsonl"))
        .into_iter()
        .filter(|e| e["event"] == "host_result" && e["task"] == "a secret")
        .collect::<Vec<_>>();
    assert_eq!(hidden.len(), 2, "{hidden:?}");
    for e in hidden {
        assert_eq!(e["no_log"], true, "{e}");
        assert_eq!(e["result"]["censored"], engine::report::CENSORED, "{e}");
    }
    // -v prints task durations after the recap (`profile_tasks`).
    assert!(output.contains("TASK DURATIONS (total "), "{output}");
}
