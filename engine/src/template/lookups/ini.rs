//! `ini`: values of an INI file (Python's `ConfigParser`) or of a Java
//! properties file (`type=properties`), as ansible-core 2.19's plugin
//! reads them.
//!
//! Options: `type`, `file`, `section`, `re`, `encoding`, `default`,
//! `case_sensitive`, `allow_no_value` (alias `allow_none`) and
//! `interpolation`, as keyword arguments or written into a term
//! (`'user section=db file=x.ini'`, split as the plugin's `_parse_params`
//! splits it). As in the plugin, one parser serves every term: a file read
//! for a later term adds to what earlier ones read, and the parser's own
//! settings come from the keyword arguments only.
//!
//! Refused: an `encoding` other than UTF-8 or ISO 8859-1 (latin-1).

use super::{find, lookup_failed, term_text};
use crate::facts::ini::{self, Parsed, Syntax};
use indexmap::IndexMap;
use minijinja::value::Kwargs;
use minijinja::{Error, Value};

/// The plugin's options, in its `DOCUMENTATION` order.
const OPTIONS: &[&str] = &[
    "type",
    "file",
    "section",
    "re",
    "encoding",
    "default",
    "case_sensitive",
    "allow_no_value",
    "allow_none",
    "interpolation",
];

fn failed(message: impl std::fmt::Display) -> Error {
    lookup_failed("ini", message)
}

fn py(s: &str) -> String {
    crate::value::Value::from(s).py_repr()
}

/// The options a term may change.
#[derive(Debug, Clone)]
struct Settings {
    type_: String,
    file: String,
    section: String,
    re: bool,
    encoding: String,
    default: Value,
}

impl Settings {
    fn set(&mut self, name: &str, value: &str) -> Result<(), Error> {
        match name {
            "type" => self.type_ = value.to_owned(),
            "file" => self.file = value.to_owned(),
            "section" => self.section = value.to_owned(),
            "re" => {
                self.re = strict_boolean(value).ok_or_else(|| {
                    failed(format_args!(
                        "Config 're' for 'ini' lookup plugin from 'Direct' has an invalid value: \
                         Invalid value provided for 'boolean': {}",
                        py(value)
                    ))
                })?
            }
            "encoding" => self.encoding = value.to_owned(),
            "default" => self.default = Value::from(value),
            // The parser is made once, from the keyword arguments.
            _ => {}
        }
        Ok(())
    }
}

/// Ansible's `boolean(text, strict=True)`.
fn strict_boolean(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" | "on" | "1" | "true" | "t" | "1.0" => Some(true),
        "n" | "no" | "off" | "0" | "false" | "f" | "0.0" => Some(false),
        _ => None,
    }
}

/// The plugin's `_parse_params`: words of `term`, each continuing the
/// value of the last `option=` seen (the key first).
fn parse_params(term: &str) -> Vec<String> {
    let mut params: IndexMap<&str, String> = IndexMap::new();
    let mut keys: Vec<&str> = Vec::new();
    let mut this = "key";
    for (i, phrase) in term.split_whitespace().enumerate() {
        if phrase.contains('=') {
            for k in OPTIONS {
                if phrase.contains(&format!("{k}=")) {
                    this = k;
                }
            }
        }
        match params.get_mut(this) {
            Some(v) if i > 0 && !v.is_empty() => {
                v.push(' ');
                v.push_str(phrase);
            }
            _ => {
                params.insert(this, phrase.to_owned());
                keys.push(this);
            }
        }
    }
    keys.iter().map(|k| params[k].clone()).collect()
}

/// A file's bytes as text in `encoding` (UTF-8 or ISO 8859-1 only).
pub(super) fn decode(plugin: &str, bytes: Vec<u8>, encoding: &str) -> Result<String, Error> {
    let failed = |m: std::fmt::Arguments<'_>| lookup_failed(plugin, m);
    let name = encoding.to_ascii_lowercase().replace(['-', '_'], "");
    match name.as_str() {
        "utf8" => String::from_utf8(bytes)
            .map_err(|e| failed(format_args!("'utf-8' codec can't decode the file: {e}"))),
        "iso88591" | "latin1" | "l1" | "8859" | "cp819" => {
            Ok(bytes.into_iter().map(char::from).collect())
        }
        _ => Err(failed(format_args!(
            "encoding {} is not supported by konvoy-image (only utf-8 and iso8859-1)",
            py(encoding)
        ))),
    }
}

/// Adds what one read gives to what earlier reads gave, as a second
/// `read_file` on the same parser does.
fn merge(into: &mut Parsed, more: Parsed) {
    into.defaults.extend(more.defaults);
    for (name, options) in more.sections {
        match into.sections.iter_mut().find(|(n, _)| *n == name) {
            Some((_, o)) => o.extend(options),
            None => into.sections.push((name, options)),
        }
    }
}

pub(super) fn ini(terms: &[Value], kwargs: &Kwargs) -> Result<Vec<Value>, Error> {
    let text = |name: &str, dflt: &str| -> Result<String, Error> {
        Ok(kwargs
            .get::<Option<Value>>(name)?
            .map_or_else(|| dflt.to_owned(), |v| term_text(&v)))
    };
    let flag = |name: &str, dflt: bool| -> Result<bool, Error> {
        Ok(kwargs
            .get::<Option<Value>>(name)?
            .map_or(dflt, |v| v.is_true()))
    };
    let mut settings = Settings {
        type_: text("type", "ini")?,
        file: text("file", "ansible.ini")?,
        section: text("section", "global")?,
        re: flag("re", false)?,
        encoding: text("encoding", "utf-8")?,
        default: kwargs
            .get::<Option<Value>>("default")?
            .unwrap_or_else(|| Value::from("")),
    };
    let allow_none = flag("allow_none", false)?;
    let syntax = Syntax {
        allow_no_value: flag("allow_no_value", allow_none)?,
        case_sensitive: flag("case_sensitive", false)?,
    };
    let interpolation = flag("interpolation", true)?;
    let mut parser = Parsed::default();
    let mut out = Vec::new();
    for term in terms {
        let term = term_text(term);
        let mut key = term.clone();
        if term.contains('=') || term.trim().contains(' ') {
            let params = parse_params(&term);
            let mut updated_key = false;
            for param in &params {
                if param.contains('=') {
                    let parts: Vec<&str> = param.split('=').collect();
                    let [name, value] = parts[..] else {
                        let list = crate::value::Value::List(
                            params.iter().map(|p| p.as_str().into()).collect(),
                        );
                        return Err(failed(format_args!(
                            "Could not use {} from {}.",
                            py(param),
                            list.py_repr()
                        )));
                    };
                    if !OPTIONS.contains(&name) {
                        return Err(failed(format_args!("{} is not a valid option.", py(name))));
                    }
                    settings.set(name, value)?;
                } else if key == term {
                    key = param.clone();
                    updated_key = true;
                }
            }
            if !updated_key {
                return Err(failed(format_args!(
                    "No key to look up was provided as first term within string inline options: {term}"
                )));
            }
        }
        let path = find("ini", Some("files"), &settings.file)
            .map_err(|_| failed("Invalid filename None."))?;
        let bytes = std::fs::read(&path).map_err(|e| {
            failed(format_args!(
                "reading {}: {e}",
                py(&path.display().to_string())
            ))
        })?;
        let mut contents = decode("ini", bytes, &settings.encoding)?;
        if settings.type_ == "properties" {
            contents.insert_str(0, "[java_properties]\n");
            settings.section = "java_properties".into();
        }
        let read = ini::read_file(&contents, &syntax).map_err(|e| match e {
            ini::ReadError::DuplicateOption { .. } => failed(format_args!(
                "Duplicate option in {}: {e}",
                py(&settings.file)
            )),
            other => failed(other),
        })?;
        merge(&mut parser, read);
        let Some((_, options)) = parser.sections.iter().find(|(n, _)| *n == settings.section)
        else {
            return Err(failed(format_args!(
                "No section {} in {}.",
                py(&settings.section),
                py(&settings.file)
            )));
        };
        let section = &settings.section;
        let options = ini::joined_values(options.clone());
        let defaults = ini::joined_values(parser.defaults.clone());
        let get = |name: &str| -> Result<Option<String>, Error> {
            if interpolation {
                ini::interpolated(section, name, &options, &defaults).map_err(failed)
            } else {
                Ok(options
                    .get(name)
                    .or_else(|| defaults.get(name))
                    .cloned()
                    .flatten())
            }
        };
        let as_value = |v: Option<String>| v.map_or_else(|| Value::from(()), Value::from);
        if settings.re {
            let regex = crate::template::filters::regex_support::compile(
                "ini",
                &format!("\\A(?:{key})"),
                Default::default(),
            )?;
            // `items(section)`: the defaults, then the section's own.
            let mut names: Vec<&String> = defaults.keys().collect();
            names.extend(options.keys().filter(|k| !defaults.contains_key(*k)));
            for name in names {
                if regex.is_match(name).unwrap_or(false) {
                    out.push(as_value(get(name)?));
                }
            }
            continue;
        }
        let name = if syntax.case_sensitive {
            key.clone()
        } else {
            key.to_lowercase()
        };
        if !options.contains_key(&name) && !defaults.contains_key(&name) {
            out.push(settings.default.clone());
            continue;
        }
        if let Some(v) = get(&name)? {
            out.push(Value::from(v));
        }
    }
    Ok(out)
}
