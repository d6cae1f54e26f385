//! `known_hosts`: one host's key in an SSH `known_hosts` file, looked up
//! with `ssh-keygen -F` on the host as Ansible's module does.
//!
//! Supported: `name` (`host`), `key`, `path` (default
//! `~/.ssh/known_hosts`, `~` expanded on the host), `hash_host` (HMAC-SHA1
//! with a random salt, as `ssh-keygen -H` writes it), `state`. The key is
//! checked against the name first (`ssh-keygen -F` on a scratch copy);
//! a key of the same type for the host is replaced in place; `absent`
//! without a key runs `ssh-keygen -R` (which keeps `PATH.old`, as there).
//! Results: the arguments (path expanded) and `changed`; `--diff` shows
//! the file.

use super::args::{ArgError, ArgMap};
use super::capture::{Records, Script};
use super::context::ModuleContext;
use super::diff::unified;
use super::outcome::{ModuleError, Outcome};
use super::pathinfo::{insert_path_stat, path_stat_cmd};
use super::write::{replace_step, sealed};
use super::Module;
use crate::shell::quote;
use crate::transport::atomic::Content;
use crate::value::Value;
use base64::Engine as _;
use sha1::{Digest, Sha1};

/// Arguments of `known_hosts`.
#[derive(Debug, Clone)]
pub struct KnownHostsArgs {
    name: String,
    key: Option<String>,
    /// The key as written to the file (hashed host, trailing newline).
    line: Option<String>,
    path: String,
    hash_host: bool,
    present: bool,
}

/// The `known_hosts` module.
pub struct KnownHostsModule;

impl Module for KnownHostsModule {
    type Args = KnownHostsArgs;
    const PROBES: bool = true;

    fn parse(args: &mut ArgMap) -> Result<KnownHostsArgs, ArgError> {
        let name = args.required_str(&["name", "host"])?;
        let key = args.str(&["key"])?.filter(|k| !k.is_empty());
        let hash_host = args.bool(&["hash_host"])?.unwrap_or(false);
        let host = name.to_lowercase();
        let line = key.as_ref().map(|k| {
            let mut l = if hash_host {
                hash_host_key(&host, k, &salt())
            } else {
                k.clone()
            };
            if !l.ends_with('\n') {
                l.push('\n');
            }
            l
        });
        let parsed = KnownHostsArgs {
            name,
            key,
            line,
            path: args
                .str(&["path"])?
                .unwrap_or_else(|| "~/.ssh/known_hosts".into()),
            hash_host,
            present: args.choice(&["state"], &["absent", "present"])?.as_deref() != Some("absent"),
        };
        args.finish(&["name", "key", "path", "hash_host", "state"])?;
        Ok(parsed)
    }

    fn probes(a: &KnownHostsArgs) -> Vec<String> {
        vec![probe(a).text().to_owned()]
    }

    fn run(a: &KnownHostsArgs, ctx: &mut ModuleContext<'_>) -> Result<Outcome, ModuleError> {
        let r = Records::parse(&ctx.probe(probe(a).text())?.stdout)?;
        let path = r.out_ok("path").unwrap_or("").to_owned();
        let host = a.name.to_lowercase();
        let mut o = Outcome::ok()
            .with("name", a.name.as_str())
            .with("key", a.key.clone().map(Value::Str).unwrap_or(Value::Null))
            .with("path", path.as_str())
            .with("hash_host", a.hash_host)
            .with("state", if a.present { "present" } else { "absent" });
        let Some(line) = &a.line else {
            if a.present {
                return Ok(Outcome::fail_json("No key specified when adding a host"));
            }
            return absent_host(a, &r, ctx, o, &path, &host);
        };
        let comma = regex::Regex::new(r"\S+(\s+)?,(\s+)?").expect("valid regex");
        if comma.is_match(&host) {
            return Ok(Outcome::fail_json(
                "Comma separated list of names is not supported. Please pass a single name to lookup in the known_hosts file.",
            ));
        }
        if r.get("sanity")
            .map(|c| c.out.as_str())
            .unwrap_or("")
            .is_empty()
        {
            return Ok(Outcome::fail_json(
                "Host parameter does not match hashed host field in supplied key",
            ));
        }
        let (found, replace, found_line) = match search(&r, Some(line)) {
            Ok(s) => s,
            Err(msg) => return Ok(Outcome::fail_json(msg)),
        };
        let before = r.out_ok("content").map(str::to_owned);
        let after = new_text(
            before.as_deref().unwrap_or(""),
            found_line,
            replace,
            a.present,
            line,
        );
        set_diff(&mut o, ctx, &path, before.as_deref(), &after);
        if !a.present && found_line.is_none() {
            return Ok(with_path_info(o, r.out_ok("pstat").unwrap_or("")));
        }
        o.changed = replace || a.present != found;
        if ctx.check_mode() {
            return Ok(check_result(o));
        }
        if !o.changed {
            return Ok(with_path_info(o, r.out_ok("pstat").unwrap_or("")));
        }
        match write(ctx, &path, &after)? {
            Ok(stat) => Ok(with_path_info(o, &stat)),
            Err(fail) => Ok(fail),
        }
    }
}

/// `state: absent` without a key: `ssh-keygen -R` when the host is known.
fn absent_host(
    a: &KnownHostsArgs,
    r: &Records,
    ctx: &mut ModuleContext<'_>,
    mut o: Outcome,
    path: &str,
    host: &str,
) -> Result<Outcome, ModuleError> {
    let (found, _, _) = match search(r, None) {
        Ok(s) => s,
        Err(msg) => return Ok(Outcome::fail_json(msg)),
    };
    let before = r.out_ok("content").map(str::to_owned);
    let b = before.clone().unwrap_or_default();
    set_diff(&mut o, ctx, path, before.as_deref(), &b);
    let _ = a;
    o.changed = found;
    if ctx.check_mode() {
        return Ok(check_result(o));
    }
    if !found {
        return Ok(with_path_info(o, r.out_ok("pstat").unwrap_or("")));
    }
    let s = Script::new().capture(
        "remove",
        &format!("ssh-keygen -R {} -f {}", quote(host), quote(path)),
    );
    let s = s
        .raw(&format!("_p={}", quote(path)))
        .capture("pstat", &path_stat_cmd("_p"));
    let rec = Records::parse(&ctx.apply(s.text(), None)?.stdout)?;
    let c = rec.get("remove").cloned().unwrap_or_default();
    if !c.ok() {
        return Ok(Outcome::fail_json(c.err.trim_end().to_owned())
            .with("rc", Value::Int(c.rc.into()))
            .with("stdout", c.out)
            .with("stderr", c.err));
    }
    Ok(with_path_info(
        o,
        &rec.get("pstat").map(|c| c.out.clone()).unwrap_or_default(),
    ))
}

/// `add_path_info`: the result's `path` described (its `state` replaced).
fn with_path_info(mut o: Outcome, stat: &str) -> Outcome {
    insert_path_stat(&mut o.result, stat);
    o
}

/// In check mode the module exits from inside its work: only `changed`
/// and the diff (text and result key), not the echoed arguments.
fn check_result(o: Outcome) -> Outcome {
    let mut c = Outcome {
        changed: o.changed,
        diff: o.diff,
        ..Outcome::ok()
    };
    if let Some(d) = o.result.get("diff") {
        c.result.insert("diff".into(), d.clone());
    }
    c
}

/// The module always returns its diff (`before`/`after` and their
/// headers, `/dev/null` before a new file) in the result, where a
/// playbook can read it; `--diff` also shows it.
fn set_diff(
    o: &mut Outcome,
    ctx: &ModuleContext<'_>,
    path: &str,
    before: Option<&str>,
    after: &str,
) {
    let mut m = crate::value::Map::new();
    let before_header = if before.is_some() { path } else { "/dev/null" };
    m.insert("after".into(), Value::Str(after.to_owned()));
    m.insert("after_header".into(), Value::Str(path.to_owned()));
    m.insert("before".into(), Value::Str(before.unwrap_or("").to_owned()));
    m.insert("before_header".into(), Value::Str(before_header.to_owned()));
    o.result.insert("diff".into(), Value::Map(m));
    if !ctx.diff {
        return;
    }
    let d = unified(
        before.unwrap_or(""),
        after,
        Some(if before.is_some() { path } else { "/dev/null" }),
        Some(path),
    );
    if !d.is_empty() {
        o.diff = Some(d);
    }
}

/// The file without the replaced (or removed) line, plus the new key.
fn new_text(
    before: &str,
    found_line: Option<usize>,
    replace: bool,
    present: bool,
    key: &str,
) -> String {
    let mut out = String::new();
    for (i, l) in before.split_inclusive('\n').enumerate() {
        if found_line == Some(i + 1) && (replace || !present) {
            continue;
        }
        out.push_str(l);
    }
    if present && (replace || found_line.is_none()) {
        out.push_str(key);
    }
    out
}

/// Writes `text` next to `path` and renames it into place (the file's
/// mode kept, else 0644): the path's stat line afterwards, or the failed
/// outcome.
fn write(
    ctx: &mut ModuleContext<'_>,
    path: &str,
    text: &str,
) -> Result<Result<String, Outcome>, ModuleError> {
    let f = quote(path);
    let size = text.len() as u64;
    let s = Script::new().capture(
        "write",
        &replace_step(path, Content::Stdin { size }, "0644", false, false),
    );
    let s = s
        .raw(&format!("_p={f}"))
        .capture("pstat", &path_stat_cmd("_p"));
    let rec = Records::parse(&ctx.apply(s.text(), Some(&sealed(text.as_bytes())))?.stdout)?;
    if rec.get("write").is_some_and(|c| !c.ok()) {
        return Ok(Err(Outcome::fail_json(format!(
            "Failed to write to file '{path}'."
        ))));
    }
    Ok(Ok(rec
        .get("pstat")
        .map(|c| c.out.clone())
        .unwrap_or_default()))
}

/// The probe: the expanded path, the host's entries (`ssh-keygen -F`),
/// the file, and the key checked against the name on a scratch copy.
fn probe(a: &KnownHostsArgs) -> Script {
    let host = quote(&a.name.to_lowercase()).into_owned();
    let mut s = Script::new()
        .raw(&expand_path(&a.path))
        .capture("path", "printf %s \"$_p\"");
    s = s
        .capture("exists", "[ -e \"$_p\" ]")
        .capture(
            "search",
            &format!("[ -e \"$_p\" ] || exit 0; ssh-keygen -F {host} -f \"$_p\""),
        )
        .capture("content", "cat -- \"$_p\"")
        .capture("pstat", &path_stat_cmd("_p"));
    if let Some(line) = &a.line {
        s = s.capture(
            "sanity",
            &format!(
                "printf %s {} > \"$_T/k\" && ssh-keygen -F {host} -f \"$_T/k\"",
                quote(line)
            ),
        );
    }
    s
}

/// Sets `$_p` to `path` with a leading `~` or `~user` expanded.
fn expand_path(path: &str) -> String {
    if path == "~" || path.starts_with("~/") {
        return format!("_p=\"$HOME\"{}", quote(&path[1..]));
    }
    if let Some(rest) = path.strip_prefix('~') {
        let (user, tail) = rest.split_once('/').map_or((rest, ""), |(u, t)| (u, t));
        return format!(
            "_p=$(getent passwd {} | cut -d: -f6); if [ -n \"$_p\" ]; then _p=\"$_p\"/{}; else _p={}; fi",
            quote(user),
            quote(tail),
            quote(path)
        );
    }
    format!("_p={}", quote(path))
}

/// `search_for_host_key`: (found, replace_or_add, found_line).
fn search(r: &Records, key: Option<&str>) -> Result<(bool, bool, Option<usize>), String> {
    if !r.succeeded("exists") {
        return Ok((false, false, None));
    }
    let c = r.get("search").cloned().unwrap_or_default();
    if c.out.is_empty() && c.err.is_empty() && (c.rc == 0 || c.rc == 1) {
        return Ok((false, false, None));
    }
    if c.rc != 0 {
        return Err(format!(
            "ssh-keygen failed (rc={}, stdout='{}',stderr='{}')",
            c.rc, c.out, c.err
        ));
    }
    let Some(key) = key else {
        return Ok((true, false, None));
    };
    let mut new_key = normalize(key);
    let line_re = regex::Regex::new(r"found: line (\d+)").expect("valid regex");
    let mut found_line = None;
    for l in c.out.split('\n') {
        if l.is_empty() {
            continue;
        }
        if l.starts_with('#') {
            found_line = line_re
                .captures(l)
                .and_then(|m| m[1].parse().ok())
                .or(found_line);
            continue;
        }
        let found = normalize(l);
        let marker = found.options.as_deref().unwrap_or("");
        if marker.starts_with("@cert-authority") || marker.starts_with("@revoke") {
            if new_key == found {
                return Ok((true, false, found_line));
            }
            continue;
        }
        if new_key.host.starts_with("|1|") && found.host.starts_with("|1|") {
            new_key.host = found.host.clone();
        }
        if new_key == found {
            return Ok((true, false, found_line));
        }
        if new_key.kind == found.kind {
            return Ok((true, true, found_line));
        }
    }
    Ok((true, true, None))
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct HostKey {
    options: Option<String>,
    host: String,
    kind: String,
    key: String,
}

/// `normalize_known_hosts_key`.
fn normalize(line: &str) -> HostKey {
    let k: Vec<&str> = line.split_whitespace().collect();
    let get = |i: usize| k.get(i).copied().unwrap_or("").to_owned();
    if k.first().is_some_and(|f| f.starts_with('@')) {
        HostKey {
            options: Some(get(0)),
            host: get(1),
            kind: get(2),
            key: get(3),
        }
    } else {
        HostKey {
            options: None,
            host: get(0),
            kind: get(1),
            key: get(2),
        }
    }
}

/// 20 random bytes for the host hash's salt.
fn salt() -> [u8; 20] {
    let mut b = [0u8; 20];
    if let Ok(mut f) = std::fs::File::open("/dev/urandom") {
        use std::io::Read;
        let _ = f.read_exact(&mut b);
    }
    b
}

/// `hash_host_key`: the host field as `|1|SALT|HMAC-SHA1(host)`.
fn hash_host_key(host: &str, key: &str, salt: &[u8; 20]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD;
    let mac = hmac_sha1(salt, host.as_bytes());
    let mut parts: Vec<String> = key.split_whitespace().map(str::to_owned).collect();
    let i = usize::from(parts.first().is_some_and(|p| p.starts_with('@')));
    if let Some(p) = parts.get_mut(i) {
        *p = format!("|1|{}|{}", b64.encode(salt), b64.encode(mac));
    }
    parts.join(" ")
}

fn hmac_sha1(key: &[u8], msg: &[u8]) -> [u8; 20] {
    let mut k = [0u8; 64];
    k[..key.len().min(64)].copy_from_slice(&key[..key.len().min(64)]);
    let pad = |b: u8| k.iter().map(|x| x ^ b).collect::<Vec<u8>>();
    let inner = Sha1::new()
        .chain_update(pad(0x36))
        .chain_update(msg)
        .finalize();
    let outer = Sha1::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize();
    outer.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_sha1_matches_rfc_2202() {
        let mac = hmac_sha1(&[0x0b; 20], b"Hi There");
        assert_eq!(hex::encode(mac), "b617318655057264e28bc0b6fb378c8ef146be00");
    }

    #[test]
    fn a_key_of_the_same_type_is_replaced_in_place() {
        let before = "a ssh-rsa AAA\nh ssh-ed25519 OLD\nb ssh-rsa BBB\n";
        assert_eq!(
            new_text(before, Some(2), true, true, "h ssh-ed25519 NEW\n"),
            "a ssh-rsa AAA\nb ssh-rsa BBB\nh ssh-ed25519 NEW\n"
        );
        assert_eq!(
            new_text(before, Some(2), false, false, ""),
            "a ssh-rsa AAA\nb ssh-rsa BBB\n"
        );
    }
}
