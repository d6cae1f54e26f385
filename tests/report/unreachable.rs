//! Each reason a host cannot be reached produces its own message, with
//! the cause kept: real listeners on 127.0.0.1 and a real test host, the
//! real SSH transport, the engine's one wording
//! (`report::cause::unreachable_message`).

use crate::harness::{keys, Fleet, Os};
use engine::report::cause::{classify, unreachable_message, UnreachableCause};
use engine::transport::{self, ConnectOptions, ConnectionSpec};
use std::net::TcpListener;
use std::process::Command;
use std::time::{Duration, Instant};

/// A port on 127.0.0.1 where nothing listens (bound, then released).
fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

/// Accepts connections and never writes a byte (not an SSH server).
fn silent_listener() -> (TcpListener, u16) {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    (l, port)
}

/// `site` run on `inventory` by `konvoy-image playbook`, then by
/// ansible-playbook, in a fresh directory: each tool's exit code and both
/// its streams in one, in the order written (ansible-playbook writes
/// `[ERROR]` to stderr). `env` adds to both tools' environment.
fn both_tools(
    inventory: &str,
    site: &str,
    env: impl Fn(&mut Command),
) -> [(Option<i32>, String); 2] {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("inventory.yaml"), inventory).expect("inventory");
    std::fs::write(dir.path().join("site.yml"), site).expect("site.yml");
    let ours = format!(
        "{} playbook --no-run-log",
        env!("CARGO_BIN_EXE_konvoy-image")
    );
    [ours.as_str(), "ansible-playbook"].map(|tool| {
        let mut cmd = Command::new("sh");
        cmd.current_dir(dir.path())
            .arg("-c")
            .arg(format!("{tool} -i inventory.yaml site.yml 2>&1"))
            .env("ANSIBLE_NOCOLOR", "1")
            .env("NO_COLOR", "1")
            .env("ANSIBLE_LOCAL_TEMP", dir.path().join("tmp"))
            .env("ANSIBLE_RETRY_FILES_ENABLED", "0");
        env(&mut cmd);
        let out = cmd.output().expect("run");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    })
}

#[test]
fn every_cause_has_its_own_message() {
    let fleet = Fleet::builder().host(Os::Centos8).start();
    let host = &fleet.hosts()[0];
    let base = fleet.spec(host);
    let good = fleet.connect_options();
    let (_silent, silent_port) = silent_listener();
    let dir = tempfile::tempdir().expect("temp dir");
    // A known_hosts entry for the host's address with another key.
    let other_key =
        std::fs::read_to_string(format!("{}.pub", keys().rsa.display())).expect("a public key");
    let wrong = dir.path().join("wrong_known_hosts");
    std::fs::write(&wrong, format!("{} {}", host.address(), other_key)).expect("write");
    let empty = dir.path().join("empty_known_hosts");
    std::fs::write(&empty, "").expect("write");
    let with_known = |path: &std::path::Path| ConnectOptions {
        known_hosts: vec![path.to_path_buf()],
        ..ConnectOptions::default()
    };

    type Case = (
        &'static str,
        ConnectionSpec,
        ConnectOptions,
        UnreachableCause,
        &'static str,
    );
    let cases: Vec<Case> = vec![
        (
            "closed port",
            ConnectionSpec {
                address: "127.0.0.1".into(),
                port: closed_port(),
                ..base.clone()
            },
            good.clone(),
            UnreachableCause::Refused,
            "Connection refused (os error 111) (connection refused)",
        ),
        (
            "name that does not resolve",
            ConnectionSpec {
                address: "no-such-host.invalid".into(),
                ..base.clone()
            },
            good.clone(),
            UnreachableCause::Dns,
            "(name does not resolve)",
        ),
        (
            "listener that never speaks SSH",
            ConnectionSpec {
                address: "127.0.0.1".into(),
                port: silent_port,
                connect_timeout: Duration::from_secs(2),
                ..base.clone()
            },
            good.clone(),
            UnreachableCause::HandshakeTimeout,
            "failed during handshake",
        ),
        (
            "host key mismatch",
            base.clone(),
            with_known(&wrong),
            UnreachableCause::HostKeyMismatch,
            "does not match known_hosts",
        ),
        (
            "unknown host key",
            base.clone(),
            with_known(&empty),
            UnreachableCause::UnknownHostKey,
            "is not in known_hosts",
        ),
        (
            "wrong key",
            ConnectionSpec {
                private_key_file: Some(keys().unauthorized.clone()),
                ..base.clone()
            },
            good.clone(),
            UnreachableCause::Auth,
            "authentication as `root`",
        ),
    ];
    let mut messages = Vec::new();
    for (what, spec, opts, cause, phrase) in cases {
        let started = Instant::now();
        let err = match transport::connect(&spec, &opts) {
            Ok(_) => panic!("{what}: connected"),
            Err(e) => e,
        };
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "{what} took {:?}",
            started.elapsed()
        );
        let msg = unreachable_message(&err, Some((&spec.address, spec.port)));
        assert_eq!(classify(&err), Some(cause), "{what}: {msg}");
        assert!(msg.contains(phrase), "{what}: {msg}");
        assert!(msg.contains(cause.phrase()), "{what}: {msg}");
        messages.push(msg);
    }
    // The two host-key failures end with the exact fix.
    let addr = host.address().to_string();
    assert!(
        messages[3].contains(&format!(
            "ssh-keygen -R {addr} && ssh-keyscan -H {addr} >> ~/.ssh/known_hosts"
        )),
        "{}",
        messages[3]
    );
    assert!(
        messages[4].contains(&format!("`ssh-keyscan -H {addr} >> ~/.ssh/known_hosts`")),
        "{}",
        messages[4]
    );
    assert!(
        messages[4].contains("StrictHostKeyChecking=accept-new"),
        "{}",
        messages[4]
    );
    assert!(
        messages[4].contains("host_key_checking = False"),
        "{}",
        messages[4]
    );
    let mut unique = messages.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), messages.len(), "{messages:#?}");
}

/// The cause the table above cannot show without starving the test
/// process: the real binary under a descriptor limit of 6 (stdio, the
/// signal pipe and the session's socket leave none to read the key with)
/// reports the host unreachable with "too many open files on the
/// controller", after its retries, not as a failed authentication.
#[test]
fn too_few_descriptors_is_named_as_the_cause() {
    use std::os::unix::process::CommandExt;
    let fleet = Fleet::builder().host(Os::Debian).start();
    let dir = tempfile::tempdir().expect("temp dir");
    fleet.write_inventory(dir.path());
    std::fs::write(
        dir.path().join("site.yml"),
        "- hosts: all\n  gather_facts: false\n  tasks:\n    - command: 'true'\n",
    )
    .expect("write site.yml");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_konvoy-image"));
    cmd.current_dir(dir.path()).args([
        "playbook",
        "-i",
        "inventory.yaml",
        "--no-run-log",
        "site.yml",
    ]);
    // SAFETY: setrlimit only, between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            let lim = libc::rlimit {
                rlim_cur: LIMIT,
                rlim_max: LIMIT,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &lim) == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
    }
    let out = cmd.output().expect("run konvoy-image");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(4), "{text}");
    let line = text
        .lines()
        .find(|l| l.starts_with("fatal: [node1]: UNREACHABLE!"))
        .unwrap_or_else(|| panic!("no unreachable result:\n{text}"));
    assert!(
        line.contains("Too many open files (os error 24) (too many open files on the controller)"),
        "{line}"
    );
    assert!(!line.contains("authentication"), "{line}");
}

/// Descriptors the starved run gets (see the test's docs).
const LIMIT: libc::rlim_t = 6;

/// The same causes through a real run of the binary: one host per cause
/// in one inventory, each `UNREACHABLE!` result naming its own cause (the
/// run keeps the error's whole chain), the host-key ones ending with the
/// exact fix, and the reachable host unaffected.
#[test]
fn a_run_names_each_hosts_own_cause() {
    let fleet = Fleet::builder().host(Os::Rocky9).start();
    let host = &fleet.hosts()[0];
    let (_silent, silent_port) = silent_listener();
    let dir = tempfile::tempdir().expect("temp dir");
    let other_key =
        std::fs::read_to_string(format!("{}.pub", keys().rsa.display())).expect("a public key");
    let wrong = dir.path().join("wrong_known_hosts");
    std::fs::write(&wrong, format!("{} {}", host.address(), other_key)).expect("write");
    let empty = dir.path().join("empty_known_hosts");
    std::fs::write(&empty, "").expect("write");
    let addr = host.address();
    let inventory = format!(
        "all:\n  hosts:\n    \
         good: {{ansible_host: {addr}}}\n    \
         refused: {{ansible_host: 127.0.0.1, ansible_port: {closed}}}\n    \
         nodns: {{ansible_host: no-such-host.invalid}}\n    \
         silent: {{ansible_host: 127.0.0.1, ansible_port: {silent_port}, ansible_ssh_timeout: 2}}\n    \
         changedkey: {{ansible_host: {addr}, ansible_ssh_common_args: \"-o UserKnownHostsFile={wrong} -o StrictHostKeyChecking=yes\"}}\n    \
         unknownkey: {{ansible_host: {addr}, ansible_ssh_common_args: \"-o UserKnownHostsFile={empty} -o StrictHostKeyChecking=yes\"}}\n    \
         badauth: {{ansible_host: {addr}, ansible_ssh_private_key_file: {unauthorized}}}\n  \
         vars:\n    ansible_user: root\n    ansible_ssh_private_key_file: {key}\n    \
         ansible_ssh_common_args: \"-o UserKnownHostsFile={known} -o StrictHostKeyChecking=yes\"\n",
        closed = closed_port(),
        wrong = wrong.display(),
        empty = empty.display(),
        unauthorized = keys().unauthorized.display(),
        key = fleet.private_key().display(),
        known = fleet.known_hosts().display(),
    );
    std::fs::write(dir.path().join("inventory.yaml"), inventory).expect("inventory");
    std::fs::write(
        dir.path().join("site.yml"),
        "- hosts: all\n  gather_facts: false\n  tasks:\n    - command: 'true'\n",
    )
    .expect("site.yml");
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_konvoy-image"))
        .current_dir(dir.path())
        .args([
            "playbook",
            "-i",
            "inventory.yaml",
            "--no-run-log",
            "site.yml",
        ])
        .output()
        .expect("run konvoy-image");
    assert!(started.elapsed() < Duration::from_secs(60));
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(4), "{text}");
    assert!(text.contains("changed: [good]"), "{text}");
    let table = [
        (
            "refused",
            "Connection refused (os error 111) (connection refused)",
        ),
        ("nodns", "(name does not resolve)"),
        ("silent", "failed during handshake"),
        ("changedkey", "(host key mismatch)"),
        ("unknownkey", "(unknown host key)"),
        ("badauth", "(authentication failed)"),
    ];
    let mut messages = Vec::new();
    for (name, phrase) in table {
        let line = text
            .lines()
            .find(|l| l.starts_with(&format!("fatal: [{name}]: UNREACHABLE! => ")))
            .unwrap_or_else(|| panic!("{name}: no unreachable result:\n{text}"));
        let result: serde_json::Value =
            serde_json::from_str(line.split_once(" => ").expect("a result").1)
                .expect("the result is JSON");
        let msg = result["msg"].as_str().expect("a msg").to_owned();
        assert!(msg.contains(phrase), "{name}: {msg}");
        messages.push(msg);
    }
    assert!(
        messages[3].contains(&format!(
            "ssh-keygen -R {addr} && ssh-keyscan -H {addr} >> ~/.ssh/known_hosts"
        )),
        "{}",
        messages[3]
    );
    for fix in [
        format!("`ssh-keyscan -H {addr} >> ~/.ssh/known_hosts`"),
        "StrictHostKeyChecking=accept-new".to_owned(),
        "host_key_checking = False".to_owned(),
    ] {
        assert!(messages[4].contains(&fix), "{fix}: {}", messages[4]);
    }
    let mut unique = messages.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), messages.len(), "{messages:#?}");
}

/// The unreachable report has ansible-playbook 2.19.14's shape, line for
/// line: `[ERROR]: Task failed: Failed to connect to the host via ssh:
/// ...` with the task's origin (none for the implicit fact gathering),
/// then `fatal: [h]: UNREACHABLE! => {"changed": false, "msg": "Task
/// failed: Failed to connect to the host via ssh: ...", "unreachable":
/// true}`, a loop trying every item (each `failed: [h] (item=...)`,
/// then `UNREACHABLE!` with `All items completed` and the results),
/// `...ignoring` under `ignore_unreachable`, the recap and the
/// exit code (a local host keeps each play going). Only the cause after
/// `via ssh: ` differs: ssh's one line
/// there, this engine's whole chain and named cause here (checked too).
#[test]
fn unreachable_lines_have_ansibles_shape() {
    let port = closed_port();
    let [(ours_code, ours), (ansible_code, ansible)] = both_tools(
        &format!(
            "all:\n  hosts:\n    dead: {{}}\n    ign: {{}}\n    \
             local: {{ansible_connection: local}}\n  vars:\n    \
             ansible_host: 127.0.0.1\n    ansible_port: {port}\n    ansible_user: root\n    \
             ansible_python_interpreter: /usr/bin/python3\n"
        ),
        "- hosts: dead:local\n  tasks:\n    - command: 'true'\n\
         - hosts: ign:local\n  gather_facts: false\n  tasks:\n    \
         - command: 'true'\n      ignore_unreachable: true\n    \
         - command: 'true'\n      loop: [a, b]\n      \
         ignore_unreachable: true\n    \
         - command: 'true'\n",
        |_| {},
    );
    const VIA: &str = "Failed to connect to the host via ssh: ";
    // Each cause: to the closing quote in JSON, to the end of an [ERROR] line.
    let shape = |text: &str| -> Vec<String> {
        text.lines()
            .map(|l| {
                let mut out = String::new();
                let mut rest = l;
                while let Some((head, tail)) = rest.split_once(VIA) {
                    out.push_str(head);
                    out.push_str(VIA);
                    out.push_str("<cause>");
                    rest = tail.find('"').map(|i| &tail[i..]).unwrap_or("");
                }
                out.push_str(rest);
                out
            })
            .collect()
    };
    assert_eq!(
        shape(&ours),
        shape(&ansible),
        "--- ours\n{ours}\n--- ansible-playbook\n{ansible}"
    );
    assert_eq!(ours_code, Some(4), "{ours}");
    assert_eq!(ours_code, ansible_code);
    for text in [&ours, &ansible] {
        // Gathering, task, loop (error, two items, two results), task.
        assert_eq!(text.matches(VIA).count(), 11, "{text}");
        assert_eq!(text.matches("Origin: ").count(), 3, "{text}");
        assert!(
            text.contains("\"msg\": \"All items completed\", \"results\": [{"),
            "{text}"
        );
    }
    let want = format!("{VIA}host `ign` is unreachable at `127.0.0.1:{port}`: Connection refused");
    assert!(ours.contains(&want), "{ours}");
    assert!(
        ours.contains("(connection refused)\", \"unreachable\": true}"),
        "{ours}"
    );
}

/// A host that answers but whose become fails is not unreachable: the
/// task fails (`[ERROR]: Task failed: ...` with no `Module failed`, then
/// `fatal: [h]: FAILED!`), in the implicit fact gathering too, and the
/// recap counts it failed, as ansible-playbook 2.19.14 does (local
/// connections, a `become_exe` that does not exist).
#[test]
fn a_become_that_fails_fails_the_task_and_leaves_the_host_reachable() {
    let [(ours_code, ours), (ansible_code, ansible)] = both_tools(
        "all:\n  hosts:\n    \
         badbecome: {ansible_become: true, ansible_become_user: nobody, \
         ansible_become_exe: /nonexistent-sudo}\n    \
         fine: {}\n  vars:\n    ansible_connection: local\n    \
         ansible_python_interpreter: /usr/bin/python3\n",
        "- hosts: all\n  tasks:\n    - command: 'true'\n      \
         become: true\n      become_user: nobody\n      \
         become_exe: /nonexistent-sudo\n      ignore_errors: true\n",
        |_| {},
    );
    // The result lines, banners, origins and recap, each message cut to
    // its `Task failed: ` frame (the become tool's words differ).
    let shape = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| {
                [
                    "fatal:",
                    "ok:",
                    "changed:",
                    "...ignoring",
                    "Origin:",
                    "TASK",
                    "PLAY",
                ]
                .iter()
                .any(|p| l.starts_with(p))
                    || l.contains(" : ok=")
                    || l.starts_with("[ERROR]: Task failed: ")
            })
            .map(|l| match l.split_once("Task failed: ") {
                Some((head, rest)) => {
                    let tail = rest.find("\"}").map(|i| &rest[i..]).unwrap_or("");
                    format!("{head}Task failed: <why>{tail}")
                }
                None => l.to_owned(),
            })
            .collect()
    };
    assert_eq!(
        shape(&ours),
        shape(&ansible),
        "--- ours\n{ours}\n--- ansible-playbook\n{ansible}"
    );
    assert_eq!(ours_code, ansible_code, "{ours}");
    assert!(
        ours.contains("fatal: [badbecome]: FAILED! => {\"changed\": false, \"msg\": \"Task failed: become `nobody` on `badbecome` failed: "),
        "{ours}"
    );
    assert!(!ours.contains("UNREACHABLE"), "{ours}");
}

/// No become to the user the task already runs as (ansible-core's
/// `BECOME_ALLOW_SAME_USER`, false by default): `become: true` to `root`
/// on a local connection run by root never calls the become tool, in the
/// implicit gathering and in tasks alike, so a `become_exe` that does not
/// exist goes unnoticed there, as with ansible-playbook 2.19.14; to
/// another user it is used and fails.
#[test]
fn become_to_the_user_already_logged_in_is_skipped_as_ansible_skips_it() {
    let [(_, ours), (_, ansible)] = both_tools(
        "all:\n  hosts:\n    local:\n  vars:\n    ansible_connection: local\n    \
         ansible_python_interpreter: /usr/bin/python3\n",
        "- hosts: all\n  become: true\n  become_exe: /nonexistent-sudo\n  tasks:\n    \
         - command: id -un\n      register: who\n    \
         - debug:\n        msg: \"as {{ who.stdout }}\"\n    \
         - command: id -un\n      become_user: nobody\n      ignore_errors: true\n      \
         register: other\n    \
         - debug:\n        msg: \"to nobody failed={{ other is failed }}\"\n",
        |c| {
            c.env("USER", "root").env_remove("LOGNAME");
        },
    );
    let recap = |text: &str| {
        text.lines()
            .find(|l| l.starts_with("local "))
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .unwrap_or_default()
    };
    for text in [&ours, &ansible] {
        assert!(text.contains("\"msg\": \"as root\""), "{text}");
        assert!(
            text.contains("\"msg\": \"to nobody failed=True\""),
            "{text}"
        );
    }
    assert_eq!(recap(&ours), recap(&ansible), "{ours}\n{ansible}");
}
