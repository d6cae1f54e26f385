//! [`TemplateError`]: everything that can go wrong while templating.
//!
//! Every variant carries the template text (`excerpt`, shortened) and, when
//! the caller knows it, the [`Span`] of the YAML scalar the text came from,
//! so a message reads
//! `roles/x/tasks/main.yaml:3:7: undefined variable `foo` in `{{ foo }}``.

use crate::source::Span;
use std::fmt;

/// Longest template excerpt quoted in a message, in characters.
const EXCERPT_CHARS: usize = 120;

/// A templating failure.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum TemplateError {
    /// A variable (or an attribute of one) is used but not defined.
    #[error("{at}undefined variable `{name}` in `{excerpt}`", at = At(span))]
    UndefinedVariable {
        /// The variable or the expression that is undefined (`foo`, `d.zz`).
        name: String,
        /// The template text.
        excerpt: String,
        /// Where the text came from.
        span: Option<Span>,
    },
    /// The template does not parse.
    #[error("{at}template syntax error: {message} in `{excerpt}`", at = At(span))]
    Syntax {
        /// The parser's explanation.
        message: String,
        /// The template text.
        excerpt: String,
        /// Where the text came from.
        span: Option<Span>,
    },
    /// A filter, test, function or method name that does not exist.
    #[error("{at}unknown {what} `{name}` in `{excerpt}`", at = At(span))]
    Unknown {
        /// `filter`, `test`, `function` or `method`.
        what: &'static str,
        /// The name as written.
        name: String,
        /// The template text.
        excerpt: String,
        /// Where the text came from.
        span: Option<Span>,
    },
    /// Evaluation failed: a filter or test rejected its input, a bad
    /// operation (`1 + 'a'`), a failing lookup.
    #[error("{at}{message} in `{excerpt}`", at = At(span))]
    Evaluation {
        /// What went wrong, in minijinja's or our filter's words.
        message: String,
        /// The template text.
        excerpt: String,
        /// Where the text came from.
        span: Option<Span>,
    },
    /// A conditional (`when`, `failed_when`, ...) gave a non-boolean result,
    /// which ansible-core 2.19 rejects.
    #[error(
        "{at}conditional result must be a boolean, found a value of type `{found}` in `{excerpt}`",
        at = At(span)
    )]
    NonBooleanConditional {
        /// The Python type name of the result (`str`, `int`, `list`...).
        found: &'static str,
        /// The conditional text.
        excerpt: String,
        /// Where the text came from.
        span: Option<Span>,
    },
    /// A variable's value refers back to itself (`a: "{{ a }}"`).
    #[error("{at}recursive loop detected while templating variable `{name}` in `{excerpt}`", at = At(span))]
    Recursion {
        /// The variable whose templating re-entered itself.
        name: String,
        /// The template text.
        excerpt: String,
        /// Where the text came from.
        span: Option<Span>,
    },
}

impl TemplateError {
    /// Attaches the span of the YAML scalar the template came from, unless
    /// the error already has one (the innermost location wins).
    #[must_use]
    pub fn at(mut self, new: &Span) -> TemplateError {
        let slot = self.span_mut();
        if slot.is_none() {
            *slot = Some(new.clone());
        }
        self
    }

    /// Replaces the quoted template text (a template file's failing line
    /// instead of the whole file).
    #[must_use]
    pub(crate) fn with_excerpt(mut self, text: String) -> TemplateError {
        match &mut self {
            TemplateError::UndefinedVariable { excerpt, .. }
            | TemplateError::Syntax { excerpt, .. }
            | TemplateError::Unknown { excerpt, .. }
            | TemplateError::Evaluation { excerpt, .. }
            | TemplateError::NonBooleanConditional { excerpt, .. }
            | TemplateError::Recursion { excerpt, .. } => *excerpt = text,
        }
        self
    }

    /// The span of the YAML scalar, when known.
    pub fn span(&self) -> Option<&Span> {
        match self {
            TemplateError::UndefinedVariable { span, .. }
            | TemplateError::Syntax { span, .. }
            | TemplateError::Unknown { span, .. }
            | TemplateError::Evaluation { span, .. }
            | TemplateError::NonBooleanConditional { span, .. }
            | TemplateError::Recursion { span, .. } => span.as_ref(),
        }
    }

    /// The template text the error is about.
    pub fn excerpt(&self) -> &str {
        match self {
            TemplateError::UndefinedVariable { excerpt, .. }
            | TemplateError::Syntax { excerpt, .. }
            | TemplateError::Unknown { excerpt, .. }
            | TemplateError::Evaluation { excerpt, .. }
            | TemplateError::NonBooleanConditional { excerpt, .. }
            | TemplateError::Recursion { excerpt, .. } => excerpt,
        }
    }

    fn span_mut(&mut self) -> &mut Option<Span> {
        match self {
            TemplateError::UndefinedVariable { span, .. }
            | TemplateError::Syntax { span, .. }
            | TemplateError::Unknown { span, .. }
            | TemplateError::Evaluation { span, .. }
            | TemplateError::NonBooleanConditional { span, .. }
            | TemplateError::Recursion { span, .. } => span,
        }
    }
}

/// Shortens template text for messages: first line only, at most
/// [`EXCERPT_CHARS`] characters, with `...` where cut.
pub(crate) fn excerpt(text: &str) -> String {
    let first = text.lines().next().unwrap_or("");
    let cut = first.len() < text.trim_end().len();
    let mut out: String = first.chars().take(EXCERPT_CHARS).collect();
    if cut || first.chars().nth(EXCERPT_CHARS).is_some() {
        out.push_str("...");
    }
    out
}

/// `file:line:column: ` when a span is known, nothing otherwise.
struct At<'a>(&'a Option<Span>);

impl fmt::Display for At<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(span) => write!(f, "{span}: "),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_names_file_line_variable_and_text() {
        let err = TemplateError::UndefinedVariable {
            name: "foo".into(),
            excerpt: excerpt("{{ foo }}"),
            span: None,
        }
        .at(&Span::new("main.yaml".into(), 3, 7));
        assert_eq!(
            err.to_string(),
            "main.yaml:3:7: undefined variable `foo` in `{{ foo }}`"
        );
    }

    #[test]
    fn excerpt_keeps_first_line_only() {
        assert_eq!(excerpt("a {{ b }}\nc"), "a {{ b }}...");
        assert_eq!(excerpt("short"), "short");
    }
}
