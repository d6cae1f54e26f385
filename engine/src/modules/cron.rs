//! `cron`: a job or an environment variable in a user's crontab
//! (`crontab -l` / `crontab -`) or in a file under `/etc/cron.d`.
//!
//! Supported: `name`, `user`, `job` (`value`), `cron_file`, `state`,
//! `backup`, `minute`, `hour`, `day` (`dom`), `month`, `weekday` (`dow`),
//! `special_time`, `disabled`, `env`, `insertafter`, `insertbefore`. The
//! crontab is edited in Rust as Ansible's `CronTab` class edits it
//! (`#Ansible: NAME` comments, a job found by its exact line gets a
//! comment, the header `crontab -l` prints is dropped); an emptied
//! `cron_file` is removed. Results: `jobs`, `envs`, `cron_file`,
//! `backup_file`; `--diff` shows the crontab.

use super::args::{ArgError, ArgMap};
use super::capture::{Records, Script};
use super::context::ModuleContext;
use super::diff::unified;
use super::outcome::{ModuleError, Outcome};
use super::write::{replace_step, sealed};
use super::Module;
use crate::shell::quote;
use crate::transport::atomic::{verify_received, Content};
use crate::value::Value;

/// Arguments of `cron`.
#[derive(Debug, Clone)]
pub struct CronArgs {
    name: String,
    user: Option<String>,
    job: Option<String>,
    cron_file: Option<String>,
    present: bool,
    backup: bool,
    minute: String,
    hour: String,
    day: String,
    month: String,
    weekday: String,
    special_time: Option<String>,
    disabled: bool,
    env: bool,
    insertafter: Option<String>,
    insertbefore: Option<String>,
}

/// The `cron` module.
pub struct CronModule;

const ANSIBLE: &str = "#Ansible: ";

impl Module for CronModule {
    type Args = CronArgs;
    const PROBES: bool = true;

    fn parse(args: &mut ArgMap) -> Result<CronArgs, ArgError> {
        let star = |v: Option<String>| v.unwrap_or_else(|| "*".into());
        let parsed = CronArgs {
            name: args.required_str(&["name"])?,
            user: args.str(&["user"])?,
            job: args.str(&["job", "value"])?,
            cron_file: args.str(&["cron_file"])?,
            present: args.choice(&["state"], &["present", "absent"])?.as_deref() != Some("absent"),
            backup: args.bool(&["backup"])?.unwrap_or(false),
            minute: star(args.str(&["minute"])?),
            hour: star(args.str(&["hour"])?),
            day: star(args.str(&["day", "dom"])?),
            month: star(args.str(&["month"])?),
            weekday: star(args.str(&["weekday", "dow"])?),
            special_time: args.choice(
                &["special_time"],
                &[
                    "reboot", "yearly", "annually", "monthly", "weekly", "daily", "hourly",
                ],
            )?,
            disabled: args.bool(&["disabled"])?.unwrap_or(false),
            env: args.bool(&["env"])?.unwrap_or(false),
            insertafter: args.str(&["insertafter"])?,
            insertbefore: args.str(&["insertbefore"])?,
        };
        args.finish(&[
            "name",
            "user",
            "job",
            "cron_file",
            "state",
            "backup",
            "minute",
            "hour",
            "day",
            "month",
            "weekday",
            "special_time",
            "disabled",
            "env",
            "insertafter",
            "insertbefore",
        ])?;
        if parsed.insertafter.is_some() && parsed.insertbefore.is_some() {
            return Err(ArgError::Invalid(
                "parameters are mutually exclusive: insertafter|insertbefore".into(),
            ));
        }
        Ok(parsed)
    }

    fn probes(a: &CronArgs) -> Vec<String> {
        vec![probe(a).text().to_owned()]
    }

    fn run(a: &CronArgs, ctx: &mut ModuleContext<'_>) -> Result<Outcome, ModuleError> {
        let file = cron_path(a);
        if a.cron_file.as_deref() == Some("/etc/crontab") {
            return Ok(Outcome::fail_json(
                "Will not manage /etc/crontab via cron_file, see documentation.",
            ));
        }
        let mut warnings = Vec::new();
        if let Some(cf) = &a.cron_file {
            let base = cf.rsplit('/').next().unwrap_or(cf);
            let ok = !base.is_empty()
                && base
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            if !ok {
                warnings.push(format!(
                    "Filename portion of cron_file (\"{base}\") should consist solely of upper- and lower-case letters, digits, underscores, and hyphens"
                ));
            }
        }
        let r = Records::parse(&ctx.probe(probe(a).text())?.stdout)?;
        let me = r.out_ok("me").unwrap_or("").trim().to_owned();
        let use_u = a.user.as_ref().filter(|u| **u != me).cloned();
        let (existing, mut lines) = match &file {
            Some(_) => {
                let text = r.out_ok("read").map(str::to_owned).unwrap_or_default();
                let lines = text.lines().map(str::to_owned).collect::<Vec<_>>();
                (text, lines)
            }
            None => {
                let c = r.get("read").cloned().unwrap_or_default();
                if c.rc != 0 && c.rc != 1 {
                    return Ok(Outcome::fail_json("Unable to read crontab"));
                }
                read_user_crontab(&c.out)
            }
        };
        let header = match (&file, &a.user) {
            (Some(f), _) => f.clone(),
            (None, Some(u)) => format!("crontab for user \"{u}\""),
            (None, None) => "crontab".to_owned(),
        };
        let times = [&a.minute, &a.hour, &a.day, &a.month, &a.weekday];
        if a.special_time.is_some() && times.iter().any(|t| t.as_str() != "*") {
            return Ok(Outcome::fail_json(
                "You cannot combine special_time with any of the time or day/date parameters.",
            ));
        }
        if a.present {
            if file.is_some() && a.user.is_none() {
                return Ok(Outcome::fail_json(
                    "To use cron_file=... parameter you must specify user=... as well",
                ));
            }
            if a.job.is_none() {
                return Ok(Outcome::fail_json(
                    "You must specify 'job' to install a new cron job or variable",
                ));
            }
            if (a.insertafter.is_some() || a.insertbefore.is_some()) && !a.env {
                return Ok(Outcome::fail_json(
                    "Insertafter and insertbefore parameters are valid only with env=yes",
                ));
            }
        }
        let before_render = render(&lines);
        let mut changed = false;
        if a.env {
            if a.name.contains(' ') {
                return Ok(Outcome::fail_json("Invalid name for environment variable"));
            }
            let decl = format!("{}=\"{}\"", a.name, a.job.clone().unwrap_or_default());
            let old = find_env(&lines, &a.name);
            if a.present {
                match old {
                    None => {
                        if let Err(msg) = add_env(&mut lines, &decl, a) {
                            return Ok(Outcome::fail_json(msg));
                        }
                        changed = true;
                    }
                    Some((_, l)) if l != decl => {
                        update_env(&mut lines, &a.name, Some(&decl));
                        changed = true;
                    }
                    _ => {}
                }
            } else if old.is_some() {
                update_env(&mut lines, &a.name, None);
                changed = true;
            }
        } else if a.present {
            let raw = a.job.clone().unwrap_or_default();
            if raw.trim_matches(['\r', '\n']).contains(['\r', '\n']) {
                warnings.push("Job should not contain line breaks".into());
            }
            let job = cron_job(a, &raw);
            let old = find_job(&mut lines, &a.name, Some(&job));
            if old.is_empty() {
                lines.push(format!("{ANSIBLE}{}", a.name));
                lines.push(job.clone());
                changed = true;
            }
            if old.len() > 1 && old[1] != job {
                update_job(&mut lines, &a.name, Some(&job));
                changed = true;
            }
            if old.len() > 2 {
                update_job(&mut lines, &a.name, Some(&job));
                changed = true;
            }
        } else {
            let old = find_job(&mut lines, &a.name, None);
            if !old.is_empty() {
                update_job(&mut lines, &a.name, None);
                changed = true;
                if let Some(f) = file.as_ref().filter(|_| is_empty(&lines)) {
                    // An emptied cron file goes away.
                    let mut o = Outcome::ok()
                        .with("cron_file", a.cron_file.clone().unwrap_or_default())
                        .with("state", "absent");
                    if ctx.diff {
                        o.diff = Some(unified(&existing, "", Some(&header), Some("/dev/null")));
                    }
                    if ctx.check_mode() {
                        o.changed = r.succeeded("isfile");
                    } else {
                        let out = ctx.apply(&format!("rm -f -- {}", quote(f)), None)?;
                        o.changed = out.rc == 0 && r.succeeded("isfile");
                    }
                    return Ok(with_warnings(o, warnings));
                }
            }
        }
        if !changed && !existing.is_empty() && !existing.ends_with(['\r', '\n']) {
            changed = true;
        }
        let after = render(&lines);
        let mut o = Outcome::ok()
            .with("jobs", strings(job_names(&lines)))
            .with("envs", strings(env_names(&lines)));
        o.changed = changed;
        if changed {
            if !ctx.check_mode() {
                let mut s = Script::new();
                if a.backup {
                    s = s.raw(&format!(
                        "_b=$(mktemp \"${{TMPDIR:-/tmp}}/crontabXXXXXXXX\") && printf %s {} > \"$_b\"",
                        quote(&before_render)
                    ));
                    s = s.capture("backup", "printf %s \"$_b\"");
                }
                let size = after.len() as u64;
                let write = match (&file, &use_u) {
                    // Ansible writes the file in place (through a link),
                    // 0644 when new (umask 022).
                    (Some(f), _) => replace_step(f, Content::Stdin { size }, "0644", true, false),
                    // Through a temp file, as Ansible does (crontab names
                    // its source in the spool file's header); installed
                    // only once it arrived whole.
                    (None, u) => format!(
                        "_t=$(mktemp \"${{TMPDIR:-/tmp}}/crontabXXXXXXXX\") || exit 1\n\
                         trap 'rm -f -- \"$_t\"' EXIT\nchmod 0666 \"$_t\" && cat > \"$_t\" || exit 1\n\
                         konvoy_t=$_t; konvoy_d='the crontab'\n{}crontab {}\"$_t\"",
                        verify_received(size),
                        u.as_ref()
                            .map(|u| format!("-u {} ", quote(u)))
                            .unwrap_or_default()
                    ),
                };
                s = s.capture("write", &write);
                let rec =
                    Records::parse(&ctx.apply(s.text(), Some(&sealed(after.as_bytes())))?.stdout)?;
                let w = rec.get("write").cloned().unwrap_or_default();
                if !w.ok() {
                    let msg = if file.is_some() {
                        w.err.trim().to_owned()
                    } else {
                        "Failed to install new cronfile: -".to_owned()
                    };
                    return Ok(Outcome::fail_json(msg)
                        .with("stderr", w.err)
                        .with("stdout", w.out)
                        .with("rc", Value::Int(w.rc.into())));
                }
                if a.backup {
                    o = o.with("backup_file", rec.out_ok("backup").unwrap_or("").to_owned());
                }
            }
            if ctx.diff {
                let d = unified(&existing, &after, Some(&header), Some(&header));
                if !d.is_empty() {
                    o.diff = Some(d);
                }
            }
        }
        if let Some(cf) = &a.cron_file {
            o = o.with("cron_file", cf.as_str());
        }
        Ok(with_warnings(o, warnings))
    }
}

fn with_warnings(o: Outcome, warnings: Vec<String>) -> Outcome {
    if warnings.is_empty() {
        return o;
    }
    o.with("warnings", strings(warnings))
}

fn strings(v: Vec<String>) -> Value {
    Value::List(v.into_iter().map(Value::Str).collect())
}

/// The cron file's path: absolute as given, else under `/etc/cron.d`.
fn cron_path(a: &CronArgs) -> Option<String> {
    a.cron_file.as_ref().map(|f| {
        if f.starts_with('/') {
            f.clone()
        } else {
            format!("/etc/cron.d/{f}")
        }
    })
}

fn probe(a: &CronArgs) -> Script {
    let mut s = Script::new().capture("me", "id -un");
    match cron_path(a) {
        Some(f) => {
            s = s
                .capture("read", &format!("cat -- {}", quote(&f)))
                .capture("isfile", &format!("[ -f {} ]", quote(&f)));
        }
        None => {
            let u = a.user.as_deref().map(|u| quote(u).into_owned());
            s = s.capture(
                "read",
                &match u {
                    Some(u) => format!(
                        "if [ \"$(id -un)\" = {u} ]; then crontab -l; else crontab -u {u} -l; fi"
                    ),
                    None => "crontab -l".to_owned(),
                },
            );
        }
    }
    s
}

/// `CronTab.read` for `crontab -l`: the three header lines some crons
/// print are dropped (from the lines and from the existing text).
fn read_user_crontab(out: &str) -> (String, Vec<String>) {
    let mut existing = out.to_owned();
    let mut lines = Vec::new();
    let headers = [
        regex::Regex::new(r"^# DO NOT EDIT THIS FILE - edit the master and reinstall\.")
            .expect("re"),
        regex::Regex::new(r"^# \(/tmp/.*installed on.*\)").expect("re"),
        regex::Regex::new(r"^# \(.*version.*\)").expect("re"),
    ];
    for (count, l) in out.lines().enumerate() {
        if count > 2 || !headers.iter().any(|h| h.is_match(l)) {
            lines.push(l.to_owned());
        } else {
            let pat = format!("{}[\r\n]?", regex::escape(l));
            let re = regex::Regex::new(&pat).expect("escaped");
            existing = re.replace(&existing, "").into_owned();
        }
    }
    (existing, lines)
}

fn render(lines: &[String]) -> String {
    let s = lines.join("\n");
    if s.is_empty() {
        return s;
    }
    format!("{}\n", s.trim_end_matches(['\r', '\n']))
}

fn is_empty(lines: &[String]) -> bool {
    lines.iter().all(|l| l.trim().is_empty())
}

/// `get_cron_job`.
fn cron_job(a: &CronArgs, job: &str) -> String {
    let job = job.trim_matches(['\r', '\n']);
    let prefix = if a.disabled { "#" } else { "" };
    let user = a
        .cron_file
        .as_ref()
        .map(|_| format!(" {}", a.user.clone().unwrap_or_default()))
        .unwrap_or_default();
    match &a.special_time {
        Some(sp) => format!("{prefix}@{sp}{user} {job}"),
        None => format!(
            "{prefix}{} {} {} {} {}{user} {job}",
            a.minute, a.hour, a.day, a.month, a.weekday
        ),
    }
}

/// `find_job`: [comment, job] by the `#Ansible:` header, or by the exact
/// job line (inserting or renaming its header: a third element).
fn find_job(lines: &mut Vec<String>, name: &str, job: Option<&str>) -> Vec<String> {
    let mut comment: Option<String> = None;
    for l in lines.iter() {
        if let Some(c) = &comment {
            if c == name {
                return vec![c.clone(), l.clone()];
            }
            comment = None;
        } else if let Some(rest) = l.strip_prefix(ANSIBLE) {
            comment = Some(rest.to_owned());
        }
    }
    if let Some(job) = job {
        for i in 0..lines.len() {
            if lines[i] != job {
                continue;
            }
            // Python's lines[i - 1] wraps to the last line for i == 0.
            let prev = if i == 0 { lines.len() - 1 } else { i - 1 };
            if !lines[prev].starts_with(ANSIBLE) {
                lines.insert(i, format!("{ANSIBLE}{name}"));
                return vec![lines[i].clone(), job.to_owned(), "True".into()];
            } else if !name.is_empty() && lines[prev] == format!("{ANSIBLE}None") {
                lines[prev] = format!("{ANSIBLE}{name}");
                return vec![lines[prev].clone(), job.to_owned(), "True".into()];
            }
        }
    }
    Vec::new()
}

/// `_update_job`: the line after each `#Ansible: NAME` is replaced (or
/// dropped with its header when `job` is `None`).
fn update_job(lines: &mut Vec<String>, name: &str, job: Option<&str>) {
    let header = format!("{ANSIBLE}{name}");
    let mut out = Vec::new();
    let mut comment: Option<String> = None;
    for l in lines.iter() {
        if let Some(c) = comment.take() {
            if let Some(j) = job {
                out.push(c);
                out.push(j.to_owned());
            }
        } else if *l == header {
            comment = Some(l.clone());
        } else {
            out.push(l.clone());
        }
    }
    *lines = out;
}

fn env_re(name: &str) -> regex::Regex {
    regex::Regex::new(&format!("^{name}=")).unwrap_or_else(|_| {
        regex::Regex::new(&format!("^{}=", regex::escape(name))).expect("escaped")
    })
}

fn find_env(lines: &[String], name: &str) -> Option<(usize, String)> {
    let re = env_re(name);
    lines
        .iter()
        .enumerate()
        .find(|(_, l)| re.is_match(l))
        .map(|(i, l)| (i, l.clone()))
}

fn add_env(lines: &mut Vec<String>, decl: &str, a: &CronArgs) -> Result<(), String> {
    let Some(other) = a.insertafter.as_ref().or(a.insertbefore.as_ref()) else {
        lines.insert(0, decl.to_owned());
        return Ok(());
    };
    match find_env(lines, other) {
        Some((i, _)) => {
            let at = if a.insertafter.is_some() { i + 1 } else { i };
            lines.insert(at, decl.to_owned());
            Ok(())
        }
        None => Err(format!("Variable named '{other}' not found.")),
    }
}

fn update_env(lines: &mut Vec<String>, name: &str, decl: Option<&str>) {
    let re = env_re(name);
    let mut out = Vec::new();
    for l in lines.iter() {
        if re.is_match(l) {
            if let Some(d) = decl {
                out.push(d.to_owned());
            }
        } else {
            out.push(l.clone());
        }
    }
    *lines = out;
}

fn job_names(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .filter_map(|l| l.strip_prefix(ANSIBLE).map(str::to_owned))
        .collect()
}

fn env_names(lines: &[String]) -> Vec<String> {
    let re = regex::Regex::new(r"^\S+=").expect("re");
    lines
        .iter()
        .filter(|l| re.is_match(l))
        .map(|l| l.split('=').next().unwrap_or("").to_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_are_found_by_header_or_exact_line() {
        let mut lines: Vec<String> = vec!["* * * * * /bin/true".into()];
        let found = find_job(&mut lines, "t", Some("* * * * * /bin/true"));
        assert_eq!(found.len(), 3);
        assert_eq!(lines, ["#Ansible: t", "* * * * * /bin/true"]);
        update_job(&mut lines, "t", Some("0 * * * * /bin/true"));
        assert_eq!(lines, ["#Ansible: t", "0 * * * * /bin/true"]);
        update_job(&mut lines, "t", None);
        assert!(lines.is_empty());
        let (existing, l) = read_user_crontab(
            "# DO NOT EDIT THIS FILE - edit the master and reinstall.\n# (/tmp/x installed on y)\nA=1\n",
        );
        assert_eq!((existing.as_str(), l), ("A=1\n", vec!["A=1".to_owned()]));
    }
}
