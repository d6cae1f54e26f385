//! Per-thread bookkeeping of nested template evaluations.
//!
//! minijinja's `Object::get_value` cannot return an error, yet templating a
//! lazy variable can fail. While a render runs, its [`Frame`] collects what
//! lazy lookups ran into (the first hard error, the undefined variable
//! behind a failed lazy value) so the render can report the root cause.
//! Evaluation is synchronous on the calling thread, so a thread-local stack
//! is exact; rayon workers each have their own.

use crate::template::vars::Vars;
use crate::template::TemplateError;
use std::cell::RefCell;

/// What one render (or nested lazy render) has learned.
pub(crate) struct Frame {
    /// The variables of this render (for lookups that need search paths).
    pub(crate) vars: Vars,
    /// The first non-undefined error a lazy variable hit.
    pub(crate) hard: Option<TemplateError>,
    /// `(variable, undefined name inside its value)` for lazy values that
    /// were undefined because of another variable.
    pub(crate) causes: Vec<(String, String)>,
    /// How many values `{{ }}` printed, and the first of them: a render
    /// that printed exactly one value and no text keeps its type (2.19).
    pub(crate) emitted: u32,
    pub(crate) first: Option<minijinja::Value>,
}

impl Frame {
    fn new(vars: &Vars) -> Frame {
        Frame {
            vars: vars.clone(),
            hard: None,
            causes: Vec::new(),
            emitted: 0,
            first: None,
        }
    }
}

thread_local! {
    static FRAMES: RefCell<Vec<Frame>> = const { RefCell::new(Vec::new()) };
    static RESOLVING: RefCell<Vec<(usize, String)>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` inside a new frame for `vars`, returning its result and the
/// frame (popped).
pub(crate) fn with_frame<R>(vars: &Vars, f: impl FnOnce() -> R) -> (R, Frame) {
    FRAMES.with(|frames| frames.borrow_mut().push(Frame::new(vars)));
    let result = f();
    let frame = FRAMES.with(|frames| frames.borrow_mut().pop());
    let frame = frame.unwrap_or_else(|| Frame::new(vars));
    (result, frame)
}

/// Notes that the innermost render printed `value`.
pub(crate) fn record_emit(value: &minijinja::Value) {
    FRAMES.with(|frames| {
        if let Some(frame) = frames.borrow_mut().last_mut() {
            frame.emitted += 1;
            if frame.emitted == 1 {
                frame.first = Some(value.clone());
            }
        }
    });
}

/// The variables of the innermost running render.
pub(crate) fn current_vars() -> Option<Vars> {
    FRAMES.with(|frames| frames.borrow().last().map(|f| f.vars.clone()))
}

/// Notes that looking up `name` failed with `err`: undefined errors become
/// causes (the lookup then acts as undefined), others are kept as the
/// frame's hard error.
pub(crate) fn record_lazy_error(name: &str, err: TemplateError) {
    FRAMES.with(|frames| {
        let mut frames = frames.borrow_mut();
        let Some(frame) = frames.last_mut() else {
            return;
        };
        match err {
            TemplateError::UndefinedVariable { name: inner, .. } => {
                frame.causes.push((name.to_owned(), inner));
            }
            other => {
                if frame.hard.is_none() {
                    frame.hard = Some(other);
                }
            }
        }
    });
}

/// How many lazy variables may be templated inside one another.
const MAX_LAZY_DEPTH: usize = 64;

/// Marks `(vars, name)` as being templated until the guard drops.
///
/// # Errors
/// [`TemplateError::Recursion`] when it is already being templated: its
/// value refers back to itself.
pub(crate) fn resolving(key: usize, name: &str) -> Result<ResolvingGuard, TemplateError> {
    RESOLVING.with(|stack| {
        let mut stack = stack.borrow_mut();
        // The depth bound also stops cycles that cross hosts through
        // `hostvars` (each host has its own `Vars`, so the pair check
        // alone cannot see them).
        if stack.len() >= MAX_LAZY_DEPTH || stack.iter().any(|(k, n)| *k == key && n == name) {
            return Err(TemplateError::Recursion {
                name: name.to_owned(),
                excerpt: format!("{{{{ {name} }}}}"),
                span: None,
            });
        }
        stack.push((key, name.to_owned()));
        Ok(ResolvingGuard)
    })
}

/// Pops the resolving entry pushed by [`resolving`].
pub(crate) struct ResolvingGuard;

impl Drop for ResolvingGuard {
    fn drop(&mut self) {
        RESOLVING.with(|stack| {
            stack.borrow_mut().pop();
        });
    }
}

thread_local! {
    static LENIENT_OUTPUT: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether printing an origin-less undefined value gives `""` (the retry
/// after `'a' if c` without `else`) instead of an error.
pub(crate) fn lenient_output() -> bool {
    LENIENT_OUTPUT.with(|l| l.get())
}

/// Runs `f` with [`lenient_output`] on.
pub(crate) fn leniently<R>(f: impl FnOnce() -> R) -> R {
    let before = LENIENT_OUTPUT.with(|l| l.replace(true));
    let result = f();
    LENIENT_OUTPUT.with(|l| l.set(before));
    result
}
