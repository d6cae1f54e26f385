//! Includes and imports: [`Include`], [`IncludeRole`] and the parse-time
//! expansion of static ones.
//!
//! - `import_tasks`, `import_role`: static. With a literal name they are
//!   expanded here into a [`Block`] carrying the import's keywords (so its
//!   `when` and `tags` apply to each imported task). A templated name cannot
//!   be resolved without variables and is kept for the planner.
//! - `include_tasks`, `include_role`: dynamic, kept with their `loop`,
//!   `vars` and `apply`.
//! - bare `include:` (removed from ansible-core in 2.16, used by KIB): as
//!   Ansible 2.10 decided, static unless it loops or names a template.

use super::block::{Block, BlockOrigin};
use super::error::PlaybookError;
use super::loader::{Loader, Scope};
use super::node::{self, Flag, Spanned};
use super::role::RoleFrom;
use super::task::{Task, TaskItem};
use crate::yaml::Node;
use std::path::PathBuf;

/// Which statement a dynamic task include came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IncludeKind {
    /// `include_tasks:`.
    IncludeTasks,
    /// A bare `include:` that loops or names a template.
    Include,
    /// `import_tasks:` with a templated file name (static, resolved once the
    /// play's variables are known).
    ImportTasks,
}

/// A task file loaded at run time (see [`super::load_tasks_file`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Include {
    /// Which statement this is.
    pub kind: IncludeKind,
    /// The include as a task: name, keywords, loop, vars.
    pub task: Task,
    /// The file name as written (may be a template).
    pub file: Spanned<String>,
    /// `apply:` keywords for the included tasks, as written.
    pub apply: Option<Node>,
    /// Directory of the file holding the include (relative names start here).
    pub base_dir: PathBuf,
}

/// A role loaded at run time: `include_role:` (or `import_role:` with a
/// templated name).
#[derive(Clone, Debug, PartialEq)]
pub struct IncludeRole {
    /// The include as a task: name, keywords, loop, vars.
    pub task: Task,
    /// The role name as written.
    pub name: Spanned<String>,
    /// `tasks_from` and friends.
    pub from: RoleFrom,
    /// `public`: whether the role's vars and defaults outlive the include.
    pub public: Option<Spanned<Flag>>,
    /// `allow_duplicates`.
    pub allow_duplicates: Option<Spanned<Flag>>,
    /// `apply:` keywords, as written.
    pub apply: Option<Node>,
    /// True for an `import_role` kept because its name is templated.
    pub is_import: bool,
}

impl IncludeRole {
    /// The name Ansible shows: `name` as written, never prefixed with the
    /// enclosing role (ansible-core names an `include_role` by itself).
    pub fn display_name(&self) -> String {
        match &self.task.name {
            Some(n) => n.value.clone(),
            None => self.task.action.written.clone(),
        }
    }
}

/// The string argument `key` (or the free-form text) of an include.
fn name_arg(task: &Task, key: &str) -> Option<Spanned<String>> {
    let n = task
        .action
        .args
        .get(key)
        .or_else(|| task.action.args.get("_raw_params"))?;
    node::scalar_text(n).map(|s| Spanned::new(s, n.span.clone()))
}

fn str_arg(task: &Task, key: &str) -> Result<Option<String>, PlaybookError> {
    match task.action.args.get(key) {
        Some(n) => node::opt_string(key, n).map(|s| s.map(|s| s.value)),
        None => Ok(None),
    }
}

fn flag_arg(task: &Task, key: &str) -> Result<Option<Spanned<Flag>>, PlaybookError> {
    task.action
        .args
        .get(key)
        .map(|n| node::flag(key, n))
        .transpose()
}

type RoleIncludeArgs = (
    Spanned<String>,
    RoleFrom,
    Option<Spanned<Flag>>,
    Option<Spanned<Flag>>,
);

/// `name`, `*_from`, `public` and `allow_duplicates` of an
/// `include_role`/`import_role`.
fn role_include_args(task: &Task) -> Result<RoleIncludeArgs, PlaybookError> {
    // `role` is `name`'s alias (ansible-core's `IncludeRole.load`).
    let name = match task.action.args.contains_key("name") {
        true => name_arg(task, "name"),
        false => name_arg(task, "role"),
    };
    let name = name.ok_or_else(|| PlaybookError::BadKeywordType {
        keyword: format!("{}.name", task.action.written),
        expected: "a role name",
        found: "nothing",
        span: task.action.span.clone(),
    })?;
    let from = RoleFrom {
        tasks_from: str_arg(task, "tasks_from")?,
        vars_from: str_arg(task, "vars_from")?,
        defaults_from: str_arg(task, "defaults_from")?,
        handlers_from: str_arg(task, "handlers_from")?,
    };
    let public = flag_arg(task, "public")?;
    let allow_duplicates = flag_arg(task, "allow_duplicates")?;
    Ok((name, from, public, allow_duplicates))
}

impl Loader {
    /// Turns a parsed task into its item: a plain task, an expanded import
    /// or a kept include. `None` when an error was recorded.
    pub(crate) fn expand_include(&mut self, task: Task, scope: &Scope) -> Option<TaskItem> {
        match task.action.module.as_str() {
            "import_tasks" => self.task_file_include(task, scope, IncludeKind::ImportTasks),
            "include_tasks" => self.task_file_include(task, scope, IncludeKind::IncludeTasks),
            "include" => self.task_file_include(task, scope, IncludeKind::Include),
            "import_role" | "include_role" => self.role_include(task, scope),
            _ => Some(TaskItem::Task(task)),
        }
    }

    fn task_file_include(
        &mut self,
        task: Task,
        scope: &Scope,
        kind: IncludeKind,
    ) -> Option<TaskItem> {
        let Some(file) = name_arg(&task, "file") else {
            self.error(PlaybookError::BadKeywordType {
                keyword: format!("{}.file", task.action.written),
                expected: "a task file name",
                found: "nothing",
                span: task.action.span.clone(),
            });
            return None;
        };
        let templated = node::is_template(&file.value);
        let is_static = match kind {
            IncludeKind::ImportTasks => !templated,
            IncludeKind::Include => !templated && task.loop_.is_none(),
            IncludeKind::IncludeTasks => false,
        };
        if kind == IncludeKind::ImportTasks {
            if let Some(l) = &task.loop_ {
                self.error(PlaybookError::LoopOnImport {
                    keyword: task.action.written.clone(),
                    span: l.span.clone(),
                });
                return None;
            }
        }
        if !is_static {
            let apply = task.action.args.get("apply").cloned();
            return Some(TaskItem::IncludeTasks(Include {
                kind,
                task,
                file,
                apply,
                base_dir: scope.dir.clone(),
            }));
        }
        let path = match self.resolve_task_file(&file.value, scope) {
            Ok(p) => p,
            Err(searched) => {
                self.error(PlaybookError::MissingTaskFile {
                    file: file.value,
                    searched,
                    span: file.span,
                });
                return None;
            }
        };
        let tasks = self.load_task_file(&path, scope, &file.span);
        Some(TaskItem::Block(Block::implicit(
            BlockOrigin::ImportTasks(path),
            import_keywords(task.keywords, task.notify),
            tasks,
            scope.role.clone(),
            task.span,
        )))
    }

    fn role_include(&mut self, task: Task, scope: &Scope) -> Option<TaskItem> {
        match role_include_args(&task) {
            Ok((name, from, public, allow_duplicates)) => {
                self.role_include_with(task, scope, name, from, public, allow_duplicates)
            }
            Err(e) => {
                self.error(e);
                None
            }
        }
    }

    fn role_include_with(
        &mut self,
        task: Task,
        scope: &Scope,
        name: Spanned<String>,
        from: RoleFrom,
        public: Option<Spanned<Flag>>,
        allow_duplicates: Option<Spanned<Flag>>,
    ) -> Option<TaskItem> {
        let is_import = task.action.module == "import_role";
        if is_import && !node::is_template(&name.value) {
            if let Some(l) = &task.loop_ {
                self.error(PlaybookError::LoopOnImport {
                    keyword: task.action.written.clone(),
                    span: l.span.clone(),
                });
                return None;
            }
            let role = self.load_role(&name, from, scope)?;
            let body = self.role_body(&role);
            return Some(TaskItem::Block(Block::implicit(
                BlockOrigin::ImportRole(role),
                import_keywords(task.keywords, task.notify),
                body,
                scope.role.clone(),
                task.span,
            )));
        }
        let apply = task.action.args.get("apply").cloned();
        Some(TaskItem::IncludeRole(IncludeRole {
            task,
            name,
            from,
            public,
            allow_duplicates,
            apply,
            is_import,
        }))
    }
}

/// The keywords a static import hands to its tasks: its own, and its
/// `notify` (inherited as a block's is: Ansible's `notify` is an
/// inheritable attribute and a static parent passes it down).
fn import_keywords(mut keywords: super::Keywords, notify: Vec<Spanned<String>>) -> super::Keywords {
    if keywords.notify.is_empty() {
        keywords.notify = notify;
    }
    keywords
}

#[cfg(test)]
mod tests {
    use super::super::testing::{at, parse_tree};
    use super::super::TaskItem;
    use super::*;

    fn tasks_of(files: &[(&str, &str)]) -> Vec<TaskItem> {
        let (_d, pb) = parse_tree(files);
        let mut pb = pb.unwrap_or_else(|e| panic!("{e}"));
        std::mem::take(&mut pb.plays[0].tasks)
    }

    #[test]
    fn import_tasks_is_expanded_with_its_keywords() {
        let items = tasks_of(&[
            ("site.yml", "- hosts: all\n  tasks:\n    - import_tasks: t.yml\n      when: x\n      tags: imp\n"),
            ("t.yml", "- name: one\n  debug:\n- debug:\n"),
        ]);
        let TaskItem::Block(b) = &items[0] else {
            panic!("block")
        };
        assert!(matches!(&b.origin, BlockOrigin::ImportTasks(p) if p.ends_with("t.yml")));
        assert_eq!(b.block.len(), 2);
        assert_eq!(b.keywords.when.len(), 1);
        assert_eq!(b.keywords.tags[0].value, "imp");
    }

    #[test]
    fn a_static_import_hands_its_notify_to_its_tasks() {
        let items = tasks_of(&[
            (
                "site.yml",
                "- hosts: all\n  tasks:\n    - import_tasks: t.yml\n      notify: hello\n",
            ),
            ("t.yml", "- debug:\n"),
        ]);
        let TaskItem::Block(b) = &items[0] else {
            panic!("block")
        };
        let notify: Vec<&str> = b.keywords.notify.iter().map(|n| n.value.as_str()).collect();
        assert_eq!(notify, ["hello"]);
    }

    #[test]
    fn include_tasks_stays_dynamic_with_loop_and_vars() {
        let items = tasks_of(&[(
            "site.yml",
            "- hosts: all\n  tasks:\n    - include_tasks:\n        file: \"{{ f }}.yml\"\n        apply:\n          tags: [x]\n      loop: [a, b]\n      vars:\n        image: \"{{ item }}\"\n",
        )]);
        let TaskItem::IncludeTasks(i) = &items[0] else {
            panic!("include")
        };
        assert_eq!(i.kind, IncludeKind::IncludeTasks);
        assert_eq!(i.file.value, "{{ f }}.yml");
        assert_eq!(at(&i.file.span), (4, 15));
        assert!(i.task.loop_.is_some());
        assert!(i.task.keywords.vars.is_some());
        assert!(i.apply.is_some());
    }

    #[test]
    fn bare_include_follows_the_2_10_rule() {
        let items = tasks_of(&[
            (
                "site.yml",
                "- hosts: all\n  tasks:\n    - include: t.yml\n      when: x\n    - include: t.yml\n      loop: [1]\n    - include: \"{{ n }}.yml\"\n",
            ),
            ("t.yml", "- debug:\n"),
        ]);
        assert!(
            matches!(&items[0], TaskItem::Block(b) if b.keywords.when.len() == 1 && b.block.len() == 1)
        );
        assert!(matches!(&items[1], TaskItem::IncludeTasks(i) if i.kind == IncludeKind::Include));
        assert!(matches!(&items[2], TaskItem::IncludeTasks(i) if i.kind == IncludeKind::Include));
    }

    #[test]
    fn import_role_and_include_role() {
        let items = tasks_of(&[
            (
                "site.yml",
                "- hosts: all\n  tasks:\n    - import_role:\n        name: r\n        tasks_from: other\n    - include_role:\n        name: r\n        public: yes\n      loop: [1]\n",
            ),
            ("roles/r/tasks/main.yml", "- debug:\n"),
            ("roles/r/tasks/other.yml", "- name: other\n  debug:\n"),
        ]);
        let TaskItem::Block(b) = &items[0] else {
            panic!("block")
        };
        let BlockOrigin::ImportRole(role) = &b.origin else {
            panic!("import role")
        };
        assert_eq!(role.info.name, "r");
        assert!(matches!(&b.block[0], TaskItem::Task(t) if t.display_name() == "r : other"));
        let TaskItem::IncludeRole(ir) = &items[1] else {
            panic!("include_role")
        };
        assert_eq!(ir.name.value, "r");
        assert_eq!(
            ir.public.as_ref().map(|p| p.value.clone()),
            Some(Flag::Bool(true))
        );
        assert!(ir.task.loop_.is_some());
    }

    #[test]
    fn role_relative_imports_resolve_in_the_role() {
        let (_d, pb) = parse_tree(&[
            ("site.yml", "- hosts: all\n  roles: [r]\n"),
            ("roles/r/tasks/main.yml", "- import_tasks: sub/a.yml\n"),
            ("roles/r/tasks/sub/a.yml", "- import_tasks: b.yml\n"),
            ("roles/r/tasks/sub/b.yml", "- name: deep\n  debug:\n"),
        ]);
        let pb = pb.unwrap_or_else(|e| panic!("{e}"));
        let TaskItem::Block(a) = &pb.plays[0].roles[0].role.tasks[0] else {
            panic!()
        };
        let TaskItem::Block(b) = &a.block[0] else {
            panic!()
        };
        assert!(matches!(&b.block[0], TaskItem::Task(t) if t.display_name() == "r : deep"));
    }
}
