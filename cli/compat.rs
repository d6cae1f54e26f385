//! What konvoy-image-builder (KIB) users type, before clap sees it.
//!
//! - KIB's verbosity is a number: `-v 5`, `--v 5`, `--v=5`, `-v5`; here it
//!   becomes that many `-v` (Ansible's count), which KIB passed on too.
//! - KIB's `--color=false` (it only coloured Packer) is `--no-color`.
//! - KIB commands and flags this tool does not have fail with a message
//!   that says why and what to use, instead of clap's generic "unexpected
//!   argument".

use std::ffi::OsString;

/// KIB subcommands that do not exist here, with the reason.
const KIB_COMMANDS: &[(&str, &str)] = &[
    (
        "build",
        "`build` makes machine images with Packer; konvoy-image provisions machines that \
         already run: `konvoy-image provision IMAGE --inventory-file INVENTORY`",
    ),
    (
        "generate",
        "`generate` wrote KIB's work dir (`ansible_vars.yaml`); `konvoy-image provision` \
         merges the configuration on every run and records it in the run folder \
         (`konvoy-runs/<run>/variables.yaml`)",
    ),
    (
        "validate",
        "`validate` (KIB's preflight playbook) is not part of konvoy-image; run your checks \
         as a playbook with `konvoy-image playbook -i INVENTORY checks.yaml`",
    ),
    (
        "generate-docs",
        "the documentation is generated from the command definitions: \
         `konvoy-image man` and `konvoy-image completion bash|zsh|fish`",
    ),
];

/// KIB flags that do not exist here, with the reason.
const KIB_FLAGS: &[(&str, &str)] = &[];

/// ansible-playbook 2.19 flags konvoy-image refuses, with the reason (every
/// other flag of `ansible-playbook --help` is honoured; see
/// tests/cli/flags.rs, which checks the list against ansible-playbook).
pub(crate) const REFUSED_ANSIBLE_FLAGS: &[(&str, &str)] = &[
    (
        "--step",
        "confirming each task before it runs (`--step`) is not implemented",
    ),
    ("--vault-id", VAULT),
    ("--vault-password-file", VAULT),
    ("--vault-pass-file", VAULT),
    ("-J", VAULT),
    ("--ask-vault-password", VAULT),
    ("--ask-vault-pass", VAULT),
    (
        "-M",
        "konvoy-image loads no Python modules: its modules are built in",
    ),
    (
        "--module-path",
        "konvoy-image loads no Python modules: its modules are built in",
    ),
    (
        "--list-tags",
        "`--list-tags` is not implemented; `--list-tasks` shows every task with its tags",
    ),
    (
        "--version",
        "the version is `konvoy-image --version` (or `konvoy-image version`)",
    ),
];

const VAULT: &str = "vault-encrypted content is refused wherever it appears, so konvoy-image \
     takes no vault password";

/// The arguments clap should parse, or the message for a KIB command or
/// flag this tool does not have.
pub(crate) fn normalise(args: Vec<OsString>) -> Result<Vec<OsString>, String> {
    let mut out = Vec::with_capacity(args.len());
    let mut iter = args.into_iter().peekable();
    if let Some(program) = iter.next() {
        out.push(program);
    }
    let mut seen_command = false;
    while let Some(arg) = iter.next() {
        let Some(text) = arg.to_str().map(str::to_owned) else {
            out.push(arg);
            continue;
        };
        if text == "--" {
            out.push(arg);
            out.extend(iter);
            break;
        }
        if !seen_command && !text.starts_with('-') {
            seen_command = true;
            if let Some((_, why)) = KIB_COMMANDS.iter().find(|(c, _)| *c == text) {
                return Err(format!("`{text}` is a konvoy-image-builder command that konvoy-image does not have: {why}"));
            }
        }
        let flag = text.split('=').next().unwrap_or("");
        if seen_command {
            if let Some((_, why)) = REFUSED_ANSIBLE_FLAGS.iter().find(|(f, _)| *f == flag) {
                return Err(format!("unsupported ansible-playbook flag `{flag}`: {why}"));
            }
        }
        if let Some((_, why)) = KIB_FLAGS.iter().find(|(f, _)| *f == flag) {
            return Err(format!(
                "unsupported konvoy-image-builder flag `{flag}`: {why}"
            ));
        }
        let count = match text.as_str() {
            "-v" | "--v" => iter
                .peek()
                .and_then(|n| n.to_str())
                .and_then(level)
                .inspect(|_| {
                    iter.next();
                }),
            _ => text
                .strip_prefix("--v=")
                .or_else(|| text.strip_prefix("-v="))
                .or_else(|| {
                    text.strip_prefix("-v")
                        .filter(|n| n.starts_with(|c: char| c.is_ascii_digit()))
                })
                .and_then(level),
        };
        if let Some(n) = count {
            out.extend((0..n).map(|_| OsString::from("-v")));
            continue;
        }
        match text.as_str() {
            "--color=false" => out.push("--no-color".into()),
            "--color" | "--color=true" => {}
            "--v" => out.push("-v".into()),
            _ => out.push(arg),
        }
    }
    Ok(out)
}

/// A KIB log level (0..=9).
fn level(text: &str) -> Option<usize> {
    let n: usize = text.parse().ok()?;
    (n <= 9).then_some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Result<Vec<String>, String> {
        normalise(args.iter().map(OsString::from).collect()).map(|v| {
            v.into_iter()
                .map(|s| s.to_string_lossy().into_owned())
                .collect()
        })
    }

    #[test]
    fn kib_verbosity_becomes_a_count() {
        let ok = |a: &[&str], want: &[&str]| assert_eq!(run(a).unwrap(), want, "{a:?}");
        ok(
            &["k", "provision", "-v", "3", "x.yaml"],
            &["k", "provision", "-v", "-v", "-v", "x.yaml"],
        );
        ok(
            &["k", "--v=2", "provision"],
            &["k", "-v", "-v", "provision"],
        );
        ok(
            &["k", "provision", "-v5"],
            &["k", "provision", "-v", "-v", "-v", "-v", "-v"],
        );
        ok(&["k", "provision", "-v", "0"], &["k", "provision"]);
        ok(
            &["k", "provision", "-vvv", "img"],
            &["k", "provision", "-vvv", "img"],
        );
        ok(
            &["k", "provision", "-v", "img"],
            &["k", "provision", "-v", "img"],
        );
        ok(
            &["k", "provision", "--color=false"],
            &["k", "provision", "--no-color"],
        );
    }

    #[test]
    fn kib_only_commands_and_flags_say_why() {
        let e = run(&["k", "build", "x.yaml"]).unwrap_err();
        assert!(e.contains("Packer"), "{e}");
        assert!(run(&["k", "provision", "--provider=", "-i", "h,"]).is_ok());
        assert!(run(&["k", "playbook", "-i", "h,", "build"]).is_ok());
    }
}
