//! `getent`: a name-service database as facts (`getent_<database>`).
//!
//! Supported: `database`, `key`, `service`, `split`, `fail_key`. Records
//! are split as Ansible splits them (`:` for passwd/shadow/group/gshadow,
//! else Python's whitespace split, or `split`); a key seen twice becomes
//! a list of records. Read-only: one command, check mode the same.

use super::args::{ArgError, ArgMap};
use super::context::ModuleContext;
use super::outcome::{ModuleError, Outcome};
use super::Module;
use crate::shell::Cmd;
use crate::value::{Map, Value};

/// Arguments of `getent`.
#[derive(Debug, Clone)]
pub struct GetentArgs {
    database: String,
    key: Option<String>,
    service: Option<String>,
    split: Option<String>,
    fail_key: bool,
}

/// The `getent` module.
pub struct GetentModule;

impl Module for GetentModule {
    type Args = GetentArgs;
    const PROBES: bool = true;

    fn parse(args: &mut ArgMap) -> Result<GetentArgs, ArgError> {
        let parsed = GetentArgs {
            database: args.required_str(&["database"])?,
            key: args.str(&["key"])?,
            service: args.str(&["service"])?,
            split: args.str(&["split"])?,
            fail_key: args.bool(&["fail_key"])?.unwrap_or(true),
        };
        args.finish(&["database", "key", "service", "split", "fail_key"])?;
        Ok(parsed)
    }

    fn probes(a: &GetentArgs) -> Vec<String> {
        vec![command(a)]
    }

    fn run(a: &GetentArgs, ctx: &mut ModuleContext<'_>) -> Result<Outcome, ModuleError> {
        let out = ctx.probe(&command(a))?;
        let tree = format!("getent_{}", a.database);
        let mut db = Map::new();
        let msg = match out.rc {
            0 => {
                let split = a.split.clone().or_else(|| {
                    ["passwd", "shadow", "group", "gshadow"]
                        .contains(&a.database.as_str())
                        .then(|| ":".to_owned())
                });
                let mut seen = std::collections::HashMap::new();
                for line in out.stdout_str().lines() {
                    let record: Vec<Value> = match &split {
                        Some(s) => line.split(s.as_str()).map(Value::from).collect(),
                        None => line.split_whitespace().map(Value::from).collect(),
                    };
                    let Some((first, rest)) = record.split_first() else {
                        continue;
                    };
                    let k = first.as_str().unwrap_or("").to_owned();
                    let rest = Value::List(rest.to_vec());
                    let n = seen.entry(k.clone()).or_insert(0usize);
                    *n += 1;
                    match (*n, db.get_mut(&k)) {
                        // A key seen again: a list of its records.
                        (2, Some(prev)) => {
                            let first = std::mem::replace(prev, Value::Null);
                            *prev = Value::List(vec![first, rest]);
                        }
                        (_, Some(Value::List(prev))) => prev.push(rest),
                        _ => {
                            db.insert(k, rest);
                        }
                    }
                }
                return Ok(Outcome::ok().with("ansible_facts", facts(tree, db)));
            }
            1 => "Missing arguments, or database unknown.",
            2 => {
                let msg = "One or more supplied key could not be found in the database.";
                if !a.fail_key {
                    db.insert(a.key.clone().unwrap_or_default(), Value::Null);
                    return Ok(Outcome::ok()
                        .with("ansible_facts", facts(tree, db))
                        .with("msg", msg));
                }
                msg
            }
            3 => "Enumeration not supported on this database.",
            _ => "Unexpected failure!",
        };
        Ok(Outcome::fail_json(msg))
    }
}

fn facts(tree: String, db: Map) -> Value {
    let mut m = Map::new();
    m.insert(tree, Value::Map(db));
    Value::Map(m)
}

fn command(a: &GetentArgs) -> String {
    let mut c = Cmd::new("getent").arg(&a.database);
    if let Some(k) = &a.key {
        c = c.arg(k);
    }
    if let Some(s) = &a.service {
        c = c.flag("-s").arg(s);
    }
    c.into_string()
}
