//! Ansible's distribution facts (`distribution`, `distribution_version`,
//! `distribution_major_version`, `distribution_release`, `os_family`,
//! `distribution_file_*`) from release-file contents.
//!
//! Follows `ansible.module_utils.facts.system.distribution` of ansible-core
//! 2.19: a guess from the `distro` library (see [`super::distro`]), then the
//! first release file in Ansible's fixed search list that its per-distribution
//! parser accepts, then the `os_family` map (a distribution missing from the
//! map is its own family: `Flatcar`). Non-Linux systems are handled in
//! [`super::distribution_other`]. Pure: the inputs are texts, so Ansible's own
//! unit-test fixtures drive it directly (`tests/facts/distribution.rs`).
//!
//! Deviation: the Debian "last resort" release name comes from the probe's
//! `dpkg --status tzdata` output ([`Platform::dpkg_tzdata`]), which the
//! probe only collects when os-release has no `VERSION_CODENAME`.

use super::distribution_other;
use super::distro::DistroInfo;
use super::os_family::os_family;
use crate::value::{Map, Value};
use std::collections::BTreeMap;

/// What the kernel and a few commands say about the host, next to its files.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Platform {
    /// `uname -s` (Python's `platform.system()`): `Linux`, `SunOS`, ...
    pub system: String,
    /// `uname -r` (`platform.release()`).
    pub release: String,
    /// `uname -v` (`platform.version()`).
    pub version: String,
    /// Parsed `lsb_release -a` output (`distributor_id`, `release`,
    /// `codename`, ...); empty when the command is absent or not needed.
    pub lsb_release: BTreeMap<String, String>,
    /// `sysctl -n kern.version` on the BSDs.
    pub kern_version: Option<String>,
    /// The release name Debian's `tzdata` package provides, when collected.
    pub dpkg_tzdata: Option<String>,
    /// Where `/etc/products.d/baseproduct` points (SUSE), when it is a link.
    pub suse_baseproduct: Option<String>,
}

/// The distribution facts, each `None` where Ansible sets no key.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DistributionFacts {
    /// `distribution`: `CentOS`, `RedHat`, `Flatcar`, `Debian`, ...
    pub distribution: String,
    /// `distribution_version`: `7.9`, `3139.2.0`, `12.11`.
    pub version: Option<String>,
    /// `distribution_major_version`: always a string (`'7'`).
    pub major_version: Option<String>,
    /// `distribution_minor_version` (Debian, Amazon).
    pub minor_version: Option<String>,
    /// `distribution_release`: codename or `NA`.
    pub release: Option<String>,
    /// `os_family`: `RedHat`, `Debian`, `Suse`, ... or the distribution.
    pub os_family: String,
    /// `distribution_file_path`: the release file that decided.
    pub file_path: Option<String>,
    /// `distribution_file_variety`: the name that file was read as.
    pub file_variety: Option<String>,
    /// `distribution_file_parsed`.
    pub file_parsed: Option<bool>,
    /// `distribution_file_search_string`.
    pub file_search_string: Option<String>,
}

impl DistributionFacts {
    /// The facts as Ansible names them, without the `ansible_` prefix.
    pub fn to_map(&self) -> Map {
        let mut map = Map::new();
        let mut put = |key: &str, value: Option<Value>| {
            if let Some(value) = value {
                map.insert(key.to_owned(), value);
            }
        };
        put("distribution", Some(self.distribution.as_str().into()));
        put(
            "distribution_file_parsed",
            self.file_parsed.map(Value::Bool),
        );
        put(
            "distribution_file_path",
            self.file_path.clone().map(Value::Str),
        );
        put(
            "distribution_file_search_string",
            self.file_search_string.clone().map(Value::Str),
        );
        put(
            "distribution_file_variety",
            self.file_variety.clone().map(Value::Str),
        );
        put(
            "distribution_major_version",
            self.major_version.clone().map(Value::Str),
        );
        put(
            "distribution_minor_version",
            self.minor_version.clone().map(Value::Str),
        );
        put("distribution_release", self.release.clone().map(Value::Str));
        put("distribution_version", self.version.clone().map(Value::Str));
        put("os_family", Some(self.os_family.as_str().into()));
        map
    }
}

/// How a release file is read: Ansible's list, in its order.
#[derive(Clone, Copy)]
enum Reader {
    /// Accepted with any content, even empty.
    AllowEmpty,
    /// The name is found by a search string, else the first word.
    Search(&'static str),
    /// Accepted only if os-release mentions the alias.
    OsReleaseAlias(&'static str),
    /// A dedicated parser.
    Parser,
}

const SEARCH_LIST: &[(&str, &str, Reader)] = &[
    ("/etc/altlinux-release", "Altlinux", Reader::Search("ALT")),
    (
        "/etc/oracle-release",
        "OracleLinux",
        Reader::Search("Oracle Linux"),
    ),
    ("/etc/slackware-version", "Slackware", Reader::Parser),
    ("/etc/centos-release", "CentOS", Reader::Parser),
    ("/etc/redhat-release", "RedHat", Reader::Search("Red Hat")),
    ("/etc/vmware-release", "VMwareESX", Reader::AllowEmpty),
    ("/etc/openwrt_release", "OpenWrt", Reader::Parser),
    ("/etc/os-release", "Amazon", Reader::Parser),
    ("/etc/system-release", "Amazon", Reader::Parser),
    ("/etc/alpine-release", "Alpine", Reader::Parser),
    ("/etc/arch-release", "Archlinux", Reader::AllowEmpty),
    (
        "/etc/os-release",
        "Archlinux",
        Reader::OsReleaseAlias("Arch Linux"),
    ),
    ("/etc/os-release", "SUSE", Reader::Parser),
    ("/etc/SuSE-release", "SUSE", Reader::Parser),
    ("/etc/gentoo-release", "Gentoo", Reader::Parser),
    ("/etc/os-release", "Debian", Reader::Parser),
    ("/etc/lsb-release", "Debian", Reader::Parser),
    ("/etc/lsb-release", "Mandriva", Reader::Parser),
    (
        "/etc/sourcemage-release",
        "SMGL",
        Reader::Search("Source Mage GNU/Linux"),
    ),
    ("/usr/lib/os-release", "ClearLinux", Reader::Parser),
    ("/etc/coreos/update.conf", "Coreos", Reader::Parser),
    ("/etc/os-release", "Flatcar", Reader::Parser),
    ("/etc/os-release", "NA", Reader::Parser),
];

/// Facts a release-file parser sets; `None` leaves the guess in place.
#[derive(Debug, Default)]
pub(crate) struct Parsed {
    pub(crate) distribution: Option<String>,
    pub(crate) version: Option<String>,
    pub(crate) major_version: Option<String>,
    pub(crate) minor_version: Option<String>,
    pub(crate) release: Option<String>,
    pub(crate) search_string: Option<String>,
}

/// Computes the distribution facts from release files (path → content) and
/// platform data, exactly as ansible-core 2.19's `setup` would on that host.
pub fn distribution_from_files(
    files: &BTreeMap<String, String>,
    platform: &Platform,
) -> DistributionFacts {
    let distro = DistroInfo::from_files(
        files,
        &platform.lsb_release,
        &platform.system,
        &platform.release,
    );
    distribution_with_distro(files, platform, &distro)
}

/// [`distribution_from_files`] with the `distro` library's answers given
/// instead of computed: the seam Ansible's own unit tests use, where each
/// fixture records what `distro` said on the real host.
pub fn distribution_with_distro(
    files: &BTreeMap<String, String>,
    platform: &Platform,
    distro: &DistroInfo,
) -> DistributionFacts {
    let mut facts = DistributionFacts {
        distribution: platform.system.clone(),
        release: Some(platform.release.clone()),
        version: Some(platform.version.clone()),
        ..DistributionFacts::default()
    };
    match platform.system.as_str() {
        "Linux" => linux(files, platform, distro, &mut facts),
        other => distribution_other::apply(other, files, platform, &mut facts),
    }
    facts.os_family = os_family(&facts.distribution).to_owned();
    facts
}

fn linux(
    files: &BTreeMap<String, String>,
    platform: &Platform,
    distro: &DistroInfo,
    facts: &mut DistributionFacts,
) {
    let guess = DistroGuess::new(distro);
    facts.distribution = guess.distribution.clone();
    facts.version = Some(guess.version.clone());
    facts.release = Some(guess.release.clone());
    facts.major_version = Some(guess.major_version.clone());

    for &(path, name, reader) in SEARCH_LIST {
        let Some(content) = files.get(path) else {
            continue;
        };
        if let Reader::AllowEmpty = reader {
            facts.distribution = name.to_owned();
            facts.file_path = Some(path.to_owned());
            facts.file_variety = Some(name.to_owned());
            break;
        }
        if content.is_empty() {
            continue;
        }
        // get_file_content strips whitespace; the parsers then strip quotes.
        let data = content.trim();
        let parsed = match reader {
            Reader::Search(needle) => {
                let data = data.trim_matches(['\'', '"', '\\']);
                Some(if data.contains(needle) {
                    Parsed {
                        distribution: Some(name.to_owned()),
                        search_string: Some(needle.to_owned()),
                        ..Parsed::default()
                    }
                } else {
                    Parsed {
                        distribution: data.split_whitespace().next().map(str::to_owned),
                        ..Parsed::default()
                    }
                })
            }
            Reader::OsReleaseAlias(alias) => data
                .trim_matches(['\'', '"', '\\'])
                .contains(alias)
                .then(|| Parsed {
                    distribution: Some(name.to_owned()),
                    ..Parsed::default()
                }),
            Reader::Parser => {
                let data = data.trim_matches(['\'', '"', '\\']);
                super::release_parsers::parse(name, data, path, &guess, files, platform)
            }
            Reader::AllowEmpty => None,
        };
        if let Some(parsed) = parsed {
            facts.distribution = name.to_owned();
            facts.file_path = Some(path.to_owned());
            facts.file_variety = Some(name.to_owned());
            facts.file_parsed = Some(true);
            if let Some(d) = parsed.distribution {
                facts.distribution = d;
            }
            facts.version = parsed.version.or(facts.version.take());
            facts.major_version = parsed.major_version.or(facts.major_version.take());
            facts.minor_version = parsed.minor_version.or(facts.minor_version.take());
            facts.release = parsed.release.or(facts.release.take());
            facts.file_search_string = parsed.search_string;
            break;
        }
    }
}

/// Ansible's first guess from `distro` (`_guess_distribution`): what a
/// Linux host reports when no release file parser adds anything.
#[derive(Debug, Clone, PartialEq)]
pub struct DistroGuess {
    /// `get_distribution()`: the capitalised `distro.id()`.
    pub distribution: String,
    /// `get_distribution_version()`, or `NA`.
    pub version: String,
    /// `get_distribution_codename()`, or `NA`.
    pub release: String,
    /// The version's first dotted part, or `NA`.
    pub major_version: String,
    /// `distro.id()`, for parsers that look at it.
    pub distro_id: String,
}

impl DistroGuess {
    /// Ansible's guess from `distro`'s answers.
    pub fn new(distro: &DistroInfo) -> DistroGuess {
        let distro_id = distro.id.clone();
        // get_distribution(): capitalize() lower-cases all but the first letter.
        let mut name = capitalize(&distro_id);
        match name.as_str() {
            "Amzn" => name = "Amazon".into(),
            "Rhel" => name = "Redhat".into(),
            "" => name = "OtherLinux".into(),
            _ => {}
        }
        // get_distribution_version(): CentOS keeps two parts of the best
        // version, Debian the whole best version.
        let version = match distro_id.as_str() {
            "centos" => distro
                .version_best
                .split('.')
                .take(2)
                .collect::<Vec<_>>()
                .join("."),
            "debian" => distro.version_best.clone(),
            _ => distro.version.clone(),
        };
        // get_distribution_codename()
        let codename = distro
            .os_release
            .get("version_codename")
            .or_else(|| distro.os_release.get("ubuntu_codename"))
            .cloned()
            .or_else(|| {
                (distro_id == "ubuntu")
                    .then(|| distro.lsb_release.get("codename").cloned())
                    .flatten()
            })
            .or_else(|| Some(distro.codename.clone()).filter(|c| !c.is_empty()));
        let version = if version.is_empty() {
            "NA".to_owned()
        } else {
            version
        };
        let major = version.split('.').next().unwrap_or("");
        DistroGuess {
            distribution: name,
            major_version: if major.is_empty() {
                "NA".into()
            } else {
                major.to_owned()
            },
            version,
            release: codename.unwrap_or_else(|| "NA".into()),
            distro_id,
        }
    }
}

/// Python's `str.capitalize()`.
pub(crate) fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first
            .to_uppercase()
            .chain(chars.flat_map(char::to_lowercase))
            .collect(),
        None => String::new(),
    }
}
