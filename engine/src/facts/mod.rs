//! Ansible facts without Python: one read-only shell script per host, one
//! round trip, and Ansible's decisions made here, on the controller.
//!
//! [`gather_script`] is the probe (POSIX `sh`, busybox-safe); the transport
//! runs it and hands its stdout to [`parse`], which returns [`Facts`]: the
//! map Ansible calls `ansible_facts`, with Ansible-exact values for the facts
//! provisioning playbooks read. The distribution logic
//! ([`distribution_from_files`]) is pure and checked against the fixtures of
//! ansible-core's own unit tests.
//!
//! # Facts produced
//!
//! `distribution`, `distribution_version`, `distribution_major_version`,
//! `distribution_minor_version` (where Ansible sets it),
//! `distribution_release`, `distribution_file_*`, `os_family`, `pkg_mgr`,
//! `service_mgr`, `system`, `kernel`, `kernel_version`, `machine`,
//! `architecture`, `userspace_architecture`, `userspace_bits`,
//! `machine_id`, `hostname`, `nodename`, `fqdn`, `domain`, `default_ipv4`,
//! `all_ipv4_addresses`, `default_ipv6`, `all_ipv6_addresses`, `memtotal_mb`, `memfree_mb`, `swaptotal_mb`,
//! `swapfree_mb`, `memory_mb`, `processor*`, `env`, `user_*`,
//! `real_user_id`, `effective_user_id`, `real_group_id`,
//! `effective_group_id`, `fips`.
//!
//! # Deviations from `setup`
//!
//! - `python`/`python_version` describe the host's `python3` on its `PATH`
//!   (one start of it in the probe), not an `ansible_python_interpreter`
//!   set in the inventory. No `selinux*` facts: Ansible's come from its
//!   Python bindings. [`Facts::python`] says whether an interpreter exists.
//! - Not gathered: mounts, devices, DMI, per-interface facts, `lsb`,
//!   `date_time`, `dns`, SSH host keys, virtualization, local facts.
//! - `pkg_mgr` is 2.19's value (`unknown` on a RedHat-family host without
//!   dnf, e.g. CentOS 7). [`Facts::pkg_mgr_legacy`] gives 2.13's (`yum`),
//!   which KIB-era playbooks were written against; it is not in the map.
//!
//! # Running the probe
//!
//! Send [`gather_script`] as the stdin of `sh -s`, in one exec, with the
//! privilege and environment Ansible's fact-gathering task would have (the
//! play's `become` and `environment`), then [`parse`] its stdout:
//!
//! ```no_run
//! use engine::transport::{connect, ConnectOptions, ConnectionSpec, ExecRequest};
//!
//! fn gather(spec: &ConnectionSpec) -> Result<engine::value::Map, Box<dyn std::error::Error>> {
//!     let mut transport = connect(spec, &ConnectOptions::default())?;
//!     let out = transport.exec(&ExecRequest::new("sh -s").stdin(engine::facts::gather_script()))?;
//!     let facts = engine::facts::parse(&out.stdout)?;
//!     Ok(facts.to_vars()) // ansible_os_family, ansible_facts, ...
//! }
//! ```
//!
//! This layer never opens a connection: it produces text to run and reads
//! text back.

mod distribution;
mod distribution_other;
mod distro;
mod error;
mod hardware;
pub(crate) mod ini;
mod local;
mod network;
mod os_family;
mod parse;
mod pkg_mgr;
mod release_parsers;
mod script;
mod service_mgr;
pub(crate) use service_mgr::{from_probe as service_mgr_from_probe, PROBE as SERVICE_MGR_PROBE};
mod shlex;
mod system;

use std::collections::BTreeSet;

pub use distribution::{
    distribution_from_files, distribution_with_distro, DistributionFacts, DistroGuess, Platform,
};
pub use distro::{DistroInfo, Files};
pub use error::FactsError;
pub use os_family::os_family;

use crate::value::{Map, Value};
use parse::Sections;

/// The probe script: POSIX `sh`, read-only, prints sections that [`parse`]
/// reads. Run it with `sh -s` (script on stdin) or `sh -c`; it needs no
/// arguments and no particular `PATH` beyond `/usr/bin:/bin`.
pub fn gather_script() -> &'static str {
    script::GATHER_SCRIPT
}

/// The probe reading local facts from `fact_path` (`setup`'s option)
/// instead of `/etc/ansible/facts.d`.
pub fn gather_script_with_fact_path(fact_path: &str) -> String {
    script::GATHER_SCRIPT.replacen(
        "fp=/etc/ansible/facts.d\n",
        &format!("fp={}\n", crate::shell::quote(fact_path)),
        1,
    )
}

/// A successful gathering's result: its `warnings`, if any.
pub fn outcome(facts: &Facts) -> crate::modules::Outcome {
    let o = crate::modules::Outcome::ok();
    match facts.warnings.is_empty() {
        true => o,
        false => o.with(
            "warnings",
            Value::List(facts.warnings.iter().cloned().map(Value::Str).collect()),
        ),
    }
}

/// Keys `setup` returns without the `ansible_` prefix, injected as is.
const UNPREFIXED: &[&str] = &["gather_subset", "module_setup"];

/// A host's facts, as `ansible_facts` holds them (names without the
/// `ansible_` prefix).
#[derive(Debug, Clone, PartialEq)]
pub struct Facts {
    map: Map,
    pkg_mgr_legacy: String,
    python: Option<String>,
    /// What gathering warns of (a local fact file that could not be used).
    warnings: Vec<String>,
}

impl Facts {
    /// What gathering warns of, as `setup`'s result `warnings`.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The facts by their unprefixed names (`os_family`, `distribution`, ...),
    /// sorted by name.
    pub fn as_map(&self) -> &Map {
        &self.map
    }

    /// One fact by its unprefixed name.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.map.get(name)
    }

    /// The variables Ansible injects after gathering: `ansible_<name>` for
    /// each fact, `module_setup` and `gather_subset` as they are (setup
    /// returns them unprefixed), plus `ansible_facts` holding the whole map.
    pub fn to_vars(&self) -> Map {
        let mut vars = Map::with_capacity(self.map.len() + 1);
        for (name, value) in &self.map {
            let var = if UNPREFIXED.contains(&name.as_str()) {
                name.clone()
            } else {
                format!("ansible_{name}")
            };
            vars.insert(var, value.clone());
        }
        vars.insert("ansible_facts".into(), Value::Map(self.map.clone()));
        vars
    }

    /// The `pkg_mgr` ansible-core 2.13 reported: `yum` on EL7 where 2.19
    /// says `unknown`. For playbooks written against the yum era.
    pub fn pkg_mgr_legacy(&self) -> &str {
        &self.pkg_mgr_legacy
    }

    /// The first of `python3`, `python` found on the host's `PATH`, if any.
    pub fn python(&self) -> Option<&str> {
        self.python.as_deref()
    }
}

/// Reads the output of [`gather_script`] into [`Facts`].
///
/// # Errors
///
/// [`FactsError`] when the output is not the script's (no sections), ends
/// early, or lacks the `uname` section every run prints. Missing optional
/// data (no `ip`, no `getent`) only leaves the matching facts out.
pub fn parse(output: &[u8]) -> Result<Facts, FactsError> {
    let s = Sections::split(output)?;
    let uname_text = s
        .text("uname")
        .ok_or(FactsError::MissingSection { section: "uname" })?;
    let uname = system::Uname::parse(&uname_text);
    let files = s.files();
    let platform = Platform {
        system: uname.system.clone(),
        release: uname.release.clone(),
        version: uname.version.clone(),
        lsb_release: s
            .text("lsb_release")
            .map(|t| distro::parse_lsb_release(&t))
            .unwrap_or_default(),
        kern_version: s.text("kern_version").map(|t| t.into_owned()),
        dpkg_tzdata: s.text("dpkg_tzdata").map(|t| t.into_owned()),
        suse_baseproduct: s
            .text("realpath /etc/products.d/baseproduct")
            .map(|t| t.trim().to_owned()),
    };
    let dist = distribution_from_files(&files, &platform);

    let mut map = dist.to_map();
    system::platform(&s, &uname, &mut map);

    let exists_lines = s.lines("exists");
    let exists: BTreeSet<&str> = exists_lines.iter().map(String::as_str).collect();
    let realpath_lines = s.lines("realpath");
    let bin_lines = s.lines("bin");
    let bins: BTreeSet<&str> = bin_lines
        .iter()
        .filter_map(|l| l.split(' ').next())
        .collect();
    let pkg_probe = pkg_mgr::PkgProbe {
        exists: &exists,
        realpaths: realpath_lines
            .iter()
            .filter_map(|l| l.split_once(' '))
            .collect(),
        apt_rpm_status: s.trimmed("apt_rpm").parse().ok(),
    };
    let pkg_mgr = pkg_mgr::pkg_mgr(&uname.system, &dist.os_family, &pkg_probe);
    let major = dist.major_version.as_deref().unwrap_or("");
    let pkg_mgr_legacy = pkg_mgr::legacy(
        &dist.distribution,
        major,
        &dist.os_family,
        &pkg_mgr,
        &pkg_probe,
    );
    map.insert("pkg_mgr".into(), pkg_mgr.into());

    let proc_1 = s.text("proc1_comm").or_else(|| s.text("proc1_ps"));
    let init_link = s.trimmed("init_link");
    let service_probe = service_mgr::ServiceProbe {
        proc_1: proc_1.as_deref(),
        init_link: Some(init_link.as_str()).filter(|l| !l.is_empty()),
        exists: &exists,
        bins: &bins,
    };
    let service_mgr = service_mgr::service_mgr(&uname.system, &dist.distribution, &service_probe);
    map.insert("service_mgr".into(), service_mgr.into());

    hardware::memory(&s, &mut map);
    let architecture = map
        .get("architecture")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    hardware::cpu(&s, &architecture, &mut map);
    if bins.contains("ip") {
        network::addresses(&s, &mut map);
    }
    system::user(&s, &mut map);
    map.insert("env".into(), Value::Map(system::env(&s)));
    map.insert("fips".into(), system::fips(&s).into());
    // What `setup` reports about itself; the probe gathers the `all` subset.
    map.insert("gather_subset".into(), Value::List(vec!["all".into()]));
    map.insert("module_setup".into(), true.into());
    let python = system::python(&s, &mut map);
    let (local, warnings) = local::local(&s);
    map.insert("local".into(), local);
    map.sort_keys();

    Ok(Facts {
        map,
        pkg_mgr_legacy,
        python,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    //! The parser on probe output recorded from the test hosts of
    //! `tests/harness` (sshd hosts over overlays of a Debian 12 machine,
    //! carrying the OS identity files of CentOS 7, CentOS 8, Debian 12 and
    //! Flatcar), next to what `ansible -m setup` (ansible-core 2.19.14)
    //! reported on the same hosts in the same run. Regenerate both with
    //! `KONVOY_RECORD_FACTS=$PWD/engine/src/facts/testdata cargo test --test
    //! integration facts::hosts`.

    use super::*;
    use serde_json::Value as Json;

    fn to_json(value: &Value) -> Json {
        value.to_serde_json()
    }

    /// Parses `probe` and checks every fact Ansible recorded in `setup`.
    fn check(probe: &[u8], setup: &str) -> Facts {
        let facts = parse(probe).expect("recorded output parses");
        let expected: serde_json::Map<String, Json> =
            serde_json::from_str(setup).expect("recorded JSON");
        assert!(
            expected.len() > 40,
            "the recording holds the compared facts"
        );
        for (key, want) in &expected {
            let got = facts.get(key).map(to_json);
            assert_eq!(got.as_ref(), Some(want), "fact `{key}`");
        }
        facts
    }

    fn text<'a>(facts: &'a Facts, key: &str) -> &'a str {
        facts.get(key).and_then(Value::as_str).unwrap_or("")
    }

    #[test]
    fn centos7_test_host() {
        let facts = check(
            include_bytes!("testdata/centos7.probe"),
            include_str!("testdata/centos7.setup.json"),
        );
        assert_eq!(
            text(&facts, "distribution_file_path"),
            "/etc/redhat-release"
        );
        assert_eq!(facts.pkg_mgr_legacy(), "yum");
    }

    #[test]
    fn centos8_test_host() {
        let facts = check(
            include_bytes!("testdata/centos8.probe"),
            include_str!("testdata/centos8.setup.json"),
        );
        assert_eq!(text(&facts, "distribution_version"), "8.5");
    }

    #[test]
    fn debian12_test_host() {
        let facts = check(
            include_bytes!("testdata/debian12.probe"),
            include_str!("testdata/debian12.setup.json"),
        );
        assert_eq!(text(&facts, "distribution_release"), "bookworm");
        assert_eq!(text(&facts, "pkg_mgr"), "apt");
    }

    #[test]
    fn flatcar_test_host_without_python() {
        // No Ansible run is possible here (no Python); the values are those
        // of ansible-core's rules, as the Flatcar fixture test checks.
        let facts =
            parse(include_bytes!("testdata/flatcar.probe")).expect("recorded output parses");
        assert_eq!(text(&facts, "os_family"), "Flatcar");
        assert_eq!(text(&facts, "distribution"), "Flatcar");
        assert_eq!(text(&facts, "distribution_major_version"), "3033");
        assert_eq!(text(&facts, "distribution_version"), "3033.2.0");
        assert_eq!(facts.python(), None);
        let vars = facts.to_vars();
        assert_eq!(vars.get("ansible_os_family"), facts.get("os_family"));
        let nested = vars
            .get("ansible_facts")
            .and_then(Value::as_map)
            .expect("ansible_facts");
        assert_eq!(nested.get("distribution"), facts.get("distribution"));
        assert_eq!(vars.len(), facts.as_map().len() + 1);
        assert_eq!(vars.get("module_setup"), Some(&Value::Bool(true)));
        assert!(!vars.contains_key("ansible_module_setup"));
    }

    #[test]
    fn truncated_probe_output_is_an_error() {
        let full = include_bytes!("testdata/centos7.probe");
        let cut = &full[..full.len() / 2];
        assert!(matches!(parse(cut), Err(FactsError::Truncated { .. })));
        assert!(matches!(
            parse(b"Last login: yesterday\n"),
            Err(FactsError::NotProbeOutput { .. })
        ));
    }
}
