//! Ansible's `add_path_info`: a module result that names a `path` or
//! `dest` that exists also carries `uid`, `gid`, `owner`, `group`,
//! `mode`, `state` and `size` of it (`AnsibleModule.exit_json` adds them).

use crate::shell::quote;
use crate::value::{Map, Value};

/// Prints what [`add`] needs about `path` (nothing when it is absent).
pub(crate) fn script(path: &str) -> String {
    let p = quote(path);
    format!(
        "if [ -e {p} ] || [ -L {p} ]; then stat -L -c '%u %g %U %G' -- {p} 2>/dev/null || echo '- - - -'; \
         stat -c '%a %s %h %F' -- {p}; fi\n"
    )
}

/// Adds the keys from [`script`]'s output to `result`.
pub(crate) fn add(out: &str, result: &mut Map) {
    let mut lines = out.lines();
    let (Some(ids), Some(st)) = (lines.next(), lines.next()) else {
        return;
    };
    let ids: Vec<&str> = ids.split_whitespace().collect();
    let st: Vec<&str> = st.splitn(4, ' ').collect();
    let [uid, gid, user, group] = ids[..] else {
        return;
    };
    let [mode, size, links, kind] = st[..] else {
        return;
    };
    let num = |s: &str| s.parse::<i64>().map_or(Value::Null, Value::Int);
    let name = |n: &str, id: &str| {
        if n == "UNKNOWN" {
            id.to_owned()
        } else {
            n.to_owned()
        }
    };
    let state = match kind {
        "symbolic link" => "link",
        "directory" => "directory",
        _ if links.parse::<u64>().unwrap_or(1) > 1 => "hard",
        _ => "file",
    };
    let mode = u32::from_str_radix(mode, 8).unwrap_or(0);
    result.insert("uid".into(), num(uid));
    result.insert("gid".into(), num(gid));
    result.insert("owner".into(), Value::Str(name(user, uid)));
    result.insert("group".into(), Value::Str(name(group, gid)));
    result.insert("mode".into(), Value::Str(format!("0{mode:03o}")));
    result.insert("state".into(), Value::from(state));
    result.insert("size".into(), num(size));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_stat_output() {
        let mut m = Map::new();
        add("0 0 root root\n644 93 1 regular file\n", &mut m);
        assert_eq!(m["mode"], Value::from("0644"));
        assert_eq!(m["state"], Value::from("file"));
        assert_eq!(m["size"], Value::Int(93));
        let mut none = Map::new();
        add("", &mut none);
        assert!(none.is_empty());
    }
}
