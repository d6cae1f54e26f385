//! Turning an [`ExecRequest`](super::ExecRequest) into what is sent to a
//! host: a short, fixed *bootstrap* as the SSH `exec` text, and the real
//! command (with its environment) as the first bytes of stdin.
//!
//! Why: the `exec` text becomes the argv of the remote login shell, which
//! every local user can read in `ps` or `/proc/*/cmdline`, and it must fit
//! in one SSH packet (about 32 KiB). The bootstrap only says how many
//! bytes to read, so command text, `environment:` values and anything a
//! `no_log` task templated into its command never appear in a process
//! table, and a command of any size runs. The bootstrap reads exactly that
//! many bytes with `dd iflag=fullblock` (GNU and busybox read no further,
//! so the caller's own stdin follows untouched), refuses a script that
//! arrived cut short (it must end with [`SCRIPT_END`]) and `eval`s it in
//! `/bin/sh`, never the login shell, which may be `csh` or `fish`.
//!
//! With a deadline the script runs in a subshell next to a watchdog that
//! kills the whole process group (`kill -KILL 0`) when time is up, so a
//! timed-out command leaves no process behind on the host, even when the
//! connection is gone by then.
//!
//! Everything here is pure string building with [`crate::shell`], so the
//! exact text is unit-tested without a host.

use super::become_::{self, BecomeSession};
use super::spec::Become;
use super::{Privilege, TransportError};
use crate::shell::quote;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The last line of every script: a script that arrives without it was cut
/// off in transit and is not run.
pub(crate) const SCRIPT_END: &str = "# KONVOY-SCRIPT-END";

/// Exit code of the bootstrap when the script could not be read whole.
pub(crate) const INCOMPLETE_RC: i32 = 125;

/// A command ready to send: the bootstrap text, the script for its stdin,
/// and what the become handshake needs.
#[derive(Debug)]
pub(crate) struct Prepared {
    /// Shell text for the login shell of the remote user: the bootstrap,
    /// wrapped in become when asked. Holds no caller data.
    pub(crate) text: String,
    /// Sent on stdin before the caller's stdin (after become succeeded):
    /// the environment exports and the command.
    pub(crate) payload: Vec<u8>,
    /// The prompt/marker handshake, when become is used.
    pub(crate) become_: Option<BecomeSession>,
    /// `su` needs a terminal; sudo and plain commands do not.
    pub(crate) pty: bool,
}

/// Builds the bootstrap and script for `command` with `env`, wrapped in
/// become when `privilege` asks for it and the host has become settings.
/// With `deadline`, the host kills the command's process group once it
/// has run that long (rounded up to whole seconds).
pub(crate) fn prepare(
    host: &str,
    become_spec: Option<&Become>,
    command: &str,
    env: &[(String, String)],
    privilege: Privilege,
    deadline: Option<Duration>,
) -> Result<Prepared, TransportError> {
    let payload = script(host, command, env)?;
    let body = bootstrap(payload.len(), deadline);
    match (privilege, become_spec) {
        (Privilege::Become, Some(spec)) => {
            let (text, session, pty) = become_::wrap(spec, &body);
            Ok(Prepared {
                text,
                payload,
                become_: Some(session),
                pty,
            })
        }
        _ => Ok(Prepared {
            text: format!("/bin/sh -c {}", quote(&body)),
            payload,
            become_: None,
            pty: false,
        }),
    }
}

/// How many lines the `export`s of `env` take before a command's first
/// line (a value may hold newlines): a shell message naming a line of the
/// command names it that much further down.
pub(crate) fn env_lines(env: &[(String, String)]) -> usize {
    env.iter().map(|(_, v)| 1 + v.matches('\n').count()).sum()
}

/// The script: one `export` per environment variable, the command, and
/// the end marker.
fn script(host: &str, command: &str, env: &[(String, String)]) -> Result<Vec<u8>, TransportError> {
    let mut s = String::with_capacity(command.len() + 64);
    for (key, value) in env {
        if !is_env_name(key) {
            return Err(TransportError::InvalidEnvName {
                host: host.to_owned(),
                name: key.clone(),
            });
        }
        s.push_str("export ");
        s.push_str(key);
        s.push('=');
        s.push_str(&quote(value));
        s.push('\n');
    }
    s.push_str(command);
    s.push('\n');
    s.push_str(SCRIPT_END);
    Ok(s.into_bytes())
}

/// The fixed text that reads `len` bytes of script from stdin and runs
/// it; one line, so any login shell passes it on unchanged.
pub(crate) fn bootstrap(len: usize, deadline: Option<Duration>) -> String {
    let mut s = format!(
        "konvoy_s=$(dd bs={len} count=1 iflag=fullblock 2>/dev/null) || exit {INCOMPLETE_RC}; \
         case $konvoy_s in *'{SCRIPT_END}') ;; \
         *) echo 'konvoy: the command arrived incomplete' >&2; exit {INCOMPLETE_RC};; esac; "
    );
    match deadline {
        None => s.push_str("eval \"$konvoy_s\""),
        Some(limit) => {
            let secs = limit.as_secs() + u64::from(limit.subsec_nanos() > 0);
            // The subshell gets the real stdin back (an asynchronous list
            // starts on /dev/null); the watchdog sleeps in 1 s steps so
            // that ending it early leaves at most a 1 s `sleep` behind,
            // and it holds none of the channel's streams open.
            s.push_str(&format!(
                "exec 3<&0; (eval \"$konvoy_s\") <&3 3<&- & konvoy_c=$!; exec 3<&-; \
                 (konvoy_i=0; while [ $konvoy_i -lt {secs} ]; do sleep 1; \
                 konvoy_i=$((konvoy_i+1)); done; kill -KILL 0) </dev/null >/dev/null 2>&1 & \
                 konvoy_w=$!; wait $konvoy_c; konvoy_r=$?; kill $konvoy_w 2>/dev/null; \
                 exit $konvoy_r"
            ));
        }
    }
    s
}

/// POSIX name: a letter or `_`, then letters, digits or `_`.
fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A value unique per call in this process (and unlikely across
/// processes): names temp files and become markers.
pub(crate) fn nonce() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let mixed =
        nanos ^ (u64::from(std::process::id()) << 40) ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    format!("{mixed:016x}{n:x}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::process::{Command, Stdio};
    use std::time::Instant;

    /// Runs `prepared` with the real `sh` (or `busybox sh`) of this
    /// machine, feeding the payload then `stdin`, as a transport does.
    fn run(shell: &[&str], p: &Prepared, stdin: &[u8]) -> (i32, String, String) {
        let body = p
            .text
            .strip_prefix("/bin/sh -c ")
            .expect("a plain bootstrap");
        let body = unquote(body);
        let mut child = Command::new(shell[0])
            .args(&shell[1..])
            .arg("-c")
            .arg(body)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut input = p.payload.clone();
        input.extend_from_slice(stdin);
        let mut pipe = child.stdin.take().unwrap();
        let writer = std::thread::spawn(move || {
            let _ = pipe.write_all(&input);
        });
        let out = child.wait_with_output().unwrap();
        writer.join().unwrap();
        use std::os::unix::process::ExitStatusExt;
        (
            out.status
                .code()
                .or_else(|| out.status.signal().map(|s| 128 + s))
                .unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Undoes [`quote`] for one word (test helper).
    fn unquote(s: &str) -> String {
        let mut out = String::new();
        let mut rest = s;
        while !rest.is_empty() {
            if let Some(r) = rest.strip_prefix('\'') {
                let end = r.find('\'').unwrap();
                out.push_str(&r[..end]);
                rest = &r[end + 1..];
            } else if let Some(r) = rest.strip_prefix("\"'\"") {
                out.push('\'');
                rest = r;
            } else {
                let c = rest.chars().next().unwrap();
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
        out
    }

    #[test]
    fn the_exec_text_holds_no_command_and_no_environment() {
        let env = vec![("TOKEN".to_owned(), "s3cret value".to_owned())];
        let p = prepare("h", None, "echo hidden-words", &env, Privilege::User, None).unwrap();
        assert!(p.text.starts_with("/bin/sh -c "), "{}", p.text);
        assert!(!p.text.contains("hidden-words") && !p.text.contains("s3cret"));
        assert!(!p.text.contains('\n'), "one line for any login shell");
        let script = String::from_utf8(p.payload.clone()).unwrap();
        assert_eq!(
            script,
            format!("export TOKEN='s3cret value'\necho hidden-words\n{SCRIPT_END}")
        );
        assert!(p.text.contains(&format!("bs={}", p.payload.len())));
        assert!(p.become_.is_none() && !p.pty);
    }

    #[test]
    fn dash_bash_and_busybox_run_the_script_then_pass_stdin_on() {
        let nasty = "a b'c\"d$(echo pwned)`echo pwned`;*?\\$HOME\nline two";
        let env = vec![("V".to_owned(), nasty.to_owned())];
        let cmd = "printf '%s|' \"$V\"; cat; exit 7";
        let p = prepare("h", None, cmd, &env, Privilege::User, None).unwrap();
        for shell in [&["dash"][..], &["bash"], &["busybox", "sh"]] {
            let (rc, out, err) = run(shell, &p, b"caller \x00stdin");
            assert_eq!(rc, 7, "{shell:?}: {err}");
            assert_eq!(out, format!("{nasty}|caller \0stdin"), "{shell:?}");
        }
    }

    #[test]
    fn a_script_cut_short_is_not_run() {
        let p = prepare("h", None, "echo ran", &[], Privilege::User, None).unwrap();
        let cut = Prepared {
            payload: p.payload[..p.payload.len() - 3].to_vec(),
            text: p.text.clone(),
            become_: None,
            pty: false,
        };
        let (rc, out, err) = run(&["dash"], &cut, b"");
        assert_eq!((rc, out.as_str()), (INCOMPLETE_RC, ""));
        assert!(err.contains("arrived incomplete"), "{err}");
    }

    #[test]
    fn a_megabyte_command_runs() {
        let filler = format!(": {}\n", "x".repeat(1000)).repeat(1100);
        let cmd = format!("{filler}echo done");
        let p = prepare("h", None, &cmd, &[], Privilege::User, None).unwrap();
        assert!(p.payload.len() > 1 << 20 && p.text.len() < 400);
        assert_eq!(run(&["dash"], &p, b"").1, "done\n");
    }

    #[test]
    fn a_deadline_kills_the_whole_process_group() {
        let marker = format!("konvoy-test-{}", nonce());
        let cmd = format!("sh -c 'sleep 30; : {marker}' & sleep 30; echo late");
        let p = prepare(
            "h",
            None,
            &cmd,
            &[],
            Privilege::User,
            Some(Duration::from_millis(900)),
        )
        .unwrap();
        let started = Instant::now();
        // In its own session, as sshd starts a command.
        let (rc, out, _) = run(&["setsid", "-w", "dash"], &p, b"");
        let took = started.elapsed();
        assert_eq!((rc, out.as_str()), (137, ""));
        assert!(took < Duration::from_secs(5), "{took:?}");
        let left = Command::new("pgrep")
            .arg("-f")
            .arg(&marker)
            .output()
            .unwrap();
        assert!(left.stdout.is_empty(), "orphans: {:?}", left.stdout);
        // A command that ends in time keeps its exit code and stdin.
        let p = prepare(
            "h",
            None,
            "cat; exit 3",
            &[],
            Privilege::User,
            Some(Duration::from_secs(20)),
        )
        .unwrap();
        let started = Instant::now();
        assert_eq!(
            run(&["setsid", "-w", "dash"], &p, b"in"),
            (3, "in".to_owned(), String::new())
        );
        assert!(started.elapsed() < Duration::from_secs(2));
    }

    #[test]
    fn bad_env_name_is_an_error() {
        let env = vec![("A-B".to_owned(), "x".to_owned())];
        let err = prepare("node1", None, "true", &env, Privilege::User, None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "environment variable name `A-B` is not valid for `node1`"
        );
    }

    #[test]
    fn become_without_spec_runs_plainly() {
        let p = prepare("h", None, "id", &[], Privilege::Become, None).unwrap();
        assert!(p.text.starts_with("/bin/sh -c "));
        assert!(p.become_.is_none());
    }

    #[test]
    fn nonces_differ() {
        assert_ne!(nonce(), nonce());
    }
}
