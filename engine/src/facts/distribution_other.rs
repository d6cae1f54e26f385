//! Distribution facts for non-Linux systems, as ansible-core 2.19 computes
//! them (`Distribution.get_distribution_<system>`): the BSDs from the kernel
//! release and `sysctl -n kern.version`, the Solaris family from
//! `/etc/release`. AIX, HP-UX and macOS need commands the probe does not run
//! (`oslevel`, `swlist`, `sw_vers`); they keep Python's `platform` values.

use std::collections::BTreeMap;

use super::distribution::{DistributionFacts, Platform};

/// A regular expression compiled once, on first use.
macro_rules! re {
    ($pattern:literal) => {{
        static RE: std::sync::LazyLock<regex::Regex> =
            std::sync::LazyLock::new(|| regex::Regex::new($pattern).expect("static regex"));
        &*RE
    }};
}

/// Fills `facts` for `system`, which is not `Linux`.
pub(crate) fn apply(
    system: &str,
    files: &BTreeMap<String, String>,
    platform: &Platform,
    facts: &mut DistributionFacts,
) {
    let kern_version = platform.kern_version.as_deref().unwrap_or("");
    match system {
        "FreeBSD" => {
            facts.release = Some(platform.release.clone());
            if platform.version.contains("trueos") {
                facts.distribution = "TrueOS".into();
            }
            let re = re!(r"(\d+)\.(\d+)-(RELEASE|STABLE|CURRENT|RC|PRERELEASE)");
            if let Some(caps) = re.captures(&platform.release) {
                facts.major_version = Some(caps[1].to_owned());
                facts.version = Some(format!("{}.{}", &caps[1], &caps[2]));
            }
        }
        "OpenBSD" => {
            facts.version = Some(platform.release.clone());
            let re = re!(r"^OpenBSD\s[0-9]+.[0-9]+-(\S+)\s");
            let release = re
                .captures(kern_version)
                .map_or("release".to_owned(), |c| c[1].to_owned());
            facts.release = Some(release);
        }
        "DragonFly" => {
            facts.release = Some(platform.release.clone());
            let re = re!(r"v(\d+)\.(\d+)\.(\d+)-(RELEASE|STABLE|CURRENT)");
            if let Some(caps) = re.captures(kern_version) {
                facts.major_version = Some(caps[1].to_owned());
                facts.version = Some(format!("{}.{}.{}", &caps[1], &caps[2], &caps[3]));
            }
        }
        "NetBSD" => {
            facts.release = Some(platform.release.clone());
            let re = re!(r"^NetBSD\s(\d+)\.(\d+)\s\((GENERIC)\)");
            if let Some(caps) = re.captures(kern_version) {
                facts.major_version = Some(caps[1].to_owned());
                facts.version = Some(format!("{}.{}", &caps[1], &caps[2]));
            } else {
                facts.major_version = platform.release.split('.').next().map(str::to_owned);
                facts.version = Some(platform.release.clone());
            }
        }
        "SunOS" => sunos(files, platform, facts),
        _ => {}
    }
}

fn sunos(files: &BTreeMap<String, String>, platform: &Platform, facts: &mut DistributionFacts) {
    let Some(first) = files
        .get("/etc/release")
        .and_then(|t| t.trim().lines().next())
    else {
        return;
    };
    let mut data = first.to_owned();
    if data.contains("Solaris") {
        let mut prefix = "";
        if data.contains("Oracle Solaris") {
            data = data.replace("Oracle ", "");
            prefix = "Oracle ";
        }
        let mut words = data.split_whitespace();
        facts.distribution = words.next().unwrap_or("").to_owned();
        facts.version = words.next().map(str::to_owned);
        facts.release = Some(format!("{prefix}{data}"));
        facts.major_version = platform
            .release
            .split('.')
            .nth(1)
            .map(|m| m.trim_end().to_owned());
        return;
    }
    let uname_v = Some(platform.version.as_str()).filter(|v| !v.is_empty());
    let last_word = || data.split_whitespace().last().unwrap_or("").to_owned();
    let mut version = None;
    let distribution = if data.contains("SmartOS") {
        if let Some(product) = files.get("/etc/product").filter(|p| !p.is_empty()) {
            version = product
                .trim()
                .lines()
                .filter_map(|l| l.split_once(": "))
                .rfind(|(k, _)| *k == "Image")
                .and_then(|(_, v)| v.split_whitespace().last())
                .map(str::to_owned);
        }
        "SmartOS"
    } else if data.contains("OpenIndiana") {
        "OpenIndiana"
    } else if data.contains("OmniOS") {
        version = Some(last_word());
        "OmniOS"
    } else if uname_v.is_some_and(|v| v.contains("NexentaOS_")) {
        version = Some(last_word().trim_start_matches('v').to_owned());
        "Nexenta"
    } else {
        return;
    };
    facts.distribution = distribution.to_owned();
    facts.release = Some(data.trim().to_owned());
    if let Some(version) = version {
        facts.version = Some(version);
    } else if let Some(v) = uname_v {
        facts.version = Some(v.lines().next().unwrap_or("").trim().to_owned());
    }
}
