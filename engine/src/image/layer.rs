//! One image or override file: its top-level keys with their spans, and
//! the original tool's `proxy_env:` map turned into `http_proxy`,
//! `https_proxy` and `no_proxy`.
//!
//! konvoy-image-builder's documentation shows a proxy override as
//!
//! ```yaml
//! proxy_env:
//!   HTTPS_PROXY: http://proxy:3128
//!   https_proxy: http://proxy:3128
//!   HTTP_PROXY: http://proxy:3128
//!   http_proxy: http://proxy:3128
//!   NO_PROXY: 10.0.0.0/8,.svc
//!   no_proxy: 10.0.0.0/8,.svc
//! ```
//!
//! which KIB used as the environment of every task. Here the same file has
//! the same effect as `http_proxy`/`https_proxy`/`no_proxy` (the task
//! environment with both cases, the package manager, and the containerd and
//! kubelet drop-ins): each pair sets one key, in this layer, so later
//! layers override it as usual. Refused, with the place: a name other than
//! those six, the two cases of one name with different values (both are
//! always set from one value), and a `proxy_env` value that contradicts a
//! plain key of the same file.

use super::ImageError;
use crate::source::Span;
use crate::value::{Map, Value};
use crate::yaml::{Node, NodeKind};
use std::path::Path;

/// A file's top-level keys, with where each is written.
#[derive(Clone, Debug, Default)]
pub(crate) struct Layer {
    /// The variables (after `proxy_env` is translated).
    pub(crate) vars: Map,
    /// Every top-level key as written, with its span (`proxy_env` included).
    pub(crate) keys: Vec<(String, Span)>,
    /// The keys `proxy_env` set, with the span of the name that set each.
    pub(crate) from_proxy_env: Vec<(&'static str, Span)>,
}

/// The `proxy_env` names and the key each one sets.
const PROXY_NAMES: &[(&str, &str)] = &[
    ("HTTP_PROXY", "http_proxy"),
    ("http_proxy", "http_proxy"),
    ("HTTPS_PROXY", "https_proxy"),
    ("https_proxy", "https_proxy"),
    ("NO_PROXY", "no_proxy"),
    ("no_proxy", "no_proxy"),
];

/// Loads one layer.
///
/// # Errors
/// A missing or malformed file, a top level that is not a mapping, a
/// `proxy_env` the module docs say is refused.
pub(crate) fn load(path: &Path) -> Result<Layer, ImageError> {
    if !path.exists() {
        return Err(ImageError::Read {
            path: path.display().to_string(),
            message: "no such file".into(),
        });
    }
    let (doc, _warnings) = crate::yaml::load_file(path)?.single();
    let Some(node) = doc else {
        return Ok(Layer::default());
    };
    let map = match &node.kind {
        NodeKind::Map(m) => m,
        NodeKind::Null => return Ok(Layer::default()),
        _ => {
            return Err(ImageError::NotAMapping {
                span: node.span.clone(),
                found: node.kind_name(),
            })
        }
    };
    let keys: Vec<(String, Span)> = map
        .entries
        .iter()
        .map(|(k, e)| (k.clone(), e.key_span.clone()))
        .collect();
    let mut vars = match node.to_value() {
        Value::Map(m) => m,
        _ => Map::new(),
    };
    let mut from_proxy_env = Vec::new();
    if let Some(entry) = map.entries.get("proxy_env") {
        vars.shift_remove("proxy_env");
        for (key, (value, span)) in proxy_env(&entry.value)? {
            from_proxy_env.push((key, span.clone()));
            if let Some(plain) = map.entries.get(key) {
                let written = plain.value.to_value();
                if written.py_str() != value {
                    return Err(ImageError::ProxyEnv {
                        span,
                        message: format!(
                            "`proxy_env` sets `{key}` to `{value}`, but `{key}` is also set in this file \
                             (line {}) to `{}`",
                            plain.key_span.line,
                            written.py_str()
                        ),
                    });
                }
            }
            vars.insert(key.to_owned(), Value::Str(value));
        }
    }
    Ok(Layer {
        vars,
        keys,
        from_proxy_env,
    })
}

/// A key `proxy_env` sets: the key, its value, the span of the name.
type ProxyKey = (&'static str, (String, Span));

/// `proxy_env`'s entries as `key → (value, span of the first name)`.
fn proxy_env(node: &Node) -> Result<Vec<ProxyKey>, ImageError> {
    let NodeKind::Map(map) = &node.kind else {
        return Err(ImageError::ProxyEnv {
            span: node.span.clone(),
            message: format!("`proxy_env` must be a mapping, got {}", node.kind_name()),
        });
    };
    let mut out: Vec<ProxyKey> = Vec::new();
    for (name, entry) in &map.entries {
        let Some((_, key)) = PROXY_NAMES.iter().find(|(n, _)| n == name) else {
            return Err(ImageError::ProxyEnv {
                span: entry.key_span.clone(),
                message: format!(
                    "`{name}` in `proxy_env` is not a proxy variable konvoy-image sets; it sets \
                     HTTP_PROXY, HTTPS_PROXY and NO_PROXY (in both cases) from `proxy_env` or \
                     `http_proxy`, `https_proxy` and `no_proxy`"
                ),
            });
        };
        let value = match entry.value.to_value() {
            Value::Null => String::new(),
            v @ (Value::Str(_) | Value::Int(_) | Value::Unsafe(_)) => v.py_str(),
            _ => {
                return Err(ImageError::ProxyEnv {
                    span: entry.value.span.clone(),
                    message: format!("`{name}` in `proxy_env` must be a string"),
                })
            }
        };
        match out.iter().find(|(k, _)| k == key) {
            Some((_, (first, _))) if *first != value => {
                return Err(ImageError::ProxyEnv {
                    span: entry.key_span.clone(),
                    message: format!(
                        "`{name}` in `proxy_env` differs from the other case of the same \
                         variable (`{first}`); konvoy-image sets both cases from one value"
                    ),
                })
            }
            Some(_) => {}
            None => out.push((key, (value, entry.key_span.clone()))),
        }
    }
    Ok(out)
}
