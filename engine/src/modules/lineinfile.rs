//! `lineinfile`: make sure one line is in a file (or is not).
//!
//! Supported: `path` (`dest`, `destfile`, `name`), `line` (`value`),
//! `regexp` (`regex`), `search_string`, `backrefs`, `insertafter`,
//! `insertbefore` (including `EOF`/`BOF`), `firstmatch`, `create`,
//! `state`, `backup`, `mode`, `owner`, `group`; `unsafe_writes` is
//! accepted and ignored. Regular expressions follow Python `re`
//! (`fancy-regex`), searched against each line without its newline.
//! One probe reads the file; one command writes it when it changes.

use super::args::{ArgError, ArgMap};
use super::attrs::Attrs;
use super::context::ModuleContext;
use super::outcome::{ModuleError, Outcome};
use super::textedit::{
    expand_path, lines_keep, probe_script, py_expand, run_edit, strip_eol, Edit, EditTarget,
};
use super::Module;
use crate::pyre::{compile, Flags};
use crate::value::Value;
use fancy_regex::Regex;

/// Where a new line goes when nothing matches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Insert {
    /// At the end (the default).
    Eof,
    /// At the beginning.
    Bof,
    /// After the last (or first, with `firstmatch`) line matching.
    After(String),
    /// Before the last (or first) line matching.
    Before(String),
}

/// Arguments of `lineinfile`.
#[derive(Clone, Debug, PartialEq)]
pub struct LineinfileArgs {
    /// The file.
    pub path: String,
    /// The line (required when `state=present`).
    pub line: Option<String>,
    /// Lines to replace or remove, by regular expression.
    pub regexp: Option<String>,
    /// Lines to replace or remove, by substring.
    pub search_string: Option<String>,
    /// Expand `\1` in `line` from the `regexp` match; never insert.
    pub backrefs: bool,
    /// Where to insert.
    pub insert: Insert,
    /// Use the first match instead of the last.
    pub firstmatch: bool,
    /// Create the file when missing.
    pub create: bool,
    /// `present` (true) or `absent`.
    pub present: bool,
    /// Keep a timestamped copy.
    pub backup: bool,
    /// `validate:`: a command with `%s` run on the new file first.
    pub validate: Option<String>,
    /// Mode, owner, group.
    pub attrs: Attrs,
}

/// The `lineinfile` module.
pub struct LineinfileModule;

impl Module for LineinfileModule {
    type Args = LineinfileArgs;
    const PROBES: bool = true;

    fn parse(args: &mut ArgMap) -> Result<LineinfileArgs, ArgError> {
        let path = args.required_str(&["path", "dest", "destfile", "name"])?;
        let present = args.choice(&["state"], &["present", "absent"])?.as_deref() != Some("absent");
        let after = args.str(&["insertafter"])?;
        let before = args.str(&["insertbefore"])?;
        let insert = match (after, before) {
            (Some(_), Some(_)) => {
                return Err(ArgError::Invalid(
                    "parameters are mutually exclusive: insertafter|insertbefore".into(),
                ))
            }
            (Some(a), None) if a == "EOF" => Insert::Eof,
            (Some(a), None) if a == "BOF" => Insert::Bof,
            (Some(a), None) => Insert::After(a),
            (None, Some(b)) if b == "BOF" => Insert::Bof,
            (None, Some(b)) => Insert::Before(b),
            (None, None) => Insert::Eof,
        };
        let parsed = LineinfileArgs {
            path,
            line: args.str(&["line", "value"])?,
            regexp: args.str(&["regexp", "regex"])?,
            search_string: args.str(&["search_string"])?,
            backrefs: args.bool(&["backrefs"])?.unwrap_or(false),
            insert,
            firstmatch: args.bool(&["firstmatch"])?.unwrap_or(false),
            create: args.bool(&["create"])?.unwrap_or(false),
            present,
            backup: args.bool(&["backup"])?.unwrap_or(false),
            validate: args.str(&["validate"])?,
            attrs: Attrs {
                mode: args.mode(&["mode"])?,
                owner: args.str(&["owner"])?,
                group: args.str(&["group"])?,
            },
        };
        args.ignore(&["unsafe_writes"]);
        args.finish(&[
            "path",
            "line",
            "regexp",
            "search_string",
            "backrefs",
            "insertafter",
            "insertbefore",
            "firstmatch",
            "create",
            "state",
            "backup",
            "validate",
            "mode",
            "owner",
            "group",
        ])?;
        if parsed.regexp.is_some() && parsed.search_string.is_some() {
            return Err(ArgError::Invalid(
                "parameters are mutually exclusive: regexp|search_string".into(),
            ));
        }
        if parsed.present && parsed.line.is_none() {
            return Err(ArgError::Invalid(
                "line is required with state=present".into(),
            ));
        }
        if parsed.backrefs && parsed.regexp.is_none() {
            return Err(ArgError::Invalid(
                "regexp is required with backrefs=true".into(),
            ));
        }
        if !parsed.present
            && parsed.line.is_none()
            && parsed.regexp.is_none()
            && parsed.search_string.is_none()
        {
            return Err(ArgError::Invalid(
                "one of line, search_string, or regexp is required with state=absent".into(),
            ));
        }
        Ok(parsed)
    }

    fn probes(a: &LineinfileArgs) -> Vec<String> {
        vec![probe_script(&a.path)]
    }

    fn run(a: &LineinfileArgs, ctx: &mut ModuleContext<'_>) -> Result<Outcome, ModuleError> {
        let expanded;
        let a = match expand_path(ctx, &a.path)? {
            Some(path) => {
                expanded = LineinfileArgs { path, ..a.clone() };
                &expanded
            }
            None => a,
        };
        let t = EditTarget {
            path: &a.path,
            backup: a.backup,
            attrs: &a.attrs,
            header_suffix: " (content)",
            validate: a.validate.as_deref(),
            diff_list: true,
        };
        let mut found = None;
        let (mut o, backup) = run_edit(ctx, &t, |text| {
            if a.present {
                present(a, text)
            } else {
                let (e, n) = absent(a, text)?;
                found = n;
                Ok(e)
            }
        })?;
        if let Some(w) = empty_pattern_warning(a) {
            o = o.with("warnings", Value::List(vec![Value::Str(w)]));
        }
        // A failed write is Ansible's `fail_json`: none of these keys.
        if o.failed {
            return Ok(o);
        }
        if let Some(n) = found {
            o.result.insert("found".into(), Value::Int(n as i64));
        }
        o.result.insert("backup".into(), backup.into());
        Ok(o)
    }
}

/// An empty `regexp` or `search_string` matches every line, so the last
/// line is replaced where an append may have been meant: Ansible warns
/// (before doing anything, so also when the task then fails).
fn empty_pattern_warning(a: &LineinfileArgs) -> Option<String> {
    let what = match (a.regexp.as_deref(), a.search_string.as_deref()) {
        (Some(""), _) => "regular expression",
        (_, Some("")) => "search string",
        _ => return None,
    };
    let mut msg = format!(
        "The {what} is an empty string, which will match every line in the file. \
         This may have unintended consequences, such as replacing the last line in the file \
         rather than appending."
    );
    if a.regexp.as_deref() == Some("") {
        msg.push_str(
            " If this is desired, use '^' to match every line in the file and avoid this warning.",
        );
    }
    Some(msg)
}

fn regex_of(p: &Option<String>) -> Result<Option<Regex>, String> {
    p.as_deref()
        .map(|p| compile(p, Flags::NONE))
        .transpose()
        .map_err(String::from)
}

/// Pure: the file after making sure the line is present.
fn present(a: &LineinfileArgs, text: Option<&str>) -> Result<Edit, String> {
    let Some(text) = text.or(if a.create { Some("") } else { None }) else {
        return Err(format!("Destination {} does not exist !", a.path));
    };
    let line = a.line.as_deref().unwrap_or_default();
    let mut lines = lines_keep(text);
    let re = regex_of(&a.regexp)?;
    let ins_re = match &a.insert {
        Insert::After(p) | Insert::Before(p) => Some(compile(p, Flags::NONE)?),
        _ => None,
    };
    let search = |l: &Regex, s: &str| l.is_match(strip_eol(s)).unwrap_or(false);
    // [matched line, insertion point]
    let (mut matched, mut at): (Option<usize>, Option<usize>) = (None, None);
    let mut new_line = line.to_owned();
    let mut exact = false;
    if let Some(re) = &re {
        for (i, l) in lines.iter().enumerate() {
            if let Ok(Some(caps)) = re.captures(strip_eol(l)) {
                matched = Some(i);
                if a.backrefs {
                    new_line = py_expand(line, &caps)?;
                }
                if a.firstmatch {
                    break;
                }
            }
        }
    } else if let Some(s) = &a.search_string {
        for (i, l) in lines.iter().enumerate() {
            if l.contains(s.as_str()) {
                matched = Some(i);
                if a.firstmatch {
                    break;
                }
            }
        }
    }
    if matched.is_none() {
        for (i, l) in lines.iter().enumerate() {
            if strip_eol(l) == line {
                matched = Some(i);
                exact = true;
            } else if ins_re.as_ref().is_some_and(|ir| search(ir, l)) {
                at = Some(if matches!(a.insert, Insert::After(_)) {
                    i + 1
                } else {
                    i
                });
                if a.firstmatch {
                    break;
                }
            }
        }
    }
    let added = |lines: Vec<String>| Edit {
        text: Some(lines.concat()),
        msg: "line added".into(),
    };
    let unchanged = Edit {
        text: None,
        msg: String::new(),
    };
    let nl = |s: &str| format!("{s}\n");
    let ends_open = |lines: &[String]| lines.last().is_some_and(|l| !l.ends_with(['\n', '\r']));
    if let Some(i) = matched {
        let searched = re.is_some() || a.search_string.is_some();
        if !searched && !exact {
            return Ok(unchanged);
        }
        let replacement = if new_line.ends_with('\n') {
            new_line
        } else {
            nl(&new_line)
        };
        if lines[i] == replacement {
            return Ok(unchanged);
        }
        lines[i] = replacement;
        return Ok(Edit {
            text: Some(lines.concat()),
            msg: "line replaced".into(),
        });
    }
    if a.backrefs {
        return Ok(unchanged);
    }
    match (&a.insert, at) {
        (Insert::Bof, _) => {
            lines.insert(0, nl(line));
            Ok(added(lines))
        }
        (Insert::Eof, _) | (_, None) => {
            if ends_open(&lines) {
                lines.push("\n".into());
            }
            lines.push(nl(line));
            Ok(added(lines))
        }
        (Insert::After(_), Some(i)) => {
            if i == lines.len() {
                if lines.get(i.wrapping_sub(1)).map(|l| strip_eol(l)) == Some(line) {
                    return Ok(unchanged);
                }
                // As Ansible: no newline is added to an open last line
                // here (`c` + `x` gives `cx`), unlike the EOF case.
                lines.push(nl(line));
            } else if strip_eol(&lines[i]) == line {
                return Ok(unchanged);
            } else {
                lines.insert(i, nl(line));
            }
            Ok(added(lines))
        }
        (Insert::Before(_), Some(i)) => {
            let prev = if i == 0 { 0 } else { i - 1 };
            if strip_eol(&lines[prev]) == line {
                return Ok(unchanged);
            }
            lines.insert(i, nl(line));
            Ok(added(lines))
        }
    }
}

/// Pure: the file without the matching lines, and how many there were.
fn absent(a: &LineinfileArgs, text: Option<&str>) -> Result<(Edit, Option<usize>), String> {
    let Some(text) = text else {
        return Ok((
            Edit {
                text: None,
                msg: "file not present".into(),
            },
            None,
        ));
    };
    let re = regex_of(&a.regexp)?;
    let line = a.line.as_deref().unwrap_or_default();
    let lines = lines_keep(text);
    let before = lines.len();
    let kept: Vec<String> = lines
        .into_iter()
        .filter(|l| {
            let hit = match (&re, &a.search_string) {
                (Some(re), _) => re.is_match(strip_eol(l)).unwrap_or(false),
                (None, Some(s)) => l.contains(s.as_str()),
                (None, None) => strip_eol(l) == line,
            };
            !hit
        })
        .collect();
    let n = before - kept.len();
    Ok((
        Edit {
            text: (n > 0).then(|| kept.concat()),
            msg: if n > 0 {
                format!("{n} line(s) removed")
            } else {
                String::new()
            },
        },
        Some(n),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(pairs: &[(&str, &str)]) -> LineinfileArgs {
        let mut m = ArgMap::new(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), Value::Str((*v).to_owned())))
                .collect(),
        );
        LineinfileModule::parse(&mut m).unwrap()
    }

    fn apply(a: &LineinfileArgs, text: &str) -> (Option<String>, String) {
        let e = present(a, Some(text)).unwrap();
        (e.text, e.msg)
    }

    // Expected values from ansible-playbook 2.19.14 on the same inputs:
    // these cases are in tests/modules/golden/text_edits.json, produced
    // by tests/modules/gen_text_edits.py.
    #[test]
    fn appends_replaces_and_noops() {
        let a = args(&[("path", "/f"), ("line", "c")]);
        assert_eq!(
            apply(&a, "a\nb\n"),
            (Some("a\nb\nc\n".into()), "line added".into())
        );
        assert_eq!(
            apply(&a, "a\nb"),
            (Some("a\nb\nc\n".into()), "line added".into())
        );
        assert_eq!(apply(&a, "a\nc\nb\n").0, None);
        let a = args(&[("path", "/f"), ("regexp", "^a"), ("line", "A")]);
        assert_eq!(
            apply(&a, "a\nb\nc\n"),
            (Some("A\nb\nc\n".into()), "line replaced".into())
        );
        assert_eq!(apply(&a, "A\nb\n").0, None);
    }

    #[test]
    fn insert_after_and_before() {
        let a = args(&[("path", "/f"), ("line", "x"), ("insertafter", "^b")]);
        assert_eq!(apply(&a, "a\nb\nc\n").0.unwrap(), "a\nb\nx\nc\n");
        let a = args(&[("path", "/f"), ("line", "x"), ("insertbefore", "^b")]);
        assert_eq!(apply(&a, "a\nb\nc\n").0.unwrap(), "a\nx\nb\nc\n");
        let a = args(&[("path", "/f"), ("line", "x"), ("insertbefore", "BOF")]);
        assert_eq!(apply(&a, "a\n").0.unwrap(), "x\na\n");
        let a = args(&[("path", "/f"), ("line", "x"), ("insertafter", "^nomatch")]);
        assert_eq!(apply(&a, "a\n").0.unwrap(), "a\nx\n");
    }

    #[test]
    fn backrefs_and_absent() {
        let a = args(&[
            ("path", "/f"),
            ("regexp", r"^(\w+)=old$"),
            ("line", r"\1=new"),
            ("backrefs", "yes"),
        ]);
        assert_eq!(apply(&a, "k=old\n").0.unwrap(), "k=new\n");
        assert_eq!(apply(&a, "other\n").0, None);
        let a = args(&[("path", "/f"), ("regexp", "^#"), ("state", "absent")]);
        let (e, n) = absent(&a, Some("#a\nb\n#c\n")).unwrap();
        assert_eq!(
            (e.text.unwrap(), e.msg, n),
            ("b\n".into(), "2 line(s) removed".into(), Some(2))
        );
        assert!(present(&args(&[("path", "/f"), ("line", "x")]), None).is_err());
    }
}
