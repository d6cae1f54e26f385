//! How the CLI prints a failed command: errors that carry spans through
//! the engine's one diagnostic renderer, anything else on one line. The
//! same texts go into the run's event log as diagnostic events.

use engine::config::ConfigErrors;
use engine::image::{ImageError, ImageErrors};
use engine::inventory::InventoryError;
use engine::plan::{PlanError, PlanErrors};
use engine::playbook::{PlaybookError, PlaybookErrors};
use engine::report::diagnostic::{self, Diagnostic, Severity};
use engine::report::{DiagnosticEvent, DiagnosticLevel};
use std::process::ExitCode;

/// ansible-playbook's exit code for a playbook it rejects while parsing
/// (measured with 2.19.14: an unknown module, an unknown keyword, a YAML
/// error). Our further static checks (arguments, sources, Jinja syntax)
/// reject the playbook at the same point, so they share it.
const PARSE_ERROR: u8 = 4;

/// What ansible-playbook 2.19.14 returns for a missing role (measured).
const OTHER_ERROR: u8 = 1;

/// What ansible-playbook 2.19.14 returns for a bad `ansible.cfg` or
/// setting (`AnsibleOptionsError`, measured: an invalid `forks`, a
/// duplicate key). Settings we refuse share it.
const OPTIONS_ERROR: u8 = 5;

/// An error rendered for stderr and for the event log.
pub(crate) struct Rendered {
    /// The text for stderr.
    pub(crate) text: String,
    /// The exit code.
    pub(crate) code: u8,
    /// One event per diagnostic.
    pub(crate) events: Vec<DiagnosticEvent>,
}

type Found<'a> = Vec<(&'a dyn Diagnostic, Option<engine::source::Span>)>;

fn one<D: Diagnostic>(d: &D) -> Option<Found<'_>> {
    let span = d.span()?.clone();
    Some(vec![(d as &dyn Diagnostic, Some(span))])
}

/// Renders `err` (see [`Rendered`]).
pub(crate) fn render(err: &anyhow::Error) -> Rendered {
    let found: Option<Found<'_>> = if let Some(e) = err.downcast_ref::<engine::Error>() {
        diagnostic::diagnostics(e)
    } else if let Some(list) = err.downcast_ref::<PlanErrors>() {
        Some(
            list.0
                .iter()
                .map(|e| (e as &dyn Diagnostic, e.span().cloned()))
                .collect(),
        )
    } else if let Some(list) = err.downcast_ref::<ConfigErrors>() {
        Some(
            list.0
                .iter()
                .map(|e| (e as &dyn Diagnostic, e.span().cloned()))
                .collect(),
        )
    } else if let Some(list) = err.downcast_ref::<ImageErrors>() {
        Some(
            list.0
                .iter()
                .map(|e| (e as &dyn Diagnostic, e.span().cloned()))
                .collect(),
        )
    } else if let Some(e) = err.downcast_ref::<InventoryError>() {
        one(e)
    } else if let Some(e) = err.downcast_ref::<ImageError>() {
        one(e)
    } else {
        err.downcast_ref::<PlaybookErrors>().map(|list| {
            list.0
                .iter()
                .map(|e| (e as &dyn Diagnostic, Some(e.span())))
                .collect()
        })
    };
    match found {
        Some(list) if !list.is_empty() => {
            let events: Vec<DiagnosticEvent> = list
                .iter()
                .map(|(d, span)| DiagnosticEvent {
                    level: DiagnosticLevel::Error,
                    text: diagnostic::render(Severity::Error, *d, span.as_ref()),
                    span: span.clone(),
                })
                .collect();
            let text: Vec<&str> = events.iter().map(|e| e.text.as_str()).collect();
            let only_missing_roles = err
                .downcast_ref::<PlaybookErrors>()
                .or_else(|| match err.downcast_ref::<engine::Error>() {
                    Some(engine::Error::Playbook(list)) => Some(list),
                    _ => None,
                })
                .is_some_and(|l| {
                    l.0.iter()
                        .all(|e| matches!(e, PlaybookError::MissingRole { .. }))
                });
            let spanned_input = err.downcast_ref::<InventoryError>().is_some()
                || err.downcast_ref::<ImageError>().is_some()
                || err.downcast_ref::<ImageErrors>().is_some()
                || matches!(
                    err.downcast_ref::<engine::Error>(),
                    Some(
                        engine::Error::Inventory(_)
                            | engine::Error::Image(_)
                            | engine::Error::Yaml(_)
                    )
                );
            let config = err.downcast_ref::<ConfigErrors>().is_some()
                || matches!(
                    err.downcast_ref::<engine::Error>(),
                    Some(engine::Error::Config(_))
                );
            Rendered {
                text: text.join("\n"),
                code: if config {
                    OPTIONS_ERROR
                } else if only_missing_roles || spanned_input {
                    OTHER_ERROR
                } else {
                    PARSE_ERROR
                },
                events,
            }
        }
        _ => {
            let mut text = String::new();
            if let Some(engine::Error::Run(engine::run::RunError::NoHostsToTarget { warnings })) =
                err.downcast_ref::<engine::Error>()
            {
                for w in warnings {
                    text.push_str(&format!("[WARNING]: {w}\n"));
                }
            }
            text.push_str(&format!("[ERROR]: {err:#}\n"));
            Rendered {
                events: vec![DiagnosticEvent {
                    level: DiagnosticLevel::Error,
                    text: text.clone(),
                    span: None,
                }],
                text,
                code: 1,
            }
        }
    }
}

/// Prints `err` to stderr; the exit code for it.
pub(crate) fn report(err: &anyhow::Error) -> ExitCode {
    let r = render(err);
    eprint!("{}", r.text);
    ExitCode::from(r.code)
}

/// Image and override key warnings, rendered.
pub(crate) fn image_warnings(warnings: &[ImageError]) -> Vec<DiagnosticEvent> {
    warnings
        .iter()
        .map(|w| DiagnosticEvent {
            level: DiagnosticLevel::Warning,
            text: diagnostic::render(Severity::Warning, w, None),
            span: w.span().cloned(),
        })
        .collect()
}

/// Static warnings (variables no source defines), rendered.
pub(crate) fn warnings(warnings: &[PlanError]) -> Vec<DiagnosticEvent> {
    warnings
        .iter()
        .map(|w| DiagnosticEvent {
            level: DiagnosticLevel::Warning,
            text: diagnostic::render(Severity::Warning, w, None),
            span: w.span().cloned(),
        })
        .collect()
}
