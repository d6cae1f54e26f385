//! Every flag of `ansible-playbook --help` (ansible-core 2.19.14) is either
//! honoured by `konvoy-image playbook` or refused with a reason: none is
//! accepted and dropped. The list below must name each flag the installed
//! ansible-playbook prints, exactly once.

use super::{text, World};
use std::collections::BTreeSet;
use std::process::Command;

/// What `playbook` does with a flag.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Does {
    /// Accepted; `--print-config` then shows this text (or, when empty,
    /// the flag's effect is checked by other tests).
    Honours(&'static str),
    /// Refused before anything runs.
    Refuses,
}

use Does::{Honours, Refuses};

/// `(flag, a value when it takes one, what we do)`.
const FLAGS: &[(&str, Option<&str>, Does)] = &[
    ("-h", None, Honours("")),
    ("--help", None, Honours("")),
    ("--version", None, Refuses),
    ("-v", None, Honours("")),
    ("--verbose", None, Honours("")),
    (
        "--private-key",
        Some("k/id"),
        Honours("private_key_file = k/id  (cli: --private-key)"),
    ),
    (
        "--key-file",
        Some("k/id"),
        Honours("private_key_file = k/id  (cli: --private-key)"),
    ),
    ("-u", Some("bob"), Honours("remote_user = bob  (cli: -u)")),
    (
        "--user",
        Some("bob"),
        Honours("remote_user = bob  (cli: -u)"),
    ),
    ("-c", Some("local"), Honours("transport = local  (cli: -c)")),
    (
        "--connection",
        Some("ssh"),
        Honours("transport = ssh  (cli: -c)"),
    ),
    ("-T", Some("7"), Honours("timeout = 7  (cli: -T)")),
    ("--timeout", Some("7"), Honours("timeout = 7  (cli: -T)")),
    (
        "--ssh-common-args",
        Some("-o StrictHostKeyChecking=no"),
        Honours("ssh_common_args = -o StrictHostKeyChecking=no  (cli: --ssh-common-args)"),
    ),
    ("--sftp-extra-args", Some("-l 100"), Refuses),
    ("--scp-extra-args", Some("-l 100"), Refuses),
    (
        "--ssh-extra-args",
        Some("-o UserKnownHostsFile=/dev/null"),
        Honours("ssh_extra_args = -o UserKnownHostsFile=/dev/null  (cli: --ssh-extra-args)"),
    ),
    ("-k", None, Honours("ask_pass = True  (cli: -k)")),
    ("--ask-pass", None, Honours("ask_pass = True  (cli: -k)")),
    (
        "--connection-password-file",
        Some("pw"),
        Honours("connection_password_file = pw  (cli: --connection-password-file)"),
    ),
    (
        "--conn-pass-file",
        Some("pw"),
        Honours("connection_password_file = pw  (cli: --connection-password-file)"),
    ),
    (
        "--force-handlers",
        None,
        Honours("force_handlers = True  (cli: --force-handlers)"),
    ),
    ("-b", None, Honours("become = True  (cli: -b)")),
    ("--become", None, Honours("become = True  (cli: -b)")),
    (
        "--become-method",
        Some("su"),
        Honours("become_method = su  (cli: --become-method)"),
    ),
    (
        "--become-user",
        Some("app"),
        Honours("become_user = app  (cli: --become-user)"),
    ),
    ("-K", None, Honours("become_ask_pass = True  (cli: -K)")),
    (
        "--ask-become-pass",
        None,
        Honours("become_ask_pass = True  (cli: -K)"),
    ),
    (
        "--become-password-file",
        Some("pw"),
        Honours("become_password_file = pw  (cli: --become-password-file)"),
    ),
    (
        "--become-pass-file",
        Some("pw"),
        Honours("become_password_file = pw  (cli: --become-password-file)"),
    ),
    ("-t", Some("a,b"), Honours("tags run = a,b  (cli: -t)")),
    ("--tags", Some("a"), Honours("tags run = a  (cli: -t)")),
    (
        "--skip-tags",
        Some("slow"),
        Honours("tags skip = slow  (cli: --skip-tags)"),
    ),
    ("-C", None, Honours("")),
    ("--check", None, Honours("")),
    ("-D", None, Honours("diff always = True  (cli: -D)")),
    ("--diff", None, Honours("diff always = True  (cli: -D)")),
    (
        "-i",
        Some("inv.ini"),
        Honours("inventory = inv.ini  (cli: -i)"),
    ),
    (
        "--inventory",
        Some("inv.ini"),
        Honours("inventory = inv.ini  (cli: -i)"),
    ),
    (
        "--inventory-file",
        Some("inv.ini"),
        Honours("inventory = inv.ini  (cli: -i)"),
    ),
    ("--list-hosts", None, Honours("")),
    ("-l", Some("web"), Honours("")),
    ("--limit", Some("web"), Honours("")),
    ("--flush-cache", None, Honours("")),
    ("-e", Some("a=1"), Honours("")),
    ("--extra-vars", Some("a=1"), Honours("")),
    ("--vault-id", Some("x"), Refuses),
    ("-J", None, Refuses),
    ("--ask-vault-password", None, Refuses),
    ("--ask-vault-pass", None, Refuses),
    ("--vault-password-file", Some("x"), Refuses),
    ("--vault-pass-file", Some("x"), Refuses),
    ("-f", Some("3"), Honours("forks = 3  (cli: -f)")),
    ("--forks", Some("3"), Honours("forks = 3  (cli: -f)")),
    ("-M", Some("lib"), Refuses),
    ("--module-path", Some("lib"), Refuses),
    ("--syntax-check", None, Honours("")),
    ("--list-tasks", None, Honours("")),
    ("--list-tags", None, Refuses),
    ("--step", None, Refuses),
    ("--start-at-task", Some("x"), Honours("")),
];

/// The flags of the installed `ansible-playbook --help`.
fn ansible_playbook_flags() -> BTreeSet<String> {
    let out = Command::new("ansible-playbook")
        .arg("--help")
        .output()
        .expect("ansible-playbook (pip install ansible-core==2.19.14)");
    let help = String::from_utf8_lossy(&out.stdout);
    let mut flags = BTreeSet::new();
    for line in help.lines().filter(|l| l.starts_with("  -")) {
        for part in line.trim().split(", ") {
            let word = part.split_whitespace().next().unwrap_or("");
            if word.starts_with('-') {
                flags.insert(word.to_owned());
            }
        }
    }
    flags
}

#[test]
fn every_ansible_playbook_flag_is_honoured_or_refused() {
    let theirs = ansible_playbook_flags();
    let ours: BTreeSet<String> = FLAGS.iter().map(|(f, _, _)| (*f).to_owned()).collect();
    assert_eq!(ours.len(), FLAGS.len(), "a flag is listed twice");
    assert_eq!(
        theirs.symmetric_difference(&ours).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "ansible-playbook's flags and this list differ"
    );
    let w = World::new();
    w.write("cwd/inv.ini", "web1 ansible_connection=local\n");
    for (flag, value, does) in FLAGS {
        let mut args = vec!["playbook", *flag];
        args.extend(value.iter().copied());
        args.extend(["--print-config", "site.yml"]);
        let out = w.konvoy(&args, &[]);
        let t = text(&out);
        match does {
            Honours(shown) => {
                assert!(out.status.success(), "{flag}: {t}");
                assert!(t.contains(shown), "{flag}: expected {shown:?} in:\n{t}");
            }
            Refuses => {
                assert!(matches!(out.status.code(), Some(2 | 5)), "{flag}: {t}");
                assert!(
                    t.contains(&format!(
                        "error: unsupported ansible-playbook flag `{flag}`: "
                    )) || t.contains(&format!("`{flag}` is set to")),
                    "{flag}: {t}"
                );
            }
        }
    }
}

#[test]
fn flags_beat_the_environment_and_the_file() {
    let w = World::new();
    w.write(
        "cwd/ansible.cfg",
        "[defaults]\nremote_user = cfguser\nforks = 9\ntimeout = 30\n[privilege_escalation]\nbecome_method = su\n",
    );
    let out = w.konvoy(
        &[
            "playbook",
            "site.yml",
            "--print-config",
            "-u",
            "flaguser",
            "--become-method",
            "sudo",
        ],
        &[
            ("ANSIBLE_REMOTE_USER", "envuser"),
            ("ANSIBLE_TIMEOUT", "40"),
        ],
    );
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    for want in [
        "remote_user = flaguser  (cli: -u)",
        "become_method = sudo  (cli: --become-method)",
        "timeout = 40  (env: ANSIBLE_TIMEOUT)",
        &format!("forks = 9  ({}:3:1)", w.path("cwd/ansible.cfg").display()),
    ] {
        assert!(t.contains(want), "missing {want:?} in:\n{t}");
    }
    // A flag with a value konvoy-image does not do is refused like the setting.
    let out = w.konvoy(&["playbook", "site.yml", "--become-method", "doas"], &[]);
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    assert!(
        text(&out).contains("error: command line: `--become-method` is set to `doas`, which konvoy-image does not support"),
        "{}",
        text(&out)
    );
}
