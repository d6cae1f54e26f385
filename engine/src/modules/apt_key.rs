//! `apt_key`: a key in apt's keyring (`apt-key`), added from a file or
//! inline data on the host, a URL (downloaded by the host), or a
//! keyserver, or removed by id. Every option of ansible-core 2.19:
//! `id`, `url`, `data`, `file`, `keyring`, `validate_certs`,
//! `keyserver`, `state`. Results: `id`, `short_id`, `fp`, `key_id`,
//! `before`, and `after` when the keyring changed, as Ansible's.
//!
//! One read-only probe lists the keyring and reads the key's id (`gpg
//! --with-colons`); the key is added or removed only when the listing
//! says so, then listed again to verify, as Ansible does.

use super::args::{ArgError, ArgMap};
use super::context::ModuleContext;
use super::outcome::{ModuleError, Outcome};
use super::Module;
use crate::shell::quote;
use crate::value::Value;

/// Arguments of `apt_key`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct AptKeyArgs {
    pub id: Option<String>,
    pub url: Option<String>,
    pub data: Option<String>,
    pub file: Option<String>,
    pub keyring: Option<String>,
    pub validate_certs: bool,
    pub keyserver: Option<String>,
    pub present: bool,
}

/// The `apt_key` module.
pub struct AptKeyModule;

impl Module for AptKeyModule {
    type Args = AptKeyArgs;

    fn parse(args: &mut ArgMap) -> Result<AptKeyArgs, ArgError> {
        let a = AptKeyArgs {
            id: args.str(&["id"])?,
            url: args.str(&["url"])?,
            data: args.str(&["data"])?,
            file: args.str(&["file"])?,
            keyring: args.str(&["keyring"])?,
            validate_certs: args.bool(&["validate_certs"])?.unwrap_or(true),
            keyserver: args.str(&["keyserver"])?,
            present: args.choice(&["state"], &["absent", "present"])?.as_deref() != Some("absent"),
        };
        args.finish(&[
            "id",
            "url",
            "data",
            "file",
            "keyring",
            "validate_certs",
            "keyserver",
            "state",
        ])?;
        let sources = [&a.data, &a.file, &a.keyserver, &a.url];
        if sources.iter().filter(|s| s.is_some()).count() > 1 {
            return Err(ArgError::Invalid(
                "parameters are mutually exclusive: data|file|keyserver|url".into(),
            ));
        }
        Ok(a)
    }

    fn run(a: &AptKeyArgs, ctx: &mut ModuleContext<'_>) -> Result<Outcome, ModuleError> {
        let bins = ctx
            .probe("command -v apt-key >/dev/null && echo apt-key; command -v gpg >/dev/null && echo gpg; exit 0")?
            .stdout_str();
        if !bins.lines().any(|l| l == "apt-key") {
            return Ok(Outcome::ok().with(
                "msg",
                "Failed to find required executable \"apt-key\". Apt-key has been deprecated. \
                 See the deb822_repository as an alternative.",
            ));
        }
        let mut o = Outcome::ok();
        let mut id = a.id.clone();
        if id.is_none() {
            if a.keyserver.is_some() {
                return Ok(Outcome::failed("Missing key_id, required with keyserver."));
            }
            let source = if let Some(f) = &a.file {
                Some(format!("gpg --with-colons {}", quote(f)))
            } else if let Some(d) = &a.data {
                Some(format!("printf '%s' {} | gpg --with-colons -", quote(d)))
            } else {
                a.url
                    .as_ref()
                    .map(|u| format!("{} | gpg --with-colons -", download(u, a.validate_certs)))
            };
            if let Some(cmd) = source {
                let out = ctx.probe(&format!("LC_ALL=C LANG=C; export LC_ALL LANG\n{cmd}"))?;
                if out.rc != 0 {
                    let what = if a.file.is_some() && a.data.is_none() && a.url.is_none() {
                        a.file.clone().unwrap_or_default()
                    } else {
                        "inline data".into()
                    };
                    return Ok(
                        Outcome::failed(format!("Unable to extract key from '{what}'"))
                            .with("stdout", out.stdout_str())
                            .with("stderr", out.stderr_str()),
                    );
                }
                id = keys_in(&out.stdout_str()).into_iter().next();
            }
        }
        o = o.with("id", id.clone().map_or(Value::Null, Value::Str));
        let Some((short, fp, key_id)) = id.as_deref().and_then(parse_key_id) else {
            return Ok(o.failing("Invalid key_id"));
        };
        o = o
            .with("short_id", short.clone())
            .with("fp", fp.clone())
            .with("key_id", key_id.clone());
        let short_format = key_id.len() == 8;
        let list = list_command(a);
        let before = match list_keys(ctx, &list, short_format, false)? {
            Ok(k) => k,
            Err(fail) => return Ok(fail),
        };
        o = o.with("before", strings(&before));
        let has = |keys: &[String]| {
            if short_format {
                keys.contains(&short)
            } else {
                keys.contains(&fp)
            }
        };
        let ring = a
            .keyring
            .as_ref()
            .map(|k| format!("--keyring {} ", quote(k)))
            .unwrap_or_default();
        if a.present {
            if has(&before) {
                return Ok(o);
            }
            o.changed = true;
            if ctx.check_mode() {
                return Ok(o);
            }
            let (cmd, what) = if let Some(f) = &a.file {
                (
                    format!("apt-key {ring}add {}", quote(f)),
                    format!("Unable to add a key from file {f}"),
                )
            } else if let Some(ks) = &a.keyserver {
                (
                    format!(
                        "i=0; while [ $i -lt 5 ]; do apt-key {ring}adv --no-tty --keyserver {} --recv {} && exit 0; i=$((i+1)); done; exit 1",
                        quote(ks),
                        quote(&key_id)
                    ),
                    format!("Error fetching key {key_id} from keyserver: {ks}"),
                )
            } else if let Some(d) = &a.data {
                (
                    format!("printf '%s' {} | apt-key {ring}add -", quote(d)),
                    "Unable to add a key from binary data".to_owned(),
                )
            } else if let Some(u) = &a.url {
                (
                    format!("{} | apt-key {ring}add -", download(u, a.validate_certs)),
                    "Unable to add a key from binary data".to_owned(),
                )
            } else {
                return Ok(o.failing("No key to add ... how did i get here?!?!"));
            };
            let out = ctx.apply(&format!("LC_ALL=C LANG=C; export LC_ALL LANG\n{cmd}"), None)?;
            if out.rc != 0 {
                return Ok(Outcome::failed(what)
                    .with("rc", i64::from(out.rc))
                    .with("stdout", out.stdout_str())
                    .with("stderr", out.stderr_str()));
            }
            let after = match list_keys(ctx, &list, short_format, true)? {
                Ok(k) => k,
                Err(fail) => return Ok(fail),
            };
            o = o.with("after", strings(&after));
            if !has(&after) {
                return Ok(o.failing(
                    "apt-key did not return an error, but failed to add the key (check that the id is correct and *not* a subkey)",
                ));
            }
        } else if before.contains(&fp) {
            o.changed = true;
            if ctx.check_mode() {
                return Ok(o);
            }
            let out = ctx.apply(&format!("apt-key {ring}del {}", quote(&short)), None)?;
            if out.rc != 0 {
                return Ok(
                    Outcome::failed(format!("Unable to remove a key with id {short}"))
                        .with("rc", i64::from(out.rc))
                        .with("key_id", short)
                        .with("stdout", out.stdout_str())
                        .with("stderr", out.stderr_str()),
                );
            }
            let after = match list_keys(ctx, &list, short_format, true)? {
                Ok(k) => k,
                Err(fail) => return Ok(fail),
            };
            o = o.with("after", strings(&after));
            if after.contains(&fp) {
                return Ok(o.failing(
                    "apt-key did not return an error, but the key was not removed (check that the id is correct and *not* a subkey)",
                ));
            }
        }
        Ok(o)
    }
}

fn strings(v: &[String]) -> Value {
    Value::List(v.iter().map(|s| Value::Str(s.clone())).collect())
}

/// `curl` (or `wget`) writing `url` to stdout.
fn download(url: &str, validate: bool) -> String {
    let (ck, wk) = if validate {
        ("", "")
    } else {
        (" -k", " --no-check-certificate")
    };
    format!(
        "{{ if command -v curl >/dev/null; then curl -fsSL{ck} {u}; else wget -qO-{wk} {u}; fi; }}",
        u = quote(url)
    )
}

fn list_command(a: &AptKeyArgs) -> String {
    match &a.keyring {
        Some(k) => format!(
            "LC_ALL=C LANG=C apt-key --keyring {} adv --list-public-keys --keyid-format=long",
            quote(k)
        ),
        None => "LC_ALL=C LANG=C apt-key adv --list-public-keys --keyid-format=long".into(),
    }
}

/// The keyring's key ids; `after`: the listing after a change (not a
/// cacheable probe).
fn list_keys(
    ctx: &mut ModuleContext<'_>,
    cmd: &str,
    short: bool,
    after: bool,
) -> Result<Result<Vec<String>, Outcome>, ModuleError> {
    let out = if after {
        ctx.apply(cmd, None)?
    } else {
        ctx.probe(cmd)?
    };
    if out.rc != 0 {
        return Ok(Err(Outcome::failed("Unable to list public keys")
            .with("cmd", cmd.trim_start_matches("LC_ALL=C LANG=C "))
            .with("rc", i64::from(out.rc))
            .with("stdout", out.stdout_str())
            .with("stderr", out.stderr_str())));
    }
    let mut keys = keys_in(&out.stdout_str());
    if short {
        keys = keys
            .iter()
            .map(|k| k[k.len().saturating_sub(8)..].to_owned())
            .collect();
    }
    Ok(Ok(keys))
}

/// Ansible's `parse_output_for_keys`: key ids of `pub`/`sub` lines that
/// are not expired, from `KEYTYPE/ID` or colon-separated output.
fn keys_in(out: &str) -> Vec<String> {
    let mut found = Vec::new();
    for line in out.split('\n') {
        if !(line.starts_with("pub") || line.starts_with("sub")) || line.contains("expired") {
            continue;
        }
        let tokens: Vec<&str> = line.split_whitespace().collect();
        if let Some((_, code)) = tokens.get(1).and_then(|t| t.split_once('/')) {
            if !code.contains('/') {
                found.push(code.to_owned());
                continue;
            }
        }
        if let Some(code) = line.split(':').nth(4) {
            found.push(code.to_owned());
        }
    }
    found
}

/// Ansible's `parse_key_id`: (short id, fingerprint part, full id).
fn parse_key_id(id: &str) -> Option<(String, String, String)> {
    let up = id.to_uppercase();
    let key = up.strip_prefix("0X").unwrap_or(&up).to_owned();
    let hex = id.trim().trim_start_matches("0x").trim_start_matches("0X");
    if hex.is_empty() || !hex.trim().chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let n = key.len();
    if n != 8 && n != 16 && n <= 16 {
        return None;
    }
    let short = key[n - 8..].to_owned();
    let fp = if n > 16 {
        key[n - 16..].to_owned()
    } else {
        key.clone()
    };
    Some((short, fp, key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_ids_follow_ansible() {
        let (s, f, k) = parse_key_id("0x9002FFC5D3721F7C").unwrap();
        assert_eq!(
            (s.as_str(), f.as_str(), k.as_str()),
            ("D3721F7C", "9002FFC5D3721F7C", "9002FFC5D3721F7C")
        );
        assert!(parse_key_id("12345").is_none());
        assert!(parse_key_id("xyz12345").is_none());
        let out = "pub   rsa2048/9002FFC5D3721F7C 2023-11-14 [SC]\nuid x\n\
                   pub:u:2048:1:AAAABBBBCCCCDDDD:1700000000:::u:::scESC:\nsub   rsa4096/1111222233334444 2020-01-01 [E] [expired: 2021-01-01]\n";
        assert_eq!(keys_in(out), ["9002FFC5D3721F7C", "AAAABBBBCCCCDDDD"]);
    }
}
