//! `user`: a local account, with the shadow utilities (`useradd`,
//! `usermod`, `userdel`, `chage`) as Ansible's Linux `User` class drives
//! them.
//!
//! Supported: `name` (`user`), `state`, `uid`, `non_unique`, `group`,
//! `groups`, `append`, `comment`, `home`, `shell`, `password` (a hash,
//! written with `chpasswd -e` from stdin: never on a command line),
//! `update_password`, `password_lock`, `create_home` (`createhome`),
//! `skeleton`, `system`, `force`, `remove`, `move_home`, `expires`,
//! `password_expire_max`/`_min`/`_warn`, `password_expire_account_disable`,
//! `umask`, `uid_min`, `uid_max`, `seuser`, `generate_ssh_key`,
//! `ssh_key_bits`, `ssh_key_type`, `ssh_key_file`, `ssh_key_comment`.
//! `shell` is expanded on the host (`~`, `$VAR`) as its `type='path'`
//! expands it; `home` and `ssh_key_file` are taken as written.
//! `hidden`, `login_class`, `profile`, `authorization`, `role` are
//! accepted and, as in Ansible's Linux class, have no effect.
//! Not implemented (the task fails when run): `local` (libuser's
//! `luseradd`), `ssh_key_passphrase`.
//!
//! One probe reads the account (`getent passwd/shadow/group`), the home
//! and the key files; the change runs as one script that re-reads the
//! account afterwards; a missing home, a key pair or password ageing is a
//! second step, as in Ansible's module. Results carry Ansible's keys.

use super::args::{ArgError, ArgMap};
use super::argv::{expand_word, needs_expansion};
use super::capture::{Records, Script};
use super::context::ModuleContext;
use super::outcome::{ModuleError, Outcome};
use super::pending::Pending;
use super::useracct::{Account, Group, Shadow};
use super::Module;
use crate::shell::{quote, Cmd, Secret};
use crate::value::Value;

/// Arguments of `user`.
#[derive(Debug)]
pub struct UserArgs {
    name: String,
    present: bool,
    uid: Option<i64>,
    non_unique: bool,
    group: Option<String>,
    groups: Option<Vec<String>>,
    append: bool,
    comment: Option<String>,
    home: Option<String>,
    shell: Option<String>,
    password: Option<Secret>,
    update_always: bool,
    password_lock: Option<bool>,
    create_home: bool,
    skeleton: Option<String>,
    system: bool,
    force: bool,
    remove: bool,
    move_home: bool,
    expires: Option<f64>,
    expire_max: Option<i64>,
    expire_min: Option<i64>,
    expire_warn: Option<i64>,
    inactive: Option<i64>,
    umask: Option<String>,
    uid_min: Option<i64>,
    uid_max: Option<i64>,
    seuser: Option<String>,
    ssh: Option<SshKey>,
    pending: Pending,
}

/// `generate_ssh_key` and its settings.
#[derive(Debug)]
struct SshKey {
    bits: i64,
    kind: String,
    file: String,
    comment: Option<String>,
}

/// The `user` module.
pub struct UserModule;

const OPTIONS: &[&str] = &[
    "name",
    "state",
    "uid",
    "non_unique",
    "group",
    "groups",
    "append",
    "comment",
    "home",
    "shell",
    "password",
    "update_password",
    "password_lock",
    "create_home",
    "skeleton",
    "system",
    "force",
    "remove",
    "move_home",
    "expires",
    "password_expire_max",
    "password_expire_min",
    "password_expire_warn",
    "password_expire_account_disable",
    "umask",
    "uid_min",
    "uid_max",
    "seuser",
    "generate_ssh_key",
    "ssh_key_bits",
    "ssh_key_type",
    "ssh_key_file",
    "ssh_key_comment",
    "hidden",
    "login_class",
    "profile",
    "authorization",
    "role",
    "local",
    "ssh_key_passphrase",
];

impl Module for UserModule {
    type Args = UserArgs;
    const PROBES: bool = true;

    fn parse(args: &mut ArgMap) -> Result<UserArgs, ArgError> {
        let name = args.required_str(&["name", "user"])?;
        let present = args.choice(&["state"], &["absent", "present"])?.as_deref() != Some("absent");
        let update = args.choice(&["update_password"], &["always", "on_create"])?;
        let expires =
            match args.value(&["expires"]) {
                None => None,
                Some(Value::Int(i)) => Some(i as f64),
                Some(Value::Float(f)) => Some(f),
                Some(v) => Some(v.as_str().and_then(|s| s.trim().parse().ok()).ok_or_else(
                    || ArgError::Type {
                        name: "expires".into(),
                        expected: "must be a float",
                        got: v.type_name().into(),
                    },
                )?),
            };
        let generate = args.bool(&["generate_ssh_key"])?.unwrap_or(false);
        let kind = args.str(&["ssh_key_type"])?.unwrap_or_else(|| "rsa".into());
        let ssh = SshKey {
            bits: args.int(&["ssh_key_bits"])?.unwrap_or(0),
            file: args
                .str(&["ssh_key_file"])?
                .unwrap_or_else(|| format!(".ssh/id_{kind}")),
            comment: args.str(&["ssh_key_comment"])?,
            kind,
        };
        args.ignore(&["hidden", "login_class", "profile", "authorization", "role"]);
        let local = args.bool(&["local"])?.unwrap_or(false);
        let pending = Pending::take(args, "user", &["ssh_key_passphrase"]).also("local", local);
        let parsed = UserArgs {
            name,
            present,
            uid: args.int(&["uid"])?,
            non_unique: args.bool(&["non_unique"])?.unwrap_or(false),
            group: args.str(&["group"])?,
            groups: args.list(&["groups"])?,
            append: args.bool(&["append"])?.unwrap_or(false),
            comment: args.str(&["comment"])?,
            home: args.str(&["home"])?,
            shell: args.str(&["shell"])?,
            password: args.str(&["password"])?.map(Secret::new),
            update_always: update.as_deref() != Some("on_create"),
            password_lock: args.bool(&["password_lock"])?,
            create_home: args.bool(&["create_home", "createhome"])?.unwrap_or(true),
            skeleton: args.str(&["skeleton"])?,
            system: args.bool(&["system"])?.unwrap_or(false),
            force: args.bool(&["force"])?.unwrap_or(false),
            remove: args.bool(&["remove"])?.unwrap_or(false),
            move_home: args.bool(&["move_home"])?.unwrap_or(false),
            expires,
            expire_max: args.int(&["password_expire_max"])?,
            expire_min: args.int(&["password_expire_min"])?,
            expire_warn: args.int(&["password_expire_warn"])?,
            inactive: args.int(&["password_expire_account_disable"])?,
            umask: args.str(&["umask"])?,
            uid_min: args.int(&["uid_min"])?,
            uid_max: args.int(&["uid_max"])?,
            seuser: args.str(&["seuser"])?,
            ssh: generate.then_some(ssh),
            pending,
        };
        args.finish(OPTIONS)?;
        Ok(parsed)
    }

    fn probes(a: &UserArgs) -> Vec<String> {
        vec![probe(a).text().to_owned()]
    }

    fn run(a: &UserArgs, ctx: &mut ModuleContext<'_>) -> Result<Outcome, ModuleError> {
        let o = run(a, ctx)?;
        Ok(match plaintext_warning(a) {
            Some(w) => o.with("warnings", Value::List(vec![Value::Str(w.into())])),
            None => o,
        })
    }
}

/// `check_password_encrypted`: a `password` that does not look like a
/// crypt hash (nor one of the values that lock or disable an account) is
/// used as given, with Ansible's warning.
fn plaintext_warning(a: &UserArgs) -> Option<&'static str> {
    let p = a.password.as_ref()?.expose();
    if p.is_empty() || ["*", "!", "*************"].contains(&p) {
        return None;
    }
    let fields: Vec<&str> = p.split('$').collect();
    let hash = fields.last().copied().unwrap_or_default();
    let bad_chars = |h: &str| {
        h.chars()
            .any(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '/' | '=')))
    };
    let length = match fields.get(1).copied() {
        Some("1") => Some(22),
        Some("5" | "y") => Some(43),
        Some("6") => Some(86),
        _ => None,
    };
    let invalid = p.contains([':', '*', '!'])
        || fields.len() < 3
        || bad_chars(hash)
        || length.is_some_and(|n| hash.chars().count() != n);
    invalid.then_some(
        "The input password appears not to have been hashed. The 'password' argument must be \
         encrypted for this module to work properly.",
    )
}

/// The module's work, before its warnings are added.
fn run(a: &UserArgs, ctx: &mut ModuleContext<'_>) -> Result<Outcome, ModuleError> {
    if let Some(o) = a.pending.outcome() {
        return Ok(o);
    }
    let first = Records::parse(&ctx.probe(probe(a).text())?.stdout)?;
    let before = Account::read(&first, &a.name)?;
    let mut o = Outcome::ok()
        .with("name", a.name.as_str())
        .with("state", if a.present { "present" } else { "absent" });
    let Some(before) = before else {
        if !a.present {
            return Ok(o);
        }
        if ctx.check_mode() {
            return Ok(Outcome::changed());
        }
        return create(a, &first, ctx, o);
    };
    if !a.present {
        if ctx.check_mode() {
            return Ok(Outcome::changed());
        }
        let mut cmd = Cmd::new("userdel");
        if a.force {
            cmd = cmd.flag("-f");
        }
        if a.remove {
            cmd = cmd.flag("-r");
        }
        let script = Script::new().capture("act", cmd.arg(&a.name).as_str());
        let r = Records::parse(&ctx.apply(script.text(), None)?.stdout)?;
        let act = r.get("act").cloned().unwrap_or_default();
        if !act.ok() {
            return Ok(fail(a, &act.err, act.rc));
        }
        o = o
            .with("force", a.force)
            .with("remove", a.remove)
            .with_output(&act.out, &act.err);
        o.changed = true;
        return Ok(o);
    }
    modify(a, &before, &first, ctx, o)
}

/// Ansible's `fail_json(name=..., msg=err, rc=rc)`.
fn fail(a: &UserArgs, err: &str, rc: i32) -> Outcome {
    Outcome::fail_json(err)
        .with("name", a.name.as_str())
        .with("rc", Value::Int(rc.into()))
}

trait WithOutput {
    fn with_output(self, out: &str, err: &str) -> Self;
}

impl WithOutput for Outcome {
    /// `stdout`/`stderr` keys when the command printed something, as
    /// Ansible adds them.
    fn with_output(mut self, out: &str, err: &str) -> Outcome {
        if !out.is_empty() {
            self = self.with("stdout", out);
        }
        if !err.is_empty() {
            self = self.with("stderr", err);
        }
        self
    }
}

/// The read-only probe: the account, every group, the home and key files.
fn probe(a: &UserArgs) -> Script {
    let n = quote(&a.name);
    let home = a.home.as_deref().map(|h| quote(h).into_owned());
    let mut s = Script::new()
        .capture("pw", &format!("getent passwd {n}"))
        .capture("sp", &format!("getent shadow {n}"))
        .capture("gr", "getent group")
        .capture(
            "defs",
            "grep -E '^(HOME_MODE|UMASK)[[:space:]]' /etc/login.defs",
        )
        .raw(&format!(
            "_h={}; [ -n \"$_h\" ] || _h=$(getent passwd {n} | cut -d: -f6)",
            home.clone().unwrap_or_else(|| "''".into())
        ))
        .capture("home", "[ -n \"$_h\" ] && [ -e \"$_h\" ]")
        .capture(
            "skel",
            &format!(
                "[ -e {} ]",
                quote(a.skeleton.as_deref().unwrap_or("/etc/skel"))
            ),
        );
    if let Some(h) = &a.home {
        let parent = std::path::Path::new(h)
            .parent()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        s = s.capture("parent", &format!("[ -d {} ]", quote(&parent)));
    }
    if let Some(sh) = a.shell.as_deref().filter(|sh| needs_expansion(sh)) {
        let mut prelude = String::new();
        let word = expand_word(sh, 0, &mut prelude);
        s = s
            .raw(prelude.trim_end())
            .capture("shell", &format!("printf %s {word}"));
    }
    if let Some(k) = &a.ssh {
        s = s
            .raw(&key_path_shell(&n, &k.file))
            .capture("kdir", "[ -e \"${_k%/*}\" ]")
            .capture("key", "[ -e \"$_k\" ]")
            .capture("pub", "[ -e \"$_k.pub\" ]")
            .capture("fp", FINGERPRINT)
            .capture("pubtext", "cat \"$_k.pub\"")
            .capture("kpath", "printf %s \"$_k\"")
            .capture("uname", "uname -n");
    }
    s
}

/// `shell` as the module sees it: its `type='path'` expands `~` and
/// `$VAR` on the host (`expanduser(expandvars(...))`), which the probe
/// reads.
fn shell<'r>(a: &'r UserArgs, r: &'r Records) -> Option<&'r str> {
    let sh = a.shell.as_deref()?;
    match needs_expansion(sh) {
        true => r.out_ok("shell").or(Some(sh)),
        false => Some(sh),
    }
}

/// The key's fingerprint; nothing (and rc 1) when the file is missing.
const FINGERPRINT: &str = "if [ -e \"$_k\" ]; then ssh-keygen -l -f \"$_k\"; else exit 1; fi";

/// Sets `$_k` to the key file: as given when absolute, else under the
/// account's home (`get_ssh_key_path`).
fn key_path_shell(n: &str, file: &str) -> String {
    if file.starts_with('/') {
        format!("_k={}", quote(file))
    } else {
        format!("_k=\"$(getent passwd {n} | cut -d: -f6)\"/{}", quote(file))
    }
}

/// Python's `os.path.dirname`-based `create_homedir`: the skeleton copied
/// (links kept) or an empty directory, with the mode from `login.defs`.
fn create_homedir_shell(a: &UserArgs, home: &str, mode: u32) -> String {
    let skel = a.skeleton.as_deref().unwrap_or("/etc/skel");
    let h = quote(home);
    format!(
        "if [ ! -e {h} ]; then if [ -e {s} ] && [ {s} != /dev/null ]; then \
         mkdir -p \"$(dirname {h})\" && cp -RPp {s} {h}; else mkdir -p {h}; fi && chmod {mode:o} {h}; fi",
        s = quote(skel),
    )
}

/// `HOME_MODE`, else `0777 & ~UMASK`, else 0755 (from the `defs` record).
fn home_mode(r: &Records) -> u32 {
    let text = r.get("defs").map(|c| c.out.clone()).unwrap_or_default();
    let mut mode = 0o755;
    for line in text.lines() {
        let mut f = line.split_whitespace();
        let (Some(k), Some(v), None) = (f.next(), f.next(), f.next()) else {
            continue;
        };
        let Ok(n) = u32::from_str_radix(v, 8) else {
            continue;
        };
        if !v.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        match k {
            "HOME_MODE" => return n,
            "UMASK" => mode = 0o777 & !n,
            _ => {}
        }
    }
    mode
}

/// `chown_homedir`: the home and everything in it but symlinks.
fn chown_home_shell(home: &str, uid: i64, gid: i64) -> String {
    format!(
        "find {} ! -type l -exec chown {uid}:{gid} {{}} +",
        quote(home)
    )
}

/// The groups of `groups` as names, each checked to exist.
fn resolve_groups(groups: &[Group], want: &[String]) -> Result<Vec<Group>, Outcome> {
    let mut out: Vec<Group> = Vec::new();
    for g in want.iter().map(|g| g.trim()).filter(|g| !g.is_empty()) {
        match Group::find(groups, g) {
            Some(found) => {
                if !out.iter().any(|o| o.name == found.name) {
                    out.push(found.clone());
                }
            }
            None => return Err(group_missing(g)),
        }
    }
    Ok(out)
}

fn group_missing(g: &str) -> Outcome {
    Outcome::fail_json(format!("Group {g} does not exist"))
}

/// `create_user_useradd`, then the password from stdin.
fn create(
    a: &UserArgs,
    r: &Records,
    ctx: &mut ModuleContext<'_>,
    mut o: Outcome,
) -> Result<Outcome, ModuleError> {
    let groups = Group::all(r);
    let mut cmd = Cmd::new("useradd");
    if let Some(uid) = a.uid {
        cmd = cmd.flag("-u").arg(uid.to_string());
        if a.non_unique {
            cmd = cmd.flag("-o");
        }
    }
    if let Some(se) = &a.seuser {
        cmd = cmd.flag("-Z").arg(se);
    }
    match &a.group {
        Some(g) => {
            if Group::find(&groups, g).is_none() {
                return Ok(group_missing(g));
            }
            cmd = cmd.flag("-g").arg(g);
        }
        None if Group::find(&groups, &a.name).is_some() => cmd = cmd.flag("-N"),
        None => {}
    }
    if let Some(want) = a.groups.as_ref().filter(|g| !g.is_empty()) {
        // Creating: the groups as given (numbers stay numbers).
        if let Err(o) = resolve_groups(&groups, want) {
            return Ok(o);
        }
        let mut given: Vec<&str> = Vec::new();
        for g in want.iter().map(|g| g.trim()).filter(|g| !g.is_empty()) {
            if !given.contains(&g) {
                given.push(g);
            }
        }
        cmd = cmd.flag("-G").arg(given.join(","));
    }
    if let Some(c) = &a.comment {
        cmd = cmd.flag("-c").arg(c);
    }
    let mut script = Script::new();
    let mut needs_parents = false;
    if let Some(h) = &a.home {
        if a.create_home && !r.succeeded("parent") {
            needs_parents = true;
            script = script.capture_or_stop("mkhome", &create_homedir_shell(a, h, home_mode(r)));
        }
        cmd = cmd.flag("-d").arg(h);
    }
    if let Some(s) = shell(a, r) {
        cmd = cmd.flag("-s").arg(s);
    }
    if let Some(e) = a.expires {
        cmd = cmd.flag("-e").arg(expire_date(e).unwrap_or_default());
    }
    if let Some(i) = a.inactive {
        cmd = cmd.flag("-f").arg(i.to_string());
    }
    if a.create_home {
        cmd = cmd.flag("-m");
        if let Some(k) = &a.skeleton {
            cmd = cmd.flag("-k").arg(k);
        }
        if let Some(u) = &a.umask {
            cmd = cmd.flag("-K").arg(format!("UMASK={u}"));
        }
    } else {
        cmd = cmd.flag("-M");
    }
    if a.system {
        cmd = cmd.flag("-r");
    }
    if let Some(m) = a.uid_min {
        cmd = cmd.flag("-K").arg(format!("UID_MIN={m}"));
    }
    if let Some(m) = a.uid_max {
        cmd = cmd.flag("-K").arg(format!("UID_MAX={m}"));
    }
    script = script.capture_or_stop("act", cmd.arg(&a.name).as_str());
    let stdin = a.password.as_ref().map(|p| {
        let hash = if a.password_lock == Some(true) {
            format!("!{}", p.expose())
        } else {
            p.expose().to_owned()
        };
        format!("{}:{hash}\n", a.name)
    });
    if stdin.is_some() {
        script = script.capture_or_stop("pass", "chpasswd -e");
    }
    if needs_parents {
        if let Some(h) = &a.home {
            script = script.raw(&format!(
                "_u=$(id -u {n}); _g=$(id -g {n})",
                n = quote(&a.name)
            ));
            script = script.capture(
                "chown",
                &format!("find {} ! -type l -exec chown \"$_u:$_g\" {{}} +", quote(h)),
            );
        }
    }
    let script = script.then(&probe(a));
    let r2 = Records::parse(
        &ctx.apply(script.text(), stdin.as_deref().map(str::as_bytes))?
            .stdout,
    )?;
    if let Some(c) = r2.get("mkhome").filter(|c| !c.ok()) {
        return Ok(Outcome::fail_json(c.err.trim_end().to_owned()));
    }
    let act = r2.get("act").cloned().unwrap_or_default();
    if !act.ok() {
        return Ok(fail(a, &act.err, act.rc));
    }
    if let Some(p) = r2.get("pass").filter(|c| !c.ok()) {
        return Ok(fail(a, &p.err, p.rc));
    }
    o = o
        .with("system", a.system)
        .with("create_home", a.create_home);
    if a.password.is_some() {
        o = o.with("password", "NOT_LOGGING_PASSWORD");
    }
    o.changed = true;
    o = o.with_output(&act.out, &act.err);
    finish(a, &r2, ctx, o)
}

/// `time.strftime('%Y-%m-%d', time.gmtime(e))`; `None` (an empty `-e`)
/// before the epoch.
fn expire_date(e: f64) -> Option<String> {
    if e < 0.0 {
        return None;
    }
    let days = (e / 86400.0).floor() as i64;
    Some(civil_date(days))
}

/// Days since the epoch as `YYYY-MM-DD` (proleptic Gregorian).
fn civil_date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    format!("{:04}-{m:02}-{d:02}", if m <= 2 { y + 1 } else { y })
}

/// `modify_user_usermod`.
fn modify(
    a: &UserArgs,
    info: &Account,
    r: &Records,
    ctx: &mut ModuleContext<'_>,
    mut o: Outcome,
) -> Result<Outcome, ModuleError> {
    let groups = Group::all(r);
    let shadow = Shadow::read(r, &a.name);
    let mut args: Vec<(&'static str, Option<String>)> = Vec::new();
    if let Some(uid) = a.uid.filter(|u| *u != info.uid) {
        args.push(("-u", Some(uid.to_string())));
        if a.non_unique {
            args.push(("-o", None));
        }
    }
    if let Some(g) = &a.group {
        let Some(found) = Group::find(&groups, g) else {
            return Ok(group_missing(g));
        };
        if found.gid != info.gid {
            args.push(("-g", Some(found.gid.to_string())));
        }
    }
    if let Some(want) = &a.groups {
        let current: Vec<&str> = groups
            .iter()
            .filter(|g| g.members.contains(&a.name))
            .map(|g| g.name.as_str())
            .collect();
        let wanted = match resolve_groups(&groups, want) {
            Ok(g) => g,
            Err(o) => return Ok(o),
        };
        let names: Vec<&str> = wanted.iter().map(|g| g.name.as_str()).collect();
        let empty = want.iter().all(|g| g.trim().is_empty());
        let need = if empty {
            !current.is_empty() && !a.append
        } else {
            let missing = names.iter().any(|n| !current.contains(n));
            let extra = current.iter().any(|c| !names.contains(c));
            if a.append {
                missing
            } else {
                missing || extra
            }
        };
        if need {
            if a.append && !empty {
                args.push(("-a", None));
            }
            args.push(("-G", Some(names.join(","))));
        }
    }
    if let Some(c) = a.comment.as_ref().filter(|c| **c != info.comment) {
        args.push(("-c", Some(c.clone())));
    }
    if let Some(h) = a.home.as_ref().filter(|h| **h != info.home) {
        args.push(("-d", Some(h.clone())));
        if a.move_home {
            args.push(("-m", None));
        }
    }
    if let Some(s) = shell(a, r).filter(|s| *s != info.shell) {
        args.push(("-s", Some(s.to_owned())));
    }
    if let Some(e) = a.expires {
        let current = shadow.as_ref().map(|s| s.expire).unwrap_or(0);
        if e < 0.0 {
            if current >= 0 {
                args.push(("-e", Some(String::new())));
            }
        } else {
            let want = expire_date(e);
            let have = (current >= 0).then(|| civil_date(current));
            if current < 0 || want != have {
                args.push(("-e", want));
            }
        }
    }
    if let Some(i) = a.inactive {
        args.push(("-f", Some(i.to_string())));
    }
    let hash = shadow.as_ref().map(|s| s.hash.clone()).unwrap_or_default();
    let current_hash = if info.passwd.chars().count() <= 1 {
        hash
    } else {
        info.passwd.clone()
    };
    let mut lock = None;
    if a.password_lock == Some(true) && !current_hash.starts_with('!') {
        lock = Some("-L");
    } else if a.password_lock == Some(false) && current_hash.starts_with('!') {
        lock = Some("-U");
    }
    let new_hash = a.password.as_ref().filter(|p| {
        a.update_always
            && current_hash.trim_start_matches('!') != p.expose().trim_start_matches('!')
    });
    if new_hash.is_none() {
        if let Some(l) = lock {
            args.push((l, None));
        }
    }
    let mut cmd = Cmd::new("usermod");
    for (flag, value) in &args {
        cmd = cmd.flag(flag);
        if let Some(v) = value {
            cmd = cmd.arg(v);
        }
    }
    let stdin = new_hash.map(|p| {
        let h = if a.password_lock == Some(true) {
            format!("!{}", p.expose())
        } else {
            p.expose().to_owned()
        };
        format!("{}:{h}\n", a.name)
    });
    o = o.with("append", a.append).with("move_home", a.move_home);
    if a.password.is_some() {
        o = o.with("password", "NOT_LOGGING_PASSWORD");
    }
    if args.is_empty() && stdin.is_none() {
        return finish(a, r, ctx, o);
    }
    o.changed = true;
    if ctx.check_mode() {
        return finish(a, r, ctx, o);
    }
    let mut script = Script::new();
    if !args.is_empty() {
        script = script.capture_or_stop("act", cmd.arg(&a.name).as_str());
    }
    if stdin.is_some() {
        script = script.capture_or_stop("pass", "chpasswd -e");
    }
    let script = script.then(&probe(a));
    let r2 = Records::parse(
        &ctx.apply(script.text(), stdin.as_deref().map(str::as_bytes))?
            .stdout,
    )?;
    let act = r2.get("act").cloned().unwrap_or_default();
    if !act.ok() {
        return Ok(fail(a, &act.err, act.rc));
    }
    if let Some(p) = r2.get("pass").filter(|c| !c.ok()) {
        return Ok(fail(a, &p.err, p.rc));
    }
    o = o.with_output(&act.out, &act.err);
    finish(a, &r2, ctx, o)
}

/// After the account exists: its fields, a missing home, the key pair and
/// password ageing (each check-mode aware, as in Ansible).
fn finish(
    a: &UserArgs,
    r: &Records,
    ctx: &mut ModuleContext<'_>,
    mut o: Outcome,
) -> Result<Outcome, ModuleError> {
    let Some(info) = Account::read(r, &a.name)? else {
        return Ok(o.failing(format!("failed to look up user name: {}", a.name)));
    };
    o = o
        .with("uid", Value::Int(info.uid))
        .with("group", Value::Int(info.gid))
        .with("comment", info.comment.as_str())
        .with("home", info.home.as_str())
        .with("shell", info.shell.as_str());
    if let Some(g) = &a.groups {
        o = o.with("groups", g.join(","));
    }
    let mut script = Script::new();
    let home = a.home.clone().unwrap_or_else(|| info.home.clone());
    if !r.succeeded("home") && a.create_home {
        o.changed = true;
        script = script
            .capture_or_stop("mkhome", &create_homedir_shell(a, &home, home_mode(r)))
            .capture_or_stop("chown", &chown_home_shell(&home, info.uid, info.gid));
    }
    let mut warnings = Vec::new();
    if let Some(k) = &a.ssh {
        let key = r.get("kpath").map(|c| c.out.clone()).unwrap_or_default();
        let pubf = format!("{key}.pub");
        let mut skip = false;
        let mut overwrite = false;
        if r.succeeded("key") {
            if a.force {
                warnings.push(format!(
                    "Overwriting existing ssh key private file \"{key}\""
                ));
                overwrite = true;
            } else {
                warnings.push(format!(
                    "Found existing ssh key private file \"{key}\", no force, so skipping ssh-keygen generation"
                ));
                skip = true;
            }
        }
        if !skip && r.succeeded("pub") {
            if a.force {
                warnings.push(format!(
                    "Overwriting existing ssh key public file \"{pubf}\""
                ));
            } else {
                warnings.push(format!(
                    "Found existing ssh key public file \"{pubf}\", no force, so skipping ssh-keygen generation"
                ));
                skip = true;
            }
        }
        if !skip {
            o.changed = true;
            let host = r
                .get("uname")
                .map(|c| c.out.trim().to_owned())
                .unwrap_or_default();
            let comment = k
                .comment
                .clone()
                .unwrap_or_else(|| format!("ansible-generated on {host}"));
            let mut cmd = Cmd::new("ssh-keygen").flag("-t").arg(&k.kind);
            if k.bits > 0 {
                cmd = cmd.flag("-b").arg(k.bits.to_string());
            }
            cmd = cmd
                .flag("-C")
                .arg(comment)
                .flag("-f")
                .arg(&key)
                .flag("-N")
                .arg("");
            let dir = std::path::Path::new(&key)
                .parent()
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_default();
            script = script.capture_or_stop(
                "kdirmk",
                &format!(
                    "[ -e {d} ] || {{ mkdir -m 0700 {d} && chown {}:{} {d}; }}",
                    info.uid,
                    info.gid,
                    d = quote(&dir)
                ),
            );
            if overwrite {
                script = script.raw(&format!("rm -f {}", quote(&pubf)));
                script = script.capture_or_stop("keygen", &format!("echo y | {cmd}"));
            } else {
                script = script.capture_or_stop("keygen", cmd.as_str());
            }
            script = script.capture(
                "kchown",
                &format!(
                    "chown {}:{} {} {}",
                    info.uid,
                    info.gid,
                    quote(&key),
                    quote(&pubf)
                ),
            );
        }
    }
    let shadow = Shadow::read(r, &a.name);
    let mut chage = Cmd::new("chage");
    let mut ageing = false;
    for (want, have, flag) in [
        (a.expire_min, shadow.as_ref().map(|s| s.min), "-m"),
        (a.expire_max, shadow.as_ref().map(|s| s.max), "-M"),
        (a.expire_warn, shadow.as_ref().map(|s| s.warn), "-W"),
    ] {
        if let Some(w) = want.filter(|w| Some(*w) != have || shadow.is_none()) {
            chage = chage.flag(flag).arg(w.to_string());
            ageing = true;
        }
    }
    if ageing {
        o.changed = true;
        script = script.capture_or_stop("chage", chage.arg(&a.name).as_str());
    }
    if !warnings.is_empty() {
        o = o.with(
            "warnings",
            Value::List(warnings.into_iter().map(Value::Str).collect()),
        );
    }
    let mut after = r.clone();
    if !script.is_empty() && !ctx.check_mode() {
        if let Some(k) = &a.ssh {
            script = script
                .raw(&key_path_shell(&quote(&a.name), &k.file))
                .capture("fp", FINGERPRINT)
                .capture("pubtext", "cat \"$_k.pub\"");
        }
        after = Records::parse(&ctx.apply(script.text(), None)?.stdout)?;
        for tag in ["mkhome", "chown", "kdirmk"] {
            if let Some(c) = after.get(tag).filter(|c| !c.ok()) {
                return Ok(Outcome::fail_json(c.err.trim_end().to_owned()));
            }
        }
        for tag in ["keygen", "chage"] {
            if let Some(c) = after.get(tag).filter(|c| !c.ok()) {
                return Ok(fail(a, &c.err, c.rc));
            }
        }
    }
    if a.ssh.is_some() {
        let fp = after.get("fp").cloned().unwrap_or_default();
        let key = r.get("kpath").map(|c| c.out.clone()).unwrap_or_default();
        // A missing key file: Ansible reports its message as stdout of a
        // failed command, so the fingerprint is the empty stderr.
        let fingerprint = if fp.ok() {
            fp.out.trim()
        } else {
            fp.err.trim()
        }
        .to_owned();
        o = o
            .with("ssh_fingerprint", fingerprint)
            .with("ssh_key_file", key)
            .with(
                "ssh_public_key",
                after
                    .out_ok("pubtext")
                    .map(|t| Value::from(t.trim()))
                    .unwrap_or(Value::Null),
            );
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_dates_are_utc_days() {
        assert_eq!(expire_date(0.0).as_deref(), Some("1970-01-01"));
        assert_eq!(expire_date(1_700_000_000.5).as_deref(), Some("2023-11-14"));
        assert_eq!(expire_date(-1.0), None);
        assert_eq!(civil_date(19_723), "2024-01-01");
        assert_eq!(civil_date(11_016), "2000-02-29");
    }

    #[test]
    fn home_mode_follows_login_defs() {
        let rec = |text: &str| {
            let s = format!("\x1edefs 0 {} 0\n{text}", text.len());
            Records::parse(s.as_bytes()).unwrap()
        };
        assert_eq!(home_mode(&rec("")), 0o755);
        assert_eq!(home_mode(&rec("UMASK\t\t022\n")), 0o755);
        assert_eq!(home_mode(&rec("UMASK 027\nHOME_MODE 0700\n")), 0o700);
        assert_eq!(home_mode(&rec("UMASK 077\n")), 0o700);
    }
}
