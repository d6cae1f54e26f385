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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::yum::{Backend, YumArgs};
    use crate::modules::yum_probe::Source;

    fn args(names: &[&str], state: PackageState) -> YumArgs {
        YumArgs {
            names: names
                .iter()
                .map(|n| PackageSpec::parse(n).unwrap())
                .collect(),
            state,
            update_cache: false,
            options: Vec::new(),
            installroot: None,
            backend: Backend::Auto,
            autoremove: false,
            insecure: false,
        }
    }

    fn installed(nevra: &str, name: &str) -> Source {
        Source {
            installed: vec![nevra.into()],
            names: vec![name.into()],
            ..Source::default()
        }
    }

    fn probe(sources: Vec<Source>, updates: &[(&str, &str)]) -> Probe {
        Probe {
            manager: "dnf",
            sources,
            updates: updates
                .iter()
                .map(|(n, v)| ((*n).into(), (*v).into()))
                .collect(),
            error: None,
        }
    }

    fn todo_args(a: &YumArgs, p: &Probe) -> (&'static str, Vec<String>) {
        let (verb, todo) = decide(a, p);
        (verb, todo.into_iter().map(|t| t.arg).collect())
    }

    #[test]
    fn only_what_is_missing_is_installed() {
        let a = args(&["a", "b-1.0"], PackageState::Present);
        let p = probe(vec![installed("a-1-1.noarch", "a"), Source::default()], &[]);
        assert_eq!(todo_args(&a, &p), ("install", vec!["b-1.0".into()]));
    }

    #[test]
    fn latest_upgrades_to_the_offered_version() {
        let a = args(&["b"], PackageState::Latest);
        let p = probe(vec![installed("b-1.0-1.noarch", "b")], &[("b", "2.0-1")]);
        assert_eq!(todo_args(&a, &p), ("install", vec!["b-2.0-1".into()]));
    }

    #[test]
    fn an_older_pin_is_left_alone() {
        let a = args(&["b-1.0"], PackageState::Present);
        let src = Source {
            others: vec![("b".into(), "0:2.0-1".into())],
            ..Source::default()
        };
        assert!(decide(&a, &probe(vec![src], &[])).1.is_empty());
    }

    #[test]
    fn absent_removes_installed_nevras_and_notes_the_rest() {
        let a = args(&["a", "zz"], PackageState::Absent);
        let p = probe(vec![installed("a-1-1.noarch", "a"), Source::default()], &[]);
        assert_eq!(todo_args(&a, &p), ("remove", vec!["a-1-1.noarch".into()]));
        assert_eq!(notes(&a, &p), ["No match for argument: zz"]);
    }

    #[test]
    fn failures_name_unmatched_specs() {
        let todo = [Todo {
            arg: "nope".into(),
            shown: "nope".into(),
        }];
        // dnf 4.14's stderr for a name no repository has.
        let f = failures(
            "No match for argument: nope\nError: Unable to find a match: nope\n",
            &todo,
        );
        assert_eq!(f, [Value::from("No package nope available.")]);
    }
}
