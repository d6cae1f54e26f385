//! The shell side of the `yum` module: its one probe script (package
//! manager, installed packages per name, headers of URL and file RPMs,
//! available updates) and the parsers of the probe's and the
//! transaction's output. Also [`FETCH_FN`], the download helper shared
//! with `rpm_key`.

use super::outcome::ModuleError;
use super::yum::{Backend, PackageSpec, PackageState, YumArgs};
use crate::shell::{quote, Cmd};

/// `fetch URL FILE`: downloads with curl, else wget; the task's
/// environment (`http_proxy`, `https_proxy`, `no_proxy`) applies to both.
/// `$insecure` non-empty skips certificate checks.
pub(crate) const FETCH_FN: &str = "fetch() {\n\
  if command -v curl >/dev/null 2>&1; then curl -fsSL ${insecure:+-k} -o \"$2\" \"$1\"\n\
  elif command -v wget >/dev/null 2>&1; then wget -q ${insecure:+--no-check-certificate} -O \"$2\" \"$1\"\n\
  else echo 'neither curl nor wget is installed' >&2; return 127; fi\n}\n";

/// Installed package records: `I<TAB>NAME<TAB>NEVRA` (epoch only when set,
/// as dnf prints packages).
const QUERY_FORMAT: &str =
    "I\\t%{NAME}\\t%{NAME}-%|EPOCH?{%{EPOCH}:}|%{VERSION}-%{RELEASE}.%{ARCH}\\n";

/// Installed packages a `name-version` spec may be another version of:
/// `N<TAB>NAME<TAB>EPOCH:VERSION-RELEASE`.
const OTHER_FORMAT: &str = "N\\t%{NAME}\\t%|EPOCH?{%{EPOCH}}:{0}|:%{VERSION}-%{RELEASE}\\n";

/// The names a spec may start with: `foo-1.0-1` → `foo-1.0`, `foo` (only
/// cutting off parts that start with a digit, as versions do).
fn name_candidates(spec: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut cur = spec;
    for _ in 0..2 {
        match cur.rsplit_once('-') {
            Some((head, tail))
                if !head.is_empty() && tail.starts_with(|c: char| c.is_ascii_digit()) =>
            {
                out.push(head);
                cur = head;
            }
            _ => break,
        }
    }
    out
}

/// One line per installed package, NEVRA, for the before/after listing.
const LIST_FORMAT: &str = "%{NAME}-%|EPOCH?{%{EPOCH}:}|%{VERSION}-%{RELEASE}.%{ARCH}\\n";

/// What the probe found for one requested package.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Source {
    /// For URLs and files: the package's NEVRA from its header.
    pub(crate) header: Option<String>,
    /// Installed packages matching it (NEVRAs).
    pub(crate) installed: Vec<String>,
    /// Their names.
    pub(crate) names: Vec<String>,
    /// When none matched a `name-version` spec: installed packages whose
    /// name the spec starts with, as (name, `epoch:version-release`).
    pub(crate) others: Vec<(String, String)>,
}

/// Everything the probe found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Probe {
    /// `dnf` or `yum`.
    pub(crate) manager: &'static str,
    /// One per requested package, in order.
    pub(crate) sources: Vec<Source>,
    /// Available updates (name, `[epoch:]version-release`), with `latest`.
    pub(crate) updates: Vec<(String, String)>,
    /// A URL could not be fetched, a file is not an RPM, check-update failed.
    pub(crate) error: Option<String>,
}

/// What the transaction command reported.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Transaction {
    /// The package manager's exit code.
    pub(crate) rc: Option<i32>,
    /// Packages in the database afterwards that were not before.
    pub(crate) installed: Vec<String>,
    /// Packages no longer in the database.
    pub(crate) removed: Vec<String>,
}

/// `rpm`, with `--root` for an `installroot`.
fn rpm(a: &YumArgs) -> Cmd {
    match &a.installroot {
        Some(r) => Cmd::new("rpm").flag("--root").arg(r),
        None => Cmd::new("rpm"),
    }
}

/// Writes the sorted NEVRA list of the rpm database to `file` (literal
/// shell text such as `"$b"`).
pub(crate) fn list_call(a: &YumArgs, file: &'static str) -> String {
    let mut s = rpm(a)
        .flag("-qa --qf")
        .arg(LIST_FORMAT)
        .flag("| grep -v '^gpg-pubkey-' | LC_ALL=C sort >")
        .flag(file)
        .into_string();
    s.push('\n');
    s
}

/// The package manager line: `pm=dnf` or `pm=yum`.
fn manager_line(a: &YumArgs) -> &'static str {
    match a.backend {
        Backend::Dnf => "pm=dnf\n",
        Backend::Yum => "pm=yum\n",
        Backend::Auto => "if command -v dnf >/dev/null 2>&1; then pm=dnf; else pm=yum; fi\n",
    }
}

/// The probe: read-only (a downloaded URL goes to a temp file that is
/// removed; `update_cache` with `latest` refreshes metadata only).
pub(crate) fn script(a: &YumArgs) -> String {
    let mut s = String::from(FETCH_FN);
    s.push_str(manager_line(a));
    s.push_str("echo \"M $pm\"\n");
    if a.insecure {
        s.push_str("insecure=1\n");
    }
    let q = |target: &str| -> String {
        format!(
            "{} -- {target} 2>/dev/null",
            rpm(a).flag("-q --qf").arg(QUERY_FORMAT)
        )
    };
    let header = |file: &'static str| -> String {
        let mut c = String::from("h=$(");
        c.push_str(
            rpm(a)
                .flag("-qp --nosignature --nodigest --qf")
                .arg("%{NAME}-%{VERSION}-%{RELEASE}.%{ARCH}")
                // rpm expands globs in file arguments: read the file on
                // stdin so `*?[` in its path stay literal.
                .flag("/dev/stdin <")
                .flag(file)
                .flag("2>/dev/null)")
                .as_str(),
        );
        c
    };
    for spec in &a.names {
        s.push_str("echo S\n");
        match spec {
            PackageSpec::Name(n) => {
                s.push_str(&q(&quote(n)));
                let shorter = name_candidates(n);
                if !shorter.is_empty() {
                    // Not installed as asked: is another version of it?
                    s.push_str(" || ");
                    s.push_str(
                        rpm(a)
                            .flag("-q --qf")
                            .arg(OTHER_FORMAT)
                            .flag("--")
                            .args(&shorter)
                            .flag("2>/dev/null")
                            .as_str(),
                    );
                }
                s.push('\n');
            }
            PackageSpec::File(f) => {
                s.push_str("f=");
                s.push_str(&quote(f));
                s.push('\n');
                s.push_str(&header("\"$f\""));
                s.push_str(" && [ -n \"$h\" ] || { printf 'E\\t%s\\n' \"No package $f found\"; exit 0; }\n");
                s.push_str("printf 'H\\t%s\\n' \"$h\"\n");
                s.push_str(&q("\"$h\""));
                s.push('\n');
            }
            PackageSpec::Url(u) => {
                s.push_str("u=");
                s.push_str(&quote(u));
                s.push_str("\nt=$(mktemp) || exit 1\n");
                s.push_str("if ! e=$(fetch \"$u\" \"$t\" 2>&1); then rm -f \"$t\"; printf 'E\\t%s\\n' \"Failure downloading $u, $e\" | tr '\\n' ' '; echo; exit 0; fi\n");
                s.push_str(&header("\"$t\""));
                s.push_str("; rm -f \"$t\"\n[ -n \"$h\" ] || { printf 'E\\t%s\\n' \"$u is not an RPM\"; exit 0; }\n");
                s.push_str("printf 'H\\t%s\\n' \"$h\"\n");
                s.push_str(&q("\"$h\""));
                s.push('\n');
            }
        }
    }
    if a.names.is_empty() && a.update_cache {
        s.push_str(
            Cmd::new("\"$pm\" -q")
                .args(&a.options)
                .flag("makecache >/dev/null 2>&1")
                .as_str(),
        );
        s.push('\n');
    }
    let names: Vec<&str> = a
        .names
        .iter()
        .filter_map(|n| match n {
            PackageSpec::Name(n) => Some(n.as_str()),
            _ => None,
        })
        .collect();
    if a.state == PackageState::Latest && !names.is_empty() {
        let mut c = Cmd::new("\"$pm\"").flag("-q");
        if a.update_cache {
            s.push_str("[ \"$pm\" = yum ] && yum -q clean expire-cache >/dev/null 2>&1\n");
            c = c.flag("$( [ \"$pm\" = dnf ] && echo --refresh )");
        }
        c = c.args(&a.options).flag("check-update --").args(&names);
        s.push_str("cu=$(");
        s.push_str(c.as_str());
        s.push_str(" 2>&1); rc=$?\necho \"C $rc\"\nprintf '%s\\n' \"$cu\" | sed 's/^/U\t/'\n");
    }
    s
}

/// Reads the probe's output; `n` is the number of requested packages.
pub(crate) fn parse(out: &str, n: usize) -> Result<Probe, ModuleError> {
    let mut p = Probe::default();
    let mut check_rc = None;
    let mut update_lines = Vec::new();
    for line in out.lines() {
        if let Some(m) = line.strip_prefix("M ") {
            p.manager = if m == "dnf" { "dnf" } else { "yum" };
        } else if line == "S" {
            p.sources.push(Source::default());
        } else if let Some(rest) = line.strip_prefix("I\t") {
            let (name, nevra) = rest
                .split_once('\t')
                .ok_or_else(|| ModuleError::Probe(line.to_owned()))?;
            let src = p
                .sources
                .last_mut()
                .ok_or_else(|| ModuleError::Probe(line.to_owned()))?;
            src.installed.push(nevra.to_owned());
            if !src.names.iter().any(|x| x == name) {
                src.names.push(name.to_owned());
            }
        } else if let Some(rest) = line.strip_prefix("N\t") {
            if let (Some(src), Some((name, evr))) = (p.sources.last_mut(), rest.split_once('\t')) {
                src.others.push((name.to_owned(), evr.to_owned()));
            }
        } else if let Some(h) = line.strip_prefix("H\t") {
            if let Some(src) = p.sources.last_mut() {
                src.header = Some(h.to_owned());
            }
        } else if let Some(e) = line.strip_prefix("E\t") {
            p.error = Some(e.trim().to_owned());
        } else if let Some(rc) = line.strip_prefix("C ") {
            check_rc = rc.trim().parse::<i32>().ok();
        } else if let Some(u) = line.strip_prefix("U\t") {
            update_lines.push(u);
        }
    }
    if p.error.is_some() {
        return Ok(p);
    }
    if p.manager.is_empty() || p.sources.len() != n {
        return Err(ModuleError::Probe(format!(
            "package probe gave {} of {n} records",
            p.sources.len()
        )));
    }
    match check_rc {
        None | Some(0) => {}
        Some(100) => p.updates = parse_updates(&update_lines),
        Some(rc) => {
            p.error = Some(format!(
                "check-update failed (rc {rc}): {}",
                update_lines.join(" ").trim()
            ))
        }
    }
    Ok(p)
}

/// `check-update` lines: `name.arch  [epoch:]version-release  repo`. A
/// long name may be wrapped onto its own line (yum 3 does), so short
/// lines are joined with the next until they have three fields.
fn parse_updates(lines: &[&str]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut pending: Vec<&str> = Vec::new();
    for l in lines {
        if l.starts_with("Obsoleting") {
            break;
        }
        let f: Vec<&str> = l.split_whitespace().collect();
        if f.is_empty() {
            pending.clear();
            continue;
        }
        if pending.is_empty() && l.starts_with(char::is_whitespace) {
            continue;
        }
        pending.extend(f);
        if pending.len() < 3 {
            continue;
        }
        if pending.len() == 3 {
            if let Some((name, _arch)) = pending[0].rsplit_once('.') {
                out.push((name.to_owned(), pending[1].to_owned()));
            }
        }
        pending.clear();
    }
    out
}

/// Reads the transaction command's output.
pub(crate) fn parse_transaction(out: &str) -> Transaction {
    let mut t = Transaction::default();
    for line in out.lines() {
        if let Some(p) = line.strip_prefix("+ ") {
            t.installed.push(p.to_owned());
        } else if let Some(p) = line.strip_prefix("- ") {
            t.removed.push(p.to_owned());
        } else if let Some(rc) = line.strip_prefix("RC ") {
            t.rc = rc.trim().parse().ok();
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_output_is_read() {
        // Shape of the probe's output on a CentOS 8 test host.
        let out =
            "M dnf\nS\nI\tkubelet\tkubelet-1.21.6-0.x86_64\nS\npackage nope is not installed\n\
                   S\nH\tpinned-1.0-1.x86_64\nC 100\nU\t\nU\tkubelet.x86_64   1.22.0-0   offline\n";
        let p = parse(out, 3).unwrap();
        assert_eq!(p.manager, "dnf");
        assert_eq!(p.sources[0].installed, ["kubelet-1.21.6-0.x86_64"]);
        assert_eq!(p.sources[0].names, ["kubelet"]);
        assert!(p.sources[1].installed.is_empty());
        assert_eq!(p.sources[2].header.as_deref(), Some("pinned-1.0-1.x86_64"));
        assert_eq!(p.updates, [("kubelet".into(), "1.22.0-0".into())]);
        // yum 3 wraps a long name.arch onto a line of its own.
        let long = "a-very-long-package-name-for-wrapping.x86_64";
        assert_eq!(
            parse_updates(&[long, "       1:2.0-1.el7     updates", "b.noarch 3-1 base"]),
            [
                (
                    "a-very-long-package-name-for-wrapping".into(),
                    "1:2.0-1.el7".into()
                ),
                ("b".into(), "3-1".into())
            ]
        );
        assert!(parse("M dnf\nS\n", 2).is_err());
        let p = parse("M dnf\nS\nN\tkonvoy-b\t0:2.0-1\n", 1).unwrap();
        assert_eq!(p.sources[0].others, [("konvoy-b".into(), "0:2.0-1".into())]);
        assert_eq!(
            name_candidates("kubelet-1.21.6-0"),
            ["kubelet-1.21.6", "kubelet"]
        );
        assert_eq!(name_candidates("konvoy-b-1.0"), ["konvoy-b"]);
        assert!(name_candidates("python3-pip").is_empty());
        let e = parse("M yum\nS\nE\tFailure downloading u\n", 1).unwrap();
        assert_eq!(e.error.as_deref(), Some("Failure downloading u"));
    }

    #[test]
    fn transaction_output_is_read() {
        let t = parse_transaction("+ b-2.0-1.x86_64\n- b-1.0-1.x86_64\nRC 0\n");
        assert_eq!(t.rc, Some(0));
        assert_eq!(t.installed, ["b-2.0-1.x86_64"]);
        assert_eq!(t.removed, ["b-1.0-1.x86_64"]);
    }
}
