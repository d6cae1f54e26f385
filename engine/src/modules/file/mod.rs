//! `file`: a path's kind (file, directory, symlink, hard link, absent)
//! and its mode, owner and group.
//!
//! Supported: `path` (`dest`, `name`), `state`
//! (file/directory/link/hard/touch/absent), `mode` (octal or symbolic),
//! `owner`, `group`, `recurse`, `force`, `src`, `follow`,
//! `modification_time`/`access_time` (and `_format`), `_diff_peek`;
//! `unsafe_writes` is accepted (writes are atomic). One probe reads the path (and `src` for
//! links; every entry below the directory for `recurse`); one command
//! applies the differences and prints the new state.
//!
//! With `state: link` and `follow` (the default) the attributes go on
//! the link's target, as Ansible reloads its path through the link; a
//! hard link whose `path` is a directory is made inside it.
//!
//! Directories created on the way to `path` get `mode`/`owner`/`group`
//! too, as in Ansible. `touch` always reports a change, as Ansible's does
//! with its default times. Deviation: the `--diff` dicts carry `path`,
//! `state` and the changed attributes, not Ansible's `path_content` of a
//! removed directory nor the mode of a directory before it existed.

mod decide;
mod times;

use super::args::{ArgError, ArgMap};
use super::attrs::Attrs;
use super::context::ModuleContext;
use super::diff;
use super::fstat::{probe_files, stat_call, FileKind, FileStat, StatOpts, STAT_FN};
use super::outcome::{ModuleError, Outcome};
use super::write::parent;
use super::Module;
use crate::shell::quote;
use decide::decide;
pub use times::{Stamp, Times};

/// The `state` argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileState {
    /// An existing file: only attributes change.
    File,
    /// A directory, created with parents.
    Directory,
    /// A symbolic link to `src`.
    Link,
    /// A hard link to `src`.
    Hard,
    /// Create if missing, update the times.
    Touch,
    /// Removed (recursively for directories).
    Absent,
}

/// Arguments of `file`.
#[derive(Clone, Debug, PartialEq)]
pub struct FileArgs {
    /// The path.
    pub path: String,
    /// The wanted state; `None` = the current kind, or `file`.
    pub state: Option<FileState>,
    /// Mode, owner, group.
    pub attrs: Attrs,
    /// Apply the attributes to everything below a directory.
    pub recurse: bool,
    /// Replace what is in the way of a link; link to a missing `src`.
    pub force: bool,
    /// Link target.
    pub src: Option<String>,
    /// Follow a symlink at `path` for file/directory/touch.
    pub follow: bool,
    /// `modification_time`, `access_time` (and their formats).
    pub times: Times,
    /// `_diff_peek` (what Ansible's action plugins ask before a diff):
    /// only say whether the file looks binary.
    pub diff_peek: bool,
}

/// The `file` module.
pub struct FileModule;

const SUPPORTED: &[&str] = &[
    "path",
    "state",
    "mode",
    "owner",
    "group",
    "recurse",
    "force",
    "src",
    "follow",
    "modification_time",
    "modification_time_format",
    "access_time",
    "access_time_format",
    "_diff_peek",
];

impl Module for FileModule {
    type Args = FileArgs;
    const PROBES: bool = true;
    // Probes, then at most one apply built from their answers.
    const FINAL_APPLY: bool = true;

    fn parse(args: &mut ArgMap) -> Result<FileArgs, ArgError> {
        let path = args.required_str(&["path", "dest", "name"])?;
        let state = args
            .choice(
                &["state"],
                &["file", "directory", "link", "hard", "touch", "absent"],
            )?
            .map(|s| match s.as_str() {
                "directory" => FileState::Directory,
                "link" => FileState::Link,
                "hard" => FileState::Hard,
                "touch" => FileState::Touch,
                "absent" => FileState::Absent,
                _ => FileState::File,
            });
        let parsed = FileArgs {
            path,
            state,
            attrs: Attrs {
                mode: args.mode(&["mode"])?,
                owner: args.str(&["owner"])?,
                group: args.str(&["group"])?,
            },
            recurse: args.bool(&["recurse"])?.unwrap_or(false),
            force: args.bool(&["force"])?.unwrap_or(false),
            src: args.str(&["src"])?,
            follow: args.bool(&["follow"])?.unwrap_or(true),
            times: times::parse(args)?,
            diff_peek: args.bool(&["_diff_peek"])?.is_some(),
        };
        args.ignore(&["unsafe_writes"]);
        args.finish(SUPPORTED)?;
        if parsed.recurse && parsed.state != Some(FileState::Directory) {
            return Err(ArgError::Invalid(
                "recurse option requires state to be 'directory'".into(),
            ));
        }
        if parsed.src.is_some() && !matches!(parsed.state, Some(FileState::Link | FileState::Hard))
        {
            return Err(ArgError::Invalid(
                "src option requires state to be 'link' or 'hard'".into(),
            ));
        }
        Ok(parsed)
    }

    fn probes(a: &FileArgs) -> Vec<String> {
        vec![probe_script(a)]
    }

    fn run(a: &FileArgs, ctx: &mut ModuleContext<'_>) -> Result<Outcome, ModuleError> {
        run_at(a, ctx, false)
    }
}

/// The module at `a.path`; `inside` once a hard link's path was moved
/// into the directory it named (Ansible does that once).
fn run_at(a: &FileArgs, ctx: &mut ModuleContext<'_>, inside: bool) -> Result<Outcome, ModuleError> {
    {
        if a.diff_peek {
            // Ansible's execute_diff_peek: a NUL in the first 8 KiB.
            let p = quote(&a.path);
            let out = ctx.probe(&format!(
                "[ \"$(head -c 8192 -- {p} 2>/dev/null | wc -c)\" = \"$(head -c 8192 -- {p} 2>/dev/null | tr -d '\\000' | wc -c)\" ]"
            ))?;
            return Ok(Outcome::ok()
                .with("path", a.path.clone())
                .with("appears_binary", crate::value::Value::Bool(out.rc != 0)));
        }
        let n = 1 + usize::from(a.src.is_some());
        let (recs, rest) = probe_files(ctx, &probe_script(a), n)?;
        let cur = recs[0].as_ref();
        let src = recs.get(1).and_then(Option::as_ref);
        if !inside {
            if let Some(inner) = into_directory(a, cur, ctx)? {
                return run_at(&inner, ctx, true);
            }
        }
        let listing = parse_listing(&rest);
        let state = a.state.unwrap_or(match cur.map(FileStat::kind) {
            Some(FileKind::Directory) => FileState::Directory,
            Some(FileKind::Symlink) => FileState::Link,
            _ => FileState::File,
        });
        let mut plan = match decide(a, state, cur, src, &listing) {
            Ok(p) => p,
            Err(msg) if state == FileState::Hard && a.src.is_some() => {
                // ensure_hardlink's failures name dest and src, and
                // fail_json adds what is at dest.
                let o = Outcome::failed(msg)
                    .with("dest", a.path.clone())
                    .with("src", a.src.clone().unwrap_or_default());
                return Ok(path_info(o, cur));
            }
            Err(msg) => {
                // fail_json adds what is at path (add_path_info); the
                // "cannot continue" of a missing file names it absent.
                let o = Outcome::failed(msg).with("path", a.path.clone());
                return Ok(match cur {
                    None if state == FileState::File => o.with("state", "absent"),
                    _ => path_info(o, cur),
                });
            }
        };
        if state != FileState::Absent {
            let cmds = times::plan(
                ctx,
                &a.path,
                state,
                &a.times,
                cur,
                &mut plan.before,
                &mut plan.after,
            )?;
            plan.cmds.extend(cmds);
        }
        let mut o = if plan.cmds.is_empty() {
            Outcome::ok()
        } else {
            Outcome::changed()
        };
        // Ansible's check mode returns before the link's target is looked at.
        if !plan.warnings.is_empty() && !ctx.check_mode() {
            o = o.with(
                "warnings",
                crate::value::Value::List(plan.warnings.drain(..).map(Into::into).collect()),
            );
        }
        // Ansible's touch of a missing file in check mode returns before
        // computing a diff (measured with 2.19.14: no diff printed).
        let touch_new = state == FileState::Touch && cur.is_none() && ctx.check_mode();
        if ctx.diff && o.changed && !touch_new {
            if cur.is_none() && ctx.check_mode() {
                // Nothing is created in check mode, so no mode is compared.
                plan.before.shift_remove("mode");
                plan.after.shift_remove("mode");
            }
            o.diff = Some(diff::dicts(&plan.before, &plan.after));
        }
        // In diff mode Ansible's file returns the dicts as `diff` too.
        if ctx.diff && !touch_new {
            let mut d = crate::value::Map::new();
            d.insert("after".into(), crate::value::Value::Map(plan.after.clone()));
            d.insert(
                "before".into(),
                crate::value::Value::Map(plan.before.clone()),
            );
            o.result.insert("diff".into(), crate::value::Value::Map(d));
        }
        let after = if plan.cmds.is_empty() || ctx.check_mode() {
            cur.cloned()
        } else {
            let out = ctx.apply(&apply_script(a, state, &plan.cmds), None)?;
            if out.rc != 0 && state == FileState::Hard {
                // Ansible's "Error while replacing": fail_json with path,
                // what is there, and no change.
                let mut o = o.failing(out.stderr_str().trim().to_owned());
                o.changed = false;
                return Ok(path_info(o.with("path", a.path.clone()), cur));
            }
            if out.rc != 0 {
                return Ok(o
                    .failing(out.stderr_str().trim().to_owned())
                    .with("path", a.path.clone()));
            }
            super::fstat::parse_records(&out.stdout, usize::from(state != FileState::Absent))?
                .pop()
                .flatten()
        };
        // Ansible's ensure_symlink/ensure_hardlink in check mode return
        // dest, src and changed alone when nothing exists at path yet.
        // So is a link whose target is missing, applied too (no stat).
        let missing =
            (ctx.check_mode() && cur.is_none()) || (state == FileState::Link && src.is_none());
        if missing && matches!(state, FileState::Link | FileState::Hard) {
            o.result.insert("dest".into(), a.path.clone().into());
            if let Some(s) = &a.src {
                o.result.insert("src".into(), s.clone().into());
            }
            return Ok(o);
        }
        Ok(result(o, a, state, after.as_ref()))
    }
}

/// Ansible's file puts a hard link whose `path` is a directory (or a link
/// to one) inside it, named after `src` (additional_parameter_handling):
/// the arguments with that path, or `None` when `path` stays.
fn into_directory(
    a: &FileArgs,
    cur: Option<&FileStat>,
    ctx: &mut ModuleContext<'_>,
) -> Result<Option<FileArgs>, ModuleError> {
    let (Some(FileState::Hard), Some(st), Some(src)) = (a.state, cur, a.src.as_deref()) else {
        return Ok(None);
    };
    let is_dir = match st.kind() {
        FileKind::Directory => true,
        FileKind::Symlink => ctx.probe(&format!("[ -d {} ]", quote(&a.path)))?.rc == 0,
        _ => false,
    };
    let base = src.rsplit('/').next().unwrap_or_default();
    if !is_dir || base.is_empty() {
        return Ok(None);
    }
    let mut inner = a.clone();
    inner.path = if a.path.ends_with('/') {
        format!("{}{base}", a.path)
    } else {
        format!("{}/{base}", a.path)
    };
    Ok(Some(inner))
}

/// The `src` of a link as the host resolves it: relative to the link.
pub(super) fn src_path(a: &FileArgs) -> Option<String> {
    let src = a.src.as_deref()?;
    Some(if src.starts_with('/') {
        src.to_owned()
    } else {
        format!("{}/{src}", parent(&a.path))
    })
}

fn probe_script(a: &FileArgs) -> String {
    let link = matches!(
        a.state,
        Some(FileState::Link | FileState::Hard | FileState::Absent)
    );
    let mut s = String::from(STAT_FN);
    s.push_str(&stat_call(
        &a.path,
        StatOpts {
            follow: a.follow && !link,
            ..StatOpts::default()
        },
    ));
    if let Some(src) = src_path(a) {
        s.push_str(&stat_call(
            &src,
            StatOpts {
                follow: a.state == Some(FileState::Link),
                ..StatOpts::default()
            },
        ));
    }
    if a.recurse {
        let p = safe_path(&a.path);
        s.push_str(&format!(
            "if [ -d {p} ]; then find {p} -mindepth 1 ! -type l -printf '%y %m %U %G %u %g\\0'; fi\n",
            p = quote(&p)
        ));
    }
    s
}

/// A path `find` cannot mistake for an option.
fn safe_path(p: &str) -> String {
    if p.starts_with('-') {
        format!("./{p}")
    } else {
        p.to_owned()
    }
}

/// One entry below a directory, for `recurse`.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Entry {
    pub(super) st: FileStat,
}

pub(super) fn parse_listing(rest: &[u8]) -> Vec<Entry> {
    rest.split(|b| *b == 0)
        .filter(|f| !f.is_empty())
        .filter_map(|f| {
            let line = String::from_utf8_lossy(f);
            let mut w = line.split(' ');
            let is_dir = w.next()? == "d";
            let mode = u32::from_str_radix(w.next()?, 8).ok()?;
            let uid = w.next()?.parse().ok()?;
            let gid = w.next()?.parse().ok()?;
            let owner = w.next()?.to_owned();
            let group = w.next()?.to_owned();
            Some(Entry {
                st: FileStat {
                    kind: Some(if is_dir {
                        FileKind::Directory
                    } else {
                        FileKind::Regular
                    }),
                    mode,
                    uid,
                    gid,
                    owner,
                    group,
                    ..FileStat::default()
                },
            })
        })
        .collect()
}

/// The apply script: every change (stop at the first failure), then the
/// new state of the path.
fn apply_script(a: &FileArgs, state: FileState, cmds: &[String]) -> String {
    let mut s = String::from(STAT_FN);
    for c in cmds {
        s.push_str(c);
        s.push_str(" || exit 1\n");
    }
    if state != FileState::Absent {
        let link = matches!(state, FileState::Link | FileState::Hard);
        s.push_str(&stat_call(
            &a.path,
            StatOpts {
                follow: a.follow && !link,
                ..StatOpts::default()
            },
        ));
    }
    s
}

/// What Ansible's add_path_info puts in a result for an existing path:
/// its attributes and its state word (`hard` for a file with links).
fn path_info(mut o: Outcome, st: Option<&FileStat>) -> Outcome {
    if let Some(st) = st {
        o.result
            .insert("state".into(), decide::prev_state(Some(st)).into());
        st.insert_attrs(&mut o.result);
    }
    o
}

/// Ansible's result keys for `state`.
fn result(mut o: Outcome, a: &FileArgs, state: FileState, st: Option<&FileStat>) -> Outcome {
    let key = match state {
        FileState::Touch | FileState::Link | FileState::Hard => "dest",
        _ => "path",
    };
    o.result.insert(key.into(), a.path.clone().into());
    if matches!(state, FileState::Link | FileState::Hard) {
        if let Some(src) = &a.src {
            o.result.insert("src".into(), src.clone().into());
        }
    }
    let word = match (state, st) {
        (FileState::Absent, _) | (_, None) => "absent",
        // add_path_info's word for what is there (in check mode: before).
        (FileState::Hard, Some(st)) => decide::prev_state(Some(st)),
        (_, Some(st)) => st.kind().state_word(),
    };
    o.result.insert("state".into(), word.into());
    if let (Some(st), false) = (st, state == FileState::Absent) {
        st.insert_attrs(&mut o.result);
    }
    o
}
