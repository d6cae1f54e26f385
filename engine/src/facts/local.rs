//! `ansible_local`: the facts of `/etc/ansible/facts.d/*.fact` (setup's
//! default `fact_path`), as ansible-core's `LocalFactCollector` reads
//! them. The probe runs each file whose owner may execute it and reads the
//! others; here each output becomes JSON or, failing that, INI sections
//! ([`super::ini`]). A file that cannot be used becomes its error message
//! and a warning, as in Ansible. Without the directory the fact is `{}`.

use super::parse::Sections;
use crate::value::{Map, Value};
use std::collections::BTreeMap;

/// What the probe printed for one file.
enum Source<'a> {
    /// A dangling link: the glob matched it, `stat` fails.
    NoStat,
    /// Ran: its stdout (exit code and stderr follow in their sections).
    Ran(&'a [u8]),
    /// Read (not executable by its owner).
    Read(&'a [u8]),
}

/// The `local` fact and the warnings gathering it gives.
pub(crate) fn local(s: &Sections<'_>) -> (Value, Vec<String>) {
    let mut files: BTreeMap<&str, Source<'_>> = BTreeMap::new();
    let mut rc: BTreeMap<&str, i32> = BTreeMap::new();
    let mut err: BTreeMap<&str, &[u8]> = BTreeMap::new();
    for (name, content) in s.iter() {
        let Some((kind, path)) = name.split_once(' ') else {
            continue;
        };
        match kind {
            "local_nostat" => {
                files.insert(path, Source::NoStat);
            }
            "local_run" => {
                files.insert(path, Source::Ran(content));
            }
            "local_rc" => {
                let code = String::from_utf8_lossy(content)
                    .trim()
                    .parse()
                    .unwrap_or(-1);
                rc.insert(path, code);
            }
            "local_err" => {
                err.insert(path, content);
            }
            "local_read" => {
                files.insert(path, Source::Read(content));
            }
            _ => {}
        }
    }
    let mut local = Map::new();
    let mut warnings = Vec::new();
    // Python's `sorted(glob.glob(...))`: by code point, as BTreeMap orders.
    for (path, source) in files {
        let base = path.rsplit('/').next().unwrap_or(path).replace(".fact", "");
        let (fact, warning) = match source {
            Source::NoStat => {
                let msg = format!(
                    "Could not stat fact ({path}): [Errno 2] No such file or directory: '{path}'"
                );
                (Value::Str(msg.clone()), Some(msg))
            }
            Source::Ran(out) => {
                let code = rc.get(path).copied().unwrap_or(-1);
                match code {
                    0 => parse(path, &String::from_utf8_lossy(out)),
                    _ => {
                        let e = String::from_utf8_lossy(err.get(path).copied().unwrap_or(&[]))
                            .into_owned();
                        let msg =
                            format!("Failure executing fact script ({path}), rc: {code}, err: {e}");
                        (Value::Str(msg.clone()), Some(msg))
                    }
                }
            }
            // `get_file_content` strips what it reads; undecodable text
            // reads as nothing.
            Source::Read(bytes) => {
                let text = std::str::from_utf8(bytes).unwrap_or("");
                parse(path, text.trim())
            }
        };
        warnings.extend(warning);
        local.insert(base, fact);
    }
    (Value::Map(local), warnings)
}

/// One file's text: JSON, else INI sections, else an error message.
fn parse(path: &str, text: &str) -> (Value, Option<String>) {
    if let Ok(json) = serde_json::from_str::<serde_json::Value>(text) {
        return (Value::from_json(json), None);
    }
    match super::ini::sections(text) {
        Ok(v) => (v, None),
        Err(super::ini::IniError::Parse) => {
            let msg = format!("error loading facts as JSON or ini - please check content: {path}");
            (Value::Str(msg.clone()), Some(msg))
        }
        Err(super::ini::IniError::Type(why)) => {
            let msg = format!("Failed to convert ({path}) to JSON: {why}");
            (Value::Str(msg.clone()), Some(msg))
        }
        Err(super::ini::IniError::Get(why)) => {
            let msg = format!("error loading facts as ini - please check content: {path} ({why})");
            (Value::Str(msg.clone()), Some(msg))
        }
    }
}
