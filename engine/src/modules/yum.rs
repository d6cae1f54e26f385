//! `yum`, `dnf` and `package` on RPM hosts: packages installed, upgraded
//! or removed by the host's package manager, decided from `rpm -q`.
//!
//! Supported: `name` (list or comma string of names, `name-version`,
//! `name-version-release`, http(s)/ftp/file URLs and paths of `.rpm`
//! files), `state` (present/installed/latest/absent/removed),
//! `update_cache`, `enablerepo`, `disablerepo` (`*` allowed; disables go
//! first, as Ansible applies them), `disable_gpg_check`, `installroot`,
//! `conf_file`, `exclude`, `releasever`, `disable_excludes`,
//! `skip_broken`, `allowerasing`, `install_weak_deps`, `cacheonly`,
//! `validate_certs`/`sslverify`, `autoremove`, `use_backend`;
//! `lock_timeout` is accepted (the package manager waits on its lock).
//! Rejected: package groups (`@name`) and `list`.
//!
//! One probe answers everything: which package manager the host has
//! (`dnf` when present, else `yum`), and for every name which packages
//! `rpm -q` sees installed; for URLs and files the package is first named
//! from its header (`rpm -qp`; URLs are downloaded with curl or wget, with
//! the task's proxy environment). With `latest` the same probe asks
//! `check-update`. Only what is missing is installed, in one transaction;
//! that command also lists the rpm database before and after, so the
//! result names exactly what was installed and removed
//! (`Installed: NEVRA`, `Removed: NEVRA`, as Ansible's dnf module).
//! Unchanged: one command. Changed: two.
//!
//! A pin older than the installed version is left alone, as Ansible does
//! without `allow_downgrade` (the probe also lists other installed
//! versions of a pinned name; [`super::rpmvercmp`] compares them).
//!
//! Deviations: `update_cache` refreshes metadata only when a transaction,
//! `latest` or a bare `update_cache` needs it (a refresh alone changes
//! nothing Ansible reports); check mode on dnf names what it would
//! install as `repoquery` resolves the specs (one more read-only
//! command; on yum, the specs themselves), without the dependencies
//! Ansible's resolved transaction would add;
//! `allow_downgrade` is not supported.

use super::args::{ArgError, ArgMap};
use super::context::ModuleContext;
use super::outcome::{ModuleError, Outcome};
use super::yum_decide::{decide, failure, failures, notes, success, Todo};
use super::yum_probe::{self, Probe};
use super::Module;
use crate::shell::Cmd;

/// What the packages should be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PackageState {
    /// Installed, any version (`present`, `installed`).
    Present,
    /// Installed at the newest available version.
    Latest,
    /// Not installed (`absent`, `removed`).
    Absent,
}

/// One requested package.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PackageSpec {
    /// A name, `name-version` or `name-version-release` (any NEVRA form
    /// rpm and the package manager both understand).
    Name(String),
    /// An `.rpm` at a URL.
    Url(String),
    /// An `.rpm` file on the host.
    File(String),
}

impl PackageSpec {
    /// Classifies one `name` entry as Ansible's dnf module does.
    pub fn parse(s: &str) -> Result<PackageSpec, ArgError> {
        if s.is_empty() || s.contains(['\n', '\r', '\t', '\0']) {
            return Err(ArgError::Invalid(format!("invalid package name `{s}`")));
        }
        if s.starts_with('-') {
            // dnf parses its arguments twice; `--` does not survive the
            // second pass, so a leading dash would be read as an option.
            return Err(ArgError::Invalid(format!(
                "package name `{s}` starts with `-`"
            )));
        }
        if s.starts_with('@') {
            return Err(ArgError::Invalid(format!(
                "package groups and modules (`{s}`) are not supported"
            )));
        }
        let is_url = ["http://", "https://", "ftp://", "file://"]
            .iter()
            .any(|p| s.starts_with(p));
        if is_url && s.ends_with(".rpm") {
            Ok(PackageSpec::Url(s.to_owned()))
        } else if s.ends_with(".rpm") && s.contains('/') {
            Ok(PackageSpec::File(s.to_owned()))
        } else {
            Ok(PackageSpec::Name(s.to_owned()))
        }
    }

    /// The text the package manager gets.
    pub fn as_str(&self) -> &str {
        match self {
            PackageSpec::Name(s) | PackageSpec::Url(s) | PackageSpec::File(s) => s,
        }
    }
}

/// The package manager a run uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// Whichever the host has: dnf first.
    Auto,
    /// `yum`.
    Yum,
    /// `dnf`.
    Dnf,
}

/// Arguments of `yum`/`dnf`/`package`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YumArgs {
    /// The packages, in the order given.
    pub names: Vec<PackageSpec>,
    /// The wanted state.
    pub state: PackageState,
    /// Refresh repository metadata before deciding or installing.
    pub update_cache: bool,
    /// Options every package manager call gets (`--enablerepo=...`, ...).
    pub options: Vec<String>,
    /// `rpm --root` for probes (the `installroot`).
    pub installroot: Option<String>,
    /// Forced backend.
    pub backend: Backend,
    /// `autoremove` (only with `state: absent`).
    pub autoremove: bool,
    /// `validate_certs: no`: URL downloads skip certificate checks.
    pub insecure: bool,
}

/// The `yum`, `dnf` and `package` modules.
pub struct YumModule;

impl Module for YumModule {
    type Args = YumArgs;
    const PROBES: bool = true;

    fn parse(args: &mut ArgMap) -> Result<YumArgs, ArgError> {
        let names = args
            .list(&["name", "pkg"])?
            .unwrap_or_default()
            .into_iter()
            .filter(|n| !n.is_empty())
            .map(|n| PackageSpec::parse(&n))
            .collect::<Result<Vec<_>, _>>()?;
        let autoremove = args.bool(&["autoremove"])?.unwrap_or(false);
        let state = match args
            .choice(
                &["state"],
                &["present", "installed", "latest", "absent", "removed"],
            )?
            .as_deref()
        {
            Some("latest") => PackageState::Latest,
            Some("absent" | "removed") => PackageState::Absent,
            None if autoremove => PackageState::Absent,
            _ => PackageState::Present,
        };
        if autoremove && state != PackageState::Absent {
            return Err(ArgError::Invalid(
                "autoremove can only be used with state absent".into(),
            ));
        }
        if args.value(&["list"]).is_some() {
            return Err(ArgError::Invalid("argument `list` is not supported".into()));
        }
        let update_cache = args
            .bool(&["update_cache", "expire-cache"])?
            .unwrap_or(false);
        let mut options = Vec::new();
        if let Some(c) = args.str(&["conf_file"])? {
            options.push(format!("--config={c}"));
        }
        if args.bool(&["disable_gpg_check"])?.unwrap_or(false) {
            options.push("--nogpgcheck".into());
        }
        for r in args.list(&["disablerepo"])?.unwrap_or_default() {
            options.push(format!("--disablerepo={r}"));
        }
        for r in args.list(&["enablerepo"])?.unwrap_or_default() {
            options.push(format!("--enablerepo={r}"));
        }
        for x in args.list(&["exclude"])?.unwrap_or_default() {
            options.push(format!("--exclude={x}"));
        }
        let installroot = args.str(&["installroot"])?.filter(|r| r != "/");
        if let Some(r) = &installroot {
            options.push(format!("--installroot={r}"));
        }
        if let Some(r) = args.str(&["releasever"])? {
            options.push(format!("--releasever={r}"));
        }
        if let Some(d) = args.choice(&["disable_excludes"], &["all", "main", "repoid"])? {
            options.push(format!("--disableexcludes={d}"));
        }
        if args.bool(&["skip_broken"])?.unwrap_or(false) {
            options.push("--skip-broken".into());
        }
        if args.bool(&["allowerasing"])?.unwrap_or(false) {
            options.push("--allowerasing".into());
        }
        if args.bool(&["cacheonly"])?.unwrap_or(false) {
            options.push("--cacheonly".into());
        }
        if args.bool(&["install_weak_deps"])? == Some(false) {
            options.push("--setopt=install_weak_deps=False".into());
        }
        let insecure = args.bool(&["validate_certs", "sslverify"])? == Some(false);
        if insecure {
            options.push("--setopt=sslverify=False".into());
        }
        let backend = match args
            .choice(
                &["use_backend", "use"],
                &["auto", "yum", "yum4", "dnf", "dnf4", "dnf5"],
            )?
            .as_deref()
        {
            Some("yum") => Backend::Yum,
            Some("yum4" | "dnf" | "dnf4" | "dnf5") => Backend::Dnf,
            _ => Backend::Auto,
        };
        args.int(&["lock_timeout"])?;
        if names.is_empty() && !update_cache && !autoremove {
            return Err(ArgError::Missing("name".into()));
        }
        args.finish(&[
            "name",
            "state",
            "update_cache",
            "enablerepo",
            "disablerepo",
            "disable_gpg_check",
            "installroot",
            "conf_file",
            "exclude",
            "releasever",
            "disable_excludes",
            "skip_broken",
            "allowerasing",
            "cacheonly",
            "install_weak_deps",
            "validate_certs",
            "use_backend",
            "autoremove",
            "lock_timeout",
        ])?;
        Ok(YumArgs {
            names,
            state,
            update_cache,
            options,
            installroot,
            backend,
            autoremove,
            insecure,
        })
    }

    /// Only probes that read local state are offered for batching: one
    /// that downloads an RPM or asks the repositories for updates needs
    /// the task's environment (proxies) and its own time budget.
    fn probes(a: &YumArgs) -> Vec<String> {
        let remote = a.update_cache
            || a.state == PackageState::Latest
            || a.names.iter().any(|n| matches!(n, PackageSpec::Url(_)));
        if remote {
            Vec::new()
        } else {
            vec![yum_probe::script(a)]
        }
    }

    fn run(a: &YumArgs, ctx: &mut ModuleContext<'_>) -> Result<Outcome, ModuleError> {
        let out = ctx.probe(&yum_probe::script(a))?;
        let probe = yum_probe::parse(&out.stdout_str(), a.names.len())?;
        if let Some(err) = &probe.error {
            return Ok(failure(err.clone(), Vec::new()));
        }
        let (verb, todo) = decide(a, &probe);
        let mut results = notes(a, &probe);
        if todo.is_empty() && !(a.autoremove && a.names.is_empty()) {
            let msg = if a.names.is_empty() {
                "Cache updated"
            } else {
                "Nothing to do"
            };
            return Ok(success(false, msg, results));
        }
        if ctx.check_mode() {
            let word = if verb == "remove" {
                "Removed"
            } else {
                "Installed"
            };
            let resolved = if verb == "install" && probe.manager == "dnf" {
                resolve(a, ctx, &todo)?
            } else {
                None
            };
            match resolved {
                Some(nevras) => results.extend(nevras.iter().map(|n| format!("{word}: {n}"))),
                None => results.extend(todo.iter().map(|t| format!("{word}: {}", t.shown))),
            }
            return Ok(success(
                true,
                "Check mode: No changes made, but would have if not in check mode",
                results,
            ));
        }
        let args: Vec<&str> = todo.iter().map(|t| t.arg.as_str()).collect();
        let out = ctx.apply(&transaction_script(a, &probe, verb, &args), None)?;
        let tx = yum_probe::parse_transaction(&out.stdout_str());
        if tx.rc != Some(0) {
            return Ok(failure(
                "Failed to install some of the specified packages".into(),
                failures(&out.stderr_str(), &todo),
            ));
        }
        results.extend(tx.installed.iter().map(|p| format!("Installed: {p}")));
        results.extend(tx.removed.iter().map(|p| format!("Removed: {p}")));
        let changed = !tx.installed.is_empty() || !tx.removed.is_empty();
        Ok(success(
            changed,
            if changed { "" } else { "Nothing to do" },
            results,
        ))
    }
}

/// Check mode on dnf: the NEVRAs the specs resolve to (`repoquery`, one
/// read-only command), as Ansible's check mode names them; `None` when
/// the query fails, so the specs themselves are shown.
fn resolve(
    a: &YumArgs,
    ctx: &mut ModuleContext<'_>,
    todo: &[Todo],
) -> Result<Option<Vec<String>>, ModuleError> {
    let (names, files): (Vec<&Todo>, Vec<&Todo>) = todo.iter().partition(|t| t.arg == t.shown);
    if names.is_empty() {
        // Without arguments repoquery would list every package.
        return Ok(None);
    }
    let cmd = Cmd::new("dnf -q")
        .args(&a.options)
        .flag("repoquery --latest-limit=1 --qf")
        .arg("%{name}-%{evr}.%{arch}")
        .flag("--")
        .args(names.iter().map(|t| t.arg.as_str()))
        .flag("2>/dev/null");
    let out = ctx.probe(cmd.as_str())?;
    let found: Vec<String> = out.stdout_str().lines().map(str::to_owned).collect();
    if out.rc != 0 || found.len() < names.len() {
        return Ok(None);
    }
    Ok(Some(
        files.iter().map(|t| t.shown.clone()).chain(found).collect(),
    ))
}

/// The apply command: the transaction between two listings of the rpm
/// database, so the result can name what changed.
fn transaction_script(a: &YumArgs, p: &Probe, verb: &'static str, todo: &[&str]) -> String {
    let mut s =
        String::from("b=$(mktemp) && a=$(mktemp) || exit 1\ntrap 'rm -f \"$b\" \"$a\"' EXIT\n");
    s.push_str(&yum_probe::list_call(a, "\"$b\""));
    let pm = p.manager;
    if a.update_cache && pm == "yum" {
        s.push_str("yum -q makecache >&2\n");
    }
    let mut cmd = Cmd::new(if pm == "dnf" { "dnf" } else { "yum" }).flag("-y");
    if a.update_cache && pm == "dnf" {
        cmd = cmd.flag("--refresh");
    }
    cmd = cmd.args(&a.options);
    if a.autoremove && a.names.is_empty() {
        cmd = cmd.flag("autoremove");
    } else {
        cmd = cmd.flag(verb).flag("--").args(todo);
    }
    s.push_str(cmd.as_str());
    s.push_str(" >&2\nrc=$?\n");
    s.push_str(&yum_probe::list_call(a, "\"$a\""));
    s.push_str("LC_ALL=C comm -13 \"$b\" \"$a\" | sed 's/^/+ /'\n");
    s.push_str("LC_ALL=C comm -23 \"$b\" \"$a\" | sed 's/^/- /'\n");
    s.push_str("echo \"RC $rc\"\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::{Map, Value};

    fn parse(pairs: &[(&str, Value)]) -> Result<YumArgs, ArgError> {
        let m: Map = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect();
        YumModule::parse(&mut ArgMap::new(m))
    }

    #[test]
    fn specs_are_classified() {
        assert_eq!(
            PackageSpec::parse("kubelet-1.21.6-0").unwrap(),
            PackageSpec::Name("kubelet-1.21.6-0".into())
        );
        assert!(matches!(
            PackageSpec::parse("http://x/y/a-1.noarch.rpm").unwrap(),
            PackageSpec::Url(_)
        ));
        assert!(matches!(
            PackageSpec::parse("/tmp/a.rpm").unwrap(),
            PackageSpec::File(_)
        ));
        assert!(PackageSpec::parse("@core").is_err());
        assert!(PackageSpec::parse("-y").is_err());
    }

    #[test]
    fn repos_disable_before_enable() {
        let a = parse(&[
            ("name", "a,b".into()),
            ("enablerepo", "offline".into()),
            ("disablerepo", "*".into()),
            ("state", "latest".into()),
        ])
        .unwrap();
        assert_eq!(a.options, ["--disablerepo=*", "--enablerepo=offline"]);
        assert_eq!(a.state, PackageState::Latest);
        assert_eq!(a.names.len(), 2);
        assert!(parse(&[("name", "a".into()), ("list", "installed".into())]).is_err());
        assert!(parse(&[("state", "present".into())]).is_err());
    }

    #[test]
    fn only_local_probes_are_batched() {
        let local = parse(&[("name", "a".into())]).unwrap();
        assert_eq!(YumModule::probes(&local).len(), 1);
        let url = parse(&[("name", "http://h/a-1-1.noarch.rpm".into())]).unwrap();
        assert!(YumModule::probes(&url).is_empty());
        let latest = parse(&[("name", "a".into()), ("state", "latest".into())]).unwrap();
        assert!(YumModule::probes(&latest).is_empty());
    }
}
