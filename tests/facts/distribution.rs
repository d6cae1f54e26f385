//! The distribution logic against the fixtures of ansible-core 2.19.14's
//! own unit tests (`test/units/module_utils/facts/system/distribution/
//! fixtures/*.json`). Each fixture holds the release files of a real host,
//! its `uname` data, the `lsb_release -a` output (inside the `distro`
//! block) and the facts Ansible computed; every expected key is checked.
//!
//! The fixtures are third-party files and are not committed:
//! `tests/fetch-ansible-fixtures.sh` downloads them into
//! `target/ansible-fixtures/distribution/`. This test fails, never skips,
//! when they are missing.

use std::collections::BTreeMap;
use std::path::PathBuf;

use engine::facts::{
    distribution_from_files, distribution_with_distro, DistroGuess, DistroInfo, Platform,
};
use engine::value::Value;
use serde_json::Value as Json;

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/ansible-fixtures/distribution")
}

fn string_map(json: Option<&Json>) -> BTreeMap<String, String> {
    json.and_then(Json::as_object)
        .map(|o| {
            o.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

/// The inputs Ansible's test feeds its collector, as our probe would
/// collect them on that host.
fn inputs(fixture: &Json) -> (BTreeMap<String, String>, Platform) {
    let files = string_map(fixture.get("input"));
    let text = |key: &str| fixture.get(key).and_then(Json::as_str).map(str::to_owned);
    let platform = Platform {
        system: text("platform.system").unwrap_or_else(|| "Linux".into()),
        release: text("uname_r")
            .or_else(|| text("platform.release"))
            .unwrap_or_default(),
        version: text("uname_v")
            .or_else(|| text("platform.version"))
            .unwrap_or_default(),
        lsb_release: string_map(fixture.pointer("/distro/lsb_release_info")),
        kern_version: fixture
            .pointer("/command_output/~1sbin~1sysctl -n kern.version")
            .and_then(Json::as_str)
            .map(str::to_owned),
        dpkg_tzdata: None,
        suse_baseproduct: None,
    };
    (files, platform)
}

/// `distro`'s answers as the fixture recorded them on the real host.
fn recorded_distro(fixture: &Json) -> DistroInfo {
    let text = |key: &str| {
        fixture
            .pointer(&format!("/distro/{key}"))
            .and_then(Json::as_str)
            .unwrap_or("")
            .to_owned()
    };
    DistroInfo {
        id: text("id"),
        version: text("version"),
        version_best: text("version_best"),
        codename: text("codename"),
        os_release: string_map(fixture.pointer("/distro/os_release_info")),
        lsb_release: string_map(fixture.pointer("/distro/lsb_release_info")),
    }
}

struct Fixture {
    name: String,
    json: Json,
}

fn load_fixtures() -> Vec<Fixture> {
    let dir = fixture_dir();
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e}; run tests/fetch-ansible-fixtures.sh first",
            dir.display()
        )
    });
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    assert!(
        paths.len() >= 78,
        "only {} fixtures in {}; run tests/fetch-ansible-fixtures.sh",
        paths.len(),
        dir.display()
    );
    paths
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path).expect("fixture is readable");
            Fixture {
                name: path
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned(),
                json: serde_json::from_str(&text).expect("fixture is JSON"),
            }
        })
        .collect()
}

/// Every expected key of the fixture that `facts` gets wrong.
fn mismatches(fixture: &Fixture, facts: &engine::value::Map) -> Vec<String> {
    let expected = fixture.json["result"]
        .as_object()
        .expect("fixture has a result");
    let mut wrong = Vec::new();
    for (key, want) in expected {
        let got = facts.get(key);
        let same = match (got, want) {
            (Some(Value::Str(g)), Json::String(w)) => g == w,
            (Some(Value::Bool(g)), Json::Bool(w)) => g == w,
            _ => false,
        };
        if !same {
            wrong.push(format!("{}: {key}: want {want}, got {got:?}", fixture.name));
        }
    }
    wrong
}

/// Ansible's distribution logic, fed as Ansible's own unit test feeds it:
/// the fixture's files plus the `distro` answers it recorded.
#[test]
fn every_fixture_matches_with_its_recorded_distro_answers() {
    let fixtures = load_fixtures();
    let mut failures = Vec::new();
    for fixture in &fixtures {
        let (files, platform) = inputs(&fixture.json);
        let facts =
            distribution_with_distro(&files, &platform, &recorded_distro(&fixture.json)).to_map();
        failures.extend(mismatches(fixture, &facts));
    }
    println!("{} fixtures, {} mismatches", fixtures.len(), failures.len());
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The production path: `distro`'s answers computed from the fixture's
/// files too. Where the result differs from Ansible's expectation, the
/// fixture's recorded `distro` answers must disagree with its own files
/// (recorded by an older `distro`, or from files and commands the fixture
/// does not include), which the previous test shows is the only cause.
#[test]
fn fixtures_match_from_files_alone_unless_their_recorded_distro_disagrees() {
    let fixtures = load_fixtures();
    let (mut exact, mut explained) = (0, Vec::new());
    let mut unexplained = Vec::new();
    for fixture in &fixtures {
        let (files, platform) = inputs(&fixture.json);
        let facts = distribution_from_files(&files, &platform).to_map();
        let wrong = mismatches(fixture, &facts);
        if wrong.is_empty() {
            exact += 1;
            continue;
        }
        let ours = DistroInfo::from_files(
            &files,
            &platform.lsb_release,
            &platform.system,
            &platform.release,
        );
        if DistroGuess::new(&ours) == DistroGuess::new(&recorded_distro(&fixture.json)) {
            unexplained.extend(wrong);
        } else {
            explained.push(fixture.name.clone());
        }
    }
    println!(
        "{} fixtures: {exact} exact from files alone; {} whose recorded distro answers disagree with their files: {}",
        fixtures.len(),
        explained.len(),
        explained.join(", ")
    );
    assert!(
        unexplained.is_empty(),
        "unexplained mismatches:\n{}",
        unexplained.join("\n")
    );
    // Pinned: each of these records `distro` answers its own files do not
    // give (an older `distro` without /etc/debian_version in the best
    // version, `lsb_release` output missing from the fixture, or files the
    // fixture leaves out). Every other fixture, including every CentOS,
    // RedHat, Rocky, Alma, Flatcar and Debian/Ubuntu one not listed, must
    // match from its files alone.
    let known = [
        "amazon_linux_2_karoo.json",
        "amazon_linux_release_2.json",
        "debian_10.json",
        "debian_stretch_sid.json",
        "fedora_25.json",
        "kali_2019.1.json",
        "osmc.json",
        "parrot_4.8.json",
        "smgl_na.json",
        "steamos_2.0.json",
        "ubuntu_10.04_guess.json",
        "ubuntu_12.04.json",
        "ubuntu_14.04.json",
        "virtuozzo_7.3.json",
    ];
    assert_eq!(
        explained, known,
        "fixtures that need their recorded distro answers"
    );
}

/// Release files written for this test (path, content): quoting, escapes,
/// comments, codenames after a comma, release files without os-release,
/// only `/usr/lib/os-release`, Debian's point release, odd version files.
const SYNTHETIC: &[(&str, &[(&str, &str)])] = &[
    (
        "synthetic-quoting",
        &[(
            "/etc/os-release",
            "NAME='Single Quoted'\nID=\"My-OS\"\nVERSION_ID=1.2.3\nVERSION=\"1.2 (Two Words)\"\n\
             PRETTY_NAME=\"Esc \\\"q\\\" \\\\ back \\$x\"\nHOME_URL=https://x.example/#frag\n\
             # a comment line\nEMPTY=\nTRAILING=\"a\" # note\nMULTI=\"line one\nline two\"\n\
             BARE=back\\ slash\nUBUNTU_CODENAME=\n",
        )],
    ),
    (
        "synthetic-comma-codename",
        &[
            (
                "/etc/os-release",
                "NAME=\"Ubuntu\"\nVERSION=\"14.04.5 LTS, Trusty Tahr\"\nID=ubuntu\nID_LIKE=debian\n\
                 PRETTY_NAME=\"Ubuntu 14.04.5 LTS\"\nVERSION_ID=\"14.04\"\n",
            ),
            ("/etc/lsb-release", "DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=14.04\nDISTRIB_CODENAME=trusty\n"),
        ],
    ),
    (
        "synthetic-release-files-only",
        &[
            ("/etc/centos-release", "CentOS Linux release 7.9.2009 (Core)\n"),
            ("/etc/redhat-release", "CentOS Linux release 7.9.2009 (Core)\n"),
            ("/etc/system-release", "CentOS Linux release 7.9.2009 (Core)\n"),
        ],
    ),
    (
        "synthetic-usr-lib-only",
        &[(
            "/usr/lib/os-release",
            "NAME=\"Flatcar Container Linux by Kinvolk\"\nID=flatcar\nVERSION=3033.2.0\nVERSION_ID=3033.2.0\n",
        )],
    ),
    (
        "synthetic-debian-point-release",
        &[
            ("/etc/os-release", "NAME=\"Debian GNU/Linux\"\nID=debian\nVERSION_ID=\"11\"\nVERSION=\"11 (bullseye)\"\n"),
            ("/etc/debian_version", "11.9\n"),
        ],
    ),
    (
        "synthetic-odd-release-files",
        &[
            ("/etc/arch-release", ""),
            ("/etc/foo_version", "1.0\n"),
            ("/etc/gentoo-release", "Gentoo Base System release 2.14\n"),
            ("/etc/zz-release", "STL 5.4 release foo\n"),
        ],
    ),
];

/// Asks ansible-core's vendored `distro` 1.9.0 (the installed ansible-core
/// 2.19.14) what it answers for each root directory: one Python run.
const DISTRO_ORACLE: &str = r#"
import importlib, json, sys
distro = importlib.import_module("ansible.module_utils.distro._distro")
out = {}
for name, root in json.load(sys.stdin).items():
    d = distro.LinuxDistribution(root_dir=root, include_lsb=False, include_uname=False, include_oslevel=False)
    out[name] = dict(id=d.id(), version=d.version(), version_best=d.version(best=True),
                     codename=d.codename(), os_release=d.os_release_info())
print(json.dumps(out))
"#;

/// Our reading of release files against the real `distro` library: each
/// fixture's files are written under a temporary root, and `distro` reads
/// them there (without `lsb_release` and `uname`, which `root_dir` forbids).
#[test]
fn distro_answers_match_ansibles_vendored_distro_on_fixtures_and_written_inputs() {
    use std::io::Write;
    use std::process::{Command, Stdio};

    // Every fixture's files, plus inputs written for this test that stress
    // the os-release lexer, the release-line pattern and the file choice.
    let mut cases: Vec<(String, BTreeMap<String, String>)> = load_fixtures()
        .iter()
        .map(|f| (f.name.clone(), string_map(f.json.get("input"))))
        .collect();
    for (name, files) in SYNTHETIC {
        let files = files
            .iter()
            .map(|(p, c)| ((*p).to_owned(), (*c).to_owned()))
            .collect();
        cases.push(((*name).to_owned(), files));
    }
    let tmp = tempfile::tempdir().expect("temp dir");
    let mut roots = serde_json::Map::new();
    for (name, files) in &cases {
        let root = tmp.path().join(name);
        for (path, content) in files {
            let file = root.join(path.trim_start_matches('/'));
            std::fs::create_dir_all(file.parent().expect("a file has a parent")).expect("mkdir");
            std::fs::write(&file, content).expect("write release file");
        }
        std::fs::create_dir_all(root.join("etc")).expect("mkdir etc");
        roots.insert(
            name.clone(),
            Json::String(root.to_string_lossy().into_owned()),
        );
    }
    let mut child = Command::new("python3")
        .args(["-c", DISTRO_ORACLE])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 with ansible-core 2.19.14 is installed");
    let input = serde_json::to_vec(&Json::Object(roots)).expect("json");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&input)
        .expect("write stdin");
    let output = child.wait_with_output().expect("python3 runs");
    assert!(output.status.success(), "the distro oracle failed");
    let answers: Json = serde_json::from_slice(&output.stdout).expect("oracle prints JSON");

    let mut wrong = Vec::new();
    for (name, files) in &cases {
        let ours = DistroInfo::from_files(files, &Default::default(), "Linux", "");
        let want = &answers[name];
        let got = [
            ("id", ours.id.as_str()),
            ("version", ours.version.as_str()),
            ("version_best", ours.version_best.as_str()),
            ("codename", ours.codename.as_str()),
        ];
        for (key, value) in got {
            if want[key].as_str() != Some(value) {
                wrong.push(format!(
                    "{name}: {key}: distro says {}, we say {value:?}",
                    want[key]
                ));
            }
        }
        if string_map(Some(&want["os_release"])) != ours.os_release {
            wrong.push(format!(
                "{name}: os_release: distro says {}, we say {:?}",
                want["os_release"], ours.os_release
            ));
        }
    }
    println!(
        "{} file sets ({} written for this test) read by distro and by us, {} differences",
        cases.len(),
        SYNTHETIC.len(),
        wrong.len()
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
