//! A templated `strategy:` rendered when the play starts.
//!
//! Ansible's `TaskQueueManager.run` post-validates a copy of the play with
//! the play-level variables (play `vars`, `vars_files`, extra vars; no host
//! variables), then looks the strategy plugin up by the rendered name: an
//! unknown name is "Invalid play strategy specified". `host_pinned` and
//! `debug` are Ansible's, but not implemented here: the play fails with
//! that said, before any task runs, as Ansible would fail for a bad name.

use super::options::RunError;
use crate::plan::{PlayPlan, Strategy};
use crate::template::{Templar, Vars};
use crate::value::{Map, Value};
use std::sync::Arc;

/// The play's strategy: the literal one, or its template rendered.
pub(crate) fn resolve(
    templar: &Templar,
    play: &PlayPlan,
    extra: &Arc<Map>,
) -> Result<Strategy, RunError> {
    let Some(t) = &play.strategy_template else {
        return Ok(play.strategy);
    };
    let mut vars = play.vars.clone();
    vars.extend(extra.iter().map(|(k, v)| (k.clone(), v.clone())));
    let v = templar
        .render_value(&Value::Str(t.clone()), &Vars::new(Arc::new(vars)))
        .map_err(|e| RunError::Play(format!("Error processing keyword 'strategy': {e}")))?;
    let name = match &v {
        Value::Str(s) | Value::Unsafe(s) => s.as_str(),
        other => {
            return Err(RunError::Play(format!(
                "Invalid play strategy specified: {}",
                crate::report::python_repr(other)
            )))
        }
    };
    match name {
        "linear" => Ok(Strategy::Linear),
        "free" => Ok(Strategy::Free),
        "host_pinned" | "debug" | "ansible.builtin.host_pinned" | "ansible.builtin.debug" => {
            Err(RunError::Play(format!(
                "strategy `{name}` (from `{t}`) is not implemented by konvoy-image \
                 (supported: linear, free)"
            )))
        }
        "ansible.builtin.linear" => Ok(Strategy::Linear),
        "ansible.builtin.free" => Ok(Strategy::Free),
        other => Err(RunError::Play(format!(
            "Invalid play strategy specified: {other}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn play(t: &str, vars: &[(&str, &str)]) -> PlayPlan {
        PlayPlan {
            strategy_template: Some(t.into()),
            vars: vars
                .iter()
                .map(|(k, v)| ((*k).to_owned(), Value::Str((*v).to_owned())))
                .collect(),
            ..PlayPlan::default()
        }
    }

    #[test]
    fn a_templated_strategy_renders_with_play_and_extra_vars() {
        let templar = Templar::new();
        let none = Arc::new(Map::new());
        let t = "{{ test_strategy | default('linear') }}";
        assert_eq!(
            resolve(&templar, &play(t, &[]), &none).unwrap(),
            Strategy::Linear
        );
        let p = play(t, &[("test_strategy", "free")]);
        assert_eq!(resolve(&templar, &p, &none).unwrap(), Strategy::Free);
        let mut extra = Map::new();
        extra.insert("test_strategy".into(), Value::Str("linear".into()));
        assert_eq!(
            resolve(&templar, &p, &Arc::new(extra)).unwrap(),
            Strategy::Linear
        );
        let e = resolve(
            &templar,
            &play(t, &[("test_strategy", "host_pinned")]),
            &none,
        );
        assert!(e.unwrap_err().to_string().contains("`host_pinned`"));
        let e = resolve(&templar, &play(t, &[("test_strategy", "lineaer")]), &none);
        assert!(e
            .unwrap_err()
            .to_string()
            .contains("Invalid play strategy specified: lineaer"));
    }
}
