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

/// The kind of a Jinja plugin a template names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PluginKind {
    /// `x | name`, `{% filter name %}`.
    Filter,
    /// `x is name`.
    Test,
    /// `lookup('name', ...)`, `query('name')`, `q('name')`.
    Lookup,
}

impl std::fmt::Display for PluginKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PluginKind::Filter => "filter",
            PluginKind::Test => "test",
            PluginKind::Lookup => "lookup",
        })
    }
}

impl Templar {
    /// The filters, tests and lookups (with a literal name) `text` uses,
    /// in order, read from its tokens: for the static check that tells a
    /// filter Ansible has and this engine lacks from a typo. Text that does
    /// not tokenize yields what came before the fault (the syntax check
    /// reports the fault itself).
    pub fn plugins(&self, text: &str, conditional: bool) -> Vec<(PluginKind, String)> {
        use minijinja::machinery::{tokenize, Token};
        let in_expr = conditional && !Templar::is_template(text);
        let tokens: Vec<Token<'_>> = tokenize(text, in_expr, Default::default())
            .map_while(Result::ok)
            .map(|(t, _)| t)
            .collect();
        // A dotted name starting at `i` (`ansible.builtin.to_json`).
        let name_at = |mut i: usize| -> Option<String> {
            let Some(Token::Ident(first)) = tokens.get(i) else {
                return None;
            };
            let mut name = (*first).to_owned();
            while let (Some(Token::Dot), Some(Token::Ident(next))) =
                (tokens.get(i + 1), tokens.get(i + 2))
            {
                name.push('.');
                name.push_str(next);
                i += 2;
            }
            Some(name)
        };
        let mut out = Vec::new();
        for (i, t) in tokens.iter().enumerate() {
            let found = match t {
                Token::Pipe => name_at(i + 1).map(|n| (PluginKind::Filter, n)),
                Token::Ident("filter")
                    if matches!(tokens.get(i.wrapping_sub(1)), Some(Token::BlockStart)) =>
                {
                    name_at(i + 1).map(|n| (PluginKind::Filter, n))
                }
                Token::Ident("is") if i > 0 => {
                    let at = if matches!(tokens.get(i + 1), Some(Token::Ident("not"))) {
                        i + 2
                    } else {
                        i + 1
                    };
                    name_at(at).map(|n| (PluginKind::Test, n))
                }
                Token::Ident("lookup" | "query" | "q")
                    if matches!(tokens.get(i + 1), Some(Token::ParenOpen))
                        && !matches!(tokens.get(i.wrapping_sub(1)), Some(Token::Dot)) =>
                {
                    match tokens.get(i + 2) {
                        Some(Token::Str(s)) => Some((PluginKind::Lookup, (*s).to_owned())),
                        Some(Token::String(s)) => Some((PluginKind::Lookup, s.to_string())),
                        _ => None,
                    }
                }
                _ => None,
            };
            out.extend(found);
        }
        out
    }

    /// Whether this engine implements the plugin `name` of `kind`.
    pub fn implements(&self, kind: PluginKind, name: &str) -> bool {
        use minijinja::ErrorKind;
        match kind {
            PluginKind::Lookup => crate::template::lookups::NAMES
                .contains(&name.strip_prefix("ansible.builtin.").unwrap_or(name)),
            PluginKind::Filter | PluginKind::Test => {
                if name.contains('.') {
                    return false;
                }
                let (src, unknown) = match kind {
                    PluginKind::Filter => (format!("none | {name}"), ErrorKind::UnknownFilter),
                    _ => (format!("none is {name}"), ErrorKind::UnknownTest),
                };
                match self.shared.expression(&src) {
                    Ok(e) => {
                        !matches!(e.eval(minijinja::context! {}), Err(err) if err.kind() == unknown)
                    }
                    Err(err) => err.kind() != unknown,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plugins_are_read_from_tokens() {
        let t = Templar::new();
        let found = t.plugins(
            "{{ x | default(1) | ansible.builtin.to_json }}{% if y is not defined and z is version('1', '>') %}{{ lookup('env', 'HOME') ~ q(\"file\", 'a') ~ a.lookup('x') }}{% endif %}{% filter upper %}u{% endfilter %}",
            false,
        );
        let names: Vec<String> = found.iter().map(|(k, n)| format!("{k} {n}")).collect();
        assert_eq!(
            names,
            [
                "filter default",
                "filter ansible.builtin.to_json",
                "test defined",
                "test version",
                "lookup env",
                "lookup file",
                "filter upper"
            ]
        );
        assert_eq!(
            t.plugins("x is defined and x | bool", true),
            [
                (PluginKind::Test, "defined".to_owned()),
                (PluginKind::Filter, "bool".to_owned())
            ]
        );
    }

    #[test]
    fn implemented_plugins_are_told_apart() {
        let t = Templar::new();
        assert!(t.implements(PluginKind::Filter, "to_json"));
        assert!(t.implements(PluginKind::Filter, "default"));
        assert!(!t.implements(PluginKind::Filter, "no_such_filter"));
        assert!(t.implements(PluginKind::Test, "defined"));
        assert!(!t.implements(PluginKind::Test, "no_such_test"));
        assert!(t.implements(PluginKind::Lookup, "env"));
        assert!(!t.implements(PluginKind::Lookup, "no_such_lookup"));
    }
}
