//! Platform, user, environment and FIPS facts (Ansible's `platform`,
//! `user`, `env` and `fips` collectors).
//!
//! `python` and `python_version` describe the host's `python3` (or
//! `python`) found on its `PATH`, the interpreter Ansible's discovery picks
//! on the usual hosts; absent when it has none (Flatcar). Deviations:
//! `userspace_bits` comes from `getconf LONG_BIT` instead of the Python
//! binary's ELF class; `fqdn` needs `getent` on the host (glibc hosts and
//! Flatcar have it) and otherwise uses `hostname -f`.

use super::parse::Sections;
use crate::value::{Map, Value};

/// The five fields of `uname -snrvm`, split the way its single spaces allow:
/// `uname -v` may itself contain spaces.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Uname {
    pub(crate) system: String,
    pub(crate) nodename: String,
    pub(crate) release: String,
    pub(crate) version: String,
    pub(crate) machine: String,
}

impl Uname {
    pub(crate) fn parse(line: &str) -> Uname {
        let line = line.trim_end_matches(['\n', '\r']);
        let mut head = line.splitn(4, ' ');
        let system = head.next().unwrap_or("").to_owned();
        let nodename = head.next().unwrap_or("").to_owned();
        let release = head.next().unwrap_or("").to_owned();
        let rest = head.next().unwrap_or("");
        let (version, machine) = rest.rsplit_once(' ').unwrap_or(("", rest));
        Uname {
            system,
            nodename,
            release,
            version: version.to_owned(),
            machine: machine.to_owned(),
        }
    }
}

/// Adds the platform collector's facts.
pub(crate) fn platform(s: &Sections<'_>, uname: &Uname, facts: &mut Map) {
    facts.insert("system".into(), uname.system.as_str().into());
    facts.insert("kernel".into(), uname.release.as_str().into());
    facts.insert("kernel_version".into(), uname.version.as_str().into());
    facts.insert("machine".into(), uname.machine.as_str().into());
    let fqdn = fqdn(s, &uname.nodename);
    facts.insert(
        "hostname".into(),
        uname.nodename.split('.').next().unwrap_or("").into(),
    );
    facts.insert("nodename".into(), uname.nodename.as_str().into());
    let domain = fqdn.split_once('.').map_or("", |(_, d)| d).to_owned();
    facts.insert("fqdn".into(), fqdn.into());
    facts.insert("domain".into(), domain.into());
    let bits = s.trimmed("long_bit");
    let machine = uname.machine.as_str();
    let userspace_arch = |bits: &str| match bits {
        "64" => Some("x86_64"),
        "32" => Some("i386"),
        _ => None,
    };
    // Python's `i([3456]86|86pc)` test for 32-bit x86 machine names.
    let i86 = ["i386", "i486", "i586", "i686", "i86pc"]
        .iter()
        .any(|name| machine.contains(name));
    if machine == "x86_64" || i86 {
        let arch = if machine == "x86_64" {
            "x86_64"
        } else {
            "i386"
        };
        facts.insert("architecture".into(), arch.into());
        if let Some(user_arch) = userspace_arch(&bits) {
            facts.insert("userspace_architecture".into(), user_arch.into());
        }
    } else {
        facts.insert("architecture".into(), machine.into());
    }
    if !bits.is_empty() {
        facts.insert("userspace_bits".into(), bits.into());
    }
    if let Some(id) = s
        .text("machine_id")
        .and_then(|t| t.trim().lines().next().map(str::to_owned))
    {
        if !id.is_empty() {
            facts.insert("machine_id".into(), id.into());
        }
    }
}

/// Python's `socket.getfqdn()`: among the reverse-resolved name and its
/// aliases the first containing a dot, else that name; the node name when
/// resolution fails.
fn fqdn(s: &Sections<'_>, nodename: &str) -> String {
    if let Some(line) = s.text("fqdn_byaddr") {
        let names: Vec<&str> = line
            .lines()
            .next()
            .unwrap_or("")
            .split_whitespace()
            .skip(1)
            .collect();
        return match names.iter().find(|n| n.contains('.')) {
            Some(name) => (*name).to_owned(),
            None => names.first().map_or(nodename, |n| n).to_owned(),
        };
    }
    let fallback = s.trimmed("fqdn_hostname");
    if fallback.is_empty() {
        nodename.to_owned()
    } else {
        fallback
    }
}

/// Adds the user collector's facts: `user_id` is Python's
/// `getpass.getuser()` (`LOGNAME`, `USER`, `LNAME`, `USERNAME`, then the
/// uid's name), the rest its passwd entry and `id`'s numbers.
pub(crate) fn user(s: &Sections<'_>, facts: &mut Map) {
    let name = s.trimmed("user");
    facts.insert("user_id".into(), name.into());
    let entry = s.trimmed("passwd");
    let fields: Vec<&str> = entry.lines().next().unwrap_or("").split(':').collect();
    if fields.len() >= 7 {
        let int = |t: &str| {
            t.parse::<i64>()
                .map(Value::Int)
                .unwrap_or_else(|_| t.into())
        };
        facts.insert("user_uid".into(), int(fields[2]));
        facts.insert("user_gid".into(), int(fields[3]));
        facts.insert("user_gecos".into(), fields[4].into());
        facts.insert("user_dir".into(), fields[5].into());
        facts.insert("user_shell".into(), fields[6].into());
    }
    let id = s.trimmed("id");
    let number = |key: &str| {
        id.split_whitespace()
            .find_map(|w| w.strip_prefix(key))
            .and_then(|v| v.split('(').next())
            .and_then(|v| v.parse::<i64>().ok())
    };
    if let (Some(uid), Some(gid)) = (number("uid="), number("gid=")) {
        facts.insert("real_user_id".into(), uid.into());
        facts.insert(
            "effective_user_id".into(),
            number("euid=").unwrap_or(uid).into(),
        );
        // Ansible reports os.getgid() for both group ids.
        facts.insert("real_group_id".into(), gid.into());
        facts.insert("effective_group_id".into(), gid.into());
    }
}

/// The `env` fact: the environment the probe's shell received.
pub(crate) fn env(s: &Sections<'_>) -> Map {
    let (bytes, separator) = match s.bytes("env0") {
        Some(bytes) => (bytes, b'\0'),
        None => (s.bytes("env").unwrap_or(b""), b'\n'),
    };
    bytes
        .split(|&b| b == separator)
        .filter_map(|entry| {
            let entry = String::from_utf8_lossy(entry);
            let (key, value) = entry.split_once('=')?;
            Some((key.to_owned(), Value::from(value)))
        })
        .collect()
}

/// The `fips` fact: `/proc/sys/crypto/fips_enabled` says `1`.
pub(crate) fn fips(s: &Sections<'_>) -> bool {
    s.trimmed("fips") == "1"
}

/// Ansible's `python` collector and `python_version`, from the probe's
/// `python` section: the interpreter's path, then
/// `MAJOR MINOR MICRO RELEASELEVEL SERIAL IMPLEMENTATION HAS_SSL EXECUTABLE`.
/// Returns the interpreter's path (`None` without one).
pub(crate) fn python(s: &Sections<'_>, facts: &mut Map) -> Option<String> {
    let lines = s.lines("python");
    let path = lines
        .first()
        .map(|l| l.trim().to_owned())
        .filter(|p| !p.is_empty())?;
    let fields: Vec<&str> = lines
        .get(1)
        .map_or(Vec::new(), |l| l.splitn(8, ' ').collect());
    if let [major, minor, micro, level, serial, kind, ssl, exe] = fields[..] {
        let (Ok(major), Ok(minor), Ok(micro), Ok(serial)) = (
            major.parse::<i64>(),
            minor.parse::<i64>(),
            micro.parse::<i64>(),
            serial.parse::<i64>(),
        ) else {
            return Some(path);
        };
        let mut version = Map::new();
        version.insert("major".into(), Value::Int(major));
        version.insert("minor".into(), Value::Int(minor));
        version.insert("micro".into(), Value::Int(micro));
        version.insert("releaselevel".into(), level.into());
        version.insert("serial".into(), Value::Int(serial));
        let mut py = Map::new();
        py.insert("version".into(), Value::Map(version));
        py.insert(
            "version_info".into(),
            Value::List(vec![
                Value::Int(major),
                Value::Int(minor),
                Value::Int(micro),
                level.into(),
                Value::Int(serial),
            ]),
        );
        py.insert("executable".into(), exe.trim().into());
        py.insert("has_sslcontext".into(), (ssl == "1").into());
        py.insert("type".into(), kind.into());
        facts.insert("python".into(), Value::Map(py));
        facts.insert(
            "python_version".into(),
            format!("{major}.{minor}.{micro}").into(),
        );
    }
    Some(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uname_version_keeps_its_spaces() {
        // Shaped like a CentOS 7 kernel's line (written for this test).
        let u = Uname::parse(
            "Linux node1 3.10.0-1160.el7.x86_64 #1 SMP Mon Oct 19 16:18:59 UTC 2020 x86_64\n",
        );
        assert_eq!(u.system, "Linux");
        assert_eq!(u.nodename, "node1");
        assert_eq!(u.release, "3.10.0-1160.el7.x86_64");
        assert_eq!(u.version, "#1 SMP Mon Oct 19 16:18:59 UTC 2020");
        assert_eq!(u.machine, "x86_64");
    }

    #[test]
    fn python_facts_from_the_probe() {
        let probe = b"\n\x1epython\n/usr/bin/python3\n3 11 2 final 0 cpython 1 /usr/bin/python3.11\n\n\x1eend\n";
        let sections = Sections::split(probe).unwrap();
        let mut facts = Map::new();
        assert_eq!(
            python(&sections, &mut facts).as_deref(),
            Some("/usr/bin/python3")
        );
        let py = facts
            .get("python")
            .and_then(Value::as_map)
            .expect("python fact");
        assert_eq!(
            py.get("executable").and_then(Value::as_str),
            Some("/usr/bin/python3.11")
        );
        assert_eq!(py.get("type").and_then(Value::as_str), Some("cpython"));
        assert_eq!(
            facts.get("python_version").and_then(Value::as_str),
            Some("3.11.2")
        );
        // An older probe (path only): the path, no version facts.
        let sections = Sections::split(b"\n\x1epython\n/usr/bin/python3\n\n\x1eend\n").unwrap();
        let mut facts = Map::new();
        assert_eq!(
            python(&sections, &mut facts).as_deref(),
            Some("/usr/bin/python3")
        );
        assert!(facts.get("python").is_none());
    }
}
