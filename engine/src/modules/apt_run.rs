//! The `apt` module's run, in the order of Ansible's `main()`: `clean`,
//! the cache refresh, `upgrade`, `deb`, then the packages (install,
//! remove, or `autoremove`/`autoclean` when there are none).

use super::apt::{
    diff_value, expand_dpkg_options, has_wildcard, install_debs, names_of, package_status,
    shell_words, split_spec, unwrap_rc, with_output, wrap, AptArgs, AptState, Installable, Upgrade,
};
use super::apt_probe::{self, AptProbe};
use super::context::ModuleContext;
use super::outcome::{ModuleError, Outcome};
use crate::shell::quote;
use crate::value::Value;

/// Runs the module.
pub(crate) fn run(a: &AptArgs, ctx: &mut ModuleContext<'_>) -> Result<Outcome, ModuleError> {
    if a.clean {
        let out = ctx.apply(&wrap(a, "apt-get clean"), None)?;
        let (stdout, rc) = unwrap_rc(&out.stdout_str());
        let stderr = out.stderr_str();
        if rc != 0 || !stderr.is_empty() {
            let msg = if rc != 0 {
                "apt-get clean failed".to_owned()
            } else {
                format!("apt-get clean failed: {stderr}")
            };
            return Ok(Outcome::failed(msg).with("stdout", stdout).with("rc", rc));
        }
        if a.packages.is_empty() && a.upgrade.is_none() && a.deb.is_none() {
            let (diff, text) = diff_value(ctx, &stdout);
            let mut o = with_output(Outcome::changed(), &stdout, &stderr)
                .with("msg", stdout.clone())
                .with("diff", diff);
            o.diff = text;
            return Ok(o);
        }
    }
    let mut specs: Vec<String> = a
        .packages
        .iter()
        .filter(|p| p.as_str() != "*")
        .map(|p| p.trim().to_owned())
        .collect();
    let all_installed = a.packages.iter().any(|p| p == "*");
    if specs.iter().any(|s| has_wildcard(s)) {
        specs = match expand_wildcards(ctx, &specs)? {
            Ok(s) => s,
            Err(msg) => return Ok(Outcome::failed(msg)),
        };
    }
    let names = names_of(&specs);
    let release = a.default_release.as_deref();
    let mut probe = read_probe(ctx, &apt_probe::script(&names, release), false)?;
    let mut updated = false;
    if a.update_cache == Some(true) || a.cache_valid_time > 0 {
        if probe.cache_mtime + a.cache_valid_time < probe.now {
            let before = probe.cache_mtime;
            if !ctx.check_mode() {
                let script = update_script(a.update_cache_retries, a.update_cache_retry_max_delay)
                    + &apt_probe::script(&names, release);
                let out = ctx.apply(&script, None)?;
                let text = out.stdout_str();
                if let Some(fail) = text.lines().find_map(|l| l.strip_prefix("updfail")) {
                    let reason = fail.trim();
                    let reason = if reason.is_empty() {
                        "unknown reason"
                    } else {
                        reason
                    };
                    return Ok(Outcome::failed(format!(
                        "Failed to update apt cache after {} retries: {reason}",
                        a.update_cache_retries
                    )));
                }
                probe = apt_probe::parse(&text)?;
            }
            updated = ctx.check_mode() || before != probe.cache_mtime;
        }
        if a.packages.is_empty() && a.upgrade.is_none() && a.deb.is_none() {
            return Ok(Outcome {
                changed: updated,
                ..Outcome::ok()
            }
            .with("cache_updated", updated)
            .with("cache_update_time", probe.cache_mtime));
        }
    }
    let cache = (updated, probe.cache_mtime);
    if let Some(mode) = a.upgrade {
        return upgrade(a, ctx, &probe, mode);
    }
    if let Some(debs) = &a.deb {
        if a.state != AptState::Present {
            return Ok(Outcome::failed("deb only supports state=present"));
        }
        return install_debs(a, ctx, &probe, debs);
    }
    if a.state == AptState::Latest && all_installed {
        if !specs.is_empty() {
            return Ok(Outcome::failed(
                "unable to install additional packages when upgrading all installed packages",
            ));
        }
        return upgrade(a, ctx, &probe, Upgrade::Safe);
    }
    if let Some(bad) = specs.iter().find(|s| s.matches('=').count() > 1) {
        return Ok(Outcome::failed(format!("invalid package spec: {bad}")));
    }
    if specs.is_empty() {
        if a.autoclean {
            return cleanup(a, ctx, "autoclean");
        }
        if a.autoremove {
            return cleanup(a, ctx, "autoremove");
        }
    }
    match a.state {
        AptState::Absent => remove(a, ctx, &probe, &specs),
        _ => Ok(match install(a, ctx, &probe, &specs, InstallMode::of(a))? {
            Exit::Final(o) => o,
            Exit::Returned(o) => o
                .with("cache_updated", cache.0)
                .with("cache_update_time", cache.1),
        }),
    }
}

fn read_probe(
    ctx: &mut ModuleContext<'_>,
    script: &str,
    _fresh: bool,
) -> Result<AptProbe, ModuleError> {
    let out = ctx.probe(script)?;
    apt_probe::parse(&out.stdout_str())
}

/// fnmatch wildcards in names, expanded over the names apt knows
/// (native packages only unless the pattern names an architecture).
fn expand_wildcards(
    ctx: &mut ModuleContext<'_>,
    specs: &[String],
) -> Result<Result<Vec<String>, String>, ModuleError> {
    let out = ctx.probe("LC_ALL=C apt-cache pkgnames 2>/dev/null | LC_ALL=C sort")?;
    let all: Vec<String> = out.stdout_str().lines().map(str::to_owned).collect();
    let mut expanded = Vec::new();
    for spec in specs {
        let pattern = split_spec(spec).0;
        if !has_wildcard(spec) {
            expanded.push(spec.clone());
            continue;
        }
        let matches: Vec<&String> = all
            .iter()
            .filter(|n| pattern.contains(':') || !n.contains(':'))
            .filter(|n| super::debvercmp::fnmatch(n, pattern))
            .collect();
        if matches.is_empty() {
            return Ok(Err(format!("No package(s) matching '{pattern}' available")));
        }
        expanded.extend(matches.into_iter().cloned());
    }
    Ok(Ok(expanded))
}

/// `apt-get update` with Ansible's retries and backoff (bounded by
/// `update_cache_retries` and `update_cache_retry_max_delay`).
pub(crate) fn update_script(retries: i64, max_delay: i64) -> String {
    format!(
        "{env}e=$(mktemp) || exit 1\ni=0; ok=0\n\
         while [ \"$i\" -lt {retries} ]; do\n\
         \x20 if apt-get update -q >/dev/null 2>\"$e\" && ! grep -q '^E:' \"$e\"; then ok=1; break; fi\n\
         \x20 d=$((1 << i)); [ \"$d\" -gt {max} ] && d={max}; sleep \"$d\"; i=$((i + 1))\n\
         done\n\
         if [ $ok = 1 ]; then echo updok; else printf 'updfail %s\\n' \"$(grep '^E:' \"$e\" | tr '\\n' ' ')\"; fi\n\
         rm -f \"$e\"\n",
        env = super::apt_probe::APT_ENV,
        retries = retries.clamp(0, 100),
        max = max_delay.clamp(0, 3600),
    )
}

/// The options every install-like command gets, as Ansible words them.
fn dpkg_opts(a: &AptArgs) -> String {
    format!(
        "{} -o DPkg::Lock::Timeout={}",
        expand_dpkg_options(&a.dpkg_options),
        a.lock_timeout
    )
}

fn apt_get(p: &AptProbe) -> &str {
    if p.apt_get.is_empty() {
        "/usr/bin/apt-get"
    } else {
        &p.apt_get
    }
}

/// How `install` is called.
#[derive(Clone, Copy)]
pub(crate) struct InstallMode {
    pub upgrade: bool,
    pub fixed: bool,
    pub only_upgrade: bool,
}

impl InstallMode {
    fn of(a: &AptArgs) -> InstallMode {
        InstallMode {
            upgrade: a.state == AptState::Latest,
            fixed: a.state == AptState::Fixed,
            only_upgrade: a.only_upgrade,
        }
    }
}

/// How `install` ended: with the module's own exit (`fail_json` inside
/// it), or returning its result to the caller, which adds its keys.
pub(crate) enum Exit {
    /// The module ends here, with this result as it is.
    Final(Outcome),
    /// The caller completes and returns this result.
    Returned(Outcome),
}

impl Exit {
    /// The result, whichever way it ended.
    pub(crate) fn into_outcome(self) -> Outcome {
        match self {
            Exit::Final(o) | Exit::Returned(o) => o,
        }
    }
}

/// Ansible's `install`: the packages that need it, in one `apt-get
/// install`; then the requested names are marked manually installed.
pub(crate) fn install(
    a: &AptArgs,
    ctx: &mut ModuleContext<'_>,
    probe: &AptProbe,
    specs: &[String],
    mode: InstallMode,
) -> Result<Exit, ModuleError> {
    let mut list = Vec::new();
    let mut names = Vec::new();
    for spec in specs {
        let (name, cmp, version) = split_spec(spec);
        names.push(name.to_owned());
        let (installed, version_ok, installable, _) =
            match package_status(probe, name, cmp, version, true) {
                Ok(s) => s,
                Err(msg) => return Ok(Exit::Final(Outcome::failed(msg))),
            };
        if !installed && mode.only_upgrade {
            continue;
        }
        if !version_ok && installable == Installable::No {
            return Ok(Exit::Returned(Outcome::failed(format!(
                "no available installation candidate for {spec}"
            ))));
        }
        let wanted = (!installed && !mode.only_upgrade) || mode.upgrade || !version_ok;
        match installable {
            Installable::Version(v) if wanted => list.push(format!("{name}={v}")),
            Installable::Virtual if wanted => list.push(match version {
                Some(v) => format!("{name}={v}"),
                None => name.to_owned(),
            }),
            // Ansible's legacy branch: a glob matching both the installed
            // and a newer version is handed to apt as is.
            Installable::Version(_) if version_ok && cmp == Some("=") => {
                list.push(format!("{name}={}", version.unwrap_or_default()))
            }
            _ => {}
        }
    }
    if list.is_empty() {
        if !ctx.check_mode() {
            mark_manual(ctx, probe, &names)?;
        }
        return Ok(Exit::Returned(Outcome::ok()));
    }
    let flag = |on: bool, text: &'static str| if on { text } else { "" };
    let packages: Vec<String> = list.iter().map(|p| format!("'{p}'")).collect();
    let mut cmd = format!(
        "{} -y {} {} {} {} {} {} {} install {}",
        apt_get(probe),
        dpkg_opts(a),
        flag(mode.only_upgrade, "--only-upgrade"),
        flag(mode.fixed, "--fix-broken"),
        flag(a.force, "--force-yes"),
        flag(a.autoremove, "--auto-remove"),
        flag(a.fail_on_autoremove, "--no-remove"),
        flag(ctx.check_mode(), "--simulate"),
        packages.join(" ")
    );
    if let Some(r) = &a.default_release {
        cmd.push_str(&format!(" -t '{r}'"));
    }
    match a.install_recommends {
        Some(false) => cmd.push_str(" -o APT::Install-Recommends=no"),
        Some(true) => cmd.push_str(" -o APT::Install-Recommends=yes"),
        None => {}
    }
    if a.allow_unauthenticated {
        cmd.push_str(" --allow-unauthenticated");
    }
    if a.allow_downgrade {
        cmd.push_str(" --allow-downgrades");
    }
    if a.allow_change_held_packages {
        cmd.push_str(" --allow-change-held-packages");
    }
    let mut script = shell_words(&cmd);
    if !ctx.check_mode() {
        script = format!(
            "{script}\nrc=$?\n[ $rc = 0 ] && {}\n(exit $rc)",
            mark_command(&names)
        );
    }
    let out = if ctx.check_mode() {
        ctx.probe(&wrap(a, &script))?
    } else {
        ctx.apply(&wrap(a, &script), None)?
    };
    let (stdout, rc) = unwrap_rc(&out.stdout_str());
    let stderr = out.stderr_str();
    if rc != 0 {
        return Ok(Exit::Returned(
            with_output(
                Outcome::failed(format!("'{cmd}' failed: {stderr}")),
                &stdout,
                &stderr,
            )
            .with("rc", rc),
        ));
    }
    let (diff, text) = diff_value(ctx, &stdout);
    let mut o = with_output(Outcome::changed(), &stdout, &stderr).with("diff", diff);
    o.diff = text;
    Ok(Exit::Returned(o))
}

/// `apt-mark manual NAMES`, its output kept off apt's.
fn mark_command(names: &[String]) -> String {
    let mut s = String::from("apt-mark manual");
    for n in names {
        s.push(' ');
        s.push_str(&quote(n));
    }
    s.push_str(" >/dev/null");
    s
}

/// Marks the requested names manually installed when some are not yet
/// (Ansible runs `apt-mark manual` every time; it changes nothing else).
fn mark_manual(
    ctx: &mut ModuleContext<'_>,
    probe: &AptProbe,
    names: &[String],
) -> Result<(), ModuleError> {
    let auto: Vec<String> = names
        .iter()
        .filter(|n| probe.pkgs.iter().any(|p| &p.name == *n && p.auto))
        .cloned()
        .collect();
    if !auto.is_empty() {
        ctx.apply(&mark_command(&auto), None)?;
    }
    Ok(())
}

/// Ansible's `remove`.
fn remove(
    a: &AptArgs,
    ctx: &mut ModuleContext<'_>,
    probe: &AptProbe,
    specs: &[String],
) -> Result<Outcome, ModuleError> {
    let mut list = Vec::new();
    for spec in specs {
        let (name, cmp, version) = split_spec(spec);
        let (_, version_ok, _, has_files) = package_status(probe, name, cmp, version, false)
            .unwrap_or((false, false, Installable::No, false));
        if version_ok || (has_files && a.purge) {
            list.push(format!("'{spec}'"));
        }
    }
    if list.is_empty() {
        return Ok(Outcome::ok());
    }
    let flag = |on: bool, text: &'static str| if on { text } else { "" };
    let packages = list.join(" ");
    let cmd = format!(
        "{} -q -y {} {} {} {} {} {} remove {}",
        apt_get(probe),
        dpkg_opts(a),
        flag(a.purge, "--purge"),
        flag(a.force, "--force-yes"),
        flag(a.autoremove, "--auto-remove"),
        flag(ctx.check_mode(), "--simulate"),
        flag(a.allow_change_held_packages, "--allow-change-held-packages"),
        packages
    );
    let script = wrap(a, &shell_words(&cmd));
    let out = if ctx.check_mode() {
        ctx.probe(&script)?
    } else {
        ctx.apply(&script, None)?
    };
    let (stdout, rc) = unwrap_rc(&out.stdout_str());
    let stderr = out.stderr_str();
    if rc != 0 {
        let msg = format!("'apt-get remove {packages}' failed: {stderr}");
        return Ok(with_output(Outcome::failed(msg), &stdout, &stderr).with("rc", rc));
    }
    let (diff, text) = diff_value(ctx, &stdout);
    let mut o = with_output(Outcome::changed(), &stdout, &stderr).with("diff", diff);
    o.diff = text;
    Ok(o)
}

/// Ansible's `cleanup`: `autoremove` or `autoclean` alone.
fn cleanup(
    a: &AptArgs,
    ctx: &mut ModuleContext<'_>,
    operation: &'static str,
) -> Result<Outcome, ModuleError> {
    let flag = |on: bool, text: &'static str| if on { text } else { "" };
    let cmd = format!(
        "apt-get -y {} {} {} {} {}",
        dpkg_opts(a),
        flag(a.purge, "--purge"),
        flag(a.force, "--force-yes"),
        operation,
        flag(ctx.check_mode(), "--simulate"),
    );
    let script = wrap(a, &shell_words(&cmd));
    let out = if ctx.check_mode() {
        ctx.probe(&script)?
    } else {
        ctx.apply(&script, None)?
    };
    let (stdout, rc) = unwrap_rc(&out.stdout_str());
    let stderr = out.stderr_str();
    let marker = if operation == "autoremove" {
        "The following packages will be REMOVED"
    } else {
        "Del "
    };
    if rc != 0 {
        let msg = format!("'apt-get {operation}' failed: {stderr}");
        return Ok(with_output(Outcome::failed(msg), &stdout, &stderr).with("rc", rc));
    }
    let (diff, text) = diff_value(ctx, &stdout);
    let mut o = with_output(
        Outcome {
            changed: stdout.contains(marker),
            ..Outcome::ok()
        },
        &stdout,
        &stderr,
    )
    .with("diff", diff);
    o.diff = text;
    Ok(o)
}

/// Ansible's `upgrade`.
fn upgrade(
    a: &AptArgs,
    ctx: &mut ModuleContext<'_>,
    probe: &AptProbe,
    mode: Upgrade,
) -> Result<Outcome, ModuleError> {
    let use_apt_get = a.force_apt_get || probe.aptitude.is_empty();
    let auto = if a.autoremove { "--auto-remove" } else { "" };
    let (tool, command) = match mode {
        Upgrade::Dist => (apt_get(probe).to_owned(), format!("dist-upgrade {auto}")),
        Upgrade::Full if use_apt_get => (apt_get(probe).to_owned(), format!("dist-upgrade {auto}")),
        Upgrade::Full => (probe.aptitude.clone(), "full-upgrade".to_owned()),
        Upgrade::Safe if use_apt_get => (
            apt_get(probe).to_owned(),
            format!("upgrade --with-new-pkgs {auto}"),
        ),
        Upgrade::Safe => (probe.aptitude.clone(), "safe-upgrade".to_owned()),
    };
    let is_apt_get = tool == apt_get(probe);
    let force = match (a.force, is_apt_get) {
        (false, _) => "",
        (true, true) => "--force-yes",
        (true, false) => "--assume-yes --allow-untrusted",
    };
    let mut warnings = Vec::new();
    let no_remove = match (a.fail_on_autoremove, is_apt_get) {
        (true, true) => "--no-remove",
        (true, false) => {
            warnings.push(Value::from(
                "APTITUDE does not support '--no-remove', ignoring the 'fail_on_autoremove' parameter.",
            ));
            ""
        }
        _ => "",
    };
    let downgrade = match (a.allow_downgrade, is_apt_get) {
        (true, true) => "--allow-downgrades",
        (true, false) => {
            warnings.push(Value::from(
                "APTITUDE does not support '--allow-downgrades', ignoring the 'allow_downgrade' parameter.",
            ));
            ""
        }
        _ => "",
    };
    let mut cmd = format!(
        "{tool} -y {} {force} {no_remove} {} {downgrade} {} {command}",
        dpkg_opts(a),
        if a.allow_unauthenticated {
            "--allow-unauthenticated"
        } else {
            ""
        },
        if ctx.check_mode() { "--simulate" } else { "" },
    );
    if let Some(r) = &a.default_release {
        cmd.push_str(&format!(" -t '{r}'"));
    }
    let script = wrap(a, &shell_words(&cmd));
    let out = if ctx.check_mode() {
        ctx.probe(&script)?
    } else {
        ctx.apply(&script, None)?
    };
    let (stdout, rc) = unwrap_rc(&out.stdout_str());
    let stderr = out.stderr_str();
    let mut o = if rc != 0 {
        let name = if is_apt_get { apt_get(probe) } else { &tool };
        Outcome::failed(format!("'{name} {command}' failed: {stderr}"))
            .with("stdout", stdout.clone())
            .with("rc", rc)
    } else {
        let zero = if is_apt_get {
            "\n0 upgraded, 0 newly installed, 0 to remove"
        } else {
            "\n0 packages upgraded, 0 newly installed, 0 to remove"
        };
        let changed = !stdout.contains(zero);
        let mut o = with_output(
            Outcome {
                changed,
                ..Outcome::ok()
            },
            &stdout,
            &stderr,
        )
        .with("msg", stdout.clone());
        if changed {
            let (diff, text) = diff_value(ctx, &stdout);
            o = o.with("diff", diff);
            o.diff = text;
        }
        o
    };
    if !warnings.is_empty() {
        o = o.with("warnings", Value::List(warnings));
    }
    Ok(o)
}
