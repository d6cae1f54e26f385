//! Ansible's conversion of a setting's text to its type
//! (`ansible.config.manager.ensure_type`): non-strict booleans, integers
//! through `Decimal`, comma lists with quotes removed, paths with `~`,
//! `$VARS` and `{{CWD}}` expanded and relative paths taken from the
//! config file's directory (or the working directory for environment
//! values).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A setting's value after conversion.
#[derive(Clone, Debug, PartialEq)]
pub enum Typed {
    /// `boolean`/`bool`.
    Bool(bool),
    /// `integer`/`int`.
    Int(i64),
    /// `float`.
    Float(f64),
    /// `list`, `pathspec`, `pathlist`.
    List(Vec<String>),
    /// `string`, `path` and anything else.
    Str(String),
    /// `None` (a `none` type, or a null default).
    Null,
}

impl Typed {
    /// The value as text (lists comma-joined).
    pub fn text(&self) -> String {
        match self {
            Typed::Bool(b) => if *b { "True" } else { "False" }.to_owned(),
            Typed::Int(i) => i.to_string(),
            Typed::Float(f) => f.to_string(),
            Typed::List(l) => l.join(", "),
            Typed::Str(s) => s.clone(),
            Typed::Null => "None".to_owned(),
        }
    }
}

/// What a relative path or `$VAR` in a value is resolved against.
pub struct Context<'a> {
    /// The process environment.
    pub env: &'a BTreeMap<String, String>,
    /// The working directory.
    pub cwd: &'a Path,
    /// `$HOME`, for `~`.
    pub home: Option<&'a Path>,
    /// The directory of the config file the value came from; `None` for
    /// environment values (relative to the working directory).
    pub base: Option<&'a Path>,
}

/// `ensure_type(value, kind)`; `Err` with Ansible's reason when the text
/// does not convert. `from_ini` removes one level of surrounding quotes
/// from string results, as Ansible does for `ansible.cfg` values.
pub fn convert(raw: &str, kind: &str, from_ini: bool, cx: &Context<'_>) -> Result<Typed, String> {
    let unquoted = || {
        if from_ini {
            unquote(raw).to_owned()
        } else {
            raw.to_owned()
        }
    };
    Ok(match kind.to_ascii_lowercase().as_str() {
        "boolean" | "bool" => Typed::Bool(boolean(raw)),
        "integer" | "int" => Typed::Int(
            integer(raw).ok_or_else(|| format!("Invalid value provided for 'integer': '{raw}'"))?,
        ),
        "float" => Typed::Float(
            raw.trim()
                .parse()
                .map_err(|_| format!("Invalid value provided for 'float': '{raw}'"))?,
        ),
        "list" => Typed::List(
            raw.split(',')
                .map(|x| unquote(x.trim()).to_owned())
                .collect(),
        ),
        "none" if raw == "None" => Typed::Null,
        "path" | "tmppath" | "temppath" | "tmp" => {
            Typed::Str(resolve_path(&unquoted(), cx).display().to_string())
        }
        "pathspec" => Typed::List(
            raw.split(':')
                .map(|p| resolve_path(p, cx).display().to_string())
                .collect(),
        ),
        "pathlist" => Typed::List(
            raw.split(',')
                .map(|p| resolve_path(p.trim(), cx).display().to_string())
                .collect(),
        ),
        _ => Typed::Str(unquoted()),
    })
}

/// A JSON default of the data file, typed.
pub fn default_of(json: &str) -> Option<Typed> {
    let v: serde_json::Value = serde_json::from_str(json).ok()?;
    Some(match v {
        serde_json::Value::Null => Typed::Null,
        serde_json::Value::Bool(b) => Typed::Bool(b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Typed::Int(i),
            None => Typed::Float(n.as_f64()?),
        },
        serde_json::Value::String(s) if s.contains("{{") => return None,
        serde_json::Value::String(s) => Typed::Str(s),
        serde_json::Value::Array(a) => Typed::List(
            a.iter()
                .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_owned))
                .collect(),
        ),
        serde_json::Value::Object(_) => return None,
    })
}

/// Ansible's `boolean(value, strict=False)`: anything not true is false.
pub fn boolean(raw: &str) -> bool {
    matches!(
        raw.trim().to_ascii_lowercase().as_str(),
        "y" | "yes" | "on" | "1" | "true" | "t" | "1.0"
    )
}

/// An integer as `int(Decimal(text))` when that loses nothing.
pub(crate) fn integer(raw: &str) -> Option<i64> {
    let t = raw.trim().replace('_', "");
    if let Ok(i) = t.parse::<i64>() {
        return Some(i);
    }
    let f: f64 = t.parse().ok()?;
    (f.is_finite() && f.fract() == 0.0 && f.abs() < 9.0e15).then_some(f as i64)
}

/// Removes one pair of matching surrounding quotes (`parsing.quoting.unquote`).
pub fn unquote(s: &str) -> &str {
    let b = s.as_bytes();
    if b.len() > 1
        && b[0] == b[b.len() - 1]
        && matches!(b[0], b'"' | b'\'')
        && b[b.len() - 2] != b'\\'
    {
        &s[1..s.len() - 1]
    } else {
        s
    }
}

/// `resolve_path`: `{{CWD}}`, `$VAR`/`${VAR}`, `~`, then relative to the
/// base directory, normalised without touching the file system.
pub fn resolve_path(path: &str, cx: &Context<'_>) -> PathBuf {
    let cwd = cx.cwd.display().to_string();
    let path = path.replace("{{CWD}}", &cwd);
    let path = expand_vars(&path, cx.env);
    let path = match (path.strip_prefix('~'), cx.home) {
        (Some(rest), Some(home)) if rest.is_empty() || rest.starts_with('/') => {
            format!("{}{rest}", home.display())
        }
        _ => path,
    };
    let p = PathBuf::from(&path);
    let joined = if p.is_absolute() {
        p
    } else {
        cx.base.unwrap_or(cx.cwd).join(p)
    };
    normalise(&joined)
}

/// Python's `os.path.expandvars`: `$NAME` and `${NAME}` of set variables;
/// unset ones stay as written.
pub fn expand_vars(s: &str, env: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        let (name, len) = if let Some(inner) = after.strip_prefix('{') {
            match inner.find('}') {
                Some(end) => (&inner[..end], end + 2),
                None => ("", 0),
            }
        } else {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..end], end)
        };
        match env.get(name).filter(|_| !name.is_empty()) {
            Some(v) => {
                out.push_str(v);
                rest = &after[len..];
            }
            None => {
                out.push('$');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// `os.path.normpath` for an absolute path.
fn normalise(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_follow_ensure_type() {
        let env: BTreeMap<String, String> = [("VENV".to_owned(), "/opt/venv".to_owned())]
            .into_iter()
            .collect();
        let cx = Context {
            env: &env,
            cwd: Path::new("/work"),
            home: Some(Path::new("/home/me")),
            base: Some(Path::new("/etc/proj")),
        };
        let c = |raw: &str, kind: &str| convert(raw, kind, true, &cx).unwrap();
        assert_eq!(c("False", "boolean"), Typed::Bool(false));
        assert_eq!(c("nonsense", "boolean"), Typed::Bool(false));
        assert_eq!(c(" Yes ", "bool"), Typed::Bool(true));
        assert_eq!(c("10", "integer"), Typed::Int(10));
        assert_eq!(c("10.0", "integer"), Typed::Int(10));
        assert!(convert("10.5", "integer", true, &cx).is_err());
        assert!(convert("abc", "int", true, &cx).is_err());
        assert_eq!(c("'quoted'", "string"), Typed::Str("quoted".into()));
        assert_eq!(
            convert("'quoted'", "string", false, &cx).unwrap(),
            Typed::Str("'quoted'".into())
        );
        assert_eq!(
            c("a, 'b' ,c", "list"),
            Typed::List(vec!["a".into(), "b".into(), "c".into()])
        );
        assert_eq!(c("keys/id", "path"), Typed::Str("/etc/proj/keys/id".into()));
        assert_eq!(
            c("~/.ssh/id", "path"),
            Typed::Str("/home/me/.ssh/id".into())
        );
        assert_eq!(
            c("roles:$VENV/roles:${NOPE}/x", "pathspec"),
            Typed::List(vec![
                "/etc/proj/roles".into(),
                "/opt/venv/roles".into(),
                "/etc/proj/${NOPE}/x".into()
            ])
        );
        assert_eq!(
            c("{{CWD}}/inv, ../hosts", "pathlist"),
            Typed::List(vec!["/work/inv".into(), "/etc/hosts".into()])
        );
        assert_eq!(default_of("[\"a\"]"), Some(Typed::List(vec!["a".into()])));
        assert_eq!(default_of("\"{{ ANSIBLE_HOME }}\""), None);
    }
}
