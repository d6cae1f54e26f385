//! `unarchive`: unpack a tar (plain, gz, bz2, xz) or zip archive into a
//! directory, only when its contents differ from what is there.
//!
//! Supported: `src` (a controller file, uploaded first; or a host path
//! with `remote_src`), `dest` (must exist), `remote_src`, `creates`,
//! `extra_opts` (passed to GNU tar as-is, e.g. `--strip-components=2`),
//! `include`, `exclude`, `mode`/`owner`/`group` are rejected for now,
//! `keep_newer`, `list_files`. Like Ansible, a tar archive is compared
//! with `tar --diff` (same options): no difference, no change. A zip is
//! compared by listing its members and their sizes. Unchanged: one
//! command (for a controller `src`, plus the upload).

use super::args::{ArgError, ArgMap};
use super::context::ModuleContext;
use super::fstat::{parse_records_rest, stat_script, StatOpts};
use super::outcome::{ModuleError, Outcome};
use super::Module;
use crate::shell::quote;
use crate::value::Value;

/// Arguments of `unarchive`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnarchiveArgs {
    /// The archive.
    pub src: String,
    /// Target directory.
    pub dest: String,
    /// `src` is already on the host.
    pub remote_src: bool,
    /// Skip when this path exists.
    pub creates: Option<String>,
    /// Extra tar options.
    pub extra_opts: Vec<String>,
    /// Members to extract.
    pub include: Vec<String>,
    /// Members to leave out.
    pub exclude: Vec<String>,
    /// Do not replace newer files.
    pub keep_newer: bool,
    /// Report the member list.
    pub list_files: bool,
}

/// The `unarchive` module.
pub struct UnarchiveModule;

impl Module for UnarchiveModule {
    type Args = UnarchiveArgs;
    const PROBES: bool = true;

    fn parse(args: &mut ArgMap) -> Result<UnarchiveArgs, ArgError> {
        let parsed = UnarchiveArgs {
            src: args.required_str(&["src"])?,
            dest: args.required_str(&["dest"])?,
            remote_src: args.bool(&["remote_src"])?.unwrap_or(false),
            creates: args.str(&["creates"])?,
            extra_opts: args.list(&["extra_opts"])?.unwrap_or_default(),
            include: args.list(&["include"])?.unwrap_or_default(),
            exclude: args.list(&["exclude"])?.unwrap_or_default(),
            keep_newer: args.bool(&["keep_newer"])?.unwrap_or(false),
            list_files: args.bool(&["list_files"])?.unwrap_or(false),
        };
        if args.bool(&["copy"])? == Some(false) {
            return Err(ArgError::Invalid(
                "`copy: no` is `remote_src: yes` now".into(),
            ));
        }
        args.ignore(&["validate_certs", "decrypt", "io_buffer_size"]);
        args.finish(&[
            "src",
            "dest",
            "remote_src",
            "creates",
            "extra_opts",
            "include",
            "exclude",
            "keep_newer",
            "list_files",
        ])?;
        Ok(parsed)
    }

    fn probes(a: &UnarchiveArgs) -> Vec<String> {
        // A controller-side archive is uploaded first: its probe names the
        // upload, so only a host-side archive can be probed ahead.
        if a.remote_src {
            vec![probe(a, &a.src, Kind::of(&a.src))]
        } else {
            Vec::new()
        }
    }

    fn run(a: &UnarchiveArgs, ctx: &mut ModuleContext<'_>) -> Result<Outcome, ModuleError> {
        let mut o = Outcome::ok();
        o.result.insert("dest".into(), Value::Str(a.dest.clone()));
        o.result.insert("src".into(), Value::Str(a.src.clone()));
        let src = if a.remote_src {
            a.src.clone()
        } else {
            let local = ctx.find_local(&a.src)?;
            let data = std::fs::read(&local).map_err(|e| ModuleError::LocalFile {
                path: local.display().to_string(),
                message: e.to_string(),
            })?;
            let name = local
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let remote = format!("/tmp/.konvoy-unarchive-{}-{}", std::process::id(), name);
            ctx.put(&data, &remote, Some(0o600))?;
            remote
        };
        let kind = Kind::of(&a.src);
        let out = ctx.probe(&probe(a, &src, kind))?;
        // The destination's record first, then `status=` lines.
        let (recs, rest) = parse_records_rest(&out.stdout, 1)?;
        if let Some(st) = recs.into_iter().next().flatten() {
            st.insert_attrs(&mut o.result);
        }
        o.result
            .insert("handler".into(), Value::Str(kind.handler().into()));
        o.result
            .insert("state".into(), Value::Str("directory".into()));
        let text = String::from_utf8_lossy(rest).into_owned();
        let status = text
            .lines()
            .find_map(|l| l.strip_prefix("status="))
            .unwrap_or("")
            .to_owned();
        let cleanup = |ctx: &mut ModuleContext<'_>| -> Result<(), ModuleError> {
            if !a.remote_src {
                ctx.apply(&format!("rm -f {}", quote(&src)), None)?;
            }
            Ok(())
        };
        match status.as_str() {
            "creates" => {
                cleanup(ctx)?;
                return Ok(o.with(
                    "msg",
                    format!(
                        "skipped, since {} exists",
                        a.creates.as_deref().unwrap_or("")
                    ),
                ));
            }
            "nodest" => {
                cleanup(ctx)?;
                return Ok(o.failing(format!("dest '{}' must be an existing dir", a.dest)));
            }
            "nosrc" => return Ok(o.failing(format!("Source '{}' does not exist", a.src))),
            "nohandler" => {
                cleanup(ctx)?;
                return Ok(o.failing(no_handler(&src)));
            }
            "same" => {
                cleanup(ctx)?;
                return Ok(o);
            }
            _ => {}
        }
        o.changed = true;
        if ctx.check_mode() {
            cleanup(ctx)?;
            return Ok(o);
        }
        let r = ctx.apply(&extract(a, &src, kind), None)?;
        cleanup(ctx)?;
        if r.rc != 0 {
            return Ok(o.failing(format!(
                "Failed to unpack {} into {}: {}",
                a.src,
                a.dest,
                r.stderr_str().trim()
            )));
        }
        if a.list_files {
            let files: Vec<Value> = r
                .stdout_str()
                .lines()
                .map(|l| Value::Str(l.to_owned()))
                .collect();
            o.result.insert("files".into(), Value::List(files));
        }
        Ok(o)
    }
}

/// Archive formats, by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Tar(&'static str),
    Zip,
}

impl Kind {
    /// The handler name Ansible reports.
    fn handler(self) -> &'static str {
        match self {
            Kind::Zip => "ZipArchive",
            Kind::Tar("-z") => "TgzArchive",
            Kind::Tar("-j") => "TarBzipArchive",
            Kind::Tar("-J") => "TarXzArchive",
            Kind::Tar(_) => "TarArchive",
        }
    }

    fn of(src: &str) -> Kind {
        let s = src.to_ascii_lowercase();
        if s.ends_with(".zip") {
            Kind::Zip
        } else if s.ends_with(".tar.gz") || s.ends_with(".tgz") {
            Kind::Tar("-z")
        } else if s.ends_with(".tar.bz2") || s.ends_with(".tbz2") {
            Kind::Tar("-j")
        } else if s.ends_with(".tar.xz") || s.ends_with(".txz") {
            Kind::Tar("-J")
        } else {
            Kind::Tar("")
        }
    }
}

/// ansible-core's message when no handler can unpack a zip `src` (the
/// path on the host): it lists every handler's reason, in no fixed
/// order; the zip handler's is the one that names the missing command.
fn no_handler(src: &str) -> String {
    format!(
        "Failed to find handler for \"{src}\". Make sure the required command to extract \
         the file is installed.\nUnable to find required 'unzip' or 'zipinfo' binary in the path."
    )
}

/// The tar options every call shares: compression, extra_opts, members.
fn tar_opts(a: &UnarchiveArgs, kind: Kind) -> String {
    let mut s = String::new();
    if let Kind::Tar(z) = kind {
        s.push_str(z);
    }
    for o in &a.extra_opts {
        s.push(' ');
        s.push_str(&quote(o));
    }
    for e in &a.exclude {
        s.push_str(" --exclude=");
        s.push_str(&quote(e));
    }
    s
}

fn members(a: &UnarchiveArgs) -> String {
    a.include.iter().map(|m| format!(" {}", quote(m))).collect()
}

/// One probe: `creates`, dest and src checks, then the content diff.
fn probe(a: &UnarchiveArgs, src: &str, kind: Kind) -> String {
    let mut s = stat_script(&[(
        &a.dest,
        StatOpts {
            follow: true,
            ..StatOpts::default()
        },
    )]);
    if let Some(c) = &a.creates {
        s.push_str(&format!(
            "if [ -e {} ]; then echo status=creates; exit 0; fi\n",
            quote(c)
        ));
    }
    s.push_str(&format!(
        "[ -d {d} ] || {{ echo status=nodest; exit 0; }}\n[ -f {s} ] || {{ echo status=nosrc; exit 0; }}\n",
        d = quote(&a.dest),
        s = quote(src)
    ));
    if kind == Kind::Zip {
        // The zip handlers need `unzip` (its `-Z` lists the members).
        s.push_str("command -v unzip >/dev/null 2>&1 || { echo status=nohandler; exit 0; }\n");
    }
    match kind {
        Kind::Tar(_) => s.push_str(&format!(
            "if tar -C {d} -d {o} -f {s}{m} >/dev/null 2>&1; then echo status=same; else echo status=differs; fi\n",
            d = quote(&a.dest),
            o = tar_opts(a, kind),
            s = quote(src),
            m = members(a),
        )),
        Kind::Zip => s.push_str(&format!(
            "cd {d} || exit 1\nok=1\nunzip -Z -l {s} 2>/dev/null | awk 'NF>=10 && $1 ~ /^-/ {{print $4\" \"$10}}' | \
             while read -r size name; do [ -f \"$name\" ] && [ \"$(wc -c < \"$name\")\" = \"$size\" ] || {{ echo status=differs; exit 1; }}; done \
             && echo status=same || true\n",
            d = quote(&a.dest),
            s = quote(src)
        )),
    }
    s
}

/// tar options that only select or rename members (or say how to treat
/// directories already there, which [`staged`] honours): with any other,
/// tar must see the destination itself, so it extracts in place.
const STAGEABLE: &[&str] = &[
    "--strip-components=",
    "--wildcards",
    "--no-wildcards",
    "--wildcards-match-slash",
    "--anchored",
    "--no-anchored",
    "--ignore-case",
    "--exclude=",
    "--no-overwrite-dir",
    "--no-same-owner",
    "--same-owner",
    "--numeric-owner",
    "--no-same-permissions",
    "--same-permissions",
    "--preserve-permissions",
    "--transform=",
    "--xform=",
    "-z",
    "-j",
    "-J",
    "--gzip",
    "--bzip2",
    "--xz",
];

/// Whether a tar archive is extracted through a staging directory.
fn stageable(a: &UnarchiveArgs) -> bool {
    a.extra_opts.iter().all(|o| {
        !o.starts_with('-')
            || STAGEABLE
                .iter()
                .any(|s| o == s || (s.ends_with('=') && o.starts_with(s)))
    })
}

/// A tar extraction that never leaves a member half-written at its
/// destination: tar unpacks into a staging directory inside `dest` (same
/// filesystem), then the missing directories are made (with the
/// archive's mode and owner; existing ones get them too unless
/// `--no-overwrite-dir`) and every other member is renamed into place,
/// one `rename(2)` each (a newer file stays with `keep_newer`). A killed
/// run leaves whole old or whole new files, and a staging directory that
/// the next extraction into `dest` removes: a live one is locked
/// (`flock` on its `.konvoy-lock`), so only dead ones go (without
/// `flock(1)`, those an hour old).
/// Existing symbolic links to directories are followed (tar's
/// `--keep-directory-symlink`).
fn staged(a: &UnarchiveArgs, src: &str, kind: Kind) -> String {
    let keep_dirs = a.extra_opts.iter().any(|o| o == "--no-overwrite-dir");
    format!(
        "konvoy_d={d}\n\
         for konvoy_f in \"$konvoy_d\"/.konvoy-tmp.*.d; do [ -d \"$konvoy_f\" ] || continue; \
         if command -v flock >/dev/null 2>&1 && [ -f \"$konvoy_f/.konvoy-lock\" ]; then \
         flock -n \"$konvoy_f/.konvoy-lock\" rm -rf -- \"$konvoy_f\"; \
         else find \"$konvoy_f\" -prune -mmin +60 -exec rm -rf -- {{}} \\; ; fi; done\n\
         konvoy_x=\"$konvoy_d\"/{x}\n\
         trap 'rm -rf -- \"$konvoy_x\"' EXIT\ntrap '' PIPE HUP\n\
         mkdir -m 700 -- \"$konvoy_x\" && exec 9>\"$konvoy_x/.konvoy-lock\" || exit 1\n\
         if command -v flock >/dev/null 2>&1; then flock -n 9; fi\n\
         tar -C \"$konvoy_x\" -x{v} {o} -f {s}{m} || exit $?\n\
         cd \"$konvoy_x\" || exit 1\n\
         find . -mindepth 1 -type d -exec sh -c 'd=$0; k=$1; shift; for p; do \
         if [ -d \"$d/$p\" ]; then [ \"$k\" = keep ] && continue; else mkdir -- \"$d/$p\" || exit 1; fi; \
         chmod --reference=\"$p\" -- \"$d/$p\" || exit 1; chown --reference=\"$p\" -- \"$d/$p\" 2>/dev/null; \
         done' \"$konvoy_d\" {k} {{}} + || exit 1\n\
         find . -mindepth 1 ! -type d ! -path ./.konvoy-lock -exec sh -c 'd=$0; n=$1; shift; for p; do \
         if [ \"$n\" = newer ] && [ \"$d/$p\" -nt \"$p\" ]; then continue; fi; \
         mv -fT -- \"$p\" \"$d/$p\" || exit 1; done' \"$konvoy_d\" {n} {{}} + || exit 1\n\
         sync\n",
        d = quote(&a.dest),
        x = quote(&format!("{}.d", crate::transport::atomic::temp_name())),
        v = if a.list_files { "v" } else { "" },
        o = tar_opts(a, kind),
        s = quote(src),
        m = members(a),
        k = if keep_dirs { "keep" } else { "set" },
        n = if a.keep_newer { "newer" } else { "all" },
    )
}

fn extract(a: &UnarchiveArgs, src: &str, kind: Kind) -> String {
    match kind {
        Kind::Tar(_) if stageable(a) => staged(a, src, kind),
        Kind::Tar(_) => format!(
            "tar -C {d} -x{v} {o}{k} -f {s}{m}\n",
            d = quote(&a.dest),
            v = if a.list_files { "v" } else { "" },
            o = tar_opts(a, kind),
            k = if a.keep_newer {
                " --keep-newer-files"
            } else {
                ""
            },
            s = quote(src),
            m = members(a),
        ),
        Kind::Zip => format!(
            "unzip -o{q} {s} -d {d}{m}\n",
            q = if a.list_files { "" } else { "q" },
            s = quote(src),
            d = quote(&a.dest),
            m = members(a),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(extra: &[&str]) -> UnarchiveArgs {
        UnarchiveArgs {
            src: "/tmp/c.tar.gz".into(),
            dest: "/opt".into(),
            remote_src: true,
            creates: None,
            extra_opts: extra.iter().map(|s| s.to_string()).collect(),
            include: vec![],
            exclude: vec![],
            keep_newer: false,
            list_files: false,
        }
    }

    #[test]
    fn extra_opts_reach_both_the_diff_and_the_extract() {
        let a = args(&[
            "--strip-components=2",
            "--wildcards",
            "*containerd-shim-runc-v*",
        ]);
        let p = probe(&a, &a.src, Kind::of(&a.src));
        assert!(p.contains("tar -C /opt -d -z --strip-components=2 --wildcards '*containerd-shim-runc-v*' -f /tmp/c.tar.gz"), "{p}");
        let x = extract(&a, &a.src, Kind::of(&a.src));
        assert!(
            x.contains("\ntar -C \"$konvoy_x\" -x -z --strip-components=2"),
            "{x}"
        );
        // An option that needs to see the destination: tar works in place.
        let k = args(&["--skip-old-files"]);
        let x = extract(&k, &k.src, Kind::of(&k.src));
        assert!(
            x.starts_with("tar -C /opt -x -z --skip-old-files -f"),
            "{x}"
        );
    }

    #[test]
    fn kinds_by_name() {
        assert_eq!(Kind::of("a.tgz"), Kind::Tar("-z"));
        assert_eq!(Kind::of("a.tar"), Kind::Tar(""));
        assert_eq!(Kind::of("a.ZIP"), Kind::Zip);
    }
}
