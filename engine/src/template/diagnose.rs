//! Turning minijinja errors into [`TemplateError`]s.
//!
//! minijinja (in debug mode) resolves where an undefined value came from
//! into its error detail ("(`foo` is undefined)"); lazy variables record
//! the root cause of their own failures in the [`Frame`]. This module
//! combines both so a message names the variable the user must fix.

use crate::template::env::{self, ORIGINLESS_UNDEFINED};
use crate::template::error::excerpt;
use crate::template::frame::Frame;
use crate::template::TemplateError;
use minijinja::ErrorKind;

/// Turns a minijinja error into a [`TemplateError`], preferring what lazy
/// variables recorded (the root cause) over the symptom.
pub(crate) fn map_error(err: minijinja::Error, text: &str, frame: Frame) -> TemplateError {
    if let Some(hard) = frame.hard {
        return hard;
    }
    let excerpt = excerpt(text);
    let detail = err.detail().unwrap_or("").to_owned();
    let kind = err.kind();
    if let Some(name) = undefined_name(&detail) {
        let name = root_cause(name, &frame.causes);
        return TemplateError::UndefinedVariable {
            name,
            excerpt,
            span: None,
        };
    }
    if kind == ErrorKind::UndefinedError || detail == ORIGINLESS_UNDEFINED {
        let name = frame
            .causes
            .last()
            .map(|(_, inner)| inner.clone())
            .unwrap_or_else(|| {
                text.trim()
                    .trim_start_matches("{{")
                    .trim_end_matches("}}")
                    .trim()
                    .to_owned()
            });
        return TemplateError::UndefinedVariable {
            name,
            excerpt,
            span: None,
        };
    }
    let what = match kind {
        ErrorKind::UnknownFilter => Some("filter"),
        ErrorKind::UnknownTest => Some("test"),
        ErrorKind::UnknownFunction => Some("function"),
        ErrorKind::UnknownMethod => Some("method"),
        _ => None,
    };
    if let Some(what) = what {
        let words = detail.strip_prefix(what).unwrap_or(&detail).trim_start();
        let name = words.split_whitespace().next().unwrap_or(words).to_owned();
        if what == "function" {
            // Calling an undefined name: Ansible says the name is undefined.
            let name = root_cause(name, &frame.causes);
            return TemplateError::UndefinedVariable {
                name,
                excerpt,
                span: None,
            };
        }
        return TemplateError::Unknown {
            what,
            name,
            excerpt,
            span: None,
        };
    }
    let message = if detail.is_empty() {
        kind.to_string()
    } else {
        detail
    };
    match kind {
        ErrorKind::SyntaxError | ErrorKind::BadEscape => TemplateError::Syntax {
            message: message.replace(env::STRICT_SUFFIX, ")"),
            excerpt,
            span: None,
        },
        _ => TemplateError::Evaluation {
            message,
            excerpt,
            span: None,
        },
    }
}

/// `foo` from "... (`foo` is undefined...)" or "`foo` is undefined".
fn undefined_name(detail: &str) -> Option<String> {
    let end = detail.find("` is undefined")?;
    let start = detail[..end].rfind('`')?;
    Some(detail[start + 1..end].to_owned())
}

/// Follows recorded causes: a lazy variable undefined because of another.
fn root_cause(mut name: String, causes: &[(String, String)]) -> String {
    for _ in 0..causes.len() {
        match causes.iter().find(|(outer, _)| *outer == name) {
            Some((_, inner)) if *inner != name => name = inner.clone(),
            _ => break,
        }
    }
    name
}
