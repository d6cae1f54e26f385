//! Reading templates without rendering them: [`Templar::variables`].

use crate::template::error::excerpt;
use crate::template::syntax::lone_expression;
use crate::template::{env, Templar, TemplateError};

impl Templar {
    /// The variables `text` reads (top-level names, sorted), without
    /// rendering it: for static checks ("no source defines `x`") and for
    /// knowing which registered results or facts a task depends on.
    /// `conditional` says whether `text` is a bare conditional (`when`).
    /// Globals (`lookup`, `omit`, `range`, ...) are not listed.
    ///
    /// # Errors
    /// [`TemplateError::Syntax`] when `text` does not parse.
    pub fn variables(&self, text: &str, conditional: bool) -> Result<Vec<String>, TemplateError> {
        let env = &self.shared.env;
        let syntax_error = |err: minijinja::Error| TemplateError::Syntax {
            message: err
                .detail()
                .unwrap_or("syntax error")
                .replace(env::STRICT_SUFFIX, ")"),
            excerpt: excerpt(text),
            span: None,
        };
        let trimmed = text.trim();
        let expression = if conditional && !Templar::is_template(trimmed) {
            Some(trimmed)
        } else {
            lone_expression(trimmed)
        };
        let names = match expression {
            Some(src) => self
                .shared
                .expression(src)
                .map_err(syntax_error)?
                .undeclared_variables(false),
            None if Templar::is_template(text) => env
                .get_template(text)
                .map_err(syntax_error)?
                .undeclared_variables(false),
            None => return Ok(Vec::new()),
        };
        let mut names: Vec<String> = names
            .into_iter()
            .filter(|name| env.globals().all(|(global, _)| global != name))
            .collect();
        names.sort();
        Ok(names)
    }
}
