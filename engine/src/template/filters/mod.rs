//! Ansible's filters, grouped by what they work on.
//!
//! minijinja's built-ins stay where their behaviour matches Ansible's;
//! `bool`, `int`, `float` and `string` are replaced because Ansible parses
//! (`'no' | bool` is false, `'abc' | int` is 0) and prints (`True`) as
//! Python does.

mod collections;
mod core;
mod encoding;
mod paths;
pub(crate) mod random;
pub(crate) mod regex;

use minijinja::{Environment, Error, ErrorKind};

/// Adds every Ansible filter to `env`.
pub(crate) fn register(env: &mut Environment<'static>) {
    core::register(env);
    collections::register(env);
    encoding::register(env);
    paths::register(env);
    random::register(env);
    regex::register(env);
}

/// A filter failure in Ansible's words: `filter` names the filter.
pub(crate) fn failed(filter: &str, message: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorKind::InvalidOperation,
        format!("filter `{filter}` failed: {message}"),
    )
}

/// Regex helpers shared with the `match`/`search`/`regex` tests.
pub(crate) mod regex_support {
    pub(crate) use super::regex::{compile, flags_from_kwargs, text_of};
}
