//! `image`: image files and `--overrides`, merged into the variables a
//! provisioning run starts from.
//!
//! As in konvoy-image-builder: `images/common.yaml`, then the image file,
//! then each override, deep-merged in order (maps merge; scalars and lists
//! are replaced); `kubernetes_full_version` follows `kubernetes_version`
//! (plus `+<kubernetes_build_metadata>` when set); then the version flags,
//! then `--extra-vars`. Jinja inside values is kept verbatim: it is
//! templated lazily, per host, like any extra var.
//!
//! Without an image file ([`ImageChoice::PerHost`], konvoy-image-builder
//! v1.5's `provision --inventory-file INV`), each image's configuration is
//! merged the same way and written to `<vars_dir>/<image>.yaml`; the
//! playbook includes the one of each host's OS, from its facts
//! (`konvoy_image_vars_dir`, `host_image`). There the configuration has
//! `include_vars` precedence instead of extra-vars precedence (it still
//! beats inventory, play and role variables); `--extra-vars` stay extra
//! vars.

mod refused;

pub use refused::reason as refusal_reason;

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
    /// A konvoy-image-builder setting konvoy-image does not implement,
    /// turned on by a layer of the configuration.
    #[error("{place}: `{key}` {when} is not supported: {why}; {instead}")]
    Refused {
        /// The top-level key.
        key: &'static str,
        /// What value is refused (`true`, `set`, ...).
        when: &'static str,
        /// Why.
        why: &'static str,
        /// What to do instead.
        instead: &'static str,
        /// `file:line:column` of the key, or the flag that set it.
        place: String,
        /// The key's place in its file, when a file set it.
        span: Option<Span>,
    },
}

/// Which image configuration the hosts get.
#[derive(Clone, Debug)]
pub enum ImageChoice {
    /// One image file for every host (`images/generic/centos-7.yaml`).
    File(PathBuf),
    /// Each host the image of its OS, chosen by the playbook from the
    /// host's facts.
    PerHost {
        /// Every image the playbook may choose: (name, file).
        images: Vec<(String, PathBuf)>,
        /// Where `<name>.yaml` of each merged configuration is written;
        /// it must outlive the run and may hold secrets (keep it private).
        vars_dir: PathBuf,
    },
}

impl Default for ImageChoice {
    fn default() -> ImageChoice {
        ImageChoice::File(PathBuf::new())
    }
}

/// What the user asked for on the command line.
#[derive(Clone, Debug, Default)]
pub struct ImageRequest {
    /// The image file, or one per OS.
    pub image: ImageChoice,
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

/// The merged configuration of a run.
#[derive(Clone, Debug)]
pub struct ImageVars {
    /// The run's extra vars: the configuration itself
    /// ([`ImageChoice::File`]), or `konvoy_image_vars_dir` and the
    /// `--extra-vars` ([`ImageChoice::PerHost`]).
    pub extra_vars: Map,
    /// Each image's merged configuration, by image name (the file stem).
    pub images: Vec<(String, Map)>,
}

/// The extra var naming the directory of per-image configurations.
pub const VARS_DIR_VAR: &str = "konvoy_image_vars_dir";

/// Loads and merges everything into the run's extra vars (see
/// [`resolve`]).
///
/// # Errors
/// As [`resolve`].
pub fn load(req: &ImageRequest) -> Result<Map, ImageError> {
    Ok(resolve(req)?.extra_vars)
}

/// Loads and merges the configuration of every image the request names;
/// for [`ImageChoice::PerHost`] also writes each to its `vars_dir`.
///
/// # Errors
/// A missing or malformed file (with file:line:column), an override that
/// is not a mapping, a malformed `--extra-vars`, an unwritable `vars_dir`.
pub fn resolve(req: &ImageRequest) -> Result<ImageVars, ImageError> {
    match &req.image {
        ImageChoice::File(image) => {
            let vars = merged(req, image)?;
            Ok(ImageVars {
                images: vec![(stem(image), vars.clone())],
                extra_vars: vars,
            })
        }
        ImageChoice::PerHost { images, vars_dir } => {
            let mut out = Vec::new();
            for (name, file) in images {
                let vars = merged(req, file)?;
                let path = vars_dir.join(format!("{name}.yaml"));
                std::fs::write(&path, flow_yaml(&Value::Map(vars.clone()))).map_err(|e| {
                    ImageError::Read {
                        path: path.display().to_string(),
                        message: e.to_string(),
                    }
                })?;
                out.push((name.clone(), vars));
            }
            let mut extra_vars = Map::new();
            extra_vars.insert(
                VARS_DIR_VAR.into(),
                Value::Str(vars_dir.display().to_string()),
            );
            for e in &req.extra_vars {
                extra_vars.extend(parse_extra_vars(e)?);
            }
            Ok(ImageVars {
                extra_vars,
                images: out,
            })
        }
    }
}

/// `v` as one line of YAML flow style (JSON, plus `!unsafe` on unsafe
/// strings, which must stay untemplated when the playbook loads them).
fn flow_yaml(v: &Value) -> String {
    let quoted = |s: &str| serde_json::Value::String(s.to_owned()).to_string();
    match v {
        Value::Unsafe(s) => format!("!unsafe {}", quoted(s)),
        Value::Str(s) | Value::Date(s) => quoted(s),
        Value::List(items) => {
            let inner: Vec<String> = items.iter().map(flow_yaml).collect();
            format!("[{}]", inner.join(", "))
        }
        Value::Map(m) => {
            let inner: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{}: {}", quoted(k), flow_yaml(v)))
                .collect();
            format!("{{{}}}", inner.join(", "))
        }
        other => other.to_serde_json().to_string(),
    }
}

/// An image's name: its file name without `.yaml`.
fn stem(image: &Path) -> String {
    image
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// common.yaml, `image`, the overrides, the flags and `--extra-vars`,
/// merged.
fn merged(req: &ImageRequest, image: &Path) -> Result<Map, ImageError> {
    let mut vars = Map::new();
    let common = req.common.clone().or_else(|| default_common(image));
    if let Some(c) = &common {
        deep_merge(&mut vars, load_map(c)?);
    }
    deep_merge(&mut vars, load_map(image)?);
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
    if let Some((key, when, why, instead)) = refused::find(&vars) {
        return Err(refusal(
            req,
            image,
            common.as_deref(),
            key,
            when,
            why,
            instead,
        ));
    }
    Ok(vars)
}

/// The error for a refused `key`, placed at the last layer that set it.
fn refusal(
    req: &ImageRequest,
    image: &Path,
    common: Option<&Path>,
    key: &'static str,
    when: &'static str,
    why: &'static str,
    instead: &'static str,
) -> ImageError {
    let from_extra = req
        .extra_vars
        .iter()
        .any(|e| parse_extra_vars(e).is_ok_and(|m| m.contains_key(key)));
    let files = common
        .into_iter()
        .chain(std::iter::once(image))
        .chain(req.overrides.iter().map(PathBuf::as_path));
    let span = if from_extra {
        None
    } else {
        files
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .find_map(|f| refused::key_span(f, key))
    };
    ImageError::Refused {
        key,
        when,
        why,
        instead,
        place: span
            .as_ref()
            .map_or_else(|| "--extra-vars".to_owned(), ToString::to_string),
        span,
    }
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
            image: ImageChoice::File(img),
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
            image: ImageChoice::File(img),
            kubernetes_version: Some("1.22.1".into()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(vars["kubernetes_full_version"], Value::Str("1.22.1".into()));
    }

    #[test]
    fn per_host_images_are_merged_and_written_for_the_playbook() {
        let d = tempfile::tempdir().unwrap();
        write(
            d.path(),
            "images/common.yaml",
            "kubernetes_version: \"1.36.4\"\nrepo: \"x/{{ kubernetes_version }}\"\nm: {a: 1}\n",
        );
        let old = write(
            d.path(),
            "images/generic/centos-8.yaml",
            "kubernetes_version: \"1.21.6\"\n",
        );
        let new = write(d.path(), "images/generic/rocky-9.yaml", "{}\n");
        let o = write(d.path(), "o.yaml", "m: {b: !unsafe '{{ raw }}'}\n");
        let vars_dir = d.path().join("vars");
        std::fs::create_dir(&vars_dir).unwrap();
        let got = resolve(&ImageRequest {
            image: ImageChoice::PerHost {
                images: vec![("centos-8".into(), old), ("rocky-9".into(), new)],
                vars_dir: vars_dir.clone(),
            },
            overrides: vec![o],
            extra_vars: vec!["x=1".into()],
            ..Default::default()
        })
        .unwrap();
        assert_eq!(got.extra_vars.len(), 2, "{:?}", got.extra_vars);
        assert_eq!(
            got.extra_vars[VARS_DIR_VAR],
            Value::Str(vars_dir.display().to_string())
        );
        assert_eq!(got.extra_vars["x"], Value::Str("1".into()));
        for (name, want) in [("centos-8", "1.21.6"), ("rocky-9", "1.36.4")] {
            let text = std::fs::read_to_string(vars_dir.join(format!("{name}.yaml"))).unwrap();
            let back = load_map(&vars_dir.join(format!("{name}.yaml"))).unwrap();
            let (_, merged) = got.images.iter().find(|(n, _)| n == name).unwrap();
            assert_eq!(&back, merged, "{text}");
            assert_eq!(back["kubernetes_version"], Value::Str(want.into()));
            assert_eq!(back["kubernetes_full_version"], Value::Str(want.into()));
            assert_eq!(
                back["repo"],
                Value::Str("x/{{ kubernetes_version }}".into())
            );
            assert_eq!(back["x"], Value::Str("1".into()));
            let Value::Map(m) = &back["m"] else {
                panic!("{text}")
            };
            assert_eq!(m["a"], Value::Int(1));
            assert_eq!(m["b"], Value::Unsafe("{{ raw }}".into()), "{text}");
        }
    }

    #[test]
    fn refused_settings_name_the_key_where_it_was_set() {
        let d = tempfile::tempdir().unwrap();
        write(d.path(), "images/common.yaml", "sysprep: false\n");
        let img = write(d.path(), "images/generic/rocky-9.yaml", "{}\n");
        let o = write(
            d.path(),
            "nvidia.yaml",
            "build_name_extra: -nvidia\ngpu:\n  types:\n    - nvidia\n",
        );
        let req = |extra: Vec<String>| ImageRequest {
            image: ImageChoice::File(img.clone()),
            overrides: vec![o.clone()],
            extra_vars: extra,
            ..Default::default()
        };
        let err = load(&req(vec![])).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("nvidia.yaml:2:1: `gpu` with `types` naming `nvidia` is not supported: NVIDIA GPU support"), "{text}");
        assert!(text.ends_with("once the cluster runs"), "{text}");
        let ImageError::Refused {
            span: Some(span), ..
        } = &err
        else {
            panic!("{err:?}")
        };
        assert_eq!((span.line, span.column), (2, 1));
        let err = load(&req(vec![
            "{\"gpu\": {\"types\": []}}".into(),
            "{\"packer_builder_type\": \"amazon\"}".into(),
        ]))
        .unwrap_err();
        assert!(
            err.to_string().starts_with(
                "--extra-vars: `packer_builder_type` (`--provider`) set is not supported"
            ),
            "{err}"
        );
        assert!(load(&req(vec!["{\"gpu\": {}}".into()])).is_ok());
    }

    #[test]
    fn bad_inputs_are_clear() {
        let d = tempfile::tempdir().unwrap();
        let missing = load(&ImageRequest {
            image: ImageChoice::File(d.path().join("nope.yaml")),
            ..Default::default()
        })
        .unwrap_err();
        assert!(missing.to_string().contains("nope.yaml: no such file"));
        let img = write(d.path(), "i.yaml", "{}\n");
        let o = write(d.path(), "o.yaml", "- a\n- b\n");
        let err = load(&ImageRequest {
            image: ImageChoice::File(img),
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
