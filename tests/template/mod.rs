//! Template semantics against ansible-core: every case in
//! `tests/golden/template/cases.json` runs through the [`Templar`].
//!
//! The expected values were produced by the real ansible-core 2.19.14 on
//! this machine: `tests/golden/template/regen.sh` turns `cases.yml` into a
//! playbook of `debug` tasks (one per case; `when:` for conditionals),
//! runs it on localhost and records each result with a small callback
//! plugin. Re-run the script after editing `cases.yml`.

mod api;

use engine::template::{Templar, TemplateError, Vars};
use engine::value::{Map, Value};
use std::path::PathBuf;
use std::sync::Arc;

/// Cases where we knowingly differ from ansible-core 2.19, with the reason.
/// The test fails if one of these starts to match (remove it then).
const KNOWN_DEVIATIONS: &[(&str, &str)] = &[
    (
        "{% for x in lst %}{% if x == 2 %}{% break %}{% endif %}{{ x }}{% endfor %}",
        "minijinja's loop_controls feature accepts break/continue; Jinja2 in Ansible lacks the extension",
    ),
    (
        "{{ lst.count(3) }}",
        "ansible-core 2.19 answers 0 here (its tagged ints); we count as Python does",
    ),
];

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/template")
}

fn from_json(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        serde_json::Value::String(s) => Value::Str(s.clone()),
        serde_json::Value::Array(items) => Value::List(items.iter().map(from_json).collect()),
        serde_json::Value::Object(map) => {
            Value::Map(map.iter().map(|(k, v)| (k.clone(), from_json(v))).collect())
        }
    }
}

fn kind(err: &TemplateError) -> &'static str {
    match err {
        TemplateError::UndefinedVariable { .. } => "undefined",
        TemplateError::Recursion { .. } => "recursion",
        TemplateError::NonBooleanConditional { .. } => "non_boolean",
        TemplateError::Syntax { .. } | TemplateError::Unknown { .. } => "syntax",
        _ => "error",
    }
}

/// Runs one case: `e` renders a value, `c` evaluates conditionals (AND).
fn run_case(
    templar: &Templar,
    case: &serde_json::Value,
    vars: &Vars,
) -> Result<Value, TemplateError> {
    if let Some(e) = case.get("e") {
        return templar.render_value(&from_json(e), vars);
    }
    let conds: Vec<String> = match &case["c"] {
        serde_json::Value::Array(items) => items
            .iter()
            .map(|c| c.as_str().unwrap_or("").to_owned())
            .collect(),
        other => vec![other.as_str().unwrap_or("").to_owned()],
    };
    for cond in conds {
        if !templar.condition(&cond, vars)? {
            return Ok(Value::Bool(false));
        }
    }
    Ok(Value::Bool(true))
}

fn matches(expect: &serde_json::Value, got: &Result<Value, TemplateError>) -> bool {
    match (expect.get("value"), got) {
        (Some(value), Ok(v)) => from_json(value) == *v,
        (None, Err(err)) => {
            let want = expect["error"].as_str().unwrap_or("error");
            want == "error" || want == kind(err)
        }
        _ => false,
    }
}

#[test]
fn golden_cases_match_ansible() {
    let text =
        std::fs::read_to_string(golden_dir().join("cases.json")).expect("cases.json is committed");
    let golden: serde_json::Value = serde_json::from_str(&text).expect("cases.json is JSON");
    for (name, value) in golden["env"].as_object().expect("env map") {
        // Set once, before any template reads it; the value is constant.
        std::env::set_var(name, value.as_str().unwrap_or_default());
    }
    let base: Map = match from_json(&golden["vars"]) {
        Value::Map(m) => m,
        _ => panic!("vars must be a map"),
    };
    let mut vars = Vars::new(Arc::new(base));
    vars.set_search_paths(vec![golden_dir()]);
    let templar = Templar::new();
    let cases = golden["cases"].as_array().expect("cases list");
    assert!(cases.len() >= 200, "expected at least 200 golden cases");

    let mut failures = Vec::new();
    let mut deviating = Vec::new();
    for case in cases {
        let mut case_vars = vars.clone();
        if let Some(serde_json::Value::Object(extra)) = case.get("v") {
            for (k, v) in extra {
                case_vars = case_vars.with(k, from_json(v));
            }
        }
        let input = case.get("e").or_else(|| case.get("c")).expect("case input");
        let label = input
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| input.to_string());
        let got = run_case(&templar, case, &case_vars);
        let ok = matches(&case["expect"], &got);
        let known = KNOWN_DEVIATIONS.iter().any(|(text, _)| *text == label);
        if known {
            if ok {
                failures.push(format!(
                    "{label}: listed as a deviation but now matches; remove it"
                ));
            }
            deviating.push(label);
        } else if !ok {
            failures.push(format!(
                "{label}\n    expected {}\n    got      {got:?}",
                case["expect"]
            ));
        }
    }
    assert_eq!(
        deviating.len(),
        KNOWN_DEVIATIONS.len(),
        "every listed deviation must be a case"
    );
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
