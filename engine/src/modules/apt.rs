//! `apt`: Debian packages installed, upgraded or removed with `apt-get`,
//! decided from `dpkg-query` and `apt-cache policy` as Ansible's apt
//! module decides from python-apt.
//!
//! Supported: every option of ansible-core 2.19's apt module: `name`
//! (`pkg`, `package`; `name=1.2*` pins by glob, `name>=1.2`, `*` with
//! `latest`, fnmatch wildcards in names), `state`
//! (present/absent/latest/fixed), `deb` (a path or URL), `update_cache`,
//! `update_cache_retries`, `update_cache_retry_max_delay`,
//! `cache_valid_time`, `purge`, `default_release`, `install_recommends`,
//! `force`, `upgrade` (yes/safe/full/dist: aptitude when the host has
//! it, as Ansible), `dpkg_options`, `autoremove`, `autoclean`,
//! `fail_on_autoremove`, `policy_rc_d`, `only_upgrade`, `force_apt_get`,
//! `clean`, `allow_unauthenticated`, `allow_downgrade`,
//! `allow_change_held_packages`, `lock_timeout`; `auto_install_module_deps`
//! is accepted and has nothing to do (no python-apt is needed on the host).
//! Refused: `state: build-dep`.
//!
//! One read-only probe ([`super::apt_probe`]) answers what is installed,
//! what apt would pick and how old the cache is. Only what differs runs,
//! with the same `apt-get`/`dpkg` command line Ansible runs (so `stdout`,
//! `stderr` and failure messages are apt's own), in Ansible's environment
//! (`DEBIAN_FRONTEND=noninteractive`, its locale). Check mode runs the
//! same command with `--simulate`, as Ansible does. Results carry
//! Ansible's keys: `cache_updated`, `cache_update_time`, `stdout`,
//! `stderr`, `diff` (`prepared`, in diff mode), `msg`/`rc` on failure.
//!
//! Deviations: pins from `/etc/apt/preferences` above 1001 do not
//! override a `name=version` glob (Ansible's python-apt policy would let
//! them); multi-arch `name:arch` keys of `deb` files are not used.

use super::apt_deb;
use super::apt_probe::{self, AptProbe, PkgInfo, APT_ENV};
use super::args::{ArgError, ArgMap};
use super::argv::split_words;
use super::context::ModuleContext;
use super::debvercmp::{debvercmp, fnmatch};
use super::outcome::{ModuleError, Outcome};
use super::Module;
use crate::shell::quote;
use crate::value::{Map, Value};

/// What the packages should be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AptState {
    /// Installed (`present`).
    Present,
    /// Installed at the candidate version (`latest`).
    Latest,
    /// Not installed (`absent`).
    Absent,
    /// Installed, repairing broken dependencies (`fixed`).
    Fixed,
}

/// `upgrade:` other than `no`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Upgrade {
    /// `yes`/`safe`: aptitude safe-upgrade, or `apt-get upgrade --with-new-pkgs`.
    Safe,
    /// `full`: aptitude full-upgrade, or `apt-get dist-upgrade`.
    Full,
    /// `dist`: `apt-get dist-upgrade`.
    Dist,
}

/// Arguments of `apt`, after Ansible's defaults.
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct AptArgs {
    pub packages: Vec<String>,
    pub state: AptState,
    pub update_cache: Option<bool>,
    pub update_cache_retries: i64,
    pub update_cache_retry_max_delay: i64,
    pub cache_valid_time: i64,
    pub purge: bool,
    pub deb: Option<String>,
    pub default_release: Option<String>,
    pub install_recommends: Option<bool>,
    pub force: bool,
    pub upgrade: Option<Upgrade>,
    pub dpkg_options: String,
    pub autoremove: bool,
    pub autoclean: bool,
    pub fail_on_autoremove: bool,
    pub policy_rc_d: Option<i64>,
    pub only_upgrade: bool,
    pub force_apt_get: bool,
    pub clean: bool,
    pub allow_unauthenticated: bool,
    pub allow_downgrade: bool,
    pub allow_change_held_packages: bool,
    pub lock_timeout: i64,
}

/// The `apt` module.
pub struct AptModule;

impl Module for AptModule {
    type Args = AptArgs;
    const PROBES: bool = true;

    fn parse(args: &mut ArgMap) -> Result<AptArgs, ArgError> {
        let state = match args
            .choice(
                &["state"],
                &["absent", "build-dep", "fixed", "latest", "present"],
            )?
            .as_deref()
        {
            Some("absent") => AptState::Absent,
            Some("latest") => AptState::Latest,
            Some("fixed") => AptState::Fixed,
            Some("build-dep") => {
                return Err(ArgError::Invalid(
                    "`state: build-dep` is not implemented by konvoy-image".into(),
                ))
            }
            _ => AptState::Present,
        };
        let packages = args.list(&["package", "pkg", "name"])?;
        let deb = args.str(&["deb"])?;
        let upgrade = match args
            .choice(&["upgrade"], &["dist", "full", "no", "safe", "yes"])?
            .as_deref()
        {
            Some("dist") => Some(Upgrade::Dist),
            Some("full") => Some(Upgrade::Full),
            Some("safe" | "yes") => Some(Upgrade::Safe),
            _ => None,
        };
        let explicit_upgrade = args.value(&["upgrade"]).is_some();
        let b = |args: &mut ArgMap, names: &[&str]| args.bool(names).map(|v| v.unwrap_or(false));
        let parsed = AptArgs {
            state,
            update_cache: args.bool(&["update_cache", "update-cache"])?,
            update_cache_retries: args.int(&["update_cache_retries"])?.unwrap_or(5),
            update_cache_retry_max_delay: args
                .int(&["update_cache_retry_max_delay"])?
                .unwrap_or(12),
            cache_valid_time: args.int(&["cache_valid_time"])?.unwrap_or(0),
            purge: b(args, &["purge"])?,
            default_release: args.str(&["default_release", "default-release"])?,
            install_recommends: args.bool(&["install_recommends", "install-recommends"])?,
            force: b(args, &["force"])?,
            dpkg_options: args
                .str(&["dpkg_options"])?
                .unwrap_or_else(|| "force-confdef,force-confold".into()),
            autoremove: b(args, &["autoremove"])?,
            autoclean: b(args, &["autoclean"])?,
            fail_on_autoremove: b(args, &["fail_on_autoremove"])?,
            policy_rc_d: args.int(&["policy_rc_d"])?,
            only_upgrade: b(args, &["only_upgrade"])?,
            force_apt_get: b(args, &["force_apt_get"])?,
            clean: b(args, &["clean"])?,
            allow_unauthenticated: b(args, &["allow_unauthenticated", "allow-unauthenticated"])?,
            allow_downgrade: b(
                args,
                &[
                    "allow_downgrade",
                    "allow-downgrade",
                    "allow_downgrades",
                    "allow-downgrades",
                ],
            )?,
            allow_change_held_packages: b(args, &["allow_change_held_packages"])?,
            lock_timeout: args.int(&["lock_timeout"])?.unwrap_or(60),
            packages: packages.clone().unwrap_or_default(),
            deb: deb.clone(),
            upgrade,
        };
        args.bool(&["auto_install_module_deps"])?;
        args.finish(&[
            "name",
            "state",
            "update_cache",
            "update_cache_retries",
            "update_cache_retry_max_delay",
            "cache_valid_time",
            "purge",
            "deb",
            "default_release",
            "install_recommends",
            "force",
            "upgrade",
            "dpkg_options",
            "autoremove",
            "autoclean",
            "fail_on_autoremove",
            "policy_rc_d",
            "only_upgrade",
            "force_apt_get",
            "clean",
            "allow_unauthenticated",
            "allow_downgrade",
            "allow_change_held_packages",
            "lock_timeout",
            "auto_install_module_deps",
        ])?;
        let given = [packages.is_some(), deb.is_some(), explicit_upgrade];
        if given.iter().filter(|g| **g).count() > 1 {
            return Err(ArgError::Invalid(
                "parameters are mutually exclusive: deb|package|upgrade".into(),
            ));
        }
        // Ansible's `required_one_of` (autoremove, deb, package,
        // update_cache, upgrade) is always met: `upgrade` defaults to `no`.
        Ok(parsed)
    }

    fn probes(a: &AptArgs) -> Vec<String> {
        // Only the plain case: no cache refresh, no wildcards, no deb.
        let simple = a.update_cache != Some(true)
            && a.cache_valid_time == 0
            && a.deb.is_none()
            && a.upgrade.is_none()
            && !a.clean
            && !a.packages.iter().any(|p| has_wildcard(p));
        if simple && !names_of(&a.packages).is_empty() {
            vec![apt_probe::script(
                &names_of(&a.packages),
                a.default_release.as_deref(),
            )]
        } else {
            Vec::new()
        }
    }

    fn run(a: &AptArgs, ctx: &mut ModuleContext<'_>) -> Result<Outcome, ModuleError> {
        super::apt_run::run(a, ctx)
    }
}

/// Whether a spec's name part has fnmatch characters.
pub(crate) fn has_wildcard(spec: &str) -> bool {
    split_spec(spec).0.contains(['*', '?', '[', ']', '!'])
}

/// The package names of `specs` (version parts dropped, `*` left out).
pub(crate) fn names_of(specs: &[String]) -> Vec<String> {
    specs
        .iter()
        .map(|s| s.trim())
        .filter(|s| *s != "*")
        .map(|s| split_spec(s).0.to_owned())
        .collect()
}

/// Ansible's `package_split`: `name`, `name=version`, `name>=version`.
pub(crate) fn split_spec(spec: &str) -> (&str, Option<&str>, Option<&str>) {
    match spec.find('=') {
        Some(i) if i > 0 && spec.as_bytes()[i - 1] == b'>' => {
            (&spec[..i - 1], Some(">="), Some(&spec[i + 1..]))
        }
        Some(i) => (&spec[..i], Some("="), Some(&spec[i + 1..])),
        None => (spec, None, None),
    }
}

/// What `package_status` says about one requested package.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Installable {
    /// Nothing to install.
    No,
    /// A virtual package: let apt choose.
    Virtual,
    /// This version.
    Version(String),
}

/// Ansible's `package_status`: (installed, the installed version meets
/// the spec, what could be installed, files on disk). `Err` is the
/// module's failure message.
pub(crate) fn package_status(
    probe: &AptProbe,
    name: &str,
    cmp: Option<&str>,
    version: Option<&str>,
    installing: bool,
) -> Result<(bool, bool, Installable, bool), String> {
    let info = probe.pkgs.iter().find(|p| p.name == name);
    let Some(info) = info.filter(|i| i.is_real()) else {
        if !installing {
            return Ok((false, false, Installable::No, false));
        }
        let providers = info.map(|i| i.providers.as_slice()).unwrap_or_default();
        if providers.is_empty() {
            return Err(format!("No package matching '{name}' is available"));
        }
        if let [(provider, true)] = providers {
            // Satisfied by its only provider: report that one's status
            // (its record is in the probe when it was asked about too).
            if let Ok(s @ (true, ..)) = package_status(probe, provider, cmp, version, true) {
                return Ok(s);
            }
            return Ok((true, true, Installable::No, true));
        }
        return Ok((false, false, Installable::Virtual, false));
    };
    let best = best_match(info, cmp, version);
    if !info.installed() {
        let inst = best.map_or(Installable::No, Installable::Version);
        return Ok((false, false, inst, info.has_files()));
    }
    let installed = info.version.as_str();
    let newer = |b: &String| b != installed;
    let (ok, inst) = match (cmp, version) {
        (Some("="), Some(v)) => (
            fnmatch(installed, v),
            best.filter(|b| newer(b) && fnmatch(b, v)),
        ),
        (Some(">="), Some(v)) => (
            debvercmp(installed, v).is_ge(),
            best.filter(|b| newer(b) && debvercmp(b, v).is_ge()),
        ),
        _ => (true, best.filter(newer)),
    };
    let inst = inst.map_or(Installable::No, Installable::Version);
    Ok((true, ok, inst, info.has_files()))
}

/// Ansible's `package_best_match`: the policy candidate, or with
/// `name=glob` the newest version matching the glob (Ansible pins those
/// at 1001, above every built-in priority).
fn best_match(info: &PkgInfo, cmp: Option<&str>, version: Option<&str>) -> Option<String> {
    match (cmp, version) {
        (Some("="), Some(v)) => info
            .versions
            .iter()
            .map(|(ver, _)| ver)
            .filter(|ver| fnmatch(ver, v))
            .max_by(|a, b| debvercmp(a, b))
            .cloned(),
        _ => info.candidate.clone(),
    }
}

/// Ansible's `expand_dpkg_options` (`a,b` → `-o "Dpkg::Options::=--a" ...`).
pub(crate) fn expand_dpkg_options(opts: &str) -> String {
    opts.split(',')
        .map(|o| format!("-o \"Dpkg::Options::=--{o}\""))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A command line as Ansible's `run_command` gets it (a string it splits
/// with `shlex`), made into shell text with every word quoted.
pub(crate) fn shell_words(display: &str) -> String {
    split_words(display)
        .unwrap_or_default()
        .iter()
        .map(|w| quote(w).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The script around an apt/dpkg command: Ansible's environment, the
/// `policy_rc_d` stand-in while it runs, and a trailer with its exit
/// code, so stdout stays apt's own.
pub(crate) fn wrap(a: &AptArgs, commands: &str) -> String {
    let mut s = String::from(APT_ENV);
    if let Some(code) = a.policy_rc_d {
        s.push_str(&format!(
            "pb=''; if [ -e /usr/sbin/policy-rc.d ]; then pb=$(mktemp -d) && mv /usr/sbin/policy-rc.d \"$pb/\"; fi\n\
             printf '#!/bin/sh\\nexit {code}\\n' > /usr/sbin/policy-rc.d && chmod 0755 /usr/sbin/policy-rc.d\n"
        ));
    }
    s.push_str(commands);
    s.push_str("\nrc=$?\n");
    if a.policy_rc_d.is_some() {
        s.push_str(
            "if [ -n \"$pb\" ]; then mv \"$pb/policy-rc.d\" /usr/sbin/policy-rc.d && rmdir \"$pb\"; \
             else rm -f /usr/sbin/policy-rc.d; fi\n",
        );
    }
    s.push_str("printf '\\n@@konvoy-rc@@ %s\\n' \"$rc\"\n");
    s
}

/// Splits a [`wrap`]ped command's stdout into apt's own and its exit code.
pub(crate) fn unwrap_rc(stdout: &str) -> (String, i64) {
    match stdout.rfind("\n@@konvoy-rc@@ ") {
        Some(i) => {
            let rc = stdout[i + 15..].trim().parse().unwrap_or(-1);
            (stdout[..i].to_owned(), rc)
        }
        None => (stdout.to_owned(), -1),
    }
}

/// Ansible's `parse_diff`: apt's plan, from after `Reading state
/// information...` to the `N upgraded` line.
pub(crate) fn parse_diff(out: &str) -> String {
    let lines: Vec<&str> = out.lines().collect();
    let start = lines
        .iter()
        .position(|l| *l == "Resolving dependencies...")
        .or_else(|| {
            lines
                .iter()
                .position(|l| *l == "Reading state information...")
        })
        .map_or(0, |i| i + 1);
    let upgraded = |l: &str| {
        let digits = l.chars().take_while(char::is_ascii_digit).count();
        digits > 0
            && (l[digits..].starts_with(" upgraded")
                || l[digits..].starts_with(" packages upgraded"))
    };
    let end = lines
        .iter()
        .position(|l| upgraded(l))
        .map_or(lines.len(), |i| i + 1);
    lines
        .get(start..end.max(start))
        .unwrap_or_default()
        .join("\n")
}

/// The `diff` result key: `{prepared: ...}` in diff mode, else `{}`.
pub(crate) fn diff_value(ctx: &ModuleContext<'_>, out: &str) -> (Value, Option<String>) {
    let mut m = Map::new();
    if !ctx.diff {
        return (Value::Map(m), None);
    }
    let prepared = parse_diff(out);
    m.insert("prepared".into(), Value::Str(prepared.clone()));
    (Value::Map(m), Some(prepared))
}

/// A result with apt's output attached.
pub(crate) fn with_output(o: Outcome, stdout: &str, stderr: &str) -> Outcome {
    o.with("stdout", stdout).with("stderr", stderr)
}

pub(crate) use apt_deb::install_debs;

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, Value)]) -> Result<AptArgs, ArgError> {
        AptModule::parse(&mut ArgMap::new(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
        ))
    }

    #[test]
    fn arguments_follow_ansible() {
        let a = parse(&[("name", "a, b=1.0*".into())]).unwrap();
        assert_eq!(a.packages, ["a", "b=1.0*"]);
        assert_eq!(a.state, AptState::Present);
        assert_eq!(a.lock_timeout, 60);
        assert!(parse(&[("autoclean", Value::Bool(true))]).is_ok());
        assert!(parse(&[("name", "a".into()), ("deb", "/x.deb".into())]).is_err());
        assert!(parse(&[("name", "a".into()), ("state", "build-dep".into())]).is_err());
        assert!(parse(&[("update_cache", Value::Bool(true))]).is_ok());
        assert!(parse(&[("upgrade", "dist".into())]).is_ok());
    }

    #[test]
    fn specs_split_like_ansible() {
        assert_eq!(split_spec("a"), ("a", None, None));
        assert_eq!(split_spec("a=1.0*"), ("a", Some("="), Some("1.0*")));
        assert_eq!(split_spec("a>=2"), ("a", Some(">="), Some("2")));
        assert!(has_wildcard("konvoy-*"));
        assert!(!has_wildcard("konvoy-b=1.0*"));
    }

    #[test]
    fn diff_is_apt_plan() {
        let out =
            "Reading package lists...\nBuilding dependency tree...\nReading state information...\n\
                   The following NEW packages will be installed:\n  konvoy-a\n\
                   0 upgraded, 1 newly installed, 0 to remove and 0 not upgraded.\nInst konvoy-a\n";
        assert_eq!(
            parse_diff(out),
            "The following NEW packages will be installed:\n  konvoy-a\n\
             0 upgraded, 1 newly installed, 0 to remove and 0 not upgraded."
        );
        assert_eq!(
            expand_dpkg_options("force-confdef,force-confold"),
            "-o \"Dpkg::Options::=--force-confdef\" -o \"Dpkg::Options::=--force-confold\""
        );
    }
}
