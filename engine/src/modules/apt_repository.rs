//! `apt_repository`: a one-line `deb`/`deb-src` source added to (or
//! removed from) apt's `sources.list` files, as Ansible's module edits
//! them: every `/etc/apt/sources.list` and `sources.list.d/*.list` file
//! is read and parsed into lines; a source already present (even
//! commented out) is enabled in place, otherwise it goes to `filename`
//! or a file named after the repository URL; on a change every file is
//! written back in Ansible's normal form (`# ` for disabled lines, ` # `
//! before comments) and emptied files are deleted. Then `apt-get update`
//! (with Ansible's retries; on failure the files are restored).
//!
//! Supported: `repo`, `state`, `mode`, `update_cache`,
//! `update_cache_retries`, `update_cache_retry_max_delay`, `filename`,
//! `codename`, `install_python_apt` and `validate_certs` (both without
//! effect here: no python-apt, no download). Results: `repo`,
//! `sources_added`, `sources_removed`, `state`, `diff` (the added and
//! removed files, in diff mode). Refused: `ppa:` repositories (they need
//! Launchpad on the internet).

use super::args::{ArgError, ArgMap, FileMode};
use super::context::ModuleContext;
use super::outcome::{ModuleError, Outcome};
use super::Module;
use crate::shell::quote;
use crate::value::{Map, Value};

const SOURCES_DIR: &str = "/etc/apt/sources.list.d";

/// Arguments of `apt_repository`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct AptRepositoryArgs {
    pub repo: String,
    pub present: bool,
    pub mode: Option<FileMode>,
    pub update_cache: bool,
    pub retries: i64,
    pub max_delay: i64,
    pub filename: Option<String>,
}

/// The `apt_repository` module.
pub struct AptRepositoryModule;

/// One line of a sources file: (valid, enabled, source, comment).
type Line = (bool, bool, String, String);

impl Module for AptRepositoryModule {
    type Args = AptRepositoryArgs;
    const PROBES: bool = true;

    fn parse(args: &mut ArgMap) -> Result<AptRepositoryArgs, ArgError> {
        let a = AptRepositoryArgs {
            repo: args.required_str(&["repo"])?,
            present: args.choice(&["state"], &["absent", "present"])?.as_deref() != Some("absent"),
            mode: args.mode(&["mode"])?,
            update_cache: args
                .bool(&["update_cache", "update-cache"])?
                .unwrap_or(true),
            retries: args.int(&["update_cache_retries"])?.unwrap_or(5),
            max_delay: args.int(&["update_cache_retry_max_delay"])?.unwrap_or(12),
            filename: args.str(&["filename"])?,
        };
        args.bool(&["install_python_apt", "validate_certs"])?;
        args.str(&["codename"])?;
        args.finish(&[
            "repo",
            "state",
            "mode",
            "update_cache",
            "update_cache_retries",
            "update_cache_retry_max_delay",
            "filename",
            "install_python_apt",
            "validate_certs",
            "codename",
        ])?;
        if a.repo.starts_with("ppa:") {
            return Err(ArgError::Invalid(
                "`ppa:` repositories are not implemented by konvoy-image (they need Launchpad)"
                    .into(),
            ));
        }
        Ok(a)
    }

    fn probes(_: &AptRepositoryArgs) -> Vec<String> {
        vec![PROBE.to_owned()]
    }

    fn run(a: &AptRepositoryArgs, ctx: &mut ModuleContext<'_>) -> Result<Outcome, ModuleError> {
        if a.repo.is_empty() {
            return Ok(Outcome::failed(
                "Please set argument 'repo' to a non-empty value",
            ));
        }
        let out = ctx.probe(PROBE)?.stdout_str();
        if !out.lines().any(|l| l == "tool") {
            return Ok(Outcome::failed(
                "Either apt-key or gpg binary is required, but neither could be found.\
                 The apt-key CLI has been deprecated and removed in modern Debian and derivatives, \
                 you might want to use \"deb822_repository\" instead.",
            ));
        }
        let before_files = read_files(&out);
        let mut files: Vec<(String, Vec<Line>)> = before_files
            .iter()
            .map(|(f, text)| (f.clone(), text.lines().map(parse_line).collect()))
            .collect();
        let before = dump(&files);
        let (valid, enabled, source, _) = parse_line(&a.repo);
        if !valid || !enabled {
            return Ok(Outcome::failed(format!(
                "Invalid repository string: {}",
                strip_comment_marker(&a.repo)
            )));
        }
        let mut new_files = Vec::new();
        if a.present {
            let mut found = false;
            for (_, lines) in &mut files {
                for l in lines.iter_mut() {
                    if l.0 && l.2 == source {
                        l.1 = true;
                        found = true;
                    }
                }
            }
            if !found {
                let file = expand(&suggest_filename(&source, a.filename.as_deref()));
                match files.iter_mut().find(|(f, _)| *f == file) {
                    Some((_, lines)) => lines.push((true, true, source.clone(), String::new())),
                    None => files.push((
                        file.clone(),
                        vec![(true, true, source.clone(), String::new())],
                    )),
                }
                new_files.push(file);
            }
        } else {
            for (_, lines) in &mut files {
                // Ansible pops by index while iterating: every enabled
                // match goes (its index bookkeeping aside).
                lines.retain(|l| !(l.0 && l.1 && l.2 == source));
            }
        }
        let after = dump(&files);
        let changed = before != after;
        let mut o = Outcome {
            changed,
            ..Outcome::ok()
        };
        let added: Vec<&String> = after
            .iter()
            .map(|(f, _)| f)
            .filter(|f| !before.iter().any(|(b, _)| b == *f))
            .collect();
        let removed: Vec<&String> = before
            .iter()
            .map(|(f, _)| f)
            .filter(|f| !after.iter().any(|(b, _)| b == *f))
            .collect();
        let mut diffs = Vec::new();
        let mut diff_text = String::new();
        if changed && ctx.diff {
            for f in added.iter().chain(removed.iter()) {
                let b = before
                    .iter()
                    .find(|(n, _)| n == *f)
                    .map_or("", |(_, t)| t.as_str());
                let af = after
                    .iter()
                    .find(|(n, _)| n == *f)
                    .map_or("", |(_, t)| t.as_str());
                let mut d = Map::new();
                d.insert("before".into(), Value::from(b));
                d.insert("after".into(), Value::from(af));
                let bh = if b.is_empty() && !before.iter().any(|(n, _)| n == *f) {
                    "/dev/null"
                } else {
                    f.as_str()
                };
                let ah = if !after.iter().any(|(n, _)| n == *f) {
                    "/dev/null"
                } else {
                    f.as_str()
                };
                d.insert("before_header".into(), Value::from(bh));
                d.insert("after_header".into(), Value::from(ah));
                diff_text.push_str(&super::diff::unified(b, af, Some(bh), Some(ah)));
                diffs.push(Value::Map(d));
            }
        }
        if changed && !ctx.check_mode() {
            let mode = a.mode.clone().unwrap_or(FileMode::Octal(0o644)).chmod_arg();
            let mut script = String::from("set -e\n");
            for (f, raw) in &before_files {
                if !after.iter().any(|(n, _)| n == f) {
                    script.push_str(&format!("rm -f {}\n", quote(f)));
                } else if after.iter().any(|(n, t)| n == f && t != raw) {
                    script.push_str(&write_file(f, &after_text(&after, f), None));
                }
            }
            for f in new_files
                .iter()
                .filter(|f| !before_files.iter().any(|(b, _)| b == *f))
            {
                script.push_str(&write_file(f, &after_text(&after, f), Some(&mode)));
            }
            let done = ctx.apply(&script, None)?;
            if done.rc != 0 {
                return Ok(Outcome::failed(done.stderr_str().trim_end().to_owned()));
            }
            if a.update_cache {
                let upd =
                    ctx.apply(&super::apt_run::update_script(a.retries, a.max_delay), None)?;
                if let Some(fail) = upd
                    .stdout_str()
                    .lines()
                    .find_map(|l| l.strip_prefix("updfail"))
                {
                    // Revert: files this run created go, the others get
                    // their old text back.
                    let mut revert = String::new();
                    for f in &new_files {
                        if !before_files.iter().any(|(b, _)| b == f) {
                            revert.push_str(&format!("rm -f {}\n", quote(f)));
                        }
                    }
                    for (f, raw) in &before_files {
                        revert.push_str(&write_file(f, raw, None));
                    }
                    ctx.apply(&revert, None)?;
                    let reason = if fail.trim().is_empty() {
                        "unknown reason"
                    } else {
                        fail.trim()
                    };
                    return Ok(Outcome::failed(format!(
                        "Failed to update apt cache after {} retries: {reason}",
                        a.retries
                    )));
                }
            }
        }
        let list =
            |v: &[&String]| Value::List(v.iter().map(|s| Value::Str((*s).clone())).collect());
        o = o
            .with("repo", a.repo.clone())
            .with("sources_added", list(&added))
            .with("sources_removed", list(&removed))
            .with("state", if a.present { "present" } else { "absent" })
            .with("diff", Value::List(diffs));
        if !diff_text.is_empty() {
            o.diff = Some(diff_text);
        }
        Ok(o)
    }
}

/// Prints every sources file (`@@file PATH`, its text, `@@end`), the
/// link target of links, and whether `apt-key` or `gpg` exists.
const PROBE: &str = "{ command -v apt-key || command -v gpg; } >/dev/null 2>&1 && echo tool\n\
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do\n\
    \x20 [ -f \"$f\" ] || continue\n\
    \x20 echo \"@@file $f\"; cat \"$f\"; echo; echo @@end\n\
    done\n";

fn read_files(out: &str) -> Vec<(String, String)> {
    let mut files = Vec::new();
    let mut cur: Option<(String, String)> = None;
    for line in out.split_inclusive('\n') {
        if let Some(f) = line.strip_prefix("@@file ") {
            cur = Some((f.trim_end().to_owned(), String::new()));
        } else if line == "@@end\n" || line == "@@end" {
            if let Some((f, mut text)) = cur.take() {
                // `echo` after `cat` added one newline.
                text.pop();
                files.push((f, text));
            }
        } else if let Some((_, text)) = cur.as_mut() {
            text.push_str(line);
        }
    }
    files
}

/// Ansible's `SourcesList._parse`.
fn parse_line(line: &str) -> Line {
    let mut line = line.trim();
    let mut enabled = true;
    if let Some(rest) = line.strip_prefix('#') {
        enabled = false;
        line = rest;
    }
    let mut comment = String::new();
    if let Some(i) = line.find('#').filter(|i| *i > 0) {
        comment = line[i + 1..].trim().to_owned();
        line = &line[..i];
    }
    let mut source = line.trim().to_owned();
    let mut valid = false;
    let chunks: Vec<&str> = source.split_whitespace().collect();
    if chunks
        .first()
        .is_some_and(|c| *c == "deb" || *c == "deb-src")
    {
        valid = true;
        source = chunks.join(" ");
    }
    (valid, enabled, source, comment)
}

/// The text Ansible's `InvalidSource` carries: the line without its
/// leading `#` and its comment.
fn strip_comment_marker(line: &str) -> &str {
    let l = line.trim();
    let l = l.strip_prefix('#').unwrap_or(l);
    match l.find('#') {
        Some(i) if i > 0 => &l[..i],
        _ => l,
    }
}

/// Ansible's `dump`: each non-empty file's normal text.
fn dump(files: &[(String, Vec<Line>)]) -> Vec<(String, String)> {
    files
        .iter()
        .filter(|(_, lines)| !lines.is_empty())
        .map(|(f, lines)| {
            let text: String = lines
                .iter()
                .map(|(_, enabled, source, comment)| {
                    let mut l = String::new();
                    if !enabled {
                        l.push_str("# ");
                    }
                    l.push_str(source);
                    if !comment.is_empty() {
                        l.push_str(" # ");
                        l.push_str(comment);
                    }
                    l.push('\n');
                    l
                })
                .collect();
            (f.clone(), text)
        })
        .collect()
}

fn after_text(after: &[(String, String)], f: &str) -> String {
    after
        .iter()
        .find(|(n, _)| n == f)
        .map(|(_, t)| t.clone())
        .unwrap_or_default()
}

/// Ansible's `_suggest_filename`.
fn suggest_filename(source: &str, filename: Option<&str>) -> String {
    if let Some(f) = filename {
        return format!("{f}.list");
    }
    let no_options = regex::Regex::new(r"\[[^\]]+\]").expect("a valid regex");
    let no_scheme = regex::Regex::new(r"\w+://").expect("a valid regex");
    let line = no_options.replace_all(source, "");
    let line = no_scheme.replace_all(&line, "");
    let first = line
        .split_whitespace()
        .find(|p| *p != "deb" && *p != "deb-src")
        .unwrap_or("");
    let first = first.split_once('@').map_or(first, |(_, host)| host);
    let cleaned: String = first
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect();
    format!(
        "{}.list",
        cleaned.split_whitespace().collect::<Vec<_>>().join("_")
    )
}

fn expand(file: &str) -> String {
    if file.contains('/') {
        file.to_owned()
    } else {
        format!("{SOURCES_DIR}/{file}")
    }
}

/// Writes `text` to `path` through the one atomic write path, in a
/// subshell of its own: an existing file (or a link's target) keeps its
/// mode and owner; a new one gets `mode`.
fn write_file(path: &str, text: &str, mode: Option<&str>) -> String {
    format!(
        "(\nset +e\n{})\n",
        super::write::replace_step(
            path,
            crate::transport::atomic::Content::Text(text),
            mode.unwrap_or("0644"),
            true,
            true
        )
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_names_follow_ansible() {
        assert_eq!(
            parse_line("#deb [trusted=yes]  file:/srv/apt/main ./   # test"),
            (
                true,
                false,
                "deb [trusted=yes] file:/srv/apt/main ./".into(),
                "test".into()
            )
        );
        let l = parse_line("# deb http://x/ubuntu  jammy main # c");
        assert_eq!(
            l,
            (
                true,
                false,
                "deb http://x/ubuntu jammy main".into(),
                "c".into()
            )
        );
        assert_eq!(
            suggest_filename(
                "deb [trusted=yes] http://user:pw@mirror.example.com/ubuntu jammy main",
                None
            ),
            "mirror_example_com_ubuntu.list"
        );
        assert_eq!(
            suggest_filename("deb file:/srv/apt/main ./", None),
            "file_srv_apt_main.list"
        );
        assert_eq!(suggest_filename("deb x y", Some("konvoy")), "konvoy.list");
    }
}
