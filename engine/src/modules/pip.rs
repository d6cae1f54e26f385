//! `pip`: Python packages, with pip on the host, as Ansible's module runs
//! it (no Python of ours needed on the host beyond the one pip runs on).
//!
//! Supported: `name` (a list; split version specifiers rejoined as the
//! module does), `version`, `requirements`, `state` (`present`,
//! `absent`, `latest`, `forcereinstall`), `virtualenv` (created with
//! `virtualenv_command` when `bin/activate` is missing; `-p` and
//! `--system-site-packages` as the module adds them), `virtualenv_python`,
//! `virtualenv_site_packages`, `extra_args`, `editable`, `chdir`,
//! `executable`, `umask`, `break_system_packages`.
//!
//! As in Ansible, a real run always calls `pip install`/`uninstall` and
//! reads `changed` from pip's output (or, with requirements or VCS URLs,
//! from `pip list` before and after); check mode compares `pip list`
//! with the requirements (PEP 440 comparisons of release numbers). pip
//! is `python3 -m pip` when that Python has pip (Ansible uses its own
//! interpreter there), else `pip3` on the PATH. Results: `cmd`, `name`,
//! `version`, `state`, `requirements`, `virtualenv`, `stdout`, `stderr`.

use super::args::{ArgError, ArgMap};
use super::capture::{Records, Script};
use super::context::ModuleContext;
use super::outcome::{ModuleError, Outcome};
use super::Module;
use crate::shell::quote;
use crate::value::Value;

/// Arguments of `pip`.
#[derive(Debug, Clone)]
pub struct PipArgs {
    state: String,
    name: Option<Vec<String>>,
    version: Option<String>,
    requirements: Option<String>,
    virtualenv: Option<String>,
    site_packages: bool,
    venv_command: String,
    venv_python: Option<String>,
    extra_args: Option<String>,
    editable: bool,
    chdir: Option<String>,
    executable: Option<String>,
    umask: Option<String>,
    break_system: bool,
}

/// The `pip` module.
pub struct PipModule;

impl Module for PipModule {
    type Args = PipArgs;

    fn parse(args: &mut ArgMap) -> Result<PipArgs, ArgError> {
        let parsed = PipArgs {
            state: args
                .choice(
                    &["state"],
                    &["present", "absent", "latest", "forcereinstall"],
                )?
                .unwrap_or_else(|| "present".into()),
            name: args.list(&["name"])?,
            version: args.str(&["version"])?,
            requirements: args.str(&["requirements"])?,
            virtualenv: args.str(&["virtualenv"])?,
            site_packages: args.bool(&["virtualenv_site_packages"])?.unwrap_or(false),
            venv_command: args
                .str(&["virtualenv_command"])?
                .unwrap_or_else(|| "virtualenv".into()),
            venv_python: args.str(&["virtualenv_python"])?,
            extra_args: args.str(&["extra_args"])?,
            editable: args.bool(&["editable"])?.unwrap_or(false),
            chdir: args.str(&["chdir"])?,
            executable: args.str(&["executable"])?,
            umask: args.str(&["umask"])?,
            break_system: args.bool(&["break_system_packages"])?.unwrap_or(false),
        };
        args.finish(&[
            "state",
            "name",
            "version",
            "requirements",
            "virtualenv",
            "virtualenv_site_packages",
            "virtualenv_command",
            "virtualenv_python",
            "extra_args",
            "editable",
            "chdir",
            "executable",
            "umask",
            "break_system_packages",
        ])?;
        if parsed.name.is_none() && parsed.requirements.is_none() {
            return Err(ArgError::Invalid(
                "one of the following is required: name, requirements".into(),
            ));
        }
        if parsed.name.is_some() && parsed.requirements.is_some() {
            return Err(ArgError::Invalid(
                "parameters are mutually exclusive: name|requirements".into(),
            ));
        }
        if parsed.executable.is_some() && parsed.virtualenv.is_some() {
            return Err(ArgError::Invalid(
                "parameters are mutually exclusive: executable|virtualenv".into(),
            ));
        }
        Ok(parsed)
    }

    fn run(a: &PipArgs, ctx: &mut ModuleContext<'_>) -> Result<Outcome, ModuleError> {
        let env = match (&a.virtualenv, &a.chdir) {
            (Some(e), Some(c)) if !e.starts_with('/') => {
                Some(format!("{}/{e}", c.trim_end_matches('/')))
            }
            (Some(e), _) => Some(e.clone()),
            _ => None,
        };
        if let Some(u) = &a.umask {
            if u.is_empty() || !u.chars().all(|c| c.is_digit(8)) {
                return Ok(Outcome::fail_json("umask must be an octal integer"));
            }
        }
        if a.state == "latest" && a.version.is_some() {
            return Ok(Outcome::fail_json(
                "version is incompatible with state=latest",
            ));
        }
        let packages = match packages(a) {
            Ok(p) => p,
            Err(msg) => return Ok(Outcome::fail_json(msg)),
        };
        let has_vcs = a.name.iter().flatten().any(|n| {
            regex::Regex::new(r"^(svn|git|hg|bzr)\+")
                .expect("valid regex")
                .is_match(n)
        });
        let probe = probe(a, env.as_deref(), ctx.check_mode());
        let r = Records::parse(&ctx.probe(probe.text())?.stdout)?;
        let needs_venv = env.is_some() && !r.succeeded("activate");
        if needs_venv && ctx.check_mode() {
            return Ok(Outcome::changed());
        }
        let mut extra = a.extra_args.clone();
        if a.editable {
            let mut list: Vec<String> = extra
                .as_deref()
                .map(|e| e.split(' ').map(str::to_owned).collect())
                .unwrap_or_default();
            if !list.iter().any(|x| x == "-e") {
                list.push("-e".into());
                extra = Some(list.join(" "));
            }
        }
        let verb: &[&str] = match a.state.as_str() {
            "absent" => &["uninstall", "-y"],
            "latest" => &["install", "-U"],
            "forcereinstall" => &["install", "-U", "--force-reinstall"],
            _ => &["install"],
        };
        let mut tail: Vec<String> = verb.iter().map(|s| (*s).to_owned()).collect();
        if let Some(e) = &extra {
            tail.extend(crate::shell::split_words_lossy(e));
        }
        if a.name.is_some() {
            tail.extend(packages.iter().map(|p| p.text.clone()));
        } else if let Some(req) = &a.requirements {
            tail.push("-r".into());
            tail.push(req.clone());
        }
        if ctx.check_mode() {
            if extra.is_some()
                || a.requirements.is_some()
                || a.state == "latest"
                || a.name.is_none()
            {
                return Ok(Outcome::changed());
            }
            let pip = match pip_argv(a, &r, env.as_deref()) {
                Ok(p) => p,
                Err(o) => return Ok(o),
            };
            let list = r.get("list").cloned().unwrap_or_default();
            if list.rc == 127 {
                return Ok(exec_error(format!(
                    "{} list --format=freeze",
                    pip.join(" ")
                )));
            }
            let listing = if list.ok() {
                list.clone()
            } else {
                r.get("freeze").cloned().unwrap_or_default()
            };
            let pkg_cmd = format!(
                "{} {}",
                pip.join(" "),
                if list.ok() {
                    "list --format=freeze"
                } else {
                    "freeze"
                }
            );
            let installed: Vec<&str> = listing
                .out
                .split('\n')
                .filter(|p| {
                    !p.is_empty()
                        && !p.starts_with("You are using")
                        && !p.starts_with("You should consider")
                })
                .collect();
            let changed = packages.iter().any(|p| {
                let present = p.is_present(&installed);
                (a.state == "present" && !present) || (a.state == "absent" && present)
            });
            let mut o = Outcome::ok()
                .with("cmd", pkg_cmd)
                .with("stdout", listing.out.as_str())
                .with("stderr", listing.err.as_str());
            o.changed = changed;
            return Ok(o);
        }
        // The real run: venv, pip, freeze before/after, install.
        let mut s = Script::new();
        let chdir = a.chdir.clone();
        s = s.raw(&match &chdir {
            Some(c) => format!("cd -- {} || exit 96", quote(c)),
            None => "cd -- \"${TMPDIR:-/tmp}\" || exit 96".to_owned(),
        });
        if let Some(u) = &a.umask {
            s = s.raw(&format!("umask {}", quote(u)));
        }
        if a.break_system {
            s = s.raw("PIP_BREAK_SYSTEM_PACKAGES=1; export PIP_BREAK_SYSTEM_PACKAGES");
        }
        let mut venv_cmd: Vec<String> = Vec::new();
        if needs_venv {
            let env = env.clone().unwrap_or_default();
            venv_cmd = crate::shell::split_words_lossy(&a.venv_command);
            if let Some(found) = r
                .out_ok("venvbin")
                .map(|o| o.trim().to_owned())
                .filter(|o| !o.is_empty())
            {
                venv_cmd[0] = found;
            } else if !venv_cmd[0].contains('/') {
                return Ok(Outcome::fail_json(format!(
                    "Failed to find required executable \"{}\" in paths: {}",
                    venv_cmd[0],
                    r.out_ok("path").unwrap_or("").trim()
                )));
            }
            let is_venv = is_venv_command(&a.venv_command);
            if a.site_packages {
                venv_cmd.push("--system-site-packages".into());
            } else if r
                .out_ok("venvhelp")
                .is_some_and(|h| h.split_whitespace().any(|w| w == "--no-site-packages"))
            {
                venv_cmd.push("--no-site-packages".into());
            }
            if !is_venv {
                let py = a.venv_python.clone().unwrap_or_else(|| {
                    r.out_ok("python")
                        .unwrap_or("/usr/bin/python3")
                        .trim()
                        .to_owned()
                });
                venv_cmd.push(format!("-p{py}"));
            } else if a.venv_python.is_some() {
                return Ok(Outcome::fail_json(
                    "virtualenv_python should not be used when using the venv module or pyvenv as virtualenv_command",
                ));
            }
            venv_cmd.push(env.clone());
            s = s.capture_or_stop("venv", &join_quoted(&venv_cmd));
        }
        let pip = match &env {
            Some(e) => {
                let b = format!("{}/bin", e.trim_end_matches('/'));
                s = s.raw(&format!(
                    "if [ -x {p3} ] && [ -f {p3} ]; then _pip={p3}; elif [ -x {p} ] && [ -f {p} ]; then _pip={p}; else _pip=; fi",
                    p3 = quote(&format!("{b}/pip3")),
                    p = quote(&format!("{b}/pip"))
                ));
                s = s.capture("pipbin", "printf %s \"$_pip\"");
                s = s.raw(&format!("PATH={}:$PATH; export PATH", quote(&b)));
                None
            }
            None => match pip_argv(a, &r, None) {
                Ok(p) => Some(p),
                Err(o) => return Ok(o),
            },
        };
        let pip_shell = match &pip {
            Some(p) => join_quoted(p),
            None => "\"$_pip\"".to_owned(),
        };
        if env.is_some() {
            s = s.raw("[ -n \"$_pip\" ] || exit 0");
        }
        let freeze = |tag: &'static str, s: Script| {
            s.capture(
                tag,
                &format!(
                    "LANG=C LC_ALL=C LC_MESSAGES=C {pip_shell} list --format=freeze 2>/dev/null || {pip_shell} freeze"
                ),
            )
        };
        let compare = a.requirements.is_some() || has_vcs;
        if compare {
            s = freeze("before", s);
        }
        s = s.capture("pip", &format!("{pip_shell} {}", join_quoted(&tail)));
        if compare {
            s = freeze("after", s);
        }
        let rec = Records::parse(&ctx.apply(s.text(), None)?.stdout)?;
        let mut out = String::new();
        let mut err = String::new();
        if let Some(v) = rec.get("venv") {
            out.push_str(&v.out);
            err.push_str(&v.err);
            if !v.ok() {
                return Ok(pip_fail(
                    Value::List(venv_cmd.into_iter().map(Value::Str).collect()),
                    &out,
                    &err,
                ));
            }
        }
        let pip = match pip {
            Some(p) => p,
            None => {
                let found = rec.out_ok("pipbin").unwrap_or("").to_owned();
                if found.is_empty() {
                    let e = env.clone().unwrap_or_default();
                    return Ok(Outcome::fail_json(format!(
                        "Unable to find pip in the virtualenv, {e}, under any of these names: pip3, pip. \
                         Make sure pip is present in the virtualenv."
                    )));
                }
                vec![found]
            }
        };
        let cmd: Vec<Value> = pip
            .iter()
            .chain(tail.iter())
            .cloned()
            .map(Value::Str)
            .collect();
        let p = rec.get("pip").cloned().unwrap_or_default();
        if p.rc == 127 && p.err.contains("not found") {
            let words: Vec<String> = pip.iter().chain(tail.iter()).cloned().collect();
            return Ok(exec_error(words.join(" ")));
        }
        out.push_str(&p.out);
        err.push_str(&p.err);
        let not_installed = a.state == "absent"
            && p.rc == 1
            && (p.out.contains("not installed") || p.err.contains("not installed"));
        if !p.ok() && !not_installed {
            return Ok(pip_fail(Value::List(cmd), &out, &err));
        }
        let mut changed = if a.state == "absent" {
            p.out.contains("Successfully uninstalled")
        } else if compare {
            rec.get("before").map(|c| &c.out) != rec.get("after").map(|c| &c.out)
        } else {
            p.out.contains("Successfully installed")
        };
        changed = changed || needs_venv;
        let opt = |v: &Option<String>| v.clone().map(Value::Str).unwrap_or(Value::Null);
        let mut o = Outcome::ok()
            .with("cmd", Value::List(cmd))
            .with(
                "name",
                a.name
                    .clone()
                    .map(|n| Value::List(n.into_iter().map(Value::Str).collect()))
                    .unwrap_or(Value::Null),
            )
            .with("version", opt(&a.version))
            .with("state", a.state.as_str())
            .with("requirements", opt(&a.requirements))
            .with("virtualenv", opt(&env))
            .with("stdout", out)
            .with("stderr", err);
        o.changed = changed;
        Ok(o)
    }
}

/// `run_command` on a program that does not exist.
fn exec_error(cmd: String) -> Outcome {
    Outcome::fail_json("Error executing command.")
        .with("cmd", cmd)
        .with("rc", Value::Int(2))
        .with("stdout", "")
        .with("stderr", "")
}

/// `_fail`: pip's output in `msg`, the command in `cmd`.
fn pip_fail(cmd: Value, out: &str, err: &str) -> Outcome {
    let mut msg = String::new();
    if !out.is_empty() {
        msg.push_str(&format!("stdout: {out}"));
    }
    if !err.is_empty() {
        msg.push_str(&format!("\n:stderr: {err}"));
    }
    Outcome::fail_json(msg).with("cmd", cmd)
}

/// What the module looks up before it acts (read-only).
fn probe(a: &PipArgs, env: Option<&str>, check: bool) -> Script {
    let mut s = Script::new()
        .capture("path", "printf %s \"$PATH\"")
        .capture("python", "command -v python3");
    if let Some(e) = env {
        s = s.capture(
            "activate",
            &format!(
                "[ -e {} ]",
                quote(&format!("{}/bin/activate", e.trim_end_matches('/')))
            ),
        );
        let cmd = crate::shell::split_words_lossy(&a.venv_command);
        if let Some(first) = cmd.first() {
            s = s.capture("venvbin", &format!("command -v {}", quote(first)));
            s = s.capture("venvhelp", &format!("{} --help", quote(first)));
        }
    }
    s = s.capture(
        "pipmod",
        "python3 -c 'import importlib.util, sys; sys.exit(0 if importlib.util.find_spec(\"pip\") else 1)'",
    );
    match &a.executable {
        Some(e) if !e.starts_with('/') => {
            s = s.capture("exe", &format!("command -v {}", quote(e)));
        }
        _ => s = s.capture("pip3", "command -v pip3"),
    }
    if !check {
        return s;
    }
    // What check mode compares with (also read-only).
    let pip = match (env, &a.executable) {
        (Some(e), _) => {
            let b = format!("{}/bin", e.trim_end_matches('/'));
            format!(
                "$(if [ -x {p3} ]; then echo {p3}; else echo {p}; fi)",
                p3 = quote(&format!("{b}/pip3")),
                p = quote(&format!("{b}/pip"))
            )
        }
        (None, Some(e)) if e.starts_with('/') => quote(e).into_owned(),
        (None, Some(e)) => format!("$(command -v {})", quote(e)),
        (None, None) => "$(if python3 -c 'import pip' 2>/dev/null; then echo 'python3 -m pip'; else command -v pip3; fi)".to_owned(),
    };
    s.capture(
        "list",
        &format!("LANG=C LC_ALL=C {pip} list --format=freeze"),
    )
    .capture("freeze", &format!("{pip} freeze"))
}

/// `_get_pip` when no virtualenv is used.
fn pip_argv(a: &PipArgs, r: &Records, env: Option<&str>) -> Result<Vec<String>, Outcome> {
    if let Some(e) = env {
        return Ok(vec![format!("{}/bin/pip3", e.trim_end_matches('/'))]);
    }
    match &a.executable {
        Some(e) if e.starts_with('/') => Ok(vec![e.clone()]),
        Some(e) => r
            .out_ok("exe")
            .map(|p| vec![p.trim().to_owned()])
            .filter(|p| !p[0].is_empty())
            .ok_or_else(|| {
                Outcome::fail_json(format!(
                    "Unable to find any of {e} to use.  pip needs to be installed."
                ))
            }),
        None if r.succeeded("pipmod") => Ok(vec![
            r.out_ok("python").unwrap_or("python3").trim().to_owned(),
            "-m".into(),
            "pip".into(),
        ]),
        None => r
            .out_ok("pip3")
            .map(|p| vec![p.trim().to_owned()])
            .filter(|p| !p[0].is_empty())
            .ok_or_else(|| {
                Outcome::fail_json("Unable to find any of pip3 to use.  pip needs to be installed.")
            }),
    }
}

/// `_is_venv_command`: `pyvenv`, or `-m venv`.
fn is_venv_command(cmd: &str) -> bool {
    let argv = crate::shell::split_words_lossy(cmd);
    if argv.first().map(String::as_str) == Some("pyvenv") {
        return true;
    }
    argv.windows(2).any(|w| w[0] == "-m" && w[1] == "venv") || argv.iter().any(|w| w == "-mvenv")
}

fn join_quoted(words: &[String]) -> String {
    words
        .iter()
        .map(|w| quote(w).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// One requested package: the text passed to pip and, when it parses as
/// a requirement, its canonical name and version specifiers.
#[derive(Debug, Clone)]
struct Package {
    text: String,
    name: Option<String>,
    specs: Vec<(String, String)>,
}

impl Package {
    fn new(raw: &str, version: Option<&str>) -> Package {
        let raw = match version {
            Some(v) => {
                let v = v.trim_start();
                let sep = if v.starts_with(|c: char| c.is_ascii_digit()) {
                    "=="
                } else {
                    " "
                };
                format!("{raw}{sep}{v}")
            }
            None => raw.to_owned(),
        };
        let re = regex::Regex::new(
            r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*((?:(?:~=|==|!=|<=|>=|<|>|===)\s*[A-Za-z0-9.*+!_-]+\s*,?\s*)*)$",
        )
        .expect("valid regex");
        let Some(c) = re.captures(&raw) else {
            return Package {
                text: raw.clone(),
                name: None,
                specs: Vec::new(),
            };
        };
        let name = canonical(&c[1]);
        let spec_re = regex::Regex::new(r"(~=|===|==|!=|<=|>=|<|>)\s*([A-Za-z0-9.*+!_-]+)")
            .expect("valid regex");
        let specs: Vec<(String, String)> = spec_re
            .captures_iter(c.get(3).map_or("", |m| m.as_str()))
            .map(|m| (m[1].to_owned(), m[2].to_owned()))
            .collect();
        let mut shown: Vec<String> = specs.iter().map(|(o, v)| format!("{o}{v}")).collect();
        shown.sort();
        let extras = c
            .get(2)
            .map(|m| {
                let mut e: Vec<String> = m.as_str()[1..m.as_str().len() - 1]
                    .split(',')
                    .map(|x| x.trim().to_owned())
                    .filter(|x| !x.is_empty())
                    .collect();
                e.sort();
                format!("[{}]", e.join(","))
            })
            .unwrap_or_default();
        Package {
            text: format!("{}{extras}{}", &c[1], shown.join(",")),
            name: Some(name),
            specs,
        }
    }

    /// `_is_present`: an installed `name==version` satisfying the specs.
    fn is_present(&self, installed: &[&str]) -> bool {
        let Some(name) = &self.name else {
            return false;
        };
        installed.iter().any(|line| {
            let Some((n, v)) = line.split_once("==") else {
                return false;
            };
            canonical(n) == *name && self.specs.iter().all(|(op, want)| satisfies(v, op, want))
        })
    }
}

/// PEP 503 names: runs of `-_.` as `-`, lower case.
fn canonical(name: &str) -> String {
    regex::Regex::new(r"[-_.]+")
        .expect("valid regex")
        .replace_all(name, "-")
        .to_lowercase()
}

/// A version's release numbers (`1.2.post3` → [1, 2]).
fn release(v: &str) -> Vec<u64> {
    v.trim_start_matches(['v', 'V'])
        .split('.')
        .map_while(|p| {
            let digits: String = p.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
        .collect()
}

fn cmp_release(a: &[u64], b: &[u64]) -> std::cmp::Ordering {
    let n = a.len().max(b.len());
    for i in 0..n {
        let (x, y) = (
            a.get(i).copied().unwrap_or(0),
            b.get(i).copied().unwrap_or(0),
        );
        if x != y {
            return x.cmp(&y);
        }
    }
    std::cmp::Ordering::Equal
}

/// A PEP 440 comparison on release numbers.
fn satisfies(have: &str, op: &str, want: &str) -> bool {
    use std::cmp::Ordering::*;
    if let Some(prefix) = want.strip_suffix(".*") {
        let p = release(prefix);
        let h = release(have);
        let matches = h.len() >= p.len() && h[..p.len()] == p[..];
        return if op == "!=" { !matches } else { matches };
    }
    let o = cmp_release(&release(have), &release(want));
    match op {
        "==" | "===" => o == Equal,
        "!=" => o != Equal,
        ">=" => o != Less,
        "<=" => o != Greater,
        ">" => o == Greater,
        "<" => o == Less,
        "~=" => {
            let w = release(want);
            let h = release(have);
            o != Less
                && w.len() >= 2
                && h.len() >= w.len() - 1
                && h[..w.len() - 1] == w[..w.len() - 1]
        }
        _ => false,
    }
}

/// `_recover_package_name` then `Package(...)`, with `version` applied
/// to a single package.
fn packages(a: &PipArgs) -> Result<Vec<Package>, String> {
    let Some(names) = &a.name else {
        return Ok(Vec::new());
    };
    let ops = ["~=", "==", "!=", "<=", ">=", "<", ">"];
    let parts: Vec<&str> = names.iter().flat_map(|n| n.split(',')).collect();
    let mut out: Vec<String> = Vec::new();
    let mut cur: Vec<&str> = Vec::new();
    let mut in_brackets = false;
    for p in parts {
        let is_name = !ops.iter().any(|o| p.trim_start().starts_with(o));
        if is_name && !in_brackets {
            if !cur.is_empty() {
                out.push(cur.join(","));
            }
            cur.clear();
        }
        if p.contains('[') {
            in_brackets = true;
        }
        if in_brackets && p.contains(']') {
            in_brackets = false;
        }
        cur.push(p);
    }
    out.push(cur.join(","));
    let mut pkgs: Vec<Package> = out.iter().map(|n| Package::new(n, None)).collect();
    if let Some(v) = &a.version {
        if pkgs.len() > 1 {
            return Err("'version' argument is ambiguous when installing multiple package distributions. \
                        Please specify version restrictions next to each package in 'name' argument."
                .into());
        }
        if !pkgs[0].specs.is_empty() {
            return Err("The 'version' argument conflicts with any version specifier provided along with a package name. \
                        Please keep the version specifier, but remove the 'version' argument."
                .into());
        }
        pkgs[0] = Package::new(&pkgs[0].text.clone(), Some(v));
    }
    Ok(pkgs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_specifiers_as_packaging_prints_them() {
        let p = Package::new("Twin_Pkg >= 1.0, <2", None);
        assert_eq!(p.text, "Twin_Pkg<2,>=1.0");
        assert_eq!(p.name.as_deref(), Some("twin-pkg"));
        assert!(p.is_present(&["twin-pkg==1.5"]));
        assert!(!p.is_present(&["twin-pkg==2.0"]));
        assert_eq!(Package::new("twinpkg", Some("1.0")).text, "twinpkg==1.0");
        assert!(satisfies("1.4.2", "~=", "1.4"));
        assert!(!satisfies("2.0", "~=", "1.4"));
        assert!(satisfies("1.2.3", "==", "1.2.*"));
        assert_eq!(
            crate::shell::split_words_lossy("--no-index  --find-links '/a b'"),
            ["--no-index", "--find-links", "/a b"]
        );
        assert!(is_venv_command("python3 -m venv"));
    }
}
