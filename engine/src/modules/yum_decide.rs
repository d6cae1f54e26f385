//! How `yum` decides: what the one transaction must contain, and the
//! result lines Ansible's dnf module gives around it.

use super::outcome::Outcome;
use super::rpmvercmp::cmp_installed;
use super::yum::{PackageSpec, PackageState, YumArgs};
use super::yum_probe::Probe;
use crate::value::Value;

/// One argument of the transaction and how check mode names it.
pub(crate) struct Todo {
    /// What the package manager gets.
    pub(crate) arg: String,
    /// A spec, or the NEVRA from an RPM's header.
    pub(crate) shown: String,
}

/// The verb and the arguments of the one transaction needed (empty: none).
pub(crate) fn decide(a: &YumArgs, p: &Probe) -> (&'static str, Vec<Todo>) {
    let mut todo: Vec<Todo> = Vec::new();
    let mut push = |arg: String, shown: String| {
        if !todo.iter().any(|t| t.arg == arg) {
            todo.push(Todo { arg, shown });
        }
    };
    for (spec, src) in a.names.iter().zip(&p.sources) {
        let shown = src
            .header
            .clone()
            .unwrap_or_else(|| spec.as_str().to_owned());
        match a.state {
            PackageState::Absent => {
                for nevra in &src.installed {
                    push(nevra.clone(), nevra.clone());
                }
            }
            _ if src.installed.is_empty() => {
                if !newer_installed(spec.as_str(), &src.others) {
                    push(spec.as_str().to_owned(), shown);
                }
            }
            PackageState::Present => {}
            PackageState::Latest => {
                // URL and file RPMs are what they are: installed is latest.
                if let PackageSpec::Name(_) = spec {
                    for (name, evr) in &p.updates {
                        if src.names.contains(name) {
                            let nevr = format!("{name}-{evr}");
                            push(nevr.clone(), nevr);
                        }
                    }
                }
            }
        }
    }
    let verb = if a.state == PackageState::Absent {
        "remove"
    } else {
        "install"
    };
    (verb, todo)
}

/// Whether a newer version of the package `spec` pins is installed:
/// Ansible's dnf module then does nothing (no `allow_downgrade`).
fn newer_installed(spec: &str, others: &[(String, String)]) -> bool {
    others.iter().any(|(name, evr)| {
        spec.strip_prefix(name.as_str())
            .and_then(|r| r.strip_prefix('-'))
            .is_some_and(|wanted| cmp_installed(evr, wanted) == std::cmp::Ordering::Greater)
    })
}

/// The lines Ansible's dnf module reports whatever happens: every RPM
/// file or URL as `Installed <spec>`, and with `absent` each name that
/// matches nothing as `No match for argument: <spec>`.
pub(crate) fn notes(a: &YumArgs, p: &Probe) -> Vec<String> {
    let mut out = Vec::new();
    for (spec, src) in a.names.iter().zip(&p.sources) {
        match (a.state, spec) {
            (PackageState::Absent, _) if src.installed.is_empty() => {
                out.push(format!("No match for argument: {}", spec.as_str()));
            }
            (PackageState::Absent, _) | (_, PackageSpec::Name(_)) => {}
            (_, PackageSpec::Url(f) | PackageSpec::File(f)) => out.push(format!("Installed {f}")),
        }
    }
    out
}

/// Ansible's `failures`: `No package X available.` for each spec the
/// package manager found no match for, else its error lines.
pub(crate) fn failures(stderr: &str, todo: &[Todo]) -> Vec<Value> {
    let unmatched: Vec<Value> = todo
        .iter()
        .filter(|t| {
            stderr.lines().any(|l| {
                (l.contains("No match for argument") || l.contains("Unable to find a match"))
                    && l.contains(t.arg.as_str())
            })
        })
        .map(|t| Value::from(format!("No package {} available.", t.arg)))
        .collect();
    if !unmatched.is_empty() {
        return unmatched;
    }
    stderr
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(50)
        .map(Value::from)
        .collect()
}

/// A successful result with Ansible's keys.
pub(crate) fn success(changed: bool, msg: &str, results: Vec<String>) -> Outcome {
    let mut o = if changed {
        Outcome::changed()
    } else {
        Outcome::ok()
    };
    o = o.with("msg", msg).with("rc", Value::Int(0)).with(
        "results",
        Value::List(results.into_iter().map(Value::from).collect()),
    );
    o
}

/// A failed result with Ansible's keys.
pub(crate) fn failure(msg: String, failures: Vec<Value>) -> Outcome {
    Outcome::failed(msg)
        .with("rc", Value::Int(1))
        .with("results", Value::List(Vec::new()))
        .with("failures", Value::List(failures))
}
