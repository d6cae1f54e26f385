//! The read-only probe of the `apt` module, and its parser: the host's
//! time, the apt cache's age, which tools exist, and for every package
//! name its dpkg status, whether it was installed automatically, and the
//! versions `apt-cache policy` knows with their priorities and the
//! candidate (computed with `default_release`, as Ansible's python-apt
//! policy is). One command answers everything a decision needs.

use super::outcome::ModuleError;
use crate::shell::{quote, Cmd};

/// The environment Ansible's apt module gives every command it runs
/// (`run_command_environ_update`), with its best parsable locale.
pub(crate) const APT_ENV: &str = "loc=C; for l in C.utf8 C.UTF-8 en_US.utf8 en_US.UTF-8; do \
    if locale -a 2>/dev/null | grep -qx \"$l\"; then loc=$l; break; fi; done\n\
    export DEBIAN_FRONTEND=noninteractive DEBIAN_PRIORITY=critical LANG=$loc LC_ALL=$loc \
    LC_MESSAGES=$loc LC_CTYPE=$loc LANGUAGE=$loc\n";

/// The cache age line: the mtime of apt's update stamp, else of its
/// lists directory, else 0 (Ansible's `get_cache_mtime`).
pub(crate) const CACHE_MTIME: &str = "if [ -e /var/lib/apt/periodic/update-success-stamp ]; then \
    m=$(stat -c %Y /var/lib/apt/periodic/update-success-stamp); \
    elif [ -e /var/lib/apt/lists ]; then m=$(stat -c %Y /var/lib/apt/lists); else m=0; fi; \
    printf 'mtime %s\\n' \"$m\"\n";

/// What the host told about one package name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct PkgInfo {
    /// The name asked about.
    pub name: String,
    /// dpkg's `Status-Status` word (`installed`, `config-files`, ...),
    /// empty when dpkg does not know the package.
    pub status: String,
    /// The installed (or last installed) version, from dpkg.
    pub version: String,
    /// Marked as automatically installed.
    pub auto: bool,
    /// Versions in apt's cache with their highest pin priority, newest first.
    pub versions: Vec<(String, i32)>,
    /// The policy's candidate, when there is one.
    pub candidate: Option<String>,
    /// For a name without versions: the packages providing it, with
    /// whether each is installed.
    pub providers: Vec<(String, bool)>,
}

impl PkgInfo {
    /// dpkg's `CURSTATE_INSTALLED`.
    pub(crate) fn installed(&self) -> bool {
        self.status == "installed"
    }

    /// Files of the package are on disk (installed, or its configuration
    /// files left behind), so `purge` has something to remove.
    pub(crate) fn has_files(&self) -> bool {
        !self.status.is_empty() && self.status != "not-installed"
    }

    /// python-apt's cache knows the name as a real package.
    pub(crate) fn is_real(&self) -> bool {
        !self.versions.is_empty()
    }
}

/// Everything the probe printed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct AptProbe {
    /// The host's clock (seconds since the epoch).
    pub now: i64,
    /// The apt cache's mtime (seconds), 0 when unknown.
    pub cache_mtime: i64,
    /// `apt-get`'s path, empty when missing.
    pub apt_get: String,
    /// `aptitude`'s path, empty when missing.
    pub aptitude: String,
    /// One entry per name, in order.
    pub pkgs: Vec<PkgInfo>,
}

/// The probe for `names`. `release`: `default_release`.
pub(crate) fn script(names: &[String], release: Option<&str>) -> String {
    let mut s = String::from(
        "LC_ALL=C; export LC_ALL\nprintf 'now %s\\n' \"$(date +%s)\"\n\
         printf 'aptget %s\\n' \"$(command -v apt-get)\"\n\
         printf 'aptitude %s\\n' \"$(command -v aptitude)\"\n",
    );
    s.push_str(CACHE_MTIME);
    if names.is_empty() {
        return s;
    }
    s.push_str("auto=$(apt-mark showauto 2>/dev/null)\n");
    let mut policy = Cmd::new("apt-cache");
    if let Some(r) = release {
        policy = policy.flag("-o").arg(format!("APT::Default-Release={r}"));
    }
    let policy = policy.flag("policy");
    s.push_str("for n in");
    for n in names {
        s.push(' ');
        s.push_str(&quote(n));
    }
    s.push_str("; do\n  printf 'pkg %s\\n' \"$n\"\n");
    s.push_str(
        "  printf 'status %s\\n' \"$(dpkg-query -W -f='${db:Status-Status}|${Version}\\n' -- \"$n\" 2>/dev/null | head -n1)\"\n\
         \x20 printf '%s\\n' \"$auto\" | grep -qxF -- \"$n\" && echo auto\n",
    );
    s.push_str("  p=$(");
    s.push_str(policy.as_str());
    s.push_str(
        " -- \"$n\" 2>/dev/null)\n  printf '%s\\n' \"$p\" | sed 's/^/| /'\n\
         \x20 case \"$p\" in *'Version table:'*[0-9]*) ;; *)\n\
         \x20   apt-cache showpkg -- \"$n\" 2>/dev/null | sed -n '/^Reverse Provides:/,$p' | sed 1d |\n\
         \x20   while read -r prov _; do\n\
         \x20     if [ \"$(dpkg-query -W -f='${db:Status-Status}' -- \"$prov\" 2>/dev/null)\" = installed ]; then\n\
         \x20       echo \"provider $prov yes\"; else echo \"provider $prov no\"; fi\n\
         \x20   done | sort -u;;\n  esac\ndone\n",
    );
    s
}

/// Reads the probe's output.
pub(crate) fn parse(text: &str) -> Result<AptProbe, ModuleError> {
    let mut p = AptProbe::default();
    let mut cur: Option<PkgInfo> = None;
    let mut in_table = false;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("| ") {
            let Some(pkg) = cur.as_mut() else { continue };
            policy_line(pkg, rest, &mut in_table);
            continue;
        }
        let (key, value) = line.split_once(' ').unwrap_or((line, ""));
        match key {
            "now" => p.now = value.trim().parse().unwrap_or(0),
            "mtime" => p.cache_mtime = value.trim().parse().unwrap_or(0),
            "aptget" => p.apt_get = value.trim().to_owned(),
            "aptitude" => p.aptitude = value.trim().to_owned(),
            "pkg" => {
                p.pkgs.extend(cur.take());
                in_table = false;
                cur = Some(PkgInfo {
                    name: value.to_owned(),
                    ..PkgInfo::default()
                });
            }
            "status" | "auto" | "provider" => {
                let Some(pkg) = cur.as_mut() else {
                    return Err(ModuleError::Probe(format!("`{line}` before any package")));
                };
                match key {
                    "status" => {
                        let (st, ver) = value.split_once('|').unwrap_or(("", ""));
                        pkg.status = st.trim().to_owned();
                        pkg.version = ver.trim().to_owned();
                    }
                    "auto" => pkg.auto = true,
                    _ => {
                        let (name, yes) = value.split_once(' ').unwrap_or((value, "no"));
                        pkg.providers.push((name.to_owned(), yes == "yes"));
                    }
                }
            }
            _ => {}
        }
    }
    p.pkgs.extend(cur);
    Ok(p)
}

/// One line of `apt-cache policy` output:
/// ```text
/// konvoy-b:
///   Installed: 1.0-1
///   Candidate: 3.0-1
///   Version table:
///      3.0-1 500
///         500 file:/srv/apt/extra ./ Packages
///  *** 1.0-1 500
///         100 /var/lib/dpkg/status
/// ```
fn policy_line(pkg: &mut PkgInfo, line: &str, in_table: &mut bool) {
    let t = line.trim();
    if let Some(c) = t.strip_prefix("Candidate:") {
        let c = c.trim();
        pkg.candidate = (c != "(none)" && !c.is_empty()).then(|| c.to_owned());
    } else if t == "Version table:" {
        *in_table = true;
    } else if *in_table {
        let indent = line.len() - line.trim_start().len();
        let words: Vec<&str> = t.trim_start_matches("***").split_whitespace().collect();
        if indent < 8 && words.len() >= 2 {
            let prio = words[1].parse().unwrap_or(0);
            pkg.versions.push((words[0].to_owned(), prio));
        } else if let (Some(v), Some(prio)) = (
            pkg.versions.last_mut(),
            words.first().and_then(|w| w.parse::<i32>().ok()),
        ) {
            v.1 = v.1.max(prio);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_policy_and_status() {
        // Output recorded on an Ubuntu 22.04 test host (Debian 12's apt 2.6).
        let out = "now 1700000100\naptget /usr/bin/apt-get\naptitude \nmtime 1700000000\n\
                   pkg konvoy-b\nstatus installed|1.0-1\nauto\n| konvoy-b:\n\
                   |   Installed: 1.0-1\n|   Candidate: 3.0-1\n|   Version table:\n\
                   |      3.0-1 500\n|         500 file:/srv/apt/extra ./ Packages\n\
                   |      2.0-1 990\n|         990 file:/srv/apt/main ./ Packages\n\
                   |  *** 1.0-1 990\n|         990 file:/srv/apt/main ./ Packages\n\
                   |         100 /var/lib/dpkg/status\n\
                   pkg nothing\nstatus \n| \npkg virt\nstatus \n| virt:\n|   Installed: (none)\n\
                   |   Candidate: (none)\n|   Version table:\nprovider konvoy-a yes\n";
        let p = parse(out).unwrap();
        assert_eq!((p.now, p.cache_mtime), (1700000100, 1700000000));
        assert_eq!(p.apt_get, "/usr/bin/apt-get");
        assert!(p.aptitude.is_empty());
        let b = &p.pkgs[0];
        assert!(b.installed() && b.auto && b.is_real());
        assert_eq!(b.candidate.as_deref(), Some("3.0-1"));
        assert_eq!(
            b.versions,
            vec![
                ("3.0-1".into(), 500),
                ("2.0-1".into(), 990),
                ("1.0-1".into(), 990)
            ]
        );
        assert!(!p.pkgs[1].is_real() && p.pkgs[1].providers.is_empty());
        assert_eq!(p.pkgs[2].providers, vec![("konvoy-a".to_owned(), true)]);
    }
}
