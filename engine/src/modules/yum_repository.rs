//! `yum_repository`: one `[repo]` section of a `.repo` file in
//! `/etc/yum.repos.d`.
//!
//! Supported: every repository key ansible-core 2.19's module takes
//! (`baseurl`, `mirrorlist`, `metalink`, `gpgkey`, `gpgcheck`,
//! `repo_gpgcheck`, `enabled`, `priority`, `proxy`, `sslverify`, `exclude`,
//! `includepkgs`, `module_hotfixes`, `cost`, `timeout`, ...), plus `name`,
//! `description`, `file`, `reposdir`, `state` (present/absent) and the file
//! arguments `mode`, `owner`, `group`.
//!
//! The file is rendered as Ansible renders it (Python's `configparser`):
//! the section is dropped and re-added at the end with its keys sorted,
//! `key = value` lines, booleans as `1`/`0`, `baseurl`/`gpgkey` lists one
//! value per continuation line, `exclude`/`includepkgs` lists joined with
//! spaces, a blank line after every section, comments not kept. Like
//! Ansible, "changed" compares the sorted sections and keys, not the text,
//! so a hand-formatted file with the same settings is left alone; removing
//! the last section removes the file. One probe reads the file; unchanged
//! costs that one command.
//!
//! Deviation: a missing `reposdir` is created rather than an error.

use super::args::{ArgError, ArgMap};
use super::attrs::Attrs;
use super::context::ModuleContext;
use super::outcome::{ModuleError, Outcome};
use super::textedit::{probe_script, run_edit, Edit, EditTarget};
use super::Module;
use crate::shell::Cmd;
use crate::value::Value;
use std::cell::Cell;

/// Repository keys that take Ansible booleans, written as `1`/`0`.
const BOOL_KEYS: &[&str] = &[
    "async",
    "countme",
    "enabled",
    "enablegroups",
    "gpgcheck",
    "keepalive",
    "module_hotfixes",
    "protect",
    "repo_gpgcheck",
    "s3_enabled",
    "skip_if_unavailable",
    "ssl_check_cert_permissions",
];

/// Repository keys whose values are written as given.
const TEXT_KEYS: &[&str] = &[
    "bandwidth",
    "cost",
    "deltarpm_metadata_percentage",
    "deltarpm_percentage",
    "gpgcakey",
    "include",
    "metadata_expire",
    "metalink",
    "mirrorlist",
    "mirrorlist_expire",
    "password",
    "priority",
    "proxy",
    "proxy_password",
    "proxy_username",
    "retries",
    "throttle",
    "timeout",
    "ui_repoid_vars",
    "username",
];

/// Keys restricted to a set of values: (key, choices).
const CHOICE_KEYS: &[(&str, &[&str])] = &[
    ("failovermethod", &["roundrobin", "priority"]),
    ("http_caching", &["all", "packages", "none"]),
    ("ip_resolve", &["4", "6", "IPv4", "IPv6", "whatever"]),
    ("keepcache", &["0", "1"]),
    (
        "metadata_expire_filter",
        &[
            "never",
            "read-only:past",
            "read-only:present",
            "read-only:future",
        ],
    ),
];

/// Keys with aliases: (key, aliases).
const ALIASED_KEYS: &[(&str, &str)] = &[
    ("sslcacert", "ca_cert"),
    ("sslclientcert", "client_cert"),
    ("sslclientkey", "client_key"),
];

/// Arguments of `yum_repository`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YumRepositoryArgs {
    /// The section name (repository id).
    pub repoid: String,
    /// The `.repo` file.
    pub path: String,
    /// The section's keys, sorted, values rendered; empty for `absent`.
    pub keys: Vec<(String, String)>,
    /// Keep (`true`) or remove the section.
    pub present: bool,
    /// Wanted mode/owner/group of the file.
    pub attrs: Attrs,
}

/// The `yum_repository` module.
pub struct YumRepositoryModule;

impl Module for YumRepositoryModule {
    type Args = YumRepositoryArgs;
    const PROBES: bool = true;

    fn parse(args: &mut ArgMap) -> Result<YumRepositoryArgs, ArgError> {
        let repoid = args.required_str(&["name"])?;
        if repoid.is_empty() || repoid.contains(['[', ']', '\n']) {
            return Err(ArgError::Invalid(format!(
                "invalid repository name `{repoid}`"
            )));
        }
        let present = args.choice(&["state"], &["present", "absent"])?.as_deref() != Some("absent");
        let file = args.str(&["file"])?.unwrap_or_else(|| repoid.clone());
        let reposdir = args
            .str(&["reposdir"])?
            .unwrap_or_else(|| "/etc/yum.repos.d".into());
        let mut keys: Vec<(String, String)> = Vec::new();
        let mut push = |k: &str, v: String| keys.push((k.to_owned(), v));
        if let Some(d) = args.str(&["description"])? {
            push("name", d);
        }
        for k in ["baseurl", "gpgkey"] {
            if let Some(v) = args.list(&[k])? {
                push(k, v.join("\n"));
            }
        }
        if let Some(v) = args.list(&["exclude", "excludepkgs"])? {
            push("exclude", v.join(" "));
        }
        if let Some(v) = args.list(&["includepkgs"])? {
            push("includepkgs", v.join(" "));
        }
        if let Some(v) = args.bool(&["sslverify", "validate_certs"])? {
            push("sslverify", bool_text(v));
        }
        for k in BOOL_KEYS {
            if let Some(v) = args.bool(&[k])? {
                push(k, bool_text(v));
            }
        }
        for k in TEXT_KEYS {
            if let Some(v) = args.str(&[k])? {
                push(k, v);
            }
        }
        for (k, choices) in CHOICE_KEYS {
            if let Some(v) = args.choice(&[k], choices)? {
                push(k, v);
            }
        }
        for (k, alias) in ALIASED_KEYS {
            if let Some(v) = args.str(&[k, alias])? {
                push(k, v);
            }
        }
        keys.sort();
        if present {
            if !keys.iter().any(|(k, _)| k == "name") {
                return Err(ArgError::Invalid(
                    "state is present but all of the following are missing: description".into(),
                ));
            }
            if !keys
                .iter()
                .any(|(k, _)| ["baseurl", "mirrorlist", "metalink"].contains(&k.as_str()))
            {
                return Err(ArgError::Invalid(
                    "state is present but any of the following are missing: baseurl, mirrorlist, metalink"
                        .into(),
                ));
            }
        } else {
            keys.clear();
        }
        if keys.iter().any(|(_, v)| v.contains('\r')) {
            return Err(ArgError::Invalid(
                "repository values cannot contain a carriage return".into(),
            ));
        }
        let attrs = Attrs {
            mode: args.mode(&["mode"])?,
            owner: args.str(&["owner"])?,
            group: args.str(&["group"])?,
        };
        // SELinux contexts are not implemented: announced, and the task
        // fails when a host reaches it.
        args.ignore(&["unsafe_writes"]);
        let mut supported: Vec<&str> = vec![
            "name",
            "description",
            "file",
            "reposdir",
            "state",
            "baseurl",
            "gpgkey",
            "exclude",
            "includepkgs",
            "sslverify",
            "mode",
            "owner",
            "group",
        ];
        supported.extend(BOOL_KEYS);
        supported.extend(TEXT_KEYS);
        supported.extend(CHOICE_KEYS.iter().map(|(k, _)| *k));
        supported.extend(ALIASED_KEYS.iter().map(|(k, _)| *k));
        args.finish(&supported)?;
        Ok(YumRepositoryArgs {
            path: format!("{}/{file}.repo", reposdir.trim_end_matches('/')),
            repoid,
            keys,
            present,
            attrs,
        })
    }

    fn probes(a: &YumRepositoryArgs) -> Vec<String> {
        vec![probe_script(&a.path)]
    }

    fn run(a: &YumRepositoryArgs, ctx: &mut ModuleContext<'_>) -> Result<Outcome, ModuleError> {
        let remove_file = Cell::new(false);
        let target = EditTarget {
            path: &a.path,
            backup: false,
            attrs: &a.attrs,
            header_suffix: "",
            validate: None,
            diff_list: false,
        };
        let (mut o, _) = run_edit(ctx, &target, |text| {
            let (new, delete) = edit(text, a);
            remove_file.set(delete);
            Ok(Edit {
                text: new,
                msg: String::new(),
            })
        })?;
        if remove_file.get() {
            o.changed = true;
            if !ctx.check_mode() {
                let out = ctx.apply(&Cmd::new("rm -f --").arg(&a.path).into_string(), None)?;
                if out.rc != 0 {
                    return Ok(o.failing(format!("Cannot remove empty repo file {}.", a.path)));
                }
            }
        }
        if o.failed {
            return Ok(o);
        }
        o.result.shift_remove("msg");
        let state = if a.present { "present" } else { "absent" };
        Ok(o.with("repo", a.repoid.as_str())
            .with("state", Value::from(state)))
    }
}

fn bool_text(b: bool) -> String {
    if b { "1" } else { "0" }.to_owned()
}

/// A parsed `.repo` file: sections in file order, keys in file order.
type Ini = Vec<(String, Vec<(String, String)>)>;

/// Reads INI text as Python's `RawConfigParser` does for these files:
/// keys lowercased, `=` or `:` separators, indented continuation lines
/// joined with `\n`, comment lines dropped, a repeated section merged.
fn parse_ini(text: &str) -> Ini {
    let mut ini: Ini = Vec::new();
    let mut cur: Option<usize> = None;
    let mut last_key: Option<usize> = None;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with(['#', ';']) {
            continue;
        }
        if line.starts_with([' ', '\t']) {
            if let (Some(s), Some(k)) = (cur, last_key) {
                let v = &mut ini[s].1[k].1;
                v.push('\n');
                v.push_str(trimmed);
            }
            continue;
        }
        if let Some(name) = trimmed.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            cur = Some(match ini.iter().position(|(n, _)| n == name) {
                Some(i) => i,
                None => {
                    ini.push((name.to_owned(), Vec::new()));
                    ini.len() - 1
                }
            });
            last_key = None;
            continue;
        }
        let Some(s) = cur else { continue };
        let split = trimmed.find(['=', ':']);
        let (k, v) = match split {
            Some(i) => (trimmed[..i].trim(), trimmed[i + 1..].trim()),
            None => (trimmed, ""),
        };
        let k = k.to_lowercase();
        let keys = &mut ini[s].1;
        last_key = Some(match keys.iter().position(|(n, _)| *n == k) {
            Some(i) => {
                keys[i].1 = v.to_owned();
                i
            }
            None => {
                keys.push((k, v.to_owned()));
                keys.len() - 1
            }
        });
    }
    ini
}

/// Ansible's comparison form: sections and keys sorted.
fn dump(ini: &Ini) -> Vec<(&str, Vec<(&str, &str)>)> {
    let mut d: Vec<_> = ini
        .iter()
        .map(|(s, keys)| {
            let mut k: Vec<_> = keys.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            k.sort();
            (s.as_str(), k)
        })
        .collect();
    d.sort();
    d
}

/// `configparser.write`: sections in order, `key = value`, continuation
/// lines indented with a tab, a blank line after each section.
fn render(ini: &Ini) -> String {
    let mut out = String::new();
    for (s, keys) in ini {
        out.push('[');
        out.push_str(s);
        out.push_str("]\n");
        for (k, v) in keys {
            out.push_str(k);
            out.push_str(" = ");
            out.push_str(&v.replace('\n', "\n\t"));
            out.push('\n');
        }
        out.push('\n');
    }
    out
}

/// The new file text (`None`: leave it), and whether to delete the file.
fn edit(text: Option<&str>, a: &YumRepositoryArgs) -> (Option<String>, bool) {
    let before = parse_ini(text.unwrap_or(""));
    let mut after = before.clone();
    after.retain(|(s, _)| *s != a.repoid);
    if a.present {
        after.push((a.repoid.clone(), a.keys.clone()));
    }
    if dump(&before) == dump(&after) {
        return (None, false);
    }
    if after.is_empty() {
        return (None, text.is_some());
    }
    (Some(render(&after)), false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Map;

    fn parse(pairs: &[(&str, Value)]) -> Result<YumRepositoryArgs, ArgError> {
        let m: Map = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect();
        YumRepositoryModule::parse(&mut ArgMap::new(m))
    }

    #[test]
    fn renders_like_configparser() {
        let a = parse(&[
            ("name", "r".into()),
            ("description", "R".into()),
            (
                "baseurl",
                Value::List(vec!["file:///a".into(), "file:///b".into()]),
            ),
            ("gpgcheck", "no".into()),
            ("exclude", "x, y".into()),
            ("priority", Value::Int(50)),
        ])
        .unwrap();
        let (text, del) = edit(None, &a);
        assert!(!del);
        assert_eq!(
            text.unwrap(),
            "[r]\nbaseurl = file:///a\n\tfile:///b\nexclude = x y\ngpgcheck = 0\nname = R\npriority = 50\n\n"
        );
    }

    #[test]
    fn same_settings_in_other_layout_is_unchanged() {
        let a = parse(&[
            ("name", "r".into()),
            ("description", "R".into()),
            ("baseurl", "file:///a".into()),
        ])
        .unwrap();
        let (text, _) = edit(Some("# mine\n[r]\nNAME=R\nbaseurl: file:///a\n"), &a);
        assert_eq!(text, None);
    }

    #[test]
    fn absent_of_last_section_deletes() {
        let a = parse(&[("name", "r".into()), ("state", "absent".into())]).unwrap();
        assert_eq!(edit(Some("[r]\nname = R\n"), &a), (None, true));
        assert_eq!(edit(None, &a), (None, false));
        assert_eq!(
            edit(Some("[q]\nname = Q\n\n[r]\nname = R\n"), &a),
            (Some("[q]\nname = Q\n\n".into()), false)
        );
    }

    #[test]
    fn present_needs_description_and_a_url() {
        assert!(parse(&[("name", "r".into()), ("baseurl", "file:///a".into())]).is_err());
        assert!(parse(&[("name", "r".into()), ("description", "R".into())]).is_err());
        assert!(parse(&[("name", "r]".into()), ("state", "absent".into())]).is_err());
    }
}
