//! `find`: list files below directories that match patterns, with
//! stat-like details for each. Read-only, one command for all `paths`.
//!
//! Supported: `paths` (`name`, `path`), `patterns` (`pattern`; globs, or
//! Python regexes matched at the start of the name with `use_regex`),
//! `excludes` (`exclude`), `file_type` (file/directory/link/any),
//! `recurse`, `depth`, `hidden`, `follow`, `age` and `age_stamp`, `size`,
//! `contains` (with `file_type: file`: a Python regex matched at the
//! start of a line, or searched in the whole text with `read_whole_file`;
//! the candidates' contents come in one more command).
//! The host lists entries with GNU `find -printf` (NUL-delimited, so any
//! name survives); the filtering is done here. Runs the same way on the
//! controller: the executor hands a local [`super::Remote`] for
//! `delegate_to: localhost`.
//!
//! `encoding` names the files' codec: UTF-8 is decoded here, others by
//! the host's iconv; a file that does not decode skips the rest of its
//! path as Python's exception does (refused when recursing).
//!
//! `get_checksum` with `checksum_algorithm` adds each regular file's
//! digest.
//!
//! Not supported:
//! `limit`, `mode`, `exact_mode` (announced; the task fails when reached).

mod matcher;

use super::args::{ArgError, ArgMap};
use super::context::ModuleContext;
use super::fstat::{FileKind, FileStat};
use super::outcome::{ModuleError, Outcome};
use super::stat::insert_common;
use super::Module;
use crate::shell::quote;
use crate::value::{Map, Value};
use matcher::Matcher;

/// Which kinds of entries match.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FindType {
    /// Regular files (the default).
    File,
    /// Directories.
    Directory,
    /// Symbolic links.
    Link,
    /// Anything.
    Any,
}

/// Which timestamp `age` compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AgeStamp {
    /// Access time.
    Atime,
    /// Modification time (the default).
    Mtime,
    /// Change time.
    Ctime,
}

/// Arguments of `find`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FindArgs {
    /// Directories to search.
    pub paths: Vec<String>,
    /// Name patterns (any may match); empty = everything.
    pub patterns: Vec<String>,
    /// Name patterns that exclude.
    pub excludes: Vec<String>,
    /// Patterns are regexes, not globs.
    pub use_regex: bool,
    /// Kinds that match.
    pub file_type: FindType,
    /// Descend into subdirectories.
    pub recurse: bool,
    /// Maximum depth when recursing.
    pub depth: Option<u32>,
    /// Include names starting with `.`.
    pub hidden: bool,
    /// Follow symlinks (`find -L`).
    pub follow: bool,
    /// Seconds: `>= age` when positive, `<= -age` when negative.
    pub age: Option<i64>,
    /// The timestamp `age` uses.
    pub age_stamp: AgeStamp,
    /// Bytes: `>= size` when positive, `<= -size` when negative.
    pub size: Option<i64>,
    /// A regex regular files must contain.
    pub contains: Option<String>,
    /// Search `contains` in the whole text rather than line by line.
    pub read_whole_file: bool,
    /// The files' encoding for `contains` (Python's codec name).
    pub encoding: Option<String>,
    /// `get_checksum`: the digest of each regular file found, with
    /// `checksum_algorithm`'s tool.
    pub checksum: Option<&'static str>,
}

/// The `find` module.
pub struct FindModule;

impl Module for FindModule {
    type Args = FindArgs;
    const PROBES: bool = true;

    fn parse(args: &mut ArgMap) -> Result<FindArgs, ArgError> {
        let paths = args
            .list(&["paths", "name", "path"])?
            .ok_or_else(|| ArgError::Missing("paths".into()))?;
        let file_type = match args
            .choice(&["file_type"], &["file", "directory", "link", "any"])?
            .as_deref()
        {
            Some("directory") => FindType::Directory,
            Some("link") => FindType::Link,
            Some("any") => FindType::Any,
            _ => FindType::File,
        };
        let age_stamp = match args
            .choice(&["age_stamp"], &["atime", "mtime", "ctime"])?
            .as_deref()
        {
            Some("atime") => AgeStamp::Atime,
            Some("ctime") => AgeStamp::Ctime,
            _ => AgeStamp::Mtime,
        };
        let age = args
            .str(&["age"])?
            .map(|s| {
                parse_unit(
                    &s,
                    &[
                        ('s', 1),
                        ('m', 60),
                        ('h', 3600),
                        ('d', 86400),
                        ('w', 604800),
                    ],
                )
            })
            .transpose()
            .map_err(|s| ArgError::Invalid(format!("failed to process age `{s}`")))?;
        let size = args
            .str(&["size"])?
            .map(|s| {
                parse_unit(
                    &s,
                    &[
                        ('b', 1),
                        ('k', 1 << 10),
                        ('m', 1 << 20),
                        ('g', 1 << 30),
                        ('t', 1 << 40),
                    ],
                )
            })
            .transpose()
            .map_err(|s| ArgError::Invalid(format!("failed to process size `{s}`")))?;
        let parsed = FindArgs {
            paths,
            patterns: args.list(&["patterns", "pattern"])?.unwrap_or_default(),
            excludes: args.list(&["excludes", "exclude"])?.unwrap_or_default(),
            use_regex: args.bool(&["use_regex"])?.unwrap_or(false),
            file_type,
            recurse: args.bool(&["recurse"])?.unwrap_or(false),
            // Python's `if params['depth']`: 0 (or less) is no limit.
            depth: args.int(&["depth"])?.filter(|d| *d > 0).map(|d| d as u32),
            hidden: args.bool(&["hidden"])?.unwrap_or(false),
            follow: args.bool(&["follow"])?.unwrap_or(false),
            age,
            age_stamp,
            size,
            contains: args.str(&["contains"])?,
            read_whole_file: args.bool(&["read_whole_file"])?.unwrap_or(false),
            encoding: args.str(&["encoding"])?,
            checksum: {
                let algo = args.choice(
                    &["checksum_algorithm", "checksum", "checksum_algo"],
                    &["md5", "sha1", "sha224", "sha256", "sha384", "sha512"],
                )?;
                args.bool(&["get_checksum"])?
                    .unwrap_or(false)
                    .then_some(match algo.as_deref() {
                        Some("md5") => "md5sum",
                        Some("sha224") => "sha224sum",
                        Some("sha256") => "sha256sum",
                        Some("sha384") => "sha384sum",
                        Some("sha512") => "sha512sum",
                        _ => "sha1sum",
                    })
            },
        };
        args.finish(&[
            "contains",
            "encoding",
            "get_checksum",
            "checksum_algorithm",
            "read_whole_file",
            "paths",
            "patterns",
            "excludes",
            "use_regex",
            "file_type",
            "recurse",
            "depth",
            "hidden",
            "follow",
            "age",
            "age_stamp",
            "size",
        ])?;
        Ok(parsed)
    }

    fn probes(a: &FindArgs) -> Vec<String> {
        vec![script(a)]
    }

    fn run(a: &FindArgs, ctx: &mut ModuleContext<'_>) -> Result<Outcome, ModuleError> {
        let out = ctx.probe(&script(a))?;
        if out.rc != 0 {
            return Ok(Outcome::failed(format!(
                "find failed: {}",
                out.stderr_str().trim()
            )));
        }
        let listing = parse(&out.stdout)?;
        let matcher = match Matcher::new(a) {
            Ok(m) => m,
            Err(msg) => return Ok(Outcome::failed(msg)),
        };
        let mut files = Vec::new();
        let mut examined = 0i64;
        let mut skipped = Map::new();
        let mut warnings = Vec::new();
        for (dir, path) in listing.dirs.iter().zip(&a.paths) {
            let entries = match dir {
                Dir::Missing(p) => {
                    skipped.insert(p.clone(), format!("{p} was skipped as it does not seem to be a valid directory or it cannot be accessed").into());
                    continue;
                }
                Dir::Entries(entries) => entries,
            };
            examined += entries.len() as i64;
            let mut wanted: Vec<&Entry> = walk_order(entries)
                .into_iter()
                .filter(|e| a.depth.is_none_or(|d| e.depth <= d))
                .filter(|e| matcher.matches(a, e, listing.now))
                .collect();
            // Ansible reads contents only with `file_type: file` (the
            // default); `any` ignores `contains`.
            if let (Some(re), FindType::File) = (&a.contains, a.file_type) {
                let keep = match contents_match(ctx, a, re, &wanted)? {
                    Ok(k) => k,
                    Err(msg) => return Ok(Outcome::failed(msg)),
                };
                let mut kept = Vec::new();
                for (e, k) in wanted.iter().zip(keep) {
                    match k {
                        Keep::Yes => kept.push(*e),
                        Keep::No => {}
                        Keep::Undecodable(msg) => {
                            // The exception ends this path's walk: what
                            // matched before it stays, the path is skipped.
                            if a.recurse {
                                return Ok(Outcome::failed(format!(
                                    "find: {msg}; konvoy-image does not reproduce where ansible-core's recursive walk stops on it"
                                )));
                            }
                            warnings.push(Value::from(format!(
                                "Skipped '{path}' path due to this access issue: {msg}\n"
                            )));
                            skipped.insert(path.clone(), msg.into());
                            break;
                        }
                    }
                }
                wanted = kept;
            }
            for e in wanted {
                let mut m = Map::new();
                m.insert("path".into(), e.path.clone().into());
                insert_common(&mut m, &e.st);
                m.insert("atime".into(), Value::Float(e.times[0]));
                m.insert("mtime".into(), Value::Float(e.times[1]));
                m.insert("ctime".into(), Value::Float(e.times[2]));
                files.push(Value::Map(m));
            }
        }
        let msg = if skipped.is_empty() {
            "All paths examined"
        } else {
            "Not all paths examined, check warnings for details"
        };
        if let Some(tool) = a.checksum {
            add_checksums(ctx, tool, &mut files)?;
        }
        let matched = files.len() as i64;
        let o = if warnings.is_empty() {
            Outcome::ok()
        } else {
            Outcome::ok().with("warnings", Value::List(warnings))
        };
        Ok(o.with("files", Value::List(files))
            .with("matched", Value::Int(matched))
            .with("examined", Value::Int(examined))
            .with("msg", msg)
            .with("skipped_paths", Value::Map(skipped)))
    }
}

/// `get_checksum`: each regular file's digest (`digest_from_file`, hex),
/// read on the host with the algorithm's coreutils tool in one command.
fn add_checksums(
    ctx: &mut ModuleContext<'_>,
    tool: &str,
    files: &mut [Value],
) -> Result<(), ModuleError> {
    let regular: Vec<usize> = files
        .iter()
        .enumerate()
        .filter(|(_, f)| matches!(f, Value::Map(m) if m.get("isreg") == Some(&Value::Bool(true))))
        .map(|(i, _)| i)
        .collect();
    if regular.is_empty() {
        return Ok(());
    }
    let mut s = String::new();
    for i in &regular {
        if let Value::Map(m) = &files[*i] {
            let p = m.get("path").and_then(Value::as_str).unwrap_or_default();
            s.push_str(&format!(
                "{tool} < {} 2>/dev/null | cut -d' ' -f1 | tr -d '\\n'; printf '\\0'\n",
                quote(p)
            ));
        }
    }
    let out = ctx.probe(&s)?;
    for (i, sum) in regular.iter().zip(out.stdout.split(|b| *b == 0)) {
        if let Value::Map(m) = &mut files[*i] {
            if !sum.is_empty() {
                m.insert(
                    "checksum".into(),
                    String::from_utf8_lossy(sum).into_owned().into(),
                );
            }
        }
    }
    Ok(())
}

/// The entries in the order of Python's `os.walk` (top-down): each
/// directory's entries, files before subdirectories (each group in
/// listing order), then each subdirectory's the same way. `find` lists
/// depth first in the same directory order, so grouping its output by
/// parent gives the walk. (A link to a directory counts as a file here;
/// os.walk puts it among the directories.)
fn walk_order(entries: &[Entry]) -> Vec<&Entry> {
    let mut children: std::collections::HashMap<&str, Vec<&Entry>> =
        std::collections::HashMap::new();
    let mut top = Vec::new();
    for e in entries {
        if e.depth <= 1 {
            top.push(e);
        } else if let Some((parent, _)) = e.path.rsplit_once('/') {
            children.entry(parent).or_default().push(e);
        }
    }
    fn emit<'a>(
        level: &[&'a Entry],
        children: &std::collections::HashMap<&str, Vec<&'a Entry>>,
        out: &mut Vec<&'a Entry>,
    ) {
        let is_dir = |e: &&Entry| e.st.kind() == FileKind::Directory;
        out.extend(level.iter().filter(|e| !is_dir(e)));
        out.extend(level.iter().filter(|e| is_dir(e)));
        for d in level.iter().filter(|e| is_dir(e)) {
            if let Some(c) = children.get(d.path.as_str()) {
                emit(c, children, out);
            }
        }
    }
    let mut out = Vec::with_capacity(entries.len());
    emit(&top, &children, &mut out);
    if out.len() != entries.len() {
        // A parent not found by its name: keep the listing's order
        // rather than lose an entry.
        return entries.iter().collect();
    }
    out
}

/// What `contentfilter` says of one file.
enum Keep {
    Yes,
    No,
    /// The file does not decode with the encoding: Python's exception.
    Undecodable(String),
}

/// Whether `encoding` is UTF-8 as Python names it (decoded here).
fn is_utf8(encoding: Option<&str>) -> bool {
    encoding.is_none_or(|e| {
        matches!(
            e.to_ascii_lowercase().replace('_', "-").as_str(),
            "utf-8" | "utf8" | "u8"
        )
    })
}

/// Ansible's `contentfilter` over `entries`: only regular files are read
/// (other kinds pass); a file that cannot be read does not match; one
/// that does not decode (UTF-8 here, another `encoding` through the
/// host's iconv) raises Python's encoding error.
fn contents_match(
    ctx: &mut ModuleContext<'_>,
    a: &FindArgs,
    pattern: &str,
    entries: &[&Entry],
) -> Result<Result<Vec<Keep>, String>, ModuleError> {
    let re = match crate::pyre::compile(pattern, crate::pyre::Flags::NONE) {
        Ok(r) => r,
        Err(e) => return Ok(Err(e.to_string())),
    };
    let files: Vec<&str> = entries
        .iter()
        .filter(|e| e.st.kind() == FileKind::Regular)
        .map(|e| e.path.as_str())
        .collect();
    let enc = a.encoding.as_deref();
    let iconv = (!is_utf8(enc)).then(|| quote(enc.unwrap_or_default()));
    let mut texts = std::collections::HashMap::new();
    if !files.is_empty() {
        let mut s = String::new();
        if let Some(e) = &iconv {
            s.push_str(&format!(
                "iconv -f {e} -t UTF-8 </dev/null >/dev/null 2>&1 || {{ echo unknown; exit 3; }}\n"
            ));
        }
        for f in &files {
            let q = quote(f);
            match &iconv {
                // `!` marks a file the encoding does not decode.
                Some(e) => s.push_str(&format!(
                    "if [ -r {q} ]; then if iconv -f {e} -t UTF-8 < {q} >/dev/null 2>&1; then iconv -f {e} -t UTF-8 < {q} | base64 -w0; else printf '!'; fi; fi; printf '\\0'\n"
                )),
                None => s.push_str(&format!("base64 -w0 < {q} 2>/dev/null; printf '\\0'\n")),
            }
        }
        let out = ctx.probe(&s)?;
        if out.rc == 3 {
            // Python's LookupError at the first file read.
            let msg = format!("unknown encoding: {}", enc.unwrap_or_default());
            return Ok(Ok(entries
                .iter()
                .map(|e| {
                    if e.st.kind() == FileKind::Regular {
                        Keep::Undecodable(msg.clone())
                    } else {
                        Keep::Yes
                    }
                })
                .collect()));
        }
        for (f, chunk) in files.iter().zip(out.stdout.split(|b| *b == 0)) {
            use base64::Engine as _;
            let text = if chunk == b"!" {
                None
            } else {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(chunk)
                    .unwrap_or_default();
                String::from_utf8(bytes).ok()
            };
            texts.insert(*f, text);
        }
    }
    let enc_word = enc.map_or_else(
        || "None (default determined by the Python built-in function \"open\")".to_owned(),
        str::to_owned,
    );
    Ok(Ok(entries
        .iter()
        .map(|e| {
            if e.st.kind() != FileKind::Regular {
                return Keep::Yes;
            }
            let Some(text) = texts.get(e.path.as_str()) else {
                return Keep::No;
            };
            let Some(text) = text else {
                return Keep::Undecodable(format!(
                    "Failed to read the file {} due to an encoding error. current encoding: {enc_word}",
                    e.path
                ));
            };
            let hit = if a.read_whole_file {
                re.is_match(text).unwrap_or(false)
            } else {
                // `re.match` on each line (with its line break).
                text.split_inclusive('\n')
                    .any(|line| re.find(line).ok().flatten().is_some_and(|m| m.start() == 0))
            };
            if hit {
                Keep::Yes
            } else {
                Keep::No
            }
        })
        .collect()))
}

/// `10`, `2d`, `-1w`, `5k` → the number times the unit.
fn parse_unit(s: &str, units: &[(char, i64)]) -> Result<i64, String> {
    let t = s.trim().to_ascii_lowercase();
    let (num, mult) = match t.chars().last() {
        Some(c) if c.is_ascii_alphabetic() => {
            let m = units
                .iter()
                .find(|(u, _)| *u == c)
                .map(|(_, m)| *m)
                .ok_or_else(|| s.to_owned())?;
            (&t[..t.len() - 1], m)
        }
        _ => (t.as_str(), 1),
    };
    num.parse::<i64>()
        .map(|n| n * mult)
        .map_err(|_| s.to_owned())
}

/// `find` prints, per path: `D\0` then per entry
/// `type perms uid gid size atime mtime ctime nlink inode dev user group\0path\0`,
/// or `X<path>\0` when the path is not a directory; first the host's time.
fn script(a: &FindArgs) -> String {
    let mut s = String::from("date +%s.%N | tr -d '\\n'; printf '\\0'\n");
    for p in &a.paths {
        let safe = if p.starts_with('-') {
            format!("./{p}")
        } else {
            p.clone()
        };
        let q = quote(&safe);
        let depth = match (a.recurse, a.depth) {
            (false, _) => " -maxdepth 1".to_owned(),
            // Ansible's walk reads the entries one level past `depth`
            // (they count as examined) before it stops descending.
            (true, Some(d)) => format!(" -maxdepth {}", d + 1),
            (true, None) => String::new(),
        };
        let follow = if a.follow { "-L " } else { "" };
        s.push_str(&format!(
            "if [ -d {q} ]; then printf 'D\\0'; find {follow}{q} -mindepth 1{depth} -printf '%d %y %m %U %G %s %A@ %T@ %C@ %n %i %D %u %g\\0%p\\0' 2>/dev/null; else printf 'X%s\\0' {qp}; fi\n",
            qp = quote(p)
        ));
    }
    s
}

#[derive(Debug)]
struct Entry {
    path: String,
    /// Levels below the searched path (1 = directly in it).
    depth: u32,
    st: FileStat,
    times: [f64; 3],
}

#[derive(Debug)]
enum Dir {
    Entries(Vec<Entry>),
    Missing(String),
}

#[derive(Debug)]
struct Listing {
    now: f64,
    dirs: Vec<Dir>,
}

fn parse(out: &[u8]) -> Result<Listing, ModuleError> {
    let mut fields = out.split(|b| *b == 0);
    let bad = |what: &str| ModuleError::Probe(format!("find listing: {what}"));
    let now = fields
        .next()
        .and_then(|f| std::str::from_utf8(f).ok()?.parse::<f64>().ok())
        .ok_or_else(|| bad("no time"))?;
    let mut dirs = Vec::new();
    while let Some(f) = fields.next() {
        match f.first() {
            None => continue,
            Some(b'X') => dirs.push(Dir::Missing(String::from_utf8_lossy(&f[1..]).into_owned())),
            Some(b'D') if f.len() == 1 => dirs.push(Dir::Entries(Vec::new())),
            Some(_) => {
                let path = fields.next().ok_or_else(|| bad("entry without a path"))?;
                let line = String::from_utf8_lossy(f);
                let e = entry(&line, String::from_utf8_lossy(path).into_owned())
                    .ok_or_else(|| bad(&line))?;
                match dirs.last_mut() {
                    Some(Dir::Entries(v)) => v.push(e),
                    _ => return Err(bad("entry outside a directory")),
                }
            }
        }
    }
    Ok(Listing { now, dirs })
}

fn entry(line: &str, path: String) -> Option<Entry> {
    let (depth, line) = line.split_once(' ')?;
    let depth = depth.parse().ok()?;
    let w: Vec<&str> = line.splitn(13, ' ').collect();
    if w.len() < 13 {
        return None;
    }
    let kind = match w[0] {
        "d" => FileKind::Directory,
        "l" => FileKind::Symlink,
        "p" => FileKind::Fifo,
        "s" => FileKind::Socket,
        "c" => FileKind::Char,
        "b" => FileKind::Block,
        _ => FileKind::Regular,
    };
    let t = |s: &str| s.parse::<f64>().ok();
    let times = [t(w[5])?, t(w[6])?, t(w[7])?];
    Some(Entry {
        path,
        depth,
        times,
        st: FileStat {
            kind: Some(kind),
            mode: u32::from_str_radix(w[1], 8).ok()?,
            uid: w[2].parse().ok()?,
            gid: w[3].parse().ok()?,
            size: w[4].parse().ok()?,
            atime: times[0] as i64,
            mtime: times[1] as i64,
            ctime: times[2] as i64,
            nlink: w[8].parse().ok()?,
            inode: w[9].parse().ok()?,
            dev: w[10].parse().ok()?,
            owner: w[11].to_owned(),
            group: w[12].to_owned(),
            ..FileStat::default()
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listing_parses_odd_names_and_missing_dirs() {
        let out = b"100.5\0D\x001 f 644 0 0 3 1.5 2.5 3.5 1 9 8 root root\0/d/a\nb.txt\x002 d 755 0 0 4096 1 2 3 2 10 8 root root\0/d/sub\0X/nope\0";
        let l = parse(out).unwrap();
        assert_eq!(l.now, 100.5);
        let Dir::Entries(es) = &l.dirs[0] else {
            panic!("entries")
        };
        assert_eq!(es[0].path, "/d/a\nb.txt");
        assert_eq!(es[0].times[1], 2.5);
        assert_eq!((es[0].depth, es[1].depth), (1, 2));
        assert!(matches!(&l.dirs[1], Dir::Missing(p) if p == "/nope"));
        let mut m = ArgMap::new(
            [
                ("paths".to_owned(), Value::from("/d")),
                ("patterns".to_owned(), Value::from("*.txt")),
                ("age".to_owned(), Value::from("-1m")),
            ]
            .into_iter()
            .collect(),
        );
        let a = FindModule::parse(&mut m).unwrap();
        let matcher = Matcher::new(&a).unwrap();
        assert!(matcher.matches(&a, &es[0], 50.0));
        assert!(!matcher.matches(&a, &es[1], 50.0));
        assert!(!matcher.matches(&a, &es[0], 1000.0));
    }

    #[test]
    fn units() {
        assert_eq!(parse_unit("2d", &[('d', 86400)]), Ok(172800));
        assert_eq!(parse_unit("-5", &[]), Ok(-5));
        assert!(parse_unit("5q", &[('d', 1)]).is_err());
    }
}
