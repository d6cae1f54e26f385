//! Ansible's per-distribution release-file parsers
//! (`DistributionFiles.parse_distribution_file_*` in ansible-core 2.19).
//!
//! Each takes the file content (whitespace and quote characters stripped
//! from both ends, as Ansible does) and returns the facts it sets, or `None`
//! when the file does not belong to that distribution and the search goes
//! on. Regular expressions keep Python's `re.search` semantics: unanchored,
//! `.` stops at a newline.

use super::distribution::{capitalize, DistroGuess, Parsed, Platform};
use super::distro::Files;

/// A regular expression compiled once, on first use.
macro_rules! re {
    ($pattern:literal) => {{
        static RE: std::sync::LazyLock<regex::Regex> =
            std::sync::LazyLock::new(|| regex::Regex::new($pattern).expect("static regex"));
        &*RE
    }};
}

/// The first capture group of `re` in `text`.
fn group1<'t>(re: &regex::Regex, text: &'t str) -> Option<&'t str> {
    re.captures(text).and_then(|c| c.get(1)).map(|m| m.as_str())
}

/// Dispatches to the parser Ansible names `parse_distribution_file_<name>`.
pub(crate) fn parse(
    name: &str,
    data: &str,
    path: &str,
    guess: &DistroGuess,
    files: &Files,
    platform: &Platform,
) -> Option<Parsed> {
    match name {
        "Slackware" => slackware(data),
        "Amazon" => amazon(data, path),
        "OpenWrt" => openwrt(data),
        "Alpine" => Some(Parsed {
            distribution: Some("Alpine".into()),
            version: Some(data.to_owned()),
            ..Parsed::default()
        }),
        "SUSE" => suse(data, path, guess, platform),
        "Debian" => debian(data, path, guess, files, platform),
        "Mandriva" => mandriva(data),
        "NA" => Some(na(data, guess)),
        "Coreos" => coreos(data, guess),
        "Flatcar" => flatcar(data, guess),
        "ClearLinux" => clear_linux(data),
        "CentOS" => centos(data),
        // Gentoo has no parser in Ansible: its file never decides.
        _ => None,
    }
}

fn slackware(data: &str) -> Option<Parsed> {
    data.contains("Slackware").then(|| Parsed {
        distribution: Some("Slackware".into()),
        version: re!(r"\w+[.]\w+\+?")
            .find(data)
            .map(|m| m.as_str().to_owned()),
        ..Parsed::default()
    })
}

fn amazon(data: &str, path: &str) -> Option<Parsed> {
    if !data.contains("Amazon") {
        return None;
    }
    let mut parsed = Parsed {
        distribution: Some("Amazon".into()),
        ..Parsed::default()
    };
    if path == "/etc/os-release" {
        if let Some(version) = group1(re!(r#"VERSION_ID="(.*)""#), data) {
            parsed.version = Some(version.to_owned());
            let mut parts = version.split('.');
            parsed.major_version = parts.next().map(str::to_owned);
            parsed.minor_version = Some(parts.next().unwrap_or("NA").to_owned());
        }
    } else {
        let number = data
            .split_whitespace()
            .find(|word| word.chars().all(|c| c.is_numeric()))
            .unwrap_or("NA");
        parsed.version = Some(number.to_owned());
    }
    Some(parsed)
}

fn openwrt(data: &str) -> Option<Parsed> {
    data.contains("OpenWrt").then(|| Parsed {
        distribution: Some("OpenWrt".into()),
        version: group1(re!(r#"DISTRIB_RELEASE="(.*)""#), data).map(str::to_owned),
        release: group1(re!(r#"DISTRIB_CODENAME="(.*)""#), data).map(str::to_owned),
        ..Parsed::default()
    })
}

fn suse(data: &str, path: &str, guess: &DistroGuess, platform: &Platform) -> Option<Parsed> {
    let lower = data.to_lowercase();
    if !lower.contains("suse") {
        return None;
    }
    let mut parsed = Parsed::default();
    if path == "/etc/os-release" {
        for line in data.lines() {
            if let Some(name) = group1(re!(r"^NAME=(.*)"), line) {
                parsed.distribution = Some(name.trim_matches('"').to_owned());
            }
            if let Some(version) = group1(re!(r#"^VERSION_ID="?([0-9]+\.?[0-9]*)"?"#), line) {
                parsed.version = Some(version.to_owned());
                parsed.major_version = version.split('.').next().map(str::to_owned);
            }
            let minor = group1(re!(r#"^VERSION_ID="?[0-9]+\.?([0-9]*)"?"#), line);
            if lower.contains("open") {
                if let Some(minor) = minor {
                    parsed.release = Some(minor.to_owned());
                }
            } else if lower.contains("enterprise") && line.contains("VERSION_ID") {
                // SLES has no release names: the service pack, or 0.
                parsed.release = Some(minor.filter(|m| !m.is_empty()).unwrap_or("0").to_owned());
            }
        }
    } else if path == "/etc/SuSE-release" {
        if lower.contains("open") {
            parsed.distribution = data
                .lines()
                .next()
                .and_then(|l| l.split_whitespace().next())
                .map(str::to_owned);
            for line in data.lines() {
                if let Some(codename) = group1(re!(r"CODENAME *= *([^\n]+)"), line) {
                    parsed.release = Some(codename.trim().to_owned());
                }
            }
        } else if lower.contains("enterprise") {
            if data.contains("Server") {
                parsed.distribution = Some("SLES".into());
            } else if data.contains("Desktop") {
                parsed.distribution = Some("SLED".into());
            }
            for line in data.lines() {
                if let Some(patch) = group1(re!(r"PATCHLEVEL = ([0-9]+)"), line) {
                    parsed.release = Some(patch.to_owned());
                    parsed.version = Some(format!("{}.{patch}", guess.version));
                }
            }
        }
    }
    match group1(re!(r#"(?m)^VARIANT_ID="?([^"\n]*)"?"#), data) {
        Some("server-sap" | "sles-sap") => parsed.distribution = Some("SLES_SAP".into()),
        Some("transactional") => parsed.distribution = Some("SL-Micro".into()),
        Some(_) => {}
        None => match platform.suse_baseproduct.as_deref() {
            Some(target) if target.ends_with("SLES_SAP.prod") => {
                parsed.distribution = Some("SLES_SAP".into())
            }
            Some(target) if target.ends_with("SL-Micro.prod") => {
                parsed.distribution = Some("SL-Micro".into())
            }
            _ => {}
        },
    }
    Some(parsed)
}

fn debian(
    data: &str,
    path: &str,
    guess: &DistroGuess,
    files: &Files,
    platform: &Platform,
) -> Option<Parsed> {
    let has = |s: &str| data.contains(s);
    let mut parsed = Parsed::default();
    let version_quoted = || group1(re!(r#"VERSION_ID="(.*)""#), data).map(str::to_owned);
    let major_of = |v: &Option<String>| {
        v.as_deref()
            .and_then(|v| v.split('.').next())
            .map(str::to_owned)
    };
    if has("Debian") || has("Raspbian") {
        parsed.distribution = Some("Debian".into());
        parsed.release = group1(re!(r"PRETTY_NAME=[^(]+ \(?([^)]+?)\)"), data).map(str::to_owned);
        // Last resort for a release name: the tzdata package.
        if guess.release == "NA" && has("Debian") {
            if let Some(tzdata) = &platform.dpkg_tzdata {
                parsed.release = Some(tzdata.trim().to_owned());
            }
        }
        if let Some(debian_version) = files.get("/etc/debian_version") {
            for line in debian_version.trim().lines() {
                if let Some(caps) = re!(r"(\d+)\.(\d+)").captures(line.trim()) {
                    parsed.minor_version = Some(caps[2].to_owned());
                }
            }
        }
    } else if has("Ubuntu") {
        parsed.distribution = Some("Ubuntu".into());
    } else if has("SteamOS") {
        parsed.distribution = Some("SteamOS".into());
    } else if (path == "/etc/lsb-release" || path == "/etc/os-release")
        && (has("Kali") || has("Parrot"))
    {
        parsed.distribution = Some(if has("Kali") { "Kali" } else { "Parrot" }.into());
        parsed.release = group1(re!(r"DISTRIB_RELEASE=(.*)"), data).map(str::to_owned);
    } else if has("Devuan") {
        parsed.distribution = Some("Devuan".into());
        parsed.release =
            group1(re!(r#"PRETTY_NAME="?[^("]+ \(?([^) "]+)\)?"#), data).map(str::to_owned);
        parsed.version = version_quoted();
        parsed.major_version = parsed.version.clone();
    } else if has("Cumulus") {
        parsed.distribution = Some("Cumulus Linux".into());
        if let Some(version) = group1(re!(r"VERSION_ID=(.*)"), data) {
            parsed.version = Some(version.to_owned());
            parsed.major_version = version.split('.').next().map(str::to_owned);
        }
        parsed.release = group1(re!(r#"VERSION="(.*)""#), data).map(str::to_owned);
    } else if has("Mint") {
        parsed.distribution = Some("Linux Mint".into());
        parsed.version = version_quoted();
        parsed.major_version = major_of(&parsed.version);
    } else if has("UOS") || has("Uos") || has("uos") || has("Deepin") || has("deepin") {
        let uos = has("UOS") || has("Uos") || has("uos");
        parsed.distribution = Some(if uos { "Uos" } else { "Deepin" }.into());
        parsed.release = group1(re!(r#"VERSION_CODENAME="?([^"]+)"?"#), data).map(str::to_owned);
        parsed.version = version_quoted();
        parsed.major_version = major_of(&parsed.version);
    } else if has("LMDE") {
        parsed.distribution = Some("Linux Mint Debian Edition".into());
    } else {
        return None;
    }
    Some(parsed)
}

fn mandriva(data: &str) -> Option<Parsed> {
    data.contains("Mandriva").then(|| Parsed {
        distribution: Some("Mandriva".into()),
        version: group1(re!(r#"DISTRIB_RELEASE="(.*)""#), data).map(str::to_owned),
        release: group1(re!(r#"DISTRIB_CODENAME="(.*)""#), data).map(str::to_owned),
        ..Parsed::default()
    })
}

/// The catch-all for an os-release nobody else claimed: `NAME`, and
/// `VERSION` when the guess had no version.
fn na(data: &str, guess: &DistroGuess) -> Parsed {
    let mut parsed = Parsed::default();
    for line in data.lines() {
        if let Some(name) = group1(re!(r"^NAME=(.*)"), line) {
            parsed.distribution = Some(name.trim_matches('"').to_owned());
        }
        if let Some(version) = group1(re!(r"^VERSION=(.*)"), line) {
            if guess.version == "NA" {
                parsed.version = Some(version.trim_matches('"').to_owned());
            }
        }
    }
    parsed
}

fn coreos(data: &str, guess: &DistroGuess) -> Option<Parsed> {
    if capitalize(&guess.distro_id).to_lowercase() != "coreos" || data.is_empty() {
        return None;
    }
    Some(Parsed {
        release: group1(re!(r"^GROUP=(.*)"), data).map(|g| g.trim_matches('"').to_owned()),
        ..Parsed::default()
    })
}

fn flatcar(data: &str, guess: &DistroGuess) -> Option<Parsed> {
    if capitalize(&guess.distro_id).to_lowercase() != "flatcar" || data.is_empty() {
        return None;
    }
    let version = group1(re!(r"VERSION=(.*)"), data).map(|v| v.trim_matches('"').to_owned());
    Some(Parsed {
        major_version: version
            .as_deref()
            .and_then(|v| v.split('.').next())
            .map(str::to_owned),
        version,
        ..Parsed::default()
    })
}

fn clear_linux(data: &str) -> Option<Parsed> {
    let mut parsed = Parsed::default();
    if let Some(name) = group1(re!(r#"NAME="(.*)""#), data) {
        if !name.contains("Clear Linux") {
            return None;
        }
        parsed.distribution = Some(name.to_owned());
    }
    if let Some(version) = group1(re!(r"VERSION_ID=(.*)"), data) {
        parsed.major_version = Some(version.to_owned());
        parsed.version = Some(version.to_owned());
    }
    parsed.release = group1(re!(r"ID=(.*)"), data).map(str::to_owned);
    Some(parsed)
}

fn centos(data: &str) -> Option<Parsed> {
    if data.contains("CentOS Stream") {
        Some(Parsed {
            release: Some("Stream".into()),
            ..Parsed::default()
        })
    } else if data.contains("TencentOS Server") {
        Some(Parsed {
            distribution: Some("TencentOS".into()),
            ..Parsed::default()
        })
    } else {
        None
    }
}
