//! [`Loader`]: the state of one parse (options, errors and warnings found so
//! far, the chain of files being read, the roles already loaded) and the
//! task-list walker every other parser calls.

use super::block;
use super::error::PlaybookError;
use super::node;
use super::role::{Role, RoleFrom, RoleInfo};
use super::task::{self, TaskItem};
use super::LoadOptions;
use crate::source::{Span, Warning};
use crate::yaml::{Node, NodeKind};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where a task list is being read: for resolving relative file names and
/// knowing which role its tasks belong to.
#[derive(Clone, Debug)]
pub(crate) struct Scope {
    /// Directory of the file holding the list.
    pub(crate) dir: PathBuf,
    /// The role whose files these are, if any.
    pub(crate) role: Option<Arc<RoleInfo>>,
}

/// One parse's state. Errors are collected, never thrown, so a whole tree is
/// checked in one pass.
pub(crate) struct Loader {
    pub(crate) options: LoadOptions,
    /// Directory of the playbook being parsed (role search root).
    pub(crate) playbook_dir: PathBuf,
    pub(crate) errors: Vec<PlaybookError>,
    pub(crate) warnings: Vec<Warning>,
    /// Files being expanded, innermost last: an import of one of these loops.
    pub(crate) file_stack: Vec<PathBuf>,
    /// Role directories being loaded (dependency cycle detection).
    pub(crate) role_stack: Vec<PathBuf>,
    /// Roles already loaded, by directory and entry points.
    pub(crate) role_cache: HashMap<(PathBuf, RoleFrom), Arc<Role>>,
}

impl Loader {
    pub(crate) fn new(options: LoadOptions, playbook_dir: PathBuf) -> Loader {
        Loader {
            options,
            playbook_dir,
            errors: Vec::new(),
            warnings: Vec::new(),
            file_stack: Vec::new(),
            role_stack: Vec::new(),
            role_cache: HashMap::new(),
        }
    }

    pub(crate) fn error(&mut self, e: PlaybookError) {
        self.errors.push(e);
    }

    /// Loads one YAML document; `None` (error recorded) when it does not
    /// load. An empty file is a `Null` node.
    pub(crate) fn load_yaml(&mut self, path: &Path) -> Option<Node> {
        match crate::yaml::load_file(path).and_then(|l| l.expect_single()) {
            Ok((doc, warnings)) => {
                self.warnings.extend(warnings);
                Some(doc.unwrap_or_else(|| Node {
                    kind: NodeKind::Null,
                    span: Span::file(path.display().to_string()),
                }))
            }
            Err(e) => {
                self.error(e.into());
                None
            }
        }
    }

    /// Parses a task file's top level (a list of tasks; empty is fine).
    pub(crate) fn load_task_file(
        &mut self,
        path: &Path,
        scope: &Scope,
        span: &Span,
    ) -> Vec<TaskItem> {
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
        let items = match node::task_list("tasks", &doc) {
            Ok(items) => items,
            Err(e) => {
                self.error(e);
                return Vec::new();
            }
        };
        let inner = Scope {
            dir: path.parent().map(Path::to_path_buf).unwrap_or_default(),
            role: scope.role.clone(),
        };
        self.file_stack.push(path.to_path_buf());
        let parsed = self.parse_task_list(items, &inner);
        self.file_stack.pop();
        parsed
    }

    /// Parses a list of task entries (tasks, blocks, includes, imports).
    pub(crate) fn parse_task_list(&mut self, items: &[Node], scope: &Scope) -> Vec<TaskItem> {
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            let map = match &item.kind {
                NodeKind::Map(m) => m,
                _ => {
                    self.error(node::bad_type("task", "a mapping", item));
                    continue;
                }
            };
            let is_block = ["block", "rescue", "always"]
                .iter()
                .any(|k| map.entries.contains_key(*k));
            if is_block {
                let b = block::parse_block(self, map, &item.span, scope);
                out.push(TaskItem::Block(b));
                continue;
            }
            let Some(task) =
                task::parse_task(map, &item.span, scope.role.as_ref(), &mut self.errors)
            else {
                continue;
            };
            if let Some(parsed) = self.expand_include(task, scope) {
                out.push(parsed);
            }
        }
        out
    }

    /// Where a task file named in an include resolves: absolute as is;
    /// otherwise next to the including file, then (in a role) in the role's
    /// `tasks/`, then next to the playbook. `Err` holds every path tried.
    pub(crate) fn resolve_task_file(
        &self,
        name: &str,
        scope: &Scope,
    ) -> Result<PathBuf, Vec<String>> {
        let given = Path::new(name);
        if given.is_absolute() {
            return if given.is_file() {
                Ok(given.to_path_buf())
            } else {
                Err(vec![name.to_owned()])
            };
        }
        let mut candidates = Vec::with_capacity(3);
        if let Some(role) = &scope.role {
            candidates.push(role.path.join("tasks").join(given));
        }
        candidates.push(scope.dir.join(given));
        candidates.push(self.playbook_dir.join(given));
        candidates.dedup();
        match candidates.iter().find(|c| c.is_file()) {
            Some(found) => Ok(found.clone()),
            None => Err(candidates.iter().map(|c| c.display().to_string()).collect()),
        }
    }
}
