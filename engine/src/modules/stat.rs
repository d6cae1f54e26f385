//! `stat`: read a path's metadata; never changes anything.
//!
//! Supported: `path` (`dest`, `name`), `follow`, `get_checksum`,
//! `checksum_algorithm` (`checksum`, `checksum_algo`), `get_mime`
//! (`mimetype`, `charset` from `file`, `unknown` without it) and
//! `get_attributes` (`attributes`, `attr_flags`, `version` from
//! `lsattr -vd`), both on by default as in Ansible. One command.

use super::args::{ArgError, ArgMap};
use super::context::ModuleContext;
use super::fstat::{probe_files, stat_script, Checksum, FileKind, FileStat, StatOpts};
use super::outcome::{ModuleError, Outcome};
use super::Module;
use crate::value::{Map, Value};

/// Arguments of `stat`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatArgs {
    /// The path.
    pub path: String,
    /// Report the link's target instead of the link.
    pub follow: bool,
    /// The checksum to compute for regular files, if any.
    pub checksum: Option<Checksum>,
    /// Report `mimetype` and `charset`.
    pub mime: bool,
    /// Report `attributes`, `attr_flags` and `version`.
    pub attributes: bool,
}

/// The `stat` module.
pub struct StatModule;

impl Module for StatModule {
    type Args = StatArgs;
    const PROBES: bool = true;

    fn parse(args: &mut ArgMap) -> Result<StatArgs, ArgError> {
        let path = args.required_str(&["path", "dest", "name"])?;
        let follow = args.bool(&["follow"])?.unwrap_or(false);
        let get = args.bool(&["get_checksum"])?.unwrap_or(true);
        let algo = args
            .choice(
                &["checksum_algorithm", "checksum", "checksum_algo"],
                &["md5", "sha1", "sha224", "sha256", "sha384", "sha512"],
            )?
            .unwrap_or_else(|| "sha1".into());
        let mime = args
            .bool(&["get_mime", "mime", "mime_type", "mime-type"])?
            .unwrap_or(true);
        let attributes = args
            .bool(&["get_attributes", "attr", "attributes"])?
            .unwrap_or(true);
        args.finish(&[
            "path",
            "follow",
            "get_checksum",
            "checksum_algorithm",
            "get_mime",
            "get_attributes",
        ])?;
        Ok(StatArgs {
            path,
            follow,
            checksum: if get { Checksum::parse(&algo) } else { None },
            mime,
            attributes,
        })
    }

    fn probes(a: &StatArgs) -> Vec<String> {
        vec![script(a)]
    }

    fn run(a: &StatArgs, ctx: &mut ModuleContext<'_>) -> Result<Outcome, ModuleError> {
        let (recs, rest) = probe_files(ctx, &script(a), 1)?;
        // Following a dangling link finds nothing, as Python's os.stat does.
        let st = recs[0]
            .as_ref()
            .filter(|st| !(a.follow && st.kind() == FileKind::Symlink));
        let mut m = stat_map(&a.path, st);
        if st.is_some() {
            extras(a, &rest, &mut m);
        }
        Ok(Outcome::ok().with("stat", Value::Map(m)))
    }
}

fn script(a: &StatArgs) -> String {
    let mut s = stat_script(&[(
        &a.path,
        StatOpts {
            follow: a.follow,
            checksum: a.checksum,
            content: false,
        },
    )]);
    if a.mime || a.attributes {
        let p = crate::shell::quote(&a.path);
        s.push_str(&format!("if [ -e {p} ] || [ -L {p} ]; then\n"));
        // Ansible runs `file --mime-type --mime-encoding PATH` and
        // `lsattr -vd PATH`; a missing tool or a failure leaves its keys
        // at their defaults.
        if a.mime {
            s.push_str(&format!(
                "printf M; file --mime-type --mime-encoding -- {p} 2>/dev/null; printf '\\0'\n"
            ));
        }
        if a.attributes {
            s.push_str(&format!(
                "printf A; lsattr -vd -- {p} 2>/dev/null; printf '\\0'\n"
            ));
        }
        s.push_str("fi\n");
    }
    s
}

/// Ansible's file attribute letters and their names
/// (`module_utils/common/file.py`).
const FILE_ATTRIBUTES: &[(char, &str)] = &[
    ('A', "noatime"),
    ('a', "append"),
    ('c', "compressed"),
    ('C', "nocow"),
    ('d', "nodump"),
    ('D', "dirsync"),
    ('e', "extents"),
    ('E', "encrypted"),
    ('h', "blocksize"),
    ('i', "immutable"),
    ('I', "indexed"),
    ('j', "journalled"),
    ('N', "inline"),
    ('s', "zero"),
    ('S', "synchronous"),
    ('t', "notail"),
    ('T', "blockroot"),
    ('u', "undelete"),
    ('X', "compressedraw"),
    ('Z', "compresseddirty"),
];

/// `mimetype`/`charset` and `attributes`/`attr_flags`/`version` from the
/// probe's extra records, parsed as Ansible's stat parses the tools'
/// output.
fn extras(a: &StatArgs, rest: &[u8], m: &mut Map) {
    let records: Vec<String> = rest
        .split(|b| *b == 0)
        .map(|r| String::from_utf8_lossy(r).into_owned())
        .collect();
    let find = |tag: char| {
        records
            .iter()
            .find_map(|r| r.trim_start().strip_prefix(tag).map(str::to_owned))
    };
    if a.mime {
        let (mut mimetype, mut charset) = ("unknown".to_owned(), "unknown".to_owned());
        if let Some(out) = find('M').filter(|o| !o.trim().is_empty()) {
            if let Some((_, tail)) = out.rsplit_once(':') {
                if let Some((t, c)) = tail.split_once(';') {
                    mimetype = t.trim().to_owned();
                    charset = c.split_once('=').map_or("", |(_, v)| v).trim().to_owned();
                }
            }
        }
        m.insert("mimetype".into(), mimetype.into());
        m.insert("charset".into(), charset.into());
    }
    if a.attributes {
        let mut version = Value::Null;
        let mut flags = String::new();
        let mut names = Vec::new();
        if let Some(out) = find('A') {
            let words: Vec<&str> = out.split_whitespace().collect();
            if words.len() >= 2 {
                version = Value::Str(words[0].to_owned());
                flags = words[1].replace('-', "");
                names = flags
                    .chars()
                    .filter_map(|c| FILE_ATTRIBUTES.iter().find(|(f, _)| *f == c))
                    .map(|(_, n)| Value::Str((*n).to_owned()))
                    .collect();
            }
        }
        m.insert("version".into(), version);
        m.insert("attributes".into(), Value::List(names));
        m.insert("attr_flags".into(), flags.into());
    }
}

/// Ansible's `stat` dict for a probe record (`{exists: false}` when absent).
pub(crate) fn stat_map(path: &str, st: Option<&FileStat>) -> Map {
    let mut m = Map::new();
    let Some(st) = st else {
        m.insert("exists".into(), false.into());
        return m;
    };
    m.insert("exists".into(), true.into());
    m.insert("path".into(), path.into());
    insert_common(&mut m, st);
    let (r, w, x) = st.access;
    m.insert("readable".into(), r.into());
    m.insert("writeable".into(), w.into());
    m.insert("executable".into(), x.into());
    if let Some(c) = &st.checksum {
        m.insert("checksum".into(), c.clone().into());
    }
    m
}

/// The keys `stat` and `find` share.
pub(crate) fn insert_common(m: &mut Map, st: &FileStat) {
    let kind = st.kind();
    m.insert("mode".into(), st.mode_str().into());
    m.insert("isdir".into(), (kind == FileKind::Directory).into());
    m.insert("ischr".into(), (kind == FileKind::Char).into());
    m.insert("isblk".into(), (kind == FileKind::Block).into());
    m.insert("isreg".into(), (kind == FileKind::Regular).into());
    m.insert("isfifo".into(), (kind == FileKind::Fifo).into());
    m.insert("islnk".into(), (kind == FileKind::Symlink).into());
    m.insert("issock".into(), (kind == FileKind::Socket).into());
    m.insert("uid".into(), Value::Int(i64::from(st.uid)));
    m.insert("gid".into(), Value::Int(i64::from(st.gid)));
    m.insert("size".into(), Value::Int(st.size as i64));
    m.insert("inode".into(), Value::Int(st.inode as i64));
    m.insert("dev".into(), Value::Int(st.dev as i64));
    m.insert("nlink".into(), Value::Int(st.nlink as i64));
    m.insert("atime".into(), Value::Float(st.atime as f64));
    m.insert("mtime".into(), Value::Float(st.mtime as f64));
    m.insert("ctime".into(), Value::Float(st.ctime as f64));
    m.insert("wusr".into(), (st.mode & 0o200 != 0).into());
    m.insert("rusr".into(), (st.mode & 0o400 != 0).into());
    m.insert("xusr".into(), (st.mode & 0o100 != 0).into());
    m.insert("wgrp".into(), (st.mode & 0o020 != 0).into());
    m.insert("rgrp".into(), (st.mode & 0o040 != 0).into());
    m.insert("xgrp".into(), (st.mode & 0o010 != 0).into());
    m.insert("woth".into(), (st.mode & 0o002 != 0).into());
    m.insert("roth".into(), (st.mode & 0o004 != 0).into());
    m.insert("xoth".into(), (st.mode & 0o001 != 0).into());
    m.insert("isuid".into(), (st.mode & 0o4000 != 0).into());
    m.insert("isgid".into(), (st.mode & 0o2000 != 0).into());
    m.insert("pw_name".into(), st.owner.clone().into());
    m.insert("gr_name".into(), st.group.clone().into());
    if kind == FileKind::Symlink {
        m.insert(
            "lnk_source".into(),
            st.lnk_source.clone().unwrap_or_default().into(),
        );
        m.insert(
            "lnk_target".into(),
            st.lnk_target.clone().unwrap_or_default().into(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::fstat::parse_records;

    #[test]
    fn stat_dict_has_ansibles_keys() {
        let st = parse_records(b"E81a4 0 0 4 1 2 3 1 77 66 root root\0\0\0rw\0abc\0\0", 1)
            .unwrap()
            .pop()
            .flatten()
            .unwrap();
        let m = stat_map("/p", Some(&st));
        assert_eq!(m["mode"], Value::from("0644"));
        assert_eq!(m["isreg"], Value::Bool(true));
        assert_eq!(m["checksum"], Value::from("abc"));
        assert_eq!(m["mtime"], Value::Float(2.0));
        assert!(!m.contains_key("lnk_source"));
        assert_eq!(stat_map("/p", None).len(), 1);
    }

    #[test]
    fn checksum_choice_and_follow() {
        let mut m = ArgMap::new(
            [
                ("path".to_owned(), Value::from("/a b")),
                ("checksum_algorithm".to_owned(), Value::from("sha256")),
                ("follow".to_owned(), Value::from("yes")),
            ]
            .into_iter()
            .collect(),
        );
        let a = StatModule::parse(&mut m).unwrap();
        assert_eq!(a.checksum, Some(Checksum::Sha256));
        let s = script(&a);
        assert!(s.contains("st '/a b' f sha256sum -\n"), "{s}");
        assert!(
            s.contains("file --mime-type --mime-encoding -- '/a b'"),
            "{s}"
        );
    }

    fn args() -> StatArgs {
        StatArgs {
            path: "/x".into(),
            follow: false,
            checksum: None,
            mime: true,
            attributes: true,
        }
    }

    // The tools' output as Ansible's stat parses it (file and lsattr on
    // this machine's ext4).
    #[test]
    fn mime_and_attributes_from_the_tools() {
        let mut m = Map::new();
        let rest =
            b"M/x: text/plain; charset=us-ascii\n\0A3047418721 --------------e------- /x\n\0";
        extras(&args(), rest, &mut m);
        assert_eq!(m["mimetype"], Value::from("text/plain"));
        assert_eq!(m["charset"], Value::from("us-ascii"));
        assert_eq!(m["version"], Value::from("3047418721"));
        assert_eq!(m["attr_flags"], Value::from("e"));
        assert_eq!(m["attributes"], Value::List(vec![Value::from("extents")]));
        // Without the tools: Ansible's defaults.
        let mut m = Map::new();
        extras(&args(), b"M\0A\0", &mut m);
        assert_eq!(m["mimetype"], Value::from("unknown"));
        assert_eq!(m["version"], Value::Null);
        assert_eq!(m["attributes"], Value::List(vec![]));
    }
}
