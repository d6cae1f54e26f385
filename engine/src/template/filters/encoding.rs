//! Serialisation, encoding and hashing filters: `to_json`, `to_nice_json`,
//! `from_json`, `to_yaml`, `to_nice_yaml`, `from_yaml`, `from_yaml_all`,
//! `b64encode`, `b64decode`, `hash`, `md5`, `sha1`, `checksum`.
//!
//! JSON and YAML text come from the engine's own writers
//! ([`crate::value::Value::to_json`], [`crate::yaml::dump`]), which match
//! Python's `json.dumps` and PyYAML byte for byte; `from_yaml` uses the
//! engine's YAML 1.1 loader, as Ansible reads YAML.

use super::failed;
use crate::template::native::{from_jinja, json_to_jinja, to_jinja};
use crate::value::JsonOptions;
use crate::yaml::{self, DumpStyle};
use base64::Engine as _;
use minijinja::value::Kwargs;
use minijinja::{Environment, Error, Value};

pub(super) fn register(env: &mut Environment<'static>) {
    env.add_filter("to_json", to_json);
    env.add_filter("to_nice_json", to_nice_json);
    env.add_filter("from_json", from_json);
    // Jinja2's `tojson` returns markup, which Ansible stores as a plain
    // string; here a "safe" string would read back as `!unsafe`.
    env.add_filter(
        "tojson",
        |v: &Value, indent: Option<Value>, kwargs: Kwargs| {
            minijinja::filters::tojson(v, indent, kwargs).map(|json| Value::from(json.to_string()))
        },
    );
    env.add_filter("to_yaml", to_yaml);
    env.add_filter("to_nice_yaml", to_nice_yaml);
    env.add_filter("from_yaml", from_yaml);
    env.add_filter("from_yaml_all", from_yaml_all);
    env.add_filter("b64encode", b64encode);
    env.add_filter("b64decode", b64decode);
    env.add_filter("hash", hash);
    env.add_filter("md5", |v: &Value| digest("md5", &text(v)));
    env.add_filter("sha1", |v: &Value| digest("sha1", &text(v)));
    env.add_filter("checksum", |v: &Value| digest("sha1", &text(v)));
}

fn text(v: &Value) -> String {
    super::regex::text_of(v)
}

fn to_json(value: &Value, kwargs: Kwargs) -> Result<String, Error> {
    let opts = JsonOptions {
        indent: kwargs.get::<Option<usize>>("indent")?,
        sort_keys: kwargs.get::<Option<bool>>("sort_keys")?.unwrap_or(false),
        ensure_ascii: kwargs.get::<Option<bool>>("ensure_ascii")?.unwrap_or(true),
    };
    kwargs.assert_all_used()?;
    Ok(from_jinja(value).to_json(opts))
}

fn to_nice_json(value: &Value, kwargs: Kwargs) -> Result<String, Error> {
    let opts = JsonOptions {
        indent: Some(kwargs.get::<Option<usize>>("indent")?.unwrap_or(4)),
        sort_keys: kwargs.get::<Option<bool>>("sort_keys")?.unwrap_or(true),
        ensure_ascii: kwargs.get::<Option<bool>>("ensure_ascii")?.unwrap_or(true),
    };
    kwargs.assert_all_used()?;
    Ok(from_jinja(value).to_json(opts))
}

fn from_json(value: &str) -> Result<Value, Error> {
    let parsed: serde_json::Value =
        serde_json::from_str(value).map_err(|e| failed("from_json", e))?;
    Ok(json_to_jinja(parsed))
}

fn to_yaml(value: &Value, kwargs: Kwargs) -> Result<String, Error> {
    let indent = kwargs.get::<Option<usize>>("indent")?;
    let flow = kwargs.get::<Option<bool>>("default_flow_style")?;
    kwargs.assert_all_used()?;
    let style = match (flow, indent) {
        (Some(false), indent) => DumpStyle::Nice {
            indent: indent.unwrap_or(2),
        },
        _ => DumpStyle::Flow,
    };
    Ok(yaml::dump(&from_jinja(value), style))
}

fn to_nice_yaml(value: &Value, kwargs: Kwargs) -> Result<String, Error> {
    let indent = kwargs.get::<Option<usize>>("indent")?.unwrap_or(4);
    kwargs.assert_all_used()?;
    Ok(yaml::dump(&from_jinja(value), DumpStyle::Nice { indent }))
}

/// `from_yaml`: YAML 1.1 as Ansible reads it (`yes` is `True`); non-strings
/// pass through.
fn from_yaml(value: &Value) -> Result<Value, Error> {
    let Some(text) = value.as_str() else {
        return Ok(value.clone());
    };
    let (doc, _warnings) = yaml::load_str(text, "<from_yaml>")
        .map_err(|e| failed("from_yaml", e))?
        .single();
    Ok(doc.map_or(Value::from(()), |node| to_jinja(&node.to_value())))
}

fn from_yaml_all(value: &str) -> Result<Vec<Value>, Error> {
    let loaded =
        yaml::load_str(value, "<from_yaml_all>").map_err(|e| failed("from_yaml_all", e))?;
    Ok(loaded
        .docs
        .iter()
        .map(|node| to_jinja(&node.to_value()))
        .collect())
}

fn b64encode(value: &Value, encoding: Option<&str>) -> Result<String, Error> {
    check_encoding("b64encode", encoding)?;
    Ok(base64::engine::general_purpose::STANDARD.encode(text(value)))
}

fn b64decode(value: &str, encoding: Option<&str>) -> Result<String, Error> {
    check_encoding("b64decode", encoding)?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(value.trim())
        .map_err(|e| failed("b64decode", e))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn check_encoding(filter: &str, encoding: Option<&str>) -> Result<(), Error> {
    match encoding.map(str::to_ascii_lowercase).as_deref() {
        None | Some("utf-8" | "utf8") => Ok(()),
        Some(other) => Err(failed(
            filter,
            format_args!("unsupported encoding `{other}`"),
        )),
    }
}

fn hash(value: &Value, algorithm: Option<&str>) -> Result<String, Error> {
    digest(algorithm.unwrap_or("sha1"), &text(value))
}

fn digest(algorithm: &str, data: &str) -> Result<String, Error> {
    use sha2::Digest;
    Ok(match algorithm {
        "md5" => hex::encode(md5::Md5::digest(data)),
        "sha1" => hex::encode(sha1::Sha1::digest(data)),
        "sha224" => hex::encode(sha2::Sha224::digest(data)),
        "sha256" => hex::encode(sha2::Sha256::digest(data)),
        "sha384" => hex::encode(sha2::Sha384::digest(data)),
        "sha512" => hex::encode(sha2::Sha512::digest(data)),
        other => {
            return Err(failed(
                "hash",
                format_args!("unsupported hash type `{other}`"),
            ))
        }
    })
}
