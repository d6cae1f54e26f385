//! The answers of the `distro` library that Ansible vendors
//! (`ansible.module_utils.distro`), computed from release-file contents.
//!
//! Ansible's distribution facts start from a guess made by `distro`
//! (`id()`, `version()`, `version(best=True)`, `codename()`, and the parsed
//! os-release and `lsb_release -a` data). `distro` reads files and runs
//! commands itself; here the same sources arrive as text that the probe
//! script collected, and this module reproduces the library's rules on them:
//! which os-release file wins, how it is tokenised (POSIX `shlex`), which
//! `/etc/*-release` file is the "distro release file", and how versions are
//! chosen. Pure: no I/O.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;

/// Release files by path, as the probe collected them (path → content).
pub type Files = BTreeMap<String, String>;

/// Basenames in `/etc` that `distro` never treats as a distro release file.
const IGNORED_BASENAMES: &[&str] = &[
    "debian_version",
    "lsb-release",
    "oem-release",
    "os-release",
    "system-release",
    "plesk-release",
    "iredmail-release",
    "board-release",
    "ec2_version",
];

static RELEASE_BASENAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\w+)[-_](release|version)$").expect("static regex"));

/// `distro`'s pattern for "Name release 1.2 (Codename)", matched against the
/// reversed line so that the version is the last number on it.
static RELEASE_CONTENT_REVERSED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:[^)]*\)(.*)\()? *(?:STL )?([\d.+\-a-z]*\d) *(?:esaeler *)?(.+)")
        .expect("static regex")
});

static OS_RELEASE_CODENAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\((\D+)\)|,\s*(\D+)").expect("static regex"));

static UNAME_CONTENT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\S+)\s+([\d.]+)").expect("static regex"));

/// The answers of the `distro` library that Ansible's distribution logic
/// uses (`distro.id()`, `distro.version()`, `distro.version(best=True)`,
/// `distro.codename()`, `distro.os_release_info()`,
/// `distro.lsb_release_info()`).
///
/// [`DistroInfo::from_files`] computes them from what the probe collected;
/// Ansible's own unit tests instead record them per fixture, which is why
/// they are a separate input of [`super::distribution_with_distro`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DistroInfo {
    /// `distro.id()`: `centos`, `rhel`, `flatcar`, `debian`, ...
    pub id: String,
    /// `distro.version()`.
    pub version: String,
    /// `distro.version(best=True)`: the candidate with the most dots.
    pub version_best: String,
    /// `distro.codename()`.
    pub codename: String,
    /// `distro.os_release_info()`: os-release keys lower-cased, with the
    /// derived `codename`/`release_codename`.
    pub os_release: BTreeMap<String, String>,
    /// `distro.lsb_release_info()`: parsed `lsb_release -a`.
    pub lsb_release: BTreeMap<String, String>,
}

impl DistroInfo {
    /// Computes `distro`'s answers from release files (path → content), the
    /// parsed `lsb_release -a` output and the kernel's name and release.
    pub fn from_files(
        files: &Files,
        lsb_release: &BTreeMap<String, String>,
        system: &str,
        release: &str,
    ) -> DistroInfo {
        let d = Distro::new(files, lsb_release.clone(), system, release);
        DistroInfo {
            id: d.id(),
            version: d.version(false),
            version_best: d.version(true),
            codename: d.codename(),
            os_release: d.os_release,
            lsb_release: d.lsb_release,
        }
    }
}

/// `distro.LinuxDistribution` over collected texts.
#[derive(Debug, Clone, Default)]
struct Distro {
    os_release: BTreeMap<String, String>,
    lsb_release: BTreeMap<String, String>,
    /// The first usable `/etc/*-release` file: `name`, `version_id`,
    /// `codename`, `id`.
    distro_release: BTreeMap<String, String>,
    /// `uname -rs` as `distro` reads it: empty on Linux.
    uname: BTreeMap<String, String>,
    /// The first line of `/etc/debian_version`, right-trimmed.
    debian_version: String,
}

impl Distro {
    fn new(
        files: &Files,
        lsb_release: BTreeMap<String, String>,
        system: &str,
        release: &str,
    ) -> Distro {
        // /etc/os-release wins unless only /usr/lib/os-release exists.
        let os_release = files
            .get("/etc/os-release")
            .or_else(|| files.get("/usr/lib/os-release"))
            .map(|text| parse_os_release(text))
            .unwrap_or_default();
        let debian_version = files
            .get("/etc/debian_version")
            .map(|text| first_line(text).trim_end().to_owned())
            .unwrap_or_default();
        Distro {
            os_release,
            lsb_release,
            distro_release: distro_release_info(files),
            uname: parse_uname(&format!("{system} {release}")),
            debian_version,
        }
    }

    fn os(&self, key: &str) -> &str {
        self.os_release.get(key).map_or("", String::as_str)
    }

    fn lsb(&self, key: &str) -> &str {
        self.lsb_release.get(key).map_or("", String::as_str)
    }

    fn rel(&self, key: &str) -> &str {
        self.distro_release.get(key).map_or("", String::as_str)
    }

    fn uname_attr(&self, key: &str) -> &str {
        self.uname.get(key).map_or("", String::as_str)
    }

    /// `distro.id()`: lower-cased, blanks as underscores, normalised.
    fn id(&self) -> String {
        let normalize = |id: &str, table: &[(&str, &str)]| {
            let id = id.to_lowercase().replace(' ', "_");
            table
                .iter()
                .find(|(from, _)| *from == id)
                .map_or(id.clone(), |(_, to)| (*to).to_owned())
        };
        const OS_IDS: &[(&str, &str)] = &[("ol", "oracle"), ("opensuse-leap", "opensuse")];
        const LSB_IDS: &[(&str, &str)] = &[
            ("enterpriseenterpriseas", "oracle"),
            ("enterpriseenterpriseserver", "oracle"),
            ("redhatenterpriseworkstation", "rhel"),
            ("redhatenterpriseserver", "rhel"),
            ("redhatenterprisecomputenode", "rhel"),
        ];
        const DISTRO_IDS: &[(&str, &str)] = &[("redhat", "rhel")];
        if !self.os("id").is_empty() {
            return normalize(self.os("id"), OS_IDS);
        }
        if !self.lsb("distributor_id").is_empty() {
            return normalize(self.lsb("distributor_id"), LSB_IDS);
        }
        if !self.rel("id").is_empty() {
            return normalize(self.rel("id"), DISTRO_IDS);
        }
        normalize(self.uname_attr("id"), DISTRO_IDS)
    }

    /// `distro.like()`.
    fn like(&self) -> &str {
        self.os("id_like")
    }

    /// `distro.version(best=...)`: the first non-empty candidate, or with
    /// `best` the candidate with the most dots.
    fn version(&self, best: bool) -> String {
        let from_line = |line: &str| {
            parse_release_line(line)
                .remove("version_id")
                .unwrap_or_default()
        };
        let mut candidates = vec![
            self.os("version_id").to_owned(),
            self.lsb("release").to_owned(),
            self.rel("version_id").to_owned(),
            from_line(self.os("pretty_name")),
            from_line(self.lsb("description")),
            self.uname_attr("release").to_owned(),
        ];
        if self.id() == "debian" || self.like().split_whitespace().any(|l| l == "debian") {
            candidates.push(self.debian_version.clone());
        }
        let mut version = String::new();
        for candidate in candidates {
            if best {
                if version.is_empty()
                    || candidate.matches('.').count() > version.matches('.').count()
                {
                    version = candidate;
                }
            } else if !candidate.is_empty() {
                return candidate;
            }
        }
        version
    }

    /// `distro.codename()`.
    fn codename(&self) -> String {
        if let Some(codename) = self.os_release.get("codename") {
            return codename.clone();
        }
        [self.lsb("codename"), self.rel("codename")]
            .into_iter()
            .find(|c| !c.is_empty())
            .unwrap_or("")
            .to_owned()
    }
}

fn first_line(text: &str) -> &str {
    text.split_inclusive('\n').next().unwrap_or("")
}

/// `distro`'s os-release reader: POSIX `shlex` words, `KEY=value` kept with
/// lower-cased keys, then the derived codenames.
pub(crate) fn parse_os_release(text: &str) -> BTreeMap<String, String> {
    let mut props = BTreeMap::new();
    for word in super::shlex::words(text) {
        if let Some((key, value)) = word.split_once('=') {
            props.insert(key.to_lowercase(), value.to_owned());
        }
    }
    if let Some(version) = props.get("version") {
        if let Some(caps) = OS_RELEASE_CODENAME.captures(version) {
            if let Some(name) = caps.get(1).or_else(|| caps.get(2)) {
                let name = name.as_str().to_owned();
                props.insert("codename".into(), name.clone());
                props.insert("release_codename".into(), name);
            }
        }
    }
    if let Some(codename) = props
        .get("version_codename")
        .or_else(|| props.get("ubuntu_codename"))
    {
        props.insert("codename".into(), codename.clone());
    }
    props
}

/// `distro`'s reading of one "distro release file" line.
pub(crate) fn parse_release_line(line: &str) -> BTreeMap<String, String> {
    let mut info = BTreeMap::new();
    let reversed: String = line.trim().chars().rev().collect();
    let rev = |m: regex::Match<'_>| m.as_str().chars().rev().collect::<String>();
    if let Some(caps) = RELEASE_CONTENT_REVERSED.captures(&reversed) {
        if let Some(name) = caps.get(3) {
            info.insert("name".into(), rev(name));
        }
        if let Some(version) = caps.get(2).filter(|m| !m.is_empty()) {
            info.insert("version_id".into(), rev(version));
        }
        if let Some(codename) = caps.get(1).filter(|m| !m.is_empty()) {
            info.insert("codename".into(), rev(codename));
        }
    } else if !line.is_empty() {
        info.insert("name".into(), line.trim().to_owned());
    }
    info
}

/// The first `/etc/*[-_](release|version)` file, in sorted order, whose first
/// line names a distribution.
fn distro_release_info(files: &Files) -> BTreeMap<String, String> {
    for (path, content) in files {
        let Some(basename) = path.strip_prefix("/etc/") else {
            continue;
        };
        if basename.contains('/') || IGNORED_BASENAMES.contains(&basename) {
            continue;
        }
        let Some(caps) = RELEASE_BASENAME.captures(basename) else {
            continue;
        };
        let mut info = parse_release_line(first_line(content));
        if !info.contains_key("name") {
            continue;
        }
        info.insert("id".into(), caps[1].to_owned());
        if info["name"].to_lowercase().contains("cloudlinux") {
            info.insert("id".into(), "cloudlinux".into());
        }
        return info;
    }
    BTreeMap::new()
}

/// `distro`'s reading of `uname -rs`: nothing on Linux.
fn parse_uname(line: &str) -> BTreeMap<String, String> {
    let mut props = BTreeMap::new();
    if let Some(caps) = UNAME_CONTENT.captures(line.trim()) {
        if &caps[1] != "Linux" {
            props.insert("id".into(), caps[1].to_lowercase());
            props.insert("name".into(), caps[1].to_owned());
            props.insert("release".into(), caps[2].to_owned());
        }
    }
    props
}

/// `distro`'s reading of `lsb_release -a`: `Key: value` lines, keys
/// lower-cased with blanks as underscores.
pub(crate) fn parse_lsb_release(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.replace(' ', "_").to_lowercase(), v.trim().to_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_line_splits_name_version_codename() {
        let info = parse_release_line("CentOS Linux release 7.9.2009 (Core)\n");
        assert_eq!(info["name"], "CentOS Linux");
        assert_eq!(info["version_id"], "7.9.2009");
        assert_eq!(info["codename"], "Core");
        let info = parse_release_line("Red Hat Enterprise Linux Server release 7.2 (Maipo)");
        assert_eq!(info["name"], "Red Hat Enterprise Linux Server");
        assert_eq!(info["version_id"], "7.2");
    }

    #[test]
    fn os_release_codename_comes_from_version() {
        let props = parse_os_release("VERSION=\"8 (Core)\"\nID=\"centos\"\n");
        assert_eq!(props["codename"], "Core");
        assert_eq!(props["id"], "centos");
    }
}
