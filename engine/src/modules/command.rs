//! `command`, `shell` and `raw`: run something on the host.
//!
//! Supported: free-form text (`_raw_params`) or `cmd`, `argv` (command),
//! `creates`, `removes`, `chdir`, `stdin`, `stdin_add_newline`,
//! `strip_empty_ends`, `executable` (shell). `warn` is accepted and ignored
//! (KIB-era playbooks pass it). `creates`/`removes` are checked in the same
//! script that runs the command, so a task costs one round trip either way.
//! `creates`/`removes` are globs, as in Ansible.

use super::args::{ArgError, ArgMap};
pub use super::argv::split_words;
use super::argv::{expand_word, needs_expansion};
use super::context::{ModuleContext, RunMode};
use super::outcome::{ModuleError, Outcome};
use super::Module;
use crate::shell::{quote, Cmd};
use crate::value::Value;
use std::time::{Instant, SystemTime};

/// Which of the three modules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    /// `command`: argv, no shell processing.
    Command,
    /// `shell`: the text goes to `/bin/sh -c` (or `executable`).
    Shell,
    /// `raw`: the text as-is, no checks, no chdir.
    Raw,
}

/// Arguments of `command`/`shell`/`raw`.
#[derive(Clone, Debug, PartialEq)]
pub struct CommandArgs {
    /// Which module.
    pub flavor: Flavor,
    /// The command text (shell/raw), or the argv (command).
    pub argv: Vec<String>,
    /// The command as written, for the `cmd` result key.
    pub text: String,
    /// Skip when this path exists.
    pub creates: Option<String>,
    /// Skip unless this path exists.
    pub removes: Option<String>,
    /// Directory to run in.
    pub chdir: Option<String>,
    /// Data for the command's stdin.
    pub stdin: Option<String>,
    /// Append a newline to `stdin` (default true).
    pub stdin_add_newline: bool,
    /// Strip trailing newlines from stdout/stderr (default true).
    pub strip_empty_ends: bool,
    /// Shell to use (shell module).
    pub executable: Option<String>,
    /// Expand `$VAR`, `${VAR}` and a leading `~` in each word on the host,
    /// as Ansible's `expand_argument_vars` (default true) does (command).
    pub expand_vars: bool,
    /// The task declares the command read-only (`changed_when: false`
    /// and `check_mode: false`): it runs as a probe, which a batch fetched
    /// ahead of time may answer (see [`Module::read_only`]).
    pub read_only: bool,
}

/// The `command` module.
pub struct CommandModule;
/// The `shell` module.
pub struct ShellModule;
/// The `raw` module.
pub struct RawModule;

fn parse_common(args: &mut ArgMap, flavor: Flavor) -> Result<CommandArgs, ArgError> {
    let raw = args.str(&["_raw_params"])?;
    let cmd = args.str(&["cmd"])?;
    let argv_list = if flavor == Flavor::Command {
        args.list(&["argv"])?
    } else {
        None
    };
    let text = raw.or(cmd);
    let (argv, text) = match (text, argv_list) {
        // The command module's argument spec: required_one_of and
        // mutually_exclusive over `_raw_params`, `cmd`, `argv`.
        (Some(_), Some(_)) => {
            return Err(ArgError::Invalid(
                "parameters are mutually exclusive: _raw_params|cmd|argv".into(),
            ))
        }
        (Some(t), None) => {
            let argv = if flavor == Flavor::Command {
                split_words(&t).ok_or_else(|| {
                    ArgError::Invalid(format!("cannot split command `{t}`: unbalanced quotes"))
                })?
            } else {
                vec![t.clone()]
            };
            (argv, t)
        }
        (None, Some(a)) => {
            let t = a.join(" ");
            (a, t)
        }
        (None, None) => {
            return Err(ArgError::Invalid(
                "one of the following is required: _raw_params, cmd, argv".into(),
            ))
        }
    };
    if argv.is_empty() || argv.iter().all(|a| a.trim().is_empty()) {
        return Err(ArgError::Invalid("no command given".into()));
    }
    let parsed = CommandArgs {
        flavor,
        argv,
        text,
        creates: args.str(&["creates"])?,
        removes: args.str(&["removes"])?,
        chdir: args.str(&["chdir"])?,
        stdin: args.str(&["stdin"])?,
        stdin_add_newline: args.bool(&["stdin_add_newline"])?.unwrap_or(true),
        strip_empty_ends: args.bool(&["strip_empty_ends"])?.unwrap_or(true),
        executable: args.str(&["executable"])?,
        expand_vars: flavor == Flavor::Command
            && args.bool(&["expand_argument_vars"])?.unwrap_or(true),
        read_only: false,
    };
    args.ignore(&["warn", "expand_argument_vars"]);
    args.finish(&[
        "cmd",
        "argv",
        "creates",
        "removes",
        "chdir",
        "stdin",
        "stdin_add_newline",
        "strip_empty_ends",
        "executable",
    ])?;
    Ok(parsed)
}

impl Module for CommandModule {
    type Args = CommandArgs;
    // One apply (a `stdin:` makes the item ineligible at run time).
    const FINAL_APPLY: bool = true;
    fn parse(args: &mut ArgMap) -> Result<CommandArgs, ArgError> {
        parse_common(args, Flavor::Command)
    }
    fn read_only(a: &mut CommandArgs) -> bool {
        mark_read_only(a)
    }
    fn probes(a: &CommandArgs) -> Vec<String> {
        read_only_probe(a)
    }
    fn run(a: &CommandArgs, ctx: &mut ModuleContext<'_>) -> Result<Outcome, ModuleError> {
        // Ansible's `command` takes `executable`, does not use it, and
        // says so in the result's `warnings`.
        let Some(exe) = &a.executable else {
            return run(a, ctx);
        };
        let plain = CommandArgs {
            executable: None,
            ..a.clone()
        };
        let warning = format!("As of Ansible 2.4, the parameter 'executable' is no longer supported with the 'command' module. Not using '{exe}'.");
        Ok(run(&plain, ctx)?.with("warnings", Value::List(vec![Value::Str(warning)])))
    }
}

impl Module for ShellModule {
    type Args = CommandArgs;
    // One apply (a `stdin:` makes the item ineligible at run time).
    const FINAL_APPLY: bool = true;
    fn parse(args: &mut ArgMap) -> Result<CommandArgs, ArgError> {
        parse_common(args, Flavor::Shell)
    }
    fn read_only(a: &mut CommandArgs) -> bool {
        mark_read_only(a)
    }
    fn probes(a: &CommandArgs) -> Vec<String> {
        read_only_probe(a)
    }
    fn run(a: &CommandArgs, ctx: &mut ModuleContext<'_>) -> Result<Outcome, ModuleError> {
        run(a, ctx)
    }
}

impl Module for RawModule {
    type Args = CommandArgs;
    fn parse(args: &mut ArgMap) -> Result<CommandArgs, ArgError> {
        let raw = args.required_str(&["_raw_params"])?;
        args.ignore(&["executable"]);
        args.finish(&["executable"])?;
        Ok(CommandArgs {
            flavor: Flavor::Raw,
            argv: vec![raw.clone()],
            text: raw,
            creates: None,
            removes: None,
            chdir: None,
            stdin: None,
            stdin_add_newline: false,
            strip_empty_ends: false,
            executable: None,
            expand_vars: false,
            read_only: false,
        })
    }
    fn run(a: &CommandArgs, ctx: &mut ModuleContext<'_>) -> Result<Outcome, ModuleError> {
        run(a, ctx)
    }
}

/// A command can run as a probe when it reads nothing from stdin (a
/// batch gives probes none).
fn mark_read_only(a: &mut CommandArgs) -> bool {
    a.read_only = a.stdin.is_none();
    a.read_only
}

/// The probe of a read-only command: the script it runs.
fn read_only_probe(a: &CommandArgs) -> Vec<String> {
    if a.read_only {
        vec![script(a, RunMode::Apply)]
    } else {
        Vec::new()
    }
}

const SKIP_MARK: &str = "__konvoy_skip__";
const RUN_MARK: &str = "__konvoy_run__";
/// Printed when `chdir` fails; kept in step with the text in `script`.
const NOCHDIR_MARK: &str = "__konvoy_nochdir__";

/// The script: chdir, the creates/removes check, then the command, in one
/// go. With `RunMode::Check` it stops after the check: the command itself
/// must not run.
fn script(a: &CommandArgs, mode: RunMode) -> String {
    let mut prelude = String::new();
    let body = match a.flavor {
        Flavor::Command => a
            .argv
            .iter()
            .enumerate()
            .map(|(i, w)| match a.expand_vars && needs_expansion(w) {
                true => expand_word(w, i, &mut prelude),
                false => quote(w).into_owned(),
            })
            .collect::<Vec<_>>()
            .join(" "),
        Flavor::Raw => a.argv[0].clone(),
        Flavor::Shell => match &a.executable {
            Some(exe) => format!("{} -c {}", quote(exe), quote(&a.argv[0])),
            None => a.argv[0].clone(),
        },
    };
    if a.flavor == Flavor::Raw {
        return body;
    }
    let mut s = String::new();
    // Ansible changes directory first, so relative creates/removes paths
    // are relative to chdir.
    if let Some(dir) = &a.chdir {
        s.push_str(
            &Cmd::new("cd")
                .arg(dir)
                .flag("2>/dev/null || { echo __konvoy_nochdir__; exit 1; }")
                .into_string(),
        );
        s.push('\n');
    }
    if a.creates.is_some() || a.removes.is_some() {
        // Python's glob.glob: any path the pattern names exists.
        s.push_str("globbed() { for f in \"$@\"; do if [ -e \"$f\" ] || [ -L \"$f\" ]; then return 0; fi; done; return 1; }\n");
    }
    if let Some(p) = &a.creates {
        s.push_str(&format!(
            "if globbed {}; then echo {SKIP_MARK}; exit 0; fi\n",
            glob_word(p)
        ));
    }
    if let Some(p) = &a.removes {
        s.push_str(&format!(
            "if ! globbed {}; then echo {SKIP_MARK}; exit 0; fi\n",
            glob_word(p)
        ));
    }
    if a.creates.is_some() || a.removes.is_some() {
        s.push_str(&format!("echo {RUN_MARK}\n"));
    }
    if mode == RunMode::Check {
        return s;
    }
    s.push_str(&prelude);
    s.push_str(&body);
    s.push('\n');
    s
}

fn run(a: &CommandArgs, ctx: &mut ModuleContext<'_>) -> Result<Outcome, ModuleError> {
    let cmd_value = match a.flavor {
        Flavor::Command => Value::List(a.argv.iter().map(|s| Value::Str(s.clone())).collect()),
        _ => Value::Str(a.text.clone()),
    };
    let guarded = a.creates.is_some() || a.removes.is_some();
    if ctx.check_mode() && a.flavor == Flavor::Raw {
        // raw does not support check mode: a bare skip (measured).
        let mut o = Outcome::ok().with("failed", Value::Bool(false));
        o.skipped = true;
        return Ok(o);
    }
    if ctx.check_mode() && !guarded {
        return Ok(would_run(cmd_value));
    }
    let stdin = a.stdin.as_ref().map(|s| {
        let mut s = s.clone().into_bytes();
        if a.stdin_add_newline {
            s.push(b'\n');
        }
        s
    });
    let start_wall = SystemTime::now();
    let started = Instant::now();
    let out = if a.read_only && stdin.is_none() {
        ctx.probe(&script(a, ctx.mode))?
    } else {
        ctx.apply(&script(a, ctx.mode), stdin.as_deref())?
    };
    let delta = started.elapsed();
    let end_wall = SystemTime::now();
    let mut stdout = out.stdout_str();
    if a.chdir.is_some() && stdout.lines().next() == Some(NOCHDIR_MARK) {
        // Ansible fails before running anything: rc null, nothing changed.
        return Ok(not_run(
            cmd_value,
            "Unable to change directory before execution.".into(),
            String::new(),
        )
        .with("rc", Value::Null)
        .with("exception", "(traceback unavailable)")
        .failing("Unable to change directory before execution."));
    }
    if guarded {
        let (first, rest) = stdout.split_once('\n').unwrap_or((stdout.as_str(), ""));
        if first == SKIP_MARK {
            // Ansible quotes the path in `msg` but not in `stdout`.
            let (path, why) = match &a.creates {
                Some(p) => (p.as_str(), "exists"),
                None => (a.removes.as_deref().unwrap_or_default(), "does not exist"),
            };
            return Ok(not_run(
                cmd_value,
                format!("Did not run command since '{path}' {why}"),
                format!("skipped, since {path} {why}"),
            ));
        }
        stdout = rest.to_owned();
        if ctx.check_mode() {
            // With `creates`/`removes` that let it run, Ansible's check
            // mode reports the change it would make (skipped only without
            // them).
            let mut o = would_run(cmd_value);
            o.skipped = false;
            o.changed = true;
            return Ok(o);
        }
    }
    let mut stderr = out.stderr_str();
    if a.strip_empty_ends {
        trim_end_newlines(&mut stdout);
        trim_end_newlines(&mut stderr);
    }
    if a.flavor == Flavor::Raw {
        // raw reports only the output, unstripped, and its exit code.
        let mut o = Outcome::changed()
            .with("rc", Value::Int(i64::from(out.rc)))
            .with("stderr", stderr.clone())
            .with("stderr_lines", lines(&stderr))
            .with("stdout", stdout.clone())
            .with("stdout_lines", lines(&stdout));
        if out.rc != 0 {
            o = o.failing("non-zero return code");
        }
        return Ok(o);
    }
    let mut o = Outcome::changed();
    o.result.insert("cmd".into(), cmd_value);
    o.result
        .insert("delta".into(), Value::Str(format_delta(delta)));
    o.result
        .insert("end".into(), Value::Str(format_time(end_wall)));
    o.result.insert("msg".into(), Value::Str(String::new()));
    o.result.insert("rc".into(), Value::Int(i64::from(out.rc)));
    o.result
        .insert("start".into(), Value::Str(format_time(start_wall)));
    o.result.insert("stderr".into(), Value::Str(stderr.clone()));
    o.result.insert("stderr_lines".into(), lines(&stderr));
    o.result.insert("stdout".into(), Value::Str(stdout.clone()));
    o.result.insert("stdout_lines".into(), lines(&stdout));
    if out.rc != 0 {
        o.failed = true;
        o.result
            .insert("msg".into(), Value::Str("non-zero return code".into()));
    }
    Ok(o)
}

/// The result of a command that did not run: Ansible keeps every key of
/// a run, with null times and rc 0.
fn not_run(cmd: Value, msg: String, stdout: String) -> Outcome {
    let stdout_lines = lines(&stdout);
    Outcome::ok()
        .with("cmd", cmd)
        .with("delta", Value::Null)
        .with("end", Value::Null)
        .with("msg", msg)
        .with("rc", Value::Int(0))
        .with("start", Value::Null)
        .with("stderr", "")
        .with("stderr_lines", Value::List(Vec::new()))
        .with("stdout", stdout)
        .with("stdout_lines", stdout_lines)
}

/// Check mode: the command is skipped, its result shaped as `not_run`'s
/// and, unlike other skips, registered with `failed: false` (measured).
fn would_run(cmd: Value) -> Outcome {
    let mut o = not_run(
        cmd,
        "Command would have run if not in check mode".into(),
        String::new(),
    )
    .with("failed", Value::Bool(false));
    o.skipped = true;
    o
}

/// `pattern` as one shell word whose glob characters (`*`, `?`, `[...]`)
/// stay active and everything else is quoted: `creates`/`removes` are
/// globs in Ansible, and nothing else of the text may reach the shell.
fn glob_word(pattern: &str) -> String {
    let mut out = String::new();
    let mut lit = String::new();
    let mut chars = pattern.chars().peekable();
    let flush = |out: &mut String, lit: &mut String| {
        if !lit.is_empty() {
            out.push_str(&quote(lit));
            lit.clear();
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '*' | '?' => {
                flush(&mut out, &mut lit);
                out.push(c);
            }
            '[' => {
                // A bracket expression up to its `]`, its members quoted.
                let rest: String = chars.clone().collect();
                match rest.find(']') {
                    Some(end) if end > 0 => {
                        flush(&mut out, &mut lit);
                        let inner: String = chars.by_ref().take(end).collect();
                        chars.next();
                        out.push('[');
                        for m in inner.chars() {
                            if m.is_ascii_alphanumeric() || m == '-' || m == '!' {
                                out.push(m);
                            } else {
                                out.push('\\');
                                out.push(m);
                            }
                        }
                        out.push(']');
                    }
                    _ => lit.push(c),
                }
            }
            _ => lit.push(c),
        }
    }
    flush(&mut out, &mut lit);
    if out.is_empty() {
        out.push_str("''");
    }
    out
}

fn trim_end_newlines(s: &mut String) {
    while s.ends_with('\n') || s.ends_with('\r') {
        s.pop();
    }
}

fn lines(s: &str) -> Value {
    Value::List(s.lines().map(|l| Value::Str(l.to_owned())).collect())
}

/// Python's `str(timedelta)`: `0:00:00.004568`.
fn format_delta(d: std::time::Duration) -> String {
    let secs = d.as_secs();
    format!(
        "{}:{:02}:{:02}.{:06}",
        secs / 3600,
        (secs / 60) % 60,
        secs % 60,
        d.subsec_micros()
    )
}

/// Python's `str(datetime.now())` in local time: `2026-11-25 03:58:05.124914`.
pub(crate) fn format_time(t: SystemTime) -> String {
    let since = t.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs() as libc::time_t;
    // SAFETY: localtime_r writes into the zeroed `tm` we own; `secs` is a valid time_t.
    let tm = unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        libc::localtime_r(&secs, &mut tm);
        tm
    };
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:06}",
        tm.tm_year + 1900,
        tm.tm_mon + 1,
        tm.tm_mday,
        tm.tm_hour,
        tm.tm_min,
        tm.tm_sec,
        since.subsec_micros()
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn creates_globs_keep_the_rest_quoted() {
        assert_eq!(glob_word("/tmp/a b/afile.*"), "'/tmp/a b/afile.'*");
        assert_eq!(glob_word("/x/f[0-9]?"), "/x/f[0-9]?");
        assert_eq!(glob_word("$(touch p)*"), "'$(touch p)'*");
        assert_eq!(glob_word("/plain"), "/plain");
    }

    use super::*;

    #[test]
    fn split_words_matches_python_shlex() {
        // Expected values from python3: shlex.split(s)
        assert_eq!(split_words("ls -l /tmp").unwrap(), ["ls", "-l", "/tmp"]);
        assert_eq!(
            split_words(r#"echo "a b" 'c d' e\ f"#).unwrap(),
            ["echo", "a b", "c d", "e f"]
        );
        assert_eq!(
            split_words(r#"echo "x\"y" 'it''s'"#).unwrap(),
            ["echo", "x\"y", "its"]
        );
        assert_eq!(split_words("a ''").unwrap(), ["a", ""]);
        assert_eq!(split_words("echo 'open"), None);
    }

    #[test]
    fn command_script_quotes_every_word() {
        let mut m = ArgMap::new(
            [
                (
                    "_raw_params".to_owned(),
                    Value::Str("echo '$(id)' `x`".into()),
                ),
                ("creates".to_owned(), "/a b".into()),
            ]
            .into_iter()
            .collect(),
        );
        let a = CommandModule::parse(&mut m).unwrap();
        let s = script(&a, RunMode::Apply);
        assert!(s.contains("if globbed '/a b'; then"));
        assert!(s.ends_with("echo '$(id)' '`x`'\n"));
    }

    #[test]
    fn argument_vars_expand_like_python_expandvars() {
        // Expected values: python3 `os.path.expanduser(os.path.expandvars(w))`
        // with HOME=/home/kv and FOO='a b*' (Ansible's expand_argument_vars).
        let cases = [
            ("$HOME/x", "/home/kv/x"),
            ("${FOO}-$FOO", "a b*-a b*"),
            ("$NOPE ${NOPE}", "$NOPE ${NOPE}"),
            ("$1 $(id) ${a b}", "$1 $(id) ${a b}"),
            ("~/d", "/home/kv/d"),
            ("~nosuchuser/d", "~nosuchuser/d"),
            ("pre$HOMEpost", "pre$HOMEpost"),
            ("it's $FOO\\", "it's a b*\\"),
        ];
        let words: Vec<Value> = std::iter::once("printf")
            .chain(std::iter::once("%s\\n"))
            .chain(cases.iter().map(|(w, _)| *w))
            .map(|w| Value::Str(w.to_owned()))
            .collect();
        let mut m = ArgMap::new(
            [("argv".to_owned(), Value::List(words))]
                .into_iter()
                .collect(),
        );
        let a = CommandModule::parse(&mut m).unwrap();
        let out = std::process::Command::new("/bin/sh")
            .arg("-c")
            .arg(script(&a, RunMode::Apply))
            .env("HOME", "/home/kv")
            .env("FOO", "a b*")
            .env_remove("NOPE")
            .output()
            .unwrap();
        let got = String::from_utf8(out.stdout).unwrap();
        let want: String = cases.iter().map(|(_, e)| format!("{e}\n")).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn delta_format_is_pythons() {
        assert_eq!(
            format_delta(std::time::Duration::from_micros(4568)),
            "0:00:00.004568"
        );
        assert_eq!(
            format_delta(std::time::Duration::from_secs(3725)),
            "1:02:05.000000"
        );
    }
}
