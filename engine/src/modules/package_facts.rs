//! `package_facts`: the installed packages as `ansible_facts.packages`
//! (name → list of installed versions), which the executor merges into
//! the host's facts.
//!
//! Supported: `manager` (`auto`, `apt`, `rpm` and rpm's aliases `dnf`,
//! `dnf5`, `yum`, `zypper`; the other names Ansible knows, `apk`,
//! `pacman`, `pkg`, `pkg_info`, `portage` and their aliases, are tried in
//! Ansible's order and fail the task as not implemented when a host has
//! one), `strategy` (`first`/`all`). Entries carry Ansible's keys: apt's
//! `name`, `version`, `arch`, `category`, `origin`, `source`; rpm's
//! `name`, `version`, `release`, `epoch`, `arch`, `source`.
//!
//! A manager counts as present when its command is on the host's `PATH`
//! (Ansible also needs the matching Python library, which this engine
//! does not use).

use super::args::{ArgError, ArgMap};
use super::context::ModuleContext;
use super::outcome::{ModuleError, Outcome};
use super::Module;
use crate::value::{Map, Value};

/// Every manager Ansible's module knows, in its `auto` order, with the
/// command that says it is present.
const MANAGERS: &[(&str, &str)] = &[
    ("apk", "apk"),
    ("apt", "apt-get"),
    ("pacman", "pacman"),
    ("pkg", "pkg"),
    ("pkg_info", "pkg_info"),
    ("portage", "qlist"),
    ("rpm", "rpm"),
];

/// Aliases, in the order `auto` appends them.
const ALIASES: &[(&str, &str)] = &[
    ("dnf", "rpm"),
    ("dnf5", "rpm"),
    ("yum", "rpm"),
    ("zypper", "rpm"),
    ("pkg5", "pkg"),
    ("pkgng", "pkg"),
    ("openbsd_pkg", "pkg_info"),
];

/// Arguments of `package_facts`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackageFactsArgs {
    /// Requested managers, lower-cased, as given.
    pub managers: Vec<String>,
    /// `strategy: all`.
    pub all: bool,
}

/// The `package_facts` module.
pub struct PackageFactsModule;

impl Module for PackageFactsModule {
    type Args = PackageFactsArgs;

    fn parse(args: &mut ArgMap) -> Result<PackageFactsArgs, ArgError> {
        let managers = args
            .list(&["manager"])?
            .unwrap_or_else(|| vec!["auto".into()])
            .into_iter()
            .map(|m| m.to_lowercase())
            .collect();
        let all = args.choice(&["strategy"], &["first", "all"])?.as_deref() == Some("all");
        args.finish(&["manager", "strategy"])?;
        Ok(PackageFactsArgs { managers, all })
    }

    fn run(a: &PackageFactsArgs, ctx: &mut ModuleContext<'_>) -> Result<Outcome, ModuleError> {
        let auto = a.managers.iter().any(|m| m == "auto");
        let mut order: Vec<String> = a
            .managers
            .iter()
            .filter(|m| *m != "auto")
            .cloned()
            .collect();
        if auto {
            order.extend(MANAGERS.iter().map(|(m, _)| (*m).to_owned()));
            order.extend(ALIASES.iter().map(|(m, _)| (*m).to_owned()));
        }
        let known =
            |m: &str| MANAGERS.iter().any(|(n, _)| *n == m) || ALIASES.iter().any(|(n, _)| *n == m);
        let unsupported: Vec<&str> = order
            .iter()
            .map(String::as_str)
            .filter(|m| !known(m))
            .collect();
        if !unsupported.is_empty() {
            return Ok(Outcome::failed(if auto {
                "Could not auto detect a usable package manager, check warnings for details."
                    .to_owned()
            } else {
                format!(
                    "Unsupported package managers requested: {}",
                    unsupported.join(", ")
                )
            }));
        }
        let present = ctx.probe(&presence_script())?.stdout_str();
        let mut packages = Map::new();
        let mut warnings = Vec::new();
        let mut found = 0;
        let mut seen: Vec<&str> = Vec::new();
        for requested in &order {
            if !a.all && found > 0 {
                break;
            }
            let m = ALIASES
                .iter()
                .find(|(alias, _)| alias == requested)
                .map_or(requested.as_str(), |(_, real)| real);
            if seen.contains(&m) {
                continue;
            }
            seen.push(m);
            if !present.lines().any(|l| l == m) {
                if a.managers.iter().any(|r| r == m) {
                    warnings.push(Value::from(format!(
                        "Requested package manager {m} was not usable by this module: \
                         Failed to find required executable \"{}\"",
                        MANAGERS.iter().find(|(n, _)| *n == m).map_or(m, |(_, c)| c)
                    )));
                }
                continue;
            }
            let listed = match m {
                "apt" => list_apt(ctx)?,
                "rpm" => list_rpm(ctx)?,
                other => {
                    return Ok(Outcome::failed(format!(
                        "package manager `{other}` is not implemented by konvoy-image"
                    )))
                }
            };
            if listed.is_empty() {
                warnings.push(Value::from(format!(
                    "Found \"{m}\" but no associated packages"
                )));
                continue;
            }
            found += 1;
            for (name, entry) in listed {
                match packages.get_mut(&name) {
                    Some(Value::List(l)) => l.push(entry),
                    _ => {
                        packages.insert(name, Value::List(vec![entry]));
                    }
                }
            }
        }
        let mut o = if found == 0 {
            let list = order
                .iter()
                .map(|m| format!("'{m}'"))
                .collect::<Vec<_>>()
                .join(", ");
            Outcome::failed(format!(
                "Could not detect a supported package manager from the following list: [{list}], \
                 or the required Python library is not installed. Check warnings for details."
            ))
        } else {
            let mut facts = Map::new();
            facts.insert("packages".into(), Value::Map(packages));
            Outcome::ok().with("ansible_facts", Value::Map(facts))
        };
        if !warnings.is_empty() {
            o = o.with("warnings", Value::List(warnings));
        }
        Ok(o)
    }
}

/// Prints the name of every manager whose command is on the `PATH`.
fn presence_script() -> String {
    let mut s = String::new();
    for (m, cmd) in MANAGERS {
        s.push_str(&format!("command -v {cmd} >/dev/null 2>&1 && echo {m}\n"));
    }
    s.push_str("exit 0\n");
    s
}

/// Installed Debian packages, with the origin of the first source apt
/// knows the installed version from (`""` when none: python-apt's
/// `origins[0].origin`).
fn list_apt(ctx: &mut ModuleContext<'_>) -> Result<Vec<(String, Value)>, ModuleError> {
    let script = "LC_ALL=C; export LC_ALL\n\
        inst=$(dpkg-query -W -f='${db:Status-Status}\\t${Package}\\t${Version}\\t${Architecture}\\t${Section}\\n' \
        | awk -F '\\t' -v OFS='\\t' -v n=\"$(dpkg --print-architecture)\" \
        '$1 == \"installed\" { if ($4 != n && $4 != \"all\") $2 = $2 \":\" $4; print }')\n\
        echo '@@policy'\napt-cache policy 2>/dev/null\n\
        echo '@@madison'\nprintf '%s\\n' \"$inst\" | cut -f2 | xargs -r apt-cache madison 2>/dev/null\n\
        echo '@@installed'\nprintf '%s\\n' \"$inst\"\n";
    let out = ctx.probe(script)?.stdout_str();
    let section = |name: &str| -> Vec<&str> {
        out.split(&format!("@@{name}\n"))
            .nth(1)
            .unwrap_or("")
            .split("\n@@")
            .next()
            .unwrap_or("")
            .lines()
            .collect()
    };
    // `apt-cache policy`: each source line, then its `release o=ORIGIN,...`.
    let mut origins: Vec<(String, String)> = Vec::new();
    let mut last_source: Option<String> = None;
    for line in section("policy") {
        let t = line.trim();
        if let Some(rel) = t.strip_prefix("release ") {
            if let Some(src) = last_source.take() {
                let o = rel
                    .split(',')
                    .find_map(|kv| kv.strip_prefix("o="))
                    .unwrap_or("");
                origins.push((src, o.to_owned()));
            }
        } else if let Some((prio, src)) = t.split_once(' ') {
            if prio.parse::<i32>().is_ok() {
                last_source = Some(src.trim().to_owned());
            }
        }
    }
    // `apt-cache madison`: `name | version | source`, first line wins.
    let mut first_source: std::collections::HashMap<(String, String), String> =
        std::collections::HashMap::new();
    for line in section("madison") {
        let parts: Vec<&str> = line.split('|').map(str::trim).collect();
        if let [name, version, source] = parts[..] {
            first_source
                .entry((name.to_owned(), version.to_owned()))
                .or_insert_with(|| source.to_owned());
        }
    }
    let mut list = Vec::new();
    for line in section("installed") {
        let f: Vec<&str> = line.split('\t').collect();
        let [_, name, version, arch, category] = f[..] else {
            continue;
        };
        let origin = first_source
            .get(&(name.to_owned(), version.to_owned()))
            .and_then(|src| origins.iter().find(|(s, _)| s == src))
            .map_or("", |(_, o)| o.as_str());
        let mut m = Map::new();
        m.insert("name".into(), Value::from(name));
        m.insert("version".into(), Value::from(version));
        m.insert("arch".into(), Value::from(arch));
        m.insert("category".into(), Value::from(category));
        m.insert("origin".into(), Value::from(origin));
        m.insert("source".into(), Value::from("apt"));
        list.push((name.to_owned(), Value::Map(m)));
    }
    Ok(list)
}

/// Installed RPMs. A missing epoch reads `None`, as Ansible's
/// `to_text(None)` renders rpm's absent tag.
fn list_rpm(ctx: &mut ModuleContext<'_>) -> Result<Vec<(String, Value)>, ModuleError> {
    let out = ctx
        .probe(
            "rpm -qa --qf '%{NAME}\\t%{VERSION}\\t%{RELEASE}\\t%{EPOCH}\\t%{ARCH}\\n' 2>/dev/null",
        )?
        .stdout_str();
    let mut list = Vec::new();
    for line in out.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        let [name, version, release, epoch, arch] = f[..] else {
            continue;
        };
        let epoch = if epoch == "(none)" { "None" } else { epoch };
        let mut m = Map::new();
        m.insert("name".into(), Value::from(name));
        m.insert("version".into(), Value::from(version));
        m.insert("release".into(), Value::from(release));
        m.insert("epoch".into(), Value::from(epoch));
        m.insert("arch".into(), Value::from(arch));
        m.insert("source".into(), Value::from("rpm"));
        list.push((name.to_owned(), Value::Map(m)));
    }
    Ok(list)
}
