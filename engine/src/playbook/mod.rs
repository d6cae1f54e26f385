//! Playbooks as the user wrote them: plays, roles, blocks and tasks, typed,
//! with spans, static imports expanded. Parse only.
//!
//! This layer never templates and never looks at an inventory: values that
//! will be templated stay as written (strings or [`Node`]s with their
//! spans), and host patterns stay patterns. The planner (`plan`) turns the
//! result into per-host task graphs.
//!
//! Entry points:
//! - [`load_playbook`] / [`load_playbook_with`]: a playbook file and
//!   everything it statically pulls in (imported playbooks, roles, imported
//!   task files), every error collected;
//! - [`resolve_include`], [`load_tasks_file`] and [`load_role`]: what
//!   dynamic includes load at run time;
//! - [`missing_sources`]: literal `template`/`copy`/`script` sources that
//!   do not exist (opt-in, since Ansible only notices when the task runs);
//! - [`list_tasks`], [`list_hosts`], [`syntax_check`]: the text
//!   `ansible-playbook --list-tasks/--list-hosts/--syntax-check` prints.
//!
//! Where things are: `playbook.rs` (plays of a file, `import_playbook`),
//! `play.rs`, `block.rs`, `task.rs` (task keywords), `action.rs` (module
//! name and arguments), `kv.rs` (free-form `k=v` splitting), `keywords.rs` (shared keywords and
//! the keyword tables), `include.rs` (imports and includes), `role.rs`,
//! `argspec.rs` (role argument validation task), `loader.rs` (parse state),
//! `sources.rs` (controller file checks), `node.rs` (typed reads of YAML
//! nodes), `list.rs` (listing output), `error.rs`.
//!
//! Deviations from ansible-core 2.19, on purpose:
//! - the bare `include:` (removed in 2.16) is accepted with Ansible 2.10's
//!   rule, because KIB's playbooks use it;
//! - an `import_tasks`/`import_role` with a templated name is kept as an
//!   [`Include`]/[`IncludeRole`] for the planner (Ansible resolves it with
//!   the variables known at parse time, which this layer does not have);
//! - `when` and `vars` on an `import_playbook` are carried on each imported
//!   play's [`Keywords`] (`vars` as a list, the import's mapping last).

mod action;
mod argspec;
mod block;
mod error;
mod include;
pub mod keyword_table;
mod keywords;
pub(crate) mod kv;
mod list;
mod loader;
mod node;
mod play;
#[allow(clippy::module_inception)]
mod playbook;
mod role;
mod sources;
mod task;

pub use action::{short_name, Action};
pub use block::{Block, BlockOrigin};
pub use error::{PlaybookError, PlaybookErrors};
pub use include::{Include, IncludeKind, IncludeRole};
pub use keywords::{Condition, Keywords};
pub(crate) use kv::split_kv;
pub use list::{list_hosts, list_tasks, syntax_check, TagSelection};
pub use node::{Flag, Spanned};
pub use play::{Play, SerialStep};
pub use playbook::Playbook;
pub use role::{Role, RoleFrom, RoleInfo, RoleUse};
pub use sources::missing_sources;
pub use task::{Loop, LoopControl, LoopKind, Task, TaskItem};

use crate::source::Span;
#[cfg(doc)]
use crate::yaml::Node;
use loader::{Loader, Scope};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What the caller decides about loading (the library reads no
/// environment or config file itself).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LoadOptions {
    /// Extra role directories (Ansible's `roles_path`), searched after
    /// `<playbook dir>/roles`.
    pub roles_path: Vec<PathBuf>,
    /// `-e` values: with an import's own `vars:`, what a templated
    /// `import_playbook` name is rendered with (as ansible-core renders it
    /// while loading, before any host).
    pub extra_vars: crate::value::Map,
}

/// Parses the playbook at `path` with default [`LoadOptions`].
///
/// # Errors
/// Every problem found anywhere in the tree (see [`PlaybookError`]).
pub fn load_playbook(path: &Path) -> Result<Playbook, PlaybookErrors> {
    load_playbook_with(path, &LoadOptions::default())
}

/// Parses the playbook at `path` and everything it statically includes.
///
/// # Errors
/// Every problem found anywhere in the tree, in the order found.
pub fn load_playbook_with(path: &Path, options: &LoadOptions) -> Result<Playbook, PlaybookErrors> {
    let dir = playbook::dir_of(path);
    let mut loader = Loader::new(options.clone(), dir);
    let plays = loader.load_playbook_file(path, &Span::file(path.display().to_string()));
    finish(loader, |warnings| Playbook {
        path: path.to_path_buf(),
        plays,
        warnings,
    })
}

/// Parses a task file named by a dynamic include (`include_tasks`), at run
/// time. `role` is the role the include sits in (its tasks then belong to
/// it); `playbook_dir` is the fallback search root for nested imports.
///
/// # Errors
/// Every problem found in the file and what it imports.
pub fn load_tasks_file(
    path: &Path,
    role: Option<Arc<RoleInfo>>,
    playbook_dir: &Path,
    options: &LoadOptions,
) -> Result<Vec<TaskItem>, PlaybookErrors> {
    let mut loader = Loader::new(options.clone(), playbook_dir.to_path_buf());
    let scope = Scope {
        dir: playbook::dir_of(path),
        role,
        handlers: false,
    };
    let tasks = loader.load_task_file(path, &scope, &Span::file(path.display().to_string()));
    finish(loader, |_| tasks)
}

/// Where the task file of a dynamic include resolves once its name is
/// rendered (`file`), by the same rules static imports follow: absolute as
/// is; else in the role's `tasks/`, next to the including file, next to the
/// playbook.
///
/// # Errors
/// [`PlaybookError::MissingTaskFile`] listing every path tried.
pub fn resolve_include(
    include: &Include,
    file: &str,
    playbook_dir: &Path,
) -> Result<PathBuf, PlaybookError> {
    let loader = Loader::new(LoadOptions::default(), playbook_dir.to_path_buf());
    let scope = Scope {
        dir: include.base_dir.clone(),
        role: include.task.role.clone(),
        handlers: false,
    };
    loader
        .resolve_task_file(file, &scope)
        .map_err(|searched| PlaybookError::MissingTaskFile {
            file: file.to_owned(),
            searched,
            span: include.file.span.clone(),
        })
}

/// Finds and loads a role named by a dynamic `include_role`, at run time.
/// `requiring` is the role the include sits in (its siblings are searched
/// too, as for dependencies).
///
/// # Errors
/// A missing role (with every path searched) or problems in its files.
pub fn load_role(
    name: &Spanned<String>,
    from: RoleFrom,
    playbook_dir: &Path,
    requiring: Option<Arc<RoleInfo>>,
    options: &LoadOptions,
) -> Result<Arc<Role>, PlaybookErrors> {
    let mut loader = Loader::new(options.clone(), playbook_dir.to_path_buf());
    let scope = Scope {
        dir: playbook_dir.to_path_buf(),
        role: requiring,
        handlers: false,
    };
    let role = loader.load_role(name, from, &scope);
    match role {
        Some(role) => finish(loader, |_| role),
        None => Err(PlaybookErrors(loader.errors)),
    }
}

fn finish<T>(
    loader: Loader,
    make: impl FnOnce(Vec<crate::Warning>) -> T,
) -> Result<T, PlaybookErrors> {
    if loader.errors.is_empty() {
        Ok(make(loader.warnings))
    } else {
        Err(PlaybookErrors(loader.errors))
    }
}

/// Helpers for this layer's unit tests: a playbook tree in a temp dir.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    /// Writes `files` (path, text) under a fresh temp dir; the first file
    /// is the playbook. Returns the dir (kept alive) and the parse result.
    pub(crate) fn parse_tree(
        files: &[(&str, &str)],
    ) -> (tempfile::TempDir, Result<Playbook, PlaybookErrors>) {
        let dir = tempfile::tempdir().expect("temp dir");
        for (name, text) in files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().expect("has parent")).expect("mkdir");
            std::fs::write(&path, text).expect("write fixture");
        }
        let result = load_playbook(&dir.path().join(files[0].0));
        (dir, result)
    }

    /// Parses one play whose `tasks:` are `tasks` (YAML, indented by 4).
    pub(crate) fn play_tasks(tasks: &str) -> Result<Vec<TaskItem>, PlaybookErrors> {
        let text = format!("- hosts: all\n  tasks:\n{tasks}");
        let (_dir, result) = parse_tree(&[("site.yml", &text)]);
        result.map(|mut pb| std::mem::take(&mut pb.plays[0].tasks))
    }

    /// The single task of `tasks`.
    pub(crate) fn one_task(tasks: &str) -> Task {
        match play_tasks(tasks) {
            Ok(mut items) => match items.pop() {
                Some(TaskItem::Task(t)) => t,
                other => panic!("expected a task, got {other:?}"),
            },
            Err(e) => panic!("parse failed: {e}"),
        }
    }

    /// The errors of a tree that must fail.
    pub(crate) fn errors_of(files: &[(&str, &str)]) -> Vec<PlaybookError> {
        match parse_tree(files).1 {
            Ok(pb) => panic!("expected errors, parsed {} plays", pb.plays.len()),
            Err(e) => e.0,
        }
    }

    /// `(line, column)` of a span.
    pub(crate) fn at(span: &Span) -> (u32, u32) {
        (span.line, span.column)
    }
}

#[cfg(test)]
mod tests {
    use super::testing::parse_tree;
    use super::*;

    #[test]
    fn dynamic_entry_points_load_files_and_roles() {
        let (dir, pb) = parse_tree(&[
            ("site.yml", "- hosts: all\n"),
            ("roles/r/tasks/main.yml", "- include_tasks: more.yml\n"),
            (
                "roles/r/tasks/more.yml",
                "- name: m\n  debug:\n- import_tasks: leaf.yml\n",
            ),
            ("roles/r/tasks/leaf.yml", "- debug:\n"),
        ]);
        pb.unwrap_or_else(|e| panic!("{e}"));
        let name = Spanned::new("r".to_owned(), Span::file("site.yml"));
        let role = load_role(
            &name,
            RoleFrom::default(),
            dir.path(),
            None,
            &LoadOptions::default(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let TaskItem::IncludeTasks(inc) = &role.tasks[0] else {
            panic!("include")
        };
        let path =
            resolve_include(inc, &inc.file.value, dir.path()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(path, dir.path().join("roles/r/tasks/more.yml"));
        let tasks = load_tasks_file(
            &path,
            Some(role.info.clone()),
            dir.path(),
            &LoadOptions::default(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(&tasks[0], TaskItem::Task(t) if t.display_name() == "r : m"));
        assert!(matches!(&tasks[1], TaskItem::Block(b) if b.block.len() == 1));
        let missing = Spanned::new("nope".to_owned(), Span::file("site.yml"));
        let err = load_role(
            &missing,
            RoleFrom::default(),
            dir.path(),
            None,
            &LoadOptions::default(),
        );
        assert!(
            matches!(err, Err(PlaybookErrors(e)) if matches!(e[0], PlaybookError::MissingRole { .. }))
        );
    }
}
