//! Become: `sudo` and `su` around a command, and the handshake that feeds
//! the password.
//!
//! The password never goes on a command line. The wrapped command first
//! prints a one-time success marker; until the transport has seen it, the
//! output of sudo/su is scanned for a one-time prompt. On the prompt the
//! password is written to the channel's stdin; on the marker the caller's
//! stdin starts flowing and the output that follows is the command's own.
//! This is how Ansible drives `sudo -S` too, and it keeps working when
//! sudo does not ask (NOPASSWD, or root running `su`): the password is
//! then never sent at all.
//!
//! - `sudo`: flags from `ansible_become_flags` (default `-H -S -n`); with a
//!   password `-n` is dropped and `-S -p PROMPT` added. Prompt and marker
//!   travel on stderr, so stdout stays clean.
//! - `su`: needs a terminal, so the channel gets a pty (stdout and stderr
//!   merge). The prompt is su's own (`Password:`), read with `LC_ALL=C`;
//!   the wrapped command puts the terminal in raw mode (no echo, bytes
//!   pass unchanged) before the marker.

use super::command::nonce;
use super::spec::{Become, BecomeMethod};
use crate::shell::{Cmd, Secret};

/// Which output stream carries the become handshake.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HandshakeStream {
    /// sudo writes its prompt to stderr.
    Stderr,
    /// su on a pty: everything arrives on stdout.
    Stdout,
}

/// The state of one become handshake.
///
/// `Debug` shows no password: [`Secret`] redacts itself.
#[derive(Debug)]
pub(crate) struct BecomeSession {
    user: String,
    method: BecomeMethod,
    password: Option<Secret>,
    prompt: Option<String>,
    marker: String,
    seen: Vec<u8>,
    password_sent: bool,
    stream: HandshakeStream,
}

/// What the transport must do after feeding output to the handshake.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// Nothing decided yet; keep reading.
    Pending,
    /// Write the password line to stdin now.
    SendPassword,
    /// Become succeeded; these bytes (after the marker) are command output.
    Ready(Vec<u8>),
    /// Become failed for this reason.
    Failed(String),
}

/// Wraps the bootstrap `body` (one line of `sh` text) for `spec`;
/// returns the text, the handshake and whether a pty is needed.
pub(crate) fn wrap(spec: &Become, body: &str) -> (String, BecomeSession, bool) {
    let id = nonce();
    let marker = format!("KONVOY-BECOME-SUCCESS-{id}");
    match spec.method {
        BecomeMethod::Sudo => {
            let prompt = format!("[konvoy-sudo-{id}] password:");
            let flags = spec.flags.as_deref().unwrap_or("-H -S -n");
            let mut cmd = Cmd::words(spec.exe.as_deref().unwrap_or("sudo"));
            let has_password = spec.password.is_some();
            let flags = if has_password {
                without_non_interactive(flags)
            } else {
                flags.split_whitespace().map(str::to_owned).collect()
            };
            if has_password && !flags.iter().any(|f| f == "-S") {
                cmd = cmd.flag("-S");
            }
            cmd = cmd.args(&flags);
            // Always our own prompt: even a spec without a password must be
            // able to tell "sudo wants a password" from silence.
            cmd = cmd.flag("-p").arg(&prompt);
            let script = format!("echo {marker} >&2; {body}");
            let text = cmd
                .flag("-u")
                .arg(&spec.user)
                .flag("-- /bin/sh -c")
                .arg(script)
                .into_string();
            let session = BecomeSession::new(spec, marker, Some(prompt), HandshakeStream::Stderr);
            (text, session, false)
        }
        BecomeMethod::Su => {
            let mut cmd = Cmd::new("env LC_ALL=C")
                .args(spec.exe.as_deref().unwrap_or("su").split_whitespace());
            if let Some(flags) = &spec.flags {
                cmd = cmd.args(flags.split_whitespace());
            }
            // Raw mode: the script that follows on stdin passes the
            // terminal byte for byte (no line editing, no `^C`, no echo).
            let inner = crate::shell::quote(body);
            let script =
                format!("stty raw -echo 2>/dev/null; echo {marker}; exec /bin/sh -c {inner}");
            let text = cmd.arg(&spec.user).flag("-c").arg(script).into_string();
            let session = BecomeSession::new(spec, marker, None, HandshakeStream::Stdout);
            (text, session, true)
        }
    }
}

/// sudo's flags with non-interactive mode taken out, as Ansible's sudo
/// plugin does when it has a password: `-n` and `--non-interactive` are
/// dropped and the first `n` of a combined short flag (`-Hn` → `-H`) too.
fn without_non_interactive(flags: &str) -> Vec<String> {
    flags
        .split_whitespace()
        .filter(|f| !matches!(*f, "-n" | "--non-interactive"))
        .map(|f| match f.strip_prefix('-') {
            Some(short) if !short.starts_with('-') => {
                let letters = short.find(|c: char| !c.is_alphanumeric() && c != '_');
                let word = &short[..letters.unwrap_or(short.len())];
                match word.find('n') {
                    Some(at) => format!("-{}{}", &short[..at], &short[at + 1..]),
                    None => f.to_owned(),
                }
            }
            _ => f.to_owned(),
        })
        .collect()
}

impl BecomeSession {
    fn new(spec: &Become, marker: String, prompt: Option<String>, stream: HandshakeStream) -> Self {
        BecomeSession {
            user: spec.user.clone(),
            method: spec.method,
            password: spec.password.clone(),
            prompt,
            marker,
            seen: Vec::new(),
            password_sent: false,
            stream,
        }
    }

    /// The stream to feed to [`BecomeSession::feed`].
    pub(crate) fn stream(&self) -> HandshakeStream {
        self.stream
    }

    /// The user being become (for errors).
    pub(crate) fn user(&self) -> &str {
        &self.user
    }

    /// The password line to write after [`Step::SendPassword`].
    pub(crate) fn password_line(&self) -> Vec<u8> {
        let mut line = self
            .password
            .as_ref()
            .map(|p| p.expose().as_bytes().to_vec())
            .unwrap_or_default();
        line.push(b'\n');
        line
    }

    /// Feeds output of the handshake stream.
    pub(crate) fn feed(&mut self, data: &[u8]) -> Step {
        self.seen.extend_from_slice(data);
        let marker = self.marker.as_bytes();
        if let Some(at) = find(&self.seen, marker) {
            let mut rest = self.seen.split_off(at + marker.len());
            if rest.first() == Some(&b'\r') {
                rest.remove(0);
            }
            if rest.first() == Some(&b'\n') {
                rest.remove(0);
            }
            return Step::Ready(rest);
        }
        if !self.ends_with_prompt() {
            return Step::Pending;
        }
        if self.password.is_none() {
            return Step::Failed("a password is required".to_owned());
        }
        if self.password_sent {
            return Step::Failed("incorrect password".to_owned());
        }
        self.password_sent = true;
        self.seen.clear();
        Step::SendPassword
    }

    /// The reason to report when the stream ended before the marker.
    pub(crate) fn failure_at_eof(&self) -> String {
        let text = String::from_utf8_lossy(&self.seen);
        let text = text.trim();
        if text.is_empty() {
            "the command ended before become succeeded".to_owned()
        } else if self.password_sent && self.method == BecomeMethod::Su {
            format!("incorrect password ({text})")
        } else {
            text.to_owned()
        }
    }

    fn ends_with_prompt(&self) -> bool {
        let text = String::from_utf8_lossy(&self.seen);
        let text = text.trim_end();
        match &self.prompt {
            Some(prompt) => text.ends_with(prompt.as_str()),
            // su's prompt, whatever the translation of "Password" is not
            // known in C locale: "Password:".
            None => text.ends_with(':') && text.to_ascii_lowercase().contains("password"),
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sudo(password: Option<&str>) -> Become {
        Become {
            method: BecomeMethod::Sudo,
            user: "root".to_owned(),
            password: password.map(Secret::new),
            flags: None,
            exe: None,
        }
    }

    #[test]
    fn sudo_without_password_is_non_interactive() {
        let (text, session, pty) = wrap(&sudo(None), "id");
        assert!(
            text.starts_with("sudo -H -S -n -p '[konvoy-sudo-"),
            "{text}"
        );
        assert!(text.contains("password:' -u root -- /bin/sh -c "), "{text}");
        assert!(!pty);
        assert_eq!(session.stream(), HandshakeStream::Stderr);
    }

    #[test]
    fn sudo_with_password_prompts_and_never_shows_it() {
        let spec = sudo(Some("hunter2"));
        let (text, session, _) = wrap(&spec, "id");
        assert!(text.starts_with("sudo -H -S -p '[konvoy-sudo-"), "{text}");
        assert!(!text.contains("hunter2"));
        assert!(!format!("{session:?}").contains("hunter2"));
        assert!(!format!("{spec:?}").contains("hunter2"));
    }

    #[test]
    fn exe_and_flags_as_ansible_builds_them() {
        let spec = Become {
            flags: Some("-H -Sn -E".to_owned()),
            exe: Some("/usr/local/bin/sudo".to_owned()),
            ..sudo(Some("pw"))
        };
        let (text, _, _) = wrap(&spec, "true");
        assert!(
            text.starts_with("/usr/local/bin/sudo -H -S -E -p '[konvoy-sudo-"),
            "{text}"
        );
        assert_eq!(
            without_non_interactive("--non-interactive -nH -k"),
            ["-H", "-k"]
        );
        let su = Become {
            method: BecomeMethod::Su,
            flags: Some("-l".to_owned()),
            exe: Some("/bin/su".to_owned()),
            ..sudo(None)
        };
        let (text, _, _) = wrap(&su, "true");
        assert!(
            text.starts_with("env LC_ALL=C /bin/su -l root -c "),
            "{text}"
        );
    }

    #[test]
    fn handshake_sends_password_once_then_fails_on_second_prompt() {
        let (_, mut s, _) = wrap(&sudo(Some("pw")), "true");
        let prompt = s.prompt.clone().unwrap();
        assert_eq!(s.feed(b"[konvoy"), Step::Pending);
        assert_eq!(s.feed(&prompt.as_bytes()[7..]), Step::SendPassword);
        assert_eq!(s.password_line(), b"pw\n");
        let again = format!("Sorry, try again.\n{prompt}");
        assert_eq!(
            s.feed(again.as_bytes()),
            Step::Failed("incorrect password".to_owned())
        );
    }

    #[test]
    fn handshake_ready_returns_output_after_marker() {
        let (_, mut s, _) = wrap(&sudo(None), "true");
        let out = format!("{}\nwarning: x\n", s.marker);
        assert_eq!(
            s.feed(out.as_bytes()),
            Step::Ready(b"warning: x\n".to_vec())
        );
    }

    #[test]
    fn prompt_without_password_fails() {
        let spec = Become {
            method: BecomeMethod::Su,
            user: "kib".to_owned(),
            password: None,
            flags: None,
            exe: None,
        };
        let (text, mut s, pty) = wrap(&spec, "true");
        assert!(pty);
        assert!(text.starts_with("env LC_ALL=C su kib -c "), "{text}");
        assert_eq!(
            s.feed(b"Password: "),
            Step::Failed("a password is required".to_owned())
        );
    }
}
