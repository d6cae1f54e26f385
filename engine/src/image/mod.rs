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
//! Without an image file ([`PerHost`], konvoy-image-builder v1.5's
//! `provision --inventory-file INV`), each image's configuration is merged
//! the same way and written to `<vars_dir>/<image>.yaml`; the playbook
//! includes the one of each host's OS, chosen from its facts
//! (`konvoy_image_vars_dir`, `host_image`). There the configuration has
//! `include_vars` precedence instead of extra-vars precedence (it still
//! beats inventory, play and role variables); `--extra-vars` stay extra
//! vars.

mod keys;
mod layer;

pub use keys::{through_values, unread_keys, KIB_KEYS};

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
    /// A `proxy_env` map konvoy-image cannot honour as written.
    #[error("{span}: {message}")]
    ProxyEnv {
        /// Where.
        span: Span,
        /// What is wrong.
        message: String,
    },
    /// A key nothing reads (a warning).
    #[error("{span}: `{key}` is not read by the provisioning playbook, its roles or templates; it has no effect")]
    UnusedKey {
        /// The key.
        key: String,
        /// The closest key that is read.
        closest: Option<String>,
        /// Where it is written.
        span: Span,
    },
    /// A konvoy-image-builder key konvoy-image does not implement: a
    /// warning, or refused when its value asks for the feature.
    #[error(
        "{span}: `{key}` is a konvoy-image-builder setting that konvoy-image does not implement: {reason}{}",
        if *refused { "" } else { "; it has no effect" }
    )]
    UnsupportedKey {
        /// The key.
        key: String,
        /// Why it is not implemented.
        reason: String,
        /// Whether its value asks for the feature (the run is refused).
        refused: bool,
        /// Where it is written.
        span: Span,
    },
    /// A `--extra-vars` value that is neither `k=v`, JSON, nor `@file`.
    #[error("invalid extra vars `{0}`: expected `key=value`, a JSON object, or `@file`")]
    ExtraVars(String),
    /// A `--extra-vars` file name written without its `@`.
    #[error("Please prepend extra_vars filename '{0}' with '@'")]
    ExtraVarsFile(String),
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

/// The merged configuration, and every top-level key of its files.
#[derive(Clone, Debug, Default)]
pub struct ImageConfig {
    /// The run's extra vars.
    pub vars: Map,
    /// Every top-level key of every file, in load order: the key, where it
    /// is written and its value in that file.
    pub keys: Vec<(String, Span, Value)>,
    /// Every variable with where its value was set last: a file's
    /// `path:line:column`, a flag, `--extra-vars`, or how it is derived.
    pub origins: std::collections::BTreeMap<String, String>,
    /// The files merged, in load order.
    pub files: Vec<PathBuf>,
}

/// Each host the image of its OS: every image the playbook may choose.
#[derive(Clone, Debug)]
pub struct PerHost {
    /// (image name, file) for each image.
    pub images: Vec<(String, PathBuf)>,
    /// Where `<name>.yaml` of each merged configuration is written; it must
    /// outlive the run and may hold secrets (keep it private).
    pub vars_dir: PathBuf,
}

/// The configurations of a run without an image file.
#[derive(Clone, Debug)]
pub struct PerHostConfigs {
    /// The run's extra vars: [`VARS_DIR_VAR`] and the `--extra-vars`.
    pub extra_vars: Map,
    /// Each image's merged configuration, by image name.
    pub images: Vec<(String, ImageConfig)>,
}

/// The extra var naming the directory of per-image configurations.
pub const VARS_DIR_VAR: &str = "konvoy_image_vars_dir";

/// Merges every image of `per_host` with `req`'s common file, overrides,
/// flags and extra vars (`req.image` is not used) and writes each to
/// `per_host.vars_dir`.
///
/// # Errors
/// As [`load`], and an unwritable `vars_dir`.
pub fn load_per_host(req: &ImageRequest, per_host: &PerHost) -> Result<PerHostConfigs, ImageError> {
    let mut images = Vec::new();
    for (name, file) in &per_host.images {
        let config = load_config(&ImageRequest {
            image: file.clone(),
            ..req.clone()
        })?;
        let path = per_host.vars_dir.join(format!("{name}.yaml"));
        std::fs::write(&path, flow_yaml(&Value::Map(config.vars.clone()))).map_err(|e| {
            ImageError::Read {
                path: path.display().to_string(),
                message: e.to_string(),
            }
        })?;
        images.push((name.clone(), config));
    }
    let mut extra_vars = Map::new();
    extra_vars.insert(
        VARS_DIR_VAR.into(),
        Value::Str(per_host.vars_dir.display().to_string()),
    );
    for e in &req.extra_vars {
        extra_vars.extend(parse_extra_vars(e)?);
    }
    Ok(PerHostConfigs { extra_vars, images })
}

impl PerHostConfigs {
    /// [`unread_keys`] over every image, each key of a shared file (common,
    /// overrides) reported once.
    ///
    /// # Errors
    /// As [`unread_keys`].
    pub fn unread_keys(
        &self,
        reads: &std::collections::BTreeSet<String>,
    ) -> Result<Vec<ImageError>, Vec<ImageError>> {
        let mut seen = std::collections::BTreeSet::new();
        let mut unique = |list: Vec<ImageError>| -> Vec<ImageError> {
            list.into_iter()
                .filter(|e| seen.insert(e.to_string()))
                .collect()
        };
        let mut warnings = Vec::new();
        let mut refused = Vec::new();
        for (_, config) in &self.images {
            match unread_keys(config, reads) {
                Ok(w) => warnings.extend(unique(w)),
                Err(r) => refused.extend(unique(r)),
            }
        }
        if refused.is_empty() {
            Ok(warnings)
        } else {
            Err(refused)
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

/// Several image errors at once (the refused keys of the files).
#[derive(Debug, thiserror::Error)]
#[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
pub struct ImageErrors(pub Vec<ImageError>);

/// Loads and merges everything into the run's extra vars.
///
/// # Errors
/// A missing or malformed file (with file:line:column), an override that
/// is not a mapping, a refused `proxy_env`, a malformed `--extra-vars`.
pub fn load(req: &ImageRequest) -> Result<Map, ImageError> {
    Ok(load_config(req)?.vars)
}

/// [`load`], keeping where every key is written.
///
/// # Errors
/// As [`load`].
pub fn load_config(req: &ImageRequest) -> Result<ImageConfig, ImageError> {
    let mut config = ImageConfig::default();
    let mut vars = Map::new();
    let common = req.common.clone().or_else(|| default_common(&req.image));
    let files: Vec<&Path> = common
        .iter()
        .map(PathBuf::as_path)
        .chain(std::iter::once(req.image.as_path()))
        .chain(req.overrides.iter().map(PathBuf::as_path))
        .collect();
    for file in files {
        config.files.push(file.to_path_buf());
        let layer = layer::load(file)?;
        for (key, span) in layer.keys {
            let value = layer.vars.get(&key).cloned().unwrap_or(Value::Null);
            config.origins.insert(key.clone(), span.to_string());
            config.keys.push((key, span, value));
        }
        for (key, span) in layer.from_proxy_env {
            config
                .origins
                .insert(key.to_owned(), format!("{span} (proxy_env)"));
        }
        deep_merge(&mut vars, layer.vars);
    }
    if let Some(v) = &req.kubernetes_version {
        vars.insert("kubernetes_version".into(), Value::Str(v.clone()));
        config
            .origins
            .insert("kubernetes_version".into(), "--kubernetes-version".into());
    }
    if let Some(v) = &req.containerd_version {
        vars.insert("containerd_version".into(), Value::Str(v.clone()));
        config
            .origins
            .insert("containerd_version".into(), "--containerd-version".into());
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
        config.origins.insert(
            "kubernetes_full_version".into(),
            "derived from kubernetes_version (+ kubernetes_build_metadata)".into(),
        );
    }
    for e in &req.extra_vars {
        for (k, v) in parse_extra_vars(e)? {
            config.origins.insert(k.clone(), "--extra-vars".into());
            vars.insert(k, v);
        }
    }
    config.vars = vars;
    Ok(config)
}

/// `-e`/`--extra-vars` values as ansible-core's `load_extra_vars` reads
/// them: `@file` (YAML or JSON), a YAML/JSON mapping when the text starts
/// with `{` or `[`, else `k=v` pairs as `parse_kv` splits them (quotes
/// and jinja blocks kept together, Python escapes such as `\n` decoded,
/// a value unquoted when both its ends hold the same quote).
///
/// # Errors
/// A file name without `@`, a list, words that are not `k=v` (Ansible
/// would store them as the variable `_raw_params`), or an unreadable file.
pub fn parse_extra_vars(text: &str) -> Result<Map, ImageError> {
    if text.is_empty() {
        return Ok(Map::new());
    }
    if let Some(file) = text.strip_prefix('@') {
        return load_map(Path::new(file));
    }
    let bad = || ImageError::ExtraVars(text.to_owned());
    if text.starts_with(['{', '[']) {
        let loaded = crate::yaml::load_str(text, "--extra-vars")?;
        return match loaded.single().0.map(|n| n.to_value()) {
            Some(Value::Map(m)) => Ok(m),
            _ => Err(bad()),
        };
    }
    if text.starts_with(['/', '.']) {
        return Err(ImageError::ExtraVarsFile(text.to_owned()));
    }
    let span = crate::source::Span::file("--extra-vars");
    let (pairs, raw) = crate::playbook::split_kv(text, false, &span).map_err(|_| bad())?;
    if raw.is_some() || pairs.iter().any(|(k, _)| k.is_empty()) {
        return Err(bad());
    }
    Ok(pairs.into_iter().map(|(k, v)| (k, Value::Str(v))).collect())
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
        assert!(parse_extra_vars("./vars.yml").is_err());
        assert!(parse_extra_vars("[1, 2]").is_err());
    }

    /// Expected values from ansible-core 2.19.14's `parse_kv` on the same
    /// text (`-e 'x="a\nb" y=c\\d'`).
    #[test]
    fn key_value_extra_vars_split_and_decode_as_parse_kv() {
        let m = parse_extra_vars(r#"x="a\nb" y=c\\d z='two words'"#).expect("parses");
        assert_eq!(m.get("x"), Some(&Value::from("a\nb")));
        assert_eq!(m.get("y"), Some(&Value::from("c\\d")));
        assert_eq!(m.get("z"), Some(&Value::from("two words")));
        let m = parse_extra_vars("{a: 1}").expect("a mapping");
        assert_eq!(m.get("a"), Some(&Value::Int(1)));
        assert!(parse_extra_vars("").expect("nothing").is_empty());
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
        let o = write(
            d.path(),
            "o.yaml",
            "m: {b: !unsafe '{{ raw }}'}\nhtpp_proxy: x\n",
        );
        let vars_dir = d.path().join("vars");
        std::fs::create_dir(&vars_dir).unwrap();
        let got = load_per_host(
            &ImageRequest {
                overrides: vec![o],
                extra_vars: vec!["x=1".into()],
                ..Default::default()
            },
            &PerHost {
                images: vec![("centos-8".into(), old), ("rocky-9".into(), new)],
                vars_dir: vars_dir.clone(),
            },
        )
        .unwrap();
        assert_eq!(got.extra_vars.len(), 2, "{:?}", got.extra_vars);
        assert_eq!(
            got.extra_vars[VARS_DIR_VAR],
            Value::Str(vars_dir.display().to_string())
        );
        assert_eq!(got.extra_vars["x"], Value::Str("1".into()));
        for (name, want) in [("centos-8", "1.21.6"), ("rocky-9", "1.36.4")] {
            let path = vars_dir.join(format!("{name}.yaml"));
            let text = std::fs::read_to_string(&path).unwrap();
            let back = load_map(&path).unwrap();
            let (_, merged) = got.images.iter().find(|(n, _)| n == name).unwrap();
            assert_eq!(back, merged.vars, "{text}");
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
        // The override's misspelt key is reported once, not once per image.
        let reads = ["kubernetes_version", "repo", "m", "x"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        let warnings = got.unread_keys(&reads).unwrap();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].to_string().contains("`htpp_proxy`"));
    }

    /// The proxy override of the original tool's documentation.
    const KIB_PROXY: &str = "---\nproxy_env:\n  HTTPS_PROXY: \"http://proxy:3128\"\n  \
        https_proxy: \"http://proxy:3128\"\n  HTTP_PROXY: \"http://proxy:3128\"\n  \
        http_proxy: \"http://proxy:3128\"\n  NO_PROXY: \"example.org,example.com\"\n  \
        no_proxy: \"example.org,example.com\"\n";

    #[test]
    fn proxy_env_sets_the_proxy_keys_in_its_layer() {
        let d = tempfile::tempdir().unwrap();
        let img = write(
            d.path(),
            "i.yaml",
            "http_proxy: http://old:1\nno_proxy: keep\n",
        );
        let o = write(d.path(), "http-proxy-override.yaml", KIB_PROXY);
        let config = load_config(&ImageRequest {
            image: img.clone(),
            overrides: vec![o.clone()],
            ..Default::default()
        })
        .unwrap();
        let str_of = |k: &str| {
            config
                .vars
                .get(k)
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        assert_eq!(str_of("http_proxy").as_deref(), Some("http://proxy:3128"));
        assert_eq!(str_of("https_proxy").as_deref(), Some("http://proxy:3128"));
        assert_eq!(
            str_of("no_proxy").as_deref(),
            Some("example.org,example.com")
        );
        assert!(!config.vars.contains_key("proxy_env"));
        assert_eq!(
            config.origins["http_proxy"],
            format!("{}:5:3 (proxy_env)", o.display())
        );
        // A later plain key overrides an earlier proxy_env, as any key does.
        let later = write(d.path(), "later.yaml", "https_proxy: http://later:2\n");
        let config = load_config(&ImageRequest {
            image: img,
            overrides: vec![o, later],
            ..Default::default()
        })
        .unwrap();
        assert_eq!(
            config.vars["https_proxy"],
            Value::Str("http://later:2".into())
        );
    }

    #[test]
    fn proxy_env_that_cannot_be_honoured_is_refused_with_its_place() {
        let d = tempfile::tempdir().unwrap();
        let img = write(d.path(), "i.yaml", "{}\n");
        let err = |text: &str| {
            let o = write(d.path(), "o.yaml", text);
            load_config(&ImageRequest {
                image: img.clone(),
                overrides: vec![o],
                ..Default::default()
            })
            .unwrap_err()
            .to_string()
        };
        let e = err("proxy_env:\n  HTTP_PROXY: http://a:1\n  http_proxy: http://b:2\n");
        assert!(
            e.contains("o.yaml:3:3: `http_proxy` in `proxy_env` differs"),
            "{e}"
        );
        let e = err("proxy_env:\n  FTP_PROXY: ftp://a\n");
        assert!(
            e.contains("o.yaml:2:3: `FTP_PROXY` in `proxy_env` is not a proxy variable"),
            "{e}"
        );
        let e = err("no_proxy: a\nproxy_env:\n  NO_PROXY: b\n");
        assert!(
            e.contains("o.yaml:3:3: `proxy_env` sets `no_proxy` to `b`"),
            "{e}"
        );
        let e = err("proxy_env: [a]\n");
        assert!(e.contains("`proxy_env` must be a mapping"), "{e}");
    }

    #[test]
    fn keys_nothing_reads_are_named_with_their_place() {
        let d = tempfile::tempdir().unwrap();
        let img = write(d.path(), "i.yaml", "http_proxy: x\n");
        let o = write(
            d.path(),
            "o.yaml",
            "htpp_proxy: x\ngpu:\n  types: []\nbuild_name: b\nproxy_env: {no_proxy: y}\n",
        );
        let config = load_config(&ImageRequest {
            image: img.clone(),
            overrides: vec![o],
            ..Default::default()
        })
        .unwrap();
        let reads: std::collections::BTreeSet<String> = ["http_proxy", "no_proxy"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        let warnings = unread_keys(&config, &reads).unwrap();
        let texts: Vec<String> = warnings.iter().map(ToString::to_string).collect();
        assert_eq!(texts.len(), 3, "{texts:#?}");
        assert!(texts[0].ends_with("o.yaml:1:1: `htpp_proxy` is not read by the provisioning playbook, its roles or templates; it has no effect"), "{}", texts[0]);
        assert!(
            matches!(&warnings[0], ImageError::UnusedKey { closest: Some(c), .. } if c == "http_proxy")
        );
        assert!(
            texts[1].contains("o.yaml:2:1: `gpu` is a konvoy-image-builder setting"),
            "{}",
            texts[1]
        );
        assert!(texts[1].ends_with("; it has no effect"), "{}", texts[1]);
        assert!(texts[2].contains("`build_name`"), "{}", texts[2]);
        // Asking for a feature konvoy-image does not implement is refused.
        let o = write(
            d.path(),
            "o.yaml",
            "gpu:\n  types: [nvidia]\napply_iptables_rules: true\npip_packages_local_bundle_file: x.tgz\n",
        );
        let config = load_config(&ImageRequest {
            image: img,
            overrides: vec![o],
            ..Default::default()
        })
        .unwrap();
        let refused = unread_keys(&config, &reads).unwrap_err();
        let keys: Vec<&str> = refused
            .iter()
            .map(|e| match e {
                ImageError::UnsupportedKey {
                    key, refused: true, ..
                } => key.as_str(),
                other => panic!("{other}"),
            })
            .collect();
        assert_eq!(keys, ["gpu", "apply_iptables_rules"]);
    }
}
