//! `openssh_keypair` (`community.crypto.openssh_keypair`): an SSH key pair
//! made and checked with `ssh-keygen`, as the collection's `opensshbin`
//! backend does it.
//!
//! Supported: `path`, `state`, `type`, `size` (the collection's defaults
//! and limits per type), `comment`, `force`, `regenerate` (`never`,
//! `fail`, `partial_idempotence`, `full_idempotence`, `always`),
//! `backend: auto|opensshbin`, `private_key_format: auto`, `mode`,
//! `owner`, `group`. A missing or mismatched public key is rebuilt from
//! the private one (`ssh-keygen -y`), with the comment updated. Results:
//! `size`, `type`, `filename`, `fingerprint`, `public_key`, `comment`;
//! `--diff` shows the key's properties. Not implemented (the task fails
//! when run): `passphrase` and the `cryptography` backend (with its
//! `private_key_format` choices), SELinux contexts and `attributes`.

use super::args::{ArgError, ArgMap};
use super::attrs::Attrs;
use super::capture::{Records, Script};
use super::context::ModuleContext;
use super::diff::dicts;
use super::fstat::{parse_records, stat_call, StatOpts, STAT_FN};
use super::outcome::{ModuleError, Outcome};
use super::pending::Pending;
use super::Module;
use crate::shell::quote;
use crate::value::{Map, Value};

/// Arguments of `openssh_keypair`.
#[derive(Debug, Clone)]
pub struct OpensshKeypairArgs {
    path: String,
    present: bool,
    kind: String,
    size: Option<i64>,
    comment: Option<String>,
    regenerate: String,
    attrs: Attrs,
    pending: Pending,
}

/// The `openssh_keypair` module.
pub struct OpensshKeypairModule;

impl Module for OpensshKeypairModule {
    type Args = OpensshKeypairArgs;
    const PROBES: bool = true;

    fn parse(args: &mut ArgMap) -> Result<OpensshKeypairArgs, ArgError> {
        let backend = args
            .choice(&["backend"], &["auto", "cryptography", "opensshbin"])?
            .unwrap_or_else(|| "auto".into());
        let format = args
            .choice(&["private_key_format"], &["auto", "pkcs1", "pkcs8", "ssh"])?
            .unwrap_or_else(|| "auto".into());
        let force = args.bool(&["force"])?.unwrap_or(false);
        let regenerate = args
            .choice(
                &["regenerate"],
                &[
                    "never",
                    "fail",
                    "partial_idempotence",
                    "full_idempotence",
                    "always",
                ],
            )?
            .unwrap_or_else(|| "partial_idempotence".into());
        let pending = Pending::take(
            args,
            "openssh_keypair",
            &[
                "passphrase",
                "seuser",
                "serole",
                "setype",
                "selevel",
                "attributes",
            ],
        )
        .also("backend", backend == "cryptography")
        .also(
            "private_key_format",
            format != "auto" && backend != "opensshbin",
        );
        args.ignore(&["unsafe_writes"]);
        let parsed = OpensshKeypairArgs {
            path: args.required_str(&["path"])?,
            present: args.choice(&["state"], &["present", "absent"])?.as_deref() != Some("absent"),
            kind: args
                .choice(&["type"], &["rsa", "dsa", "rsa1", "ecdsa", "ed25519"])?
                .unwrap_or_else(|| "rsa".into()),
            size: args.int(&["size"])?,
            comment: args.str(&["comment"])?,
            regenerate: if force { "always".into() } else { regenerate },
            attrs: Attrs {
                mode: args.mode(&["mode"])?,
                owner: args.str(&["owner"])?,
                group: args.str(&["group"])?,
            },
            pending,
        };
        if format != "auto" && backend == "opensshbin" {
            return Err(ArgError::Invalid(
                "'auto' is the only valid option for 'private_key_format' when 'backend' is not 'cryptography'".into(),
            ));
        }
        args.finish(&[
            "path",
            "state",
            "type",
            "size",
            "comment",
            "force",
            "regenerate",
            "backend",
            "private_key_format",
            "passphrase",
            "mode",
            "owner",
            "group",
            "seuser",
            "serole",
            "setype",
            "selevel",
            "attributes",
            "unsafe_writes",
        ])?;
        Ok(parsed)
    }

    fn probes(a: &OpensshKeypairArgs) -> Vec<String> {
        vec![probe(a).text().to_owned()]
    }

    fn run(a: &OpensshKeypairArgs, ctx: &mut ModuleContext<'_>) -> Result<Outcome, ModuleError> {
        if let Some(o) = a.pending.outcome() {
            return Ok(o);
        }
        let size = match size(a) {
            Ok(s) => s,
            Err(msg) => return Ok(Outcome::fail_json(msg)),
        };
        let check = ctx.check_mode();
        let r = Records::parse(&ctx.probe(probe(a).text())?.stdout)?;
        let base = super::write::parent(&a.path).to_owned();
        if !r.succeeded("basedir") {
            return Ok(Outcome::fail_json(format!(
                "The directory {base} does not exist or the file is not a directory"
            ))
            .with("name", base.as_str()));
        }
        if r.succeeded("isdir") {
            return Ok(Outcome::fail_json(format!(
                "{} is a directory. Please specify a path to a file.",
                a.path
            )));
        }
        let priv_exists = r.succeeded("privexists");
        let orig_priv = r.out_ok("privinfo").and_then(PrivateKey::parse);
        let orig_pub = r.out_ok("pubtext").and_then(PublicKey::load);
        let mut changed = false;
        let mut s = Script::new();
        let mut after_priv = orig_priv.clone();
        let mut after_pub = orig_pub.clone();
        if a.present {
            let readable = r.get("derive").is_some_and(|c| {
                !(c.rc == 255
                    || [
                        "is not a public key file",
                        "incorrect passphrase",
                        "load failed",
                    ]
                    .iter()
                    .any(|p| c.err.contains(p)))
            });
            if priv_exists
                && ["never", "fail", "partial_idempotence"].contains(&a.regenerate.as_str())
                && (orig_priv.is_none() || !readable)
            {
                return Ok(Outcome::fail_json(
                    "Unable to read the key. The key is protected with a passphrase or broken. Will not proceed. \
                     To force regeneration, call the module with `generate` set to `full_idempotence` or `always`, \
                     or with `force=true`.",
                ));
            }
            let valid = orig_priv
                .as_ref()
                .is_some_and(|k| k.size == size && k.kind == a.kind);
            let generate = match (&orig_priv, a.regenerate.as_str()) {
                (None, _) => true,
                (_, "never") => false,
                (_, "fail") => {
                    if !valid {
                        return Ok(Outcome::fail_json(
                            "Key has wrong type and/or size. Will not proceed. To force regeneration, call the \
                             module with `generate` set to `partial_idempotence`, `full_idempotence` or `always`, \
                             or with `force=true`.",
                        ));
                    }
                    false
                }
                (_, "partial_idempotence" | "full_idempotence") => !valid,
                _ => true,
            };
            let p = quote(&a.path).into_owned();
            let pubp = quote(&format!("{}.pub", a.path)).into_owned();
            if generate {
                changed = true;
                if !check {
                    let gen = format!(
                        "_d=$(mktemp -d) && ssh-keygen -q -N '' -b {size} -t {} -f \"$_d/k\" -C {} && \
                         {{ [ ! -e {p} ] || {{ chmod --reference={p} \"$_d/k\" && chown --reference={p} \"$_d/k\"; }}; }} && \
                         {{ [ ! -e {pubp} ] || {{ chmod --reference={pubp} \"$_d/k.pub\" && chown --reference={pubp} \"$_d/k.pub\"; }}; }} && \
                         mv -f \"$_d/k\" {p} && mv -f \"$_d/k.pub\" {pubp}; _r=$?; rm -rf \"$_d\"; exit $_r",
                        quote(&a.kind),
                        quote(a.comment.as_deref().unwrap_or(""))
                    );
                    s = s.capture_or_stop("generate", &gen);
                }
            } else {
                let derived = r.out_ok("derive").map(PublicKey::from_string);
                let mut want = derived.clone();
                if let Some(w) = want.as_mut() {
                    w.comment = a.comment.clone();
                }
                let pub_valid = match (&orig_pub, &want) {
                    (Some(o), Some(w)) => o.matches(w),
                    _ => false,
                };
                if !pub_valid {
                    changed = true;
                    if !check {
                        let text = derived
                            .map(|d| format!("{} {}\n", d.kind, d.data))
                            .unwrap_or_default();
                        s = s.capture_or_stop(
                            "restore",
                            &super::write::replace_step(
                                &format!("{}.pub", a.path),
                                crate::transport::atomic::Content::Text(&text),
                                "0644",
                                false,
                                false,
                            ),
                        );
                        if let Some(c) = a.comment.as_ref().filter(|c| !c.is_empty()) {
                            s = s.capture_or_stop(
                                "comment",
                                &format!("ssh-keygen -q -c -C {} -f {p}", quote(c)),
                            );
                        }
                    }
                }
            }
            if !check && !s.is_empty() {
                let rec = Records::parse(&ctx.apply(s.text(), None)?.stdout)?;
                for tag in ["generate", "restore", "comment"] {
                    if let Some(c) = rec.get(tag).filter(|c| !c.ok()) {
                        let msg = if tag == "restore" {
                            "The public key is missing or does not match the private key. Unable to regenerate the public key.".to_owned()
                        } else {
                            c.err.trim().to_owned()
                        };
                        return Ok(Outcome::fail_json(msg));
                    }
                }
            }
            if !check {
                let r2 = Records::parse(&ctx.probe(probe(a).text())?.stdout)?;
                after_priv = r2.out_ok("privinfo").and_then(PrivateKey::parse);
                after_pub = r2.out_ok("pubtext").and_then(PublicKey::load);
            }
            // `check_file_absent_if_check_mode`: a file still missing in
            // check mode is a change.
            if check && !(priv_exists && r.succeeded("pubexists")) {
                changed = true;
            }
            match fix_attrs(a, ctx, check)? {
                Some(Ok(true)) => changed = true,
                Some(Err(e)) => return Ok(Outcome::fail_json(e)),
                _ => {}
            }
        } else if priv_exists || r.succeeded("pubexists") {
            changed = true;
            after_priv = None;
            after_pub = None;
            if !check {
                let out = ctx.apply(
                    &format!(
                        "rm -f -- {} {}",
                        quote(&a.path),
                        quote(&format!("{}.pub", a.path))
                    ),
                    None,
                )?;
                if out.rc != 0 {
                    return Ok(Outcome::fail_json(out.stderr_str().trim().to_owned()));
                }
            } else {
                after_priv = orig_priv.clone();
                after_pub = orig_pub.clone();
            }
        }
        let (pk, pb) = if a.present || check {
            (
                after_priv.clone().or(orig_priv.clone()),
                after_pub.clone().or(orig_pub.clone()),
            )
        } else {
            (orig_priv.clone(), orig_pub.clone())
        };
        let mut o = Outcome::ok()
            .with("size", Value::Int(size))
            .with("type", a.kind.as_str())
            .with("filename", a.path.as_str())
            .with(
                "fingerprint",
                pk.as_ref()
                    .map(|k| k.fingerprint.clone())
                    .unwrap_or_default(),
            )
            .with(
                "public_key",
                pb.as_ref()
                    .map(|k| format!("{} {}", k.kind, k.data))
                    .unwrap_or_default(),
            )
            .with(
                "comment",
                pb.as_ref()
                    .map(|k| k.comment.clone().map(Value::Str).unwrap_or(Value::Null))
                    .unwrap_or(Value::Str(String::new())),
            );
        o.changed = changed;
        if ctx.diff {
            let side = |k: &Option<PrivateKey>, p: &Option<PublicKey>| {
                let mut m = Map::new();
                if let Some(k) = k {
                    m.insert("size".into(), Value::Int(k.size));
                    m.insert("type".into(), Value::from(k.kind.as_str()));
                    m.insert("fingerprint".into(), Value::from(k.fingerprint.as_str()));
                    m.insert("format".into(), Value::from(""));
                }
                if let Some(p) = p {
                    m.insert(
                        "comment".into(),
                        p.comment.clone().map(Value::Str).unwrap_or(Value::Null),
                    );
                    m.insert("public_key".into(), Value::from(p.data.as_str()));
                }
                m
            };
            let before = side(&orig_priv, &orig_pub);
            let after = if check {
                before.clone()
            } else {
                side(&after_priv, &after_pub)
            };
            let d = dicts(&before, &after);
            if !d.is_empty() {
                o.diff = Some(d);
            }
        }
        Ok(o)
    }
}

/// Brings both files to the wanted mode/owner/group (check mode: only
/// compares); `None` when none is wanted, else whether something changed.
fn fix_attrs(
    a: &OpensshKeypairArgs,
    ctx: &mut ModuleContext<'_>,
    check: bool,
) -> Result<Option<Result<bool, String>>, ModuleError> {
    if a.attrs.mode.is_none() && a.attrs.owner.is_none() && a.attrs.group.is_none() {
        return Ok(None);
    }
    let pubp = format!("{}.pub", a.path);
    let mut script = String::from(STAT_FN);
    script.push_str(&stat_call(&a.path, StatOpts::default()));
    script.push_str(&stat_call(&pubp, StatOpts::default()));
    let out = ctx.probe(&script)?;
    let sts = parse_records(&out.stdout, 2)?;
    let mut cmds = Vec::new();
    for (st, path) in sts.iter().zip([&a.path, &pubp]) {
        if let Some(st) = st {
            match a.attrs.changes(path, st, false) {
                Ok(c) => cmds.extend(c),
                Err(e) => return Ok(Some(Err(e))),
            }
        }
    }
    if cmds.is_empty() {
        return Ok(Some(Ok(false)));
    }
    if check {
        return Ok(Some(Ok(true)));
    }
    let text: Vec<String> = cmds.iter().map(|c| c.as_str().to_owned()).collect();
    let out = ctx.apply(&text.join(" && "), None)?;
    if out.rc != 0 {
        return Ok(Some(Err(out.stderr_str().trim().to_owned())));
    }
    Ok(Some(Ok(true)))
}

/// `_get_size`: defaults and limits per key type.
fn size(a: &OpensshKeypairArgs) -> Result<i64, String> {
    match a.kind.as_str() {
        "rsa" | "rsa1" => {
            let s = a.size.unwrap_or(4096);
            if s < 1024 {
                return Err("For RSA keys, the minimum size is 1024 bits and the default is 4096 bits. \
                            Attempting to use bit lengths under 1024 will cause the module to fail."
                    .into());
            }
            Ok(s)
        }
        "dsa" => {
            let s = a.size.unwrap_or(1024);
            if s != 1024 {
                return Err(
                    "DSA keys must be exactly 1024 bits as specified by FIPS 186-2.".into(),
                );
            }
            Ok(s)
        }
        "ecdsa" => {
            let s = a.size.unwrap_or(256);
            if ![256, 384, 521].contains(&s) {
                return Err("For ECDSA keys, size determines the key length by selecting from one of three \
                            elliptic curve sizes: 256, 384 or 521 bits. Attempting to use bit lengths other \
                            than these three values for ECDSA keys will cause this module to fail."
                    .into());
            }
            Ok(s)
        }
        _ => Ok(256),
    }
}

fn probe(a: &OpensshKeypairArgs) -> Script {
    let p = quote(&a.path).into_owned();
    let pubp = quote(&format!("{}.pub", a.path)).into_owned();
    Script::new()
        .capture(
            "basedir",
            &format!("[ -d {} ]", quote(super::write::parent(&a.path))),
        )
        .capture("isdir", &format!("[ -d {p} ]"))
        .capture("privexists", &format!("[ -e {p} ]"))
        .capture("pubexists", &format!("[ -e {pubp} ]"))
        .capture("privinfo", &format!("[ -e {p} ] && ssh-keygen -l -f {p}"))
        .capture("pubtext", &format!("[ -e {pubp} ] && cat -- {pubp}"))
        .capture(
            "derive",
            &format!("[ -e {p} ] && ssh-keygen -P '' -y -f {p}"),
        )
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct PrivateKey {
    size: i64,
    kind: String,
    fingerprint: String,
}

impl PrivateKey {
    /// `ssh-keygen -l` output: `SIZE FINGERPRINT COMMENT (TYPE)`.
    fn parse(s: &str) -> Option<PrivateKey> {
        let f: Vec<&str> = s.split_whitespace().collect();
        let last = f.last()?;
        Some(PrivateKey {
            size: f.first()?.parse().ok()?,
            kind: last
                .trim_start_matches('(')
                .trim_end_matches(')')
                .to_lowercase(),
            fingerprint: f.get(1)?.to_string(),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct PublicKey {
    kind: String,
    data: String,
    comment: Option<String>,
}

impl PublicKey {
    /// `PublicKey.load`: the `.pub` file.
    fn load(text: &str) -> Option<PublicKey> {
        let t = text.trim_matches([' ', '\n']);
        let mut p = t.splitn(3, ' ');
        let kind = p.next()?.to_owned();
        let data = p.next()?.to_owned();
        Some(PublicKey {
            kind,
            data,
            comment: Some(p.next().unwrap_or("").to_owned()),
        })
    }

    /// `PublicKey.from_string`: `ssh-keygen -y` output.
    fn from_string(text: &str) -> PublicKey {
        let t = text.trim_matches('\n');
        let mut p = t.splitn(3, ' ');
        PublicKey {
            kind: p.next().unwrap_or("").to_owned(),
            data: p.next().unwrap_or("").to_owned(),
            comment: Some(p.next().unwrap_or("").to_owned()),
        }
    }

    /// `__eq__`: comments compared only when both are known.
    fn matches(&self, other: &PublicKey) -> bool {
        self.kind == other.kind
            && self.data == other.data
            && match (&self.comment, &other.comment) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_as_the_collection_reads_them() {
        let k = PrivateKey::parse("256 SHA256:abc twin key (ED25519)\n").unwrap();
        assert_eq!(
            (k.size, k.kind.as_str(), k.fingerprint.as_str()),
            (256, "ed25519", "SHA256:abc")
        );
        let p = PublicKey::load("ssh-ed25519 AAAA twin key\n").unwrap();
        assert_eq!(p.comment.as_deref(), Some("twin key"));
        let mut w = PublicKey::from_string("ssh-ed25519 AAAA\n");
        w.comment = None;
        assert!(p.matches(&w));
    }
}
