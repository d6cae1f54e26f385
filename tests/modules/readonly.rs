//! `stat` and `find` on a real host, and `find` on the controller through
//! the local transport (as `delegate_to: localhost` runs it).

use super::{assert_not_pwned, assert_shape, s, shapes, Bench, NASTY};
use crate::harness::Os;
use engine::modules::find::FindModule;
use engine::modules::stat::StatModule;
use engine::modules::{run_module, ArgMap, ModuleContext, RunMode};
use engine::run::remote::TransportRemote;
use engine::template::{Templar, Vars};
use engine::transport::{connect, ConnectOptions};
use engine::value::{Map, Value};
use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;
use std::sync::Arc;

#[test]
fn stat_reports_ansibles_keys_in_one_command() {
    let mut b = Bench::start(Os::Flatcar);
    let name = format!("/srv/{NASTY}\nx");
    b.host().sh(&format!("mkdir -p /srv && printf 'hello\\n' > \"$(printf '/srv/%s\\nx' {})\" && ln -s /srv/missing /srv/dangling", engine::shell::quote(NASTY)));
    let r = b.run::<StatModule>(&[("path", s(&name))], RunMode::Apply, false);
    assert_eq!(r.commands, 1);
    let batched = b.run_batched::<StatModule>(&[("path", s(&name))]);
    assert_eq!(batched.commands, 0);
    let (one, two) = (
        r.outcome.result["stat"].as_map().unwrap(),
        batched.outcome.result["stat"].as_map().unwrap(),
    );
    assert_eq!(
        (&one["checksum"], &one["inode"]),
        (&two["checksum"], &two["inode"])
    );
    assert!(!r.outcome.changed);
    let st = r.outcome.result["stat"].as_map().unwrap().clone();
    assert_shape(&st, shapes::STAT_FILE);
    let md = std::fs::metadata(b.on_host(&name)).unwrap();
    assert_eq!(
        st["checksum"],
        s("f572d396fae9206628714fb2ce00f72e94f2258f"),
        "sha1 of hello\\n"
    );
    assert_eq!(st["inode"], Value::Int(md.ino() as i64));
    assert_eq!(st["mtime"], Value::Float(md.mtime() as f64));
    assert_eq!(st["size"], Value::Int(6));
    assert_eq!(st["mode"], s(&format!("{:04o}", md.mode() & 0o7777)));

    let r = b.run::<StatModule>(&[("path", s("/srv/dangling"))], RunMode::Apply, false);
    let st = r.outcome.result["stat"].as_map().unwrap().clone();
    assert_shape(&st, shapes::STAT_LINK);
    assert_eq!(st["lnk_target"], s("/srv/missing"));
    assert_eq!(st["islnk"], Value::Bool(true));

    let r = b.run::<StatModule>(
        &[("path", s("/srv/dangling")), ("follow", Value::Bool(true))],
        RunMode::Apply,
        false,
    );
    assert_eq!(
        r.outcome.result["stat"].as_map().unwrap()["exists"],
        Value::Bool(false)
    );

    let r = b.run::<StatModule>(&[("path", s("/srv/nothing"))], RunMode::Check, false);
    assert_shape(
        r.outcome.result["stat"].as_map().unwrap(),
        shapes::STAT_MISSING,
    );
    assert_eq!(r.outcome.result["stat"].as_map().unwrap().len(), 1);
    assert_not_pwned(&b);
}

#[test]
fn find_matches_globs_regexes_and_depth() {
    let mut b = Bench::start(Os::Flatcar);
    b.host().sh(&format!(
        "mkdir -p /data/sub/deeper && cd /data && touch a.conf b.conf .hidden.conf x.txt sub/c.conf sub/deeper/d.conf {} && ln -s a.conf link.conf",
        engine::shell::quote(&format!("{NASTY}.conf"))
    ));
    let names = |r: &super::Run| -> Vec<String> {
        let mut v: Vec<String> = r.outcome.result["files"]
            .as_list()
            .unwrap()
            .iter()
            .map(|f| f.as_map().unwrap()["path"].as_str().unwrap().to_owned())
            .collect();
        v.sort();
        v
    };
    let r = b.run::<FindModule>(
        &[("paths", s("/data")), ("patterns", s("*.conf"))],
        RunMode::Apply,
        false,
    );
    assert_eq!(r.commands, 1);
    let batched = b.run_batched::<FindModule>(&[("paths", s("/data")), ("patterns", s("*.conf"))]);
    assert_eq!(batched.commands, 0);
    assert_eq!(batched.outcome.result["matched"], Value::Int(3));
    assert_shape(&r.outcome.result, shapes::FIND);
    assert_shape(
        r.outcome.result["files"].as_list().unwrap()[0]
            .as_map()
            .unwrap(),
        shapes::FIND_ENTRY,
    );
    let nasty = format!("/data/{NASTY}.conf");
    assert_eq!(names(&r), [nasty.as_str(), "/data/a.conf", "/data/b.conf"]);
    assert_eq!(r.outcome.result["matched"], Value::Int(3));

    let r = b.run::<FindModule>(
        &[
            ("paths", s("/data")),
            ("patterns", s(r"^[ab]\.conf$")),
            ("use_regex", Value::Bool(true)),
            ("recurse", Value::Bool(true)),
            ("hidden", Value::Bool(true)),
        ],
        RunMode::Apply,
        false,
    );
    assert_eq!(names(&r), ["/data/a.conf", "/data/b.conf"]);
    let r = b.run::<FindModule>(
        &[
            ("paths", s("/data")),
            ("patterns", s("*.conf")),
            ("recurse", Value::Bool(true)),
            ("depth", Value::Int(2)),
            ("excludes", s("a.*,b*")),
        ],
        RunMode::Apply,
        false,
    );
    assert_eq!(names(&r), [nasty.as_str(), "/data/sub/c.conf"]);
    let r = b.run::<FindModule>(
        &[("paths", s("/data")), ("file_type", s("link"))],
        RunMode::Apply,
        false,
    );
    assert_eq!(names(&r), ["/data/link.conf"]);
    let r = b.run::<FindModule>(
        &[
            ("paths", s("/data,/missing")),
            ("file_type", s("directory")),
        ],
        RunMode::Apply,
        false,
    );
    assert_eq!(names(&r), ["/data/sub"]);
    assert!(r.outcome.result["skipped_paths"]
        .as_map()
        .unwrap()
        .contains_key("/missing"));
    assert_not_pwned(&b);
}

#[test]
fn find_runs_on_the_controller_through_the_local_transport() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("one.yaml"), "a").unwrap();
    std::fs::write(dir.path().join("two.txt"), "b").unwrap();
    let mut t = connect(&super::goldens::local_spec(), &ConnectOptions::default()).unwrap();
    let mut remote = TransportRemote::new(t.as_mut());
    let templar = Templar::new();
    let vars = Vars::new(Arc::new(Map::new()));
    let mut cache = HashMap::new();
    let mut ctx = ModuleContext {
        host: "localhost",
        remote: &mut remote,
        mode: RunMode::Apply,
        diff: false,
        search_paths: &[],
        templar: &templar,
        vars: &vars,
        probe_cache: &mut cache,
        commands: 0,
    };
    let mut args = ArgMap::new(
        [
            (
                "paths".to_owned(),
                Value::from(dir.path().to_str().unwrap()),
            ),
            ("patterns".to_owned(), Value::from("*.yaml")),
        ]
        .into_iter()
        .collect(),
    );
    let o = run_module::<FindModule>(&mut args, &mut ctx).unwrap();
    let files = o.result["files"].as_list().unwrap();
    assert_eq!(files.len(), 1);
    let want = dir.path().join("one.yaml");
    assert_eq!(
        files[0].as_map().unwrap()["path"],
        Value::from(want.to_str().unwrap())
    );
    assert_eq!(ctx.commands, 1);
}
