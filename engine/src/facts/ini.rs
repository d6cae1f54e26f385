//! Python's `configparser.ConfigParser()` with its defaults, as far as a
//! local fact file needs it: `[section]` headers, `name = value` or
//! `name: value` (names lowercased), `#`/`;` comment lines, indented
//! continuation lines, a `DEFAULT` section shared by every section,
//! strict duplicates, and `%(name)s` / `%%` interpolation when values are
//! read. The shape of the result, errors included, follows the loop of
//! ansible-core's `LocalFactCollector` over `sections()` and `options()`.
//! [`read_file`] also serves the `ini` lookup, with the parser settings
//! it may change (`allow_no_value`, case-sensitive names) and Python's
//! exception texts.

use crate::report::python_repr;
use crate::value::{Map, Value};
use indexmap::IndexMap;

/// Why a text is not a fact.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum IniError {
    /// `read_file` refused it (no section header, a line that is not an
    /// option, a duplicate).
    Parse,
    /// A value could not be read (interpolation): the error's text.
    Get(String),
    /// The collector's loop wrote into the error text a failed read left
    /// in place of the section (Python's TypeError, its text).
    Type(&'static str),
}

type Options = IndexMap<String, Vec<String>>;

/// Python's `MAX_INTERPOLATION_DEPTH`.
const MAX_DEPTH: usize = 10;

/// The sections of `text` as a mapping of mappings, or why not.
pub(crate) fn sections(text: &str) -> Result<Value, IniError> {
    let (defaults, sections) = read(text).ok_or(IniError::Parse)?;
    let defaults = joined(defaults);
    // What the collector's loop builds; after a failed read it holds the
    // error's text and the next write into it ends the loop with a
    // TypeError, as in Python.
    let mut fact: Result<Map, String> = Ok(Map::new());
    for (name, options) in sections {
        let options = joined(options);
        match &mut fact {
            Ok(m) => {
                m.entry(name.clone())
                    .or_insert_with(|| Value::Map(Map::new()));
            }
            Err(s) if s.contains(&name) => {}
            Err(_) => {
                return Err(IniError::Type(
                    "'str' object does not support item assignment",
                ))
            }
        }
        let mut keys: Vec<&String> = options.keys().collect();
        keys.extend(defaults.keys().filter(|k| !options.contains_key(*k)));
        for key in keys {
            match get(&name, key, &options, &defaults) {
                Err(e) => fact = Err(e),
                Ok(v) => match &mut fact {
                    Ok(m) => {
                        if let Some(Value::Map(s)) = m.get_mut(&name) {
                            s.insert(key.clone(), Value::Str(v));
                        }
                    }
                    Err(_) => {
                        return Err(IniError::Type("string indices must be integers, not 'str'"))
                    }
                },
            }
        }
    }
    match fact {
        Ok(m) => Ok(Value::Map(m)),
        Err(e) => Err(IniError::Get(e)),
    }
}

/// `read_file`: the `DEFAULT` options and the sections, in order.
fn read(text: &str) -> Option<(Options, Vec<(String, Options)>)> {
    let parsed = read_file(text, &Syntax::default()).ok()?;
    let plain = |o: NoValueOptions| -> Option<Options> {
        o.into_iter().map(|(k, v)| Some((k, v?))).collect()
    };
    let defaults = plain(parsed.defaults)?;
    let sections = parsed
        .sections
        .into_iter()
        .map(|(n, o)| Some((n, plain(o)?)))
        .collect::<Option<_>>()?;
    Some((defaults, sections))
}

/// The `ConfigParser` settings that change how a text is read.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Syntax {
    /// `allow_no_value`: a line without a delimiter is an option whose
    /// value is `None`.
    pub allow_no_value: bool,
    /// An `optionxform` that keeps names as written (they are lowercased
    /// by default).
    pub case_sensitive: bool,
}

/// Options whose values may be `None` (`allow_no_value`), lines unjoined.
pub(crate) type NoValueOptions = IndexMap<String, Option<Vec<String>>>;

/// What `read_file` made of a text.
#[derive(Debug, Default)]
pub(crate) struct Parsed {
    /// `DEFAULT`.
    pub defaults: NoValueOptions,
    /// The other sections, in order.
    pub sections: Vec<(String, NoValueOptions)>,
}

/// Why `read_file` refused a text; `Display` is Python's `str()` of the
/// exception (the source is unnamed, `'<???>'`, as a `StringIO` is).
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ReadError {
    /// `MissingSectionHeaderError`.
    #[error("File contains no section headers.\nfile: '<???>', line: {line}\n{}", repr(&format!("{text}\n")))]
    NoSectionHeader { line: usize, text: String },
    /// `DuplicateSectionError`.
    #[error(
        "While reading from '<???>' [line {line:2}]: section {} already exists",
        repr(section)
    )]
    DuplicateSection { line: usize, section: String },
    /// `DuplicateOptionError`.
    #[error(
        "While reading from '<???>' [line {line:2}]: option {} in section {} already exists",
        repr(option),
        repr(section)
    )]
    DuplicateOption {
        line: usize,
        section: String,
        option: String,
    },
    /// `ParsingError`: every line that is not an option.
    #[error("Source contains parsing errors: '<???>'{}", lines.iter().map(|(n, t)| format!("\n\t[line {n:2}]: {}", repr(&format!("{t}\n")))).collect::<String>())]
    Parsing { lines: Vec<(usize, String)> },
}

/// Python's `ConfigParser.read_file` (strict, `=`/`:` delimiters, `#`/`;`
/// full-line comments, no inline comments).
pub(crate) fn read_file(text: &str, syntax: &Syntax) -> Result<Parsed, ReadError> {
    let mut parsed = Parsed::default();
    // Which section receives options: none yet, DEFAULT, or sections[i].
    enum Cur {
        None,
        Default,
        At(usize),
    }
    let mut cur = Cur::None;
    let mut option: Option<String> = None;
    let mut indent = usize::MAX;
    let mut bad: Vec<(usize, String)> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let lineno = n + 1;
        let value = line.trim();
        if value.starts_with('#') || value.starts_with(';') {
            indent = usize::MAX;
            continue;
        }
        let target = match cur {
            Cur::None => None,
            Cur::Default => Some(&mut parsed.defaults),
            Cur::At(i) => Some(&mut parsed.sections[i].1),
        };
        if value.is_empty() {
            // An empty line inside a value belongs to it (joined later).
            if let (Some(t), Some(o)) = (target, &option) {
                if let Some(Some(v)) = t.get_mut(o) {
                    v.push(String::new());
                }
            }
            continue;
        }
        let level = line.len() - line.trim_start().len();
        if let (Some(t), Some(o)) = (target, &option) {
            if level > indent {
                if let Some(Some(v)) = t.get_mut(o) {
                    v.push(value.to_owned());
                }
                continue;
            }
        }
        indent = level;
        if let Some(header) = header(value) {
            if header == "DEFAULT" {
                cur = Cur::Default;
            } else if parsed.sections.iter().any(|(n, _)| n == header) {
                return Err(ReadError::DuplicateSection {
                    line: lineno,
                    section: header.to_owned(),
                });
            } else {
                parsed
                    .sections
                    .push((header.to_owned(), NoValueOptions::new()));
                cur = Cur::At(parsed.sections.len() - 1);
            }
            option = None;
            continue;
        }
        let (section, target) = match cur {
            Cur::None => {
                return Err(ReadError::NoSectionHeader {
                    line: lineno,
                    text: line.to_owned(),
                })
            }
            Cur::Default => ("DEFAULT", &mut parsed.defaults),
            Cur::At(i) => {
                let (name, options) = &mut parsed.sections[i];
                (name.as_str(), options)
            }
        };
        let (name, val) = match value.find(['=', ':']) {
            Some(at) => (&value[..at], Some(value[at + 1..].trim())),
            None if syntax.allow_no_value => (value, None),
            None => {
                bad.push((lineno, line.to_owned()));
                continue;
            }
        };
        let name = name.trim_end();
        let name = if syntax.case_sensitive {
            name.to_owned()
        } else {
            name.to_lowercase()
        };
        if name.is_empty() {
            bad.push((lineno, line.to_owned()));
            continue;
        }
        if target.contains_key(&name) {
            return Err(ReadError::DuplicateOption {
                line: lineno,
                section: section.to_owned(),
                option: name,
            });
        }
        target.insert(name.clone(), val.map(|v| vec![v.to_owned()]));
        option = Some(name);
    }
    if bad.is_empty() {
        Ok(parsed)
    } else {
        Err(ReadError::Parsing { lines: bad })
    }
}

/// Multi-line values joined, trailing whitespace dropped (`None` stays).
pub(crate) fn joined_values(options: NoValueOptions) -> IndexMap<String, Option<String>> {
    options
        .into_iter()
        .map(|(k, v)| (k, v.map(|v| v.join("\n").trim_end().to_owned())))
        .collect()
}

/// `get(section, option)` with `BasicInterpolation` over `options` and
/// `defaults` (a `None` value has nothing to interpolate).
pub(crate) fn interpolated(
    section: &str,
    option: &str,
    options: &IndexMap<String, Option<String>>,
    defaults: &IndexMap<String, Option<String>>,
) -> Result<Option<String>, String> {
    let lookup = |k: &str| {
        options
            .get(k)
            .or_else(|| defaults.get(k))
            .map(|v| v.clone().unwrap_or_default())
    };
    let Some(Some(raw)) = options.get(option).or_else(|| defaults.get(option)) else {
        return Ok(None);
    };
    let mut out = String::new();
    interpolate(section, option, raw, raw, 1, &lookup, &mut out)?;
    Ok(Some(out))
}

/// `\[(?P<header>.+)\]` matched at the start: up to the last `]`.
fn header(value: &str) -> Option<&str> {
    let rest = value.strip_prefix('[')?;
    let end = rest.rfind(']')?;
    (end > 0).then(|| &rest[..end])
}

/// Multi-line values joined, trailing whitespace dropped.
fn joined(options: Options) -> IndexMap<String, String> {
    options
        .into_iter()
        .map(|(k, v)| (k, v.join("\n").trim_end().to_owned()))
        .collect()
}

/// `get(section, option)` with `BasicInterpolation`.
fn get(
    section: &str,
    option: &str,
    options: &IndexMap<String, String>,
    defaults: &IndexMap<String, String>,
) -> Result<String, String> {
    let lookup = |k: &str| options.get(k).or_else(|| defaults.get(k)).cloned();
    let raw = lookup(option).unwrap_or_default();
    let mut out = String::new();
    interpolate(section, option, &raw, &raw, 1, &lookup, &mut out)?;
    Ok(out)
}

fn interpolate(
    section: &str,
    option: &str,
    raw: &str,
    mut rest: &str,
    depth: usize,
    lookup: &dyn Fn(&str) -> Option<String>,
    out: &mut String,
) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err(format!(
            "Recursion limit exceeded in value substitution: option {} in section {} \
             contains an interpolation key which cannot be substituted in {MAX_DEPTH} steps. \
             Raw value: {}",
            repr(option),
            repr(section),
            repr(raw)
        ));
    }
    while !rest.is_empty() {
        let Some(p) = rest.find('%') else {
            out.push_str(rest);
            return Ok(());
        };
        out.push_str(&rest[..p]);
        rest = &rest[p..];
        if let Some(after) = rest.strip_prefix("%%") {
            out.push('%');
            rest = after;
        } else if let Some(key) = rest
            .strip_prefix("%(")
            .and_then(|r| r.find(')').map(|e| (r, e)))
            .filter(|(r, e)| *e > 0 && r[e + 1..].starts_with('s'))
        {
            let (r, e) = key;
            let name = r[..e].to_lowercase();
            rest = &r[e + 2..];
            let Some(v) = lookup(&name) else {
                return Err(format!(
                    "Bad value substitution: option {} in section {} contains an \
                     interpolation key {} which is not a valid option name. Raw value: {}",
                    repr(option),
                    repr(section),
                    repr(&name),
                    repr(raw)
                ));
            };
            match v.contains('%') {
                true => interpolate(section, option, raw, &v, depth + 1, lookup, out)?,
                false => out.push_str(&v),
            }
        } else if rest.starts_with("%(") {
            return Err(format!(
                "bad interpolation variable reference {}",
                repr(rest)
            ));
        } else {
            return Err(format!(
                "'%' must be followed by '%' or '(', found: {}",
                repr(rest)
            ));
        }
    }
    Ok(())
}

fn repr(s: &str) -> String {
    python_repr(&Value::Str(s.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> String {
        crate::report::python_repr(&sections(text).expect("parses"))
    }

    #[test]
    fn sections_options_defaults_and_continuations() {
        assert_eq!(ok(""), "{}");
        assert_eq!(
            ok("[general]\nName = Web\ncolor: blue\n# note\n; note\n[more]\nx=1=2\n"),
            "{'general': {'name': 'Web', 'color': 'blue'}, 'more': {'x': '1=2'}}"
        );
        assert_eq!(
            ok("[DEFAULT]\nsite = dc1\n[a]\nk = v\n  more\n\n  last\n[b]\nsite = dc2\n"),
            "{'a': {'k': 'v\\nmore\\n\\nlast', 'site': 'dc1'}, 'b': {'site': 'dc2'}}"
        );
        assert_eq!(
            ok("[a]\nbase = /srv\npath = %(base)s/app %%d\n"),
            "{'a': {'base': '/srv', 'path': '/srv/app %d'}}"
        );
    }

    #[test]
    fn what_read_file_refuses() {
        assert_eq!(sections("k = v\n"), Err(IniError::Parse));
        assert_eq!(sections("[a]\nno delimiter\n"), Err(IniError::Parse));
        assert_eq!(sections("[a]\n[a]\n"), Err(IniError::Parse));
        assert_eq!(sections("[a]\nk=1\nK=2\n"), Err(IniError::Parse));
    }

    #[test]
    fn interpolation_errors_read_as_pythons() {
        assert_eq!(
            sections("[a]\nk = 50%\n"),
            Err(IniError::Get(
                "'%' must be followed by '%' or '(', found: '%'".into()
            ))
        );
        assert_eq!(
            sections("[a]\nk = %(nope)s\n"),
            Err(IniError::Get(
                "Bad value substitution: option 'k' in section 'a' contains an interpolation \
                 key 'nope' which is not a valid option name. Raw value: '%(nope)s'"
                    .into()
            ))
        );
    }
}
