//! `copy` with `remote_src` and a directory as `src`: copied on the host,
//! in one script, as ansible-core's copy module copies one.
//!
//! The module's steps, kept with their quirks: a `dest` ending in `/` is
//! created first (with `directory_mode`, owner, group; in check mode the
//! module stops there, saying it would be); `src` without a trailing `/`
//! lands in `dest/<its name>`, with one its contents land in `dest`. A
//! missing target is copied whole (`shutil.copytree`: modes and times
//! kept, links kept as links unless `local_follow: true`); an existing
//! one gets what differs (`filecmp.dircmp`): differing files (content and
//! mode), and entries only in the source (`dircmp`'s default ignore
//! list never applies: Ansible compares bytes names with it); with
//! `local_follow` unset a link only in the source is not copied yet
//! counts as a change, as in Ansible. `owner`/`group` apply to the whole target, `mode` to the
//! path the module reports as `dest`.
//!
//! Refused: a symbolic `mode`, and a `dest` that is a regular file.

use super::args::FileMode;
use super::context::ModuleContext;
use super::copy::CopyArgs;
use super::copy_dir::{md_calls, md_function};
use super::fstat::{parse_records, FileKind, STAT_FN};
use super::outcome::{ModuleError, Outcome};
use crate::shell::quote;
use crate::value::Value;
use std::collections::BTreeSet;

/// The copy proper, as shell functions over the variables the script
/// sets: `M` (1 in check mode), `LF` (`none`, `true`, `false`), `O`, `G`.
const FUNCTIONS: &str = r#"cpflags() { if [ "$LF" = true ]; then echo -L; else echo -P; fi; }
owned() {
if [ -n "$O" ] && [ -n "$(find "$1" ! -user "$O" -print -quit)" ]; then ch=1; [ "$M" = 1 ] || chown -R -h -- "$O" "$1" || exit 1; fi
if [ -n "$G" ] && [ -n "$(find "$1" ! -group "$G" -print -quit)" ]; then ch=1; [ "$M" = 1 ] || chgrp -R -h -- "$G" "$1" || exit 1; fi
}
sync_dir() {
for e in "$1"/* "$1"/.[!.]* "$1"/..?*; do
  [ -e "$e" ] || [ -L "$e" ] || continue
  t=$2/${e##*/}
  if [ -e "$t" ] || [ -L "$t" ]; then
    if [ -d "$e" ] && [ -d "$t" ]; then sync_dir "$e" "$t"
    elif [ -f "$e" ] && [ -f "$t" ] && ! cmp -s -- "$e" "$t"; then
      ch=1; [ "$M" = 1 ] && continue
      cp -- "$e" "$t" && chmod --reference="$e" -- "$t" || exit 1
    fi
  else
    ch=1; [ "$M" = 1 ] && continue
    if [ -L "$e" ]; then
      case "$LF" in
        true) if [ -d "$e" ]; then cp -R -L --preserve=mode,timestamps -- "$e" "$t" || exit 1
              elif [ -f "$e" ]; then cat -- "$e" > "$t" || exit 1; fi;;
        false) [ -e "$e" ] && { ln -s -- "$(readlink -- "$e")" "$t" || exit 1; };;
      esac
    elif [ -f "$e" ]; then cp -- "$e" "$t" && chmod --reference="$e" -- "$t" || exit 1
    elif [ -d "$e" ]; then cp -R "$(cpflags)" --preserve=mode,timestamps -- "$e" "$t" || exit 1
    fi
  fi
done
}
copy_directory() {
if [ -e "$2" ]; then sync_dir "$1" "$2"; owned "$2"; return; fi
ch=1; [ "$M" = 1 ] && return
mkdir -p -- "$(dirname -- "$2")" && cp -R "$(cpflags)" --preserve=mode,timestamps -- "$1" "$2" || exit 1
owned "$2"
}
"#;

/// Copies the directory `src` on the host to `a.dest`.
pub(crate) fn copy_remote_dir(
    ctx: &mut ModuleContext<'_>,
    a: &CopyArgs,
    src: &str,
    local_follow: Option<bool>,
) -> Result<Outcome, ModuleError> {
    let mode = match &a.attrs.mode {
        None => String::new(),
        Some(FileMode::Octal(m)) => format!("{m:o}"),
        Some(FileMode::Symbolic(s)) => {
            return Ok(Outcome::failed(format!(
                "a symbolic mode (`{s}`) when copying the directory `{src}` with remote_src is not supported"
            )))
        }
    };
    let dest = if a.dest.contains('/') {
        a.dest.clone()
    } else {
        format!("./{}", a.dest)
    };
    let mut s = String::from(STAT_FN);
    s.push_str(FUNCTIONS);
    s.push_str(&md_function(&super::copy_dir::dir_attrs(a)).map_err(ModuleError::Probe)?);
    s.push_str(&format!(
        "S={}\nD={}\nM={}\nLF={}\nO={}\nG={}\nW={}\nFORCE={}\nFOLLOW={}\nch=0\ndest=$D\n",
        quote(src),
        quote(&dest),
        u8::from(ctx.check_mode()),
        match local_follow {
            None => "none",
            Some(true) => "true",
            Some(false) => "false",
        },
        quote(a.attrs.owner.as_deref().unwrap_or("")),
        quote(a.attrs.group.as_deref().unwrap_or("")),
        quote(&mode),
        u8::from(a.force),
        u8::from(a.follow),
    ));
    if let Some(dir) = dest.strip_suffix('/') {
        let mut calls = String::new();
        md_calls(dir, &mut BTreeSet::new(), &mut calls);
        s.push_str(&format!(
            "if [ ! -e {q} ]; then if [ \"$M\" = 1 ]; then printf 'X%s\\0' {q}; exit 0; fi\n{calls}ch=1; fi\n",
            q = quote(dir)
        ));
    }
    s.push_str(concat!(
        "if [ -d \"$dest\" ]; then dest=${dest%/}/${S##*/}; fi\n",
        "if [ -e \"$dest\" ] || [ -L \"$dest\" ]; then\n",
        "  if [ -L \"$dest\" ] && [ \"$FOLLOW\" = 1 ]; then dest=$(readlink -f -- \"$dest\"); fi\n",
        "  if [ \"$FORCE\" = 0 ]; then printf 'E%s\\0' \"$dest\"; st \"$dest\" - - -; exit 0; fi\n",
        "  if [ -f \"$dest\" ]; then printf 'Fcopying the directory %s over the file %s is not supported\\0' \"$S\" \"$dest\"; exit 0; fi\n",
        "else p=$(dirname -- \"$dest\"); if [ ! -e \"$p\" ]; then printf 'FDestination directory %s does not exist\\0' \"$p\"; exit 0; fi; fi\n",
        "if [ -d \"$D\" ] || ! { [ -e \"$D\" ] || [ -L \"$D\" ]; }; then\n",
        "  case \"$S\" in */) copy_directory \"$S\" \"$D\";; *) copy_directory \"$S/\" \"${D%/}/${S##*/}\";; esac\n",
        "fi\n",
        "if [ -e \"$dest\" ]; then\n",
        "  if [ -n \"$O\" ] && [ \"$(stat -c %U -- \"$dest\")\" != \"$O\" ] && [ \"$(stat -c %u -- \"$dest\")\" != \"$O\" ]; then ch=1; [ \"$M\" = 1 ] || chown -- \"$O\" \"$dest\" || exit 1; fi\n",
        "  if [ -n \"$G\" ] && [ \"$(stat -c %G -- \"$dest\")\" != \"$G\" ] && [ \"$(stat -c %g -- \"$dest\")\" != \"$G\" ]; then ch=1; [ \"$M\" = 1 ] || chgrp -- \"$G\" \"$dest\" || exit 1; fi\n",
        "  if [ -n \"$W\" ] && [ \"$(stat -c %a -- \"$dest\")\" != \"$W\" ]; then ch=1; [ \"$M\" = 1 ] || chmod -- \"$W\" \"$dest\" || exit 1; fi\n",
        "fi\n",
        "printf 'C%s\\0%s\\0' \"$ch\" \"$dest\"; st \"$dest\" - - -\n",
    ));
    // The script changes the host outside check mode: it runs as one.
    let out = if ctx.check_mode() {
        ctx.probe(&s)?
    } else {
        ctx.apply(&s, None)?
    };
    if out.rc != 0 {
        return Ok(Outcome::fail_json(format!(
            "copying `{src}` to `{}` failed: {}",
            a.dest,
            out.stderr_str().trim()
        )));
    }
    let mut fields = out.stdout.splitn(3, |b| *b == 0);
    let head = String::from_utf8_lossy(fields.next().unwrap_or_default()).into_owned();
    let (kind, text) = head.split_at(head.len().min(1));
    let mut o = Outcome::ok();
    let path_info = |o: &mut Outcome, rest: &[u8]| -> Result<(), ModuleError> {
        if let Some(st) = parse_records(rest, 1)?.pop().flatten() {
            st.insert_attrs(&mut o.result);
            let state = match st.kind() {
                FileKind::Directory => "directory",
                FileKind::Symlink => "link",
                _ => "file",
            };
            o.result.insert("state".into(), state.into());
        }
        Ok(())
    };
    match kind {
        "F" => return Ok(Outcome::fail_json(text)),
        "X" => {
            o.changed = true;
            o.result.insert(
                "msg".into(),
                format!("dest directory {text} would be created").into(),
            );
            o.result.insert("src".into(), src.to_owned().into());
        }
        "E" => {
            // Everything after the dest's NUL is its record.
            let at = head.len() + 1;
            o.result
                .insert("msg".into(), Value::from("file already exists"));
            o.result.insert("src".into(), src.to_owned().into());
            o.result.insert("dest".into(), text.to_owned().into());
            path_info(&mut o, &out.stdout[at..])?;
        }
        "C" => {
            o.changed = text == "1";
            let dest = fields.next().unwrap_or_default();
            let rest = fields.next().unwrap_or_default();
            o.result.insert(
                "dest".into(),
                String::from_utf8_lossy(dest).into_owned().into(),
            );
            o.result.insert("src".into(), src.to_owned().into());
            o.result.insert("md5sum".into(), Value::Null);
            o.result.insert("checksum".into(), Value::Null);
            path_info(&mut o, rest)?;
        }
        _ => {
            return Err(ModuleError::Probe(format!(
                "unexpected output of the directory copy: `{head}`"
            )))
        }
    }
    Ok(o)
}
