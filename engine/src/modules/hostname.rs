//! `hostname`: the host's name, with the strategy Ansible's module picks.
//!
//! Strategy: `use` when given; else `systemd` (hostnamectl) when systemd
//! manages the host (`systemctl` on the PATH and `/run/systemd/system/`);
//! else by distribution, as Ansible's platform subclasses do: `/etc/hostname`
//! for Debian, Ubuntu and their kin (the running name is left alone, as
//! in Ansible's `FileStrategy`), `HOSTNAME=` in `/etc/sysconfig/network`
//! for CentOS, RHEL, Oracle, Amazon and kin, Alpine's file plus
//! `hostname -F`; other distributions fail as Ansible's does ("cannot be
//! used on platform"). Not implemented (the task fails when run): the
//! `openrc`, `sles`, `freebsd`, `openbsd`, `solaris` and `macos` strategies.
//! Results: `name` and `ansible_facts` (`ansible_hostname`,
//! `ansible_nodename`, `ansible_fqdn`, `ansible_domain`), applied to the
//! host's facts; `--diff` shows `hostname = OLD` → `hostname = NEW`.

use super::args::{ArgError, ArgMap};
use super::capture::{Records, Script};
use super::context::ModuleContext;
use super::diff::unified;
use super::outcome::{ModuleError, Outcome};
use super::Module;
use crate::shell::{quote, Cmd};
use crate::value::{Map, Value};

const USES: &[&str] = &[
    "alpine", "debian", "freebsd", "generic", "macos", "macosx", "darwin", "openbsd", "openrc",
    "redhat", "sles", "solaris", "systemd",
];

/// Arguments of `hostname`.
#[derive(Debug, Clone)]
pub struct HostnameArgs {
    name: String,
    using: Option<String>,
}

/// The `hostname` module.
pub struct HostnameModule;

/// How the name is read and written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Strategy {
    Systemd,
    File,
    Alpine,
    RedHat,
    /// Ansible's `BaseStrategy` (`use: generic`): reading the permanent
    /// name is not implemented there either.
    Generic,
    /// A platform without a strategy: `UnimplementedStrategy`.
    Unsupported,
    /// A strategy Ansible has that this module lacks.
    Pending(&'static str),
}

impl Module for HostnameModule {
    type Args = HostnameArgs;
    const PROBES: bool = true;

    fn parse(args: &mut ArgMap) -> Result<HostnameArgs, ArgError> {
        let parsed = HostnameArgs {
            name: args.required_str(&["name"])?,
            using: args.choice(&["use"], USES)?,
        };
        args.finish(&["name", "use"])?;
        Ok(parsed)
    }

    fn probes(_a: &HostnameArgs) -> Vec<String> {
        vec![probe().text().to_owned()]
    }

    fn run(a: &HostnameArgs, ctx: &mut ModuleContext<'_>) -> Result<Outcome, ModuleError> {
        let r = Records::parse(&ctx.probe(probe().text())?.stdout)?;
        let distribution = distribution(r.out_ok("osr").unwrap_or(""));
        let strategy = strategy(a, &r, &distribution);
        let (current, permanent) = match strategy {
            Strategy::Pending(s) => {
                return Ok(Outcome::fail_json(format!(
                    "option `use: {s}` of module `hostname` is not implemented by konvoy-image"
                )))
            }
            Strategy::Unsupported => {
                return Ok(Outcome::fail_json(format!(
                    "hostname module cannot be used on platform Linux ({distribution})"
                )))
            }
            Strategy::Generic => {
                return Ok(Outcome::fail_json(
                    "hostname module cannot read the permanent name with the generic strategy",
                ))
            }
            Strategy::Systemd => {
                for tag in ["transient", "static"] {
                    let c = r.get(tag).cloned().unwrap_or_default();
                    if !c.ok() {
                        return Ok(Outcome::fail_json(format!(
                            "Command failed rc={}, out={}, err={}",
                            c.rc, c.out, c.err
                        )));
                    }
                }
                (
                    r.out_ok("transient").unwrap_or("").trim().to_owned(),
                    r.out_ok("static").unwrap_or("").trim().to_owned(),
                )
            }
            Strategy::File | Strategy::Alpine => {
                let p = r.out_ok("etc").unwrap_or("").trim().to_owned();
                (p.clone(), p)
            }
            Strategy::RedHat => {
                let Some(text) = r.out_ok("net") else {
                    return Ok(Outcome::fail_json(
                        "failed to read hostname: [Errno 2] No such file or directory: '/etc/sysconfig/network'",
                    ));
                };
                let found = text
                    .lines()
                    .map(str::trim)
                    .find(|l| l.starts_with("HOSTNAME"))
                    .and_then(|l| l.split_once('='))
                    .map(|(_, v)| v.trim().to_owned());
                let Some(p) = found else {
                    return Ok(Outcome::fail_json(
                        "failed to read hostname: Unable to locate HOSTNAME entry in /etc/sysconfig/network",
                    ));
                };
                (p.clone(), p)
            }
        };
        let name = &a.name;
        let changed = current != *name || permanent != *name;
        if changed && strategy == Strategy::Systemd && name.chars().count() > 64 {
            return Ok(Outcome::fail_json(
                "name cannot be longer than 64 characters on systemd servers, try a shorter name",
            ));
        }
        let mut fqdn_source = r.clone();
        if changed && !ctx.check_mode() {
            let mut s = Script::new();
            match strategy {
                Strategy::Systemd => {
                    if permanent != *name {
                        s = s.capture_or_stop(
                            "set",
                            Cmd::new("hostnamectl --pretty --static set-hostname")
                                .arg(name)
                                .as_str(),
                        );
                    }
                    if current != *name {
                        s = s.capture_or_stop(
                            "set",
                            Cmd::new("hostnamectl --transient set-hostname")
                                .arg(name)
                                .as_str(),
                        );
                    }
                }
                Strategy::File | Strategy::Alpine => {
                    s = s.capture_or_stop(
                        "write",
                        &format!("printf '%s\\n' {} > /etc/hostname", quote(name)),
                    );
                    if strategy == Strategy::Alpine {
                        s = s.capture_or_stop("set", "hostname -F /etc/hostname");
                    }
                }
                Strategy::RedHat => {
                    let text = r.out_ok("net").unwrap_or("");
                    let mut out = String::new();
                    let mut found = false;
                    for line in text.split_inclusive('\n') {
                        if line.trim().starts_with("HOSTNAME") {
                            out.push_str(&format!("HOSTNAME={name}\n"));
                            found = true;
                        } else {
                            out.push_str(line);
                        }
                    }
                    if !found {
                        out.push_str(&format!("HOSTNAME={name}\n"));
                    }
                    s = s.capture_or_stop(
                        "write",
                        &format!("printf %s {} > /etc/sysconfig/network", quote(&out)),
                    );
                }
                _ => {}
            }
            s = s.capture("fqdn", FQDN);
            fqdn_source = Records::parse(&ctx.apply(s.text(), None)?.stdout)?;
            for tag in ["set", "write"] {
                if let Some(c) = fqdn_source.get(tag).filter(|c| !c.ok()) {
                    let msg = if tag == "write" {
                        format!("failed to update hostname: {}", c.err.trim())
                    } else {
                        format!("Command failed rc={}, out={}, err={}", c.rc, c.out, c.err)
                    };
                    return Ok(Outcome::fail_json(msg));
                }
            }
        }
        let fqdn = fqdn_source.out_ok("fqdn").unwrap_or("").trim().to_owned();
        let domain = fqdn.split('.').skip(1).collect::<Vec<_>>().join(".");
        let mut facts = Map::new();
        facts.insert(
            "ansible_hostname".into(),
            Value::from(name.split('.').next().unwrap_or("")),
        );
        facts.insert("ansible_nodename".into(), Value::from(name.as_str()));
        facts.insert("ansible_fqdn".into(), Value::from(fqdn));
        facts.insert("ansible_domain".into(), Value::from(domain));
        let mut o = Outcome::ok()
            .with("name", name.as_str())
            .with("ansible_facts", Value::Map(facts));
        o.changed = changed;
        if changed {
            let before = if *name != current { current } else { permanent };
            o.diff = Some(unified(
                &format!("hostname = {before}\n"),
                &format!("hostname = {name}\n"),
                None,
                None,
            ));
        }
        Ok(o)
    }
}

/// Python's `socket.getfqdn()`: the first name containing a dot among the
/// reverse lookup of this host's name, else the name itself.
const FQDN: &str = "_n=$(uname -n); _a=$(getent ahostsv4 \"$_n\" | awk 'NR==1 {print $1}'); \
     _f=; [ -z \"$_a\" ] || _f=$(getent hosts \"$_a\" | awk '{for (i = 2; i <= NF; i++) if (index($i, \".\")) {print $i; exit}}'); \
     [ -n \"$_f\" ] || { [ -n \"$_a\" ] && _c=$(getent hosts \"$_a\" | awk '{print $2; exit}') && \
     case $_c in *.*) _f=$_c;; esac; }; printf '%s\\n' \"${_f:-$_n}\"";

fn probe() -> Script {
    Script::new()
        .capture("osr", "cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release")
        .capture(
            "systemd",
            "command -v systemctl >/dev/null && { [ -e /run/systemd/system/ ] || [ -e /dev/.run/systemd/ ] || [ -e /dev/.systemd/ ]; }",
        )
        .capture("etc", "[ ! -f /etc/hostname ] || cat /etc/hostname")
        .capture("net", "cat /etc/sysconfig/network")
        .capture("transient", "command -v hostnamectl >/dev/null && hostnamectl --transient status")
        .capture("static", "command -v hostnamectl >/dev/null && hostnamectl --static status")
        .capture("fqdn", FQDN)
}

/// `get_distribution()`: distro's id (with its `ol` → `oracle`
/// normalisation), capitalised, `Rhel` → `Redhat`, `Amzn` → `Amazon`.
fn distribution(os_release: &str) -> String {
    let id = os_release
        .lines()
        .find_map(|l| l.strip_prefix("ID="))
        .map(|v| v.trim().trim_matches('"').trim_matches('\'').to_lowercase())
        .unwrap_or_default();
    let id = match id.as_str() {
        "ol" => "oracle".to_owned(),
        "opensuse-leap" => "opensuse".to_owned(),
        _ => id,
    };
    let mut c = id.chars();
    let cap = match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => "OtherLinux".to_owned(),
    };
    match cap.as_str() {
        "Amzn" => "Amazon".into(),
        "Rhel" => "Redhat".into(),
        _ => cap,
    }
}

fn strategy(a: &HostnameArgs, r: &Records, distribution: &str) -> Strategy {
    if let Some(u) = &a.using {
        return match u.as_str() {
            "systemd" | "debian" => Strategy::Systemd,
            "alpine" => Strategy::Alpine,
            "redhat" => Strategy::RedHat,
            "generic" => Strategy::Generic,
            "freebsd" => Strategy::Pending("freebsd"),
            "openbsd" => Strategy::Pending("openbsd"),
            "openrc" => Strategy::Pending("openrc"),
            "sles" => Strategy::Pending("sles"),
            "solaris" => Strategy::Pending("solaris"),
            _ => Strategy::Pending("macos"),
        };
    }
    if r.succeeded("systemd") {
        return Strategy::Systemd;
    }
    match distribution {
        "Debian" | "Kylin" | "Cumulus-linux" | "Kali" | "Parrot" | "Ubuntu" | "Linuxmint"
        | "Linaro" | "Devuan" | "Raspbian" | "Uos" | "Deepin" | "Neon" | "Void" | "Pop" => {
            Strategy::File
        }
        "Redhat" | "Centos" | "Anolis" | "Cloudlinuxserver" | "Cloudlinux" | "Alinux"
        | "Scientific" | "Oracle" | "Virtuozzo" | "Amazon" | "Altlinux" | "Eurolinux" => {
            Strategy::RedHat
        }
        "Alpine" => Strategy::Alpine,
        "Gentoo" => Strategy::Pending("openrc"),
        "Sles" => Strategy::Pending("sles"),
        _ => Strategy::Unsupported,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distributions_are_named_as_ansible_names_them() {
        assert_eq!(distribution("ID=debian\n"), "Debian");
        assert_eq!(distribution("ID=\"rhel\"\n"), "Redhat");
        assert_eq!(distribution("ID=\"ol\"\n"), "Oracle");
        assert_eq!(distribution("ID=\"centos\"\n"), "Centos");
        assert_eq!(distribution("NAME=x\n"), "OtherLinux");
    }
}
