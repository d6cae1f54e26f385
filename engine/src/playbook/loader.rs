//! [`Loader`]: the state of one parse (options, errors and warnings found so
//! far, the chain of files being read, the roles already loaded) and the
//! task-list walker every other parser calls.

use super::block;
use super::error::PlaybookError;
use super::keyword_table::Object;
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
    /// The list is `handlers:` (its tasks may `listen`).
    pub(crate) handlers: bool,
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
    /// Roles being loaded, by directory and entry points (a cycle).
    pub(crate) role_stack: Vec<(PathBuf, super::role::RoleFrom)>,
    /// Roles already loaded, by directory and entry points.
    pub(crate) role_cache: HashMap<(PathBuf, RoleFrom), Arc<Role>>,
    /// Documents already read: a file imported twice is read once, and its
    /// warnings are reported once.
    yaml_cache: HashMap<PathBuf, Node>,
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
            yaml_cache: HashMap::new(),
        }
    }

    pub(crate) fn error(&mut self, e: PlaybookError) {
        self.errors.push(e);
    }

    /// Loads one YAML document; `None` (error recorded) when it does not
    /// load. An empty file is a `Null` node.
    pub(crate) fn load_yaml(&mut self, path: &Path) -> Option<Node> {
        if let Some(doc) = self.yaml_cache.get(path) {
            return Some(doc.clone());
        }
        match crate::yaml::load_file(path).and_then(|l| l.expect_single()) {
            Ok((doc, warnings)) => {
                self.warnings.extend(warnings);
                let doc = doc.unwrap_or_else(|| Node {
                    kind: NodeKind::Null,
                    span: Span::file(path.display().to_string()),
                });
                self.yaml_cache.insert(path.to_path_buf(), doc.clone());
                Some(doc)
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
            handlers: scope.handlers,
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
            let object = if scope.handlers {
                Object::Handler
            } else {
                Object::Task
            };
            let Some(task) = task::parse_task(
                map,
                &item.span,
                object,
                scope.role.as_ref(),
                &mut self.errors,
            ) else {
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

#[cfg(test)]
mod tests {
    use super::super::testing::{at, errors_of};
    use super::*;

    fn only(files: &[(&str, &str)]) -> PlaybookError {
        let mut errors = errors_of(files);
        assert_eq!(errors.len(), 1, "expected one error: {errors:?}");
        errors.remove(0)
    }

    #[test]
    fn two_modules_conflict_at_the_second_key() {
        let e = only(&[(
            "site.yml",
            "- hosts: all\n  tasks:\n    - copy: src=a dest=b\n      file: path=/x\n",
        )]);
        match e {
            PlaybookError::ConflictingActions {
                first,
                second,
                span,
            } => {
                assert_eq!((first.as_str(), second.as_str()), ("copy", "file"));
                assert_eq!(at(&span), (4, 7));
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn misspelt_keyword_is_a_second_action() {
        let e = only(&[(
            "site.yml",
            "- hosts: all\n  tasks:\n    - debug:\n      whenn: x\n",
        )]);
        assert!(
            matches!(e, PlaybookError::ConflictingActions { ref second, .. } if second == "whenn")
        );
        assert!(e.to_string().contains("conflicting action statements"));
    }

    #[test]
    fn task_without_action() {
        let e = only(&[(
            "site.yml",
            "- hosts: all\n  tasks:\n    - name: nothing\n      when: x\n",
        )]);
        assert!(matches!(e, PlaybookError::NoAction { ref span } if at(span) == (3, 7)));
    }

    #[test]
    fn bad_keyword_type_points_at_the_value() {
        let e = only(&[(
            "site.yml",
            "- hosts: all\n  tasks:\n    - debug:\n      notify: {a: 1}\n",
        )]);
        match e {
            PlaybookError::BadKeywordType {
                keyword,
                found,
                span,
                ..
            } => {
                assert_eq!(keyword, "notify");
                assert_eq!(found, "a mapping");
                assert_eq!(at(&span), (4, 15));
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn malformed_free_form() {
        let e = only(&[(
            "site.yml",
            "- hosts: all\n  tasks:\n    - shell: echo \"unterminated\n",
        )]);
        assert!(matches!(e, PlaybookError::MalformedArgs { ref span, .. } if at(span) == (3, 14)));
    }

    #[test]
    fn unknown_block_and_play_keywords() {
        let errors = errors_of(&[(
            "site.yml",
            "- hosts: all\n  taks: []\n  tasks:\n    - block: []\n      loop: [1]\n",
        )]);
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(
            matches!(&errors[0], PlaybookError::UnknownKeyword { keyword, object: "Play", span } if keyword == "taks" && at(span) == (2, 3))
        );
        assert!(
            matches!(&errors[1], PlaybookError::UnknownKeyword { keyword, object: "Block", span } if keyword == "loop" && at(span) == (5, 7))
        );
    }

    #[test]
    fn missing_task_file_lists_the_paths_tried() {
        let e = only(&[(
            "site.yml",
            "- hosts: all\n  tasks:\n    - import_tasks: nope.yml\n",
        )]);
        match e {
            PlaybookError::MissingTaskFile {
                file,
                searched,
                span,
            } => {
                assert_eq!(file, "nope.yml");
                assert!(searched.iter().all(|p| p.ends_with("nope.yml")));
                assert_eq!(at(&span), (3, 21));
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn duplicate_loop_and_loop_on_import() {
        let errors = errors_of(&[
            (
                "site.yml",
                "- hosts: all\n  tasks:\n    - debug:\n      loop: [1]\n      with_items: [2]\n    - import_tasks: t.yml\n      loop: [1]\n",
            ),
            ("t.yml", "- debug:\n"),
        ]);
        assert!(
            matches!(&errors[0], PlaybookError::DuplicateLoop { first, span } if at(first) == (4, 7) && at(span) == (5, 7))
        );
        assert!(
            matches!(&errors[1], PlaybookError::LoopOnImport { span, .. } if at(span) == (7, 7))
        );
    }

    #[test]
    fn recursive_import() {
        let e = only(&[
            (
                "site.yml",
                "- hosts: all\n  tasks:\n    - import_tasks: a.yml\n",
            ),
            ("a.yml", "- import_tasks: b.yml\n"),
            ("b.yml", "- import_tasks: a.yml\n"),
        ]);
        assert!(
            matches!(e, PlaybookError::RecursiveImport { ref span, .. } if at(span) == (1, 17))
        );
    }

    #[test]
    fn yaml_errors_and_empty_playbooks() {
        let e = only(&[("site.yml", "- hosts: all\n  tasks: [\n")]);
        assert!(matches!(e, PlaybookError::Yaml(_)));
        assert!(e.span().file.ends_with("site.yml"));
        let e = only(&[("site.yml", "# nothing\n")]);
        assert!(matches!(e, PlaybookError::EmptyPlaybook { .. }));
        let e = only(&[("site.yml", "[]\n")]);
        assert!(matches!(e, PlaybookError::NoPlays { .. }));
    }

    #[test]
    fn vars_must_be_mappings() {
        let e = only(&[("site.yml", "- hosts: all\n  vars: [a]\n")]);
        assert!(
            matches!(e, PlaybookError::BadKeywordType { ref keyword, ref span, .. } if keyword == "vars" && at(span) == (2, 10))
        );
    }

    #[test]
    fn yaml_warnings_are_kept_once() {
        let (_d, pb) = super::super::testing::parse_tree(&[
            (
                "site.yml",
                "- hosts: all\n  tasks:\n    - import_tasks: t.yml\n    - import_tasks: t.yml\n",
            ),
            ("t.yml", "- debug:\n  name: a\n  name: b\n"),
        ]);
        let pb = pb.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(pb.warnings.len(), 1, "{:?}", pb.warnings);
        assert!(pb.warnings[0]
            .span
            .as_ref()
            .is_some_and(|s| s.file.ends_with("t.yml")));
    }

    #[test]
    fn play_without_hosts() {
        let e = only(&[("site.yml", "- name: x\n  tasks: []\n")]);
        assert!(matches!(e, PlaybookError::MissingHosts { ref span } if at(span) == (1, 3)));
    }

    #[test]
    fn every_error_is_collected() {
        let errors = errors_of(&[(
            "site.yml",
            "- hosts: all\n  tasks:\n    - a: 1\n      b: 2\n    - debug:\n      tags: {x: 1}\n    - import_tasks: missing.yml\n- hosts: x\n  roles: [nope]\n",
        )]);
        assert_eq!(errors.len(), 4, "{errors:?}");
    }
}
