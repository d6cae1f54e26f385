//! `template`: Jinja on minijinja with Ansible's filters and tests.
//!
//! Interim stand-in with the real layer's API: it returns text unchanged
//! and knows only literal conditionals. The real layer replaces this file.

use crate::value::{Map, Value};
use std::path::PathBuf;
use std::sync::Arc;

/// The `omit` placeholder.
pub const OMIT: &str = "__omit_place_holder__";

/// A template failure.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct TemplateError(pub String);

/// Other hosts' variables, for `hostvars[...]`.
pub trait HostVars: Send + Sync {
    /// Every host name.
    fn host_names(&self) -> Vec<String>;
    /// One host's variables.
    fn vars_of(&self, host: &str) -> Option<Vars>;
}

/// Variables for rendering.
#[derive(Clone)]
pub struct Vars {
    base: Arc<Map>,
    overlay: Map,
}

impl Vars {
    /// Variables over a shared base map.
    pub fn new(base: Arc<Map>) -> Vars {
        Vars {
            base,
            overlay: Map::new(),
        }
    }
    /// A copy with one more variable.
    pub fn with(&self, name: &str, v: Value) -> Vars {
        let mut n = self.clone();
        n.overlay.insert(name.to_owned(), v);
        n
    }
    /// Sets the `hostvars` source.
    pub fn set_hostvars(&mut self, _hv: Arc<dyn HostVars>) {}
    /// Sets lookup search paths.
    pub fn set_search_paths(&mut self, _paths: Vec<PathBuf>) {}
    /// One variable.
    pub fn get(&self, name: &str) -> Result<Option<Value>, TemplateError> {
        Ok(self
            .overlay
            .get(name)
            .or_else(|| self.base.get(name))
            .cloned())
    }
}

/// Renders templates.
#[derive(Default)]
pub struct Templar;

impl Templar {
    /// A new templar.
    pub fn new() -> Templar {
        Templar
    }
    /// Whether `s` contains template syntax.
    pub fn is_template(s: &str) -> bool {
        s.contains("{{") || s.contains("{%")
    }
    /// Renders text (stand-in: unchanged).
    pub fn render(&self, text: &str, _vars: &Vars) -> Result<Value, TemplateError> {
        Ok(Value::Str(text.to_owned()))
    }
    /// Renders to a string.
    pub fn render_string(&self, text: &str, _vars: &Vars) -> Result<String, TemplateError> {
        Ok(text.to_owned())
    }
    /// Renders a value recursively.
    pub fn render_value(&self, v: &Value, _vars: &Vars) -> Result<Value, TemplateError> {
        Ok(v.clone())
    }
    /// Evaluates a bare conditional.
    pub fn condition(&self, expr: &str, vars: &Vars) -> Result<bool, TemplateError> {
        match expr.trim() {
            "true" | "True" => Ok(true),
            "false" | "False" => Ok(false),
            name => match vars.get(name)? {
                Some(Value::Bool(b)) => Ok(b),
                _ => Err(TemplateError(format!("cannot evaluate `{expr}`"))),
            },
        }
    }
    /// Renders a template file.
    pub fn render_template(
        &self,
        source: &str,
        _name: &str,
        _vars: &Vars,
    ) -> Result<String, TemplateError> {
        Ok(source.to_owned())
    }
}
