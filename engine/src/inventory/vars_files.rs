//! `group_vars/` and `host_vars/` beside an inventory source or a playbook
//! (Ansible's `host_group_vars` vars plugin).
//!
//! For an entity `name`, the candidates are `name`, `name.yml`,
//! `name.yaml`, `name.json`, and **only the first that exists is used**: an
//! extension-less `group_vars/lb` hides `group_vars/lb.yml`. A directory
//! match loads every file under it (recursively, sorted, hidden and `~`
//! files skipped, extension `.yml`/`.yaml`/`.json` or none; directories with
//! an extension are not entered), merged in order. Empty files add nothing.
//! Names starting with `/` are skipped.
//!
//! Each `group_vars`/`host_vars` directory is listed once, so looking up
//! 10,000 hosts costs no `stat` per host.

use super::error::InventoryError;
use crate::source::{Span, Warning};
use crate::value::{Map, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The vars files of one base directory, loaded per entity on demand.
#[derive(Debug, Default)]
pub(crate) struct VarsDir {
    group_vars: Option<Listing>,
    host_vars: Option<Listing>,
}

/// One listed directory: entity name → the entry that wins for it (the
/// first of `name`, `name.yml`, `name.yaml`, `name.json` present) and
/// whether that entry is a directory.
#[derive(Debug)]
struct Listing {
    path: PathBuf,
    entities: HashMap<String, (usize, String, bool)>,
}

const EXTENSIONS: [&str; 3] = [".yml", ".yaml", ".json"];

impl VarsDir {
    /// Lists `base/group_vars` and `base/host_vars` (absent is fine).
    pub(crate) fn open(
        base: &Path,
        warnings: &mut Vec<Warning>,
    ) -> Result<VarsDir, InventoryError> {
        Ok(VarsDir {
            group_vars: Listing::open(&base.join("group_vars"), warnings)?,
            host_vars: Listing::open(&base.join("host_vars"), warnings)?,
        })
    }

    /// Whether the directory has neither folder (the common fast case).
    pub(crate) fn is_empty(&self) -> bool {
        self.group_vars.is_none() && self.host_vars.is_none()
    }

    /// The merged `group_vars` of group `name` (empty when none).
    pub(crate) fn group(
        &self,
        name: &str,
        warnings: &mut Vec<Warning>,
    ) -> Result<Map, InventoryError> {
        load_entity(self.group_vars.as_ref(), name, warnings)
    }

    /// The merged `host_vars` of host `name` (empty when none).
    pub(crate) fn host(
        &self,
        name: &str,
        warnings: &mut Vec<Warning>,
    ) -> Result<Map, InventoryError> {
        load_entity(self.host_vars.as_ref(), name, warnings)
    }
}

impl Listing {
    fn open(path: &Path, warnings: &mut Vec<Warning>) -> Result<Option<Listing>, InventoryError> {
        let Ok(meta) = std::fs::metadata(path) else {
            return Ok(None);
        };
        if !meta.is_dir() {
            let kind = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            warnings.push(Warning {
                span: None,
                // Ansible names the real path of the folder.
                message: format!(
                    "Found {kind} that is not a directory, skipping: {}",
                    absolute(path).display()
                ),
            });
            return Ok(None);
        }
        let mut entities: HashMap<String, (usize, String, bool)> = HashMap::new();
        for (name, is_dir) in read_dir(path)? {
            let candidates = std::iter::once((0, name.as_str())).chain(
                EXTENSIONS
                    .iter()
                    .enumerate()
                    .filter_map(|(i, e)| name.strip_suffix(e).map(|base| (i + 1, base))),
            );
            for (rank, entity) in candidates {
                match entities.get(entity) {
                    Some((r, _, _)) if *r <= rank => {}
                    _ => {
                        entities.insert(entity.to_owned(), (rank, name.clone(), is_dir));
                    }
                }
            }
        }
        Ok(Some(Listing {
            path: path.to_owned(),
            entities,
        }))
    }
}

fn unreadable(path: &Path, e: &std::io::Error) -> InventoryError {
    InventoryError::Unreadable {
        span: Span::file(path.display().to_string()),
        message: e.to_string(),
    }
}

/// Names (lossy UTF-8) and is-directory flags of a directory's entries.
pub(crate) fn read_dir(path: &Path) -> Result<Vec<(String, bool)>, InventoryError> {
    let rd = std::fs::read_dir(path).map_err(|e| unreadable(path, &e))?;
    let mut out = Vec::new();
    for entry in rd {
        let entry = entry.map_err(|e| unreadable(path, &e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        // Follow symlinks, as os.path.isdir does.
        let is_dir = std::fs::metadata(entry.path()).is_ok_and(|m| m.is_dir());
        out.push((name, is_dir));
    }
    Ok(out)
}

fn load_entity(
    listing: Option<&Listing>,
    name: &str,
    warnings: &mut Vec<Warning>,
) -> Result<Map, InventoryError> {
    let mut out = Map::new();
    let Some(listing) = listing else {
        return Ok(out);
    };
    if name.starts_with('/') {
        return Ok(out);
    }
    let Some((_, file, is_dir)) = listing.entities.get(name) else {
        return Ok(out);
    };
    let is_dir = *is_dir;
    let path = listing.path.join(file);
    let mut files = Vec::new();
    if is_dir {
        dir_files(&path, &mut files, 0)?;
    } else {
        files.push(path);
    }
    for f in files {
        if let Some(map) = load_vars_file(&f, warnings)? {
            for (k, v) in map {
                out.insert(k, v);
            }
        }
    }
    Ok(out)
}

/// Files under a `group_vars/<name>/` directory, sorted, recursively.
fn dir_files(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) -> Result<(), InventoryError> {
    if depth > 64 {
        return Ok(());
    }
    let mut entries = read_dir(dir)?;
    entries.sort();
    for (name, is_dir) in entries {
        if name.starts_with('.') || name.ends_with('~') {
            continue;
        }
        let ext = Path::new(&name)
            .extension()
            .map(|e| format!(".{}", e.to_string_lossy()));
        let full = dir.join(&name);
        if is_dir {
            if ext.is_none() {
                dir_files(&full, out, depth + 1)?;
            }
        } else if ext.as_deref().is_none_or(|e| EXTENSIONS.contains(&e)) {
            out.push(full);
        }
    }
    Ok(())
}

/// Loads one vars file: a mapping, or `None` when empty.
pub(crate) fn load_vars_file(
    path: &Path,
    warnings: &mut Vec<Warning>,
) -> Result<Option<Map>, InventoryError> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| unreadable(path, &e))?;
    let loaded = crate::yaml::load_str(&text, &name)?;
    let (doc, warns) = loaded.expect_single()?;
    warnings.extend(warns);
    let Some(doc) = doc else { return Ok(None) };
    match doc.to_value() {
        Value::Map(m) if m.is_empty() => Ok(None),
        Value::Map(m) => Ok(Some(m)),
        Value::Null => Ok(None),
        Value::Str(s) if s.is_empty() => Ok(None),
        Value::List(l) if l.is_empty() => Ok(None),
        other => Err(InventoryError::VarsNotMapping {
            span: doc.span.clone(),
            found: other.type_name(),
        }),
    }
}

/// `os.path.realpath`, as Ansible's vars plugin names the directory.
fn absolute(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned())
}
