//! The shape lineinfile, blockinfile and replace share: one probe reads
//! the file (content in base64 plus its stat), a pure Rust function
//! computes the new text, and — only when it differs — one command
//! writes it atomically and applies mode/owner/group.
//!
//! Also Python `re` helpers: compiling with `fancy-regex` and expanding
//! replacement templates (`\1`, `\g<name>`, `\n`) as `re` does.

use super::argv::{expand_word, needs_expansion};
use super::attrs::{apply_attrs, Attrs};
use super::context::ModuleContext;
use super::diff;
use super::fstat::{probe_files, stat_script, FileKind, FileStat, StatOpts};
use super::outcome::{ModuleError, Outcome};
use super::write::{write_file, WriteSpec};
use crate::value::Value;
use fancy_regex::Captures;

/// A text file to edit.
pub(crate) struct EditTarget<'a> {
    /// The file.
    pub(crate) path: &'a str,
    /// Keep a timestamped copy of the old file.
    pub(crate) backup: bool,
    /// Wanted mode/owner/group.
    pub(crate) attrs: &'a Attrs,
    /// Added to the diff headers (lineinfile/blockinfile: ` (content)`).
    pub(crate) header_suffix: &'static str,
    /// `validate:`, run on the new file before it replaces the old one.
    pub(crate) validate: Option<&'a str>,
    /// Put Ansible's `diff` list in the result (lineinfile, blockinfile:
    /// the content, filled in diff mode, and the file attributes).
    pub(crate) diff_list: bool,
}

/// What the edit function decided.
pub(crate) struct Edit {
    /// The new text; `None` leaves the file alone.
    pub(crate) text: Option<String>,
    /// Ansible's `msg`.
    pub(crate) msg: String,
}

/// The probe script of an edit module (also its [`super::Module::probes`]).
pub(crate) fn probe_script(path: &str) -> String {
    stat_script(&[(
        path,
        StatOpts {
            follow: true,
            checksum: None,
            content: true,
        },
    )])
}

/// `path` is a `type='path'` option: Ansible expands `$NAME`, `${NAME}`
/// and a leading `~` in it on the host (`expanduser(expandvars(...))`),
/// and every message names the expanded path. `None` when there is
/// nothing to expand (no round trip).
pub(crate) fn expand_path(
    ctx: &mut ModuleContext<'_>,
    path: &str,
) -> Result<Option<String>, ModuleError> {
    if !needs_expansion(path) {
        return Ok(None);
    }
    let mut script = String::new();
    let w = expand_word(path, 0, &mut script);
    script.push_str(&format!("printf '%s' {w}\n"));
    let out = ctx.probe(&script)?;
    Ok(Some(String::from_utf8_lossy(&out.stdout).into_owned()))
}

/// Probes, calls `edit` with the current text (`None`: no such file),
/// writes the result when it differs. `edit` returning `Err` fails the
/// task with that message. Gives the outcome and the backup file name.
pub(crate) fn run_edit(
    ctx: &mut ModuleContext<'_>,
    t: &EditTarget<'_>,
    edit: impl FnOnce(Option<&str>) -> Result<Edit, String>,
) -> Result<(Outcome, String), ModuleError> {
    let (recs, _) = probe_files(ctx, &probe_script(t.path), 1)?;
    let cur: Option<&FileStat> = recs[0].as_ref();
    if cur.is_some_and(|c| c.kind == Some(FileKind::Directory)) {
        return Ok((
            Outcome::failed(format!("Path {} is a directory !", t.path))
                .with("rc", Value::Int(256)),
            String::new(),
        ));
    }
    let before = match cur.map(|c| c.content.as_deref().map(std::str::from_utf8)) {
        None => None,
        Some(None) => {
            return Ok((
                Outcome::failed(format!("{} is not a readable file", t.path)),
                String::new(),
            ))
        }
        Some(Some(Ok(s))) => Some(s),
        Some(Some(Err(_))) => {
            return Ok((
                Outcome::failed(format!("{} is not UTF-8 text", t.path)),
                String::new(),
            ))
        }
    };
    let e = match edit(before) {
        Ok(e) => e,
        Err(msg) => {
            return Ok((
                Outcome::failed(msg).with("rc", Value::Int(257)),
                String::new(),
            ))
        }
    };
    let mut o = Outcome::ok();
    if t.diff_list {
        let header = |what: &str| Value::Str(format!("{} ({what})", t.path));
        let mut content = crate::value::Map::new();
        let (b, a) = match (&e.text, ctx.diff) {
            (Some(text), true) => (before.unwrap_or("").to_owned(), text.clone()),
            (None, true) => (
                before.unwrap_or("").to_owned(),
                before.unwrap_or("").to_owned(),
            ),
            _ => (String::new(), String::new()),
        };
        content.insert("after".into(), Value::Str(a));
        content.insert("after_header".into(), header("content"));
        content.insert("before".into(), Value::Str(b));
        content.insert("before_header".into(), header("content"));
        let mut attrs = crate::value::Map::new();
        attrs.insert("after_header".into(), header("file attributes"));
        attrs.insert("before_header".into(), header("file attributes"));
        o.result.insert(
            "diff".into(),
            Value::List(vec![Value::Map(content), Value::Map(attrs)]),
        );
    }
    let mut backup = String::new();
    let mut msg = e.msg;
    match (e.text, cur) {
        (Some(text), _) if Some(text.as_str()) != before => {
            o.changed = true;
            if ctx.diff {
                let h = format!("{}{}", t.path, t.header_suffix);
                o.diff = Some(diff::unified(
                    before.unwrap_or(""),
                    &text,
                    Some(&h),
                    Some(&h),
                ));
            }
            if !ctx.check_mode() {
                let spec = WriteSpec {
                    dest: t.path,
                    attrs: t.attrs,
                    backup: t.backup,
                    stat: StatOpts::default(),
                    source: None,
                    mkdir: cur.is_none(),
                    follow: false,
                    validate: t.validate,
                };
                match write_file(ctx, text.as_bytes(), &spec, cur)? {
                    Ok((_, b)) => backup = b.unwrap_or_default(),
                    Err(f) => return Ok((f.fail_edit(), backup)),
                }
            }
        }
        (_, Some(c)) => {
            let cmds = t
                .attrs
                .changes(t.path, c, false)
                .map_err(super::args::ArgError::Invalid)?;
            if !cmds.is_empty() {
                o.changed = true;
                msg = if msg.is_empty() {
                    "ownership, perms or SE linux context changed".into()
                } else {
                    format!("{msg} and ownership, perms or SE linux context changed")
                };
                if !ctx.check_mode() {
                    if let Err(m) = apply_attrs(ctx, t.path, cmds, StatOpts::default())? {
                        return Ok((o.failing(m), backup));
                    }
                }
            }
        }
        (_, None) => {}
    }
    o.result.insert("msg".into(), msg.into());
    Ok((o, backup))
}

/// Python's `Match.expand` / `re.sub` template: `\1`..`\99`, `\g<n>`,
/// `\g<name>`, and the escapes `\n \t \r \\ \a \f \v`; other escapes of
/// non-letters stay as written.
pub(crate) fn py_expand(template: &str, caps: &Captures<'_, str>) -> Result<String, String> {
    expand_with(template, caps.len(), |name| match name.parse::<usize>() {
        Ok(i) => Some(caps.get(i).map_or("", |m| m.as_str())),
        Err(_) => caps.name(name).map(|m| m.as_str()).or(Some("")),
    })
}

/// Checks a `re.sub` template against the pattern's groups without a
/// match, as Python does before searching: bad escapes and references to
/// groups the pattern lacks fail even where nothing matches.
pub(crate) fn check_template(template: &str, re: &fancy_regex::Regex) -> Result<(), String> {
    let names: Vec<&str> = re.capture_names().flatten().collect();
    expand_with(template, re.captures_len(), |name| {
        (name.parse::<usize>().is_ok() || names.contains(&name)).then_some("")
    })
    .map(drop)
}

/// The template expansion; `lookup` gives a group's text by number or
/// name (`None`: no such named group).
fn expand_with<'t>(
    template: &str,
    groups: usize,
    lookup: impl Fn(&str) -> Option<&'t str>,
) -> Result<String, String> {
    let mut out = String::with_capacity(template.len());
    let mut chars = template.chars().peekable();
    let total = template.chars().count();
    let group = |out: &mut String, name: &str, at: usize| -> Result<(), String> {
        if let Ok(i) = name.parse::<usize>() {
            if i >= groups {
                return Err(format!("invalid group reference {i} at position {at}"));
            }
        }
        match lookup(name) {
            Some(t) => out.push_str(t),
            None => return Err(format!("unknown group name '{name}'")),
        }
        Ok(())
    };
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        // Where the backslash is, for Python's error messages.
        let at = total - chars.clone().count() - 1;
        match chars.next() {
            None => return Err(format!("bad escape (end of pattern) at position {at}")),
            Some(d) if d.is_ascii_digit() => {
                let mut n = d.to_string();
                if let Some(&e) = chars.peek() {
                    if e.is_ascii_digit() {
                        n.push(e);
                        chars.next();
                    }
                }
                group(&mut out, &n, at + 1)?;
            }
            Some('g') => {
                if chars.next() != Some('<') {
                    return Err("missing < in group reference".into());
                }
                let name: String = chars.by_ref().take_while(|c| *c != '>').collect();
                group(&mut out, &name, at + 3)?;
            }
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('a') => out.push('\x07'),
            Some('f') => out.push('\x0c'),
            Some('v') => out.push('\x0b'),
            Some('\\') => out.push('\\'),
            Some(e) if e.is_ascii_alphabetic() => {
                return Err(format!("bad escape \\{e} at position {at}"))
            }
            Some(e) => {
                out.push('\\');
                out.push(e);
            }
        }
    }
    Ok(out)
}

/// Splits text into lines that keep their endings (`splitlines(True)`
/// for `\n` files).
pub(crate) fn lines_keep(text: &str) -> Vec<String> {
    text.split_inclusive('\n').map(str::to_owned).collect()
}

/// A line without its `\r\n` / `\n` ending.
pub(crate) fn strip_eol(line: &str) -> &str {
    line.trim_end_matches(['\r', '\n'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expand_like_python() {
        // Expected values from python3: re.search(p, s).expand(t)
        let re = crate::pyre::compile(r"^(?P<k>\w+)=(\d+)", crate::pyre::Flags::NONE).unwrap();
        let caps = re.captures("port=22").unwrap().unwrap();
        assert_eq!(py_expand(r"\1 = \2\n", &caps).unwrap(), "port = 22\n");
        assert_eq!(py_expand(r"\g<k>:\g<2>\.", &caps).unwrap(), "port:22\\.");
        assert!(py_expand(r"\q", &caps).is_err());
        assert!(py_expand(r"\5", &caps).is_err());
    }

    #[test]
    fn templates_are_checked_before_any_match() {
        // Messages from python3: re.subn(re.compile(p, re.M), t, "")
        let re = crate::pyre::compile(r"(?P<k>a)", crate::pyre::Flags::NONE).unwrap();
        assert_eq!(
            check_template(r"\D", &re).unwrap_err(),
            r"bad escape \D at position 0"
        );
        assert_eq!(
            check_template(r"x\5", &re).unwrap_err(),
            "invalid group reference 5 at position 2"
        );
        assert_eq!(
            check_template(r"\g<zz>", &re).unwrap_err(),
            "unknown group name 'zz'"
        );
        assert!(check_template(r"\1 \g<k>\n", &re).is_ok());
    }

    #[test]
    fn lines_keep_endings() {
        assert_eq!(lines_keep("a\nb"), ["a\n", "b"]);
        assert_eq!(strip_eol("x\r\n"), "x");
    }
}
