//! `konvoy-image version` and `--version`: the version, the git commit,
//! and the Kubernetes and containerd versions a provision installs unless
//! told otherwise (read from the built-in `images/common.yaml`).

use engine::value::Value;

/// The text both print (after the program name for `--version`).
pub(crate) fn text() -> String {
    let defaults = crate::content::text("images/common.yaml")
        .and_then(|t| engine::yaml::load_str(t, "images/common.yaml").ok())
        .and_then(|l| l.single().0)
        .map(|n| n.to_value());
    let get = |key: &str| {
        match &defaults {
            Some(Value::Map(m)) => m.get(key).map(|v| v.py_str()),
            _ => None,
        }
        .unwrap_or_else(|| "unknown".into())
    };
    format!(
        "{}\ncommit: {}\ndefault kubernetes version: {}\ndefault containerd version: {}",
        env!("CARGO_PKG_VERSION"),
        konvoy_content::GIT_COMMIT,
        get("kubernetes_version"),
        get("containerd_version"),
    )
}

/// [`text`] for clap, which wants a `'static` string (made once per
/// process).
pub(crate) fn static_text() -> &'static str {
    static TEXT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TEXT.get_or_init(text)
}

/// `konvoy-image version`.
pub(crate) fn run() -> std::process::ExitCode {
    println!("konvoy-image {}", text());
    std::process::ExitCode::SUCCESS
}
