//! [`ArgMap`]: a module's templated arguments, with Ansible's coercions
//! done once here (booleans, modes, lists) and unknown keys rejected.

use crate::value::{Map, Value};
use std::collections::BTreeSet;

/// A bad module argument. The executor adds the task and its span.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArgError {
    /// A required argument is absent.
    #[error("missing required argument `{0}`")]
    Missing(String),
    /// An argument the module does not support.
    #[error("unsupported argument `{name}` (supported: {supported})")]
    Unknown {
        /// The argument.
        name: String,
        /// The module's arguments, comma-separated.
        supported: String,
    },
    /// An argument of the wrong type.
    #[error("argument `{name}` {expected}, got `{got}`")]
    Type {
        /// The argument.
        name: String,
        /// What it must be.
        expected: &'static str,
        /// What it was.
        got: String,
    },
    /// A value outside the allowed choices.
    #[error("argument `{name}` must be one of {choices}, got `{got}`")]
    Choice {
        /// The argument.
        name: String,
        /// The allowed values.
        choices: String,
        /// What it was.
        got: String,
    },
    /// An option Ansible documents for the module and this engine does
    /// not implement: the task fails where a host reaches it.
    #[error("option `{name}` of module `{module}` is not implemented by konvoy-image")]
    NotImplemented {
        /// The module.
        module: String,
        /// The option.
        name: String,
    },
    /// Arguments that cannot be used together, or another rule.
    #[error("{0}")]
    Invalid(String),
}

/// A file mode as Ansible accepts it: octal digits or symbolic (`u=rw,g=r`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileMode {
    /// Octal permission bits (`0644` → 0o644).
    Octal(u32),
    /// Symbolic, applied with `chmod` on the host (`u+x`, `a=r`).
    Symbolic(String),
}

impl FileMode {
    /// The mode as `chmod` takes it.
    pub fn chmod_arg(&self) -> String {
        match self {
            FileMode::Octal(m) => format!("{m:04o}"),
            FileMode::Symbolic(s) => s.clone(),
        }
    }
}

/// Arguments of one module call, consumed key by key.
#[derive(Debug, Clone)]
pub struct ArgMap {
    map: Map,
    used: BTreeSet<String>,
}

impl ArgMap {
    /// Wraps templated arguments. `_raw_params` holds free-form text.
    pub fn new(map: Map) -> ArgMap {
        ArgMap {
            map,
            used: BTreeSet::new(),
        }
    }

    /// The raw value of the first present name among `names` (aliases).
    pub fn value(&mut self, names: &[&str]) -> Option<Value> {
        let mut found = None;
        for n in names {
            if let Some(v) = self.map.get(*n) {
                self.used.insert((*n).to_owned());
                if found.is_none() && *v != Value::Null {
                    found = Some(v.clone());
                }
            }
        }
        found
    }

    /// A string argument (numbers and booleans are rendered as Python does).
    pub fn str(&mut self, names: &[&str]) -> Result<Option<String>, ArgError> {
        match self.value(names) {
            None => Ok(None),
            Some(v) => scalar_text(&v)
                .map(Some)
                .ok_or_else(|| type_err(names[0], "must be a string", &v)),
        }
    }

    /// A required string argument.
    pub fn required_str(&mut self, names: &[&str]) -> Result<String, ArgError> {
        self.str(names)?
            .ok_or_else(|| ArgError::Missing(names[0].to_owned()))
    }

    /// A boolean with Ansible's `boolean()` rules (`yes`, `on`, `1`, `true`, ...).
    pub fn bool(&mut self, names: &[&str]) -> Result<Option<bool>, ArgError> {
        match self.value(names) {
            None => Ok(None),
            Some(v) => parse_bool(&v)
                .map(Some)
                .ok_or_else(|| type_err(names[0], "must be a boolean", &v)),
        }
    }

    /// An integer (strings of digits accepted).
    pub fn int(&mut self, names: &[&str]) -> Result<Option<i64>, ArgError> {
        match self.value(names) {
            None => Ok(None),
            Some(Value::Int(i)) => Ok(Some(i)),
            Some(Value::Float(f)) if f.fract() == 0.0 => Ok(Some(f as i64)),
            Some(v) => v
                .as_str()
                .and_then(|s| s.trim().parse().ok())
                .map(Some)
                .ok_or_else(|| type_err(names[0], "must be an integer", &v)),
        }
    }

    /// A list: a YAML list, or a comma-separated string (Ansible's `list` type).
    pub fn list(&mut self, names: &[&str]) -> Result<Option<Vec<String>>, ArgError> {
        match self.value(names) {
            None => Ok(None),
            Some(Value::List(items)) => items
                .iter()
                .map(|v| {
                    scalar_text(v).ok_or_else(|| type_err(names[0], "must be a list of strings", v))
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(v) => match scalar_text(&v) {
                Some(s) if s.is_empty() => Ok(Some(Vec::new())),
                Some(s) => Ok(Some(s.split(',').map(|p| p.trim().to_owned()).collect())),
                None => Err(type_err(names[0], "must be a list", &v)),
            },
        }
    }

    /// A map argument.
    pub fn map(&mut self, names: &[&str]) -> Result<Option<Map>, ArgError> {
        match self.value(names) {
            None => Ok(None),
            Some(Value::Map(m)) => Ok(Some(m)),
            Some(v) => Err(type_err(names[0], "must be a dict", &v)),
        }
    }

    /// A string restricted to `choices`.
    pub fn choice(&mut self, names: &[&str], choices: &[&str]) -> Result<Option<String>, ArgError> {
        match self.str(names)? {
            None => Ok(None),
            Some(s) if choices.contains(&s.as_str()) => Ok(Some(s)),
            Some(s) => Err(ArgError::Choice {
                name: names[0].to_owned(),
                choices: choices.join(", "),
                got: s,
            }),
        }
    }

    /// A file mode. An integer is what YAML made of `0644` (420) and means
    /// those permission bits; a string is octal (`"0644"`, `"644"`) or
    /// symbolic (`"u=rw,g=r"`), as in Ansible.
    pub fn mode(&mut self, names: &[&str]) -> Result<Option<FileMode>, ArgError> {
        match self.value(names) {
            None => Ok(None),
            Some(Value::Int(i)) if (0..=0o7777).contains(&i) => Ok(Some(FileMode::Octal(i as u32))),
            Some(v) => {
                let s = scalar_text(&v).ok_or_else(|| type_err(names[0], "must be a mode", &v))?;
                if !s.is_empty() && s.chars().all(|c| c.is_digit(8)) {
                    u32::from_str_radix(&s, 8)
                        .ok()
                        .filter(|m| *m <= 0o7777)
                        .map(|m| Some(FileMode::Octal(m)))
                        .ok_or_else(|| type_err(names[0], "must be a mode", &v))
                } else if s.chars().all(|c| "ugoa+-=rwxXstugo,".contains(c)) && !s.is_empty() {
                    Ok(Some(FileMode::Symbolic(s)))
                } else {
                    Err(type_err(names[0], "must be an octal or symbolic mode", &v))
                }
            }
        }
    }

    /// Every argument no getter asked for yet, marked as used: for
    /// modules that hand their arguments on (`package`).
    pub fn take_rest(&mut self) -> Map {
        let rest: Map = self
            .map
            .iter()
            .filter(|(k, _)| !self.used.contains(*k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        self.used.extend(rest.keys().cloned());
        rest
    }

    /// Marks keys as accepted and ignored (deprecated arguments like `warn`).
    pub fn ignore(&mut self, names: &[&str]) {
        for n in names {
            if self.map.contains_key(*n) {
                self.used.insert((*n).to_owned());
            }
        }
    }

    /// Accepts a boolean option only at its default: at any other value it
    /// stays unconsumed, so [`ArgMap::finish`] reports it and the task
    /// fails as "not implemented" (for options whose other value this
    /// engine does not implement, such as `backup: true` for some modules).
    pub fn bool_at_default(&mut self, name: &str, default: bool) {
        match self.map.get(name) {
            Some(Value::Null) => {
                self.used.insert(name.to_owned());
            }
            Some(v) if parse_bool(v) == Some(default) => {
                self.used.insert(name.to_owned());
            }
            _ => {}
        }
    }

    /// Accepts an option only when it is absent or null (for options with
    /// no default this engine implements the absence of).
    pub fn absent_only(&mut self, name: &str) {
        if self.map.get(name) == Some(&Value::Null) {
            self.used.insert(name.to_owned());
        }
    }

    /// Errors on the first argument no getter asked for.
    pub fn finish(&self, supported: &[&str]) -> Result<(), ArgError> {
        match self.map.keys().find(|k| !self.used.contains(*k)) {
            None => Ok(()),
            Some(k) => Err(ArgError::Unknown {
                name: k.clone(),
                supported: supported.join(", "),
            }),
        }
    }
}

/// Ansible's `boolean()`: `y yes on 1 true t` and their negatives, any case.
pub fn parse_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::Int(0) => Some(false),
        Value::Int(1) => Some(true),
        Value::Float(f) if *f == 0.0 => Some(false),
        Value::Float(f) if *f == 1.0 => Some(true),
        Value::Str(s) | Value::Unsafe(s) => match s.trim().to_ascii_lowercase().as_str() {
            "y" | "yes" | "on" | "1" | "true" | "t" | "1.0" => Some(true),
            "n" | "no" | "off" | "0" | "false" | "f" | "0.0" | "" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// The text of a scalar as Python's `str()` gives it.
fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::Str(s) | Value::Unsafe(s) | Value::Date(s) => Some(s.clone()),
        Value::Int(i) => Some(i.to_string()),
        Value::Float(f) => Some(if f.fract() == 0.0 && f.is_finite() {
            format!("{f:.1}")
        } else {
            f.to_string()
        }),
        Value::Bool(true) => Some("True".into()),
        Value::Bool(false) => Some("False".into()),
        _ => None,
    }
}

fn type_err(name: &str, expected: &'static str, got: &Value) -> ArgError {
    ArgError::Type {
        name: name.to_owned(),
        expected,
        got: got.type_name().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(pairs: &[(&str, Value)]) -> ArgMap {
        ArgMap::new(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
        )
    }

    #[test]
    fn modes_follow_ansible() {
        let mut a = args(&[("mode", Value::Int(420))]);
        assert_eq!(a.mode(&["mode"]).unwrap(), Some(FileMode::Octal(0o644)));
        let mut a = args(&[("mode", "0755".into())]);
        assert_eq!(a.mode(&["mode"]).unwrap(), Some(FileMode::Octal(0o755)));
        let mut a = args(&[("mode", "u=rw,g=r".into())]);
        assert_eq!(
            a.mode(&["mode"]).unwrap(),
            Some(FileMode::Symbolic("u=rw,g=r".into()))
        );
        let mut a = args(&[("mode", "rwx; rm".into())]);
        assert!(a.mode(&["mode"]).is_err());
    }

    #[test]
    fn booleans_and_unknown_keys() {
        let mut a = args(&[("force", "yes".into()), ("bogus", Value::Int(1))]);
        assert_eq!(a.bool(&["force"]).unwrap(), Some(true));
        let err = a.finish(&["force"]).unwrap_err();
        assert!(err.to_string().contains("`bogus`"));
    }

    #[test]
    fn lists_accept_comma_strings() {
        let mut a = args(&[("name", "a, b,c".into())]);
        assert_eq!(
            a.list(&["name"]).unwrap(),
            Some(vec!["a".into(), "b".into(), "c".into()])
        );
    }
}
