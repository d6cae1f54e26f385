//! `replace`: substitute every match of a regular expression in a file.
//!
//! Supported: `path` (`dest`, `destfile`, `name`), `regexp`, `replace`,
//! `after`, `before`, `backup`, `mode`, `owner`, `group`; `encoding`
//! (utf-8 only) and `unsafe_writes` are accepted and ignored. Python `re`
//! semantics with `MULTILINE`, as Ansible compiles it; `after`/`before`
//! limit the substitution to the text between their first matches
//! (`DOTALL`). One probe, one write when the text changes.

use super::args::{ArgError, ArgMap};
use super::attrs::Attrs;
use super::context::ModuleContext;
use super::outcome::{ModuleError, Outcome};
use super::textedit::{
    check_template, expand_path, probe_script, py_expand, run_edit, Edit, EditTarget,
};
use super::Module;
use crate::pyre::{compile, Flags};
use crate::value::Value;

/// Arguments of `replace`.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplaceArgs {
    /// The file.
    pub path: String,
    /// What to find.
    pub regexp: String,
    /// What to put instead (`\1`, `\g<name>` allowed).
    pub replace: String,
    /// Only after the first match of this.
    pub after: Option<String>,
    /// Only before the first match of this.
    pub before: Option<String>,
    /// Keep a timestamped copy.
    pub backup: bool,
    /// `validate:`: a command with `%s` run on the new file first.
    pub validate: Option<String>,
    /// Mode, owner, group.
    pub attrs: Attrs,
}

/// The `replace` module.
pub struct ReplaceModule;

impl Module for ReplaceModule {
    type Args = ReplaceArgs;
    const PROBES: bool = true;

    fn parse(args: &mut ArgMap) -> Result<ReplaceArgs, ArgError> {
        let parsed = ReplaceArgs {
            path: args.required_str(&["path", "dest", "destfile", "name"])?,
            regexp: args.required_str(&["regexp"])?,
            replace: args.str(&["replace"])?.unwrap_or_default(),
            after: args.str(&["after"])?,
            before: args.str(&["before"])?,
            backup: args.bool(&["backup"])?.unwrap_or(false),
            validate: args.str(&["validate"])?,
            attrs: Attrs {
                mode: args.mode(&["mode"])?,
                owner: args.str(&["owner"])?,
                group: args.str(&["group"])?,
            },
        };
        args.ignore(&["unsafe_writes"]);
        // Files are read and written as UTF-8 only.
        if args
            .value(&["encoding"])
            .is_some_and(|v| !matches!(v.as_str(), Some("utf-8" | "utf8" | "UTF-8")))
        {
            return Err(ArgError::NotImplemented {
                module: "replace".into(),
                name: "encoding".into(),
            });
        }
        args.finish(&[
            "path", "regexp", "replace", "after", "before", "backup", "validate", "mode", "owner",
            "group",
        ])?;
        Ok(parsed)
    }

    fn probes(a: &ReplaceArgs) -> Vec<String> {
        vec![probe_script(&a.path)]
    }

    fn run(a: &ReplaceArgs, ctx: &mut ModuleContext<'_>) -> Result<Outcome, ModuleError> {
        let expanded;
        let a = match expand_path(ctx, &a.path)? {
            Some(path) => {
                expanded = ReplaceArgs { path, ..a.clone() };
                &expanded
            }
            None => a,
        };
        let t = EditTarget {
            path: &a.path,
            backup: a.backup,
            attrs: &a.attrs,
            header_suffix: "",
            validate: a.validate.as_deref(),
            diff_list: false,
        };
        let (mut o, backup) = run_edit(ctx, &t, |text| edit(a, text))?;
        if !o.failed {
            o.result.insert("rc".into(), Value::Int(0));
        }
        if !backup.is_empty() {
            o.result.insert("backup_file".into(), backup.into());
        }
        Ok(o)
    }
}

/// Pure: the text after substitution and Ansible's message.
fn edit(a: &ReplaceArgs, text: Option<&str>) -> Result<Edit, String> {
    let Some(text) = text else {
        return Err(format!("Path {} does not exist !", a.path));
    };
    let Some((start, end)) = section(a, text)? else {
        // Ansible stops here, unchanged, naming the pattern it built.
        return Ok(Edit {
            text: None,
            msg: format!(
                "Pattern for before/after params did not match the given file: {}",
                section_pattern(a).unwrap_or_default()
            ),
        });
    };
    let re = compile(&a.regexp, Flags::MULTILINE)?;
    let part = &text[start..end];
    // Python parses the template before searching, so a bad one fails
    // even where nothing matches.
    let unable = |e: String| format!("Unable to process replace due to error: {e}");
    check_template(&a.replace, &re).map_err(unable)?;
    let mut out = String::with_capacity(part.len());
    let mut last = 0;
    let mut count = 0usize;
    for caps in re.captures_iter(part) {
        let caps = caps.map_err(|e| format!("regular expression failed: {e}"))?;
        let Some(m) = caps.get(0) else { continue };
        out.push_str(&part[last..m.start()]);
        out.push_str(&py_expand(&a.replace, &caps).map_err(unable)?);
        last = m.end();
        count += 1;
    }
    out.push_str(&part[last..]);
    if count == 0 || out == part {
        return Ok(Edit {
            text: None,
            msg: String::new(),
        });
    }
    Ok(Edit {
        text: Some(format!("{}{out}{}", &text[..start], &text[end..])),
        msg: format!("{count} replacements made"),
    })
}

/// The section pattern Ansible builds from `after`/`before`.
fn section_pattern(a: &ReplaceArgs) -> Option<String> {
    Some(match (&a.after, &a.before) {
        (None, None) => return None,
        (Some(x), Some(y)) => format!("{x}(?P<subsection>.*?){y}"),
        (Some(x), None) => format!("{x}(?P<subsection>.*)"),
        (None, Some(y)) => format!("(?P<subsection>.*){y}"),
    })
}

/// The byte range `after`/`before` select (the whole text without them);
/// `None` when their pattern does not match.
fn section(a: &ReplaceArgs, text: &str) -> Result<Option<(usize, usize)>, String> {
    let Some(pattern) = section_pattern(a) else {
        return Ok(Some((0, text.len())));
    };
    let re = compile(&format!("(?s){pattern}"), Flags::NONE)?;
    match re.captures(text) {
        Ok(Some(c)) => Ok(Some(
            c.name("subsection")
                .map_or((0, text.len()), |m| (m.start(), m.end())),
        )),
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(pairs: &[(&str, &str)]) -> ReplaceArgs {
        let mut m = ArgMap::new(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), Value::Str((*v).to_owned())))
                .collect(),
        );
        ReplaceModule::parse(&mut m).unwrap()
    }

    // Expected texts from ansible-playbook 2.19.14 on the same inputs
    // (cases of tests/modules/golden/text_edits.json).
    #[test]
    fn substitutes_with_groups_and_multiline_anchors() {
        let a = args(&[
            ("path", "/f"),
            ("regexp", r"^(\w+) = (\d+)$"),
            ("replace", r"\2 \1"),
        ]);
        let e = edit(&a, Some("a = 1\nb = 2\nc\n")).unwrap();
        assert_eq!(e.text.as_deref(), Some("1 a\n2 b\nc\n"));
        assert_eq!(e.msg, "2 replacements made");
        assert!(edit(&a, Some("x\n")).unwrap().text.is_none());
    }

    #[test]
    fn after_and_before_limit_the_section() {
        let a = args(&[
            ("path", "/f"),
            ("regexp", "x"),
            ("replace", "y"),
            ("after", "START"),
            ("before", "END"),
        ]);
        assert_eq!(
            edit(&a, Some("x START x x END x")).unwrap().text.as_deref(),
            Some("x START y y END x")
        );
        let same = args(&[("path", "/f"), ("regexp", "b"), ("replace", "b")]);
        assert!(edit(&same, Some("abc")).unwrap().text.is_none());
        assert!(edit(&a, None).is_err());
    }
}
