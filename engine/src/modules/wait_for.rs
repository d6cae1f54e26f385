//! `wait_for`: wait on the host for a port, a path or a text in a file.
//!
//! Supported: `host` (default `127.0.0.1`), `port`, `path`,
//! `search_regex`, `state` (started/present/stopped/absent), `timeout`
//! (default 300 s), `delay`, `sleep` (default 1 s), `msg`. The wait runs
//! on the host as one bounded shell loop (one command); a port is probed
//! with `nc -z`, or bash's `/dev/tcp` where nc is missing.

use super::args::{ArgError, ArgMap};
use super::context::ModuleContext;
use super::outcome::{ModuleError, Outcome};
use super::Module;
use crate::shell::quote;
use crate::value::Value;

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
    /// Give up after this many seconds.
    pub timeout: u64,
    /// Seconds before the first check.
    pub delay: u64,
    /// Seconds between checks.
    pub sleep: u64,
    /// Message on timeout.
    pub msg: Option<String>,
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
            timeout: args.int(&["timeout"])?.unwrap_or(300).clamp(0, 86_400) as u64,
            delay: args.int(&["delay"])?.unwrap_or(0).clamp(0, 86_400) as u64,
            sleep: args.int(&["sleep"])?.unwrap_or(1).clamp(1, 3600) as u64,
            msg: args.str(&["msg"])?,
        };
        args.ignore(&[
            "connect_timeout",
            "active_connection_states",
            "exclude_hosts",
        ]);
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
            return Ok(Outcome::ok());
        }
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
        let script = format!(
            "sleep {delay}\nstart=$(date +%s)\nwhile :; do\n  if {want} {{ {check}; }}; then echo elapsed=$(( $(date +%s) - start )); exit 0; fi\n  \
             [ $(( $(date +%s) - start )) -ge {timeout} ] && exit 9\n  sleep {sleep}\ndone\n",
            delay = a.delay,
            timeout = a.timeout,
            sleep = a.sleep,
        );
        let out = ctx.probe(&script)?;
        let elapsed: i64 = out
            .stdout_str()
            .lines()
            .find_map(|l| l.strip_prefix("elapsed="))
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(a.timeout as i64);
        let mut o = Outcome::ok().with("elapsed", Value::Int(elapsed));
        if let Some(p) = a.port {
            o = o.with("port", Value::Int(i64::from(p)));
        }
        if let Some(p) = &a.path {
            o = o.with("path", p.as_str());
        }
        if out.rc != 0 {
            let default = format!(
                "Timeout when waiting for {}",
                a.path
                    .clone()
                    .unwrap_or_else(|| format!("{}:{}", a.host, a.port.unwrap_or(0)))
            );
            o = o.failing(a.msg.clone().unwrap_or(default));
        }
        Ok(o)
    }
}
