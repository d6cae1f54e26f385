//! The only way to build text for a remote shell.
//!
//! Every runtime value that reaches a POSIX shell on a target goes through
//! [`quote`]. Literal shell syntax can only be a `&'static str`, so data
//! cannot reach the shell unquoted by accident.

use std::borrow::Cow;

/// Quotes `s` for POSIX `sh` so that the shell reads it back as exactly
/// `s`, as one word. Strings made only of safe characters pass through.
///
/// ```
/// assert_eq!(engine::shell::quote("plain"), "plain");
/// assert_eq!(engine::shell::quote("it's"), r#"'it'"'"'s'"#);
/// assert_eq!(engine::shell::quote(""), "''");
/// ```
pub fn quote(s: &str) -> Cow<'_, str> {
    let safe = |c: char| c.is_ascii_alphanumeric() || "@%+=:,./-_".contains(c);
    if !s.is_empty() && s.chars().all(safe) && !s.starts_with('=') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        if c == '\'' {
            out.push_str(r#"'"'"'"#);
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    Cow::Owned(out)
}

/// Python `shlex.split` (POSIX mode, no comments): how Ansible reads the
/// words of a command, of `ssh_args` and of a module's free-form options.
/// `None` on an unclosed quote or a trailing backslash, where `shlex`
/// raises.
///
/// ```
/// assert_eq!(
///     engine::shell::split_words(r#"a "b c" 'd'\ e"#).unwrap(),
///     ["a", "b c", "d e"]
/// );
/// assert_eq!(engine::shell::split_words("echo 'open"), None);
/// ```
pub fn split_words(s: &str) -> Option<Vec<String>> {
    split(s, false)
}

/// [`split_words`] that ends an unclosed quote (or drops a trailing
/// backslash) at the end of the text instead of refusing it: for text
/// that is only inspected (an option looked for), never run.
pub fn split_words_lossy(s: &str) -> Vec<String> {
    split(s, true).unwrap_or_default()
}

fn split(s: &str, lossy: bool) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = s.chars();
    // The end of the text inside a quote or after a backslash.
    let end = |cur: &mut String, words: &mut Vec<String>| -> Option<()> {
        lossy.then(|| words.push(std::mem::take(cur)))
    };
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => cur.push(c),
                        None => return end(&mut cur, &mut words).map(|()| words),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('\\' | '"' | '$' | '`' | '\n')) => cur.push(c),
                            Some(c) => {
                                cur.push('\\');
                                cur.push(c);
                            }
                            None => return end(&mut cur, &mut words).map(|()| words),
                        },
                        Some(c) => cur.push(c),
                        None => return end(&mut cur, &mut words).map(|()| words),
                    }
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some(c) => cur.push(c),
                    None => return end(&mut cur, &mut words).map(|()| words),
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    Some(words)
}

/// A shell command line assembled from literal syntax and quoted values.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cmd {
    text: String,
}

impl Cmd {
    /// Starts a command with a literal program name or shell syntax.
    pub fn new(program: &'static str) -> Cmd {
        Cmd {
            text: program.to_owned(),
        }
    }

    /// Starts a command whose program is given at run time (`become_exe:
    /// "sudo -E"`): split on whitespace, each word quoted.
    pub fn words(text: &str) -> Cmd {
        let mut cmd = Cmd::default();
        for word in text.split_whitespace() {
            cmd = cmd.arg(word);
        }
        cmd
    }

    /// Appends a value as one quoted word.
    pub fn arg(mut self, value: impl AsRef<str>) -> Cmd {
        self.space();
        self.text.push_str(&quote(value.as_ref()));
        self
    }

    /// Appends several values, each as one quoted word.
    pub fn args<I, S>(mut self, values: I) -> Cmd
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        for v in values {
            self = self.arg(v);
        }
        self
    }

    /// Appends literal shell text (a flag, an operator, a redirection).
    pub fn flag(mut self, literal: &'static str) -> Cmd {
        self.space();
        self.text.push_str(literal);
        self
    }

    /// `self && next`.
    pub fn and(mut self, next: Cmd) -> Cmd {
        self.text.push_str(" && ");
        self.text.push_str(&next.text);
        self
    }

    /// `self || next`.
    pub fn or(mut self, next: Cmd) -> Cmd {
        self.text.push_str(" || ");
        self.text.push_str(&next.text);
        self
    }

    /// The command line as `sh` will read it.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Consumes the builder, giving the command line.
    pub fn into_string(self) -> String {
        self.text
    }

    fn space(&mut self) {
        if !self.text.is_empty() && !self.text.ends_with(' ') {
            self.text.push(' ');
        }
    }
}

impl std::fmt::Display for Cmd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// A secret (a password): never printed, never put on a command line.
/// It reaches a host only on a channel's stdin.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }

    /// The secret itself, for writing to a channel's stdin only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(********)")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("********")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    /// For any string, `printf %s <quoted>` run by the real `sh` prints the
    /// string back unchanged.
    #[test]
    fn quote_round_trips_through_real_sh() {
        let cases = [
            "",
            "a",
            "a b",
            "it's",
            "'",
            "''",
            "\"",
            "$(id)",
            "`id`",
            "a\nb",
            "*",
            "?",
            "[a]",
            "-n",
            "--",
            "~",
            "a;b",
            "a|b",
            "a&b",
            "\\",
            "$HOME",
            "!",
            "#x",
            "=x",
            "é ü",
            "\t",
            "a'b\"c$d`e\\f",
        ];
        let mut script = String::new();
        for c in cases {
            script.push_str("printf '%s\\0' ");
            script.push_str(&quote(c));
            script.push('\n');
        }
        let out = Command::new("sh").arg("-c").arg(&script).output().unwrap();
        assert!(out.status.success());
        let got: Vec<&str> = std::str::from_utf8(&out.stdout)
            .unwrap()
            .split('\0')
            .collect();
        assert_eq!(&got[..cases.len()], &cases[..]);
    }

    #[test]
    fn cmd_quotes_args_and_keeps_flags() {
        let c = Cmd::new("mkdir")
            .flag("-p")
            .arg("/tmp/a b")
            .and(Cmd::new("true"));
        assert_eq!(c.as_str(), "mkdir -p '/tmp/a b' && true");
    }

    #[test]
    fn secret_never_displays() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s} {s:?}"), "******** Secret(********)");
    }
}
