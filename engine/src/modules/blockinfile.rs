//! `blockinfile`: a block of lines between two marker lines.
//!
//! Supported: `path` (`dest`, `destfile`, `name`), `block` (`content`),
//! `marker`, `marker_begin`, `marker_end`, `insertafter`, `insertbefore`
//! (including `EOF`/`BOF`), `create`, `state`, `backup`, `validate`,
//! `prepend_newline`, `append_newline`, `mode`, `owner`, `group`;
//! `unsafe_writes` is accepted (writes are always atomic). An empty block
//! removes the markers and the block. One probe, one write when needed.

use super::args::{ArgError, ArgMap};
use super::attrs::Attrs;
use super::context::ModuleContext;
use super::lineinfile::Insert;
use super::outcome::{ModuleError, Outcome};
use super::textedit::{expand_path, probe_script, run_edit, Edit, EditTarget};
use super::Module;
use crate::pyre::{compile, Flags};

/// Arguments of `blockinfile`.
#[derive(Clone, Debug, PartialEq)]
pub struct BlockinfileArgs {
    /// The file.
    pub path: String,
    /// The block text (without markers).
    pub block: String,
    /// The marker template (`{mark}` becomes `marker_begin`/`marker_end`).
    pub marker: String,
    /// Text for `{mark}` in the first marker.
    pub marker_begin: String,
    /// Text for `{mark}` in the last marker.
    pub marker_end: String,
    /// Where a new block goes.
    pub insert: Insert,
    /// Create the file when missing.
    pub create: bool,
    /// Put a blank line before the block unless one is there.
    pub prepend_newline: bool,
    /// Put a blank line after the block unless one is there.
    pub append_newline: bool,
    /// `present` (true) or `absent`.
    pub present: bool,
    /// Keep a timestamped copy.
    pub backup: bool,
    /// `validate:`: a command with `%s` run on the new file first.
    pub validate: Option<String>,
    /// Mode, owner, group.
    pub attrs: Attrs,
}

/// The `blockinfile` module.
pub struct BlockinfileModule;

impl Module for BlockinfileModule {
    type Args = BlockinfileArgs;
    const PROBES: bool = true;

    fn parse(args: &mut ArgMap) -> Result<BlockinfileArgs, ArgError> {
        let path = args.required_str(&["path", "dest", "destfile", "name"])?;
        let insert = match (args.str(&["insertafter"])?, args.str(&["insertbefore"])?) {
            (Some(_), Some(_)) => {
                return Err(ArgError::Invalid(
                    "parameters are mutually exclusive: insertafter|insertbefore".into(),
                ))
            }
            (Some(a), None) if a == "EOF" => Insert::Eof,
            (Some(a), None) => Insert::After(a),
            (None, Some(b)) if b == "BOF" => Insert::Bof,
            (None, Some(b)) => Insert::Before(b),
            (None, None) => Insert::Eof,
        };
        let parsed = BlockinfileArgs {
            path,
            block: args.str(&["block", "content"])?.unwrap_or_default(),
            marker: args
                .str(&["marker"])?
                .unwrap_or_else(|| "# {mark} ANSIBLE MANAGED BLOCK".into()),
            marker_begin: args
                .str(&["marker_begin"])?
                .unwrap_or_else(|| "BEGIN".into()),
            marker_end: args.str(&["marker_end"])?.unwrap_or_else(|| "END".into()),
            insert,
            create: args.bool(&["create"])?.unwrap_or(false),
            prepend_newline: args.bool(&["prepend_newline"])?.unwrap_or(false),
            append_newline: args.bool(&["append_newline"])?.unwrap_or(false),
            present: args.choice(&["state"], &["present", "absent"])?.as_deref() != Some("absent"),
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
            "block",
            "marker",
            "marker_begin",
            "marker_end",
            "insertafter",
            "insertbefore",
            "create",
            "prepend_newline",
            "append_newline",
            "state",
            "backup",
            "validate",
            "mode",
            "owner",
            "group",
        ])?;
        Ok(parsed)
    }

    fn probes(a: &BlockinfileArgs) -> Vec<String> {
        vec![probe_script(&a.path)]
    }

    fn run(a: &BlockinfileArgs, ctx: &mut ModuleContext<'_>) -> Result<Outcome, ModuleError> {
        let expanded;
        let a = match expand_path(ctx, &a.path)? {
            Some(path) => {
                expanded = BlockinfileArgs { path, ..a.clone() };
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
        let (mut o, backup) = run_edit(ctx, &t, |text| edit(a, text))?;
        if !backup.is_empty() {
            o.result.insert("backup_file".into(), backup.into());
        }
        Ok(o)
    }
}

/// Python's `bytes.splitlines(True)`: lines end at `\n`, `\r\n` or a
/// lone `\r`, and keep their ending.
fn splitlines_keep(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut start = 0;
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let end = match b[i] {
            b'\n' => i + 1,
            b'\r' if b.get(i + 1) == Some(&b'\n') => i + 2,
            b'\r' => i + 1,
            _ => {
                i += 1;
                continue;
            }
        };
        out.push(text[start..end].to_owned());
        start = end;
        i = end;
    }
    if start < b.len() {
        out.push(text[start..].to_owned());
    }
    out
}

/// Whether a pattern sets `re.MULTILINE` for itself: Python takes global
/// flags only from a leading `(?aiLmsux)` group.
fn has_global_multiline(p: &str) -> bool {
    p.strip_prefix("(?")
        .and_then(|r| r.split_once(')'))
        .is_some_and(|(f, _)| {
            !f.is_empty() && f.chars().all(|c| "aiLmsux".contains(c)) && f.contains('m')
        })
}

/// Pure: the file with the block in place (or removed).
fn edit(a: &BlockinfileArgs, text: Option<&str>) -> Result<Edit, String> {
    let original = text;
    let text = match text {
        Some(t) => t,
        // Ansible fails on a missing file unless `create`, even for
        // `state: absent`, which then leaves it missing.
        None if a.create && !a.present => {
            return Ok(Edit {
                text: None,
                msg: format!("File {} not present", a.path),
            })
        }
        None if a.create => "",
        None => return Err(format!("Path {} does not exist !", a.path)),
    };
    // Markers and block lines are compared and kept with their own line
    // endings, as Ansible's bytes do: a `\r\n` block stays `\r\n`, and a
    // marker line ending in `\r\n` is not the marker.
    let m0 = a.marker.replace("{mark}", &a.marker_begin) + "\n";
    let m1 = a.marker.replace("{mark}", &a.marker_end) + "\n";
    let block: Vec<String> = if a.present && !a.block.is_empty() {
        let mut body = a.block.clone();
        if !body.ends_with('\n') {
            body.push('\n');
        }
        std::iter::once(m0.clone())
            .chain(splitlines_keep(&body))
            .chain(std::iter::once(m1.clone()))
            .collect()
    } else {
        Vec::new()
    };
    let mut lines = splitlines_keep(text);
    let last = |m: &str| lines.iter().rposition(|l| l == m);
    let (n0, n1) = (last(&m0), last(&m1));
    let at = match (n0, n1) {
        (Some(s), Some(e)) => {
            let (s, e) = if s <= e { (s, e) } else { (e, s) };
            lines.drain(s..=e);
            s
        }
        _ => match &a.insert {
            Insert::Eof => lines.len(),
            Insert::Bof => 0,
            Insert::After(p) | Insert::Before(p) if has_global_multiline(p) => {
                // Ansible searches the whole file with a `(?m)` pattern and
                // counts the line breaks before the match.
                let re = compile(p, Flags::NONE)?;
                match re.find(text).ok().flatten() {
                    Some(m) => {
                        let edge = if matches!(a.insert, Insert::After(_)) {
                            m.end()
                        } else {
                            m.start()
                        };
                        let n = text[..edge].matches('\n').count();
                        if matches!(a.insert, Insert::After(_)) {
                            n + 1
                        } else {
                            n
                        }
                    }
                    None => lines.len(),
                }
            }
            Insert::After(p) | Insert::Before(p) => {
                let re = compile(p, Flags::NONE)?;
                let hit = lines
                    .iter()
                    // Python's `$` also matches before a final `\n`.
                    .rposition(|l| {
                        re.is_match(l.strip_suffix('\n').unwrap_or(l))
                            .unwrap_or(false)
                    });
                match (hit, &a.insert) {
                    (Some(i), Insert::After(_)) => i + 1,
                    (Some(i), _) => i,
                    (None, _) => lines.len(),
                }
            }
        },
    };
    // As Ansible: the line before the insertion point always gets its
    // line break, a block or not.
    let mut at = at;
    if at > 0 && !lines[at - 1].ends_with('\n') {
        lines[at - 1].push('\n');
    }
    if a.prepend_newline && a.present && at != 0 && lines[at - 1] != "\n" {
        lines.insert(at, "\n".into());
        at += 1;
    }
    let removing = block.is_empty();
    let after = at + block.len();
    lines.splice(at..at, block);
    if a.append_newline && a.present && after < lines.len() && lines[after] != "\n" {
        lines.insert(after, "\n".into());
    }
    let result = lines.concat();
    if original == Some(result.as_str()) {
        return Ok(Edit {
            text: None,
            msg: String::new(),
        });
    }
    let msg = if original.is_none() {
        "File created"
    } else if removing {
        "Block removed"
    } else {
        "Block inserted"
    };
    Ok(Edit {
        text: Some(result),
        msg: msg.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;

    fn args(pairs: &[(&str, &str)]) -> BlockinfileArgs {
        let mut m = ArgMap::new(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), Value::Str((*v).to_owned())))
                .collect(),
        );
        BlockinfileModule::parse(&mut m).unwrap()
    }

    // Expected texts from ansible-playbook 2.19.14 on the same inputs
    // (also cases of tests/modules/golden/text_edits.json).
    // Cases of ansible-core 2.19.14's blockinfile target
    // (add_block_with_blank_lines and friends), expected texts from
    // running it.
    #[test]
    fn blank_lines_around_the_block() {
        let a = args(&[
            ("path", "/f"),
            ("block", "b"),
            ("insertafter", "^x"),
            ("prepend_newline", "yes"),
            ("append_newline", "yes"),
        ]);
        let e = edit(&a, Some("x\ny\n")).unwrap();
        assert_eq!(
            e.text.as_deref(),
            Some("x\n\n# BEGIN ANSIBLE MANAGED BLOCK\nb\n# END ANSIBLE MANAGED BLOCK\n\ny\n")
        );
        assert!(edit(&a, e.text.as_deref()).unwrap().text.is_none());
        // At the start and the end of a file there is nothing to separate.
        let bof = args(&[
            ("path", "/f"),
            ("block", "b"),
            ("insertbefore", "BOF"),
            ("prepend_newline", "yes"),
        ]);
        assert_eq!(
            edit(&bof, Some("y\n")).unwrap().text.as_deref(),
            Some("# BEGIN ANSIBLE MANAGED BLOCK\nb\n# END ANSIBLE MANAGED BLOCK\ny\n")
        );
        let eof = args(&[("path", "/f"), ("block", "b"), ("append_newline", "yes")]);
        assert_eq!(
            edit(&eof, Some("y")).unwrap().text.as_deref(),
            Some("y\n# BEGIN ANSIBLE MANAGED BLOCK\nb\n# END ANSIBLE MANAGED BLOCK\n")
        );
    }

    #[test]
    fn inserts_updates_and_removes() {
        let a = args(&[("path", "/f"), ("block", "b1\nb2")]);
        let e = edit(&a, Some("A\nB\nc\n")).unwrap();
        assert_eq!(
            e.text.as_deref(),
            Some("A\nB\nc\n# BEGIN ANSIBLE MANAGED BLOCK\nb1\nb2\n# END ANSIBLE MANAGED BLOCK\n")
        );
        assert_eq!(e.msg, "Block inserted");
        let again = edit(&a, e.text.as_deref()).unwrap();
        assert!(again.text.is_none());
        let b = args(&[("path", "/f"), ("block", "new")]);
        let upd = edit(&b, e.text.as_deref()).unwrap().text.unwrap();
        assert_eq!(
            upd,
            "A\nB\nc\n# BEGIN ANSIBLE MANAGED BLOCK\nnew\n# END ANSIBLE MANAGED BLOCK\n"
        );
        let r = args(&[("path", "/f"), ("state", "absent")]);
        let gone = edit(&r, Some(&upd)).unwrap();
        assert_eq!(gone.text.as_deref(), Some("A\nB\nc\n"));
        assert_eq!(gone.msg, "Block removed");
    }

    #[test]
    fn insertbefore_and_missing_file() {
        let a = args(&[
            ("path", "/f"),
            ("block", "x"),
            ("insertbefore", "^B"),
            ("marker", "// {mark}"),
        ]);
        assert_eq!(
            edit(&a, Some("A\nB\n")).unwrap().text.as_deref(),
            Some("A\n// BEGIN\nx\n// END\nB\n")
        );
        assert!(edit(&a, None).is_err());
        let c = args(&[("path", "/f"), ("block", "x"), ("create", "yes")]);
        assert_eq!(edit(&c, None).unwrap().msg, "File created");
    }
}
