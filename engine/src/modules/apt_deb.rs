//! `apt: deb=`: `.deb` files (paths on the host, or one URL) installed
//! with `dpkg -i`, as Ansible's `install_deb` does: a file whose version
//! is already installed is skipped, an older one is refused unless
//! `allow_downgrade` or `force`, missing dependencies are installed first
//! through apt, then `dpkg -i` gets the rest in one call.

use super::apt::{parse_diff, shell_words, split_spec, unwrap_rc, with_output, wrap, AptArgs};
use super::apt_probe::AptProbe;
use super::apt_run::{install, InstallMode};
use super::context::ModuleContext;
use super::debvercmp::debvercmp;
use super::outcome::{ModuleError, Outcome};
use crate::shell::quote;
use crate::value::{Map, Value};

/// What the probe read from one `.deb` and the host.
#[derive(Debug, Default)]
struct DebInfo {
    path: String,
    missing: bool,
    fields: Map,
    installed: Option<String>,
    /// dependency name → installed version, when installed
    deps: Vec<(String, Option<String>)>,
}

impl DebInfo {
    fn field(&self, name: &str) -> &str {
        self.fields.get(name).and_then(Value::as_str).unwrap_or("")
    }
}

const FIELDS: &[&str] = &["Package", "Version", "Depends", "Pre-Depends", "Recommends"];

/// Reads every `.deb` (downloading a URL into a temp dir first).
fn probe_script(files: &[String], url: Option<&str>) -> String {
    let mut s = String::from("LC_ALL=C; export LC_ALL\n");
    if let Some(u) = url {
        s.push_str(&download(u));
    }
    s.push_str("for f in");
    for f in files {
        s.push(' ');
        s.push_str(&quote(f));
    }
    s.push_str("; do\n  [ -n \"$dl\" ] && f=$dl\n  printf 'deb %s\\n' \"$f\"\n");
    s.push_str("  if [ ! -r \"$f\" ]; then echo missing; continue; fi\n");
    for field in FIELDS {
        s.push_str(&format!(
            "  printf 'field {field} %s\\n' \"$(dpkg --field \"$f\" {field} | tr '\\n' ' ')\"\n"
        ));
    }
    s.push_str(
        "  p=$(dpkg --field \"$f\" Package)\n\
         \x20 printf 'installed %s\\n' \"$(dpkg-query -W -f='${db:Status-Status}|${Version}' -- \"$p\" 2>/dev/null)\"\n\
         \x20 for d in $(dpkg --field \"$f\" Depends Pre-Depends | sed 's/^[A-Za-z-]*://' | tr ',|' '\\n\\n' | sed 's/(.*//; s/:any//' | tr -d ' '); do\n\
         \x20   printf 'dep %s %s\\n' \"$d\" \"$(dpkg-query -W -f='${db:Status-Status}|${Version}' -- \"$d\" 2>/dev/null)\"\n\
         \x20 done\ndone\n[ -n \"$dl\" ] && rm -rf \"${dl%/*}\"\n",
    );
    s
}

/// Shell that downloads `url` to `$dl` (curl, else wget).
fn download(url: &str) -> String {
    let name = url
        .split(['?', '#'])
        .next()
        .unwrap_or(url)
        .rsplit('/')
        .next()
        .filter(|n| !n.is_empty())
        .unwrap_or("package.deb");
    format!(
        "d=$(mktemp -d) || exit 1\ndl=\"$d\"/{name}\n\
         if command -v curl >/dev/null; then curl -fsSL -o \"$dl\" {url} || {{ rm -rf \"$d\"; echo \"fetchfail\"; exit 0; }}\n\
         else wget -q -O \"$dl\" {url} || {{ rm -rf \"$d\"; echo fetchfail; exit 0; }}; fi\n",
        name = quote(name),
        url = quote(url)
    )
}

fn parse(text: &str) -> (Vec<DebInfo>, bool) {
    let mut debs: Vec<DebInfo> = Vec::new();
    let mut fetch_failed = false;
    for line in text.lines() {
        let (key, rest) = line.split_once(' ').unwrap_or((line, ""));
        if key == "fetchfail" {
            fetch_failed = true;
        }
        if key == "deb" {
            debs.push(DebInfo {
                path: rest.to_owned(),
                ..DebInfo::default()
            });
            continue;
        }
        let Some(d) = debs.last_mut() else { continue };
        match key {
            "missing" => d.missing = true,
            "field" => {
                let (name, value) = rest.split_once(' ').unwrap_or((rest, ""));
                d.fields
                    .insert(name.to_owned(), Value::Str(value.trim().to_owned()));
            }
            "installed" => d.installed = installed_version(rest),
            "dep" => {
                let (name, st) = rest.split_once(' ').unwrap_or((rest, ""));
                d.deps.push((name.to_owned(), installed_version(st)));
            }
            _ => {}
        }
    }
    (debs, fetch_failed)
}

fn installed_version(status: &str) -> Option<String> {
    let (st, ver) = status.split_once('|')?;
    (st == "installed").then(|| ver.to_owned())
}

/// Whether one `name (op version)` relation is met by what is installed.
fn satisfied(rel: &str, deps: &[(String, Option<String>)]) -> bool {
    let rel = rel.trim();
    let (name, constraint) = match rel.split_once('(') {
        Some((n, c)) => (n.trim(), Some(c.trim_end_matches(')').trim())),
        None => (rel, None),
    };
    let name = name.trim_end_matches(":any");
    let Some((_, Some(installed))) = deps.iter().find(|(n, _)| n == name) else {
        return false;
    };
    let Some(c) = constraint else { return true };
    let op_len = c.find(|ch: char| !"<>=".contains(ch)).unwrap_or(c.len());
    let (op, want) = (c[..op_len].trim(), c[op_len..].trim());
    let ord = debvercmp(installed, want);
    match op {
        "<<" => ord.is_lt(),
        "<=" | "<" => ord.is_le(),
        "=" => ord.is_eq(),
        ">=" | ">" => ord.is_ge(),
        ">>" => ord.is_gt(),
        _ => true,
    }
}

/// Runs `deb:`. Ends the module, as Ansible's `install_deb` does.
pub(crate) fn install_debs(
    a: &AptArgs,
    ctx: &mut ModuleContext<'_>,
    probe: &AptProbe,
    debs: &str,
) -> Result<Outcome, ModuleError> {
    let url = debs.contains("://").then_some(debs);
    let files: Vec<String> = match url {
        Some(_) => vec![String::new()],
        None => debs.split(',').map(str::to_owned).collect(),
    };
    let out = ctx.probe(&probe_script(&files, url))?;
    let (infos, fetch_failed) = parse(&out.stdout_str());
    if fetch_failed {
        return Ok(Outcome::failed(format!("Failure downloading {debs}")));
    }
    let mut deps_to_install: Vec<String> = Vec::new();
    let mut to_install = Vec::new();
    for d in &infos {
        if d.missing {
            return Ok(Outcome::failed(format!(
                "Unable to install package: E:Could not open file {} - open (2: No such file or directory)",
                d.path
            )));
        }
        let version = d.field("Version");
        if d.installed
            .as_deref()
            .is_some_and(|i| debvercmp(version, i).is_eq())
        {
            continue;
        }
        let older = d
            .installed
            .as_deref()
            .is_some_and(|i| debvercmp(i, version).is_gt());
        if older && !(a.force || a.allow_downgrade) {
            return Ok(Outcome::failed("A later version is already installed"));
        }
        for field in ["Pre-Depends", "Depends"] {
            for group in d.field(field).split(',').filter(|g| !g.trim().is_empty()) {
                if !group.split('|').any(|alt| satisfied(alt, &d.deps)) {
                    let first = group.split('|').next().unwrap_or("").trim();
                    let name = first.split('(').next().unwrap_or("").trim();
                    deps_to_install.push(split_spec(name).0.to_owned());
                }
            }
        }
        if a.install_recommends == Some(true) {
            deps_to_install.extend(d.field("Recommends").split_whitespace().map(str::to_owned));
        }
        to_install.push(d.path.clone());
    }
    let mut changed = false;
    let mut prior: Option<Outcome> = None;
    if !deps_to_install.is_empty() {
        // The dependencies' own probe, then Ansible's `install` for them.
        let script = super::apt_probe::script(&deps_to_install, None);
        let dep_probe = super::apt_probe::parse(&ctx.probe(&script)?.stdout_str())?;
        let dep_args = AptArgs {
            install_recommends: a.install_recommends,
            default_release: None,
            autoremove: false,
            force: false,
            ..a.clone()
        };
        let mut merged = dep_probe;
        merged.apt_get.clone_from(&probe.apt_get);
        let o = install(
            &dep_args,
            ctx,
            &merged,
            &deps_to_install,
            InstallMode {
                upgrade: false,
                fixed: false,
                only_upgrade: false,
            },
        )?
        .into_outcome();
        if o.failed {
            return Ok(o);
        }
        changed = o.changed;
        prior = Some(o);
    }
    let text = |o: &Option<Outcome>, k: &str| -> String {
        o.as_ref()
            .and_then(|o| o.result.get(k))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    if to_install.is_empty() {
        let mut o = with_output(
            Outcome {
                changed,
                ..Outcome::ok()
            },
            &text(&prior, "stdout"),
            &text(&prior, "stderr"),
        );
        let diff = prior
            .as_ref()
            .and_then(|p| p.result.get("diff").cloned())
            .unwrap_or_else(|| Value::Str(String::new()));
        o = o.with("diff", diff);
        return Ok(o);
    }
    let mut options: Vec<String> = a
        .dpkg_options
        .split(',')
        .map(|x| format!("--{x}"))
        .collect();
    if ctx.check_mode() {
        options.push("--simulate".into());
    }
    if a.force {
        options.push("--force-all".into());
    }
    let shown: Vec<String> = to_install.clone();
    let cmd = format!("dpkg {} -i {}", options.join(" "), shown.join(" "));
    let mut script = String::new();
    if let Some(u) = url {
        script.push_str(&download(u));
        script.push_str("[ -n \"$dl\" ] || exit 1\n");
        let words = shell_words(&format!("dpkg {} -i", options.join(" ")));
        script.push_str(&format!(
            "{words} \"$dl\"\nrc=$?\nrm -rf \"$d\"\n(exit $rc)"
        ));
    } else {
        script.push_str(&shell_words_list(&options, &to_install));
    }
    let out = if ctx.check_mode() {
        ctx.probe(&wrap(a, &script))?
    } else {
        ctx.apply(&wrap(a, &script), None)?
    };
    let (out_text, rc) = unwrap_rc(&out.stdout_str());
    let stdout = text(&prior, "stdout") + &out_text;
    let stderr = text(&prior, "stderr") + &out.stderr_str();
    let mut diff = Map::new();
    let prepared = match prior.as_ref().and_then(|p| p.result.get("diff")) {
        Some(Value::Map(m)) => match m.get("prepared").and_then(Value::as_str) {
            Some(p) => format!("{p}\n\n{out_text}"),
            None => String::new(),
        },
        _ => parse_diff(&out_text),
    };
    if !prepared.is_empty() || prior.is_none() {
        diff.insert("prepared".into(), Value::Str(prepared.clone()));
    }
    if rc != 0 {
        return Ok(with_output(
            Outcome::failed(format!("{cmd} failed")),
            &stdout,
            &stderr,
        ));
    }
    let mut o = with_output(Outcome::changed(), &stdout, &stderr).with("diff", Value::Map(diff));
    if ctx.diff {
        o.diff = Some(prepared);
    }
    Ok(o)
}

/// `dpkg OPTIONS -i FILES` with every word quoted (file names are
/// arbitrary text).
fn shell_words_list(options: &[String], files: &[String]) -> String {
    let mut s = String::from("dpkg");
    for w in options
        .iter()
        .map(String::as_str)
        .chain(["-i"])
        .chain(files.iter().map(String::as_str))
    {
        s.push(' ');
        s.push_str(&quote(w));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relations_are_checked_against_installed_versions() {
        let deps = vec![
            ("libc6".to_owned(), Some("2.36-9".to_owned())),
            ("gone".to_owned(), None),
        ];
        assert!(satisfied("libc6 (>= 2.34)", &deps));
        assert!(!satisfied("libc6 (>> 2.36-9)", &deps));
        assert!(satisfied("libc6:any", &deps));
        assert!(!satisfied("gone", &deps));
        assert!(!satisfied("unknown", &deps));
    }

    #[test]
    fn probe_output_is_read() {
        let (debs, failed) = parse(
            "deb /tmp/a.deb\nfield Package konvoy-file\nfield Version 1.0-1\nfield Depends konvoy-lib\n\
             installed installed|0.9-1\ndep konvoy-lib \ndeb /nope.deb\nmissing\n",
        );
        assert!(!failed);
        assert_eq!(debs[0].field("Version"), "1.0-1");
        assert_eq!(debs[0].installed.as_deref(), Some("0.9-1"));
        assert_eq!(debs[0].deps, vec![("konvoy-lib".to_owned(), None)]);
        assert!(debs[1].missing);
    }
}
