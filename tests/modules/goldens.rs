//! Replays `golden/text_edits.json` — cases run through ansible-core
//! 2.19.14 by `gen_text_edits.py` — through our lineinfile, blockinfile
//! and replace, on files of this machine through the local transport,
//! and compares the resulting file, `changed`, `failed` and `msg`.

use engine::modules::blockinfile::BlockinfileModule;
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
        let o: Outcome = match case["module"].as_str().unwrap() {
            "lineinfile" => run_module::<LineinfileModule>(&mut argmap, &mut ctx),
            "blockinfile" => run_module::<BlockinfileModule>(&mut argmap, &mut ctx),
            "replace" => run_module::<ReplaceModule>(&mut argmap, &mut ctx),
            other => panic!("unknown module {other}"),
        }
        .unwrap();
        let after = std::fs::read_to_string(&path).ok();
        let msg = o
            .result
            .get("msg")
            .and_then(Value::as_str)
            .unwrap_or("")
            .replace(&path_s, "{path}");
        let want = (
            case["after"].as_str().map(str::to_owned),
            case["changed"].as_bool().unwrap(),
            case["failed"].as_bool().unwrap(),
            case["msg"].as_str().unwrap().to_owned(),
        );
        let got = (after, o.changed, o.failed, msg);
        if got != want {
            failures.push(format!(
                "case {i} {} {}:\n  want {want:?}\n  got  {got:?}",
                case["module"], case["args"]
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
