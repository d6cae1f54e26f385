//! `copy` of a directory from the controller, as ansible-core's copy
//! action copies one: the tree is walked on the controller (`src`
//! without a trailing `/` copies the directory itself into `dest`, with
//! one its contents), then every file goes through copy, every
//! subdirectory through `file state=directory` (`directory_mode`, owner,
//! group) and every symlink kept as a link through `file state=link`.
//!
//! Round trips: one probe reads the state of every destination path
//! (with sha1 checksums), so an unchanged tree costs one command; one
//! command then creates the missing directories, links and attributes,
//! and each changed file is sent once, through the one atomic write path.
//!
//! Ansible's quirks kept: the top directory itself is never in the list
//! of directories, so its mode is set only when it is created; a
//! directory created on the way (a file's parent, `dest` itself) gets
//! `directory_mode`, owner and group, as Ansible's copy module gives its
//! `makedirs`; with exactly one file the result is the last module's (the
//! file's, or the last directory's or link's); otherwise it is `dest`
//! (with its `/`), `src` and `changed`, and no diff is shown.
//!
//! Deviations: a `directory_mode` given symbolically is applied to a new
//! directory's 0755 (the usual umask); a copied link's mode is never
//! changed (Ansible cannot change it either, but reports a change).

use super::attrs::{wanted_mode, Attrs};
use super::context::ModuleContext;
use super::copy::{install, read_local, with_mode_of, CopyArgs, Payload};
use super::fstat::{probe_files, stat_call, Checksum, FileKind, FileStat, StatOpts, STAT_FN};
use super::outcome::{ModuleError, Outcome};
use super::write::{write_file, WriteSpec};
use crate::shell::{quote, Cmd};
use crate::value::Value;
use md5::Digest as _;
use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

/// What a walk of the source tree found, paths relative to `dest`.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Tree {
    /// Files: where to read them, where they go.
    pub(crate) files: Vec<(PathBuf, String)>,
    /// Directories (the top one excluded, as in Ansible).
    pub(crate) dirs: Vec<String>,
    /// Symbolic links kept as links: their target, where they go.
    pub(crate) links: Vec<(String, String)>,
}

fn rel_join(base: &str, name: &str) -> String {
    if base.is_empty() {
        name.to_owned()
    } else {
        format!("{base}/{name}")
    }
}

fn dev_ino(p: &Path) -> std::io::Result<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(p)?;
    Ok((m.dev(), m.ino()))
}

fn link_text(p: &Path) -> std::io::Result<String> {
    Ok(std::fs::read_link(p)?.to_string_lossy().into_owned())
}

/// Walks `top` as Ansible's `_walk_dirs` does: with `contents` (a `src`
/// ending in `/`) paths are relative to `top`, otherwise they start with
/// its name. With `local_follow` a link to a file is copied as the file
/// and a link to a directory walked as a directory, unless it points back
/// into the tree being copied (then it stays a link); a dangling link
/// always stays a link. Names are visited in sorted order.
///
/// # Errors
/// A directory or link that cannot be read.
pub(crate) fn walk(top: &Path, contents: bool, local_follow: bool) -> std::io::Result<Tree> {
    let mut tree = Tree::default();
    let rel = if contents {
        String::new()
    } else {
        top.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let parents = HashSet::from([dev_ino(top)?]);
    walk_dir(top, &rel, &parents, local_follow, &mut tree, 0)?;
    Ok(tree)
}

fn walk_dir(
    dir: &Path,
    rel: &str,
    parents: &HashSet<(u64, u64)>,
    follow: bool,
    tree: &mut Tree,
    depth: usize,
) -> std::io::Result<()> {
    if depth > MAX_DEPTH {
        return Err(std::io::Error::other(TOO_DEEP));
    }
    let mut names: Vec<_> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.file_name()))
        .collect::<Result<_, _>>()?;
    names.sort();
    let mut subdirs = Vec::new();
    for name in names {
        let path = dir.join(&name);
        let to = rel_join(rel, &name.to_string_lossy());
        let is_link = std::fs::symlink_metadata(&path)?.file_type().is_symlink();
        // os.walk puts a link to a directory among the directories.
        if std::fs::metadata(&path).is_ok_and(|m| m.is_dir()) {
            subdirs.push((path, to, is_link));
        } else if !is_link {
            tree.files.push((path, to));
        } else {
            match std::fs::canonicalize(&path) {
                Ok(real) if follow && real.is_file() => tree.files.push((real, to)),
                _ => tree.links.push((link_text(&path)?, to)),
            }
        }
    }
    for (path, to, is_link) in &subdirs {
        if !is_link {
            tree.dirs.push(to.clone());
            continue;
        }
        if !follow {
            tree.links.push((link_text(path)?, to.clone()));
            continue;
        }
        let real = std::fs::canonicalize(path)?;
        let id = dev_ino(&real)?;
        if parents.contains(&id) {
            tree.links.push((link_text(path)?, to.clone()));
            continue;
        }
        // The link's own ancestors up to the part of the tree already
        // known: a link to one of them is a cycle, kept as a link.
        let mut new_parents = HashSet::new();
        let mut up = path.parent();
        while let Some(a) = up.filter(|a| !a.as_os_str().is_empty()) {
            let aid = dev_ino(a)?;
            if parents.contains(&aid) {
                break;
            }
            new_parents.insert(aid);
            up = a.parent();
        }
        if new_parents.contains(&id) {
            tree.links.push((link_text(path)?, to.clone()));
        } else {
            tree.dirs.push(to.clone());
            let all: HashSet<_> = parents.union(&new_parents).copied().collect();
            walk_dir(&real, to, &all, follow, tree, depth + 1)?;
        }
    }
    for (path, to, is_link) in subdirs {
        if !is_link {
            walk_dir(&path, &to, parents, follow, tree, depth + 1)?;
        }
    }
    Ok(())
}

/// How deep a walk goes. A link to an ancestor of the copied directory
/// is not seen as a cycle (Ansible only looks for the copied directory
/// and the link's own parents), so the walk never ends: Ansible's stops
/// at Python's recursion limit and fails the task with [`TOO_DEEP`].
const MAX_DEPTH: usize = 200;

/// Ansible's message for a walk that does not end.
const TOO_DEEP: &str = "Task failed: maximum recursion depth exceeded";

/// `dest` with one trailing `/` joined with a relative path.
fn under(dest: &str, rel: &str) -> String {
    format!("{}/{rel}", dest.trim_end_matches('/'))
}

/// Every ancestor of `path` and `path` itself, top down (`/a`, `/a/b`).
fn chain(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let abs = path.starts_with('/');
    let mut cur = String::new();
    for part in path.split('/').filter(|p| !p.is_empty() && *p != ".") {
        if !cur.is_empty() || abs {
            cur.push('/');
        }
        cur.push_str(part);
        out.push(cur.clone());
    }
    out
}

/// The shell function `md`: creates one missing directory and gives it
/// the attributes a directory Ansible creates on the way gets.
pub(crate) fn md_function(dir_attrs: &Attrs) -> Result<String, String> {
    let mut s = String::from("md() {\n[ -d \"$1\" ] && return 0\nmkdir -- \"$1\" || return 1\n");
    if let Some(m) = &dir_attrs.mode {
        let want = wanted_mode(m, 0o755, true)?;
        s.push_str(&format!("chmod {want:04o} -- \"$1\" || return 1\n"));
    }
    if let Some(o) = &dir_attrs.owner {
        s.push_str(
            &Cmd::new("chown")
                .arg(o)
                .flag("-- \"$1\" || return 1\n")
                .into_string(),
        );
    }
    if let Some(g) = &dir_attrs.group {
        s.push_str(
            &Cmd::new("chgrp")
                .arg(g)
                .flag("-- \"$1\" || return 1\n")
                .into_string(),
        );
    }
    s.push_str("}\n");
    Ok(s)
}

/// `md` calls for `dir` and its missing ancestors.
pub(crate) fn md_calls(dir: &str, seen: &mut BTreeSet<String>, script: &mut String) {
    for p in chain(dir) {
        if seen.insert(p.clone()) {
            script.push_str(&format!("md {} || exit 1\n", quote(&p)));
        }
    }
}

/// Ansible's `get_state` word for an existing path.
fn state_word(st: &FileStat) -> &'static str {
    match st.kind() {
        FileKind::Regular if st.nlink > 1 => "hard",
        k => k.state_word(),
    }
}

/// Copies the directory `top` (found for `src`) to `dest`.
pub(crate) fn copy_local_dir(
    ctx: &mut ModuleContext<'_>,
    a: &CopyArgs,
    src: &str,
    top: &Path,
) -> Result<Outcome, ModuleError> {
    let local_follow = a.local_follow.unwrap_or(true);
    let contents = src.ends_with('/');
    if !local_follow && std::fs::symlink_metadata(top).is_ok_and(|m| m.is_symlink()) {
        return Ok(Outcome::failed(format!(
            "copying `{src}`, a link to a directory, with local_follow: false is not supported"
        )));
    }
    let tree = match walk(top, contents, local_follow) {
        Ok(t) => t,
        Err(e) if e.to_string() == TOO_DEEP => return Ok(Outcome::fail_json(TOO_DEEP)),
        Err(e) => {
            return Err(ModuleError::LocalFile {
                path: top.display().to_string(),
                message: e.to_string(),
            })
        }
    };
    let dest = format!("{}/", a.dest.trim_end_matches('/'));
    // Ansible reports the source as its search found it: absolute.
    let found = std::path::absolute(top).unwrap_or_else(|_| top.to_path_buf());
    let mut shown = found.display().to_string().trim_end_matches('/').to_owned();
    if contents {
        shown.push('/');
    }
    let dir_attrs = dir_attrs(a);
    // Files follow a link at their destination only when no directory
    // is copied (Ansible's rule).
    let follow = tree.dirs.is_empty() && a.follow;
    if tree.files.len() == 1 && tree.dirs.is_empty() && tree.links.is_empty() {
        return single_file(ctx, a, &dest, &tree.files[0], &shown);
    }
    let mut script = String::from(STAT_FN);
    for (_, rel) in &tree.files {
        let opts = StatOpts {
            follow,
            checksum: Some(Checksum::Sha1),
            content: false,
        };
        script.push_str(&stat_call(&under(&dest, rel), opts));
    }
    for rel in tree.dirs.iter().chain(tree.links.iter().map(|(_, r)| r)) {
        script.push_str(&stat_call(&under(&dest, rel), StatOpts::default()));
    }
    let n = tree.files.len() + tree.dirs.len() + tree.links.len();
    let (recs, _) = probe_files(ctx, &script, n)?;
    let (file_recs, rest) = recs.split_at(tree.files.len());
    let (dir_recs, link_recs) = rest.split_at(tree.dirs.len());

    let mut changed = false;
    let mut executed = false;
    let mut apply = String::new();
    let mut seen = BTreeSet::new();
    let mut writes = Vec::new();
    for ((from, rel), cur) in tree.files.iter().zip(file_recs) {
        let path = under(&dest, rel);
        if cur.is_some() && !a.force {
            continue;
        }
        executed = true;
        if let Some(c) = cur.as_ref().filter(|c| c.kind() == FileKind::Directory) {
            return Ok(Outcome::failed(format!(
                "`{path}` is a {}, not a file: copying into it is not supported",
                state_word(c)
            )));
        }
        let data = match read_local(from, a.decrypt)? {
            Ok(d) => d,
            Err(failed) => return Ok(failed),
        };
        let file_args = if a.preserve {
            with_mode_of(a, from)?
        } else {
            a.clone()
        };
        let sum = hex::encode(sha1::Sha1::digest(&data));
        let same = cur.as_ref().is_some_and(|c| {
            c.kind() != FileKind::Symlink && c.checksum.as_deref() == Some(sum.as_str())
        });
        if let (true, Some(c)) = (same, cur) {
            let cmds = a
                .attrs
                .changes(&path, c, false)
                .map_err(ModuleError::Probe)?;
            changed |= !cmds.is_empty();
            push_cmds(&mut apply, cmds);
        } else {
            changed = true;
            md_calls(super::write::parent(&path), &mut seen, &mut apply);
            writes.push((path, data, cur.clone(), file_args.attrs));
        }
    }
    for (rel, cur) in tree.dirs.iter().zip(dir_recs) {
        let path = under(&dest, rel);
        executed = true;
        match cur {
            None => {
                changed = true;
                md_calls(&path, &mut seen, &mut apply);
            }
            Some(c) if c.kind() == FileKind::Directory => {
                let cmds = dir_attrs
                    .changes(&path, c, false)
                    .map_err(ModuleError::Probe)?;
                changed |= !cmds.is_empty();
                push_cmds(&mut apply, cmds);
            }
            Some(c) => {
                return Ok(
                    Outcome::failed(format!("{path} already exists as a {}", state_word(c)))
                        .with("path", path),
                )
            }
        }
    }
    for ((target, rel), cur) in tree.links.iter().zip(link_recs) {
        let path = under(&dest, rel);
        executed = true;
        let link_attrs = Attrs {
            mode: None,
            ..a.attrs.clone()
        };
        match cur {
            Some(c) if c.kind() == FileKind::Symlink && c.lnk_target.as_deref() == Some(target) => {
                let cmds = link_attrs
                    .changes(&path, c, true)
                    .map_err(ModuleError::Probe)?;
                changed |= !cmds.is_empty();
                push_cmds(&mut apply, cmds);
            }
            Some(c) if c.kind() == FileKind::Directory => {
                return Ok(Outcome::failed(format!(
                    "the directory {path} is in the way of a link to {target}"
                ))
                .with("path", path))
            }
            _ => {
                changed = true;
                md_calls(super::write::parent(&path), &mut seen, &mut apply);
                let mut c = Cmd::new("rm -f --")
                    .arg(&path)
                    .flag("&& ln -s --")
                    .arg(target)
                    .arg(&path);
                if let Some(o) = &link_attrs.owner {
                    c = c.flag("&& chown -h").arg(o).flag("--").arg(&path);
                }
                if let Some(g) = &link_attrs.group {
                    c = c.flag("&& chgrp -h").arg(g).flag("--").arg(&path);
                }
                push_cmds(&mut apply, vec![c]);
            }
        }
    }
    let mut o = if changed {
        Outcome::changed()
    } else {
        Outcome::ok()
    };
    if !ctx.check_mode() {
        if !apply.is_empty() {
            let script = md_function(&dir_attrs).map_err(ModuleError::Probe)? + &apply;
            let out = ctx.apply(&script, None)?;
            if out.rc != 0 {
                return Ok(o.failing(out.stderr_str().trim().to_owned()));
            }
        }
        for (path, data, cur, attrs) in &writes {
            let spec = WriteSpec {
                dest: path,
                attrs,
                backup: a.backup,
                stat: StatOpts::default(),
                source: None,
                mkdir: false,
                follow: false,
                validate: a.validate.as_deref(),
            };
            if let Err(f) = write_file(ctx, data, &spec, cur.as_ref())? {
                return Ok(f.fail());
            }
        }
    }
    if executed && tree.files.len() == 1 {
        return last_module(ctx, o, &dest, &tree);
    }
    o.result.insert("dest".into(), dest.into());
    o.result.insert("src".into(), shown.into());
    Ok(o)
}

fn push_cmds(script: &mut String, cmds: Vec<Cmd>) {
    for c in cmds {
        script.push_str(c.as_str());
        script.push_str(" || exit 1\n");
    }
}

/// The attributes of a directory a copy creates or lists.
pub(crate) fn dir_attrs(a: &CopyArgs) -> Attrs {
    Attrs {
        mode: a.directory_mode.clone(),
        owner: a.attrs.owner.clone(),
        group: a.attrs.group.clone(),
    }
}

/// Creates the missing directories of `dir` (with `directory_mode`,
/// owner and group, as Ansible's copy module gives the directories its
/// `makedirs` creates); `Some` is the failed result when the host refuses.
pub(crate) fn make_dirs(
    ctx: &mut ModuleContext<'_>,
    a: &CopyArgs,
    dir: &str,
) -> Result<Option<Outcome>, ModuleError> {
    let probe = Cmd::new("test -d").arg(dir).into_string();
    if ctx.probe(&probe)?.rc == 0 {
        return Ok(None);
    }
    let mut script = md_function(&dir_attrs(a)).map_err(ModuleError::Probe)?;
    md_calls(dir, &mut BTreeSet::new(), &mut script);
    let out = ctx.apply(&script, None)?;
    Ok((out.rc != 0).then(|| Outcome::failed(out.stderr_str().trim().to_owned())))
}

/// One file and nothing else: the copy of that file, its result as a
/// single file's, after its missing parent directories are made as
/// Ansible's copy module makes them. With `force: false` an existing
/// file is left alone and no module runs (the result is the directory
/// copy's own).
fn single_file(
    ctx: &mut ModuleContext<'_>,
    a: &CopyArgs,
    dest: &str,
    (from, rel): &(PathBuf, String),
    shown: &str,
) -> Result<Outcome, ModuleError> {
    let path = under(dest, rel);
    if !a.force {
        let probe = Cmd::new("test -e")
            .arg(&path)
            .flag("|| test -L")
            .arg(&path)
            .into_string();
        if ctx.probe(&probe)?.rc == 0 {
            let mut o = Outcome::ok();
            o.result.insert("dest".into(), dest.to_owned().into());
            o.result.insert("src".into(), shown.to_owned().into());
            return Ok(o);
        }
    }
    let data = match read_local(from, a.decrypt)? {
        Ok(d) => d,
        Err(failed) => return Ok(failed),
    };
    if !ctx.check_mode() {
        if let Some(failed) = make_dirs(ctx, a, super::write::parent(&path))? {
            return Ok(failed);
        }
    }
    let mut file_args = CopyArgs {
        dest: path.clone(),
        ..a.clone()
    };
    if a.preserve {
        file_args = with_mode_of(&file_args, from)?;
    }
    let src = from.display().to_string();
    install(
        ctx,
        &file_args,
        Payload {
            data: &data,
            src: Some(&src),
            basename: None,
        },
    )
}

/// With one file among directories or links, Ansible's result is the
/// last module it ran: the `file` module on the last link, or else on the
/// last directory (its path, the state found there now, `changed`).
fn last_module(
    ctx: &mut ModuleContext<'_>,
    mut o: Outcome,
    dest: &str,
    tree: &Tree,
) -> Result<Outcome, ModuleError> {
    let (path, target) = match (tree.links.last(), tree.dirs.last()) {
        (Some((t, rel)), _) => (under(dest, rel), Some(t.clone())),
        (None, Some(rel)) => (under(dest, rel), None),
        (None, None) => (under(dest, &tree.files[0].1), None),
    };
    let script = String::from(STAT_FN) + &stat_call(&path, StatOpts::default());
    let (recs, _) = probe_files(ctx, &script, 1)?;
    o.result.insert("path".into(), path.clone().into());
    o.result.insert("dest".into(), path.into());
    if let Some(t) = target {
        o.result.insert("src".into(), t.into());
    }
    match recs.into_iter().next().flatten() {
        Some(st) => {
            st.insert_attrs(&mut o.result);
            o.result.insert("state".into(), state_word(&st).into());
        }
        None => {
            o.result.insert("state".into(), Value::from("absent"));
        }
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        let t = d.path().join("top");
        std::fs::create_dir_all(t.join("sub/deeper")).unwrap();
        std::fs::create_dir_all(t.join("empty")).unwrap();
        std::fs::write(t.join("a"), "a").unwrap();
        std::fs::write(t.join("sub/b"), "b").unwrap();
        std::os::unix::fs::symlink("a", t.join("la")).unwrap();
        std::os::unix::fs::symlink("nowhere", t.join("dangling")).unwrap();
        std::os::unix::fs::symlink("..", t.join("sub/up")).unwrap();
        d
    }

    #[test]
    fn a_walk_lists_what_ansible_copies() {
        let d = tree();
        let top = d.path().join("top");
        let t = walk(&top, false, true).unwrap();
        let files: Vec<_> = t.files.iter().map(|(_, r)| r.as_str()).collect();
        assert_eq!(files, ["top/a", "top/la", "top/sub/b"]);
        assert_eq!(t.dirs, ["top/empty", "top/sub", "top/sub/deeper"]);
        // The dangling link and the link back up the tree stay links.
        assert_eq!(
            t.links,
            [
                ("nowhere".to_owned(), "top/dangling".to_owned()),
                ("..".to_owned(), "top/sub/up".to_owned())
            ]
        );
        let t = walk(&top, true, false).unwrap();
        let files: Vec<_> = t.files.iter().map(|(_, r)| r.as_str()).collect();
        assert_eq!(files, ["a", "sub/b"]);
        assert_eq!(t.links.len(), 3);
        // `up` leads above `sub`: Ansible walks round it until Python's
        // recursion limit.
        let e = walk(&top.join("sub"), true, true).unwrap_err();
        assert_eq!(e.to_string(), TOO_DEEP);
    }

    #[test]
    fn chains_and_md_calls_quote_every_directory() {
        assert_eq!(chain("/a/b c/"), ["/a", "/a/b c"]);
        assert_eq!(chain("rel/x"), ["rel", "rel/x"]);
        let mut seen = BTreeSet::new();
        let mut s = String::new();
        md_calls("/a/b c", &mut seen, &mut s);
        md_calls("/a/d", &mut seen, &mut s);
        assert_eq!(
            s,
            "md /a || exit 1\nmd '/a/b c' || exit 1\nmd /a/d || exit 1\n"
        );
    }
}
