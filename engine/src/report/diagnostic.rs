//! The one renderer of input errors that carry a [`Span`]: the message,
//! `--> file:line:column`, the source line with a caret under the span,
//! and a `= help:` line, as rustc and `just` print them:
//!
//! ```text
//! error: couldn't resolve module/action `ansible.builtin.copyy` in task `t`
//!  --> site.yml:4:7
//!   |
//! 4 |     - ansible.builtin.copyy: src=a dest=/tmp/x
//!   |       ^^^^^^^^^^^^^^^^^^^^^
//!   = help: did you mean `copy`?
//! ```
//!
//! Errors are values that know their span and hint ([`Diagnostic`]); the
//! renderer reads the source line from the file when it renders, so errors
//! stay small and `'static`.

use crate::image::ImageError;
use crate::inventory::InventoryError;
use crate::plan::PlanError;
use crate::playbook::PlaybookError;
use crate::source::Span;
use crate::template::TemplateError;
use crate::yaml::YamlError;
use std::fmt::Write as _;

/// How bad a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// The run does not start.
    Error,
    /// Reported; the run goes on.
    Warning,
}

/// An error that can say where it is and what to do about it.
pub trait Diagnostic: std::fmt::Display {
    /// Where the problem is written.
    fn span(&self) -> Option<&Span>;
    /// A hint for the user.
    fn help(&self) -> Option<String> {
        None
    }
}

impl Diagnostic for PlanError {
    fn span(&self) -> Option<&Span> {
        PlanError::span(self)
    }
    fn help(&self) -> Option<String> {
        PlanError::help(self)
    }
}

impl Diagnostic for PlaybookError {
    fn span(&self) -> Option<&Span> {
        None
    }
}

impl Diagnostic for TemplateError {
    fn span(&self) -> Option<&Span> {
        TemplateError::span(self)
    }
}

impl Diagnostic for YamlError {
    fn span(&self) -> Option<&Span> {
        YamlError::span(self)
    }
}

impl Diagnostic for InventoryError {
    fn span(&self) -> Option<&Span> {
        match self {
            InventoryError::Unreadable { span, .. }
            | InventoryError::IniSyntax { span, .. }
            | InventoryError::UnknownSectionType { span, .. }
            | InventoryError::VarsForUndefinedGroup { span, .. }
            | InventoryError::UndefinedChildGroup { span, .. }
            | InventoryError::InvalidHostPattern { span, .. }
            | InventoryError::BadRange { span, .. }
            | InventoryError::GroupCycle { span, .. }
            | InventoryError::BadGroupPriority { span, .. }
            | InventoryError::YamlShape { span, .. }
            | InventoryError::UnsupportedSource { span, .. }
            | InventoryError::VarsNotMapping { span, .. } => Some(span),
            InventoryError::Yaml(e) => e.span(),
            _ => None,
        }
    }
}

impl Diagnostic for ImageError {
    fn span(&self) -> Option<&Span> {
        match self {
            ImageError::Yaml(e) => e.span(),
            ImageError::NotAMapping { span, .. }
            | ImageError::ProxyEnv { span, .. }
            | ImageError::UnusedKey { span, .. }
            | ImageError::UnsupportedKey { span, .. } => Some(span),
            _ => None,
        }
    }
    fn help(&self) -> Option<String> {
        match self {
            ImageError::UnusedKey {
                closest: Some(c), ..
            } => Some(format!("did you mean `{c}`?")),
            _ => None,
        }
    }
}

impl Diagnostic for crate::config::ConfigError {
    fn span(&self) -> Option<&Span> {
        crate::config::ConfigError::span(self)
    }
}

/// Every diagnostic inside `err` (a list for collected static errors),
/// or `None` when `err` carries no span to point at.
pub fn diagnostics(err: &crate::Error) -> Option<Vec<(&dyn Diagnostic, Option<Span>)>> {
    match err {
        crate::Error::Plan(list) => Some(
            list.0
                .iter()
                .map(|e| (e as &dyn Diagnostic, e.span().cloned()))
                .collect(),
        ),
        crate::Error::Playbook(list) => Some(
            list.0
                .iter()
                .map(|e| (e as &dyn Diagnostic, Some(e.span())))
                .collect(),
        ),
        crate::Error::Images(list) => Some(
            list.0
                .iter()
                .map(|e| (e as &dyn Diagnostic, e.span().cloned()))
                .collect(),
        ),
        crate::Error::Config(list) => Some(
            list.0
                .iter()
                .map(|e| (e as &dyn Diagnostic, e.span().cloned()))
                .collect(),
        ),
        crate::Error::Template(e) => Some(vec![(e as &dyn Diagnostic, e.span().cloned())]),
        crate::Error::Yaml(e) => one(e),
        crate::Error::Inventory(e) => one(e),
        crate::Error::Image(e) => one(e),
        _ => None,
    }
}

/// `[d]` when `d` points somewhere.
fn one<D: Diagnostic>(d: &D) -> Option<Vec<(&dyn Diagnostic, Option<Span>)>> {
    let span = d.span()?.clone();
    Some(vec![(d as &dyn Diagnostic, Some(span))])
}

/// Renders one diagnostic. `span` overrides the diagnostic's own (for
/// errors that compute theirs); the message is the error's text without
/// the `file:line:column: ` prefix the plain `Display` puts first.
pub fn render(severity: Severity, d: &dyn Diagnostic, span: Option<&Span>) -> String {
    let span = span.or_else(|| d.span());
    let text = d.to_string();
    let message = match span {
        Some(s) => text
            .strip_prefix(&format!("{s}: "))
            .unwrap_or(&text)
            .to_owned(),
        None => text,
    };
    let label = match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut out = format!("{label}: {message}\n");
    if let Some(span) = span {
        snippet(&mut out, span);
    }
    if let Some(help) = d.help() {
        let _ = writeln!(out, "{:w$} = help: {help}", "", w = gutter(span));
    }
    out
}

/// Width of the line-number gutter.
fn gutter(span: Option<&Span>) -> usize {
    span.map_or(0, |s| s.line.to_string().len())
}

/// ` --> file:line:col`, the source line and the caret line.
fn snippet(out: &mut String, span: &Span) {
    let w = gutter(Some(span));
    let _ = writeln!(out, "{:w$}--> {span}", "");
    let Some(line) = source_line(span) else {
        return;
    };
    let _ = writeln!(out, "{:w$} |", "");
    let _ = writeln!(out, "{} | {line}", span.line);
    let col = span.column.saturating_sub(1) as usize;
    let rest: String = line.chars().skip(col).collect();
    let len = caret_len(span, &rest);
    let pad: String = line
        .chars()
        .take(col)
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    let _ = writeln!(out, "{:w$} | {pad}{}", "", "^".repeat(len));
}

/// How many characters of `rest` (the line from the span's column on) the
/// span covers: at least one, at most to the end of the line.
fn caret_len(span: &Span, rest: &str) -> usize {
    let mut bytes = span.len as usize;
    let mut n = 0;
    for c in rest.chars() {
        if bytes == 0 {
            break;
        }
        bytes = bytes.saturating_sub(c.len_utf8());
        n += 1;
    }
    n.max(1)
}

/// The span's line of its file, when the file can be read.
fn source_line(span: &Span) -> Option<String> {
    let text = std::fs::read_to_string(&*span.file).ok()?;
    let line = text.lines().nth(span.line.checked_sub(1)? as usize)?;
    Some(line.trim_end_matches('\r').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn caret_under_span_and_help() {
        let mut f = tempfile::NamedTempFile::new().expect("temp file");
        writeln!(f, "- hosts: all\n  tasks:\n    - copyy: src=a").expect("write");
        let path = f.path().display().to_string();
        let err = PlanError::UnknownModule {
            name: "copyy".into(),
            task: "task `t`".into(),
            span: Span {
                file: path.as_str().into(),
                line: 3,
                column: 7,
                offset: 0,
                len: 5,
            },
            suggestion: Some("copy"),
        };
        let text = render(Severity::Error, &err, None);
        assert_eq!(
            text,
            format!(
                "error: couldn't resolve module/action `copyy` in task `t`\n --> {path}:3:7\n  |\n3 |     - copyy: src=a\n  |       ^^^^^\n  = help: did you mean `copy`?\n"
            )
        );
    }
}
