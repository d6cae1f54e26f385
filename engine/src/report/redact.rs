//! [`Redactor`]: keeps secrets out of everything a reporter writes.
//!
//! Two rules, applied to every event before it is printed or logged:
//! - a value stored under a secret-looking name (`*password`, `*_pass`,
//!   `*token`, `*secret`, registry `auth`, ...) is replaced by
//!   [`MASK`] wherever it appears in a structured value;
//! - every secret value the caller registered (the become and SSH
//!   passwords, the values of secret-named variables of the inventory,
//!   the image configuration and `-e`) is replaced by [`MASK`] wherever it
//!   appears in text, so a password echoed by a command or pasted into a
//!   message does not reach a log either.
//!
//! Values shorter than [`MIN_SECRET_LEN`] characters are not searched for
//! in text: replacing every `a` of a log would hide everything and
//! protect nothing. They are still masked under secret names.

use crate::value::{Map, Value};
use std::borrow::Cow;
use std::sync::RwLock;

/// What a secret is replaced with.
pub const MASK: &str = "********";

/// Shortest registered secret that is searched for in free text.
pub const MIN_SECRET_LEN: usize = 4;

/// Hides secrets (see the module docs). Shared by the reporters of a run
/// (`Arc<Redactor>`) and filled as secrets become known: the inventory and
/// the image configuration load after the first events are written.
#[derive(Debug, Default)]
pub struct Redactor {
    /// Longest first, so a secret containing another is replaced whole.
    values: RwLock<Vec<String>>,
}

/// Whether a variable or result key names a secret: passwords, tokens,
/// secrets, private key passphrases and registry credentials, as
/// Ansible's own `no_log` heuristics and KIB's registry settings name them
/// (`ansible_become_password`, `ansible_ssh_pass`,
/// `registry_mirror_password`, `image_registries_with_auth[].auth`,
/// `identityToken`).
pub fn is_secret_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.ends_with("password")
        || n.ends_with("passwd")
        || n.ends_with("_pass")
        || n == "pass"
        || n.ends_with("passphrase")
        || n.ends_with("token")
        || n.ends_with("secret")
        || n.ends_with("_secret_key")
        || n == "auth"
        || n.ends_with("credentials")
}

impl Redactor {
    /// A redactor that knows no secret values yet.
    pub fn new() -> Redactor {
        Redactor::default()
    }

    /// Registers one secret value.
    pub fn add(&self, secret: &str) {
        if secret.chars().count() < MIN_SECRET_LEN {
            return;
        }
        let Ok(mut values) = self.values.write() else {
            return;
        };
        if values.iter().any(|v| v == secret) {
            return;
        }
        values.push(secret.to_owned());
        values.sort_by_key(|v| std::cmp::Reverse(v.len()));
    }

    /// Registers every string stored under a secret name in `vars`, at any
    /// depth (lists of credentials included).
    pub fn add_from(&self, vars: &Map) {
        for (k, v) in vars {
            if is_secret_name(k) {
                self.add_all(v);
            } else {
                match v {
                    Value::Map(m) => self.add_from(m),
                    Value::List(l) => {
                        for item in l {
                            if let Value::Map(m) = item {
                                self.add_from(m);
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    fn add_all(&self, v: &Value) {
        match v {
            Value::Map(m) => m.values().for_each(|x| self.add_all(x)),
            Value::List(l) => l.iter().for_each(|x| self.add_all(x)),
            other => {
                if let Some(s) = other.as_str() {
                    self.add(s);
                } else if !matches!(other, Value::Null | Value::Bool(_)) {
                    self.add(&other.py_str());
                }
            }
        }
    }

    /// `text` with every registered secret replaced by [`MASK`].
    pub fn text<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut out = Cow::Borrowed(text);
        let Ok(values) = self.values.read() else {
            return Cow::Owned(MASK.to_owned());
        };
        for v in values.iter() {
            if out.contains(v.as_str()) {
                out = Cow::Owned(out.replace(v.as_str(), MASK));
            }
        }
        out
    }

    /// `value` with secret-named entries masked and registered secrets
    /// replaced inside every string.
    pub fn value(&self, value: &Value) -> Value {
        match value {
            Value::Map(m) => Value::Map(self.map(m)),
            Value::List(l) => Value::List(l.iter().map(|v| self.value(v)).collect()),
            Value::Str(s) => Value::Str(self.text(s).into_owned()),
            Value::Unsafe(s) => Value::Unsafe(self.text(s).into_owned()),
            other => other.clone(),
        }
    }

    /// A map with secret-named entries masked (see [`Redactor::value`]).
    pub fn map(&self, map: &Map) -> Map {
        map.iter()
            .map(|(k, v)| {
                let shown = if is_secret_name(k) && !matches!(v, Value::Null) {
                    mask_leaves(v)
                } else {
                    self.value(v)
                };
                (k.clone(), shown)
            })
            .collect()
    }
}

/// Every scalar inside `v` replaced by [`MASK`] (the shape stays, so a
/// reader still sees which credentials were set).
fn mask_leaves(v: &Value) -> Value {
    match v {
        Value::Map(m) => Value::Map(m.iter().map(|(k, v)| (k.clone(), mask_leaves(v))).collect()),
        Value::List(l) => Value::List(l.iter().map(mask_leaves).collect()),
        Value::Str(s) if s.is_empty() => v.clone(),
        Value::Bool(_) | Value::Null => v.clone(),
        _ => Value::Str(MASK.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_values_and_text() {
        for n in [
            "ansible_become_password",
            "ansible_ssh_pass",
            "registry_mirror_password",
            "identityToken",
            "auth",
            "github_token",
            "KONVOY_SSH_KEY_PASSPHRASE",
        ] {
            assert!(is_secret_name(n), "{n}");
        }
        for n in ["ansible_user", "passenger", "registry_mirror_url", "author"] {
            assert!(!is_secret_name(n), "{n}");
        }
        let mut vars = Map::new();
        vars.insert("registry_mirror_password".into(), "hunter22".into());
        let mut cred = Map::new();
        cred.insert("host".into(), "r.example".into());
        cred.insert("auth".into(), "dXNlcjpwYXNz".into());
        vars.insert(
            "image_registries_with_auth".into(),
            Value::List(vec![Value::Map(cred)]),
        );
        let r = Redactor::new();
        r.add_from(&vars);
        r.add("abc");
        assert_eq!(
            r.text("echo hunter22 dXNlcjpwYXNz abc"),
            "echo ******** ******** abc"
        );
        let shown = r.map(&vars);
        assert_eq!(shown["registry_mirror_password"], Value::Str(MASK.into()));
        let first = &shown["image_registries_with_auth"].as_list().unwrap()[0];
        assert_eq!(
            first.as_map().unwrap()["host"],
            Value::Str("r.example".into())
        );
        assert_eq!(first.as_map().unwrap()["auth"], Value::Str(MASK.into()));
    }
}
