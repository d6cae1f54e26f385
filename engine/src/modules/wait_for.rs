//! `wait_for`: wait on the host for a port, a path or a text in a file.
//!
//! Supported: `host` (default `127.0.0.1`), `port`, `path`,
//! `search_regex`, `state` (started/present/stopped/absent), `timeout`
//! (default 300 s), `delay`, `sleep` (default 1 s), `msg`. The wait runs
//! on the host as one bounded shell loop (one command); a port is probed
//! with `nc -z`, or bash's `/dev/tcp` where nc is missing. The result has
//! Ansible's keys (`elapsed`, `match_groups`, `path`, `port`, ..., and the
//! path's owner/mode/size when it exists); timeouts use its messages.
//! Deviations: `search_regex` is matched on the host by `grep -E` (its
//! groups are then read with Python-like syntax from the first matching
//! line); `match_groupdict` is always empty; `drained` waits as `stopped`.

use super::args::{ArgError, ArgMap};
use super::context::ModuleContext;
use super::outcome::{ModuleError, Outcome};
use super::Module;
use crate::shell::quote;
use crate::value::{Map, Value};

/// Arguments of `wait_for`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WaitForArgs {
    /// Host whose port to check.
    pub host: String,
    /// Port to check.
    pub port: Option<u16>,
    /// Path to check.
    pub path: Option<String>,
    /// Text the file must contain (extended regex).
    pub search_regex: Option<String>,
    /// Wait for presence (`true`) or absence.
    pub present: bool,
    /// The `state` as given, echoed in the result.
    pub state: WaitState,
    /// Give up after this many seconds.
    pub timeout: u64,
    /// Seconds before the first check.
    pub delay: u64,
    /// Seconds between checks.
    pub sleep: u64,
    /// Message on timeout.
    pub msg: Option<String>,
}

/// `state`: what to wait for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitState {
    /// The port accepts connections (default).
    Started,
    /// The path exists (or contains `search_regex`).
    Present,
    /// The port refuses connections.
    Stopped,
    /// The path is gone.
    Absent,
    /// No active connections on the port (waited for as `stopped`).
    Drained,
}

impl WaitState {
    /// Ansible's word for it.
    pub fn as_str(self) -> &'static str {
        match self {
            WaitState::Started => "started",
            WaitState::Present => "present",
            WaitState::Stopped => "stopped",
            WaitState::Absent => "absent",
            WaitState::Drained => "drained",
        }
    }
}

/// The `wait_for` module.
pub struct WaitForModule;

impl Module for WaitForModule {
    type Args = WaitForArgs;

    fn parse(args: &mut ArgMap) -> Result<WaitForArgs, ArgError> {
        let port = match args.int(&["port"])? {
            Some(p) if (1..=65535).contains(&p) => Some(p as u16),
            Some(p) => return Err(ArgError::Invalid(format!("port `{p}` out of range"))),
            None => None,
        };
        let state = args.choice(
            &["state"],
            &["started", "present", "stopped", "absent", "drained"],
        )?;
        let parsed = WaitForArgs {
            host: args.str(&["host"])?.unwrap_or_else(|| "127.0.0.1".into()),
            port,
            path: args.str(&["path"])?,
            search_regex: args.str(&["search_regex"])?,
            present: !matches!(state.as_deref(), Some("stopped" | "absent" | "drained")),
            state: match state.as_deref() {
                Some("present") => WaitState::Present,
                Some("stopped") => WaitState::Stopped,
                Some("absent") => WaitState::Absent,
                Some("drained") => WaitState::Drained,
                _ => WaitState::Started,
            },
            timeout: args.int(&["timeout"])?.unwrap_or(300).clamp(0, 86_400) as u64,
            delay: args.int(&["delay"])?.unwrap_or(0).clamp(0, 86_400) as u64,
            sleep: args.int(&["sleep"])?.unwrap_or(1).clamp(1, 3600) as u64,
            msg: args.str(&["msg"])?,
        };
        // A connection attempt's own timeout changes no outcome here.
        args.ignore(&["connect_timeout"]);
        // `drained`'s filters: only their defaults are implemented.
        args.absent_only("active_connection_states");
        args.absent_only("exclude_hosts");
        args.finish(&[
            "host",
            "port",
            "path",
            "search_regex",
            "state",
            "timeout",
            "delay",
            "sleep",
            "msg",
        ])?;
        if parsed.port.is_some() && parsed.path.is_some() {
            return Err(ArgError::Invalid(
                "`port` and `path` are mutually exclusive".into(),
            ));
        }
        Ok(parsed)
    }

    fn run(a: &WaitForArgs, ctx: &mut ModuleContext<'_>) -> Result<Outcome, ModuleError> {
        if ctx.check_mode() {
            // Ansible's wait_for does not support check mode: a skip.
            let mut o = Outcome::ok().with("failed", Value::Bool(false)).with(
                "msg",
                "remote module (wait_for) does not support check mode",
            );
            o.skipped = true;
            return Ok(o);
        }
        let out = ctx.probe(&script(a))?;
        let text = out.stdout_str();
        let mut lines = text.lines();
        let elapsed: i64 = lines
            .next()
            .and_then(|l| l.strip_prefix("elapsed="))
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(a.timeout as i64);
        if out.rc != 0 {
            // Ansible's failure carries only `elapsed` and `msg`.
            return Ok(Outcome::ok()
                .with("elapsed", Value::Int(elapsed))
                .failing(a.msg.clone().unwrap_or_else(|| timeout_message(a))));
        }
        let stat = lines.next().and_then(|l| l.strip_prefix("stat="));
        let matched = lines.next().and_then(|l| l.strip_prefix("line="));
        let groups = match (&a.search_regex, matched) {
            (Some(re), Some(line)) => match_groups(re, line),
            _ => Vec::new(),
        };
        let opt = |v: Option<Value>| v.unwrap_or(Value::Null);
        let mut o = Outcome::ok()
            .with("elapsed", Value::Int(elapsed))
            .with("match_groupdict", Value::Map(Map::new()))
            .with("match_groups", Value::List(groups))
            .with("path", opt(a.path.as_deref().map(Value::from)))
            .with("port", opt(a.port.map(|p| Value::Int(i64::from(p)))))
            .with(
                "search_regex",
                opt(a.search_regex.as_deref().map(Value::from)),
            )
            .with("state", a.state.as_str());
        // Like every Ansible module returning an existing `path`, the
        // result also describes that path (and its kind replaces `state`).
        if let Some(stat) = stat.and_then(PathInfo::parse) {
            stat.add_to(&mut o.result);
        }
        Ok(o)
    }
}

/// The wait, run on the host as one bounded loop. Whole seconds from
/// `date +%s` (portable: busybox has no `%N`), so it gives up only once
/// more than `timeout` seconds have passed, and then reports `timeout`
/// as the elapsed time, as Ansible does. On success it prints
/// `elapsed=N`, then for a present path `stat=…` and, with a regex, the
/// first matching line as `line=…`.
fn script(a: &WaitForArgs) -> String {
    let check = if let Some(p) = a.port {
        let (h, p) = (quote(&a.host), p);
        format!(
            "if command -v nc >/dev/null 2>&1; then nc -z -w 1 {h} {p} >/dev/null 2>&1; \
             else bash -c 'exec 3<>/dev/tcp/'{h}'/{p}' >/dev/null 2>&1; fi"
        )
    } else if let Some(path) = &a.path {
        match &a.search_regex {
            Some(re) => format!("grep -Eq -- {} {} 2>/dev/null", quote(re), quote(path)),
            None => format!("[ -e {} ]", quote(path)),
        }
    } else {
        "true".to_owned()
    };
    let want = if a.present { "" } else { "!" };
    let mut report = String::new();
    if let (Some(path), true) = (&a.path, a.present) {
        let path = quote(path);
        report.push_str(&format!(
            "; echo stat=$(stat -c '%u %g %a %s %h %U %G %F' {path} 2>/dev/null)"
        ));
        if let Some(re) = &a.search_regex {
            report.push_str(&format!(
                "; printf 'line=%s\\n' \"$(grep -E -m1 -- {} {path})\"",
                quote(re)
            ));
        }
    }
    format!(
        "sleep {delay}\nstart=$(date +%s)\nwhile :; do\n  if {want} {{ {check}; }}; then echo elapsed=$(( $(date +%s) - start )){report}; exit 0; fi\n  \
         [ $(( $(date +%s) - start )) -gt {timeout} ] && {{ echo elapsed={timeout}; exit 9; }}\n  sleep {sleep}\ndone\n",
        delay = a.delay,
        timeout = a.timeout,
        sleep = a.sleep,
    )
}

/// Ansible's timeout messages (measured with ansible-core 2.19.14).
fn timeout_message(a: &WaitForArgs) -> String {
    match (&a.path, a.port, &a.search_regex, a.present) {
        (Some(p), _, Some(re), _) => format!("Timeout when waiting for search string {re} in {p}"),
        (Some(p), _, None, true) => format!("Timeout when waiting for file {p}"),
        (Some(p), _, None, false) => format!("Timeout when waiting for {p} to be absent."),
        (None, Some(port), _, true) => format!("Timeout when waiting for {}:{port}", a.host),
        (None, Some(port), _, false) => {
            format!("Timeout when waiting for {}:{port} to stop.", a.host)
        }
        (None, None, _, _) => "Timeout".to_owned(),
    }
}

/// The groups of `re` (Python syntax) in the line the host found;
/// unmatched groups are null, as Python's `groups()` gives `None`.
fn match_groups(re: &str, line: &str) -> Vec<Value> {
    let Ok(compiled) = crate::pyre::compile(re, crate::pyre::Flags::NONE) else {
        return Vec::new();
    };
    match compiled.captures(line) {
        Ok(Some(caps)) => caps
            .iter()
            .skip(1)
            .map(|g| g.map_or(Value::Null, |m| Value::from(m.as_str())))
            .collect(),
        _ => Vec::new(),
    }
}

/// What Ansible's `add_path_info` adds for an existing path.
struct PathInfo<'a> {
    uid: i64,
    gid: i64,
    mode: u32,
    size: i64,
    links: u64,
    owner: &'a str,
    group: &'a str,
    kind: &'a str,
}

impl<'a> PathInfo<'a> {
    /// Parses `stat -c '%u %g %a %s %h %U %G %F'`.
    fn parse(line: &'a str) -> Option<PathInfo<'a>> {
        let mut f = line.splitn(8, ' ');
        Some(PathInfo {
            uid: f.next()?.parse().ok()?,
            gid: f.next()?.parse().ok()?,
            mode: u32::from_str_radix(f.next()?, 8).ok()?,
            size: f.next()?.parse().ok()?,
            links: f.next()?.parse().ok()?,
            owner: f.next()?,
            group: f.next()?,
            kind: f.next()?,
        })
    }

    fn add_to(&self, result: &mut Map) {
        let state = match self.kind {
            "directory" => "directory",
            "symbolic link" => "link",
            _ if self.links > 1 => "hard",
            _ => "file",
        };
        for (k, v) in [
            ("uid", Value::Int(self.uid)),
            ("gid", Value::Int(self.gid)),
            ("owner", Value::from(self.owner)),
            ("group", Value::from(self.group)),
            ("mode", Value::Str(format!("0{:03o}", self.mode))),
            ("state", Value::from(state)),
            ("size", Value::Int(self.size)),
        ] {
            result.insert(k.to_owned(), v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_info_reads_gnu_stat_output() {
        // `stat -c '%u %g %a %s %h %U %G %F'` on Debian 12 (GNU coreutils).
        let info = PathInfo::parse("0 0 1777 4096 12 root root directory").unwrap();
        let mut m = Map::new();
        info.add_to(&mut m);
        assert_eq!(m["mode"], Value::from("01777"));
        assert_eq!(m["state"], Value::from("directory"));
        let info = PathInfo::parse("1000 100 644 0 1 kv users regular empty file").unwrap();
        let mut m = Map::new();
        info.add_to(&mut m);
        assert_eq!(
            (&m["mode"], &m["state"], &m["owner"]),
            (
                &Value::from("0644"),
                &Value::from("file"),
                &Value::from("kv")
            )
        );
        assert!(PathInfo::parse("").is_none());
    }

    #[test]
    fn groups_are_pythons_with_none_for_unmatched() {
        // Python: re.search(r"^two (w.*)$|(x)", "two words", re.M).groups()
        // == ('words', None)
        assert_eq!(
            match_groups("^two (w.*)$|(x)", "two words"),
            vec![Value::from("words"), Value::Null]
        );
        assert!(match_groups("(unclosed", "x").is_empty());
    }
}
