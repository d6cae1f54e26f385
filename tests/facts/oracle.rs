//! The distribution logic against ansible-core 2.19.14's own Python code,
//! run here on the same inputs: its vendored `distro` 1.9.0 reading the
//! files from a temporary root, and its `DistributionFactCollector` with
//! file reads, `uname`, `platform` and `lsb_release -a` redirected to the
//! case's data (the way ansible-core's unit tests redirect them, except
//! that `distro` is not mocked). Inputs: every fixture's files, inputs
//! written below, and the release files of the harness's Flatcar host with
//! what Debian's `lsb_release` prints for it.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};

use super::distribution::{inputs, load_fixtures, string_map};
use crate::harness::Os;
use engine::facts::{distribution_from_files, DistroInfo, Platform};
use engine::value::Value;
use serde_json::Value as Json;

/// One set of inputs written for these tests.
struct Written {
    name: &'static str,
    files: &'static [(&'static str, &'static str)],
    /// Parsed `lsb_release -a` output.
    lsb: &'static [(&'static str, &'static str)],
}

/// Inputs written for this test: quoting, escapes and comments in
/// os-release, a codename after a comma (with and without `lsb_release`),
/// release files without os-release, only `/usr/lib/os-release`, Debian's
/// point release, odd version files.
const WRITTEN: &[Written] = &[
    Written {
        name: "synthetic-quoting",
        files: &[(
            "/etc/os-release",
            "NAME='Single Quoted'\nID=\"My-OS\"\nVERSION_ID=1.2.3\nVERSION=\"1.2 (Two Words)\"\n\
             PRETTY_NAME=\"Esc \\\"q\\\" \\\\ back \\$x\"\nHOME_URL=https://x.example/#frag\n\
             # a comment line\nEMPTY=\nTRAILING=\"a\" # note\nMULTI=\"line one\nline two\"\n\
             BARE=back\\ slash\nUBUNTU_CODENAME=\n",
        )],
        lsb: &[],
    },
    Written {
        name: "synthetic-comma-codename",
        files: &[
            (
                "/etc/os-release",
                "NAME=\"Ubuntu\"\nVERSION=\"14.04.5 LTS, Trusty Tahr\"\nID=ubuntu\nID_LIKE=debian\n\
                 PRETTY_NAME=\"Ubuntu 14.04.5 LTS\"\nVERSION_ID=\"14.04\"\n",
            ),
            ("/etc/lsb-release", "DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=14.04\nDISTRIB_CODENAME=trusty\n"),
        ],
        lsb: &[],
    },
    Written {
        name: "synthetic-release-files-only",
        files: &[
            ("/etc/centos-release", "CentOS Linux release 7.9.2009 (Core)\n"),
            ("/etc/redhat-release", "CentOS Linux release 7.9.2009 (Core)\n"),
            ("/etc/system-release", "CentOS Linux release 7.9.2009 (Core)\n"),
        ],
        lsb: &[],
    },
    Written {
        name: "synthetic-usr-lib-only",
        files: &[(
            "/usr/lib/os-release",
            "NAME=\"Flatcar Container Linux by Kinvolk\"\nID=flatcar\nVERSION=3033.2.0\nVERSION_ID=3033.2.0\n",
        )],
        lsb: &[],
    },
    Written {
        name: "synthetic-debian-point-release",
        files: &[
            ("/etc/os-release", "NAME=\"Debian GNU/Linux\"\nID=debian\nVERSION_ID=\"11\"\nVERSION=\"11 (bullseye)\"\n"),
            ("/etc/debian_version", "11.9\n"),
        ],
        lsb: &[],
    },
    Written {
        name: "synthetic-odd-release-files",
        files: &[
            ("/etc/arch-release", ""),
            ("/etc/foo_version", "1.0\n"),
            ("/etc/gentoo-release", "Gentoo Base System release 2.14\n"),
            ("/etc/zz-release", "STL 5.4 release foo\n"),
        ],
        lsb: &[],
    },
    Written {
        name: "synthetic-comma-codename-with-lsb-release",
        files: &[(
            "/etc/os-release",
            "NAME=\"Ubuntu\"\nVERSION=\"14.04.5 LTS, Trusty Tahr\"\nID=ubuntu\nID_LIKE=debian\n\
             VERSION_ID=\"14.04\"\n",
        )],
        lsb: &[
            ("distributor_id", "Ubuntu"),
            ("description", "Ubuntu 14.04.5 LTS"),
            ("release", "14.04"),
            ("codename", "trusty"),
        ],
    },
    Written {
        name: "synthetic-centos-lsb-best-version",
        files: &[
            ("/etc/os-release", "NAME=\"CentOS Linux\"\nID=\"centos\"\nVERSION_ID=\"7\"\n"),
            ("/etc/redhat-release", "CentOS Linux release 7 (Core)\n"),
        ],
        lsb: &[("distributor_id", "CentOS"), ("release", "7.9.2009"), ("codename", "Core")],
    },
];

/// For each case: `distro`'s answers and the collector's facts.
const ORACLE: &str = r#"
import importlib, json, os, sys
from unittest import mock
distro = importlib.import_module("ansible.module_utils.distro._distro")
from ansible.module_utils.facts.system import distribution as dist

out = {}
for case in json.load(sys.stdin):
    root = case["root"]
    under = lambda path: os.path.join(root, path.lstrip("/"))
    def get_file_content(path, default=None, strip=True):
        if not os.path.isfile(under(path)):
            return default
        with open(under(path)) as f:
            data = f.read()
        data = data.strip() if strip else data
        return data if data else default
    def get_file_lines(path, strip=True, line_sep=None):
        data = get_file_content(path, strip=strip)
        return data.splitlines() if data else []
    def file_exists(path, allow_empty=False):
        p = under(path)
        return os.path.isfile(p) and (allow_empty or os.path.getsize(p) > 0)
    inst = distro.LinuxDistribution(root_dir=root, include_lsb=False, include_uname=False, include_oslevel=False)
    inst.__dict__["_lsb_release_info"] = case["lsb"]
    module = mock.Mock()
    module.get_bin_path.return_value = None
    module.run_command.side_effect = lambda cmd, **kw: (0, case["kern_version"], "")
    uname = lambda m, flags=("-v",): case["version"] if "-v" in flags else case["release"]
    with mock.patch.object(distro, "_distro", inst), \
         mock.patch.object(dist, "get_file_content", get_file_content), \
         mock.patch.object(dist, "get_file_lines", get_file_lines), \
         mock.patch.object(dist, "_file_exists", file_exists), \
         mock.patch.object(dist, "get_uname", uname), \
         mock.patch("platform.system", lambda: case["system"]), \
         mock.patch("platform.release", lambda: case["release"]), \
         mock.patch("platform.version", lambda: case["version"]):
        facts = dist.DistributionFactCollector().collect(module=module)
    answers = dict(id=inst.id(), version=inst.version(), version_best=inst.version(best=True),
                   codename=inst.codename(), os_release=inst.os_release_info())
    out[case["name"]] = dict(facts=facts, distro=answers)
print(json.dumps(out))
"#;

struct Case {
    name: String,
    files: BTreeMap<String, String>,
    platform: Platform,
}

fn linux(lsb: BTreeMap<String, String>) -> Platform {
    Platform {
        system: "Linux".into(),
        release: "6.1.0".into(),
        version: "#1 SMP".into(),
        lsb_release: lsb,
        ..Platform::default()
    }
}

/// The harness's Flatcar host: its os-release over this machine's files,
/// and what this machine's `lsb_release -a` says about that os-release.
fn flatcar_test_host(tmp: &std::path::Path) -> Case {
    let os_release = tmp.join("flatcar-os-release");
    std::fs::write(&os_release, Os::Flatcar.os_release()).expect("write os-release");
    let out = Command::new("lsb_release")
        .arg("-a")
        .env("LSB_OS_RELEASE", &os_release)
        .output()
        .expect("lsb_release is installed (package lsb-release)");
    let lsb = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.replace(' ', "_").to_lowercase(), v.trim().to_owned()))
        .collect();
    let mut files = BTreeMap::new();
    files.insert(
        "/etc/os-release".to_owned(),
        Os::Flatcar.os_release().to_owned(),
    );
    for path in ["/etc/debian_version", "/usr/lib/os-release"] {
        if let Ok(text) = std::fs::read_to_string(path) {
            files.insert(path.to_owned(), text);
        }
    }
    Case {
        name: "flatcar-test-host".into(),
        files,
        platform: linux(lsb),
    }
}

fn cases(tmp: &std::path::Path) -> Vec<Case> {
    let mut cases: Vec<Case> = load_fixtures()
        .iter()
        .map(|f| {
            let (files, platform) = inputs(&f.json);
            Case {
                name: f.name.clone(),
                files,
                platform,
            }
        })
        .collect();
    for w in WRITTEN {
        let pairs = |list: &[(&str, &str)]| -> BTreeMap<String, String> {
            list.iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect()
        };
        cases.push(Case {
            name: w.name.to_owned(),
            files: pairs(w.files),
            platform: linux(pairs(w.lsb)),
        });
    }
    cases.push(flatcar_test_host(tmp));
    cases
}

/// Runs the oracle once over every case; answers by case name.
fn ask_ansible(cases: &[Case], tmp: &std::path::Path) -> Json {
    let mut input = Vec::new();
    for case in cases {
        let root = tmp.join(&case.name);
        for (path, content) in &case.files {
            let file = root.join(path.trim_start_matches('/'));
            std::fs::create_dir_all(file.parent().expect("a file has a parent")).expect("mkdir");
            std::fs::write(&file, content).expect("write release file");
        }
        std::fs::create_dir_all(root.join("etc")).expect("mkdir etc");
        let p = &case.platform;
        input.push(serde_json::json!({
            "name": case.name,
            "root": root.to_string_lossy(),
            "lsb": p.lsb_release,
            "system": p.system,
            "release": p.release,
            "version": p.version,
            "kern_version": p.kern_version.clone().unwrap_or_default(),
        }));
    }
    let mut child = Command::new("python3")
        .args(["-c", ORACLE])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 with ansible-core 2.19.14 is installed");
    let bytes = serde_json::to_vec(&input).expect("json");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&bytes)
        .expect("write stdin");
    let output = child.wait_with_output().expect("python3 runs");
    assert!(output.status.success(), "the ansible oracle failed");
    serde_json::from_slice(&output.stdout).expect("oracle prints JSON")
}

fn as_json(value: &Value) -> Json {
    match value {
        Value::Str(s) => Json::String(s.clone()),
        Value::Bool(b) => Json::Bool(*b),
        other => panic!("distribution facts are strings and booleans, not {other:?}"),
    }
}

#[test]
fn distribution_facts_equal_ansibles_collector_on_every_input() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let cases = cases(tmp.path());
    let answers = ask_ansible(&cases, tmp.path());
    let mut wrong = Vec::new();
    for case in &cases {
        let ours: serde_json::Map<String, Json> =
            distribution_from_files(&case.files, &case.platform)
                .to_map()
                .iter()
                .map(|(k, v)| (k.clone(), as_json(v)))
                .collect();
        let theirs = answers[&case.name]["facts"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        if ours != theirs {
            wrong.push(format!(
                "{}: ansible {theirs:?}\n  ours {ours:?}",
                case.name
            ));
        }
    }
    println!(
        "{} inputs, {} differ from ansible's collector",
        cases.len(),
        wrong.len()
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    let flatcar = &answers["flatcar-test-host"]["facts"];
    assert_eq!(
        flatcar["distribution_release"], "n/a",
        "Debian's lsb_release says n/a"
    );
}

#[test]
fn distro_answers_equal_ansibles_vendored_distro_on_every_input() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let cases = cases(tmp.path());
    let answers = ask_ansible(&cases, tmp.path());
    let mut wrong = Vec::new();
    for case in &cases {
        // `distro`'s answers matter on Linux only; the oracle reads no uname.
        let ours = DistroInfo::from_files(&case.files, &case.platform.lsb_release, "Linux", "");
        let want = &answers[&case.name]["distro"];
        let got = [
            ("id", ours.id.as_str()),
            ("version", ours.version.as_str()),
            ("version_best", ours.version_best.as_str()),
            ("codename", ours.codename.as_str()),
        ];
        for (key, value) in got {
            if want[key].as_str() != Some(value) {
                wrong.push(format!(
                    "{}: {key}: distro says {}, we say {value:?}",
                    case.name, want[key]
                ));
            }
        }
        if string_map(Some(&want["os_release"])) != ours.os_release {
            wrong.push(format!(
                "{}: os_release: distro says {}, we say {:?}",
                case.name, want["os_release"], ours.os_release
            ));
        }
    }
    println!(
        "{} inputs read by distro and by us, {} differ",
        cases.len(),
        wrong.len()
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
