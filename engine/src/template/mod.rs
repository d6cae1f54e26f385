//! Jinja templating with Ansible's semantics, on minijinja.
//!
//! This module owns the template environment (filters, tests, lookups,
//! Python methods), lazy variables ([`Vars`]) and the conversion between
//! [`crate::Value`] and template values. It never touches a host: `pipe`
//! and file lookups run on the controller, as Ansible's do.
//!
//! Behaviour follows ansible-core 2.19 (checked against 2.19.14, see
//! `tests/golden/template/`):
//!
//! - a string that is one `{{ expr }}` keeps the expression's type
//!   (`"{{ 1 + 1 }}"` is the int 2); text around or between expressions
//!   makes a string; text without `{{`/`{%`/`{#` is returned untouched;
//! - `x.y.z | default('d')` and `x.y is defined` work on an undefined `x`;
//!   printing an undefined value, or a conditional that is undefined, is
//!   [`TemplateError::UndefinedVariable`] naming the variable;
//! - `'a' if c` without `else` prints nothing inside text (a lone
//!   `{{ 'a' if c }}` is undefined, an error, as in 2.19);
//! - conditionals must give a boolean ([`TemplateError::NonBooleanConditional`]),
//!   unless `allow_broken_conditionals` is set ([`allow_broken_conditionals`]):
//!   then the result counts by its truth value, as before 2.19;
//! - lists and dicts inside text print as Python's `repr`;
//! - dict keys of task arguments are not templated (2.19 leaves
//!   `{"{{ k }}": 1}` as written);
//! - `{% if x %}`, `{% elif x %}` and `{% for i in x %}` fail on an
//!   undefined `x` (a `for` with an inline `if` filter is not checked).
//!
//! Known deviations: an undefined value passed on inside a template (as a
//! filter or function argument, say) may read as empty rather than fail;
//! `{% break %}` and `{% continue %}` are accepted; `include`/`import` of other template
//! files is not supported; `'%s' % x` formatting is supported when the left
//! operand is a string literal (the common case), not a variable.

mod analysis;
mod diagnose;
mod env;
mod error;
mod file;
mod filters;
mod frame;
mod jinja_tests;
mod lookups;
pub mod native;
mod now;
pub(crate) mod template_vars;
pub(crate) use now::format as strftime;
mod percent;
mod pymethods;
mod syntax;
mod vars;

pub use analysis::PluginKind;
pub use error::TemplateError;
pub use vars::{HostVars, Vars};

use crate::source::Span;
use crate::value::Value;
use diagnose::map_error;
use env::{Shared, ANSIBLE_WHITESPACE, ORIGINLESS_UNDEFINED};
use error::excerpt;
use frame::Frame;
use minijinja::value::ValueKind;
use minijinja::{ErrorKind, Value as JValue};
use native::{from_jinja, is_omit, py_str, to_jinja};
use syntax::{lone_expression, parse_header, trailing_newlines};

/// True when `text` is wholly one `{{ ... }}` template.
pub(crate) fn is_lone_expression(text: &str) -> bool {
    lone_expression(text).is_some()
}

/// A conditional's result: a boolean, else Ansible 2.19's error.
fn bool_result(value: &JValue, expr: &str) -> Result<bool, TemplateError> {
    match value.kind() {
        ValueKind::Bool => Ok(value.is_true()),
        _ if ALLOW_BROKEN_CONDITIONALS.load(std::sync::atomic::Ordering::Relaxed) => {
            Ok(value.is_true())
        }
        _ => Err(TemplateError::NonBooleanConditional {
            found: from_jinja(value).type_name(),
            excerpt: excerpt(expr),
            span: None,
        }),
    }
}

/// A variable reference (`a`, `a.b`, `a['b']`, `a[0]`): what a
/// conditional may name to evaluate the expression the variable holds.
fn is_variable_path(expr: &str) -> bool {
    static PATH: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    PATH.get_or_init(|| {
        regex::Regex::new(
            r#"^\s*[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*|\[\s*('[^']*'|"[^"]*"|[0-9]+)\s*\])*\s*$"#,
        )
        .expect("a valid pattern")
    })
    .is_match(expr)
}
use vars::VarsObject;

/// The `omit` placeholder: a task argument whose templated value is exactly
/// this text is dropped (Ansible's `omit`). [`Templar::render_value`] drops
/// map entries whose value is `omit`; `{{ omit }}` renders as this text.
pub const OMIT: &str = "__omit_place_holder__5fd1d5ee3e8b2e6f9b4d1b6c9c2f1b0d7a1c3e44";

/// Renders templates and evaluates conditionals.
///
/// Cheap to create and to copy; every `Templar` shares one process-wide
/// environment and compile cache, so it is `Send + Sync` and can serve all
/// host threads at once. Build one [`Vars`] per host and derive per task
/// with [`Vars::with`]:
///
/// ```
/// use engine::template::{Templar, Vars};
/// use engine::value::{Map, Value};
/// use std::sync::Arc;
///
/// let mut host = Map::new();
/// host.insert("version".into(), "1.29.6".into());
/// host.insert("pkg".into(), "kubelet-{{ version }}".into());
/// let vars = Vars::new(Arc::new(host)).with("item", Value::Int(3));
/// let t = Templar::new();
/// assert_eq!(t.render("{{ item + 1 }}", &vars)?, Value::Int(4));
/// assert_eq!(t.render("{{ pkg }}.rpm", &vars)?, Value::from("kubelet-1.29.6.rpm"));
/// assert!(t.condition("version is version('1.28', '>=')", &vars)?);
/// # Ok::<(), engine::template::TemplateError>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Templar {
    pub(crate) shared: &'static Shared,
}

impl Default for Templar {
    fn default() -> Templar {
        Templar::new()
    }
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Shared")
    }
}

/// `allow_broken_conditionals` (ansible.cfg `[defaults]`,
/// `ANSIBLE_ALLOW_BROKEN_CONDITIONALS`): one setting for the whole run, as
/// Ansible's `_TemplateConfig` is process-wide.
static ALLOW_BROKEN_CONDITIONALS: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

/// Sets `allow_broken_conditionals` for every conditional evaluated from
/// now on: with it, a non-boolean result counts by its truth value (Python's
/// `bool()`), as ansible-core up to 2.18 did (2.19 also prints a
/// deprecation warning; konvoy-image prints none); without it (Ansible's
/// default) it is [`TemplateError::NonBooleanConditional`].
pub fn allow_broken_conditionals(allow: bool) {
    ALLOW_BROKEN_CONDITIONALS.store(allow, std::sync::atomic::Ordering::Relaxed);
}

impl Templar {
    /// A templar over the shared environment (built on first use).
    pub fn new() -> Templar {
        Templar {
            shared: env::shared(),
        }
    }

    /// Whether `s` contains template syntax (`{{`, `{%` or `{#`).
    pub fn is_template(s: &str) -> bool {
        let bytes = s.as_bytes();
        bytes
            .windows(2)
            .any(|w| w[0] == b'{' && matches!(w[1], b'{' | b'%' | b'#'))
    }

    /// Templates `text` the way Ansible 2.19 templates a task argument: a
    /// lone `{{ expr }}` keeps its type, anything else gives a string, and
    /// text without template syntax comes back as it is.
    ///
    /// # Errors
    /// Any [`TemplateError`]; the error has no span (see [`Templar::render_at`]).
    pub fn render(&self, text: &str, vars: &Vars) -> Result<Value, TemplateError> {
        if !Templar::is_template(text) {
            return Ok(Value::Str(text.to_owned()));
        }
        let v = self.render_jinja(text, vars)?;
        if let Some(at) = native::undefined_inside(&v) {
            // ansible-core's finalization refuses a result that still
            // holds an undefined value (`map(attribute=...)` over items
            // without it), where a plain conversion would give null.
            return Err(TemplateError::Evaluation {
                message: format!(
                    "the value holds an undefined value at {at} (an attribute or key that does not exist)"
                ),
                excerpt: text.to_owned(),
                span: None,
            });
        }
        Ok(from_jinja(&v))
    }

    /// [`Templar::render`], with errors located at `span` (the YAML scalar
    /// the text came from).
    ///
    /// # Errors
    /// As [`Templar::render`].
    pub fn render_at(&self, text: &str, vars: &Vars, span: &Span) -> Result<Value, TemplateError> {
        self.render(text, vars).map_err(|e| e.at(span))
    }

    /// Templates `text` into a string (Python's `str()` of a lone
    /// expression's value).
    ///
    /// # Errors
    /// Any [`TemplateError`].
    pub fn render_string(&self, text: &str, vars: &Vars) -> Result<String, TemplateError> {
        if !Templar::is_template(text) {
            return Ok(text.to_owned());
        }
        let value = self.render_jinja(text, vars)?;
        Ok(match value.as_str() {
            Some(s) => s.to_owned(),
            None => {
                let mut out = String::new();
                py_str(&mut out, &value);
                out
            }
        })
    }

    /// Templates every string inside `v` (lists and maps recursively);
    /// `Unsafe` strings are kept as they are; map entries whose value
    /// renders to [`OMIT`] are dropped. Dict keys are not templated
    /// (ansible-core 2.19).
    ///
    /// # Errors
    /// The first [`TemplateError`] met.
    pub fn render_value(&self, v: &Value, vars: &Vars) -> Result<Value, TemplateError> {
        Ok(match v {
            Value::Str(s) => self.render(s, vars)?,
            Value::List(items) => Value::List(
                items
                    .iter()
                    .map(|item| self.render_value(item, vars))
                    .collect::<Result<_, _>>()?,
            ),
            Value::Map(map) => {
                let mut out = crate::value::Map::with_capacity(map.len());
                for (k, item) in map {
                    let rendered = self.render_value(item, vars)?;
                    if rendered.as_str() != Some(OMIT) {
                        out.insert(k.clone(), rendered);
                    }
                }
                Value::Map(out)
            }
            other => other.clone(),
        })
    }

    /// Evaluates a bare conditional (`when`, `changed_when`, `failed_when`,
    /// `until`, `assert that`). `{{ }}` around it is accepted, as Ansible
    /// does (with a warning there).
    ///
    /// # Errors
    /// [`TemplateError::NonBooleanConditional`] when the result is not a
    /// boolean (ansible-core 2.19); [`TemplateError::UndefinedVariable`]
    /// when it is undefined; any other [`TemplateError`].
    pub fn condition(&self, expr: &str, vars: &Vars) -> Result<bool, TemplateError> {
        let trimmed = expr.trim();
        let owned;
        let src = if let Some(inner) = lone_expression(trimmed) {
            // Wholly one template: resolved first; a string it gives is an
            // expression evaluated in turn, when trusted (ansible-core
            // trusts a variable's own text, never text a template made or
            // a registered result, which are unsafe here).
            let value = self.eval(inner, expr, vars)?;
            let Some(text) = value.as_str().filter(|_| value.kind() == ValueKind::String) else {
                return bool_result(&value, expr);
            };
            if value.is_safe() || !is_variable_path(inner) {
                return Err(TemplateError::Evaluation {
                    message: "Encountered untrusted template or expression.".into(),
                    excerpt: excerpt(expr),
                    span: None,
                });
            }
            owned = text.trim().to_owned();
            owned.as_str()
        } else if Templar::is_template(trimmed) {
            // ansible-core 2.19 evaluates a conditional that is not wholly
            // one template as an expression: delimiters outside string
            // constants are a syntax error there, not a nested template.
            if let Err(err) = self.shared.expression(trimmed) {
                return Err(TemplateError::Syntax {
                    message: format!(
                        "Syntax error in expression. Template delimiters are not supported \
                         in expressions: {}",
                        err.detail().unwrap_or("invalid syntax")
                    ),
                    excerpt: excerpt(expr),
                    span: None,
                });
            }
            owned = self.render_string(trimmed, vars)?;
            owned.as_str()
        } else {
            // A bare expression: Python's escapes in its string literals.
            let (result, frame) = frame::with_frame(vars, || {
                let compiled = self.shared.conditional_expression(trimmed)?;
                compiled.eval(VarsObject(vars.clone()).into_value())
            });
            let value = result.map_err(|err| map_error(err, expr, frame))?;
            return bool_result(&value, expr);
        };
        let value = self.eval(src, expr, vars)?;
        bool_result(&value, expr)
    }

    /// Renders a template file's text as the `template` module does:
    /// `trim_blocks=True`, `lstrip_blocks=False`, trailing newlines kept,
    /// and a first line `#jinja2: trim_blocks: False, lstrip_blocks: True`
    /// overriding those options. `name` names the template in errors.
    ///
    /// # Errors
    /// Any [`TemplateError`], with `name` as the excerpt.
    pub fn render_template(
        &self,
        source: &str,
        name: &str,
        vars: &Vars,
    ) -> Result<String, TemplateError> {
        let (ws, body) = parse_header(source);
        let run = || -> Result<String, minijinja::Error> {
            if ws == ANSIBLE_WHITESPACE {
                self.shared
                    .env
                    .get_template(body)?
                    .render(VarsObject(vars.clone()).into_value())
            } else {
                let env = env::build(ws);
                let body = syntax::preserve_backslashes(body, false);
                let body = percent::rewrite(&body, false);
                let body = syntax::strict_blocks(&body);
                let rendered = env
                    .template_from_str(&body)?
                    .render(VarsObject(vars.clone()).into_value());
                rendered
            }
        };
        self.run_text(run, body, vars)
            .map(|(out, _)| out)
            .map_err(|err| match err {
                // Point at the template file and line; quote that line.
                (err, Some(line)) => {
                    let quoted = body.lines().nth(line.saturating_sub(1)).unwrap_or("");
                    let line = u32::try_from(line + usize::from(body.len() != source.len()))
                        .unwrap_or(u32::MAX);
                    err.with_excerpt(excerpt(quoted))
                        .at(&Span::new(name.into(), line, 1))
                }
                (err, None) => err.with_excerpt(excerpt(name)),
            })
    }

    /// Templates `text` into a template value (no conversion).
    pub(crate) fn render_jinja(&self, text: &str, vars: &Vars) -> Result<JValue, TemplateError> {
        if !Templar::is_template(text) {
            return Ok(JValue::from(text));
        }
        if let Some(inner) = lone_expression(text) {
            return self.eval(inner, text, vars);
        }
        let env = &self.shared.env;
        let run = || {
            env.get_template(text)?
                .render(VarsObject(vars.clone()).into_value())
        };
        let (out, native) = self.run_text(run, text, vars).map_err(|(err, _)| err)?;
        Ok(native.unwrap_or_else(|| JValue::from(out)))
    }

    /// [`Templar::render_value`] producing a template value: lazy variables
    /// use it so their results never go through engine values.
    pub(crate) fn render_value_jinja(
        &self,
        v: &Value,
        vars: &Vars,
    ) -> Result<JValue, TemplateError> {
        Ok(match v {
            Value::Str(s) => self.render_jinja(s, vars)?,
            Value::List(items) => items
                .iter()
                .map(|item| self.render_value_jinja(item, vars))
                .collect::<Result<Vec<_>, _>>()?
                .into_iter()
                .collect(),
            Value::Map(map) => {
                let mut pairs = Vec::with_capacity(map.len());
                for (k, item) in map {
                    let rendered = self.render_value_jinja(item, vars)?;
                    if !is_omit(&rendered) {
                        pairs.push((JValue::from(k.as_str()), rendered));
                    }
                }
                JValue::from_pairs(pairs)
            }
            other => to_jinja(other),
        })
    }

    /// Evaluates one expression (cached compile), failing on an undefined
    /// result.
    fn eval(&self, src: &str, text: &str, vars: &Vars) -> Result<JValue, TemplateError> {
        let (result, frame) = frame::with_frame(vars, || {
            let expr = self.shared.expression(src)?;
            expr.eval(VarsObject(vars.clone()).into_value())
        });
        result.map_err(|err| map_error(err, text, frame))
    }

    /// Renders text with `run`, retrying without the undefined-output error
    /// when the only undefined printed was the missing `else` of an inline
    /// `if`. Also returns the native value when the output is exactly one
    /// printed value (`{% set x = 5 %}{{ x }}` is the int 5 in 2.19).
    fn run_text(
        &self,
        run: impl Fn() -> Result<String, minijinja::Error>,
        text: &str,
        vars: &Vars,
    ) -> Result<(String, Option<JValue>), (TemplateError, Option<usize>)> {
        let fail = |err: minijinja::Error, frame: Frame| {
            let line = err.line();
            (map_error(err, text, frame), line)
        };
        let (result, frame) = frame::with_frame(vars, &run);
        let (out, frame) = match result {
            Ok(out) if frame.hard.is_none() => (out, frame),
            Ok(_) => {
                return Err(fail(
                    minijinja::Error::from(ErrorKind::UndefinedError),
                    frame,
                ))
            }
            Err(err) if err.detail() == Some(ORIGINLESS_UNDEFINED) && frame.hard.is_none() => {
                let (retry, frame) = frame::with_frame(vars, || frame::leniently(&run));
                match retry {
                    Ok(out) => (out, frame),
                    Err(err) => return Err(fail(err, frame)),
                }
            }
            Err(err) => return Err(fail(err, frame)),
        };
        let native = match frame.first {
            Some(first)
                if frame.emitted == 1 && first.as_str().is_none() && !first.is_undefined() =>
            {
                let mut printed = String::new();
                if !first.is_none() {
                    py_str(&mut printed, &first);
                }
                (printed == out).then_some(first)
            }
            _ => None,
        };
        // Ansible restores the trailing newlines Jinja dropped.
        let mut out = out;
        if native.is_none() {
            let wanted = trailing_newlines(text);
            let have = trailing_newlines(&out);
            for _ in have..wanted {
                out.push('\n');
            }
        }
        Ok((out, native))
    }
}

impl VarsObject {
    fn into_value(self) -> JValue {
        JValue::from_object(self)
    }
}
