//! Replays cases recorded from ansible-core 2.19.14 through our modules
//! on files of this machine, through the local transport:
//! - `golden/text_edits.json` (`gen_text_edits.py`): lineinfile,
//!   blockinfile and replace; compares the file, `changed`, `failed`, `msg`
//!   and `warnings`;
//! - `golden/diffs.json` (`gen_diffs.py`): a task sequence run with
//!   `--diff`; compares each module's diff text with the callback's.

use engine::modules::blockinfile::BlockinfileModule;
use engine::modules::copy::CopyModule;
use engine::modules::file::FileModule;
use engine::modules::lineinfile::LineinfileModule;
use engine::modules::replace::ReplaceModule;
use engine::modules::{run_module, ArgMap, ModuleContext, Outcome, RunMode};
use engine::run::remote::TransportRemote;
use engine::template::{Templar, Vars};
use engine::transport::{connect, ConnectOptions, ConnectionKind, ConnectionSpec, HostKeyChecking};
use engine::value::{Map, Value};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

pub(crate) fn local_spec() -> ConnectionSpec {
    ConnectionSpec {
        name: "localhost".into(),
        kind: ConnectionKind::Local,
        address: "127.0.0.1".into(),
        port: 22,
        user: None,
        private_key_file: None,
        password: None,
        connect_timeout: Duration::from_secs(5),
        host_key_checking: HostKeyChecking::Strict,
        jump: None,
        known_hosts_file: None,
        become_: None,
    }
}

fn to_value(j: &serde_json::Value) -> Value {
    match j {
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::String(s) => Value::Str(s.clone()),
        serde_json::Value::Number(n) => Value::Int(n.as_i64().unwrap_or_default()),
        _ => Value::Null,
    }
}

#[test]
fn text_edit_goldens() {
    let text = include_str!("golden/text_edits.json");
    let cases: Vec<serde_json::Value> = serde_json::from_str(text).unwrap();
    assert!(cases.len() >= 50);
    let mut t = connect(&local_spec(), &ConnectOptions::default()).unwrap();
    let templar = Templar::new();
    let vars = Vars::new(Arc::new(Map::new()));
    let mut failures = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let path_s = path.to_str().unwrap().to_owned();
        if let Some(before) = case["before"].as_str() {
            std::fs::write(&path, before).unwrap();
        }
        let mut args: Map = case["args"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), to_value(v)))
            .collect();
        args.insert("path".into(), Value::Str(path_s.clone()));
        let mut argmap = ArgMap::new(args);
        let mut remote = TransportRemote::new(t.as_mut());
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
        let o = run_named(case["module"].as_str().unwrap(), &mut argmap, &mut ctx);
        let after = std::fs::read_to_string(&path).ok();
        let msg = o
            .result
            .get("msg")
            .and_then(Value::as_str)
            .unwrap_or("")
            .replace(&path_s, "{path}");
        let warnings: Vec<String> = match o.result.get("warnings") {
            Some(Value::List(l)) => l
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            _ => Vec::new(),
        };
        let want = (
            case["after"].as_str().map(str::to_owned),
            case["changed"].as_bool().unwrap(),
            case["failed"].as_bool().unwrap(),
            case["msg"].as_str().unwrap().to_owned(),
            case["warnings"]
                .as_array()
                .map(|l| {
                    l.iter()
                        .filter_map(|w| w.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default(),
        );
        let got = (after, o.changed, o.failed, msg, warnings);
        if got != want {
            failures.push(format!(
                "case {i} {} {}:\n  want {want:?}\n  got  {got:?}",
                case["module"], case["args"]
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn run_named(name: &str, args: &mut ArgMap, ctx: &mut ModuleContext<'_>) -> Outcome {
    match name {
        "lineinfile" => run_module::<LineinfileModule>(args, ctx),
        "blockinfile" => run_module::<BlockinfileModule>(args, ctx),
        "replace" => run_module::<ReplaceModule>(args, ctx),
        "copy" => run_module::<CopyModule>(args, ctx),
        "file" => run_module::<FileModule>(args, ctx),
        other => panic!("unknown module {other}"),
    }
    .unwrap()
}

#[test]
fn diff_goldens() {
    let golden: serde_json::Value =
        serde_json::from_str(include_str!("golden/diffs.json")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap().to_owned();
    for (name, text) in golden["setup"].as_object().unwrap() {
        std::fs::write(dir.path().join(name), text.as_str().unwrap()).unwrap();
    }
    for name in golden["dirs"].as_array().unwrap() {
        let p = dir.path().join(name.as_str().unwrap());
        std::fs::create_dir(&p).unwrap();
        std::fs::set_permissions(&p, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    }
    let mut t = connect(&local_spec(), &ConnectOptions::default()).unwrap();
    let templar = Templar::new();
    let vars = Vars::new(Arc::new(Map::new()));
    let mut failures = Vec::new();
    for (i, case) in golden["cases"].as_array().unwrap().iter().enumerate() {
        let args: Map = case["args"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    Value::Str(v.as_str().unwrap().replace("{dir}", &d)),
                )
            })
            .collect();
        let mut argmap = ArgMap::new(args);
        let mut remote = TransportRemote::new(t.as_mut());
        let mut cache = HashMap::new();
        let mut ctx = ModuleContext {
            host: "localhost",
            remote: &mut remote,
            mode: RunMode::Apply,
            diff: true,
            search_paths: &[],
            templar: &templar,
            vars: &vars,
            probe_cache: &mut cache,
            commands: 0,
        };
        let o = run_named(case["module"].as_str().unwrap(), &mut argmap, &mut ctx);
        assert!(o.changed && !o.failed, "case {i}: {o:?}");
        let got = o.diff.unwrap_or_default().replace(&d, "{dir}");
        let want = case["diff"].as_str().unwrap();
        if got != want {
            failures.push(format!(
                "case {i} {}:\n--- want\n{want}--- got\n{got}",
                case["args"]
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
