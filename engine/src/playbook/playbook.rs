//! [`Playbook`]: the plays of a playbook file, `import_playbook` resolved
//! (relative to the importing file) and flattened in order.

use super::error::PlaybookError;
use super::loader::Loader;
use super::node;
use super::play::Play;
use crate::source::{Span, Warning};
use crate::yaml::{Node, NodeKind};
use std::path::{Path, PathBuf};

/// A parsed playbook: every play, imports expanded.
#[derive(Clone, Debug, PartialEq)]
pub struct Playbook {
    /// The playbook path as the caller gave it (output prints it verbatim).
    pub path: PathBuf,
    /// The plays in run order.
    pub plays: Vec<Play>,
    /// Non-fatal problems found while loading (duplicate keys, ...).
    pub warnings: Vec<Warning>,
}

impl Loader {
    /// Loads a playbook file's plays, expanding `import_playbook`.
    pub(crate) fn load_playbook_file(&mut self, path: &Path, span: &Span) -> Vec<Play> {
        if self.file_stack.iter().any(|p| p == path) {
            self.error(PlaybookError::RecursiveImport {
                file: path.display().to_string(),
                span: span.clone(),
            });
            return Vec::new();
        }
        let Some(doc) = self.load_yaml(path) else {
            return Vec::new();
        };
        self.file_stack.push(path.to_path_buf());
        let plays = self.plays_from_node(&doc, path);
        self.file_stack.pop();
        plays
    }

    /// The plays of a loaded playbook document (`path` names the file).
    pub(crate) fn plays_from_node(&mut self, doc: &Node, path: &Path) -> Vec<Play> {
        let entries = match &doc.kind {
            NodeKind::Seq(items) if !items.is_empty() => items,
            NodeKind::Null | NodeKind::Seq(_) => {
                self.error(PlaybookError::EmptyPlaybook {
                    span: Span::file(path.display().to_string()),
                });
                return Vec::new();
            }
            _ => {
                self.error(node::bad_type("playbook", "a list of plays", doc));
                return Vec::new();
            }
        };
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        // Roles and files of an imported playbook are found next to it
        // (measured: ansible-core 2.19 searches `<imported dir>/roles`).
        let outer = std::mem::replace(&mut self.playbook_dir, dir_of(path));
        let mut plays = Vec::with_capacity(entries.len());
        for entry in entries {
            self.playbook_entry(entry, &dir, &mut plays);
        }
        self.playbook_dir = outer;
        plays
    }

    fn playbook_entry(&mut self, entry: &Node, dir: &Path, plays: &mut Vec<Play>) {
        let NodeKind::Map(map) = &entry.kind else {
            self.error(node::bad_type("play", "a mapping", entry));
            return;
        };
        let import = map
            .entries
            .get("import_playbook")
            .or_else(|| map.entries.get("ansible.builtin.import_playbook"));
        let Some(import) = import else {
            plays.push(self.parse_play(map, &entry.span, dir.to_path_buf()));
            return;
        };
        let file = match node::string("import_playbook", &import.value) {
            Ok(f) => f,
            Err(e) => return self.error(e),
        };
        if node::is_template(&file.value) {
            return self.error(PlaybookError::TemplatedImport {
                keyword: "import_playbook",
                file: file.value,
                span: file.span,
            });
        }
        // The import's own keywords (`tags`, `vars`, `when`) reach every
        // imported play.
        let mut keywords = super::Keywords::default();
        for (key, e) in &map.entries {
            if key == "import_playbook" || key == "ansible.builtin.import_playbook" {
                continue;
            }
            match keywords.set(key, &e.value) {
                Ok(true) => {}
                Ok(false) => self.error(PlaybookError::UnknownKeyword {
                    keyword: key.clone(),
                    object: "PlaybookInclude",
                    span: e.key_span.clone(),
                }),
                Err(err) => self.error(err),
            }
        }
        let target = dir.join(&file.value);
        if !target.is_file() {
            return self.error(PlaybookError::MissingTaskFile {
                file: file.value,
                searched: vec![target.display().to_string()],
                span: file.span,
            });
        }
        let imported = self.load_playbook_file(&target, &file.span);
        for mut play in imported {
            let mut tags = keywords.tags.clone();
            tags.append(&mut play.keywords.tags);
            play.keywords.tags = tags;
            let mut when = keywords.when.clone();
            when.append(&mut play.keywords.when);
            play.keywords.when = when;
            if play.keywords.vars.is_none() {
                play.keywords.vars = keywords.vars.clone();
            }
            plays.push(play);
        }
    }
}

/// The directory relative names in `path` resolve against.
pub(crate) fn dir_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}
