//! Mode, owner and group: what differs between a path's state and the
//! wanted attributes, as `chown`/`chgrp`/`chmod` commands; symbolic modes
//! are computed here, as Ansible computes them, so the decision is exact.

use super::args::FileMode;
use super::context::ModuleContext;
use super::fstat::{parse_records, stat_call, FileKind, FileStat, StatOpts, STAT_FN};
use super::outcome::ModuleError;
use crate::shell::Cmd;

/// Runs attribute changes on `path` in one command and reads its new
/// state back (`Err` = the host refused, with its message).
pub(crate) fn apply_attrs(
    ctx: &mut ModuleContext<'_>,
    path: &str,
    cmds: Vec<Cmd>,
    opts: StatOpts,
) -> Result<Result<FileStat, String>, ModuleError> {
    let mut s = String::from(STAT_FN);
    for c in cmds {
        s.push_str(c.as_str());
        s.push_str(" || exit 1\n");
    }
    s.push_str(&stat_call(path, opts));
    let out = ctx.apply(&s, None)?;
    if out.rc != 0 {
        return Ok(Err(out.stderr_str().trim().to_owned()));
    }
    let st = parse_records(&out.stdout, 1)?
        .pop()
        .flatten()
        .ok_or_else(|| ModuleError::Probe(format!("`{path}` vanished")))?;
    Ok(Ok(st))
}

/// Wanted mode/owner/group of a path (the common file arguments).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Attrs {
    /// Wanted permissions.
    pub mode: Option<FileMode>,
    /// Wanted owner (name or numeric id).
    pub owner: Option<String>,
    /// Wanted group (name or numeric id).
    pub group: Option<String>,
}

impl Attrs {
    /// The commands that bring `st` (the state of `path`) to these
    /// attributes; empty when nothing differs. `link` changes the link
    /// itself (`chown -h`) and never its mode.
    pub fn changes(&self, path: &str, st: &FileStat, link: bool) -> Result<Vec<Cmd>, String> {
        let mut cmds = Vec::new();
        let differs = |want: &str, id: u32, name: &str| {
            if want.bytes().all(|b| b.is_ascii_digit()) {
                want.parse::<u32>().ok() != Some(id)
            } else {
                want != name
            }
        };
        if let Some(o) = &self.owner {
            if differs(o, st.uid, &st.owner) {
                let c = if link {
                    Cmd::new("chown -h")
                } else {
                    Cmd::new("chown")
                };
                cmds.push(c.arg(o).flag("--").arg(path));
            }
        }
        if let Some(g) = &self.group {
            if differs(g, st.gid, &st.group) {
                let c = if link {
                    Cmd::new("chgrp -h")
                } else {
                    Cmd::new("chgrp")
                };
                cmds.push(c.arg(g).flag("--").arg(path));
            }
        }
        if let (Some(m), false) = (&self.mode, link) {
            let want = wanted_mode(m, st.mode, st.kind() == FileKind::Directory)?;
            if want != st.mode {
                cmds.push(
                    Cmd::new("chmod")
                        .arg(format!("{want:04o}"))
                        .flag("--")
                        .arg(path),
                );
            }
        }
        Ok(cmds)
    }
}

/// The permission bits `mode` gives a file whose bits are now `current`.
pub(crate) fn wanted_mode(mode: &FileMode, current: u32, is_dir: bool) -> Result<u32, String> {
    match mode {
        FileMode::Octal(m) => Ok(*m),
        FileMode::Symbolic(s) => apply_symbolic(s, current, is_dir),
    }
}

/// Applies a symbolic mode (`u+x,go-w`, `a=rX`, `g=u`) to `current`, as
/// Ansible computes it: no `who` means `a`, and the umask is not applied.
pub(crate) fn apply_symbolic(spec: &str, current: u32, is_dir: bool) -> Result<u32, String> {
    let mut mode = current & 0o7777;
    for clause in spec.split(',') {
        let op_at = clause
            .find(['+', '-', '='])
            .ok_or_else(|| format!("bad symbolic mode `{spec}`"))?;
        let (who_s, rest) = clause.split_at(op_at);
        let mut who = 0u32;
        for c in who_s.chars() {
            who |= match c {
                'u' => 0o4700,
                'g' => 0o2070,
                'o' => 0o1007,
                'a' => 0o7777,
                _ => return Err(format!("bad symbolic mode `{spec}`")),
            };
        }
        if who == 0 {
            who = 0o7777;
        }
        // Several operators may follow one `who` (`u+r-w`).
        let mut chars = rest.chars().peekable();
        while let Some(op) = chars.next() {
            let mut perms = 0u32;
            while let Some(&c) = chars.peek() {
                if "+-=".contains(c) {
                    break;
                }
                chars.next();
                perms |= match c {
                    'r' => 0o444,
                    'w' => 0o222,
                    'x' => 0o111,
                    'X' if is_dir || mode & 0o111 != 0 => 0o111,
                    'X' => 0,
                    's' => 0o6000,
                    't' => 0o1000,
                    'u' => copy_class(mode, 6),
                    'g' => copy_class(mode, 3),
                    'o' => copy_class(mode, 0),
                    _ => return Err(format!("bad symbolic mode `{spec}`")),
                };
            }
            let bits = perms & who;
            match op {
                '+' => mode |= bits,
                '-' => mode &= !bits,
                _ => mode = (mode & !who) | bits,
            }
        }
    }
    Ok(mode)
}

/// The rwx bits of one class (`shift` 6/3/0), copied into all three.
fn copy_class(mode: u32, shift: u32) -> u32 {
    let b = (mode >> shift) & 0o7;
    b << 6 | b << 3 | b
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::fstat::parse_records;

    #[test]
    fn symbolic_modes_match_chmod() {
        // Expected values from GNU chmod with umask 000 on this machine.
        assert_eq!(apply_symbolic("u+x", 0o644, false).unwrap(), 0o744);
        assert_eq!(apply_symbolic("u=rw,g=r,o=", 0o777, false).unwrap(), 0o640);
        assert_eq!(apply_symbolic("go-w", 0o666, false).unwrap(), 0o644);
        assert_eq!(apply_symbolic("a=rX", 0o600, true).unwrap(), 0o555);
        assert_eq!(apply_symbolic("a=rX", 0o600, false).unwrap(), 0o444);
        assert_eq!(apply_symbolic("g=u", 0o640, false).unwrap(), 0o660);
        assert_eq!(apply_symbolic("u+s", 0o755, false).unwrap(), 0o4755);
        assert!(apply_symbolic("q+x", 0o644, false).is_err());
    }

    #[test]
    fn attrs_emit_only_differences() {
        let st = parse_records(b"E81a4 0 0 4 1 2 3 1 77 66 root root\0\0\0rw\0\0\0", 1).unwrap()[0]
            .clone()
            .unwrap();
        let a = Attrs {
            mode: Some(FileMode::Octal(0o644)),
            owner: Some("0".into()),
            group: Some("root".into()),
        };
        assert!(a.changes("/p", &st, false).unwrap().is_empty());
        let a = Attrs {
            mode: Some(FileMode::Symbolic("u+x".into())),
            owner: Some("nobody".into()),
            group: None,
        };
        let cmds: Vec<String> = a
            .changes("/a b", &st, false)
            .unwrap()
            .into_iter()
            .map(Cmd::into_string)
            .collect();
        assert_eq!(cmds, ["chown nobody -- '/a b'", "chmod 0744 -- '/a b'"]);
    }
}
