//! The file probe shared by the file modules: one shell function, `st`,
//! prints a NUL-delimited record per path (kind, mode, owner, size, times,
//! link target, checksum and, when asked, the content in base64), and
//! [`parse_records`] reads those records back into [`FileStat`]s.
//!
//! NUL is the only byte a path cannot contain, so names with newlines,
//! quotes or spaces come back intact. Every path reaches the shell through
//! [`crate::shell::quote`].

use super::context::ModuleContext;
use super::outcome::ModuleError;
use crate::shell::Cmd;
use crate::value::{Map, Value};
use base64::Engine as _;

/// What kind of file a path is (`lstat` unless the probe follows links).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// A regular file.
    Regular,
    /// A directory.
    Directory,
    /// A symbolic link.
    Symlink,
    /// A named pipe.
    Fifo,
    /// A socket.
    Socket,
    /// A character device.
    Char,
    /// A block device.
    Block,
}

impl FileKind {
    fn from_raw(raw: u32) -> FileKind {
        match raw & 0o170000 {
            0o040000 => FileKind::Directory,
            0o120000 => FileKind::Symlink,
            0o010000 => FileKind::Fifo,
            0o140000 => FileKind::Socket,
            0o020000 => FileKind::Char,
            0o060000 => FileKind::Block,
            _ => FileKind::Regular,
        }
    }

    /// Ansible's `state` word for this kind (file module results).
    pub fn state_word(self) -> &'static str {
        match self {
            FileKind::Directory => "directory",
            FileKind::Symlink => "link",
            _ => "file",
        }
    }
}

/// Checksum algorithms the probe can compute (coreutils `*sum` tools).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Checksum {
    /// `md5sum`.
    Md5,
    /// `sha1sum` (Ansible's default).
    Sha1,
    /// `sha224sum`.
    Sha224,
    /// `sha256sum`.
    Sha256,
    /// `sha384sum`.
    Sha384,
    /// `sha512sum`.
    Sha512,
}

impl Checksum {
    /// Parses Ansible's `checksum_algorithm` names.
    pub fn parse(s: &str) -> Option<Checksum> {
        Some(match s {
            "md5" => Checksum::Md5,
            "sha1" => Checksum::Sha1,
            "sha224" => Checksum::Sha224,
            "sha256" => Checksum::Sha256,
            "sha384" => Checksum::Sha384,
            "sha512" => Checksum::Sha512,
            _ => return None,
        })
    }

    pub(crate) fn tool(self) -> &'static str {
        match self {
            Checksum::Md5 => "md5sum",
            Checksum::Sha1 => "sha1sum",
            Checksum::Sha224 => "sha224sum",
            Checksum::Sha256 => "sha256sum",
            Checksum::Sha384 => "sha384sum",
            Checksum::Sha512 => "sha512sum",
        }
    }
}

/// What the probe should collect for one path.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct StatOpts {
    /// Follow a symlink at the path (`stat -L`); a dangling link is
    /// reported as the link itself.
    pub(crate) follow: bool,
    /// Compute this checksum of a readable regular file.
    pub(crate) checksum: Option<Checksum>,
    /// Include the content of a readable regular file.
    pub(crate) content: bool,
}

/// One path's state on the host.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileStat {
    /// The kind (None only in `Default`).
    pub kind: Option<FileKind>,
    /// Permission bits (`0o7777`).
    pub mode: u32,
    /// Owner id.
    pub uid: u32,
    /// Group id.
    pub gid: u32,
    /// Size in bytes.
    pub size: u64,
    /// Access time (seconds).
    pub atime: i64,
    /// Modification time (seconds).
    pub mtime: i64,
    /// Status change time (seconds).
    pub ctime: i64,
    /// Hard link count.
    pub nlink: u64,
    /// Inode number.
    pub inode: u64,
    /// Device number.
    pub dev: u64,
    /// Owner name (`UNKNOWN` when the id has no name).
    pub owner: String,
    /// Group name.
    pub group: String,
    /// `readlink` of a symlink.
    pub lnk_target: Option<String>,
    /// `readlink -f` of a symlink (the resolved absolute path).
    pub lnk_source: Option<String>,
    /// The probing user may read / write / execute it.
    pub access: (bool, bool, bool),
    /// The requested checksum, hex.
    pub checksum: Option<String>,
    /// The content, when requested.
    pub content: Option<Vec<u8>>,
}

impl FileStat {
    /// The kind; regular when unknown.
    pub fn kind(&self) -> FileKind {
        self.kind.unwrap_or(FileKind::Regular)
    }

    /// The mode as Ansible prints it: `'0644'`.
    pub fn mode_str(&self) -> String {
        format!("{:04o}", self.mode)
    }

    /// The attribute keys every file-ish result carries.
    pub fn insert_attrs(&self, m: &mut Map) {
        m.insert("gid".into(), Value::Int(i64::from(self.gid)));
        m.insert("group".into(), Value::Str(self.group.clone()));
        m.insert("mode".into(), Value::Str(self.mode_str()));
        m.insert("owner".into(), Value::Str(self.owner.clone()));
        m.insert("size".into(), Value::Int(self.size as i64));
        m.insert("uid".into(), Value::Int(i64::from(self.uid)));
    }
}

/// The `st` shell function. Arguments: path, `f` to follow or `-`, a
/// checksum tool or `-`, `c` to print the content or `-`.
pub(crate) const STAT_FN: &str = r#"st() {
if [ -L "$1" ] || [ -e "$1" ]; then :; else printf 'A\0'; return 0; fi
if [ "$2" = f ] && [ -e "$1" ]; then s=$(stat -L -c '%f %u %g %s %X %Y %Z %h %i %d %U %G' -- "$1") || return 3
else s=$(stat -c '%f %u %g %s %X %Y %Z %h %i %d %U %G' -- "$1") || return 3; fi
printf 'E%s\0' "$s"
if [ -L "$1" ]; then t=$(readlink -- "$1"; echo .); r=$(readlink -f -- "$1"; echo .); printf '%s\0%s\0' "${t%??}" "${r%??}"
else printf '\0\0'; fi
a=; [ -r "$1" ] && a=r; [ -w "$1" ] && a=${a}w; [ -x "$1" ] && a=${a}x; printf '%s\0' "$a"
if [ "$3" != - ] && [ -f "$1" ] && [ -r "$1" ]; then c=$("$3" < "$1") || return 3; printf '%s\0' "${c%% *}"; else printf '\0'; fi
if [ "$4" = c ] && [ -f "$1" ] && [ -r "$1" ]; then base64 < "$1" | tr -d '\n'; printf '\0'; else printf '\0'; fi
}
"#;

/// One `st` call for `path`.
pub(crate) fn stat_call(path: &str, opts: StatOpts) -> String {
    let mut c = Cmd::new("st").arg(path);
    c = c.flag(if opts.follow { "f" } else { "-" });
    c = c.flag(opts.checksum.map_or("-", Checksum::tool));
    c = c.flag(if opts.content { "c" } else { "-" });
    let mut s = c.into_string();
    s.push('\n');
    s
}

/// A whole probe script: the function, then one call per path.
pub(crate) fn stat_script(paths: &[(&str, StatOpts)]) -> String {
    let mut s = String::from(STAT_FN);
    for (p, o) in paths {
        s.push_str(&stat_call(p, *o));
    }
    s
}

/// Reads `n` records from probe output. `None` = the path is absent.
pub(crate) fn parse_records(out: &[u8], n: usize) -> Result<Vec<Option<FileStat>>, ModuleError> {
    parse_records_rest(out, n).map(|(recs, _)| recs)
}

/// Like [`parse_records`], also giving the bytes after the records (a
/// module's own listing that follows them).
pub(crate) fn parse_records_rest(
    out: &[u8],
    n: usize,
) -> Result<(Vec<Option<FileStat>>, &[u8]), ModuleError> {
    let mut rest = out;
    let mut next = |what: &str| -> Result<&[u8], ModuleError> {
        let end = rest
            .iter()
            .position(|b| *b == 0)
            .ok_or_else(|| ModuleError::Probe(format!("file record ends before {what}")))?;
        let field = &rest[..end];
        rest = &rest[end + 1..];
        Ok(field)
    };
    let mut recs = Vec::with_capacity(n);
    for _ in 0..n {
        let head = next("its kind")?;
        match head.first() {
            Some(b'A') => recs.push(None),
            Some(b'E') => {
                let mut st = parse_stat_line(&String::from_utf8_lossy(&head[1..]))?;
                let t = next("the link target")?;
                let r = next("the link source")?;
                if st.kind() == FileKind::Symlink {
                    st.lnk_target = Some(String::from_utf8_lossy(t).into_owned());
                    st.lnk_source = Some(String::from_utf8_lossy(r).into_owned());
                }
                let a = next("the access flags")?;
                st.access = (a.contains(&b'r'), a.contains(&b'w'), a.contains(&b'x'));
                let c = next("the checksum")?;
                if !c.is_empty() {
                    st.checksum = Some(String::from_utf8_lossy(c).trim().to_owned());
                }
                let d = next("the content")?;
                if !d.is_empty() || (st.kind() == FileKind::Regular && st.size == 0) {
                    let bytes = base64::engine::general_purpose::STANDARD
                        .decode(d)
                        .map_err(|e| ModuleError::Probe(format!("content is not base64: {e}")))?;
                    st.content = Some(bytes);
                }
                recs.push(Some(st));
            }
            _ => {
                return Err(ModuleError::Probe(format!(
                    "expected a file record, got `{}`",
                    String::from_utf8_lossy(&head[..head.len().min(200)])
                )))
            }
        }
    }
    Ok((recs, rest))
}

/// Runs a probe script and reads `n` records; the remainder (a listing
/// some modules append) is returned as well. A probe that fails (rc ≠ 0)
/// is an error carrying its stderr.
pub(crate) fn probe_files(
    ctx: &mut ModuleContext<'_>,
    script: &str,
    n: usize,
) -> Result<(Vec<Option<FileStat>>, Vec<u8>), ModuleError> {
    let out = ctx.probe(script)?;
    if out.rc != 0 {
        return Err(ModuleError::Probe(format!(
            "probe exited {}: {}",
            out.rc,
            out.stderr_str().trim()
        )));
    }
    let (recs, rest) = parse_records_rest(&out.stdout, n)?;
    Ok((recs, rest.to_vec()))
}

fn parse_stat_line(line: &str) -> Result<FileStat, ModuleError> {
    let bad = || ModuleError::Probe(format!("cannot read stat line `{line}`"));
    let mut w = line.split(' ');
    let mut num = |radix: u32| -> Result<u64, ModuleError> {
        w.next()
            .and_then(|s| u64::from_str_radix(s, radix).ok())
            .ok_or_else(bad)
    };
    let raw = num(16)? as u32;
    let uid = num(10)? as u32;
    let gid = num(10)? as u32;
    let size = num(10)?;
    let atime = num(10)? as i64;
    let mtime = num(10)? as i64;
    let ctime = num(10)? as i64;
    let nlink = num(10)?;
    let inode = num(10)?;
    let dev = num(10)?;
    let owner = w.next().ok_or_else(bad)?.to_owned();
    let group = w.collect::<Vec<_>>().join(" ");
    Ok(FileStat {
        kind: Some(FileKind::from_raw(raw)),
        mode: raw & 0o7777,
        uid,
        gid,
        size,
        atime,
        mtime,
        ctime,
        nlink,
        inode,
        dev,
        owner,
        group,
        ..FileStat::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_parse_with_odd_names() {
        let out = b"A\0E81a4 0 0 4 1 2 3 1 77 66 root root\0\0\0rw\0abc\0YWJjCg==\0\
Ea1ff 0 0 3 1 2 3 1 78 66 root root\0a\nb\0/x/a\nb\0r\0\0\0";
        let recs = parse_records(out, 3).unwrap();
        assert!(recs[0].is_none());
        let f = recs[1].as_ref().unwrap();
        assert_eq!(f.kind(), FileKind::Regular);
        assert_eq!(f.mode_str(), "0644");
        assert_eq!(f.content.as_deref(), Some(&b"abc\n"[..]));
        assert_eq!(f.checksum.as_deref(), Some("abc"));
        let l = recs[2].as_ref().unwrap();
        assert_eq!(l.kind(), FileKind::Symlink);
        assert_eq!(l.lnk_target.as_deref(), Some("a\nb"));
        assert!(parse_records(b"E", 1).is_err());
    }
}
