//! `AnsibleModule.add_path_info`: every module result with a `path` gets
//! the file's `uid`, `gid`, `owner`, `group`, `mode` (`'0%03o'`),
//! `state` and `size`, or `state: absent`.

use super::fstat::{FileKind, FileStat};
use crate::value::{Map, Value};

/// Adds the path keys for `st` (the `path`'s lstat; `None` when absent).
pub(crate) fn insert_path_info(m: &mut Map, st: Option<&FileStat>) {
    let Some(st) = st else {
        m.insert("state".into(), Value::from("absent"));
        return;
    };
    m.insert("uid".into(), Value::Int(i64::from(st.uid)));
    m.insert("gid".into(), Value::Int(i64::from(st.gid)));
    let name = |n: &str, id: u32| {
        if n == "UNKNOWN" {
            id.to_string()
        } else {
            n.to_owned()
        }
    };
    m.insert("owner".into(), Value::Str(name(&st.owner, st.uid)));
    m.insert("group".into(), Value::Str(name(&st.group, st.gid)));
    m.insert("mode".into(), Value::Str(format!("0{:03o}", st.mode)));
    let state = match st.kind() {
        FileKind::Symlink => "link",
        FileKind::Directory => "directory",
        _ if st.nlink > 1 => "hard",
        _ => "file",
    };
    m.insert("state".into(), Value::from(state));
    m.insert("size".into(), Value::Int(st.size as i64));
}
