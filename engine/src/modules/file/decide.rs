//! The pure half of `file`: what the probe found against the wanted
//! state, as shell lines to run and the before/after dicts for `--diff`.

use super::{src_path, Entry, FileArgs, FileState};
use crate::modules::args::FileMode;
use crate::modules::attrs::{wanted_mode, Attrs};
use crate::modules::fstat::{FileKind, FileStat};
use crate::shell::{quote, Cmd};
use crate::value::{Map, Value};

/// What to do: shell lines (empty = nothing) and the diff dicts.
#[derive(Debug, Default)]
pub(super) struct Plan {
    pub(super) cmds: Vec<String>,
    pub(super) before: Map,
    pub(super) after: Map,
    /// Ansible's warnings (a followed link whose target is missing).
    pub(super) warnings: Vec<String>,
}

impl Plan {
    fn new(path: &str) -> Plan {
        let mut p = Plan::default();
        p.before.insert("path".into(), path.into());
        p.after.insert("path".into(), path.into());
        p
    }

    fn state(&mut self, before: &str, after: &str) {
        self.before.insert("state".into(), before.into());
        self.after.insert("state".into(), after.into());
    }

    fn push(&mut self, c: Cmd) {
        self.cmds.push(c.into_string());
    }
}

/// Ansible's name for what is at a path now.
pub(super) fn prev_state(cur: Option<&FileStat>) -> &'static str {
    match cur {
        None => "absent",
        Some(st) if st.kind() == FileKind::Regular && st.nlink > 1 => "hard",
        Some(st) => st.kind().state_word(),
    }
}

/// Pure decision: the probe's findings against the wanted state.
pub(super) fn decide(
    a: &FileArgs,
    state: FileState,
    cur: Option<&FileStat>,
    src: Option<&FileStat>,
    listing: &[Entry],
) -> Result<Plan, String> {
    let p = a.path.as_str();
    let mut plan = Plan::new(p);
    let attrs = |plan: &mut Plan, st: &FileStat, link: bool| -> Result<(), String> {
        for c in a.attrs.changes(p, st, link)? {
            plan.push(c);
        }
        diff_attrs(plan, &a.attrs, st, link);
        Ok(())
    };
    match state {
        FileState::Absent => {
            if let Some(st) = cur {
                plan.state(prev_state(cur), "absent");
                let rm = if st.kind() == FileKind::Directory {
                    "rm -rf --"
                } else {
                    "rm -f --"
                };
                plan.cmds.push(format!("{rm} {}", quote(p)));
            }
        }
        FileState::File => match cur {
            None => return Err(format!("file ({p}) is absent, cannot continue")),
            Some(st) if st.kind() == FileKind::Directory => {
                return Err(format!("file ({p}) is directory, cannot continue"))
            }
            Some(st) => attrs(&mut plan, st, false)?,
        },
        FileState::Directory => match cur {
            None => {
                plan.state("absent", "directory");
                create_dirs(&mut plan, p, &a.attrs)?;
                let fresh = fresh_stat(FileKind::Directory, 0o755);
                // Ansible creates the directory, then diffs its mode
                // against the fresh one (measured: `"mode": "0755"` before).
                diff_mode(&mut plan, &a.attrs, &fresh);
            }
            Some(st) if st.kind() != FileKind::Directory => {
                return Err(format!("{p} already exists as a {}", prev_state(cur)))
            }
            Some(st) => {
                attrs(&mut plan, st, false)?;
                if a.recurse {
                    recurse(&mut plan, a, listing)?;
                }
            }
        },
        FileState::Touch => match cur {
            None => {
                plan.state("absent", "touch");
                plan.push(Cmd::new("touch --").arg(p));
                let fresh = fresh_stat(FileKind::Regular, 0o644);
                for c in a.attrs.changes(p, &fresh, false)? {
                    plan.push(c);
                }
                diff_mode(&mut plan, &a.attrs, &fresh);
            }
            Some(st) => {
                // The times of an existing file are `times::plan`'s:
                // `now` by default, left alone when preserved.
                plan.state(prev_state(cur), "touch");
                attrs(&mut plan, st, false)?;
            }
        },
        FileState::Link => link(&mut plan, a, cur, src)?,
        FileState::Hard => hard(&mut plan, a, cur, src)?,
    }
    Ok(plan)
}

/// `mkdir -p`, then mode/owner/group on every directory it created, as
/// Ansible applies them to each missing component of the path.
fn create_dirs(plan: &mut Plan, p: &str, attrs: &Attrs) -> Result<(), String> {
    let mut each = Vec::new();
    if let Some(o) = &attrs.owner {
        each.push(Cmd::new("chown").arg(o).flag("-- \"$d\""));
    }
    if let Some(g) = &attrs.group {
        each.push(Cmd::new("chgrp").arg(g).flag("-- \"$d\""));
    }
    if let Some(m) = &attrs.mode {
        let want = wanted_mode(m, 0o755, true)?;
        each.push(
            Cmd::new("chmod")
                .arg(format!("{want:04o}"))
                .flag("-- \"$d\""),
        );
    }
    if each.is_empty() {
        plan.push(Cmd::new("mkdir -p --").arg(p));
        return Ok(());
    }
    // The missing components, outermost first, collected before mkdir.
    plan.cmds.push(format!(
        "set --; d={}; while [ ! -e \"$d\" ] && [ ! -L \"$d\" ]; do set -- \"$d\" \"$@\"; \
         n=$(dirname -- \"$d\"; echo .); d=${{n%??}}; done",
        quote(p)
    ));
    plan.push(Cmd::new("mkdir -p --").arg(p));
    let body: Vec<String> = each.into_iter().map(Cmd::into_string).collect();
    plan.cmds
        .push(format!("for d; do {}; done", body.join(" && ")));
    Ok(())
}

/// A made-up state for a path the plan creates (every attribute set).
fn fresh_stat(kind: FileKind, mode: u32) -> FileStat {
    FileStat {
        kind: Some(kind),
        mode,
        uid: u32::MAX,
        gid: u32::MAX,
        owner: "\0".into(),
        group: "\0".into(),
        ..FileStat::default()
    }
}

/// The `mode` entries of the diff, when the wanted mode differs from `st`'s.
fn diff_mode(plan: &mut Plan, want: &Attrs, st: &FileStat) {
    if let Some(m) = &want.mode {
        if let Ok(w) = wanted_mode(m, st.mode, st.kind() == FileKind::Directory) {
            if w != st.mode {
                plan.before.insert("mode".into(), st.mode_str().into());
                plan.after.insert("mode".into(), format!("{w:04o}").into());
            }
        }
    }
}

fn diff_attrs(plan: &mut Plan, want: &Attrs, st: &FileStat, link: bool) {
    if !link {
        diff_mode(plan, want, st);
    }
    for (key, want, now_name, now_id) in [
        ("owner", &want.owner, &st.owner, st.uid),
        ("group", &want.group, &st.group, st.gid),
    ] {
        if let Some(w) = want {
            if w != now_name && w.parse::<u32>().ok() != Some(now_id) {
                let id_key = if key == "owner" { "uid" } else { "gid" };
                plan.before
                    .insert(id_key.into(), Value::Int(i64::from(now_id)));
                plan.after.insert(id_key.into(), w.clone().into());
            }
        }
    }
}

fn recurse(plan: &mut Plan, a: &FileArgs, listing: &[Entry]) -> Result<(), String> {
    let p = a.path.as_str();
    let mut differs = false;
    for e in listing {
        if !a.attrs.changes(p, &e.st, false)?.is_empty() {
            differs = true;
            break;
        }
    }
    if !differs {
        return Ok(());
    }
    if let Some(o) = &a.attrs.owner {
        plan.push(Cmd::new("chown -R").arg(o).flag("--").arg(p));
    }
    if let Some(g) = &a.attrs.group {
        plan.push(Cmd::new("chgrp -R").arg(g).flag("--").arg(p));
    }
    match &a.attrs.mode {
        Some(FileMode::Octal(m)) => plan.push(
            Cmd::new("chmod -R")
                .arg(format!("{m:04o}"))
                .flag("--")
                .arg(p),
        ),
        Some(FileMode::Symbolic(s)) => {
            // Without a `who`, chmod(1) would apply the umask; Ansible does not.
            let spec = s
                .split(',')
                .map(|c| {
                    if c.starts_with(['+', '-', '=']) {
                        format!("a{c}")
                    } else {
                        c.to_owned()
                    }
                })
                .collect::<Vec<_>>()
                .join(",");
            plan.push(Cmd::new("chmod -R").arg(spec).flag("--").arg(p));
        }
        None => {}
    }
    Ok(())
}

/// Replaces whatever is at `path` with a link made by `make` (a command
/// creating the link at the temp name), atomically.
fn replace_with(plan: &mut Plan, path: &str, make: Cmd) {
    let tmp = format!("{path}.konvoy-tmp");
    plan.push(Cmd::new("rm -f --").arg(&tmp));
    plan.push(make.arg(&tmp));
    plan.push(Cmd::new("mv -Tf --").arg(&tmp).arg(path));
}

fn link(
    plan: &mut Plan,
    a: &FileArgs,
    cur: Option<&FileStat>,
    src_st: Option<&FileStat>,
) -> Result<(), String> {
    let p = a.path.as_str();
    let Some(src) = a.src.as_deref() else {
        return match cur {
            Some(st) if st.kind() == FileKind::Symlink => {
                for c in a.attrs.changes(p, st, true)? {
                    plan.push(c);
                }
                Ok(())
            }
            _ => Err("src is required for creating new links".into()),
        };
    };
    let missing_src = src_st.is_none() && !a.force;
    let make = Cmd::new("ln -s --").arg(src);
    match cur {
        Some(st) if st.kind() == FileKind::Symlink && st.lnk_target.as_deref() == Some(src) => {
            return link_attrs(plan, a, st, src_st);
        }
        _ if missing_src => {
            return Err(format!(
            "src file does not exist, use \"force=yes\" if you really want to create the link: {}",
            src_path(a).unwrap_or_default()
        ))
        }
        None => plan.push(make.arg(p)),
        Some(st) if st.kind() == FileKind::Symlink => {
            // Ansible's diff names the old and the new target.
            if let Some(old) = &st.lnk_target {
                plan.before.insert("src".into(), old.clone().into());
                plan.after.insert("src".into(), src.into());
            }
            replace_with(plan, p, make)
        }
        Some(st) if !a.force => {
            return Err(format!(
                "refusing to convert from {} to symlink for {p}",
                st.kind().state_word()
            ))
        }
        Some(st) if st.kind() == FileKind::Directory => {
            plan.push(Cmd::new("rmdir --").arg(p));
            plan.push(make.arg(p));
        }
        Some(_) => replace_with(plan, p, make),
    }
    plan.state(prev_state(cur), "link");
    let fresh = fresh_stat(FileKind::Symlink, 0o777);
    link_attrs(plan, a, &fresh, src_st)
}

/// Mode, owner and group once the link is in place. Ansible's file
/// reloads its common arguments after linking: with `follow` (the
/// default) the path becomes the link's real target, so the attributes
/// land on the target `src` (chmod/chown through the link); a missing
/// target gets none (Ansible warns). Without `follow` they go on the
/// link itself.
fn link_attrs(
    plan: &mut Plan,
    a: &FileArgs,
    link_st: &FileStat,
    src_st: Option<&FileStat>,
) -> Result<(), String> {
    let p = a.path.as_str();
    match (a.follow, src_st) {
        (true, Some(target)) => {
            for c in a.attrs.changes(p, target, false)? {
                plan.push(c);
            }
            diff_attrs(plan, &a.attrs, target, false);
        }
        (true, None) => {
            // Unconditional in Ansible, but check mode returns earlier.
            plan.warnings.push(
                "Cannot set fs attributes on a non-existent symlink target. follow should be \
                 set to False to avoid this."
                    .into(),
            );
        }
        (false, _) => {
            for c in a.attrs.changes(p, link_st, true)? {
                plan.push(c);
            }
        }
    }
    Ok(())
}

fn hard(
    plan: &mut Plan,
    a: &FileArgs,
    cur: Option<&FileStat>,
    src_st: Option<&FileStat>,
) -> Result<(), String> {
    let p = a.path.as_str();
    let src = a
        .src
        .as_deref()
        .ok_or("src is required for creating new hard links")?;
    let Some(s) = src_st else {
        return Err("src does not exist".into());
    };
    let make = Cmd::new("ln --").arg(src);
    match cur {
        Some(st) if st.inode == s.inode && st.dev == s.dev => {
            return attrs_only(plan, a, st);
        }
        None => plan.push(make.arg(p)),
        // Ansible's wording for each kind in the way, without force.
        Some(st) if st.kind() == FileKind::Directory => {
            if !a.force {
                return Err("Cannot link: different hard link exists at destination".into());
            }
            // Ansible's os.unlink of the directory fails when applied;
            // check mode reports the change.
            let msg = format!("Error while replacing: [Errno 21] Is a directory: b'{p}'");
            plan.cmds
                .push(format!("{{ printf '%s\\n' {} >&2; false; }}", quote(&msg)));
        }
        Some(st) if a.force || st.kind() == FileKind::Symlink => replace_with(plan, p, make),
        Some(st) if st.nlink > 1 => {
            return Err("Cannot link, different hard link exists at destination".into())
        }
        Some(_) => return Err("Cannot link, file exists at destination".into()),
    }
    plan.state(prev_state(cur), "hard");
    for c in a.attrs.changes(p, s, false)? {
        plan.push(c);
    }
    Ok(())
}

fn attrs_only(plan: &mut Plan, a: &FileArgs, st: &FileStat) -> Result<(), String> {
    for c in a.attrs.changes(&a.path, st, false)? {
        plan.push(c);
    }
    diff_attrs(plan, &a.attrs, st, false);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::{parse_listing, FileModule};
    use super::*;
    use crate::modules::args::ArgMap;
    use crate::modules::fstat::parse_records;
    use crate::modules::Module;

    fn args(pairs: &[(&str, &str)]) -> FileArgs {
        let mut m = ArgMap::new(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), Value::Str((*v).to_owned())))
                .collect(),
        );
        FileModule::parse(&mut m).unwrap()
    }

    fn rec(line: &str) -> FileStat {
        let raw = format!("E{line}\0\0\0rw\0\0\0");
        parse_records(raw.as_bytes(), 1)
            .unwrap()
            .pop()
            .flatten()
            .unwrap()
    }

    fn plan_of(
        a: &FileArgs,
        cur: Option<&FileStat>,
        src: Option<&FileStat>,
    ) -> Result<Vec<String>, String> {
        let state = a.state.unwrap_or(FileState::File);
        decide(a, state, cur, src, &[]).map(|p| p.cmds)
    }

    #[test]
    fn directory_creates_then_noops() {
        let a = args(&[
            ("path", "/a b/$(x)"),
            ("state", "directory"),
            ("mode", "0750"),
        ]);
        let cmds = plan_of(&a, None, None).unwrap();
        assert!(
            cmds[0].starts_with("set --; d='/a b/$(x)'; while"),
            "{cmds:?}"
        );
        assert_eq!(cmds[1], "mkdir -p -- '/a b/$(x)'");
        assert_eq!(cmds[2], r#"for d; do chmod 0750 -- "$d"; done"#);
        let dir = rec("41e8 0 0 4096 1 2 3 2 9 9 root root");
        assert!(plan_of(&a, Some(&dir), None).unwrap().is_empty());
        let file = rec("81a4 0 0 1 1 2 3 1 9 9 root root");
        assert!(plan_of(&a, Some(&file), None).is_err());
    }

    #[test]
    fn links_compare_targets() {
        let a = args(&[("path", "/l"), ("state", "link"), ("src", "-t")]);
        let target = rec("81a4 0 0 1 1 2 3 1 9 9 root root");
        assert_eq!(
            plan_of(&a, None, Some(&target)).unwrap(),
            ["ln -s -- -t /l"]
        );
        let mut l = rec("a1ff 0 0 2 1 2 3 1 10 9 root root");
        l.lnk_target = Some("-t".into());
        assert!(plan_of(&a, Some(&l), Some(&target)).unwrap().is_empty());
        l.lnk_target = Some("other".into());
        assert_eq!(plan_of(&a, Some(&l), Some(&target)).unwrap().len(), 3);
        assert!(plan_of(&a, None, None).unwrap_err().contains("force=yes"));
        let file = rec("81a4 0 0 1 1 2 3 1 11 9 root root");
        assert!(plan_of(&a, Some(&file), Some(&target))
            .unwrap_err()
            .contains("refusing"));
    }

    #[test]
    fn absent_and_bad_args() {
        let a = args(&[("path", "/x"), ("state", "absent")]);
        assert!(plan_of(&a, None, None).unwrap().is_empty());
        let dir = rec("41ed 0 0 4096 1 2 3 2 9 9 root root");
        assert_eq!(plan_of(&a, Some(&dir), None).unwrap(), ["rm -rf -- /x"]);
        let mut m = ArgMap::new(
            [
                ("path".to_owned(), Value::from("/x")),
                ("recurse".to_owned(), Value::Bool(true)),
            ]
            .into_iter()
            .collect(),
        );
        assert!(FileModule::parse(&mut m).is_err());
    }

    #[test]
    fn recurse_applies_only_when_an_entry_differs() {
        let a = args(&[
            ("path", "/d"),
            ("state", "directory"),
            ("mode", "u=rwX,go=rX"),
            ("recurse", "yes"),
        ]);
        let dir = rec("41ed 0 0 4096 1 2 3 2 9 9 root root");
        let ok = parse_listing(b"f 644 0 0 root root\0d 755 0 0 root root\0");
        assert!(decide(&a, FileState::Directory, Some(&dir), None, &ok)
            .unwrap()
            .cmds
            .is_empty());
        let bad = parse_listing(b"f 600 0 0 root root\0");
        assert_eq!(
            decide(&a, FileState::Directory, Some(&dir), None, &bad)
                .unwrap()
                .cmds,
            ["chmod -R u=rwX,go=rX -- /d"]
        );
    }
}
