//! `zypper` (community.general): packages, patterns, patches installed,
//! upgraded or removed with `zypper --non-interactive --xmlout`, decided
//! as community.general's module decides: an installed-only `search`
//! first (packages given without a version), then one `install` or
//! `remove` whose XML summary says what changed. Check mode passes
//! `--dry-run`, as the module does.
//!
//! Supported: `name` (`pkg`; `name>=1.0`, `-name`/`~name` to remove,
//! `+name`, `*` with `latest`/`dist-upgrade`, `.rpm` paths and URLs),
//! `state`, `type`, `extra_args_precommand`, `disable_gpg_check`,
//! `auto_import_keys`, `disable_recommends`, `force`, `force_resolution`,
//! `update_cache` (`refresh`), `oldpackage`, `extra_args`,
//! `allow_vendor_change`, `replacefiles`, `clean_deps`, `simple_errors`,
//! `quiet`, `skip_post_errors`. Results: `name`, `state`,
//! `update_cache`, `rc`, `cmd`, `stdout`/`stderr` when changed, `diff`
//! (`prepared`) in diff mode.
//!
//! Deviation: transactional-update systems (read-only btrfs root) are
//! not detected; zypper is called directly.

use super::args::{ArgError, ArgMap};
use super::context::ModuleContext;
use super::outcome::{ModuleError, Outcome};
use super::zypper_xml::{self, ZypperXml};
use super::Module;
use crate::shell::quote;
use crate::value::{Map, Value};

/// Arguments of `zypper`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct ZypperArgs {
    pub names: Vec<String>,
    pub state: String,
    pub kind: String,
    pub extra_args_precommand: Option<String>,
    pub disable_gpg_check: bool,
    pub auto_import_keys: bool,
    pub disable_recommends: bool,
    pub force: bool,
    pub force_resolution: bool,
    pub update_cache: bool,
    pub oldpackage: bool,
    pub extra_args: Option<String>,
    pub allow_vendor_change: bool,
    pub replacefiles: bool,
    pub clean_deps: bool,
    pub simple_errors: bool,
    pub quiet: bool,
    pub skip_post_errors: bool,
}

/// The `zypper` module.
pub struct ZypperModule;

impl Module for ZypperModule {
    type Args = ZypperArgs;

    fn parse(args: &mut ArgMap) -> Result<ZypperArgs, ArgError> {
        let b = |args: &mut ArgMap, n: &str, d: bool| args.bool(&[n]).map(|v| v.unwrap_or(d));
        let names = args
            .list(&["name", "pkg"])?
            .ok_or_else(|| ArgError::Missing("name".into()))?;
        let a = ZypperArgs {
            names,
            state: args
                .choice(
                    &["state"],
                    &[
                        "absent",
                        "installed",
                        "latest",
                        "present",
                        "removed",
                        "dist-upgrade",
                    ],
                )?
                .unwrap_or_else(|| "present".into()),
            kind: args
                .choice(
                    &["type"],
                    &[
                        "package",
                        "patch",
                        "pattern",
                        "product",
                        "srcpackage",
                        "application",
                    ],
                )?
                .unwrap_or_else(|| "package".into()),
            extra_args_precommand: args.str(&["extra_args_precommand"])?,
            disable_gpg_check: b(args, "disable_gpg_check", false)?,
            auto_import_keys: b(args, "auto_import_keys", false)?,
            disable_recommends: b(args, "disable_recommends", true)?,
            force: b(args, "force", false)?,
            force_resolution: b(args, "force_resolution", false)?,
            update_cache: args.bool(&["update_cache", "refresh"])?.unwrap_or(false),
            oldpackage: b(args, "oldpackage", false)?,
            extra_args: args.str(&["extra_args"])?,
            allow_vendor_change: b(args, "allow_vendor_change", false)?,
            replacefiles: b(args, "replacefiles", false)?,
            clean_deps: b(args, "clean_deps", false)?,
            simple_errors: b(args, "simple_errors", false)?,
            quiet: b(args, "quiet", true)?,
            skip_post_errors: b(args, "skip_post_errors", false)?,
        };
        args.finish(&[
            "name",
            "state",
            "type",
            "extra_args_precommand",
            "disable_gpg_check",
            "auto_import_keys",
            "disable_recommends",
            "force",
            "force_resolution",
            "update_cache",
            "oldpackage",
            "extra_args",
            "allow_vendor_change",
            "replacefiles",
            "clean_deps",
            "simple_errors",
            "quiet",
            "skip_post_errors",
        ])?;
        Ok(a)
    }

    fn run(a: &ZypperArgs, ctx: &mut ModuleContext<'_>) -> Result<Outcome, ModuleError> {
        let names: Vec<String> = a.names.iter().filter(|n| !n.is_empty()).cloned().collect();
        let mut z = Zypper {
            a,
            ctx,
            oldpackage: a.oldpackage,
        };
        if a.update_cache && !z.ctx.check_mode() {
            let cmd = z.cmd("refresh");
            match z.run_xml(&cmd, true)? {
                Err(fail) => return Ok(fail),
                Ok(r) if r.rc != 0 => {
                    return Ok(r.into_retvals(Outcome::failed("Zypper refresh run failed."), &cmd))
                }
                Ok(_) => {}
            }
        }
        let all = names == ["*"];
        let run = if all && (a.state == "latest" || a.state == "dist-upgrade") {
            let sub = if a.kind == "patch" {
                "patch"
            } else if a.state == "dist-upgrade" {
                "dist-upgrade"
            } else {
                "update"
            };
            let cmd = z.cmd(sub);
            Some((z.run_xml(&cmd, true)?, cmd))
        } else if a.state == "dist-upgrade" {
            return Ok(Outcome::failed("Can not dist-upgrade specific packages."));
        } else if a.state == "absent" || a.state == "removed" {
            match z.absent(&names)? {
                Ok(r) => r,
                Err(fail) => return Ok(fail),
            }
        } else {
            match z.present(&names, a.state == "latest")? {
                Ok(r) => r,
                Err(fail) => return Ok(fail),
            }
        };
        let (result, cmd) = match run {
            None => (
                Run {
                    rc: 0,
                    ..Run::default()
                },
                Vec::new(),
            ),
            Some((Err(fail), _)) => return Ok(fail),
            Some((Ok(r), cmd)) => (r, cmd),
        };
        let ok = result.rc == 0 || result.rc == 102;
        let changed = ok && !result.changes.is_empty();
        let mut o = Outcome {
            changed,
            ..Outcome::ok()
        };
        if z.ctx.diff {
            let text = diff_text(&result.changes);
            let mut d = Map::new();
            d.insert("prepared".into(), Value::Str(text.clone()));
            o = o.with("diff", Value::Map(d));
            o.diff = Some(text);
        }
        if !cmd.is_empty() {
            o = o.with(
                "cmd",
                Value::List(cmd.iter().map(|c| Value::Str(c.clone())).collect()),
            );
        }
        o = o.with("rc", result.rc);
        if !ok || changed {
            o = o
                .with("stdout", result.stdout.clone())
                .with("stderr", result.stderr.clone());
        }
        if !ok {
            o = o.failing("Zypper run failed.");
        }
        Ok(o.with(
            "name",
            Value::List(names.into_iter().map(Value::Str).collect()),
        )
        .with("state", a.state.clone())
        .with("update_cache", a.update_cache))
    }
}

/// One zypper call's outcome.
#[derive(Debug, Default)]
struct Run {
    rc: i64,
    stdout: String,
    stderr: String,
    /// Solvables of the summary, by name, in order.
    changes: Vec<zypper_xml::Solvable>,
}

impl Run {
    fn into_retvals(self, o: Outcome, cmd: &[String]) -> Outcome {
        o.with("rc", self.rc)
            .with("stdout", self.stdout)
            .with("stderr", self.stderr)
            .with(
                "cmd",
                Value::List(cmd.iter().map(|c| Value::Str(c.clone())).collect()),
            )
    }
}

struct Zypper<'a, 'c, 'd> {
    a: &'a ZypperArgs,
    ctx: &'c mut ModuleContext<'d>,
    oldpackage: bool,
}

/// `(prefix, name, version)` of a name, as community.general splits it.
fn split_name_version(name: &str) -> (String, String, String) {
    let (mut prefix, mut rest) = match name.chars().next() {
        Some(c @ ('-' | '~' | '+')) => (c.to_string(), &name[1..]),
        _ => (String::new(), name),
    };
    if prefix == "~" {
        prefix = "-".into();
    }
    // `^(.*?)((?:<|>|<=|>=|=)[0-9.-]*)?$`: the shortest name followed by
    // an optional operator and version chars up to the end.
    for (i, _) in rest.char_indices() {
        let tail = &rest[i..];
        let op = ["<=", ">=", "<", ">", "="]
            .iter()
            .find(|o| tail.starts_with(**o));
        if let Some(op) = op {
            let ver = &tail[op.len()..];
            if ver
                .chars()
                .all(|c| c.is_ascii_digit() || c == '.' || c == '-')
            {
                let (n, v) = rest.split_at(i);
                return (prefix, n.to_owned(), v.to_owned());
            }
        }
    }
    rest = rest.trim_end_matches('\n');
    (prefix, rest.to_owned(), String::new())
}

impl Zypper<'_, '_, '_> {
    /// community.general's `get_cmd`.
    fn cmd(&self, sub: &str) -> Vec<String> {
        let a = self.a;
        let install = matches!(sub, "install" | "update" | "patch" | "dist-upgrade");
        let refresh = sub == "refresh";
        let mut c: Vec<String> = vec![
            "/usr/bin/zypper".into(),
            "--non-interactive".into(),
            "--xmlout".into(),
        ];
        if a.quiet {
            c.push("--quiet".into());
        }
        if let Some(p) = &a.extra_args_precommand {
            c.extend(p.split_whitespace().map(str::to_owned));
        }
        if (install || refresh) && a.disable_gpg_check {
            c.push("--no-gpg-checks".into());
        }
        if install && a.auto_import_keys {
            c.push("--gpg-auto-import-keys".into());
        }
        if sub == "search" {
            c.push("--disable-repositories".into());
        }
        c.push(sub.into());
        if sub != "patch" && sub != "dist-upgrade" && !refresh {
            c.push("--type".into());
            c.push(a.kind.clone());
        }
        if self.ctx.check_mode() && sub != "search" {
            c.push("--dry-run".into());
        }
        if install {
            c.push("--auto-agree-with-licenses".into());
            for (on, flag) in [
                (a.disable_recommends, "--no-recommends"),
                (a.force, "--force"),
                (a.force_resolution, "--force-resolution"),
                (self.oldpackage, "--oldpackage"),
                (a.replacefiles, "--replacefiles"),
            ] {
                if on {
                    c.push(flag.into());
                }
            }
        }
        if sub == "remove" && a.clean_deps {
            c.push("--clean-deps".into());
        }
        if sub == "dist-upgrade" && a.allow_vendor_change {
            c.push("--allow-vendor-change".into());
        }
        if let Some(e) = &a.extra_args {
            c.extend(e.split(' ').map(str::to_owned));
        }
        c
    }

    /// Runs `cmd` and reads its XML (community.general's
    /// `parse_zypper_xml`); `Err` is the module's failure.
    fn run_xml(
        &mut self,
        cmd: &[String],
        fail_not_found: bool,
    ) -> Result<Result<Run, Outcome>, ModuleError> {
        let mut script =
            String::from("LANG=C LC_ALL=C LC_MESSAGES=C; export LANG LC_ALL LC_MESSAGES\n");
        script.push_str(
            &cmd.iter()
                .map(|w| quote(w).into_owned())
                .collect::<Vec<_>>()
                .join(" "),
        );
        let read_only = cmd.iter().any(|w| w == "search" || w == "--dry-run");
        let mut out = if read_only {
            self.ctx.probe(&script)?
        } else {
            self.ctx.apply(&script, None)?
        };
        let mut changes: Vec<zypper_xml::Solvable> = Vec::new();
        let mut first = true;
        loop {
            let (stdout, stderr, rc) = (out.stdout_str(), out.stderr_str(), i64::from(out.rc));
            let x: ZypperXml = zypper_xml::parse(&stdout);
            let fail = |msg: String, stdout: String| {
                Outcome::failed(msg)
                    .with("rc", rc)
                    .with("stdout", stdout)
                    .with("stderr", stderr.clone())
                    .with(
                        "cmd",
                        Value::List(cmd.iter().map(|c| Value::Str(c.clone())).collect()),
                    )
            };
            if !x.valid {
                return Ok(Err(fail(
                    "Failed to parse zypper xml output: no element found: line 1, column 0".into(),
                    stdout,
                )));
            }
            let simple = |stdout: String| {
                if self.a.simple_errors && !x.messages.is_empty() {
                    x.messages.join(" \n")
                } else {
                    stdout
                }
            };
            if rc == 104 {
                if fail_not_found {
                    let msg = x.messages.last().cloned().unwrap_or_default();
                    return Ok(Err(fail(msg, stdout)));
                }
                return Ok(Ok(Run {
                    rc,
                    stdout,
                    stderr,
                    changes: Vec::new(),
                }));
            }
            if [0, 102, 103, 106, 107].contains(&rc) {
                for s in x.solvables {
                    match changes.iter_mut().find(|c| c.name == s.name) {
                        Some(c) => *c = s,
                        None => changes.push(s),
                    }
                }
                let again = first && (rc == 103 || (rc == 107 && self.a.skip_post_errors));
                if again {
                    first = false;
                    out = self.ctx.apply(&script, None)?;
                    continue;
                }
                return Ok(Ok(Run {
                    rc,
                    stdout: simple(stdout),
                    stderr,
                    changes,
                }));
            }
            let stdout = simple(stdout);
            return Ok(Err(fail(
                format!("Zypper run command failed with return code {rc}."),
                stdout,
            )));
        }
    }

    #[allow(clippy::type_complexity)]
    fn present(
        &mut self,
        names: &[String],
        latest: bool,
    ) -> Result<Result<Option<(Result<Run, Outcome>, Vec<String>)>, Outcome>, ModuleError> {
        let (mut packages, urls) = want(names, false);
        if packages.iter().any(|p| !p.2.is_empty()) {
            self.oldpackage = true;
        }
        if !latest {
            let without: Vec<String> = packages
                .iter()
                .filter(|p| p.2.is_empty())
                .map(|p| p.1.clone())
                .collect();
            let installed = if without.is_empty() {
                Vec::new()
            } else {
                self.installed(&without)?
            };
            packages.retain(|p| (p.0 == "+") != installed.contains(&p.1));
        }
        if packages.is_empty() && urls.is_empty() {
            return Ok(Ok(None));
        }
        let mut cmd = self.cmd("install");
        cmd.push("--".into());
        cmd.extend(urls);
        cmd.extend(packages.iter().map(|p| format!("{}{}{}", p.0, p.1, p.2)));
        let r = self.run_xml(&cmd, true)?;
        Ok(Ok(Some((r, cmd))))
    }

    #[allow(clippy::type_complexity)]
    fn absent(
        &mut self,
        names: &[String],
    ) -> Result<Result<Option<(Result<Run, Outcome>, Vec<String>)>, Outcome>, ModuleError> {
        let (mut packages, urls) = want(names, true);
        if packages.iter().any(|p| p.0 == "+") {
            return Ok(Err(Outcome::failed(
                "Can not combine '+' prefix with state=remove/absent.",
            )));
        }
        if !urls.is_empty() {
            return Ok(Err(Outcome::failed("Can not remove via URL.")));
        }
        if self.a.kind == "patch" {
            return Ok(Err(Outcome::failed("Can not remove patches.")));
        }
        let all: Vec<String> = packages.iter().map(|p| p.1.clone()).collect();
        let installed = self.installed(&all)?;
        packages.retain(|p| installed.contains(&p.1));
        if packages.is_empty() {
            return Ok(Ok(None));
        }
        let mut cmd = self.cmd("remove");
        cmd.extend(packages.iter().map(|p| format!("{}{}", p.1, p.2)));
        let r = self.run_xml(&cmd, true)?;
        Ok(Ok(Some((r, cmd))))
    }

    /// Names the installed-only search finds.
    fn installed(&mut self, names: &[String]) -> Result<Vec<String>, ModuleError> {
        let mut cmd = self.cmd("search");
        cmd.extend([
            "--match-exact".into(),
            "--details".into(),
            "--installed-only".into(),
        ]);
        cmd.extend(names.iter().cloned());
        Ok(match self.run_xml(&cmd, false)? {
            Ok(r) => r.changes.into_iter().map(|s| s.name).collect(),
            Err(_) => Vec::new(),
        })
    }
}

/// community.general's `get_want_state`: (prefix, name, version) of
/// packages, and the URLs/files.
fn want(names: &[String], remove: bool) -> (Vec<(String, String, String)>, Vec<String>) {
    let mut packages = Vec::new();
    let mut urls = Vec::new();
    for n in names {
        if n.contains("://") || n.ends_with(".rpm") {
            urls.push(n.clone());
            continue;
        }
        let (mut prefix, name, version) = split_name_version(n);
        if prefix != "-" && prefix != "+" {
            prefix = if remove { "-".into() } else { "+".into() };
        }
        packages.push((prefix, name, version));
    }
    (packages, urls)
}

/// community.general's `set_diff` text.
fn diff_text(changes: &[zypper_xml::Solvable]) -> String {
    let mut installed = Vec::new();
    let mut removed = Vec::new();
    let mut upgraded = Vec::new();
    for c in changes {
        match c.group.as_str() {
            "to-upgrade" => {
                upgraded.push(format!("{} ({} => {})", c.name, c.edition_old, c.edition))
            }
            "to-install" => installed.push(c.name.clone()),
            "to-remove" => removed.push(c.name.clone()),
            _ => {}
        }
    }
    let mut out = String::new();
    for (word, list) in [
        ("installed", installed),
        ("removed", removed),
        ("upgraded", upgraded),
    ] {
        if !list.is_empty() {
            out.push_str(&format!("{word}: {}\n", list.join(", ")));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_like_community_general() {
        let s = |n: &str| split_name_version(n);
        assert_eq!(
            s("docker>=1.10"),
            ("".into(), "docker".into(), ">=1.10".into())
        );
        assert_eq!(
            s("~apache=2.4"),
            ("-".into(), "apache".into(), "=2.4".into())
        );
        assert_eq!(s("+konvoy-b"), ("+".into(), "konvoy-b".into(), "".into()));
        assert_eq!(s("a=b1"), ("".into(), "a=b1".into(), "".into()));
        let (p, u) = want(&["a".into(), "/tmp/x.rpm".into()], true);
        assert_eq!(p[0].0, "-");
        assert_eq!(u, ["/tmp/x.rpm"]);
    }
}
