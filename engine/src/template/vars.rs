//! [`Vars`]: the variables one template sees, templated lazily on access.
//!
//! Ansible keeps variables as written and templates a value only when it is
//! read, in the context of the reading task and host, so `a: "{{ b }}-x"`
//! works when `b` is defined later, and `a: "{{ a }}"` is a recursion error.
//! [`Vars`] does the same: a shared base map (the host's merged variables)
//! plus a small overlay (task vars, loop item, registered results). Results
//! are cached per [`Vars`]; values that hold no template at all are
//! converted once and shared by every [`Vars`] derived with [`Vars::with`].

use crate::template::frame;
use crate::template::native::to_jinja;
use crate::template::{Templar, TemplateError};
use crate::value::{Map, Value};
use minijinja::value::{Enumerator, Object, ObjectRepr};
use minijinja::Value as JValue;
use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// Gives templates `hostvars[...]`: the variables of any host, read lazily.
///
/// Implementations should cache the [`Vars`] they hand out, so that each
/// host's lazily templated values are computed once per run.
pub trait HostVars: Send + Sync {
    /// Every host name, in inventory order (for iterating `hostvars`).
    fn host_names(&self) -> Vec<String>;
    /// The variables of `host`, or `None` for an unknown host.
    fn vars_of(&self, host: &str) -> Option<Vars>;
}

type Cache = Arc<Mutex<HashMap<String, JValue>>>;

/// The variables visible to one template evaluation.
///
/// Cheap to clone and to derive: build one per host with [`Vars::new`] and
/// derive per task and loop item with [`Vars::with`], which shares the
/// conversion cache of the base.
#[derive(Clone)]
pub struct Vars {
    base: Arc<Map>,
    /// Values are shared so that deriving copies no variable data.
    overlay: Arc<Vec<(String, Arc<Value>)>>,
    hostvars: Option<Arc<dyn HostVars>>,
    search_paths: Arc<[PathBuf]>,
    /// Base values without templates, converted once (context-free).
    static_cache: Cache,
    /// Templated results for this exact set of variables.
    cache: Cache,
}

impl fmt::Debug for Vars {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vars")
            .field("base_len", &self.base.len())
            .field("overlay", &self.overlay)
            .field("search_paths", &self.search_paths)
            .finish_non_exhaustive()
    }
}

impl Vars {
    /// Variables backed by `base` (a host's merged variables, shared).
    pub fn new(base: Arc<Map>) -> Vars {
        Vars {
            base,
            overlay: Arc::new(Vec::new()),
            hostvars: None,
            search_paths: Arc::from(Vec::new()),
            static_cache: Cache::default(),
            cache: Cache::default(),
        }
    }

    /// A copy with `name` set to `v` on top (task vars, `item`, a registered
    /// result). Templated results are not shared with `self`, since they may
    /// depend on `name`.
    #[must_use]
    pub fn with(&self, name: &str, v: Value) -> Vars {
        let mut overlay = Vec::with_capacity(self.overlay.len() + 1);
        overlay.extend(self.overlay.iter().filter(|(k, _)| k != name).cloned());
        overlay.push((name.to_owned(), Arc::new(v)));
        Vars {
            overlay: Arc::new(overlay),
            cache: Cache::default(),
            ..self.clone()
        }
    }

    /// Makes `hostvars` available to templates.
    pub fn set_hostvars(&mut self, hv: Arc<dyn HostVars>) {
        self.hostvars = Some(hv);
        self.cache = Cache::default();
    }

    /// Directories searched by `lookup('file')` (in each, `files/` first,
    /// then the directory itself) and `lookup('template')` (`templates/`
    /// first): the role directory, then the playbook directory.
    pub fn set_search_paths(&mut self, paths: Vec<PathBuf>) {
        self.search_paths = Arc::from(paths);
        self.cache = Cache::default();
    }

    /// The search paths set by [`Vars::set_search_paths`].
    pub fn search_paths(&self) -> &[PathBuf] {
        &self.search_paths
    }

    /// The templated value of variable `name`, `None` when undefined.
    ///
    /// # Errors
    /// Templating the value failed (an undefined variable inside it, a
    /// recursion, a syntax error).
    pub fn get(&self, name: &str) -> Result<Option<Value>, TemplateError> {
        Ok(self
            .get_jinja(name)?
            .map(|v| crate::template::native::from_jinja(&v)))
    }

    /// The value as written, before templating.
    pub fn raw(&self, name: &str) -> Option<&Value> {
        self.overlay
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_ref())
            .or_else(|| self.base.get(name))
    }

    /// Every variable name (base, then overlay additions).
    pub fn names(&self) -> impl Iterator<Item = &str> {
        let extra = self
            .overlay
            .iter()
            .filter(|(k, _)| !self.base.contains_key(k))
            .map(|(k, _)| k.as_str());
        self.base.keys().map(String::as_str).chain(extra)
    }

    /// The templated value as a template value; the lazy core.
    pub(crate) fn get_jinja(&self, name: &str) -> Result<Option<JValue>, TemplateError> {
        let in_overlay = self.overlay.iter().rev().find(|(k, _)| k == name);
        let raw: &Value = match in_overlay {
            Some((_, v)) => v,
            None => match self.base.get(name) {
                Some(v) => v,
                None => return Ok(self.special(name)),
            },
        };
        // Look in the caches before scanning the value for templates: the
        // scan walks the whole value (facts can be large).
        if let Some(hit) = lock(&self.cache).get(name) {
            return Ok(Some(hit.clone()));
        }
        if in_overlay.is_none() {
            if let Some(hit) = lock(&self.static_cache).get(name) {
                return Ok(Some(hit.clone()));
            }
        }
        let needs_templating = has_template(raw);
        let cache = if needs_templating || in_overlay.is_some() {
            &self.cache
        } else {
            &self.static_cache
        };
        let value = if needs_templating {
            let key = Arc::as_ptr(&self.cache) as usize;
            let _guard = frame::resolving(key, name)?;
            Templar::new().render_value_jinja(raw, self)?
        } else {
            to_jinja(raw)
        };
        lock(cache).insert(name.to_owned(), value.clone());
        Ok(Some(value))
    }

    /// Names that exist without being in any map: `hostvars`, `vars`.
    fn special(&self, name: &str) -> Option<JValue> {
        match name {
            "hostvars" => self
                .hostvars
                .clone()
                .map(|hv| JValue::from_object(HostVarsObject(hv))),
            "vars" => Some(JValue::from_object(VarsObject(self.clone()))),
            _ => None,
        }
    }
}

fn lock(cache: &Cache) -> std::sync::MutexGuard<'_, HashMap<String, JValue>> {
    // A panic while holding the lock leaves only a partial cache behind.
    cache
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Whether a value holds a template anywhere (strings with `{{`, `{%`, `{#`).
pub(crate) fn has_template(v: &Value) -> bool {
    match v {
        Value::Str(s) => Templar::is_template(s),
        Value::List(items) => items.iter().any(has_template),
        Value::Map(map) => map
            .iter()
            .any(|(k, v)| Templar::is_template(k) || has_template(v)),
        _ => false,
    }
}

/// A [`Vars`] as a template map: the root context of every render, and the
/// value of `vars` and of `hostvars[host]`.
#[derive(Debug)]
pub(crate) struct VarsObject(pub(crate) Vars);

impl Object for VarsObject {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &JValue) -> Option<JValue> {
        let name = key.as_str()?;
        match self.0.get_jinja(name) {
            Ok(found) => found,
            Err(err) => {
                frame::record_lazy_error(name, err);
                None
            }
        }
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(self.0.names().map(JValue::from).collect())
    }
}

#[derive(Debug)]
struct HostVarsObject(Arc<dyn HostVars>);

impl fmt::Debug for dyn HostVars {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HostVars")
    }
}

impl Object for HostVarsObject {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &JValue) -> Option<JValue> {
        let vars = self.0.vars_of(key.as_str()?)?;
        Some(JValue::from_object(VarsObject(vars)))
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(self.0.host_names().into_iter().map(JValue::from).collect())
    }
}
