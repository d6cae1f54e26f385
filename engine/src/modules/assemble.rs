//! `assemble`: one file from the fragments in a directory on the host.
//!
//! Supported: `src`, `dest`, `delimiter` (Python escapes decoded, a
//! newline added after it), `regexp` (Python `re.search` on the names),
//! `ignore_hidden`, `backup`, `validate` (`%s` is a scratch copy on the
//! host), `mode`, `owner`, `group`, `remote_src: true`, `decrypt` and
//! `unsafe_writes` (no effect here, as in the module). One probe reads the
//! fragments (sorted by name, regular files only) and the destination's
//! checksum; the file is assembled in Rust and written only when its SHA-1
//! differs. Results: `src`, `dest`, `checksum`, `md5sum`, `msg`,
//! `backup_file`, `validation`, and the destination's path keys.
//! Not implemented (the task fails when run): `remote_src: false`
//! (fragments from the controller), SELinux contexts and `attributes`.

use super::args::{ArgError, ArgMap};
use super::attrs::{apply_attrs, Attrs};
use super::context::ModuleContext;
use super::fstat::{parse_records_rest, stat_call, Checksum, StatOpts, STAT_FN};
use super::outcome::{ModuleError, Outcome};
use super::pathinfo::{backup_local_cmd, insert_path_info};
use super::pending::Pending;
use super::write::{write_file, WriteSpec};
use super::Module;
use crate::shell::quote;
use crate::value::{Map, Value};
use base64::Engine as _;
use md5::Md5;
use sha1::{Digest, Sha1};

/// Arguments of `assemble`.
#[derive(Debug, Clone)]
pub struct AssembleArgs {
    src: String,
    dest: String,
    delimiter: Option<String>,
    regexp: Option<String>,
    ignore_hidden: bool,
    backup: bool,
    validate: Option<String>,
    attrs: Attrs,
    pending: Pending,
}

/// The `assemble` module.
pub struct AssembleModule;

impl Module for AssembleModule {
    type Args = AssembleArgs;
    const PROBES: bool = true;

    fn parse(args: &mut ArgMap) -> Result<AssembleArgs, ArgError> {
        let remote_src = args.bool(&["remote_src"])?.unwrap_or(true);
        args.ignore(&["decrypt", "unsafe_writes"]);
        let pending = Pending::take(
            args,
            "assemble",
            &["seuser", "serole", "setype", "selevel", "attributes"],
        )
        .also("remote_src", !remote_src);
        let parsed = AssembleArgs {
            src: args.required_str(&["src"])?,
            dest: args.required_str(&["dest"])?,
            delimiter: args.str(&["delimiter"])?,
            regexp: args.str(&["regexp"])?,
            ignore_hidden: args.bool(&["ignore_hidden"])?.unwrap_or(false),
            backup: args.bool(&["backup"])?.unwrap_or(false),
            validate: args.str(&["validate"])?,
            attrs: Attrs {
                mode: args.mode(&["mode"])?,
                owner: args.str(&["owner"])?,
                group: args.str(&["group"])?,
            },
            pending,
        };
        args.finish(&[
            "src",
            "dest",
            "delimiter",
            "regexp",
            "ignore_hidden",
            "backup",
            "validate",
            "remote_src",
            "decrypt",
            "mode",
            "owner",
            "group",
            "unsafe_writes",
            "seuser",
            "serole",
            "setype",
            "selevel",
            "attributes",
        ])?;
        Ok(parsed)
    }

    fn probes(a: &AssembleArgs) -> Vec<String> {
        vec![probe(a)]
    }

    fn run(a: &AssembleArgs, ctx: &mut ModuleContext<'_>) -> Result<Outcome, ModuleError> {
        if let Some(o) = a.pending.outcome() {
            return Ok(o);
        }
        let out = ctx.probe(&probe(a))?;
        let (recs, rest) = parse_records_rest(&out.stdout, 1)?;
        let dest_st = recs.into_iter().next().flatten();
        let mut fields = rest.split(|b| *b == 0);
        match fields.next() {
            Some(b"missing") => {
                return Ok(Outcome::fail_json(format!(
                    "Source ({}) does not exist",
                    a.src
                )))
            }
            Some(b"notdir") => {
                return Ok(Outcome::fail_json(format!(
                    "Source ({}) is not a directory",
                    a.src
                )))
            }
            _ => {}
        }
        let re = match &a.regexp {
            Some(r) => match crate::pyre::compile(r, crate::pyre::Flags::NONE) {
                Ok(re) => Some(re),
                Err(e) => {
                    return Ok(Outcome::fail_json(format!(
                        "Invalid Regexp ({}) in \"{r}\"",
                        e.reason
                    )))
                }
            },
            None => None,
        };
        if let Some(v) = a.validate.as_ref().filter(|v| !v.contains("%s")) {
            return Ok(Outcome::fail_json(format!("validate must contain %s: {v}")));
        }
        let mut frags: Vec<(String, bool, Vec<u8>)> = Vec::new();
        while let Some(name) = fields.next().filter(|n| !n.is_empty()) {
            let kind = fields.next().unwrap_or(b"o");
            let body = fields.next().unwrap_or(b"");
            let content = base64::engine::general_purpose::STANDARD
                .decode(body)
                .map_err(|e| ModuleError::Probe(format!("fragment is not base64: {e}")))?;
            frags.push((
                String::from_utf8_lossy(name).into_owned(),
                kind == b"f",
                content,
            ));
        }
        frags.sort_by(|x, y| x.0.cmp(&y.0));
        let text = assemble(&frags, a, re.as_ref());
        let checksum = hex::encode(Sha1::digest(&text));
        let md5 = hex::encode(Md5::digest(&text));
        let mut o = Outcome::ok()
            .with("src", a.src.as_str())
            .with("dest", a.dest.as_str())
            .with("checksum", checksum.as_str())
            .with("md5sum", md5);
        let dest_sum = dest_st.as_ref().and_then(|s| s.checksum.clone());
        let mut after = dest_st.clone();
        if dest_sum.as_deref() != Some(checksum.as_str()) {
            if let Some(v) = &a.validate {
                let (rc, so, se) = validate(ctx, v, &text)?;
                if rc != 0 {
                    return Ok(Outcome::fail_json(format!(
                        "failed to validate: rc:{rc} error:{se}"
                    )));
                }
                let mut m = Map::new();
                m.insert("rc".into(), Value::Int(rc.into()));
                m.insert("stdout".into(), Value::Str(so));
                m.insert("stderr".into(), Value::Str(se));
                o = o.with("validation", Value::Map(m));
            }
            o.changed = true;
            if ctx.check_mode() {
                // `backup_local` names the backup in check mode too.
                if a.backup && dest_st.is_some() {
                    let out = ctx.probe(&backup_local_cmd(&a.dest, true))?;
                    o = o.with("backup_file", out.stdout_str());
                }
            } else {
                let spec = WriteSpec {
                    dest: &a.dest,
                    attrs: &a.attrs,
                    backup: a.backup,
                    stat: StatOpts::default(),
                    source: None,
                    mkdir: false,
                    follow: false,
                    // Validated above on a scratch copy.
                    validate: None,
                };
                match write_file(ctx, &text, &spec, dest_st.as_ref())? {
                    Ok((st, backup)) => {
                        if let Some(b) = backup {
                            o = o.with("backup_file", b);
                        }
                        after = Some(st);
                    }
                    Err(f) => return Ok(f.fail()),
                }
            }
        } else if let Some(st) = &dest_st {
            let cmds = match a.attrs.changes(&a.dest, st, false) {
                Ok(c) => c,
                Err(e) => return Ok(Outcome::fail_json(e)),
            };
            if !cmds.is_empty() {
                o.changed = true;
                if !ctx.check_mode() {
                    match apply_attrs(ctx, &a.dest, cmds, StatOpts::default())? {
                        Ok(st) => after = Some(st),
                        Err(e) => return Ok(Outcome::fail_json(e)),
                    }
                }
            }
        }
        o = o.with("msg", "OK");
        insert_path_info(&mut o.result, after.as_ref());
        Ok(o)
    }
}

/// The destination's record (with its SHA-1), then `missing`/`notdir`/
/// `ok` and one `name\0kind\0base64\0` triple per directory entry.
fn probe(a: &AssembleArgs) -> String {
    let opts = StatOpts {
        follow: true,
        checksum: Some(Checksum::Sha1),
        content: false,
    };
    format!(
        "{STAT_FN}{}s={}\n\
         if [ ! -e \"$s\" ]; then printf 'missing\\0'; exit 0; fi\n\
         if [ ! -d \"$s\" ]; then printf 'notdir\\0'; exit 0; fi\n\
         printf 'ok\\0'; cd -- \"$s\" || exit 1\n\
         for f in * .[!.]* ..?*; do [ -e \"$f\" ] || [ -L \"$f\" ] || continue\n\
         printf '%s\\0' \"$f\"\n\
         if [ -f \"$f\" ]; then printf 'f\\0'; base64 < \"$f\" | tr -d '\\n'; else printf 'o\\0'; fi\n\
         printf '\\0'; done\n",
        stat_call(&a.dest, opts),
        quote(&a.src)
    )
}

/// `assemble_from_fragments`.
fn assemble(
    frags: &[(String, bool, Vec<u8>)],
    a: &AssembleArgs,
    re: Option<&fancy_regex::Regex>,
) -> Vec<u8> {
    let mut out = Vec::new();
    let mut delimit = false;
    let mut add_newline = false;
    let delimiter = a.delimiter.as_deref().map(escape_decode);
    for (name, is_file, content) in frags {
        if re.is_some_and(|re| !re.is_match(name).unwrap_or(false)) {
            continue;
        }
        if !is_file || (a.ignore_hidden && name.starts_with('.')) {
            continue;
        }
        if add_newline {
            out.push(b'\n');
        }
        if delimit {
            if let Some(d) = delimiter.as_ref().filter(|d| !d.is_empty()) {
                out.extend_from_slice(d);
                if d.last() != Some(&b'\n') {
                    out.push(b'\n');
                }
            }
        }
        out.extend_from_slice(content);
        delimit = true;
        add_newline = !content.ends_with(b"\n");
    }
    out
}

/// Python's `codecs.escape_decode`: backslash escapes in a byte string.
fn escape_decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' || i + 1 >= b.len() {
            out.push(b[i]);
            i += 1;
            continue;
        }
        let c = b[i + 1];
        i += 2;
        match c {
            b'\n' => {}
            b'\\' => out.push(b'\\'),
            b'\'' => out.push(b'\''),
            b'"' => out.push(b'"'),
            b'a' => out.push(7),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(11),
            b'0'..=b'7' => {
                let mut v = u32::from(c - b'0');
                let mut n = 1;
                while n < 3 && i < b.len() && (b'0'..=b'7').contains(&b[i]) {
                    v = v * 8 + u32::from(b[i] - b'0');
                    i += 1;
                    n += 1;
                }
                out.push((v & 0xff) as u8);
            }
            b'x' => {
                let hex = s.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(v) => {
                        out.push(v);
                        i += 2;
                    }
                    None => {
                        out.extend_from_slice(b"\\x");
                    }
                }
            }
            other => {
                out.push(b'\\');
                out.push(other);
            }
        }
    }
    out
}

/// Runs `validate` with `%s` replaced by a scratch copy of `text` on the
/// host (removed afterwards): rc, stdout, stderr. Not read-only (the
/// command is the user's), so it runs as a change.
fn validate(
    ctx: &mut ModuleContext<'_>,
    v: &str,
    text: &[u8],
) -> Result<(i32, String, String), ModuleError> {
    let script = format!(
        "_v=$(mktemp) || exit 97; trap 'rm -f \"$_v\"' EXIT; cat > \"$_v\"; set -- \"$_v\"; {}",
        v.replace("%s", "\"$1\"")
    );
    let out = ctx.apply(&script, Some(text))?;
    Ok((out.rc, out.stdout_str(), out.stderr_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(delimiter: Option<&str>) -> AssembleArgs {
        AssembleArgs {
            src: "/s".into(),
            dest: "/d".into(),
            delimiter: delimiter.map(Into::into),
            regexp: None,
            ignore_hidden: true,
            backup: false,
            validate: None,
            attrs: Attrs::default(),
            pending: Pending::default(),
        }
    }

    #[test]
    fn fragments_join_with_newlines_and_delimiters() {
        let f = |n: &str, c: &str| (n.to_owned(), true, c.as_bytes().to_vec());
        let frags = vec![
            f("a", "one"),
            f("b", "two\n"),
            f(".h", "hidden\n"),
            f("c", "three"),
        ];
        assert_eq!(assemble(&frags, &args(None), None), b"one\ntwo\nthree");
        assert_eq!(
            assemble(&frags, &args(Some("## \\x41")), None),
            b"one\n## A\ntwo\n## A\nthree"
        );
        assert_eq!(escape_decode("a\\tb\\101\\\\"), b"a\tbA\\");
    }
}
