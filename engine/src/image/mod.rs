//! `image`: image files and `--overrides`, merged into the variables a
//! provisioning run starts from.
//!
//! As in konvoy-image-builder: `images/common.yaml`, then the image file,
//! then each override, deep-merged in order (maps merge; scalars and lists
//! are replaced); `kubernetes_full_version` follows `kubernetes_version`
//! (plus `+<kubernetes_build_metadata>` when set); then the version flags,
//! then `--extra-vars`. Jinja inside values is kept verbatim: it is
//! templated lazily, per host, like any extra var.

use crate::source::Span;
use crate::value::{Map, Value};
use std::path::{Path, PathBuf};

/// An image configuration that did not load.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    /// A file is missing or unreadable.
    #[error("{path}: {message}")]
    Read {
        /// The file.
        path: String,
        /// The OS error.
        message: String,
    },
    /// A file is not valid YAML.
    #[error(transparent)]
    Yaml(#[from] crate::yaml::YamlError),
    /// A file whose top level is not a mapping.
    #[error("{span}: an image or override file must be a mapping, got {found}")]
    NotAMapping {
        /// Where.
        span: Span,
        /// What it was.
        found: &'static str,
    },
    /// A `--extra-vars` value that is neither `k=v`, JSON, nor `@file`.
    #[error("invalid extra vars `{0}`: expected `key=value`, a JSON object, or `@file`")]
    ExtraVars(String),
}

/// What the user asked for on the command line.
#[derive(Clone, Debug, Default)]
pub struct ImageRequest {
    /// The image file (`images/generic/centos-7.yaml`).
    pub image: PathBuf,
    /// `images/common.yaml`; default: `common.yaml` next to the image's
    /// parent directory (`images/`), when it exists.
    pub common: Option<PathBuf>,
    /// `--overrides`, in order.
    pub overrides: Vec<PathBuf>,
    /// `--kubernetes-version`.
    pub kubernetes_version: Option<String>,
    /// `--containerd-version`.
    pub containerd_version: Option<String>,
    /// `--extra-vars`, in order (`k=v`, JSON, `@file`).
    pub extra_vars: Vec<String>,
}

/// Loads and merges everything into the run's extra vars.
///
/// # Errors
/// A missing or malformed file (with file:line:column), an override that
/// is not a mapping, a malformed `--extra-vars`.
pub fn load(req: &ImageRequest) -> Result<Map, ImageError> {
    let mut vars = Map::new();
    let common = req.common.clone().or_else(|| default_common(&req.image));
    if let Some(c) = &common {
        deep_merge(&mut vars, load_map(c)?);
    }
    deep_merge(&mut vars, load_map(&req.image)?);
    for o in &req.overrides {
        deep_merge(&mut vars, load_map(o)?);
    }
    if let Some(v) = &req.kubernetes_version {
        vars.insert("kubernetes_version".into(), Value::Str(v.clone()));
    }
    if let Some(v) = &req.containerd_version {
        vars.insert("containerd_version".into(), Value::Str(v.clone()));
    }
    let full = match (
        vars.get("kubernetes_version"),
        vars.get("kubernetes_build_metadata"),
    ) {
        (Some(v), Some(m)) if !matches!(m, Value::Null) && m.as_str() != Some("") => {
            Some(format!("{}+{}", v.py_str(), m.py_str()))
        }
        (Some(v), _) => Some(v.py_str()),
        _ => None,
    };
    if let Some(full) = full {
        vars.insert("kubernetes_full_version".into(), Value::Str(full));
    }
    for e in &req.extra_vars {
        for (k, v) in parse_extra_vars(e)? {
            vars.insert(k, v);
        }
    }
    Ok(vars)
}

/// `-e`/`--extra-vars` values as Ansible reads them: `@file` (YAML or
/// JSON), a JSON/YAML mapping, or `k=v` pairs separated by spaces
/// (values are strings, quotes removed).
///
/// # Errors
/// A value of none of those forms, or an unreadable file.
pub fn parse_extra_vars(text: &str) -> Result<Map, ImageError> {
    let t = text.trim();
    if let Some(file) = t.strip_prefix('@') {
        return load_map(Path::new(file));
    }
    if t.starts_with('{') {
        let loaded = crate::yaml::load_str(t, "--extra-vars")?;
        return match loaded.single().0.map(|n| n.to_value()) {
            Some(Value::Map(m)) => Ok(m),
            _ => Err(ImageError::ExtraVars(text.to_owned())),
        };
    }
    let words = crate::modules::command::split_words(t)
        .ok_or_else(|| ImageError::ExtraVars(text.to_owned()))?;
    let mut out = Map::new();
    for w in words {
        let (k, v) = w
            .split_once('=')
            .ok_or_else(|| ImageError::ExtraVars(text.to_owned()))?;
        if k.is_empty() {
            return Err(ImageError::ExtraVars(text.to_owned()));
        }
        out.insert(k.to_owned(), Value::Str(v.to_owned()));
    }
    Ok(out)
}

fn default_common(image: &Path) -> Option<PathBuf> {
    let dir = image.parent()?.parent()?;
    let c = dir.join("common.yaml");
    c.exists().then_some(c)
}

fn load_map(path: &Path) -> Result<Map, ImageError> {
    if !path.exists() {
        return Err(ImageError::Read {
            path: path.display().to_string(),
            message: "no such file".into(),
        });
    }
    let (doc, _warnings) = crate::yaml::load_file(path)?.single();
    match doc {
        None => Ok(Map::new()),
        Some(n) => match n.to_value() {
            Value::Map(m) => Ok(m),
            Value::Null => Ok(Map::new()),
            _ => Err(ImageError::NotAMapping {
                span: n.span.clone(),
                found: n.kind_name(),
            }),
        },
    }
}

/// Later wins; maps merge recursively, anything else is replaced.
pub fn deep_merge(into: &mut Map, from: Map) {
    for (k, v) in from {
        match (into.get_mut(&k), v) {
            (Some(Value::Map(a)), Value::Map(b)) => deep_merge(a, b),
            (_, v) => {
                into.insert(k, v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn merge_order_flags_and_full_version() {
        let d = tempfile::tempdir().unwrap();
        write(
            d.path(),
            "images/common.yaml",
            "kubernetes_version: \"1.21.6\"\nmirror: {a: 1, b: 2}\nlist: [1, 2]\n",
        );
        let img = write(
            d.path(),
            "images/generic/centos-7.yaml",
            "build_name: centos-7\n",
        );
        let o = write(
            d.path(),
            "o.yaml",
            "mirror: {b: 3}\nlist: [9]\nkubernetes_build_metadata: fips.0\n",
        );
        let vars = load(&ImageRequest {
            image: img,
            overrides: vec![o],
            extra_vars: vec!["x=1 y='a b'".into(), "{\"z\": true}".into()],
            ..Default::default()
        })
        .unwrap();
        assert_eq!(
            vars["mirror"],
            Value::Map(
                [("a".into(), Value::Int(1)), ("b".into(), Value::Int(3))]
                    .into_iter()
                    .collect()
            )
        );
        assert_eq!(vars["list"], Value::List(vec![Value::Int(9)]));
        assert_eq!(
            vars["kubernetes_full_version"],
            Value::Str("1.21.6+fips.0".into())
        );
        assert_eq!(vars["x"], Value::Str("1".into()));
        assert_eq!(vars["y"], Value::Str("a b".into()));
        assert_eq!(vars["z"], Value::Bool(true));
    }

    #[test]
    fn version_flag_moves_full_version() {
        let d = tempfile::tempdir().unwrap();
        write(
            d.path(),
            "images/common.yaml",
            "kubernetes_version: \"1.21.6\"\n",
        );
        let img = write(d.path(), "images/generic/flatcar.yaml", "{}\n");
        let vars = load(&ImageRequest {
            image: img,
            kubernetes_version: Some("1.22.1".into()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(vars["kubernetes_full_version"], Value::Str("1.22.1".into()));
    }

    #[test]
    fn bad_inputs_are_clear() {
        let d = tempfile::tempdir().unwrap();
        let missing = load(&ImageRequest {
            image: d.path().join("nope.yaml"),
            ..Default::default()
        })
        .unwrap_err();
        assert!(missing.to_string().contains("nope.yaml: no such file"));
        let img = write(d.path(), "i.yaml", "{}\n");
        let o = write(d.path(), "o.yaml", "- a\n- b\n");
        let err = load(&ImageRequest {
            image: img,
            overrides: vec![o],
            ..Default::default()
        })
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("o.yaml:1:1: an image or override file must be a mapping"),
            "{err}"
        );
        assert!(parse_extra_vars("novalue").is_err());
    }
}
