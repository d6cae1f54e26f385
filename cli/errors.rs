//! How the CLI prints a failed command: errors that carry spans through
//! the engine's one diagnostic renderer, anything else on one line.

use engine::plan::{PlanError, PlanErrors};
use engine::playbook::{PlaybookError, PlaybookErrors};
use engine::report::diagnostic::{self, Diagnostic, Severity};
use std::process::ExitCode;

/// ansible-playbook's exit code for a playbook it rejects while parsing
/// (measured with 2.19.14: an unknown module, an unknown keyword, a YAML
/// error). Our further static checks (arguments, sources, Jinja syntax)
/// reject the playbook at the same point, so they share it.
const PARSE_ERROR: u8 = 4;

/// What ansible-playbook 2.19.14 returns for a missing role (measured).
const OTHER_ERROR: u8 = 1;

/// Prints `err` to stderr; the exit code for it.
pub(crate) fn report(err: &anyhow::Error) -> ExitCode {
    let found: Option<Vec<(&dyn Diagnostic, Option<engine::source::Span>)>> =
        if let Some(e) = err.downcast_ref::<engine::Error>() {
            diagnostic::diagnostics(e)
        } else if let Some(list) = err.downcast_ref::<PlanErrors>() {
            Some(
                list.0
                    .iter()
                    .map(|e| (e as &dyn Diagnostic, e.span().cloned()))
                    .collect(),
            )
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
            let text: Vec<String> = list
                .iter()
                .map(|(d, span)| diagnostic::render(Severity::Error, *d, span.as_ref()))
                .collect();
            eprint!("{}", text.join("\n"));
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
            ExitCode::from(if only_missing_roles {
                OTHER_ERROR
            } else {
                PARSE_ERROR
            })
        }
        _ => {
            eprintln!("ERROR! {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// Prints static warnings (variables no source defines) to stderr.
pub(crate) fn warn(warnings: &[PlanError]) {
    for w in warnings {
        eprint!("{}", diagnostic::render(Severity::Warning, w, None));
    }
}
