//! The live mount table as ansible.posix's `mount` module reads it:
//! `/proc/self/mountinfo` (`get_linux_mounts`) and Python's `ismount`.

use super::capture::Records;
use std::collections::HashMap;

/// One mounted file system, by mount point.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct MountEntry {
    /// The source: the device, or for a bind mount the bound directory.
    pub(crate) src: String,
    /// The file system type.
    pub(crate) fs: String,
    /// The mount options.
    pub(crate) opts: String,
}

/// Mount point → entry (a later mount on the same point wins).
pub(crate) type Mounts = HashMap<String, MountEntry>;

/// `get_linux_mounts`: a bind mount's source is its root inside the
/// parent mount, prefixed with the parent's mount point.
pub(crate) fn linux_mounts(mountinfo: &str) -> Mounts {
    struct Rec {
        id: i64,
        parent: i64,
        root: String,
        dst: String,
        opts: String,
        fs: String,
        src: String,
    }
    let mut recs: Vec<Rec> = Vec::new();
    for line in mountinfo.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 7 {
            continue;
        }
        let (Ok(id), Ok(parent)) = (f[0].parse(), f[1].parse()) else {
            continue;
        };
        recs.push(Rec {
            id,
            parent,
            root: f[3].to_owned(),
            dst: f[4].to_owned(),
            opts: f[5].to_owned(),
            fs: f[f.len() - 3].to_owned(),
            src: f[f.len() - 2].to_owned(),
        });
    }
    let by_id: HashMap<i64, usize> = recs.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
    let mut out = Mounts::new();
    for r in &recs {
        let src = match by_id.get(&r.parent).filter(|_| r.parent != 1) {
            Some(&pi) => {
                let m = &recs[pi];
                let mut root = r.root.clone();
                if m.root.len() > 1 && root.starts_with(&format!("{}/", m.root)) {
                    root = root[m.root.len()..].to_owned();
                }
                if m.dst != "/" {
                    root = format!("{}{root}", m.dst);
                }
                root
            }
            None => r.src.clone(),
        };
        out.insert(
            r.dst.clone(),
            MountEntry {
                src,
                fs: r.fs.clone(),
                opts: r.opts.clone(),
            },
        );
    }
    out
}

/// Python's `ismount` from two probe records: `st` = `stat -c '%d %i %F'
/// PATH` (lstat) and `stp` = `stat -L -c '%d %i' PATH/..`.
pub(crate) fn is_mount(r: &Records, st: &str, stp: &str) -> bool {
    let (Some(a), Some(b)) = (r.out_ok(st), r.out_ok(stp)) else {
        return false;
    };
    let a: Vec<&str> = a.split_whitespace().collect();
    let b: Vec<&str> = b.split_whitespace().collect();
    if a.len() < 3 || b.len() < 2 || a[2..].join(" ") == "symbolic link" {
        return false;
    }
    a[0] != b[0] || a[1] == b[1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bind_mounts_name_their_source_directory() {
        let mi = "\
22 1 0:21 / / rw - overlay overlay rw
42 22 0:35 / /tmp rw - tmpfs tmpfs rw
78 42 0:35 /aaa /tmp/bbb rw - tmpfs tmpfs rw
79 22 0:40 / /mnt/t rw,relatime shared:5 - tmpfs twin rw,size=1024k
";
        let m = linux_mounts(mi);
        assert_eq!(m["/tmp/bbb"].src, "/tmp/aaa");
        // Any mount under another one gets its root as the source, as in
        // ansible.posix (Python's `ismount` then tells a real mount).
        assert_eq!(m["/mnt/t"].src, "/");
        assert_eq!(m["/mnt/t"].fs, "tmpfs");
        assert_eq!(m["/"].src, "overlay");
    }
}
