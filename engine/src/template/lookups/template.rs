//! The `template` lookup: a controller template file rendered with the
//! task's variables (see [`template`]).

use super::{current_vars, find, lookup_failed, term_text};
use crate::template::native::from_jinja;
use crate::template::Templar;
use minijinja::value::Kwargs;
use minijinja::{Error, Value};
use std::path::PathBuf;

/// `template`: each term's file (searched in `templates/` first)
/// rendered with the task's variables plus those ansible-core adds for a
/// template ([`crate::template::template_vars`]) and `template_vars`; `{% include %}` looks in the template's
/// directory, then each search path's `templates/` and the path itself.
/// Jinja options: `trim_blocks` (true), `variable_start_string`,
/// `variable_end_string`, `comment_start_string`, `comment_end_string`.
/// A rendering with no text is `None`, as in ansible-core 2.19.
/// Refused: `convert_data`, `jinja2_native` (deprecated there; the result
/// is always the rendered text here).
pub(super) fn template(terms: &[Value], kwargs: &Kwargs) -> Result<Vec<Value>, Error> {
    use crate::template::file::FileOptions;
    let vars = current_vars("template")?;
    let mut opts = FileOptions {
        trim_blocks: kwargs.get::<Option<bool>>("trim_blocks")?.unwrap_or(true),
        ..FileOptions::default()
    };
    let text = |name: &str, default: &str| -> Result<String, Error> {
        Ok(kwargs
            .get::<Option<String>>(name)?
            .unwrap_or_else(|| default.to_owned()))
    };
    opts.variable = (
        text("variable_start_string", "{{")?,
        text("variable_end_string", "}}")?,
    );
    opts.comment = (
        text("comment_start_string", "{#")?,
        text("comment_end_string", "#}")?,
    );
    for refused in ["convert_data", "jinja2_native"] {
        if kwargs.has(refused) {
            return Err(lookup_failed(
                "template",
                format_args!("the option `{refused}` is not supported by konvoy-image"),
            ));
        }
    }
    let template_vars = kwargs.get::<Option<Value>>("template_vars")?;
    let mut out = Vec::with_capacity(terms.len());
    for term in terms {
        let name = term_text(term);
        let path = find("template", Some("templates"), &name).map_err(|_| {
            lookup_failed(
                "template",
                format_args!("the template file {name} could not be found for the lookup"),
            )
        })?;
        let source = std::fs::read_to_string(&path).map_err(|e| {
            lookup_failed(
                "template",
                format_args!("reading `{}`: {e}", path.display()),
            )
        })?;
        opts.search = path.parent().map(PathBuf::from).into_iter().collect();
        for dir in vars.search_paths() {
            if !(dir.ends_with("templates") || dir.ends_with("files")) {
                opts.search.push(dir.join("templates"));
                opts.search.push(dir.clone());
            }
        }
        let mut tvars = vars.clone();
        for (k, v) in crate::template::template_vars::template_vars(&name, &path, None) {
            if k != "ansible_managed" || vars.raw(k).is_none() {
                tvars = tvars.with(k, v);
            }
        }
        if let Some(extra) = &template_vars {
            if let crate::value::Value::Map(m) = from_jinja(extra) {
                for (k, v) in m {
                    tvars = tvars.with(&k, v);
                }
            }
        }
        let rendered = Templar::new()
            .render_file(&source, &name, &tvars, &opts)
            .map_err(|e| lookup_failed("template", e))?;
        out.push(rendered.map_or_else(|| Value::from(()), Value::from));
    }
    Ok(out)
}
