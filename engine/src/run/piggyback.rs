//! Piggybacking: while a host is changing (a cold run), the probes of the
//! next task (or loop item) travel in the same command as the apply
//! before it, so a task that probes and then applies costs one round trip
//! instead of two.
//!
//! The apply runs first, alone in a subshell with its own stdin, exactly
//! as it would as a command of its own; its output, up to a separator no
//! output can forge (a nonce), and its exit status are the apply's. The
//! probes run after it, read-only, with no stdin, their errors out of the
//! apply's stderr ([`super::prefetch::batch_script`]). Their answers are
//! what the next task's own probes would read, as long as nothing writes
//! to the host in between: they are kept only when the host's write stamp
//! after the command is still the stamp when the task ends
//! ([`super::probe_cache`]), and the next task asks them again by exact
//! text and context. A wrong guess costs bytes, never a different result.
//!
//! Only where the command is not changed by how it travels: no timeout
//! (the probes would eat into it), no `no_log` probes shown in the
//! apply's trace, and no `su` (its terminal may change the bytes).

use super::prefetch::{batch_script, parse_batch, split_facts};
use super::probe_cache::ProbeContext;
use crate::modules::ExecOutput;
use crate::transport::{BecomeMethod, Privilege};

/// Probes for the next apply to carry, in the context they are for.
#[derive(Clone, Debug)]
pub(crate) struct Piggyback {
    /// How the next task sends them.
    pub context: ProbeContext,
    /// Their texts.
    pub probes: Vec<String>,
}

impl Piggyback {
    /// `Some` when `probes` may ride on an apply sent in `context` (see
    /// the module docs).
    pub(crate) fn new(context: ProbeContext, probes: Vec<String>, hidden: bool) -> Option<Self> {
        let su = context.privilege == Privilege::Become
            && context
                .spec
                .become_
                .as_ref()
                .is_some_and(|b| b.method == BecomeMethod::Su);
        (!hidden && !su && !probes.is_empty()).then_some(Piggyback { context, probes })
    }
}

/// The apply `script`, then the separator line, then `probes` framed
/// (`pad`: see [`super::prefetch::framed`]); the command exits with the
/// apply's status. The apply starts on the first line, so the shell's
/// messages name the same line numbers.
pub(crate) fn script(apply: &str, probes: &[String], separator: &str, pad: usize) -> String {
    format!(
        "( {apply}\n)\nkonvoy_rc=$?\nprintf '\\n\\036%s\\n' {sep}\n(\n{batch}\n) </dev/null 2>/dev/null\nexit $konvoy_rc\n",
        sep = crate::shell::quote(separator),
        batch = batch_script(probes, pad),
    )
}

/// The apply's own output and the probes' answers (`None` when they did
/// not all arrive intact) from the output of [`script`].
pub(crate) fn split(
    out: ExecOutput,
    separator: &str,
    n: usize,
) -> (ExecOutput, Option<Vec<ExecOutput>>) {
    let Some((mine, batch)) = split_facts(&out.stdout, separator) else {
        return (out, None);
    };
    let answers = parse_batch(batch, n);
    let apply = ExecOutput {
        stdout: mine.to_vec(),
        stderr: out.stderr,
        rc: out.rc,
    };
    (apply, answers)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::run::remote::local_sh::sh;

    /// The apply sees its stdin, keeps its output, errors and status
    /// (even when it exits early), and the probes answer after it ran.
    #[test]
    fn apply_output_is_its_own_and_probes_see_its_effect() {
        let dir = std::env::temp_dir().join(format!("konvoy-pig-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("f");
        let apply = format!(
            "cat > {f}; printf 'out-no-newline'; echo err >&2; exit 3",
            f = f.display()
        );
        let probes = vec![format!("cat {}", f.display()), "exit 5".to_owned()];
        let alone = sh(&apply, b"content");
        std::fs::remove_file(&f).unwrap();
        let out = sh(&script(&apply, &probes, "sep-1", 0), b"content");
        let (mine, answers) = split(out, "sep-1", 2);
        assert_eq!(mine, alone);
        assert_eq!(mine.stdout, b"out-no-newline");
        assert_eq!(mine.stderr, b"err\n");
        assert_eq!(mine.rc, 3);
        let answers = answers.expect("answers parse");
        assert_eq!(answers[0].stdout, b"content");
        assert_eq!(answers[1].rc, 5);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Output without the separator is the apply's, whole, with no answers.
    #[test]
    fn no_separator_no_answers() {
        let out = ExecOutput {
            stdout: b"x".to_vec(),
            stderr: vec![],
            rc: 1,
        };
        let (mine, answers) = split(out.clone(), "s", 1);
        assert_eq!(mine, out);
        assert!(answers.is_none());
    }
}
