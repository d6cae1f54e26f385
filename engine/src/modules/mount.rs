//! `mount` (`ansible.posix.mount`): mount points in `/etc/fstab` and in
//! the live mount table, as ansible.posix's module does it on Linux.
//!
//! Supported: `path` (`name`), `src`, `fstype`, `opts`, `dump`, `passno`, `state` (`mounted`, `unmounted`, `present`,
//! `absent`, `absent_from_fstab`, `remounted`, `ephemeral`), `fstab`,
//! `boot`, `backup`. fstab lines are matched, escaped (`\040`, `\046`,
//! `\134`) and rewritten as ansible.posix does (a line missing `dump` or
//! `passno` is rewritten); the live table is `/proc/self/mountinfo` plus
//! Python's `ismount`; a failed mount restores the old fstab and removes
//! the directories it created. Results: `changed` plus `name`, `src`,
//! `fstype`, `opts`, `dump`, `passno`, `fstab`, `boot`, `backup_file`.
//! One probe; a change is one more command. Not implemented (the task
//! fails when run): `opts_no_log: true` (hiding the options in output).

use super::args::{ArgError, ArgMap};
use super::capture::{Records, Script};
use super::context::ModuleContext;
use super::mountinfo::{is_mount, linux_mounts, Mounts};
use super::outcome::{ModuleError, Outcome};
use super::pending::Pending;
use super::write::{replace_step, sealed};
use super::Module;
use crate::shell::{quote, Cmd};
use crate::transport::atomic::Content;
use crate::value::Value;

/// The states of `ansible.posix.mount`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Mounted,
    Unmounted,
    Present,
    Absent,
    AbsentFromFstab,
    Remounted,
    Ephemeral,
}

/// Arguments of `mount`.
#[derive(Debug, Clone)]
pub struct MountArgs {
    state: State,
    name: String,
    src: Option<String>,
    fstype: Option<String>,
    opts: String,
    dump: String,
    passno: String,
    fstab: String,
    fstab_given: bool,
    boot: bool,
    backup: bool,
    warnings: Vec<String>,
    pending: Pending,
}

/// The `mount` module.
pub struct MountModule;

impl Module for MountModule {
    type Args = MountArgs;
    const PROBES: bool = true;

    fn parse(args: &mut ArgMap) -> Result<MountArgs, ArgError> {
        let name = args.required_str(&["path", "name"])?;
        let state = match args
            .choice(
                &["state"],
                &[
                    "absent",
                    "absent_from_fstab",
                    "mounted",
                    "present",
                    "unmounted",
                    "remounted",
                    "ephemeral",
                ],
            )?
            .as_deref()
        {
            Some("absent") => State::Absent,
            Some("absent_from_fstab") => State::AbsentFromFstab,
            Some("mounted") => State::Mounted,
            Some("present") => State::Present,
            Some("unmounted") => State::Unmounted,
            Some("remounted") => State::Remounted,
            Some("ephemeral") => State::Ephemeral,
            _ => return Err(ArgError::Missing("state".into())),
        };
        let src = args.str(&["src"])?;
        let fstype = args.str(&["fstype"])?;
        if matches!(state, State::Mounted | State::Present | State::Ephemeral) {
            let missing: Vec<&str> = [("src", &src), ("fstype", &fstype)]
                .iter()
                .filter(|(_, v)| v.is_none())
                .map(|(k, _)| *k)
                .collect();
            if !missing.is_empty() {
                let st = args.str(&["state"])?.unwrap_or_default();
                return Err(ArgError::Invalid(format!(
                    "state is {st} but all of the following are missing: {}",
                    missing.join(", ")
                )));
            }
        }
        let fstab = args.str(&["fstab"])?;
        let boot = args.bool(&["boot"])?.unwrap_or(true);
        let mut opts = args.str(&["opts"])?.unwrap_or_else(|| "defaults".into());
        let mut warnings = Vec::new();
        let has_noauto = opts.split(',').any(|o| o == "noauto");
        if boot && has_noauto {
            warnings.push("Ignore the 'boot' due to 'opts' contains 'noauto'.".to_owned());
        } else if !boot {
            opts.push_str(",noauto");
        }
        let opts_no_log = args.bool(&["opts_no_log"])?.unwrap_or(false);
        let parsed = MountArgs {
            state,
            name,
            src,
            fstype,
            opts,
            dump: args.str(&["dump"])?.unwrap_or_else(|| "0".into()),
            passno: args.str(&["passno"])?.unwrap_or_else(|| "0".into()),
            fstab_given: fstab.is_some(),
            fstab: fstab.unwrap_or_else(|| "/etc/fstab".into()),
            boot,
            backup: args.bool(&["backup"])?.unwrap_or(false),
            warnings,
            pending: Pending::default().also("opts_no_log", opts_no_log),
        };
        args.finish(&[
            "path",
            "src",
            "fstype",
            "opts",
            "opts_no_log",
            "dump",
            "passno",
            "state",
            "fstab",
            "boot",
            "backup",
        ])?;
        Ok(parsed)
    }

    fn probes(a: &MountArgs) -> Vec<String> {
        vec![probe(a).text().to_owned()]
    }

    fn run(a: &MountArgs, ctx: &mut ModuleContext<'_>) -> Result<Outcome, ModuleError> {
        if let Some(o) = a.pending.outcome() {
            return Ok(o);
        }
        let r = Records::parse(&ctx.probe(probe(a).text())?.stdout)?;
        let mounts = linux_mounts(r.out_ok("mi").unwrap_or(""));
        let mounted_here = is_mount(&r, "st", "stp");
        let exists = r.succeeded("st");
        let fstab_text = r.out_ok("fstab").map(str::to_owned);
        let mut backup_file = String::new();
        let mut changed = false;
        let mut pre = Script::new();
        if a.state != State::Ephemeral && fstab_text.is_none() {
            // ansible.posix creates a missing fstab first, check mode or not.
            let dir = super::write::parent(&a.fstab);
            pre = pre.capture_or_stop(
                "mkfstab",
                &format!(
                    "{{ [ -e {d} ] || mkdir -p {d}; }} && : >> {f}",
                    d = quote(dir),
                    f = quote(&a.fstab)
                ),
            );
        }
        let old = fstab_text.clone().unwrap_or_default();
        match a.state {
            State::AbsentFromFstab | State::Absent => {
                let (text, ch) = unset_mount(&old, a);
                changed = ch;
                let mut s = pre;
                if changed && !ctx.check_mode() {
                    s = write_fstab(s, a, &text);
                    if a.state == State::Absent {
                        if mounted_here || mounts.contains_key(&a.name) {
                            s = s.capture_or_stop(
                                "umount",
                                Cmd::new("umount").arg(&a.name).as_str(),
                            );
                        }
                        s = s.capture_or_stop(
                            "rmdir",
                            &format!("[ ! -e {n} ] || rmdir -- {n}", n = quote(&a.name)),
                        );
                    }
                }
                let rec = run_script(ctx, &s, changed.then_some(text.as_str()))?;
                if let Some(f) = failure(&rec, a) {
                    return Ok(f);
                }
                backup_file = rec.get("backup").map(|c| c.out.clone()).unwrap_or_default();
            }
            State::Unmounted => {
                if mounted_here || mounts.contains_key(&a.name) {
                    changed = true;
                    let mut s = pre;
                    if !ctx.check_mode() {
                        s = s.capture_or_stop("umount", Cmd::new("umount").arg(&a.name).as_str());
                    }
                    let rec = run_script(ctx, &s, None)?;
                    if let Some(f) = failure(&rec, a) {
                        return Ok(f);
                    }
                } else {
                    run_script(ctx, &pre, None)?;
                }
            }
            State::Present => {
                let (text, ch) = set_mount(&old, a);
                changed = ch;
                let mut s = pre;
                if changed && !ctx.check_mode() {
                    s = write_fstab(s, a, &text);
                }
                let rec = run_script(ctx, &s, changed.then_some(text.as_str()))?;
                if let Some(f) = failure(&rec, a) {
                    return Ok(f);
                }
                backup_file = rec.get("backup").map(|c| c.out.clone()).unwrap_or_default();
            }
            State::Remounted => {
                changed = true;
                let mut s = pre;
                if !ctx.check_mode() {
                    s = remount(s, a);
                }
                let rec = run_script(ctx, &s, None)?;
                if let Some(f) = failure(&rec, a) {
                    return Ok(f);
                }
                if let Some(msg) = remount_failure(&rec, a) {
                    return Ok(Outcome::fail_json(format!(
                        "Error remounting {}: {msg}",
                        a.name
                    )));
                }
            }
            State::Mounted | State::Ephemeral => {
                let (text, ch) = if a.state == State::Mounted {
                    set_mount(&old, a)
                } else {
                    (old.clone(), false)
                };
                changed = ch;
                let mut s = pre;
                let check = ctx.check_mode();
                if !exists && !check {
                    s = s.capture_or_stop("mkdir", &mkdirs(&a.name));
                }
                if changed && !check {
                    s = write_fstab(s, a, &text);
                }
                let src = a.src.clone().unwrap_or_default();
                let bind = mounts.get(&a.name).is_some_and(|m| m.src == src);
                let mut mounting = false;
                if mounted_here || bind {
                    if changed && !check {
                        s = remount(s, a);
                        mounting = true;
                    }
                    if a.state == State::Ephemeral {
                        if same_src(&r, &mounts, a, mounted_here) {
                            changed = true;
                            if !check {
                                s = remount(s, a);
                                mounting = true;
                            }
                        } else {
                            return Ok(Outcome::fail_json(
                                "Ephemeral mount point is already mounted with a different source than the \
                                 specified one. Failing in order to prevent an unwanted unmount or override \
                                 operation. Try replacing this command with a \"state: unmounted\" followed by \
                                 a \"state: ephemeral\", or use a different destination path.",
                            ));
                        }
                    }
                } else {
                    changed = true;
                    if !check {
                        s = s.capture("mount", mount_cmd(a).as_str());
                        mounting = true;
                    }
                }
                if mounting {
                    // A failed mount puts the old fstab back and removes the
                    // directories this run created (ansible/ansible#59183).
                    s = s.raw(&format!(
                        "if [ \"$_rc\" != 0 ]; then {{ [ ! -e \"$_T/old\" ] || cat \"$_T/old\" > {f}; \
                         [ ! -s \"$_T/dirs\" ] || sort -r \"$_T/dirs\" | while IFS= read -r _d; do rmdir -- \"$_d\"; done; }} 2>/dev/null; fi",
                        f = quote(&a.fstab)
                    ));
                }
                let rec = run_script(ctx, &s, (ch && !check).then_some(text.as_str()))?;
                if let Some(f) = failure(&rec, a) {
                    return Ok(f);
                }
                let msg = if rec.get("mount").is_some() && rec.get("remount").is_none() {
                    rec.get("mount")
                        .filter(|c| !c.ok())
                        .map(|c| format!("{}{}", c.out, c.err))
                } else {
                    remount_failure(&rec, a)
                };
                if let Some(msg) = msg {
                    return Ok(Outcome::fail_json(format!(
                        "Error mounting {}: {msg}",
                        a.name
                    )));
                }
                backup_file = rec.get("backup").map(|c| c.out.clone()).unwrap_or_default();
            }
        }
        let mut o = Outcome::ok();
        o.changed = changed;
        o = o
            .with("name", a.name.as_str())
            .with("opts", a.opts.as_str())
            .with("dump", a.dump.as_str())
            .with("passno", a.passno.as_str())
            .with("fstab", a.fstab.as_str())
            .with("boot", if a.boot { "yes" } else { "no" })
            .with("backup_file", backup_file);
        if let Some(s) = &a.src {
            o = o.with("src", s.as_str());
        }
        if let Some(t) = &a.fstype {
            o = o.with("fstype", t.as_str());
        }
        if !a.warnings.is_empty() {
            o = o.with(
                "warnings",
                Value::List(a.warnings.iter().cloned().map(Value::Str).collect()),
            );
        }
        Ok(o)
    }
}

/// The read-only probe: fstab, the mount table, the mount point.
fn probe(a: &MountArgs) -> Script {
    let n = quote(&a.name);
    let mut s = Script::new()
        .capture("fstab", &format!("cat -- {}", quote(&a.fstab)))
        .capture("mi", "cat /proc/self/mountinfo")
        .capture("st", &format!("stat -c '%d %i %F' -- {n}"))
        .capture("stp", &format!("stat -L -c '%d %i' -- {n}/.."));
    if a.state == State::Ephemeral {
        s = s.capture("mv", "mount -v");
    }
    s
}

/// Runs `s` unless it is empty; `stdin` is the new fstab text.
fn run_script(
    ctx: &mut ModuleContext<'_>,
    s: &Script,
    stdin: Option<&str>,
) -> Result<Records, ModuleError> {
    if s.is_empty() {
        return Ok(Records::default());
    }
    let stdin = stdin.map(|t| sealed(t.as_bytes()));
    Records::parse(&ctx.apply(s.text(), stdin.as_deref())?.stdout)
}

/// Python's `mkdir -p` that remembers the directories it made.
fn mkdirs(path: &str) -> String {
    let mut cur = String::new();
    let mut out = String::new();
    for part in path.trim_matches('/').split('/') {
        cur.push('/');
        cur.push_str(part);
        let p = if path.starts_with('/') {
            cur.clone()
        } else {
            cur.trim_start_matches('/').to_owned()
        };
        out.push_str(&format!(
            "{{ [ -e {q} ] || {{ mkdir -- {q} && printf '%s\\n' {q} >> \"$_T/dirs\"; }}; }} && ",
            q = quote(&p)
        ));
    }
    out.push_str("true");
    out
}

/// The new fstab `text` (sent on stdin by [`run_script`]) written through
/// the one atomic write path, after an optional backup, with the old text
/// kept for a rollback.
fn write_fstab(s: Script, a: &MountArgs, text: &str) -> Script {
    let f = quote(&a.fstab);
    let mut s = s.raw(&format!("cat -- {f} > \"$_T/old\" 2>/dev/null"));
    if a.backup {
        s = s.capture_or_stop(
            "backup",
            &format!(
                "_b={f}.$$.$(date +%Y-%m-%d@%H:%M:%S)~ && cp -p -- {f} \"$_b\" && printf %s \"$_b\""
            ),
        );
    }
    let size = text.len() as u64;
    s.capture_or_stop(
        "write",
        &replace_step(&a.fstab, Content::Stdin { size }, "0644", true, false),
    )
}

/// `mount [-T fstab] name`, or for ephemeral `mount -t T [-o O] src name`.
fn mount_cmd(a: &MountArgs) -> Cmd {
    let mut c = Cmd::new("mount");
    if a.state == State::Ephemeral {
        c = ephemeral_args(c, a);
    } else if a.fstab_given && a.fstab != "/etc/fstab" {
        c = c.flag("-T").arg(&a.fstab);
    }
    c.arg(&a.name)
}

fn ephemeral_args(mut c: Cmd, a: &MountArgs) -> Cmd {
    c = c.flag("-t").arg(a.fstype.as_deref().unwrap_or(""));
    if a.opts != "defaults" {
        c = c.flag("-o").arg(&a.opts);
    }
    c.arg(a.src.as_deref().unwrap_or(""))
}

/// `remount()`: `mount -o remount`, falling back to umount + mount, except
/// for `remounted` with options (which fails instead).
fn remount(s: Script, a: &MountArgs) -> Script {
    let strict = a.state == State::Remounted && a.opts != "defaults";
    let mut c = Cmd::new("mount").flag("-o");
    c = if strict {
        c.arg(format!("remount,{}", a.opts))
    } else {
        c.arg("remount")
    };
    if a.state == State::Ephemeral {
        c = ephemeral_args(c, a);
    } else if a.fstab_given && a.fstab != "/etc/fstab" {
        c = c.flag("-T").arg(&a.fstab);
    }
    let s = s.capture("remount", c.arg(&a.name).as_str());
    if strict {
        return s;
    }
    s.raw("if [ \"$_rc\" != 0 ]; then")
        .capture("umount", Cmd::new("umount").arg(&a.name).as_str())
        .raw("if [ \"$_rc\" = 0 ]; then")
        .capture("mount", mount_cmd(a).as_str())
        .raw("fi; fi")
}

/// The message of a failed `remount()`, if it failed.
fn remount_failure(r: &Records, a: &MountArgs) -> Option<String> {
    let re = r.get("remount")?;
    if re.ok() {
        return None;
    }
    if a.state == State::Remounted && a.opts != "defaults" {
        return Some(
            "Options were specified with remounted, but the remount command failed. Failing in \
             order to prevent an unexpected mount result. Try replacing this command with a \
             \"state: unmounted\" followed by a \"state: mounted\" using the full desired mount \
             options instead."
                .to_owned(),
        );
    }
    match (r.get("umount"), r.get("mount")) {
        (Some(u), _) if !u.ok() => Some(format!("{}{}", u.out, u.err)),
        (_, Some(m)) if !m.ok() => Some(format!("{}{}", m.out, m.err)),
        _ => None,
    }
}

/// A failure of the steps around the mount itself.
fn failure(r: &Records, a: &MountArgs) -> Option<Outcome> {
    if let Some(c) = r.get("mkfstab").filter(|c| !c.ok()) {
        return Some(Outcome::fail_json(format!(
            "Failed to open {} due to {}",
            a.fstab,
            c.err.trim()
        )));
    }
    if let Some(c) = r.get("mkdir").filter(|c| !c.ok()) {
        return Some(Outcome::fail_json(format!(
            "Error making dir {}: {}",
            a.name,
            c.err.trim()
        )));
    }
    for tag in ["backup", "write"] {
        if let Some(c) = r.get(tag).filter(|c| !c.ok()) {
            return Some(Outcome::fail_json(c.err.trim().to_owned()));
        }
    }
    if a.state == State::Absent || a.state == State::Unmounted {
        if let Some(c) = r.get("umount").filter(|c| !c.ok()) {
            return Some(Outcome::fail_json(format!(
                "Error unmounting {}: {}{}",
                a.name, c.out, c.err
            )));
        }
    }
    if let Some(c) = r.get("rmdir").filter(|c| !c.ok()) {
        return Some(Outcome::fail_json(format!(
            "Error rmdir {}: {}",
            a.name,
            python_os_error(&c.err, &a.name)
        )));
    }
    None
}

/// A coreutils error as Python's `OSError` prints it.
fn python_os_error(err: &str, path: &str) -> String {
    const ERRNOS: &[(&str, u32)] = &[
        ("Directory not empty", 39),
        ("Device or resource busy", 16),
        ("Not a directory", 20),
        ("Permission denied", 13),
        ("Read-only file system", 30),
    ];
    for (text, n) in ERRNOS {
        if err.contains(text) {
            return format!("[Errno {n}] {text}: '{path}'");
        }
    }
    err.trim().to_owned()
}

/// `_is_same_mount_src`.
fn same_src(r: &Records, mounts: &Mounts, a: &MountArgs, mounted_here: bool) -> bool {
    if !mounted_here && !mounts.contains_key(&a.name) {
        return false;
    }
    let src = a.src.as_deref().unwrap_or("");
    if mounts.get(&a.name).is_some_and(|m| m.src == src) {
        return true;
    }
    r.out_ok("mv").unwrap_or("").lines().any(|l| {
        let f: Vec<&str> = l.split_whitespace().collect();
        f.len() > 2 && f[0] == src && f[2] == a.name
    })
}

/// `_escape_fstab`.
fn escape(v: &str) -> String {
    v.replace('\\', "\\134")
        .replace(' ', "\\040")
        .replace('&', "\\046")
}

/// `_set_mount_save_old`: the new fstab text and whether it changed.
fn set_mount(text: &str, a: &MountArgs) -> (String, bool) {
    let want = [
        escape(a.src.as_deref().unwrap_or("")),
        escape(&a.name),
        escape(a.fstype.as_deref().unwrap_or("")),
        escape(&a.opts),
        escape(&a.dump),
        escape(&a.passno),
    ];
    let mut out = String::new();
    let mut exists = false;
    let mut changed = false;
    for line in text.split_inclusive('\n') {
        let line = if line.ends_with('\n') {
            line.to_owned()
        } else {
            format!("{line}\n")
        };
        let fields: Vec<&str> = line
            .split('#')
            .next()
            .unwrap_or("")
            .split_whitespace()
            .collect();
        if line.trim().is_empty()
            || line.trim().starts_with('#')
            || !(4..=6).contains(&fields.len())
        {
            out.push_str(&line);
            continue;
        }
        let is_swap_other = a.src.is_some()
            && fields[1] == "none"
            && fields[2] == "swap"
            && Some(fields[0]) != a.src.as_deref();
        if fields[1] != want[1] || is_swap_other {
            out.push_str(&line);
            continue;
        }
        exists = true;
        // A missing dump/passno is the int 0 in Ansible, never equal to a
        // string: the line is rewritten.
        let differs = [0, 2, 3, 4, 5]
            .iter()
            .any(|&i| fields.get(i).copied() != Some(want[i].as_str()));
        if differs {
            changed = true;
            out.push_str(&format!("{}\n", want.join(" ")));
        } else {
            out.push_str(&line);
        }
    }
    if !exists {
        out.push_str(&format!("{}\n", want.join(" ")));
        changed = true;
    }
    (out, changed)
}

/// `unset_mount`: drops the (six-field) lines of this mount point.
fn unset_mount(text: &str, a: &MountArgs) -> (String, bool) {
    let name = escape(&a.name);
    let mut out = String::new();
    let mut changed = false;
    for line in text.split_inclusive('\n') {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if line.trim().is_empty() || line.trim().starts_with('#') || fields.len() != 6 {
            out.push_str(line);
            continue;
        }
        let is_swap_other = a.src.is_some()
            && fields[1] == "none"
            && fields[2] == "swap"
            && Some(fields[0]) != a.src.as_deref();
        if fields[1] != name || is_swap_other {
            out.push_str(line);
            continue;
        }
        changed = true;
    }
    (out, changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(state: State, name: &str, src: &str, opts: &str) -> MountArgs {
        MountArgs {
            state,
            name: name.into(),
            src: Some(src.into()),
            fstype: Some("tmpfs".into()),
            opts: opts.into(),
            dump: "0".into(),
            passno: "0".into(),
            fstab: "/etc/fstab".into(),
            fstab_given: false,
            boot: true,
            backup: false,
            warnings: Vec::new(),
            pending: Pending::default(),
        }
    }

    #[test]
    fn fstab_lines_are_added_rewritten_and_kept() {
        let a = args(State::Mounted, "/mnt/a b", "tmpfs", "size=1m");
        let (t, ch) = set_mount("# c\n/dev/x / ext4 defaults 0 1", &a);
        assert!(ch);
        assert_eq!(
            t,
            "# c\n/dev/x / ext4 defaults 0 1\ntmpfs /mnt/a\\040b tmpfs size=1m 0 0\n"
        );
        let (t2, ch2) = set_mount(&t, &a);
        assert!(!ch2);
        assert_eq!(t2, t);
        // Four fields: dump and passno are missing, so the line is rewritten.
        let (t3, ch3) = set_mount("tmpfs /mnt/a\\040b tmpfs size=1m\n", &a);
        assert!(ch3);
        assert_eq!(t3, "tmpfs /mnt/a\\040b tmpfs size=1m 0 0\n");
        let (t4, ch4) = unset_mount(&t, &a);
        assert!(ch4);
        assert_eq!(t4, "# c\n/dev/x / ext4 defaults 0 1\n");
    }
}
