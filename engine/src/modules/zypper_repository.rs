//! `zypper_repository` (community.general): a zypper repository added,
//! changed (removed and added again, as the module does) or removed,
//! decided from `zypper --xmlout repos`. Supported: `name`, `repo` (a URL,
//! or a `.repo` file path or http(s) URL), `state`, `runrefresh`,
//! `description`, `disable_gpg_check`, `autorefresh` (`refresh`),
//! `priority`, `enabled`, `overwrite_multiple`, `auto_import_keys`.
//! Results: `repodata`, `state` (`runrefresh` for `repo: '*'`).
//! As in Ansible the module has no check mode: the task is skipped.

use super::args::{ArgError, ArgMap};
use super::context::ModuleContext;
use super::outcome::{ModuleError, Outcome};
use super::Module;
use crate::shell::quote;
use crate::value::{Map, Value};

/// Arguments of `zypper_repository`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct ZypperRepositoryArgs {
    pub name: Option<String>,
    pub repo: Option<String>,
    pub present: bool,
    pub runrefresh: bool,
    pub description: Option<String>,
    pub disable_gpg_check: bool,
    pub autorefresh: bool,
    pub priority: Option<i64>,
    pub enabled: bool,
    pub overwrite_multiple: bool,
    pub auto_import_keys: bool,
}

/// The `zypper_repository` module.
pub struct ZypperRepositoryModule;

const OPTS: &[&str] = &[
    "alias",
    "name",
    "priority",
    "enabled",
    "autorefresh",
    "gpgcheck",
];

impl Module for ZypperRepositoryModule {
    type Args = ZypperRepositoryArgs;

    fn parse(args: &mut ArgMap) -> Result<ZypperRepositoryArgs, ArgError> {
        let a = ZypperRepositoryArgs {
            name: args.str(&["name"])?,
            repo: args.str(&["repo"])?,
            present: args.choice(&["state"], &["present", "absent"])?.as_deref() != Some("absent"),
            runrefresh: args.bool(&["runrefresh"])?.unwrap_or(false),
            description: args.str(&["description"])?,
            disable_gpg_check: args.bool(&["disable_gpg_check"])?.unwrap_or(false),
            autorefresh: args.bool(&["autorefresh", "refresh"])?.unwrap_or(true),
            priority: args.int(&["priority"])?,
            enabled: args.bool(&["enabled"])?.unwrap_or(true),
            overwrite_multiple: args.bool(&["overwrite_multiple"])?.unwrap_or(false),
            auto_import_keys: args.bool(&["auto_import_keys"])?.unwrap_or(false),
        };
        args.finish(&[
            "name",
            "repo",
            "state",
            "runrefresh",
            "description",
            "disable_gpg_check",
            "autorefresh",
            "priority",
            "enabled",
            "overwrite_multiple",
            "auto_import_keys",
        ])?;
        Ok(a)
    }

    fn run(a: &ZypperRepositoryArgs, ctx: &mut ModuleContext<'_>) -> Result<Outcome, ModuleError> {
        if ctx.check_mode() {
            // Ansible's executor skips it, stating `failed: false` (measured).
            let mut o = Outcome::ok()
                .with(
                    "msg",
                    "remote module (zypper_repository) does not support check mode",
                )
                .with("failed", false);
            o.skipped = true;
            return Ok(o);
        }
        let mut data: Vec<(&str, Value)> = vec![
            ("url", opt(&a.repo)),
            ("alias", opt(&a.name)),
            ("name", opt(&a.description)),
            ("priority", a.priority.map_or(Value::Null, Value::Int)),
            ("enabled", Value::from(if a.enabled { "1" } else { "0" })),
            (
                "gpgcheck",
                Value::from(if a.disable_gpg_check { "0" } else { "1" }),
            ),
            (
                "autorefresh",
                Value::from(if a.autorefresh { "1" } else { "0" }),
            ),
        ];
        let state = if a.present { "present" } else { "absent" };
        let mut auto_import = a.auto_import_keys;
        let repo = a.repo.as_deref();
        let alias = a.name.as_deref();
        if repo == Some("*") || alias == Some("*") {
            if !a.runrefresh {
                return Ok(Outcome::failed(
                    "repo=* can only be used with the runrefresh option.",
                ));
            }
            let out = ctx.apply(&refresh_cmd(auto_import, None), None)?;
            if out.rc != 0 {
                return Ok(check_rc_failure(&out));
            }
            return Ok(Outcome::ok().with("runrefresh", true));
        }
        if a.present && repo.is_none() {
            return Ok(Outcome::failed("Module option state=present requires repo"));
        }
        if !a.present && repo.is_none() && alias.is_none() {
            return Ok(Outcome::failed(
                "Alias or repo parameter required when state=absent",
            ));
        }
        let dot_repo = repo.is_some_and(|r| r.ends_with(".repo"));
        if dot_repo && alias.is_some() {
            return Ok(Outcome::failed(
                "Incompatible option: 'name'. Do not use name when adding .repo files",
            ));
        }
        if !dot_repo && alias.is_none() && a.present {
            return Ok(Outcome::failed("Name required when adding non-repo files."));
        }
        let mut shortname = alias.or(repo).unwrap_or("").to_owned();
        if let (true, Some(r)) = (dot_repo, repo) {
            let fetch = if r.starts_with("http://") || r.starts_with("https://") {
                format!("curl -fsSL {} || wget -qO- {}", quote(r), quote(r))
            } else {
                format!("cat {}", quote(r))
            };
            let out = ctx.probe(&fetch)?;
            if out.rc != 0 {
                return Ok(Outcome::failed(if fetch.starts_with("cat") {
                    "Error opening .repo file from provided path"
                } else {
                    "Error downloading .repo file from provided URL"
                }));
            }
            let sections = ini(&out.stdout_str());
            if sections.len() != 1 {
                return Ok(Outcome::failed(format!(
                    "Invalid format, .repo file contains {} repositories, expected 1",
                    sections.len()
                )));
            }
            let (section, items) = &sections[0];
            let Some(base) = items.iter().find(|(k, _)| k == "baseurl") else {
                return Ok(Outcome::failed("No baseurl found in .repo file"));
            };
            set(&mut data, "alias", Value::from(section.as_str()));
            set(&mut data, "url", Value::from(base.1.as_str()));
            shortname = section.clone();
            for (k, v) in items {
                match k.as_str() {
                    "gpgkey" => auto_import = true,
                    "name" | "enabled" | "autorefresh" | "gpgcheck" => {
                        set(&mut data, k, Value::from(v.as_str()))
                    }
                    _ => {}
                }
            }
        }
        let listed = ctx.probe("zypper --quiet --non-interactive --xmlout repos")?;
        let existing = match listed.rc {
            0 => repos(&listed.stdout_str()),
            6 => Vec::new(),
            rc => return Ok(Outcome::failed(
                "Failed to execute \"/usr/bin/zypper --quiet --non-interactive --xmlout repos\"",
            )
            .with("rc", i64::from(rc))
            .with("stdout", listed.stdout_str())
            .with("stderr", listed.stderr_str())),
        };
        let get = |k: &str| {
            data.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.clone())
                .unwrap_or(Value::Null)
        };
        let mut matched: Vec<&Map> = Vec::new();
        for kw in ["alias", "url"] {
            for r in &existing {
                if r.get(kw) == Some(&get(kw)) && !matched.iter().any(|m| std::ptr::eq(*m, r)) {
                    matched.push(r);
                }
            }
        }
        let repodata: Map = data
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect();
        if matched.len() >= 2 && !a.overwrite_multiple {
            return Ok(Outcome::failed(format!(
                "More than one repo matched \"{}\": \"{}\". Use overwrite_multiple to allow more than one repo to be overwritten",
                crate::report::python_str(&get("url")),
                crate::report::python_repr(&Value::List(matched.iter().map(|m| Value::Map((*m).clone())).collect()))
            )));
        }
        let exists = !matched.is_empty();
        let modified = matched.len() >= 2 || matched.first().is_some_and(|r| changes(r, &repodata));
        let unchanged = || {
            Outcome::ok()
                .with("repodata", Value::Map(repodata.clone()))
                .with("state", state)
        };
        let out = if a.present {
            if exists && !modified {
                if a.runrefresh {
                    let out = ctx.apply(&refresh_cmd(auto_import, Some(&shortname)), None)?;
                    if out.rc != 0 {
                        return Ok(check_rc_failure(&out));
                    }
                }
                return Ok(unchanged());
            }
            let mut script = String::new();
            for old in &matched {
                let url = old
                    .get("url")
                    .map(crate::report::python_str)
                    .unwrap_or_default();
                script.push_str(&format!(
                    "zypper --quiet --non-interactive removerepo {} || exit 90\n",
                    quote(&url)
                ));
            }
            let mut cmd = String::from("zypper --quiet --non-interactive addrepo --check");
            if let Some(n) = get("name").as_str() {
                cmd.push_str(&format!(" --name {}", quote(n)));
            }
            if let Some(p) = a.priority {
                cmd.push_str(&format!(" --priority {p}"));
            }
            if get("enabled").as_str() == Some("0") {
                cmd.push_str(" --disable");
            }
            cmd.push_str(if get("gpgcheck").as_str() == Some("1") {
                " --gpgcheck"
            } else {
                " --no-gpgcheck"
            });
            if get("autorefresh").as_str() == Some("1") {
                cmd.push_str(" --refresh");
            }
            let url = repo.unwrap_or_default();
            cmd.push_str(&format!(" {}", quote(url)));
            if !dot_repo {
                cmd.push_str(&format!(" {}", quote(alias.unwrap_or_default())));
            }
            script.push_str(&cmd);
            script.push('\n');
            let out = ctx.apply(&script, None)?;
            if out.rc == 0 && (a.runrefresh || auto_import) {
                let r = ctx.apply(&refresh_cmd(auto_import, Some(&shortname)), None)?;
                if r.rc != 0 {
                    return Ok(check_rc_failure(&r));
                }
            }
            out
        } else {
            if !exists {
                return Ok(unchanged());
            }
            ctx.apply(
                &format!(
                    "zypper --quiet --non-interactive removerepo {}",
                    quote(&shortname)
                ),
                None,
            )?
        };
        if out.rc == 0 {
            return Ok(Outcome::changed()
                .with("repodata", Value::Map(repodata))
                .with("state", state));
        }
        Ok(Outcome::failed(format!("Zypper failed with rc {}", out.rc))
            .with("rc", i64::from(out.rc))
            .with("stdout", out.stdout_str())
            .with("stderr", out.stderr_str())
            .with("repodata", Value::Map(repodata))
            .with("state", state))
    }
}

fn opt(v: &Option<String>) -> Value {
    v.clone().map_or(Value::Null, Value::Str)
}

fn set(data: &mut [(&str, Value)], key: &str, v: Value) {
    if let Some(e) = data.iter_mut().find(|(k, _)| *k == key) {
        e.1 = v;
    }
}

fn refresh_cmd(auto_import: bool, alias: Option<&str>) -> String {
    let mut c = String::from("zypper --quiet --non-interactive");
    if auto_import {
        c.push_str(" --gpg-auto-import-keys");
    }
    c.push_str(" refresh --force");
    if let Some(a) = alias {
        c.push_str(&format!(" -r {}", quote(a)));
    }
    c
}

fn check_rc_failure(out: &super::ExecOutput) -> Outcome {
    let err = out.stderr_str();
    Outcome::failed(err.trim_end().to_owned())
        .with("rc", i64::from(out.rc))
        .with("stdout", out.stdout_str())
        .with("stderr", err)
}

/// `<repo .../>` entries of `zypper --xmlout repos`.
fn repos(xml: &str) -> Vec<Map> {
    let mut list = Vec::new();
    let mut rest = xml;
    while let Some(i) = rest.find("<repo ") {
        let after = &rest[i..];
        let end = after.find('>').unwrap_or(after.len());
        let tag = &after[..end];
        let mut m = Map::new();
        for o in OPTS {
            let key = format!(" {o}=\"");
            let v = tag
                .find(&key)
                .map(|j| {
                    let r = &tag[j + key.len()..];
                    r[..r.find('"').unwrap_or(r.len())].to_owned()
                })
                .unwrap_or_default();
            m.insert((*o).to_owned(), Value::Str(v));
        }
        let close = after.find("</repo>").unwrap_or(after.len());
        let body = &after[end.min(close)..close];
        let url = body
            .find("<url>")
            .map(|u| {
                let r = &body[u + 5..];
                r[..r.find("</url>").unwrap_or(r.len())].to_owned()
            })
            .unwrap_or_default();
        m.insert("url".into(), Value::Str(url));
        list.push(m);
        rest = &after[1..];
    }
    list
}

/// community.general's `_repo_changes` (without `$releasever` expansion).
fn changes(real: &Map, want: &Map) -> bool {
    let truthy = |v: &Value| !matches!(v, Value::Null) && v.as_str() != Some("");
    for (k, v) in want {
        if truthy(v) && !real.contains_key(k) {
            return true;
        }
    }
    for (k, v) in real {
        let Some(w) = want.get(k).filter(|w| truthy(w)) else {
            continue;
        };
        let mut old = crate::report::python_str(w);
        let mut new = v.as_str().unwrap_or("").to_owned();
        if k == "url" {
            old = old.trim_end_matches('/').to_owned();
            new = new.trim_end_matches('/').to_owned();
        }
        if old != new {
            return true;
        }
    }
    false
}

/// The sections of an INI text, keys lower-cased (Python's configparser).
fn ini(text: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut out: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for line in text.lines() {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') || t.starts_with(';') {
            continue;
        }
        if let Some(s) = t.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            out.push((s.to_owned(), Vec::new()));
        } else if let Some((k, v)) = t.split_once(['=', ':']) {
            if let Some((_, items)) = out.last_mut() {
                items.push((k.trim().to_lowercase(), v.trim().to_owned()));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_repos_and_compares() {
        let xml = "<?xml version='1.0'?>\n<stream>\n<repo-list>\n<repo alias=\"offline\" name=\"offline\" type=\"rpm-md\" \
                   priority=\"99\" enabled=\"1\" autorefresh=\"0\" gpgcheck=\"0\">\n<url>file:///srv/repo</url>\n</repo>\n</repo-list>\n</stream>\n";
        let r = repos(xml);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0]["url"], Value::from("file:///srv/repo"));
        let mut want: Map = r[0].clone();
        want.insert("url".into(), Value::from("file:///srv/repo/"));
        assert!(!changes(&r[0], &want));
        want.insert("autorefresh".into(), Value::from("1"));
        assert!(changes(&r[0], &want));
        assert_eq!(
            ini("[a]\nbaseurl = x\nName=y\n")[0].1[1],
            ("name".into(), "y".into())
        );
    }
}
