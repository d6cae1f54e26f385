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

pub(super) fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/ansible-fixtures/distribution")
}

pub(super) fn string_map(json: Option<&Json>) -> BTreeMap<String, String> {
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
pub(super) fn inputs(fixture: &Json) -> (BTreeMap<String, String>, Platform) {
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
pub(super) fn recorded_distro(fixture: &Json) -> DistroInfo {
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

pub(super) struct Fixture {
    pub(super) name: String,
    pub(super) json: Json,
}

pub(super) fn load_fixtures() -> Vec<Fixture> {
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
