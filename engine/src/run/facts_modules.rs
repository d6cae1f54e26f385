//! `ansible_facts_modules` (ansible-core's `FACTS_MODULES`, settable per
//! host or play as a variable): the fact modules the `gather_facts` action
//! and a play's implicit gathering run. This engine gathers with its one
//! probe, `setup`'s facts; a list naming any other module (`service_facts`,
//! `ansible.builtin.package_facts`, a collection's) would silently give
//! fewer facts than Ansible, so the gathering that meets it fails instead,
//! on the host that reaches it, saying why.

use crate::template::{Templar, Vars};
use crate::value::Value;

/// The names that mean `setup`'s facts: `smart` (on a POSIX host) and
/// `setup` itself.
const SETUP: &[&str] = &[
    "smart",
    "setup",
    "ansible.builtin.setup",
    "ansible.legacy.setup",
];

/// `Ok` when `ansible_facts_modules` is unset or asks only for `setup`'s
/// facts; otherwise the gathering's error.
pub(crate) fn check(t: &Templar, vars: &Vars) -> Result<(), String> {
    let Some(raw) = vars.raw("ansible_facts_modules") else {
        return Ok(());
    };
    let rendered = t
        .render_value(raw, vars)
        .map_err(|e| format!("ansible_facts_modules: {e}"))?;
    let names: Vec<String> = match &rendered {
        Value::List(l) => l.iter().map(crate::report::python_str).collect(),
        Value::Null => return Ok(()),
        other => crate::report::python_str(other)
            .split(',')
            .map(|s| s.trim().to_owned())
            .collect(),
    };
    let others: Vec<&str> = names
        .iter()
        .map(String::as_str)
        .filter(|n| !SETUP.contains(n))
        .collect();
    match others.is_empty() {
        true => Ok(()),
        false => Err(format!(
            "ansible_facts_modules names {}: gathering facts with modules other than \
             setup is not implemented by konvoy-image",
            others.join(", ")
        )),
    }
}
