//! `file`: a path's kind (file, directory, symlink, hard link, absent)
//! and its mode, owner and group.
//!
//! Supported: `path` (`dest`, `name`), `state`
//! (file/directory/link/hard/touch/absent), `mode` (octal or symbolic),
//! `owner`, `group`, `recurse`, `force`, `src`, `follow`; `unsafe_writes`
//! is accepted and ignored. One probe reads the path (and `src` for
//! links; every entry below the directory for `recurse`); one command
//! applies the differences and prints the new state.
//!
//! Deviations: directories created on the way to `path` get the default
//! mode (Ansible applies `mode`/`owner` to each of them); `touch` always
//! reports a change, as Ansible's does with its default times.

use super::args::{ArgError, ArgMap, FileMode};
use super::context::ModuleContext;
use super::diff;
use super::fstat::{probe_files, stat_call, Attrs, FileKind, FileStat, StatOpts, STAT_FN};
use super::outcome::{ModuleError, Outcome};
use super::write::parent;
use super::Module;
use crate::shell::{quote, Cmd};
use crate::value::{Map, Value};

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
}

/// The `file` module.
pub struct FileModule;

const SUPPORTED: &[&str] = &[
    "path", "state", "mode", "owner", "group", "recurse", "force", "src", "follow",
];

impl Module for FileModule {
    type Args = FileArgs;

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
        let n = 1 + usize::from(a.src.is_some());
        let (recs, rest) = probe_files(ctx, &probe_script(a), n)?;
        let cur = recs[0].as_ref();
        let src = recs.get(1).and_then(Option::as_ref);
        let listing = parse_listing(&rest);
        let state = a.state.unwrap_or(match cur.map(FileStat::kind) {
            Some(FileKind::Directory) => FileState::Directory,
            Some(FileKind::Symlink) => FileState::Link,
            _ => FileState::File,
        });
        let plan = match decide(a, state, cur, src, &listing) {
            Ok(p) => p,
            Err(msg) => return Ok(Outcome::failed(msg).with("path", a.path.clone())),
        };
        let mut o = if plan.cmds.is_empty() {
            Outcome::ok()
        } else {
            Outcome::changed()
        };
        if ctx.diff && o.changed {
            o.diff = Some(diff::dicts(&plan.before, &plan.after));
        }
        let after = if plan.cmds.is_empty() || ctx.check_mode() {
            cur.cloned()
        } else {
            let out = ctx.apply(&apply_script(a, state, &plan.cmds), None)?;
            if out.rc != 0 {
                return Ok(o
                    .failing(out.stderr_str().trim().to_owned())
                    .with("path", a.path.clone()));
            }
            super::fstat::parse_records(&out.stdout, usize::from(state != FileState::Absent))?
                .pop()
                .flatten()
        };
        Ok(result(o, a, state, after.as_ref()))
    }
}

/// What to do: shell lines (empty = nothing) and the diff dicts.
#[derive(Debug, Default)]
struct Plan {
    cmds: Vec<String>,
    before: Map,
    after: Map,
}

impl Plan {
    fn new(path: &str) -> Plan {
        let mut p = Plan::default();
        p.before.insert("path".into(), path.into());
        p.after.insert("path".into(), path.into());
        p
    }

    fn state(&mut self, before: &str, after: &str) {
        self.before.insert("state".into(), before.into());
        self.after.insert("state".into(), after.into());
    }

    fn push(&mut self, c: Cmd) {
        self.cmds.push(c.into_string());
    }
}

/// The `src` of a link as the host resolves it: relative to the link.
fn src_path(a: &FileArgs) -> Option<String> {
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
struct Entry {
    st: FileStat,
}

fn parse_listing(rest: &[u8]) -> Vec<Entry> {
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

/// Ansible's name for what is at a path now.
fn prev_state(cur: Option<&FileStat>) -> &'static str {
    match cur {
        None => "absent",
        Some(st) if st.kind() == FileKind::Regular && st.nlink > 1 => "hard",
        Some(st) => st.kind().state_word(),
    }
}

/// Pure decision: the probe's findings against the wanted state.
fn decide(
    a: &FileArgs,
    state: FileState,
    cur: Option<&FileStat>,
    src: Option<&FileStat>,
    listing: &[Entry],
) -> Result<Plan, String> {
    let p = a.path.as_str();
    let mut plan = Plan::new(p);
    let attrs = |plan: &mut Plan, st: &FileStat, link: bool| -> Result<(), String> {
        for c in a.attrs.changes(p, st, link)? {
            plan.push(c);
        }
        diff_attrs(plan, &a.attrs, st, link);
        Ok(())
    };
    match state {
        FileState::Absent => {
            if let Some(st) = cur {
                plan.state(prev_state(cur), "absent");
                let rm = if st.kind() == FileKind::Directory {
                    "rm -rf --"
                } else {
                    "rm -f --"
                };
                plan.cmds.push(format!("{rm} {}", quote(p)));
            }
        }
        FileState::File => match cur {
            None => return Err(format!("file ({p}) is absent, cannot continue")),
            Some(st) if st.kind() == FileKind::Directory => {
                return Err(format!("file ({p}) is directory, cannot continue"))
            }
            Some(st) => attrs(&mut plan, st, false)?,
        },
        FileState::Directory => match cur {
            None => {
                plan.state("absent", "directory");
                plan.push(Cmd::new("mkdir -p --").arg(p));
                let fresh = fresh_stat(FileKind::Directory, 0o755);
                for c in a.attrs.changes(p, &fresh, false)? {
                    plan.push(c);
                }
            }
            Some(st) if st.kind() != FileKind::Directory => {
                return Err(format!("{p} already exists as a {}", prev_state(cur)))
            }
            Some(st) => {
                attrs(&mut plan, st, false)?;
                if a.recurse {
                    recurse(&mut plan, a, listing)?;
                }
            }
        },
        FileState::Touch => match cur {
            None => {
                plan.state("absent", "touch");
                plan.push(Cmd::new("touch --").arg(p));
                let fresh = fresh_stat(FileKind::Regular, 0o644);
                for c in a.attrs.changes(p, &fresh, false)? {
                    plan.push(c);
                }
            }
            Some(st) => {
                plan.state(prev_state(cur), "touch");
                plan.push(Cmd::new("touch -c --").arg(p));
                attrs(&mut plan, st, false)?;
            }
        },
        FileState::Link => link(&mut plan, a, cur, src)?,
        FileState::Hard => hard(&mut plan, a, cur, src)?,
    }
    Ok(plan)
}

/// A made-up state for a path the plan creates (every attribute set).
fn fresh_stat(kind: FileKind, mode: u32) -> FileStat {
    FileStat {
        kind: Some(kind),
        mode,
        uid: u32::MAX,
        gid: u32::MAX,
        owner: "\0".into(),
        group: "\0".into(),
        ..FileStat::default()
    }
}

fn diff_attrs(plan: &mut Plan, want: &Attrs, st: &FileStat, link: bool) {
    if let (Some(m), false) = (&want.mode, link) {
        if let Ok(w) = super::fstat::wanted_mode(m, st.mode, st.kind() == FileKind::Directory) {
            if w != st.mode {
                plan.before.insert("mode".into(), st.mode_str().into());
                plan.after.insert("mode".into(), format!("{w:04o}").into());
            }
        }
    }
    for (key, want, now_name, now_id) in [
        ("owner", &want.owner, &st.owner, st.uid),
        ("group", &want.group, &st.group, st.gid),
    ] {
        if let Some(w) = want {
            if w != now_name && w.parse::<u32>().ok() != Some(now_id) {
                let id_key = if key == "owner" { "uid" } else { "gid" };
                plan.before
                    .insert(id_key.into(), Value::Int(i64::from(now_id)));
                plan.after.insert(id_key.into(), w.clone().into());
            }
        }
    }
}

fn recurse(plan: &mut Plan, a: &FileArgs, listing: &[Entry]) -> Result<(), String> {
    let p = a.path.as_str();
    let mut differs = false;
    for e in listing {
        if !a.attrs.changes(p, &e.st, false)?.is_empty() {
            differs = true;
            break;
        }
    }
    if !differs {
        return Ok(());
    }
    if let Some(o) = &a.attrs.owner {
        plan.push(Cmd::new("chown -R").arg(o).flag("--").arg(p));
    }
    if let Some(g) = &a.attrs.group {
        plan.push(Cmd::new("chgrp -R").arg(g).flag("--").arg(p));
    }
    match &a.attrs.mode {
        Some(FileMode::Octal(m)) => plan.push(
            Cmd::new("chmod -R")
                .arg(format!("{m:04o}"))
                .flag("--")
                .arg(p),
        ),
        Some(FileMode::Symbolic(s)) => {
            // Without a `who`, chmod(1) would apply the umask; Ansible does not.
            let spec = s
                .split(',')
                .map(|c| {
                    if c.starts_with(['+', '-', '=']) {
                        format!("a{c}")
                    } else {
                        c.to_owned()
                    }
                })
                .collect::<Vec<_>>()
                .join(",");
            plan.push(Cmd::new("chmod -R").arg(spec).flag("--").arg(p));
        }
        None => {}
    }
    Ok(())
}

/// Replaces whatever is at `path` with a link made by `make` (a command
/// creating the link at the temp name), atomically.
fn replace_with(plan: &mut Plan, path: &str, make: Cmd) {
    let tmp = format!("{path}.konvoy-tmp");
    plan.push(Cmd::new("rm -f --").arg(&tmp));
    plan.push(make.arg(&tmp));
    plan.push(Cmd::new("mv -Tf --").arg(&tmp).arg(path));
}

fn link(
    plan: &mut Plan,
    a: &FileArgs,
    cur: Option<&FileStat>,
    src_st: Option<&FileStat>,
) -> Result<(), String> {
    let p = a.path.as_str();
    let Some(src) = a.src.as_deref() else {
        return match cur {
            Some(st) if st.kind() == FileKind::Symlink => {
                for c in a.attrs.changes(p, st, true)? {
                    plan.push(c);
                }
                Ok(())
            }
            _ => Err("src is required for creating new links".into()),
        };
    };
    let missing_src = src_st.is_none() && !a.force;
    let make = Cmd::new("ln -s --").arg(src);
    match cur {
        Some(st) if st.kind() == FileKind::Symlink && st.lnk_target.as_deref() == Some(src) => {
            for c in a.attrs.changes(p, st, true)? {
                plan.push(c);
            }
            return Ok(());
        }
        _ if missing_src => {
            return Err(format!(
            "src file does not exist, use \"force=yes\" if you really want to create the link: {}",
            src_path(a).unwrap_or_default()
        ))
        }
        None => plan.push(make.arg(p)),
        Some(st) if st.kind() == FileKind::Symlink => replace_with(plan, p, make),
        Some(st) if !a.force => {
            return Err(format!(
                "refusing to convert from {} to symlink for {p}",
                st.kind().state_word()
            ))
        }
        Some(st) if st.kind() == FileKind::Directory => {
            plan.push(Cmd::new("rmdir --").arg(p));
            plan.push(make.arg(p));
        }
        Some(_) => replace_with(plan, p, make),
    }
    plan.state(prev_state(cur), "link");
    let fresh = fresh_stat(FileKind::Symlink, 0o777);
    for c in a.attrs.changes(p, &fresh, true)? {
        plan.push(c);
    }
    Ok(())
}

fn hard(
    plan: &mut Plan,
    a: &FileArgs,
    cur: Option<&FileStat>,
    src_st: Option<&FileStat>,
) -> Result<(), String> {
    let p = a.path.as_str();
    let src = a
        .src
        .as_deref()
        .ok_or("src is required for creating new hard links")?;
    let Some(s) = src_st else {
        return Err(format!(
            "src does not exist: {}",
            src_path(a).unwrap_or_default()
        ));
    };
    let make = Cmd::new("ln --").arg(src);
    match cur {
        Some(st) if st.inode == s.inode && st.dev == s.dev => {
            return attrs_only(plan, a, st);
        }
        None => plan.push(make.arg(p)),
        Some(st) if st.kind() == FileKind::Directory => {
            return Err(format!("cannot link, directory exists at destination: {p}"))
        }
        Some(st) if a.force || st.nlink > 1 || st.kind() == FileKind::Symlink => {
            replace_with(plan, p, make)
        }
        Some(_) => return Err(format!("cannot link, file exists at destination: {p}")),
    }
    plan.state(prev_state(cur), "hard");
    for c in a.attrs.changes(p, s, false)? {
        plan.push(c);
    }
    Ok(())
}

fn attrs_only(plan: &mut Plan, a: &FileArgs, st: &FileStat) -> Result<(), String> {
    for c in a.attrs.changes(&a.path, st, false)? {
        plan.push(c);
    }
    diff_attrs(plan, &a.attrs, st, false);
    Ok(())
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
        (FileState::Hard, Some(_)) => "hard",
        (_, Some(st)) => st.kind().state_word(),
    };
    o.result.insert("state".into(), word.into());
    if let (Some(st), false) = (st, state == FileState::Absent) {
        st.insert_attrs(&mut o.result);
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::fstat::parse_records;

    fn args(pairs: &[(&str, &str)]) -> FileArgs {
        let mut m = ArgMap::new(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), Value::Str((*v).to_owned())))
                .collect(),
        );
        FileModule::parse(&mut m).unwrap()
    }

    fn rec(line: &str) -> FileStat {
        let raw = format!("E{line}\0\0\0rw\0\0\0");
        parse_records(raw.as_bytes(), 1)
            .unwrap()
            .pop()
            .flatten()
            .unwrap()
    }

    fn plan_of(
        a: &FileArgs,
        cur: Option<&FileStat>,
        src: Option<&FileStat>,
    ) -> Result<Vec<String>, String> {
        let state = a.state.unwrap_or(FileState::File);
        decide(a, state, cur, src, &[]).map(|p| p.cmds)
    }

    #[test]
    fn directory_creates_then_noops() {
        let a = args(&[
            ("path", "/a b/$(x)"),
            ("state", "directory"),
            ("mode", "0750"),
        ]);
        assert_eq!(
            plan_of(&a, None, None).unwrap(),
            ["mkdir -p -- '/a b/$(x)'", "chmod 0750 -- '/a b/$(x)'"]
        );
        let dir = rec("41e8 0 0 4096 1 2 3 2 9 9 root root");
        assert!(plan_of(&a, Some(&dir), None).unwrap().is_empty());
        let file = rec("81a4 0 0 1 1 2 3 1 9 9 root root");
        assert!(plan_of(&a, Some(&file), None).is_err());
    }

    #[test]
    fn links_compare_targets() {
        let a = args(&[("path", "/l"), ("state", "link"), ("src", "-t")]);
        let target = rec("81a4 0 0 1 1 2 3 1 9 9 root root");
        assert_eq!(
            plan_of(&a, None, Some(&target)).unwrap(),
            ["ln -s -- -t /l"]
        );
        let mut l = rec("a1ff 0 0 2 1 2 3 1 10 9 root root");
        l.lnk_target = Some("-t".into());
        assert!(plan_of(&a, Some(&l), Some(&target)).unwrap().is_empty());
        l.lnk_target = Some("other".into());
        assert_eq!(plan_of(&a, Some(&l), Some(&target)).unwrap().len(), 3);
        assert!(plan_of(&a, None, None).unwrap_err().contains("force=yes"));
        let file = rec("81a4 0 0 1 1 2 3 1 11 9 root root");
        assert!(plan_of(&a, Some(&file), Some(&target))
            .unwrap_err()
            .contains("refusing"));
    }

    #[test]
    fn absent_and_bad_args() {
        let a = args(&[("path", "/x"), ("state", "absent")]);
        assert!(plan_of(&a, None, None).unwrap().is_empty());
        let dir = rec("41ed 0 0 4096 1 2 3 2 9 9 root root");
        assert_eq!(plan_of(&a, Some(&dir), None).unwrap(), ["rm -rf -- /x"]);
        let mut m = ArgMap::new(
            [
                ("path".to_owned(), Value::from("/x")),
                ("recurse".to_owned(), Value::Bool(true)),
            ]
            .into_iter()
            .collect(),
        );
        assert!(FileModule::parse(&mut m).is_err());
    }

    #[test]
    fn recurse_applies_only_when_an_entry_differs() {
        let a = args(&[
            ("path", "/d"),
            ("state", "directory"),
            ("mode", "u=rwX,go=rX"),
            ("recurse", "yes"),
        ]);
        let dir = rec("41ed 0 0 4096 1 2 3 2 9 9 root root");
        let ok = parse_listing(b"f 644 0 0 root root\0d 755 0 0 root root\0");
        assert!(decide(&a, FileState::Directory, Some(&dir), None, &ok)
            .unwrap()
            .cmds
            .is_empty());
        let bad = parse_listing(b"f 600 0 0 root root\0");
        assert_eq!(
            decide(&a, FileState::Directory, Some(&dir), None, &bad)
                .unwrap()
                .cmds,
            ["chmod -R u=rwX,go=rX -- /d"]
        );
    }
}
