//! Template files rendered with their own Jinja settings and a loader, so
//! `{% include %}`, `{% import %}` and `{% extends %}` find other files:
//! what the `template` lookup needs (ansible-core gives it a fresh
//! environment whose search path is the template's directory, then each
//! search path's `templates/` and the path itself).

use super::env::{self, Whitespace};
use super::error::excerpt;
use super::{percent, syntax, Templar, TemplateError, Vars, VarsObject};
use minijinja::syntax::SyntaxConfig;
use std::path::PathBuf;

/// The Jinja settings of one rendering.
#[derive(Debug, Clone)]
pub(crate) struct FileOptions {
    /// `trim_blocks` (the first newline after a block or comment goes).
    pub(crate) trim_blocks: bool,
    /// `variable_start_string`, `variable_end_string`.
    pub(crate) variable: (String, String),
    /// `comment_start_string`, `comment_end_string`.
    pub(crate) comment: (String, String),
    /// Where included templates are looked for, in order.
    pub(crate) search: Vec<PathBuf>,
}

impl Default for FileOptions {
    fn default() -> FileOptions {
        FileOptions {
            trim_blocks: true,
            variable: ("{{".into(), "}}".into()),
            comment: ("{#".into(), "#}".into()),
            search: Vec::new(),
        }
    }
}

/// A template's text as the engine's environments read it (backslashes
/// kept, `%` formatting, strict blocks). With `trim_blocks` the newline
/// after a comment goes too, as Jinja2 trims it (minijinja trims only
/// after blocks).
fn prepare(text: &str, trim_after_comment: Option<&str>) -> String {
    let trimmed;
    let text = match trim_after_comment {
        Some(end) => {
            trimmed = text.replace(&format!("{end}\n"), end);
            trimmed.as_str()
        }
        None => text,
    };
    let text = syntax::preserve_backslashes(text, false);
    let text = percent::rewrite(&text, false);
    syntax::strict_blocks(&text).into_owned()
}

impl Templar {
    /// Renders template file text `source` (named `name` in errors) with
    /// `opts`; a `#jinja2:` first line still sets the whitespace options.
    /// `None` when the template renders nothing (ansible-core's native
    /// concatenation of no output; the source's trailing newlines, which
    /// are added back to text, do not count).
    ///
    /// # Errors
    /// Any [`TemplateError`]; a delimiter setting minijinja refuses is a
    /// syntax error.
    pub(crate) fn render_file(
        &self,
        source: &str,
        name: &str,
        vars: &Vars,
        opts: &FileOptions,
    ) -> Result<Option<String>, TemplateError> {
        let (header, body) = syntax::parse_header(source);
        let ws = Whitespace {
            trim_blocks: header.trim_blocks && opts.trim_blocks,
            ..header
        };
        let mut environment = env::build(ws);
        let syntax = SyntaxConfig::builder()
            .trim_blocks(ws.trim_blocks)
            .lstrip_blocks(ws.lstrip_blocks)
            .keep_trailing_newline(ws.keep_trailing_newline)
            .variable_delimiters(opts.variable.0.clone(), opts.variable.1.clone())
            .comment_delimiters(opts.comment.0.clone(), opts.comment.1.clone())
            .build()
            .map_err(|e| TemplateError::Syntax {
                message: e.detail().unwrap_or("bad delimiters").to_owned(),
                excerpt: excerpt(name),
                span: None,
            })?;
        environment.set_syntax(syntax);
        let search = opts.search.clone();
        let comment_end = ws.trim_blocks.then(|| opts.comment.1.clone());
        let loader_comment_end = comment_end.clone();
        environment.set_loader(move |included| {
            for dir in &search {
                let path = dir.join(included);
                if path.is_file() {
                    let text = std::fs::read_to_string(&path).map_err(|e| {
                        minijinja::Error::new(
                            minijinja::ErrorKind::TemplateNotFound,
                            format!("reading `{}`: {e}", path.display()),
                        )
                    })?;
                    return Ok(Some(prepare(&text, loader_comment_end.as_deref())));
                }
            }
            Ok(None)
        });
        let prepared = prepare(body, comment_end.as_deref());
        let run = || {
            environment
                .template_from_str(&prepared)?
                .render(VarsObject(vars.clone()).into_value())
        };
        let (out, _) = self
            .run_text(run, body, vars)
            .map_err(|(err, _)| err.with_excerpt(excerpt(name)))?;
        let only_added =
            out.bytes().all(|b| b == b'\n') && out.len() == syntax::trailing_newlines(body);
        Ok((!only_added).then_some(out))
    }
}
