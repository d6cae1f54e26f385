//! `pam_limits` (`community.general.pam_limits`): one line of
//! `/etc/security/limits.conf` (or `dest`).
//!
//! Supported: `domain`, `limit_type`, `limit_item`, `value`, `use_max`,
//! `use_min`, `backup`, `dest`, `comment`. The file is edited in Rust as
//! community.general does it (whitespace folded to compare, the matching
//! line rewritten tab-separated, a comment carried over from earlier
//! lines when none is given, values validated); `msg` is the line and
//! `--diff` shows the file. Unlike community.general, an unchanged file is
//! not rewritten (same content, its mtime kept). A backup is taken on
//! every run with `backup: true`, as there.

use super::args::{ArgError, ArgMap};
use super::capture::{Records, Script};
use super::context::ModuleContext;
use super::diff::unified;
use super::outcome::{ModuleError, Outcome};
use super::pathinfo::backup_local_cmd;
use super::write::{replace_step, sealed};
use super::Module;
use crate::shell::quote;
use crate::transport::atomic::Content;
use crate::value::py_str_repr;

const ITEMS: &[&str] = &[
    "core",
    "data",
    "fsize",
    "memlock",
    "nofile",
    "rss",
    "stack",
    "cpu",
    "nproc",
    "as",
    "maxlogins",
    "maxsyslogins",
    "priority",
    "locks",
    "sigpending",
    "msgqueue",
    "nice",
    "rtprio",
    "chroot",
];

/// Arguments of `pam_limits`.
#[derive(Debug, Clone)]
pub struct PamLimitsArgs {
    domain: String,
    limit_type: String,
    limit_item: String,
    value: String,
    use_max: bool,
    use_min: bool,
    backup: bool,
    dest: String,
    comment: String,
}

/// The `pam_limits` module.
pub struct PamLimitsModule;

impl Module for PamLimitsModule {
    type Args = PamLimitsArgs;
    const PROBES: bool = true;

    fn parse(args: &mut ArgMap) -> Result<PamLimitsArgs, ArgError> {
        let parsed = PamLimitsArgs {
            domain: args.required_str(&["domain"])?,
            limit_type: args
                .choice(&["limit_type"], &["soft", "hard", "-"])?
                .ok_or_else(|| ArgError::Missing("limit_type".into()))?,
            limit_item: args
                .choice(&["limit_item"], ITEMS)?
                .ok_or_else(|| ArgError::Missing("limit_item".into()))?,
            value: args.required_str(&["value"])?,
            use_max: args.bool(&["use_max"])?.unwrap_or(false),
            use_min: args.bool(&["use_min"])?.unwrap_or(false),
            backup: args.bool(&["backup"])?.unwrap_or(false),
            dest: args
                .str(&["dest"])?
                .unwrap_or_else(|| "/etc/security/limits.conf".into()),
            comment: args.str(&["comment"])?.unwrap_or_default(),
        };
        args.finish(&[
            "domain",
            "limit_type",
            "limit_item",
            "value",
            "use_max",
            "use_min",
            "backup",
            "dest",
            "comment",
        ])?;
        Ok(parsed)
    }

    fn probes(a: &PamLimitsArgs) -> Vec<String> {
        vec![probe(a).text().to_owned()]
    }

    fn run(a: &PamLimitsArgs, ctx: &mut ModuleContext<'_>) -> Result<Outcome, ModuleError> {
        let r = Records::parse(&ctx.probe(probe(a).text())?.stdout)?;
        let exists = r.succeeded("isfile");
        if exists && !r.succeeded("writable") {
            return Ok(Outcome::fail_json(format!(
                "{} is not writable. Use sudo",
                a.dest
            )));
        }
        let dir = super::write::parent(&a.dest);
        if !exists && !r.succeeded("dirok") {
            return Ok(Outcome::fail_json(format!(
                "directory {dir} is not writable (check presence, access rights, use sudo)"
            )));
        }
        if a.use_max && a.use_min {
            return Ok(Outcome::fail_json(
                "Cannot use use_min and use_max at the same time.",
            ));
        }
        if let Err(msg) = valid(&a.limit_item, &a.value, "") {
            return Ok(Outcome::fail_json(msg));
        }
        let before = if exists {
            r.out_ok("content").unwrap_or("").to_owned()
        } else {
            String::new()
        };
        let edited = match edit(&before, a) {
            Ok(e) => e,
            Err(msg) => return Ok(Outcome::fail_json(msg)),
        };
        let changed = edited.changed || !exists;
        let mut backup_file = None;
        if (a.backup && exists) || (changed && !ctx.check_mode()) {
            let mut s = Script::new();
            if a.backup && exists {
                s = s.capture_or_stop("backup", &backup_local_cmd(&a.dest, ctx.check_mode()));
            }
            if changed && !ctx.check_mode() {
                let size = edited.text.len() as u64;
                s = s.capture_or_stop(
                    "write",
                    &replace_step(&a.dest, Content::Stdin { size }, "0644", false, false),
                );
            }
            let stdin = (changed && !ctx.check_mode()).then(|| sealed(edited.text.as_bytes()));
            let rec = Records::parse(&ctx.apply(s.text(), stdin.as_deref())?.stdout)?;
            for tag in ["backup", "write"] {
                if let Some(c) = rec.get(tag).filter(|c| !c.ok()) {
                    return Ok(Outcome::fail_json(c.err.trim().to_owned()));
                }
            }
            backup_file = rec.out_ok("backup").map(str::to_owned);
        }
        let mut o = Outcome::ok().with("msg", edited.message);
        o.changed = changed;
        if let Some(b) = backup_file {
            o = o.with("backup_file", b);
        } else if a.backup {
            o = o.with("backup_file", "");
        }
        if ctx.diff {
            let d = unified(&before, &edited.text, None, None);
            if !d.is_empty() {
                o.diff = Some(d);
            }
        }
        Ok(o)
    }
}

fn probe(a: &PamLimitsArgs) -> Script {
    let f = quote(&a.dest);
    Script::new()
        .capture("isfile", &format!("[ -f {f} ]"))
        .capture("writable", &format!("[ -w {f} ]"))
        .capture(
            "dirok",
            &format!(
                "[ -d {d} ] && [ -w {d} ]",
                d = quote(super::write::parent(&a.dest))
            ),
        )
        .capture("content", &format!("cat -- {f}"))
}

/// `_assert_is_valid_value`.
fn valid(item: &str, value: &str, prefix: &str) -> Result<(), String> {
    if item == "nice" || item == "priority" {
        let ok = value
            .trim()
            .parse::<i64>()
            .is_ok_and(|v| (-20..=19).contains(&v));
        if !ok {
            return Err(format!(
                "{prefix} Value of {} for item {} is invalid. Value must be a number in the range -20 to 19 inclusive. \
                 Refer to the limits.conf(5) manual pages for more details.",
                py_str_repr(value),
                py_str_repr(item)
            ));
        }
    } else if !(["unlimited", "infinity", "-1"].contains(&value)
        || (!value.is_empty() && value.chars().all(|c| c.is_ascii_digit())))
    {
        return Err(format!(
            "{prefix} Value of {} for item {} is invalid. Value must either be 'unlimited', 'infinity' or -1, all of \
             which indicate no limit, or a limit of 0 or larger. Refer to the limits.conf(5) manual pages for \
             more details.",
            py_str_repr(value),
            py_str_repr(item)
        ));
    }
    Ok(())
}

struct Edited {
    text: String,
    changed: bool,
    message: String,
}

/// The module's loop over the file's lines.
fn edit(before: &str, a: &PamLimitsArgs) -> Result<Edited, String> {
    let mut out = String::new();
    let mut message = String::new();
    let mut found = false;
    let mut changed = false;
    let mut new_value = a.value.clone();
    let mut new_comment = a.comment.clone();
    let unlimited = |v: &str| ["unlimited", "infinity", "-1"].contains(&v);
    for line in before.split_inclusive('\n') {
        if line.starts_with('#') {
            out.push_str(line);
            continue;
        }
        let folded = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if folded.is_empty() {
            out.push_str(line);
            continue;
        }
        let body = folded.split('#').next().unwrap_or("").trim_end().to_owned();
        let old_comment = line.split_once('#').map(|(_, c)| c).unwrap_or("");
        if new_comment.is_empty() {
            new_comment = old_comment.to_owned();
        }
        let fields: Vec<&str> = body.split(' ').collect();
        if fields.len() != 4 {
            out.push_str(line);
            continue;
        }
        let (domain, kind, item, actual) = (fields[0], fields[1], fields[2], fields[3]);
        valid(
            item,
            actual,
            &format!("Invalid configuration found in '{}'.", a.dest),
        )?;
        if domain != a.domain || kind != a.limit_type || item != a.limit_item {
            out.push_str(line);
            continue;
        }
        found = true;
        if a.value == actual {
            message = line.to_owned();
            out.push_str(line);
            continue;
        }
        // community.general compares the *type* with nice/priority here,
        // so unlimited values always count.
        let (actual_unl, value_unl) = if kind != "nice" && kind != "priority" {
            (unlimited(actual), unlimited(&a.value))
        } else {
            (false, false)
        };
        let num = |v: &str| v.parse::<i64>().map_err(|e| e.to_string());
        if a.use_max {
            new_value = if actual_unl {
                actual.to_owned()
            } else if value_unl {
                a.value.clone()
            } else {
                num(&a.value)?.max(num(actual)?).to_string()
            };
        }
        if a.use_min {
            new_value = if actual_unl && value_unl {
                actual.to_owned()
            } else if actual_unl {
                a.value.clone()
            } else if value_unl {
                actual.to_owned()
            } else {
                num(&a.value)?.min(num(actual)?).to_string()
            };
        }
        if new_value != actual {
            changed = true;
            if !new_comment.is_empty() {
                new_comment = format!("\t#{new_comment}");
            }
            let l = format!(
                "{}\t{}\t{}\t{new_value}{new_comment}\n",
                a.domain, a.limit_type, a.limit_item
            );
            message = l.clone();
            out.push_str(&l);
        } else {
            message = line.to_owned();
            out.push_str(line);
        }
    }
    if !found {
        changed = true;
        if !new_comment.is_empty() {
            new_comment = format!("\t#{new_comment}");
        }
        let l = format!(
            "{}\t{}\t{}\t{new_value}{new_comment}\n",
            a.domain, a.limit_type, a.limit_item
        );
        message = l.clone();
        out.push_str(&l);
    }
    Ok(Edited {
        text: out,
        changed,
        message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(domain: &str, item: &str, value: &str) -> PamLimitsArgs {
        PamLimitsArgs {
            domain: domain.into(),
            limit_type: "soft".into(),
            limit_item: item.into(),
            value: value.into(),
            use_max: false,
            use_min: false,
            backup: false,
            dest: "/etc/security/limits.conf".into(),
            comment: String::new(),
        }
    }

    #[test]
    fn lines_are_added_replaced_and_kept() {
        let a = args("*", "nofile", "1024");
        let e = edit("# x\n", &a).unwrap();
        assert_eq!(e.text, "# x\n*\tsoft\tnofile\t1024\n");
        assert!(e.changed);
        let e2 = edit("*  soft  nofile  512 # old\n", &a).unwrap();
        // The old comment keeps its newline, so the line gains a blank one
        // after it (as community.general writes it).
        assert_eq!(e2.text, "*\tsoft\tnofile\t1024\t# old\n\n");
        let same = edit("* soft nofile 1024\n", &a).unwrap();
        assert!(!same.changed);
        assert_eq!(same.message, "* soft nofile 1024\n");
        let mut m = args("*", "nofile", "100");
        m.use_max = true;
        assert!(!edit("* soft nofile 512\n", &m).unwrap().changed);
        assert!(edit("* soft nofile abc\n", &a).is_err());
    }
}
