//! Which plugin reads a source: `h1,h2,` lists, directories, YAML and INI
//! files, in Ansible's plugin order.
//!
//! - A value that does not exist as a path and contains `,` is a host list.
//! - A directory is read recursively in sorted name order, skipping names
//!   that start with `.`, `host_vars`, `group_vars`, `vars_plugins`, and
//!   the extensions `.pyc .pyo .swp .bak ~ .rpm .md .txt .rst .orig .cfg
//!   .retry` (2.19's list: `.ini` files *are* read since 2.18).
//! - A file with extension `.yml`, `.yaml`, `.json` or none is offered to the
//!   YAML plugin first; if that declines (not YAML, empty, not a mapping),
//!   and for every other extension, the INI plugin reads it.
//!
//! Executable files are read like any other file: the `script` plugin
//! (dynamic inventories) is not supported.

use super::error::InventoryError;
use super::model::Data;
use super::yaml_plugin::{self, Declined};
use crate::source::Span;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Names skipped inside an inventory directory.
const IGNORED_NAMES: [&str; 3] = ["host_vars", "group_vars", "vars_plugins"];
/// Extensions skipped inside an inventory directory (a suffix match).
const IGNORED_EXTS: [&str; 12] = [
    ".pyc", ".pyo", ".swp", ".bak", "~", ".rpm", ".md", ".txt", ".rst", ".orig", ".cfg", ".retry",
];

/// Where a source's `group_vars`/`host_vars` are looked for.
#[derive(Debug, Clone)]
pub(crate) enum SourceKind {
    /// A `h1,h2,` list: no vars directory.
    HostList,
    /// A file or directory; the path is the directory to look in.
    Path(PathBuf),
}

/// Reads one `-i` value into `data`.
pub(crate) fn load_source(data: &mut Data, source: &str) -> Result<SourceKind, InventoryError> {
    let path = Path::new(source);
    let meta = std::fs::metadata(path);
    if meta.is_err() && source.contains(',') {
        super::host_list::parse(data, source);
        return Ok(SourceKind::HostList);
    }
    let meta = meta.map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => InventoryError::SourceNotFound {
            path: source.to_owned(),
        },
        _ => InventoryError::Unreadable {
            span: Span::file(source.to_owned()),
            message: e.to_string(),
        },
    })?;
    if meta.is_dir() {
        load_dir(data, path, 0)?;
        Ok(SourceKind::Path(path.to_owned()))
    } else {
        load_file(data, path)?;
        let dir = path.parent().map(Path::to_owned).unwrap_or_default();
        Ok(SourceKind::Path(if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir
        }))
    }
}

fn is_ignored(name: &str) -> bool {
    name.starts_with('.')
        || IGNORED_NAMES.contains(&name)
        || IGNORED_EXTS.iter().any(|e| name.ends_with(e))
}

fn load_dir(data: &mut Data, dir: &Path, depth: usize) -> Result<(), InventoryError> {
    if depth > 64 {
        return Ok(());
    }
    let mut entries = super::vars_files::read_dir(dir)?;
    // Ansible sorts the byte names; UTF-8 byte order is string order.
    entries.sort();
    for (name, is_dir) in entries {
        if is_ignored(&name) {
            continue;
        }
        let full = dir.join(&name);
        if is_dir {
            load_dir(data, &full, depth + 1)?;
        } else {
            load_file(data, &full)?;
        }
    }
    Ok(())
}

fn load_file(data: &mut Data, path: &Path) -> Result<(), InventoryError> {
    let name: Arc<str> = Arc::from(path.display().to_string());
    let bytes = std::fs::read(path).map_err(|e| InventoryError::Unreadable {
        span: Span::file(name.clone()),
        message: e.to_string(),
    })?;
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    let yaml_ext = matches!(ext.as_deref(), None | Some("yml" | "yaml" | "json"));
    if ext.as_deref() == Some("toml") {
        return Err(InventoryError::UnsupportedSource {
            span: Span::file(name),
            what: "TOML inventories are not supported",
        });
    }
    let text = String::from_utf8(bytes).map_err(|e| InventoryError::Unreadable {
        span: Span::file(name.clone()),
        message: format!("expected UTF-8 text: {e}"),
    })?;
    let mut yaml_error = None;
    if yaml_ext {
        match crate::yaml::load_str(&text, &name).and_then(|l| l.expect_single()) {
            Ok((doc, warnings)) => match yaml_plugin::accept(doc.as_ref(), &name) {
                Ok(()) => {
                    // The loader's warnings (duplicate keys) come first, as in Ansible.
                    data.warnings.extend(warnings);
                    if let Some(doc) = doc {
                        yaml_plugin::parse(data, &doc, &name)?;
                    }
                    return Ok(());
                }
                Err(Declined::PluginConfig(e)) => return Err(e),
                Err(Declined::NotInventory(e)) => yaml_error = Some(e),
            },
            Err(e) => yaml_error = Some(InventoryError::Yaml(e)),
        }
    }
    // The INI plugin gets the file next. YAML declined before changing
    // `data`, and an INI failure stops the load, so nothing needs undoing.
    match super::ini::parse(data, &text, &name) {
        Ok(()) => Ok(()),
        // A `.yml` file is meant as YAML: its YAML error says more.
        Err(ini_error) => match (yaml_error, ext.is_some()) {
            (Some(y), true) => Err(y),
            _ => Err(ini_error),
        },
    }
}
