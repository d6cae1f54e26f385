//! `ansible.cfg` as Python's `configparser.ConfigParser(inline_comment_prefixes=(';',))`
//! reads it (ansible-core 2.19 uses exactly that parser), with the line of
//! every section and option kept for error messages.
//!
//! The rules followed (Python 3.11 `RawConfigParser._read`):
//! - a line whose stripped text starts with `#` or `;` is a comment; `;`
//!   after whitespace (or at column 0) starts an inline comment, `#` does not;
//! - `[name]` starts a section (names are case-sensitive); `[DEFAULT]`
//!   holds values every section sees;
//! - `key = value` or `key: value`, split at the first `=` or `:`; keys are
//!   lower-cased; key and value are stripped;
//! - a line indented deeper than its option's line continues the value
//!   (joined with `\n`); blank lines inside a value are kept, trailing
//!   ones dropped;
//! - a repeated section or option, an option before any section and a line
//!   that is neither are errors (Ansible then stops with "Error reading
//!   config file").
//!
//! Values are raw: Ansible reads them with `raw=True`, so `%` needs no
//! escaping and is not interpolated.

use crate::source::Span;
use std::sync::Arc;

/// One `key = value` of a section.
#[derive(Clone, Debug, PartialEq)]
pub struct IniValue {
    /// The value, continuation lines joined with `\n`.
    pub value: String,
    /// Where the key is written.
    pub span: Span,
}

/// A parsed file: sections in file order, each with its options.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct IniFile {
    /// `(section name, options)`, the `DEFAULT` section excluded.
    pub sections: Vec<(String, Vec<(String, IniValue)>)>,
    /// Options of `[DEFAULT]`, visible in every other section.
    pub defaults: Vec<(String, IniValue)>,
}

/// Why a file is not a valid `ansible.cfg`.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum IniError {
    /// An option before the first `[section]`.
    #[error("{span}: file contains no section headers")]
    MissingSectionHeader {
        /// The first option line.
        span: Span,
    },
    /// A section header written twice.
    #[error("{span}: section `{section}` already exists")]
    DuplicateSection {
        /// The section.
        section: String,
        /// The second header.
        span: Span,
    },
    /// An option written twice in one section.
    #[error("{span}: option `{option}` in section `{section}` already exists")]
    DuplicateOption {
        /// The section.
        section: String,
        /// The option (lower case).
        option: String,
        /// The second occurrence.
        span: Span,
    },
    /// A line that is not a section, an option or a comment.
    #[error("{span}: not a `[section]`, a `key = value` line or a comment")]
    BadLine {
        /// The line.
        span: Span,
    },
}

impl IniError {
    /// Where the problem is.
    pub fn span(&self) -> &Span {
        match self {
            IniError::MissingSectionHeader { span }
            | IniError::DuplicateSection { span, .. }
            | IniError::DuplicateOption { span, .. }
            | IniError::BadLine { span } => span,
        }
    }
}

impl IniFile {
    /// The value of `option` in `section` as `parser.get(section, option)`
    /// returns it: the section's own value, else `[DEFAULT]`'s; `None` when
    /// the section does not exist.
    pub fn get(&self, section: &str, option: &str) -> Option<&IniValue> {
        let (_, opts) = self.sections.iter().find(|(s, _)| s == section)?;
        opts.iter()
            .chain(self.defaults.iter())
            .find(|(k, _)| k == option)
            .map(|(_, v)| v)
    }
}

/// Where the option being read is: its section, its key and its indent.
struct Open {
    section: usize,
    option: usize,
    indent: usize,
}

/// Parses `text` (the file `name`).
///
/// # Errors
/// The first problem found, as Python's configparser reports it.
pub fn parse(text: &str, name: &str) -> Result<IniFile, IniError> {
    let file: Arc<str> = Arc::from(name);
    let mut out = IniFile::default();
    // Index into `out.sections`, or usize::MAX for [DEFAULT].
    let mut current: Option<usize> = None;
    let mut open: Option<Open> = None;
    let mut seen_sections: Vec<String> = Vec::new();
    let mut first_error: Option<IniError> = None;
    let mut offset = 0usize;
    for (idx, raw_line) in text.split_inclusive('\n').enumerate() {
        let line_start = offset;
        offset += raw_line.len();
        let line = raw_line.trim_end_matches(['\n', '\r']);
        let lineno = u32::try_from(idx + 1).unwrap_or(u32::MAX);
        let span_at = |col_byte: usize, len: usize| Span {
            file: file.clone(),
            line: lineno,
            column: u32::try_from(line[..col_byte].chars().count() + 1).unwrap_or(u32::MAX),
            offset: u32::try_from(line_start + col_byte).unwrap_or(u32::MAX),
            len: u32::try_from(len).unwrap_or(u32::MAX),
        };
        let comment_start = comment_start(line);
        let value = line[..comment_start.unwrap_or(line.len())].trim();
        if value.is_empty() {
            // A blank line (no comment on it) belongs to an open value.
            if comment_start.is_none() {
                if let Some(o) = &open {
                    section_opts(&mut out, o.section)[o.option]
                        .1
                        .value
                        .push('\n');
                }
            }
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        if let Some(o) = &open {
            if indent > o.indent {
                let v = &mut section_opts(&mut out, o.section)[o.option].1.value;
                v.push('\n');
                v.push_str(value);
                continue;
            }
        }
        open = None;
        if let Some(name) = section_header(value) {
            if name == "DEFAULT" {
                current = Some(usize::MAX);
                continue;
            }
            if seen_sections.iter().any(|s| s == name) {
                return Err(IniError::DuplicateSection {
                    section: name.to_owned(),
                    span: span_at(indent, value.len()),
                });
            }
            seen_sections.push(name.to_owned());
            out.sections.push((name.to_owned(), Vec::new()));
            current = Some(out.sections.len() - 1);
            continue;
        }
        let Some(section) = current else {
            return Err(IniError::MissingSectionHeader {
                span: span_at(indent, value.len()),
            });
        };
        let Some(pos) = value.find(['=', ':']) else {
            first_error.get_or_insert(IniError::BadLine {
                span: span_at(indent, value.len()),
            });
            continue;
        };
        let key = value[..pos].trim().to_lowercase();
        if key.is_empty() {
            first_error.get_or_insert(IniError::BadLine {
                span: span_at(indent, value.len()),
            });
            continue;
        }
        let section_name = if section == usize::MAX {
            "DEFAULT".to_owned()
        } else {
            out.sections[section].0.clone()
        };
        let opts = section_opts(&mut out, section);
        let span = span_at(indent, value[..pos].trim_end().len());
        if opts.iter().any(|(k, _)| *k == key) {
            return Err(IniError::DuplicateOption {
                section: section_name,
                option: key,
                span,
            });
        }
        opts.push((
            key,
            IniValue {
                value: value[pos + 1..].trim().to_owned(),
                span,
            },
        ));
        open = Some(Open {
            section,
            option: opts.len() - 1,
            indent,
        });
    }
    if let Some(e) = first_error {
        return Err(e);
    }
    for (_, v) in out
        .sections
        .iter_mut()
        .flat_map(|(_, o)| o.iter_mut())
        .chain(out.defaults.iter_mut())
    {
        let trimmed = v.value.trim_end().len();
        v.value.truncate(trimmed);
    }
    Ok(out)
}

fn section_opts(out: &mut IniFile, section: usize) -> &mut Vec<(String, IniValue)> {
    if section == usize::MAX {
        &mut out.defaults
    } else {
        &mut out.sections[section].1
    }
}

/// Byte index where a comment starts: the whole line for `#`/`;` first,
/// else a `;` at column 0 or after whitespace.
fn comment_start(line: &str) -> Option<usize> {
    let stripped = line.trim();
    if stripped.starts_with('#') || stripped.starts_with(';') {
        return Some(0);
    }
    let bytes = line.as_bytes();
    line.match_indices(';')
        .map(|(i, _)| i)
        .find(|&i| i == 0 || bytes[i - 1].is_ascii_whitespace())
}

/// `[name]` → `name` (everything between the first `[` and the last `]`).
fn section_header(value: &str) -> Option<&str> {
    let inner = value.strip_prefix('[')?;
    let end = inner.rfind(']')?;
    let name = &inner[..end];
    (!name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get<'a>(f: &'a IniFile, s: &str, k: &str) -> Option<&'a str> {
        f.get(s, k).map(|v| v.value.as_str())
    }

    #[test]
    fn values_comments_continuations_and_defaults() {
        let f = parse(
            "# top\n[DEFAULT]\nshared = 1\n[defaults]\nRemote_User = centos ; inline\n\
             forks: 10\nssh_args = -o A=1\n   -o B=2\n\n  -o C=3\n\nurl = http://x;y # not a comment\n\
             ; comment\n[ssh_connection]\npipelining=True\n",
            "ansible.cfg",
        )
        .unwrap();
        assert_eq!(get(&f, "defaults", "remote_user"), Some("centos"));
        assert_eq!(get(&f, "defaults", "forks"), Some("10"));
        assert_eq!(
            get(&f, "defaults", "ssh_args"),
            Some("-o A=1\n-o B=2\n\n-o C=3")
        );
        assert_eq!(
            get(&f, "defaults", "url"),
            Some("http://x;y # not a comment")
        );
        assert_eq!(get(&f, "defaults", "shared"), Some("1"));
        assert_eq!(get(&f, "ssh_connection", "shared"), Some("1"));
        assert_eq!(get(&f, "nosection", "shared"), None);
        let span = &f.get("defaults", "forks").unwrap().span;
        assert_eq!((span.line, span.column), (6, 1));
    }

    #[test]
    fn errors_as_configparser_raises_them() {
        let e = parse("forks = 1\n", "a.cfg").unwrap_err();
        assert!(matches!(e, IniError::MissingSectionHeader { .. }), "{e}");
        let e = parse("[defaults]\nforks = 1\n FORKS=2\n", "a.cfg");
        // Indented deeper: a continuation line, not a duplicate.
        assert_eq!(get(&e.unwrap(), "defaults", "forks"), Some("1\nFORKS=2"));
        let e = parse("[defaults]\nforks = 1\nFORKS=2\n", "a.cfg").unwrap_err();
        assert_eq!(
            e.to_string(),
            "a.cfg:3:1: option `forks` in section `defaults` already exists"
        );
        let e = parse("[a]\n[a]\n", "a.cfg").unwrap_err();
        assert!(matches!(e, IniError::DuplicateSection { .. }), "{e}");
        let e = parse("[a]\njust words\n", "a.cfg").unwrap_err();
        assert_eq!(
            e.to_string(),
            "a.cfg:2:1: not a `[section]`, a `key = value` line or a comment"
        );
    }
}
