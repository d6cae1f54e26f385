//! `copy`: put a file (from the controller, from `content`, or from
//! another path on the host) at `dest`, only when its checksum differs.
//!
//! Supported: `src` (search paths, then as given), `content`, `dest`
//! (a file, an existing directory, or a path ending in `/`), `remote_src`,
//! `mode` (also `preserve`), `owner`, `group`, `backup`, `force`,
//! `follow`, `validate`, `decrypt` (a vault-encrypted source fails: there
//! are no vault secrets here), `directory_mode`, `local_follow`;
//! `unsafe_writes` is accepted and ignored. `dest` and a remote `src`
//! are expanded on the host (`$NAME`, `~`) as the module's path options
//! are. One probe reads the destination's sha1 (and
//! the content in diff mode); one command writes the file (temp file in
//! the same directory, then rename) and reads the result back.
//!
//! A `src` naming a directory on the controller is copied recursively
//! ([`super::copy_dir`]), with `directory_mode` and `local_follow`; one
//! on the host (`remote_src`) is copied there ([`super::copy_remote`]).

use super::args::{ArgError, ArgMap, FileMode};
use super::argv::{expand_word, needs_expansion};
use super::attrs::{apply_attrs, Attrs};
use super::context::ModuleContext;
use super::copy_dir::{copy_local_dir, make_dirs};
use super::copy_remote::copy_remote_dir;
use super::diff;
use super::fstat::{probe_files, stat_call, Checksum, FileKind, FileStat, StatOpts, STAT_FN};
use super::outcome::{ModuleError, Outcome};
use super::write::{write_file, WriteSpec};
use super::Module;
use crate::value::Value;
use md5::Digest as _;

/// Where the new content comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// `content:` text.
    Content(String),
    /// `src:` on the controller (resolved through the search paths).
    Local(String),
    /// `src:` on the host (`remote_src: yes`).
    Remote(String),
}

/// Arguments of `copy`.
#[derive(Clone, Debug, PartialEq)]
pub struct CopyArgs {
    /// The new content.
    pub source: Source,
    /// Destination file or directory.
    pub dest: String,
    /// Mode, owner, group.
    pub attrs: Attrs,
    /// Keep a timestamped copy of a replaced file.
    pub backup: bool,
    /// Replace a differing file (default); `false` only creates.
    pub force: bool,
    /// Follow a symlink at `dest`.
    pub follow: bool,
    /// `validate:`: a command with `%s` run on the new file first.
    pub validate: Option<String>,
    /// Mode of the directories a copy creates.
    pub directory_mode: Option<FileMode>,
    /// Copy what a link in a source directory points to, or the link
    /// itself (unset: the action follows, the module with `remote_src`
    /// keeps links).
    pub local_follow: Option<bool>,
    /// `mode: preserve`: each file gets its source's mode.
    pub preserve: bool,
    /// Decrypt a vault-encrypted source (default); this engine has no
    /// vault secrets, so such a source fails as in Ansible without one.
    pub decrypt: bool,
}

/// The `copy` module.
pub struct CopyModule;

impl Module for CopyModule {
    type Args = CopyArgs;
    const PROBES: bool = true;

    fn parse(args: &mut ArgMap) -> Result<CopyArgs, ArgError> {
        // An empty `src` is no source, as the action's `if not source`.
        let src = args.str(&["src"])?.filter(|s| !s.is_empty());
        let content = args.value(&["content"]).map(|v| match v {
            Value::Str(s) | Value::Unsafe(s) => s,
            other => diff::to_json(&other).to_string(),
        });
        let remote = args.bool(&["remote_src"])?.unwrap_or(false);
        let dest = args.str(&["dest"])?.filter(|d| !d.is_empty());
        // Checked in the order (and words) of ansible-core's copy action.
        let invalid = |m: &str| Err(ArgError::Invalid(m.into()));
        let source = match (src, content) {
            (None, None) => return invalid("src (or content) is required"),
            _ if dest.is_none() => return invalid("dest is required"),
            (Some(_), Some(_)) => return invalid("src and content are mutually exclusive"),
            (None, Some(_)) if dest.as_deref().is_some_and(|d| d.ends_with('/')) => {
                return invalid("can not use content with a dir as dest")
            }
            (Some(s), None) if remote => Source::Remote(s),
            (Some(s), None) => Source::Local(s),
            (None, Some(c)) => Source::Content(c),
        };
        let preserve = matches!(args.value(&["mode"]), Some(Value::Str(m) | Value::Unsafe(m)) if m == "preserve");
        let parsed = CopyArgs {
            decrypt: args.bool(&["decrypt"])?.unwrap_or(true),
            preserve,
            source,
            dest: dest.unwrap_or_default(),
            attrs: Attrs {
                mode: if preserve {
                    args.ignore(&["mode"]);
                    None
                } else {
                    args.mode(&["mode"])?
                },
                owner: args.str(&["owner"])?,
                group: args.str(&["group"])?,
            },
            backup: args.bool(&["backup"])?.unwrap_or(false),
            force: args.bool(&["force"])?.unwrap_or(true),
            follow: args.bool(&["follow"])?.unwrap_or(false),
            validate: args.str(&["validate"])?,
            directory_mode: args.mode(&["directory_mode"])?,
            local_follow: args.bool(&["local_follow"])?,
        };
        // Writes are always atomic.
        args.ignore(&["unsafe_writes"]);
        args.finish(&[
            "src",
            "content",
            "dest",
            "remote_src",
            "mode",
            "owner",
            "group",
            "backup",
            "force",
            "follow",
            "validate",
            "directory_mode",
            "local_follow",
            "decrypt",
        ])?;
        Ok(parsed)
    }

    fn probes(a: &CopyArgs) -> Vec<String> {
        vec![batch_probe(a)]
    }

    fn run(a: &CopyArgs, ctx: &mut ModuleContext<'_>) -> Result<Outcome, ModuleError> {
        let expanded = expand_paths(ctx, a)?;
        let a = expanded.as_ref().unwrap_or(a);
        if a.preserve {
            // The action's `mode: preserve` on content: its temp file's
            // mode, 0600.
            if let Source::Content(_) = a.source {
                let mut b = a.clone();
                b.attrs.mode = Some(FileMode::Octal(0o600));
                b.preserve = false;
                return Self::run(&b, ctx);
            }
        }
        match &a.source {
            Source::Content(c) => {
                let p = Payload {
                    data: c.as_bytes(),
                    src: None,
                    basename: None,
                };
                install(ctx, a, p)
            }
            Source::Local(s) => {
                let path = ctx.find_local(s)?;
                if path.is_dir() {
                    return copy_local_dir(ctx, a, s, &path);
                }
                if let (Some(_), true, false) =
                    (&a.directory_mode, a.dest.ends_with('/'), ctx.check_mode())
                {
                    // The directories `dest/` needs get `directory_mode`,
                    // as the copy module's `makedirs` gives them.
                    if let Some(failed) = make_dirs(ctx, a, &a.dest)? {
                        return Ok(failed);
                    }
                }
                let data = match read_local(&path, a.decrypt)? {
                    Ok(d) => d,
                    Err(failed) => return Ok(failed),
                };
                let preserved;
                let a = if a.preserve {
                    preserved = with_mode_of(a, &path)?;
                    &preserved
                } else {
                    a
                };
                let src = path.display().to_string();
                let p = Payload {
                    data: &data,
                    src: Some(&src),
                    basename: basename(s),
                };
                install(ctx, a, p)
            }
            Source::Remote(s) => {
                let p = Payload {
                    data: &[],
                    src: Some(s),
                    basename: basename(s),
                };
                install(ctx, a, p)
            }
        }
    }
}

fn state_word_of(st: &FileStat) -> &'static str {
    st.kind().state_word()
}

/// The bytes of the controller file `path`; `Err` is the failed result
/// for a vault-encrypted file that must be decrypted: Ansible's
/// `get_real_file` without a vault secret (this engine has none).
pub(crate) fn read_local(
    path: &std::path::Path,
    decrypt: bool,
) -> Result<Result<Vec<u8>, Outcome>, ModuleError> {
    let data = std::fs::read(path).map_err(|e| ModuleError::LocalFile {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    if decrypt && data.starts_with(b"$ANSIBLE_VAULT;") {
        return Ok(Err(Outcome::failed(format!(
            "Task failed: A vault password or secret must be specified to decrypt {}",
            path.display()
        ))));
    }
    Ok(Ok(data))
}

/// `a` with `mode: preserve` made the mode of the controller file `path`.
pub(crate) fn with_mode_of(a: &CopyArgs, path: &std::path::Path) -> Result<CopyArgs, ModuleError> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path).map_err(|e| ModuleError::LocalFile {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    let mut b = a.clone();
    b.attrs.mode = Some(FileMode::Octal(meta.permissions().mode() & 0o7777));
    b.preserve = false;
    Ok(b)
}

/// `dest`, and `src` with `remote_src`, are the copy module's `path`
/// options: it expands `$NAME`, `${NAME}` and a leading `~` in them on
/// the host, as Python's `expanduser(expandvars(...))` does. `None` when
/// there is nothing to expand (no round trip).
fn expand_paths(
    ctx: &mut ModuleContext<'_>,
    a: &CopyArgs,
) -> Result<Option<CopyArgs>, ModuleError> {
    let remote = remote_of(a).filter(|r| needs_expansion(r));
    if remote.is_none() && !needs_expansion(&a.dest) {
        return Ok(None);
    }
    let mut script = String::new();
    let d = expand_word(&a.dest, 0, &mut script);
    let r = remote.map(|r| expand_word(r, 1, &mut script));
    script.push_str(&format!("printf '%s\\0' {d}"));
    if let Some(r) = &r {
        script.push_str(&format!(" {r}"));
    }
    script.push('\n');
    let out = ctx.probe(&script)?;
    let mut parts = out.stdout.split(|b| *b == 0);
    let mut next = || {
        parts
            .next()
            .map(|b| String::from_utf8_lossy(b).into_owned())
    };
    let (Some(dest), src) = (next(), next()) else {
        return Err(ModuleError::Probe(
            "expanding copy's paths printed nothing".into(),
        ));
    };
    let mut b = a.clone();
    b.dest = dest;
    if let (Some(src), true) = (src, r.is_some()) {
        b.source = Source::Remote(src);
    }
    Ok(Some(b))
}

/// The probe `install` sends outside diff mode (copy's and template's
/// [`Module::probes`]).
pub(crate) fn batch_probe(a: &CopyArgs) -> String {
    let base = match &a.source {
        Source::Local(s) | Source::Remote(s) => basename(s),
        Source::Content(_) => None,
    };
    probe_script(&a.dest, base, a.follow, false, remote_of(a))
}

fn remote_of(a: &CopyArgs) -> Option<&str> {
    match &a.source {
        Source::Remote(s) => Some(s),
        _ => None,
    }
}

/// The new file's bytes and where they came from.
pub(crate) struct Payload<'a> {
    /// The content (empty for `remote_src`, which copies on the host).
    pub(crate) data: &'a [u8],
    /// The source path, for the result and the diff header.
    pub(crate) src: Option<&'a str>,
    /// The source's file name, used when `dest` is a directory.
    pub(crate) basename: Option<&'a str>,
}

/// The last path component, `None` for paths ending in `/`.
pub(crate) fn basename(p: &str) -> Option<&str> {
    p.rsplit('/').next().filter(|b| !b.is_empty())
}

/// Records: dest, then dest/basename (when there is one), then the
/// remote source (for `remote_src`).
fn probe_script(
    dest: &str,
    base: Option<&str>,
    follow: bool,
    content: bool,
    remote: Option<&str>,
) -> String {
    let opts = StatOpts {
        follow,
        checksum: Some(Checksum::Sha1),
        content,
    };
    let mut s = String::from(STAT_FN);
    s.push_str(&stat_call(dest, opts));
    if let Some(b) = base {
        s.push_str(&stat_call(&join(dest, b), opts));
    }
    if let Some(r) = remote {
        let opts = StatOpts {
            follow: true,
            checksum: Some(Checksum::Sha1),
            content,
        };
        s.push_str(&stat_call(r, opts));
        // The copy module also returns the source's md5.
        let md5 = StatOpts {
            checksum: Some(Checksum::Md5),
            content: false,
            ..opts
        };
        s.push_str(&stat_call(r, md5));
    }
    s
}

fn join(dir: &str, base: &str) -> String {
    format!("{}/{base}", dir.trim_end_matches('/'))
}

/// What the probe found about where the file goes.
enum Target<'s> {
    /// Write to this path; its current state.
    Path(String, Option<&'s FileStat>),
    /// Cannot decide (a message for the user).
    Fail(String),
}

/// Pure: resolves `dest` (file, directory, `dir/`) to the file to write.
fn target<'s>(
    dest: &str,
    base: Option<&str>,
    dest_st: Option<&'s FileStat>,
    inner: Option<&'s FileStat>,
) -> Target<'s> {
    let is_dir = dest.ends_with('/') || dest_st.is_some_and(|s| s.kind() == FileKind::Directory);
    match (is_dir, base) {
        (false, _) => Target::Path(dest.to_owned(), dest_st),
        (true, Some(b)) => Target::Path(join(dest, b), inner),
        (true, None) => Target::Fail("can not use content with a dir as dest".into()),
    }
}

/// Shared by copy and template: probe, compare sha1, write or fix attrs.
pub(crate) fn install(
    ctx: &mut ModuleContext<'_>,
    a: &CopyArgs,
    p: Payload<'_>,
) -> Result<Outcome, ModuleError> {
    let remote = remote_of(a);
    let script = probe_script(&a.dest, p.basename, a.follow, ctx.diff, remote);
    let n = 1 + usize::from(p.basename.is_some()) + 2 * usize::from(remote.is_some());
    let (recs, _) = probe_files(ctx, &script, n)?;
    let (dest_st, inner) = (
        recs[0].as_ref(),
        recs.get(1)
            .and_then(Option::as_ref)
            .filter(|_| p.basename.is_some()),
    );
    let (remote_st, remote_md5) = if remote.is_some() {
        (
            recs[n - 2].as_ref(),
            recs[n - 1].as_ref().and_then(|r| r.checksum.clone()),
        )
    } else {
        (None, None)
    };
    if let (Some(r), Some(rs)) = (remote, remote_st) {
        if rs.kind() == FileKind::Directory {
            return copy_remote_dir(ctx, a, r, a.local_follow);
        }
    }
    let (path, cur) = match target(&a.dest, p.basename, dest_st, inner) {
        Target::Path(path, cur) => (path, cur),
        Target::Fail(msg) => return Ok(Outcome::failed(msg)),
    };
    let (checksum, size, new_text) = match (remote, remote_st) {
        (Some(r), None) => return Ok(Outcome::failed(format!("Source {r} not found"))),
        (Some(_), Some(rs)) => (
            rs.checksum.clone().unwrap_or_default(),
            rs.size,
            rs.content.clone().unwrap_or_default(),
        ),
        (None, _) => (
            hex::encode(sha1::Sha1::digest(p.data)),
            p.data.len() as u64,
            p.data.to_vec(),
        ),
    };
    // `mode: preserve` with `remote_src`: the module takes the source's.
    let mut attrs = a.attrs.clone();
    if let (true, Some(rs)) = (a.preserve, remote_st) {
        attrs.mode = Some(FileMode::Octal(rs.mode));
    }
    let same = cur.is_some_and(|c| c.checksum.as_deref() == Some(checksum.as_str()));
    let mut o = Outcome::ok();
    o.result.insert("dest".into(), path.clone().into());
    o.result.insert("checksum".into(), checksum.clone().into());
    // With remote_src the copy module itself answers, whatever happens:
    // the source and its md5, the destination's state, never `path`.
    if let Some(r) = remote {
        o.result.insert("src".into(), r.to_owned().into());
        if let Some(m) = &remote_md5 {
            o.result.insert("md5sum".into(), m.clone().into());
        }
    }
    let path_key = remote.is_none();
    let result_opts = StatOpts {
        follow: a.follow,
        ..StatOpts::default()
    };
    if let Some(c) = cur.filter(|_| same || !a.force) {
        let cmds = attrs.changes(&path, c, false).map_err(ArgError::Invalid)?;
        if cmds.is_empty() || !a.force && !same {
            c.insert_attrs(&mut o.result);
            if path_key {
                o.result.insert("path".into(), path.into());
            }
            o.result.insert("state".into(), "file".into());
            return Ok(o);
        }
        o.changed = true;
        let st = if ctx.check_mode() {
            c.clone()
        } else {
            match apply_attrs(ctx, &path, cmds, result_opts)? {
                Ok(st) => st,
                Err(msg) => return Ok(o.failing(msg)),
            }
        };
        st.insert_attrs(&mut o.result);
        if path_key {
            o.result.insert("path".into(), path.into());
        }
        o.result.insert("state".into(), "file".into());
        return Ok(o);
    }
    o.changed = true;
    if ctx.diff {
        let before = cur.and_then(|c| c.content.as_deref()).unwrap_or_default();
        o.diff = Some(diff::unified(
            &String::from_utf8_lossy(before),
            &String::from_utf8_lossy(&new_text),
            cur.map(|_| path.as_str()),
            Some(p.src.unwrap_or(&path)),
        ));
    }
    if let Source::Content(_) | Source::Local(_) = a.source {
        o.result.insert(
            "md5sum".into(),
            hex::encode(md5::Md5::digest(p.data)).into(),
        );
    }
    if ctx.check_mode() && remote.is_some() {
        // Nothing written: the module describes the destination as it is.
        if let Some(c) = cur {
            c.insert_attrs(&mut o.result);
            o.result.insert("state".into(), state_word_of(c).into());
        }
        return Ok(o);
    }
    o.result
        .insert("src".into(), p.src.unwrap_or(&path).to_owned().into());
    o.result.insert("state".into(), "file".into());
    if ctx.check_mode() {
        o.result.insert("size".into(), Value::Int(size as i64));
        return Ok(o);
    }
    let spec = WriteSpec {
        dest: &path,
        attrs: &attrs,
        backup: a.backup,
        stat: result_opts,
        source: remote,
        mkdir: a.dest.ends_with('/'),
        follow: a.follow,
        validate: a.validate.as_deref(),
    };
    match write_file(ctx, p.data, &spec, cur)? {
        Ok((st, backup)) => {
            st.insert_attrs(&mut o.result);
            if let Some(b) = backup {
                o.result.insert("backup_file".into(), b.into());
            }
            Ok(o)
        }
        Err(f) => Ok(f.fail()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::fstat::parse_records;

    fn rec(line: &str, sum: &str) -> FileStat {
        let raw = format!("E{line}\0\0\0rw\0{sum}\0\0");
        parse_records(raw.as_bytes(), 1)
            .unwrap()
            .pop()
            .flatten()
            .unwrap()
    }

    #[test]
    fn dest_directory_takes_the_source_name() {
        let dir = rec("41ed 0 0 4096 1 2 3 2 9 9 root root", "");
        match target("/etc", Some("a b"), Some(&dir), None) {
            Target::Path(p, None) => assert_eq!(p, "/etc/a b"),
            _ => panic!("expected a path"),
        }
        match target("/new/", Some("x"), None, None) {
            Target::Path(p, None) => assert_eq!(p, "/new/x"),
            _ => panic!("expected a path"),
        }
        assert!(matches!(
            target("/etc", None, Some(&dir), None),
            Target::Fail(_)
        ));
        let f = rec("81a4 0 0 4 1 2 3 1 9 9 root root", "abc");
        assert!(matches!(
            target("/etc/f", None, Some(&f), None),
            Target::Path(_, Some(_))
        ));
    }

    #[test]
    fn arguments_are_checked_in_the_order_and_words_of_the_action() {
        let msg = |pairs: &[(&str, &str)]| {
            let mut m = ArgMap::new(
                pairs
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), Value::from(*v)))
                    .collect(),
            );
            CopyModule::parse(&mut m).unwrap_err().to_string()
        };
        assert!(msg(&[("src", ""), ("dest", "/d")]).contains("src (or content) is required"));
        assert!(msg(&[("src", "a"), ("content", "b")]).contains("dest is required"));
        assert!(msg(&[("src", "a"), ("content", "b"), ("dest", "/d")])
            .contains("src and content are mutually exclusive"));
        assert!(msg(&[("content", "b"), ("dest", "/d/")])
            .contains("can not use content with a dir as dest"));
    }

    #[test]
    fn a_vault_file_fails_unless_decrypt_is_off() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("v");
        std::fs::write(&p, "$ANSIBLE_VAULT;1.1;AES256\n6162\n").unwrap();
        let failed = read_local(&p, true).unwrap().unwrap_err();
        assert_eq!(
            failed.result["msg"],
            Value::from(format!(
                "Task failed: A vault password or secret must be specified to decrypt {}",
                p.display()
            ))
        );
        assert!(read_local(&p, false).unwrap().is_ok());
    }

    #[test]
    fn parse_rejects_src_with_content() {
        let mut m = ArgMap::new(
            [
                ("src".to_owned(), Value::from("a")),
                ("content".to_owned(), Value::from("b")),
                ("dest".to_owned(), Value::from("/c")),
            ]
            .into_iter()
            .collect(),
        );
        assert!(CopyModule::parse(&mut m).is_err());
        let mut m = ArgMap::new(
            [
                ("content".to_owned(), Value::from("b")),
                ("dest".to_owned(), Value::from("/c")),
                ("mode".to_owned(), Value::Int(0o600)),
                ("bogus".to_owned(), Value::Int(1)),
            ]
            .into_iter()
            .collect(),
        );
        assert!(CopyModule::parse(&mut m)
            .unwrap_err()
            .to_string()
            .contains("bogus"));
    }

    #[test]
    fn probe_quotes_paths() {
        let s = probe_script("/a'b", Some("$(c)"), false, false, None);
        assert!(s.contains(r#"st '/a'"'"'b' - sha1sum -"#), "{s}");
        assert!(s.contains(r#"st '/a'"'"'b/$(c)' - sha1sum -"#), "{s}");
    }
}
