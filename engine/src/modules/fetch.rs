//! `fetch`: a file from the host to the controller, as Ansible's action
//! plugin does it.
//!
//! Supported: `src`, `dest` (relative to the playbook directory), `flat`,
//! `fail_on_missing`, `validate_checksum`. Without `flat` the file lands
//! in `DEST/INVENTORY_HOSTNAME/SRC`. The host's SHA-1 is compared with the
//! local copy's first; the file is read only when they differ. As in
//! Ansible, check mode skips the task. Results: `changed`, `dest`,
//! `checksum`, `md5sum`, `remote_checksum`, `remote_md5sum`, `file`.

use super::args::{ArgError, ArgMap};
use super::context::ModuleContext;
use super::fstat::{parse_records, stat_call, Checksum, FileKind, StatOpts, STAT_FN};
use super::outcome::{ModuleError, Outcome};
use super::Module;
use crate::value::Value;
use md5::Md5;
use sha1::{Digest, Sha1};
use std::path::{Component, Path, PathBuf};

/// Arguments of `fetch`.
#[derive(Debug, Clone)]
pub struct FetchArgs {
    src: Option<String>,
    dest: Option<String>,
    flat: bool,
    fail_on_missing: bool,
    validate_checksum: bool,
}

/// The `fetch` action.
pub struct FetchModule;

impl Module for FetchModule {
    type Args = FetchArgs;
    const PROBES: bool = true;

    fn parse(args: &mut ArgMap) -> Result<FetchArgs, ArgError> {
        let parsed = FetchArgs {
            src: args.str(&["src"])?,
            dest: args.str(&["dest"])?,
            flat: args.bool(&["flat"])?.unwrap_or(false),
            fail_on_missing: args.bool(&["fail_on_missing"])?.unwrap_or(true),
            validate_checksum: args.bool(&["validate_checksum"])?.unwrap_or(true),
        };
        args.finish(&[
            "src",
            "dest",
            "flat",
            "fail_on_missing",
            "validate_checksum",
        ])?;
        Ok(parsed)
    }

    fn probes(a: &FetchArgs) -> Vec<String> {
        a.src.as_deref().map(probe).into_iter().collect()
    }

    fn run(a: &FetchArgs, ctx: &mut ModuleContext<'_>) -> Result<Outcome, ModuleError> {
        if ctx.check_mode() {
            let mut o = Outcome::ok().with("msg", "check mode not (yet) supported for this module");
            o.skipped = true;
            return Ok(o);
        }
        let (Some(src), Some(dest)) = (&a.src, &a.dest) else {
            return Ok(Outcome::failed("src and dest are required"));
        };
        let out = ctx.probe(&probe(src))?;
        let text = out.stdout_str();
        let (expanded, rest) = text.split_once('\0').unwrap_or(("", ""));
        let source = expanded.to_owned();
        let st = parse_records(rest.as_bytes(), 1)?.pop().flatten();
        let mut remote_checksum = match &st {
            None => "1".to_owned(),
            Some(s) if s.kind() == FileKind::Directory => {
                // Measured: ansible-core 2.19 reaches the slurp fallback here.
                let msg = "remote file is a directory, fetch cannot work on directories";
                return Ok(if a.fail_on_missing {
                    Outcome::fail_json(msg)
                } else {
                    Outcome::ok().with("file", source.as_str()).with("msg", msg)
                });
            }
            Some(s) => s.checksum.clone().unwrap_or_default(),
        };
        let mut data = None;
        if remote_checksum == "1" || remote_checksum.is_empty() {
            // Ansible falls back to slurp: a missing or unreadable file.
            if st.is_none() {
                let msg = "the remote file does not exist, not transferring, ignored";
                let mut o = Outcome::ok().with("file", source.as_str());
                if a.fail_on_missing {
                    o = Outcome::fail_json(msg);
                } else {
                    o = o.with("msg", msg);
                }
                return Ok(o);
            }
            match ctx.remote.fetch(&source) {
                Ok(d) => {
                    remote_checksum = hex::encode(Sha1::digest(&d));
                    data = Some(d);
                }
                Err(e) => {
                    let msg = format!("File is not readable: {source} ({e})");
                    return Ok(if a.fail_on_missing {
                        Outcome::fail_json(msg)
                    } else {
                        Outcome::ok().with("file", source.as_str()).with("msg", msg)
                    });
                }
            }
        }
        let base = playbook_dir(ctx);
        let local = if a.flat {
            let mut d = dest.clone();
            if Path::new(&d).is_dir() && !d.ends_with('/') {
                return Ok(Outcome::failed(
                    "dest is an existing directory, use a trailing slash if you want to fetch src into that directory",
                ));
            }
            if d.ends_with('/') {
                let name = Path::new(&source)
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                d.push_str(&name);
                if Path::new(&d).is_dir() {
                    return Ok(Outcome::failed(format!(
                        "calculated dest '{d}' is an existing directory, use another path that does not point to an existing directory"
                    )));
                }
            }
            if d.starts_with('/') {
                PathBuf::from(d)
            } else {
                base.join(d)
            }
        } else {
            let d = if dest.starts_with('/') {
                PathBuf::from(dest)
            } else {
                base.join(dest)
            };
            PathBuf::from(format!("{}/{}/{}", d.display(), ctx.host, source))
        };
        let local = normpath(&local);
        let local_sum = std::fs::read(&local)
            .ok()
            .map(|b| (hex::encode(Sha1::digest(&b)), hex::encode(Md5::digest(&b))));
        let dest_s = local.display().to_string();
        if local_sum.as_ref().map(|(s, _)| s.as_str()) == Some(remote_checksum.as_str()) {
            let (sum, md5) = local_sum.unwrap_or_default();
            return Ok(Outcome::ok()
                .with("md5sum", md5)
                .with("file", source.as_str())
                .with("dest", dest_s)
                .with("checksum", sum));
        }
        let data = match data {
            Some(d) => d,
            None => ctx.remote.fetch(&source)?,
        };
        if let Some(parent) = local.parent() {
            std::fs::create_dir_all(parent).map_err(|e| ModuleError::LocalFile {
                path: parent.display().to_string(),
                message: e.to_string(),
            })?;
        }
        std::fs::write(&local, &data).map_err(|e| ModuleError::LocalFile {
            path: dest_s.clone(),
            message: format!("Failed to fetch the file: {e}"),
        })?;
        let new_sum = hex::encode(Sha1::digest(&data));
        let new_md5 = hex::encode(Md5::digest(&data));
        if a.validate_checksum && new_sum != remote_checksum {
            return Ok(Outcome::failed("checksum mismatch")
                .with("md5sum", new_md5)
                .with("file", source.as_str())
                .with("dest", dest_s)
                .with("remote_md5sum", Value::Null)
                .with("checksum", new_sum)
                .with("remote_checksum", remote_checksum));
        }
        let mut o = Outcome::changed()
            .with("md5sum", new_md5)
            .with("dest", dest_s)
            .with("remote_md5sum", Value::Null)
            .with("checksum", new_sum)
            .with("remote_checksum", remote_checksum);
        o.changed = true;
        Ok(o)
    }
}

/// The source with `~` expanded (NUL-terminated), then its record (SHA-1,
/// symlinks followed).
fn probe(src: &str) -> String {
    let expand = if src == "~" || src.starts_with("~/") {
        format!("_p=\"$HOME\"{}", crate::shell::quote(&src[1..]))
    } else {
        format!("_p={}", crate::shell::quote(src))
    };
    let opts = StatOpts {
        follow: true,
        checksum: Some(Checksum::Sha1),
        content: false,
    };
    format!(
        "{STAT_FN}{expand}\nprintf '%s\\0' \"$_p\"\n{}",
        stat_call("$_p", opts).replace("'$_p'", "\"$_p\"")
    )
}

/// `playbook_dir` of the play (where Ansible's `path_dwim` starts).
fn playbook_dir(ctx: &ModuleContext<'_>) -> PathBuf {
    let dir = ctx
        .vars
        .raw("playbook_dir")
        .and_then(Value::as_str)
        .map(PathBuf::from)
        .unwrap_or_default();
    if dir.is_absolute() {
        return dir;
    }
    std::env::current_dir().map(|c| c.join(&dir)).unwrap_or(dir)
}

/// `os.path.normpath`.
fn normpath(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}
