//! Serialisation, encoding and hashing filters: `to_json`, `to_nice_json`,
//! `from_json`, `to_yaml`, `to_nice_yaml`, `from_yaml`, `from_yaml_all`,
//! `b64encode`, `b64decode`, `hash`, `md5`, `sha1`, `checksum`.
//!
//! JSON output matches Python's `json.dumps` (`ensure_ascii`, `", "` and
//! `": "` separators, float `repr`). YAML output follows PyYAML's
//! `safe_dump` layout .
//! `from_yaml` reads YAML 1.2 scalars (`yes` stays a string): a known
//! deviation until the engine's YAML 1.1 loader is wired in here.

use super::failed;
use crate::template::native::py_float;
use crate::template::pyyaml;
use base64::Engine as _;
use minijinja::value::{Kwargs, ValueKind};
use minijinja::{Environment, Error, Value};
use std::fmt::Write;

pub(super) fn register(env: &mut Environment<'static>) {
    env.add_filter("to_json", to_json);
    env.add_filter("to_nice_json", to_nice_json);
    env.add_filter("from_json", from_json);
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
    let sort_keys = kwargs.get::<Option<bool>>("sort_keys")?.unwrap_or(false);
    let indent = kwargs.get::<Option<usize>>("indent")?;
    // Accepted for compatibility; output is always ASCII-escaped JSON.
    let _ = kwargs.get::<Option<bool>>("ensure_ascii")?;
    kwargs.assert_all_used()?;
    let mut out = String::new();
    write_json(&mut out, value, &JsonStyle { indent, sort_keys }, 0)?;
    Ok(out)
}

fn to_nice_json(value: &Value, kwargs: Kwargs) -> Result<String, Error> {
    let indent = kwargs.get::<Option<usize>>("indent")?.unwrap_or(4);
    let sort_keys = kwargs.get::<Option<bool>>("sort_keys")?.unwrap_or(true);
    kwargs.assert_all_used()?;
    let mut out = String::new();
    write_json(&mut out, value, &JsonStyle { indent: Some(indent), sort_keys }, 0)?;
    Ok(out)
}

struct JsonStyle {
    indent: Option<usize>,
    sort_keys: bool,
}

/// Map entries in output order.
pub(crate) fn entries(value: &Value, sort_keys: bool) -> Result<Vec<(Value, Value)>, Error> {
    let mut entries = Vec::new();
    for key in value.try_iter()? {
        let item = value.get_item(&key)?;
        entries.push((key, item));
    }
    if sort_keys {
        entries.sort_by(|a, b| a.0.cmp(&b.0));
    }
    Ok(entries)
}

fn write_json(out: &mut String, value: &Value, style: &JsonStyle, depth: usize) -> Result<(), Error> {
    let newline = |out: &mut String, depth: usize| {
        if let Some(n) = style.indent {
            out.push('\n');
            out.push_str(&" ".repeat(n * depth));
        }
    };
    let item_sep = if style.indent.is_some() { "," } else { ", " };
    match value.kind() {
        ValueKind::Undefined | ValueKind::None => out.push_str("null"),
        ValueKind::Bool => out.push_str(if value.is_true() { "true" } else { "false" }),
        ValueKind::Number => {
            if value.is_integer() {
                let _ = write!(out, "{value}");
            } else {
                let f = f64::try_from(value.clone())?;
                out.push_str(&match py_float(f).as_str() {
                    "inf" => "Infinity".to_owned(),
                    "-inf" => "-Infinity".to_owned(),
                    "nan" => "NaN".to_owned(),
                    other => other.to_owned(),
                });
            }
        }
        ValueKind::String => json_string(out, value.as_str().unwrap_or_default()),
        ValueKind::Seq | ValueKind::Iterable => {
            let items: Vec<Value> = value.try_iter()?.collect();
            if items.is_empty() {
                out.push_str("[]");
                return Ok(());
            }
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(item_sep);
                }
                newline(out, depth + 1);
                write_json(out, item, style, depth + 1)?;
            }
            newline(out, depth);
            out.push(']');
        }
        ValueKind::Map => {
            let entries = entries(value, style.sort_keys)?;
            if entries.is_empty() {
                out.push_str("{}");
                return Ok(());
            }
            out.push('{');
            for (i, (key, item)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(item_sep);
                }
                newline(out, depth + 1);
                json_string(out, &crate::template::native::key_text(key));
                out.push_str(": ");
                write_json(out, item, style, depth + 1)?;
            }
            newline(out, depth);
            out.push('}');
        }
        _ => json_string(out, &value.to_string()),
    }
    Ok(())
}

/// A JSON string as Python writes it with `ensure_ascii=True`.
fn json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn from_json(value: &str) -> Result<Value, Error> {
    let parsed: serde_json::Value =
        serde_json::from_str(value).map_err(|e| failed("from_json", e))?;
    Ok(crate::template::native::json_to_jinja(parsed))
}

fn to_yaml(value: &Value, kwargs: Kwargs) -> Result<String, Error> {
    let indent = kwargs.get::<Option<usize>>("indent")?.unwrap_or(2);
    let flow = kwargs.get::<Option<bool>>("default_flow_style")?;
    kwargs.assert_all_used()?;
    pyyaml::dump(value, indent, flow)
}

fn to_nice_yaml(value: &Value, kwargs: Kwargs) -> Result<String, Error> {
    let indent = kwargs.get::<Option<usize>>("indent")?.unwrap_or(4);
    kwargs.assert_all_used()?;
    pyyaml::dump(value, indent, Some(false))
}

fn from_yaml(value: &Value) -> Result<Value, Error> {
    let Some(text) = value.as_str() else {
        // Ansible passes non-strings through.
        return Ok(value.clone());
    };
    let parsed: serde_json::Value =
        serde_yaml::from_str(text).map_err(|e| failed("from_yaml", e))?;
    Ok(crate::template::native::json_to_jinja(parsed))
}

fn from_yaml_all(value: &str) -> Result<Vec<Value>, Error> {
    use serde::Deserialize;
    let mut docs = Vec::new();
    for doc in serde_yaml::Deserializer::from_str(value) {
        let parsed = serde_json::Value::deserialize(doc).map_err(|e| failed("from_yaml_all", e))?;
        docs.push(crate::template::native::json_to_jinja(parsed));
    }
    Ok(docs)
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
        Some(other) => Err(failed(filter, format_args!("unsupported encoding `{other}`"))),
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
        other => return Err(failed("hash", format_args!("unsupported hash type `{other}`"))),
    })
}
