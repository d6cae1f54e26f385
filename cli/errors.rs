//! How the CLI prints a failed command: errors that carry spans through
//! the engine's one diagnostic renderer, anything else on one line.

use engine::plan::{PlanError, PlanErrors};
use engine::playbook::PlaybookErrors;
use engine::report::diagnostic::{self, Diagnostic, Severity};
use std::process::ExitCode;

/// ansible-playbook's exit code for a playbook it rejects before running
/// (`AnsibleParserError`, measured with 2.19.14 on an unknown module).
const INPUT_ERROR: u8 = 4;

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
            ExitCode::from(INPUT_ERROR)
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
