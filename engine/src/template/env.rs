//! The minijinja environment with Ansible's filters, tests, lookups and
//! output rules, built once per process.
//!
//! The environment is immutable once built and identical for every run, so
//! it lives in a process-wide `OnceLock`. Being `'static` lets compiled
//! expressions and templates (which borrow the environment) be cached
//! without self-reference: compiling is the hot path (about 200 tasks times
//! 20 hosts evaluate the same few hundred strings). The caches only memoize
//! compilation; no result depends on them.

use crate::template::native::{is_omit, py_str};
use crate::template::{filters, frame, jinja_tests, lookups, pymethods, OMIT};
use minijinja::syntax::SyntaxConfig;
use minijinja::{Environment, Error, ErrorKind, Expression, State, UndefinedBehavior, Value};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

/// Whitespace options of one environment (the `#jinja2:` header can change
/// them for one template).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Whitespace {
    pub(crate) trim_blocks: bool,
    pub(crate) lstrip_blocks: bool,
    pub(crate) keep_trailing_newline: bool,
}

/// Ansible's defaults, for task arguments and the template module alike:
/// `trim_blocks=True`, `lstrip_blocks=False`. Jinja drops the final
/// newline; Ansible adds trailing newlines back to string results (see
/// `Templar::run_text`), while `"{{ n }}\n"` is still the int `n`.
pub(crate) const ANSIBLE_WHITESPACE: Whitespace = Whitespace {
    trim_blocks: true,
    lstrip_blocks: false,
    keep_trailing_newline: false,
};

/// The shared environment and its compile caches.
pub(crate) struct Shared {
    pub(crate) env: Environment<'static>,
    expressions: RwLock<HashMap<Box<str>, Arc<Expression<'static, 'static>>>>,
}

static SHARED: OnceLock<Shared> = OnceLock::new();

/// The process-wide environment, built on first use.
pub(crate) fn shared() -> &'static Shared {
    SHARED.get_or_init(|| Shared {
        env: build(ANSIBLE_WHITESPACE),
        expressions: RwLock::new(HashMap::new()),
    })
}

/// Suffix that makes an expression fail, naming the variable, when its
/// result is undefined (minijinja's Chainable mode would return it).
pub(crate) const STRICT_SUFFIX: &str = ") | __kib_strict";

impl Shared {
    /// The compiled form of expression `src` (cached by text), its string
    /// literals keeping their backslashes as templates do.
    pub(crate) fn expression(
        &'static self,
        src: &str,
    ) -> Result<Arc<Expression<'static, 'static>>, Error> {
        self.compile_expression(src, false)
    }

    /// The compiled form of bare conditional `src`: its string literals
    /// decode Python's escapes, as ansible-core's do there (see
    /// [`crate::template::syntax::python_escapes`]).
    pub(crate) fn conditional_expression(
        &'static self,
        src: &str,
    ) -> Result<Arc<Expression<'static, 'static>>, Error> {
        self.compile_expression(src, true)
    }

    fn compile_expression(
        &'static self,
        src: &str,
        python_escapes: bool,
    ) -> Result<Arc<Expression<'static, 'static>>, Error> {
        // Conditionals are cached under a key no expression text has.
        let key = if python_escapes {
            format!("\0cond\0{src}")
        } else {
            src.to_owned()
        };
        if let Some(hit) = self.read_cache().get(key.as_str()) {
            return Ok(hit.clone());
        }
        let mut wrapped = String::with_capacity(src.len() + STRICT_SUFFIX.len() + 1);
        wrapped.push('(');
        let src = if python_escapes {
            crate::template::syntax::python_escapes(src)
        } else {
            crate::template::syntax::preserve_backslashes(src, true)
        };
        wrapped.push_str(&crate::template::percent::rewrite(&src, true));
        wrapped.push_str(STRICT_SUFFIX);
        let compiled = Arc::new(self.env.compile_expression_owned(wrapped)?);
        let mut cache = self
            .expressions
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        cache.insert(key.into_boxed_str(), compiled.clone());
        Ok(compiled)
    }

    fn read_cache(
        &self,
    ) -> std::sync::RwLockReadGuard<'_, HashMap<Box<str>, Arc<Expression<'static, 'static>>>> {
        self.expressions
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Builds an environment with Ansible's filters, tests, globals and output
/// rules and the given whitespace options.
pub(crate) fn build(ws: Whitespace) -> Environment<'static> {
    let mut env = Environment::new();
    minijinja_contrib::add_to_environment(&mut env);
    // Chainable: `x.y.z | default(..)` and `x.y is defined` work on an
    // undefined `x`, as in Ansible; printing one is made an error below.
    env.set_undefined_behavior(UndefinedBehavior::Chainable);
    // Debug mode makes undefined values remember the expression that made
    // them, so errors can name the variable (`foo` is undefined).
    env.set_debug(true);
    if let Ok(syntax) = SyntaxConfig::builder()
        .trim_blocks(ws.trim_blocks)
        .lstrip_blocks(ws.lstrip_blocks)
        .keep_trailing_newline(ws.keep_trailing_newline)
        .build()
    {
        env.set_syntax(syntax);
    }
    // Inline templates are looked up by their own text: minijinja then
    // caches the compiled template inside the environment.
    env.set_loader(|name| {
        let text = crate::template::syntax::preserve_backslashes(name, false);
        let text = crate::template::percent::rewrite(&text, false);
        Ok(Some(
            crate::template::syntax::strict_blocks(&text).into_owned(),
        ))
    });
    env.set_auto_reload(false);
    env.set_formatter(format_output);
    env.set_unknown_method_callback(pymethods::call_method);
    env.add_filter("__kib_strict", strict);
    env.add_filter("__pyformat", |format: &str, args: Value| {
        crate::template::percent::pyformat(format, args)
    });
    env.add_global("omit", crate::template::native::omit());
    // `undef(hint)`: an undefined value, for defaults that must stay
    // undefined (`lookup('env', 'X', default=undef())`).
    env.add_function("undef", |_hint: Option<String>| Value::UNDEFINED);
    env.add_function("now", crate::template::now::now);
    filters::register(&mut env);
    jinja_tests::register(&mut env);
    lookups::register(&mut env);
    env
}

/// Prints a value into text as Ansible does: strings as they are, `None` as
/// nothing, other values as Python's `str()`; an undefined value is an
/// error naming the variable.
fn format_output(
    out: &mut minijinja::Output,
    state: &mut State,
    value: &Value,
) -> Result<(), Error> {
    frame::record_emit(value);
    if value.is_undefined() {
        if frame::lenient_output() {
            return Ok(());
        }
        return Err(undefined_error(state, value));
    }
    if let Some(s) = value.as_str() {
        return out.write_str(s).map_err(Error::from);
    }
    if value.is_none() {
        return Ok(());
    }
    if is_omit(value) {
        return out.write_str(OMIT).map_err(Error::from);
    }
    let mut text = String::new();
    py_str(&mut text, value);
    out.write_str(&text).map_err(Error::from)
}

/// The error minijinja gives for using an undefined value: calling it makes
/// the engine attach the undefined value's origin, which it resolves into
/// "(`name` is undefined)" when the error leaves the VM.
pub(crate) fn undefined_error(state: &mut State, value: &Value) -> Error {
    match value.call(state, &[]) {
        Err(err) => err,
        Ok(_) => Error::new(ErrorKind::UndefinedError, "undefined value"),
    }
}

/// The detail of an undefined error that carries no origin: the missing
/// `else` of an inline `if` (Jinja2 prints nothing for it).
pub(crate) const ORIGINLESS_UNDEFINED: &str = "value of type undefined is not callable";

fn strict(state: &mut State, value: Value) -> Result<Value, Error> {
    if value.is_undefined() {
        Err(undefined_error(state, &value))
    } else {
        Ok(value)
    }
}
