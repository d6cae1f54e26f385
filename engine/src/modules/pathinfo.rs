//! `AnsibleModule.add_path_info`: every module result with a `path` gets
//! the file's `uid`, `gid`, `owner`, `group`, `mode` (`'0%03o'`),
//! `state` and `size`; nothing when it does not exist.

use super::fstat::{FileKind, FileStat};
use crate::value::{Map, Value};

/// Adds the path keys for `st` (the `path`'s lstat; `None` when absent).
pub(crate) fn insert_path_info(m: &mut Map, st: Option<&FileStat>) {
    let Some(st) = st else {
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

/// A command printing what [`insert_path_stat`] reads for `$var` (a shell
/// variable holding the path): nothing when it does not exist.
pub(crate) fn path_stat_cmd(var: &str) -> String {
    format!("[ ! -e \"${var}\" ] || stat -c '%u %g %a %h %s %f %U %G' -- \"${var}\"")
}

/// [`insert_path_info`] from the output of [`path_stat_cmd`].
pub(crate) fn insert_path_stat(m: &mut Map, out: &str) {
    let f: Vec<&str> = out.split_whitespace().collect();
    if f.len() < 8 {
        insert_path_info(m, None);
        return;
    }
    let num = |i: usize| f[i].parse::<u64>().unwrap_or(0);
    let raw = u32::from_str_radix(f[5], 16).unwrap_or(0);
    let st = FileStat {
        kind: Some(match raw & 0o170000 {
            0o040000 => FileKind::Directory,
            0o120000 => FileKind::Symlink,
            _ => FileKind::Regular,
        }),
        uid: num(0) as u32,
        gid: num(1) as u32,
        mode: u32::from_str_radix(f[2], 8).unwrap_or(0),
        nlink: num(3),
        size: num(4),
        owner: f[6].to_owned(),
        group: f[7].to_owned(),
        ..FileStat::default()
    };
    insert_path_info(m, Some(&st));
}

/// `AnsibleModule.backup_local` as shell: prints the backup's name
/// (`PATH.PID.YYYY-MM-DD@HH:MM:SS~`, local time); copies the file with
/// its attributes unless in check mode, where only the name is given.
/// Prints nothing when the file does not exist.
pub(crate) fn backup_local_cmd(path: &str, check: bool) -> String {
    let f = crate::shell::quote(path);
    let copy = if check {
        ""
    } else {
        " && cp -p -- \"$_f\" \"$_b\""
    };
    format!(
        "_f={f}; [ ! -e \"$_f\" ] || {{ _b=\"$_f.$$.$(date +%Y-%m-%d@%H:%M:%S)~\"{copy} && printf %s \"$_b\"; }}"
    )
}
