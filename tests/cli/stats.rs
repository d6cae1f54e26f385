//! `-vvv` and `--stats` on real sshd hosts: every round trip a host sees
//! is printed with its exit code and duration, a `no_log` task's command
//! text never appears anywhere, and the per-host figures `--stats` prints
//! agree with the commands reported (one `Command` event per round trip).

use crate::harness::{Fleet, Os};
use std::collections::BTreeMap;
use std::process::Command;

/// A value that must not reach any output: only a `no_log` task uses it.
const SECRET: &str = "hush-6f2b9d41";

const PLAYBOOK: &str = "- hosts: all
  tasks:
    - copy: {dest: /root/a.conf, content: \"a=1\\n\"}
    - lineinfile: {path: /root/b.conf, line: b=2, create: true}
    - name: keeps a secret
      shell: printf %s hush-6f2b9d41 > /root/secret
      args: {creates: /root/secret}
      no_log: true
    - command: cat /root/a.conf
      changed_when: false
";

/// `--stats` lines, by host: `(commands, transfers, connects, the line)`.
fn stats(stderr: &str) -> BTreeMap<String, (u64, u64, u64, String)> {
    let re = regex::Regex::new(
        r"(?m)^(\S+): (\d+) SSH commands \((\d+) transfers, (\d+) connects?\), sent .*$",
    )
    .expect("valid regex");
    re.captures_iter(stderr)
        .map(|c| {
            let n = |i: usize| c[i].parse::<u64>().expect("a count");
            (c[1].to_owned(), (n(2), n(3), n(4), c[0].to_owned()))
        })
        .collect()
}

/// The seconds a `--stats` line gives `phase`.
fn phase(line: &str, phase: &str) -> f64 {
    let re = regex::Regex::new(&format!(r"\b{phase} ([0-9.]+)s")).expect("valid regex");
    re.captures(line)
        .and_then(|c| c[1].parse().ok())
        .unwrap_or_else(|| panic!("no {phase} time in {line}"))
}

#[test]
fn vvv_shows_every_command_and_stats_add_up() {
    let fleet = Fleet::builder().hosts(2, Os::Centos8).start();
    let dir = tempfile::tempdir().expect("temp dir");
    fleet.write_inventory(dir.path());
    std::fs::write(dir.path().join("site.yml"), PLAYBOOK).expect("write the playbook");
    let exec = regex::Regex::new(r"(?m)^<(\S+)> EXEC \(rc=(-?\d+|none), (\d+\.\d{3})s\) ")
        .expect("valid regex");
    for (round, want_changed) in [("cold", "changed=3"), ("converged", "changed=0")] {
        let events = format!("events-{round}.jsonl");
        let out = Command::new(env!("CARGO_BIN_EXE_konvoy-image"))
            .current_dir(dir.path())
            .args(["playbook", "-i", "inventory.yaml", "site.yml", "-vvv"])
            .args(["--stats", "--work-dir", "runs", "--json-log", &events])
            .output()
            .expect("run konvoy-image");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{round}: {stdout}{stderr}");
        assert!(stdout.contains(want_changed), "{round}: {stdout}");

        // The secret is nowhere: not on screen, not in the events, not in
        // the run folder.
        let json = std::fs::read_to_string(dir.path().join(&events)).expect("events");
        assert!(!stdout.contains(SECRET), "{round}: stdout shows the secret");
        assert!(!stderr.contains(SECRET), "{round}: stderr shows the secret");
        assert!(
            !json.contains(SECRET),
            "{round}: the JSON log has the secret"
        );
        for f in walk(&dir.path().join("runs")) {
            let text = String::from_utf8_lossy(&std::fs::read(&f).expect("read")).into_owned();
            assert!(!text.contains(SECRET), "{round}: {} has it", f.display());
        }

        // -vvv: one EXEC line per round trip, each with rc and duration.
        let mut shown: BTreeMap<String, u64> = BTreeMap::new();
        for c in exec.captures_iter(&stdout) {
            *shown.entry(c[1].to_owned()).or_default() += 1;
        }
        assert!(
            stdout.contains("# konvoy-image fact probe") && stdout.contains(" more lines, "),
            "{round}: the fact script is shown cut at -vvv: {stdout}"
        );
        assert!(
            stdout.contains("(command hidden: the task has no_log)"),
            "{round}: the no_log task's command is shown hidden: {stdout}"
        );
        // JSON: one command event per round trip, with rc and duration.
        let mut reported: BTreeMap<String, u64> = BTreeMap::new();
        for line in json.lines() {
            let v: serde_json::Value = serde_json::from_str(line).expect("json");
            if v["event"] == "command" {
                assert!(v["rc"].is_i64() && v["duration"].is_f64(), "{v}");
                *reported
                    .entry(v["host"].as_str().expect("host").to_owned())
                    .or_default() += 1;
            }
        }
        let stats = stats(&stderr);
        assert_eq!(stats.len(), 2, "{round}: a --stats line per host: {stderr}");
        for h in fleet.hosts() {
            let (commands, _, connects, line) = &stats[h.name()];
            assert_eq!(*connects, 1, "{round}: one session per host: {line}");
            assert_eq!(
                Some(commands),
                reported.get(h.name()),
                "{round}: --stats and the Command events agree: {line}"
            );
            assert_eq!(
                Some(commands),
                shown.get(h.name()),
                "{round}: --stats and the EXEC lines agree: {line}"
            );
            assert!(phase(line, "connect") > 0.0, "{line}");
            assert!(phase(line, "facts") > 0.0, "{line}");
            // The probes travel with the facts script and with applies
            // (counted as facts and applies): a round trip of probes alone
            // may not happen at all, cold or converged.
            let total = phase(line, "total");
            let sum: f64 = ["connect", "facts", "probes", "applies", "transfers"]
                .iter()
                .map(|p| phase(line, p))
                .sum();
            assert!((total - sum).abs() < 0.01, "{line}");
            if round == "cold" {
                assert!(phase(line, "applies") > 0.0, "{line}");
            }
        }
    }
}

/// Every file under `dir`.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                todo.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// `-vvvv` shows how each session was opened (address, user, server
/// version, algorithms, the host key's fingerprint as `ssh-keygen -l`
/// computes it, the key that authenticated, timings) and `-vvv` does not;
/// at both, a secret passed with `-e` is masked in the command text shown.
#[test]
fn vvvv_shows_how_the_session_was_opened_and_commands_hide_secrets() {
    const PASSWORD: &str = "pw-Secret-91c3";
    let fleet = Fleet::builder().host(Os::Rocky9).start();
    let host = &fleet.hosts()[0];
    let dir = tempfile::tempdir().expect("temp dir");
    fleet.write_inventory(dir.path());
    std::fs::write(
        dir.path().join("site.yml"),
        format!(
            "- hosts: all\n  gather_facts: false\n  tasks:\n    \
             - shell: test {{{{ db_password }}}} = {PASSWORD}\n      changed_when: false\n"
        ),
    )
    .expect("write the playbook");
    let mut keygen = Command::new("ssh-keygen")
        .args(["-l", "-f", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("ssh-keygen");
    std::io::Write::write_all(
        &mut keygen.stdin.take().expect("stdin"),
        host.known_hosts_line().as_bytes(),
    )
    .expect("feed ssh-keygen");
    let listed =
        String::from_utf8(keygen.wait_with_output().expect("ssh-keygen").stdout).expect("utf-8");
    let fingerprint = listed.split_whitespace().nth(1).expect("a fingerprint");
    let expected = [
        format!(
            "<node1> ESTABLISH SSH CONNECTION FOR USER: root to {}:22\n",
            host.address()
        ),
        "<node1> SSH: connected in ".to_owned(),
        "; server SSH-2.0-OpenSSH_".to_owned(),
        format!(", host key ssh-ed25519 {fingerprint}, cipher "),
        format!(
            "<node1> SSH: authenticated as root by publickey, key `{}`; session up in ",
            fleet.private_key().display()
        ),
    ];
    for verbosity in ["-vvv", "-vvvv"] {
        let runs = format!("runs{verbosity}");
        let out = Command::new(env!("CARGO_BIN_EXE_konvoy-image"))
            .current_dir(dir.path())
            .args(["playbook", "-i", "inventory.yaml", "site.yml", verbosity])
            .args([
                "-e",
                &format!("db_password={PASSWORD}"),
                "--work-dir",
                &runs,
            ])
            .output()
            .expect("run konvoy-image");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{verbosity}: {stdout}");
        assert!(!stdout.contains(PASSWORD), "{verbosity}: {stdout}");
        assert!(
            stdout.contains(") test ******** = ********\n"),
            "{verbosity}: the command is shown masked: {stdout}"
        );
        let shown = expected
            .iter()
            .filter(|e| stdout.contains(e.as_str()))
            .count();
        if verbosity == "-vvv" {
            assert_eq!(shown, 0, "-vvv shows no SSH details: {stdout}");
            continue;
        }
        assert_eq!(shown, expected.len(), "-vvvv: {expected:#?}\n{stdout}");
        // One session, opened before the first command was sent.
        assert_eq!(stdout.matches("ESTABLISH SSH CONNECTION").count(), 1);
        let established = stdout.find("ESTABLISH SSH").expect("shown");
        let first_exec = stdout.find("> EXEC (").expect("a command");
        assert!(established < first_exec, "{stdout}");
        let folder = crate::report::run_folder(&dir.path().join(&runs));
        crate::report::assert_events_valid(&folder.join("events.jsonl"));
        let ssh_events = crate::report::read_events(&folder.join("events.jsonl"))
            .into_iter()
            .filter(|e| e["event"] == "ssh" && e["host"] == "node1")
            .count();
        assert_eq!(ssh_events, 4, "one event per line of detail");
    }
}
