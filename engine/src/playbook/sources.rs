//! [`missing_sources`]: controller-side files named by `template`, `copy`
//! and `script` that do not exist, found before any connection.
//!
//! Ansible only looks for these when the task runs, so a missing file in a
//! skipped task is no error there; this check is offered separately so the
//! caller decides whether a miss is an error or a warning.
//!
//! A relative `src` is looked for as Ansible's `_find_needle` does: under
//! `templates/` (template) or `files/` (copy, script) and then directly, in
//! the role's directory, the directory of the task's file, and the
//! playbook's directory. Templated names and `remote_src: true` are skipped.

use super::error::PlaybookError;
use super::node::{self, Flag};
use super::play::Play;
use super::playbook::Playbook;
use super::role::RoleUse;
use super::task::{Task, TaskItem};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Every literal `src` of `template`, `copy` and `script` that exists in
/// none of the places Ansible would look.
pub fn missing_sources(playbook: &Playbook) -> Vec<PlaybookError> {
    let mut check = Check {
        errors: Vec::new(),
        roles_seen: HashSet::new(),
    };
    for play in &playbook.plays {
        check.play(play);
    }
    check.errors
}

struct Check {
    errors: Vec<PlaybookError>,
    roles_seen: HashSet<PathBuf>,
}

impl Check {
    fn play(&mut self, play: &Play) {
        for list in [
            &play.pre_tasks,
            &play.tasks,
            &play.post_tasks,
            &play.handlers,
        ] {
            self.items(list, &play.dir);
        }
        for role in &play.roles {
            self.role_use(role, &play.dir);
        }
    }

    fn role_use(&mut self, role: &RoleUse, dir: &Path) {
        if !self.roles_seen.insert(role.role.info.path.clone()) {
            return;
        }
        for dep in &role.role.dependencies {
            self.role_use(dep, dir);
        }
        self.items(&role.role.tasks, dir);
        self.items(&role.role.handlers, dir);
    }

    fn items(&mut self, items: &[TaskItem], dir: &Path) {
        for item in items {
            match item {
                TaskItem::Task(t) => self.task(t, dir),
                TaskItem::Block(b) => {
                    for list in [&b.block, &b.rescue, &b.always] {
                        self.items(list, dir);
                    }
                }
                TaskItem::IncludeTasks(_) | TaskItem::IncludeRole(_) => {}
            }
        }
    }

    fn task(&mut self, task: &Task, playbook_dir: &Path) {
        let (sub, src) = match task.action.module.as_str() {
            "template" => ("templates", task.action.args.get("src")),
            "copy" => {
                let remote = task
                    .action
                    .args
                    .get("remote_src")
                    .map(|n| node::flag("remote_src", n));
                if matches!(remote, Some(Ok(ref f)) if f.value != Flag::Bool(false)) {
                    return;
                }
                ("files", task.action.args.get("src"))
            }
            "script" => (
                "files",
                task.action
                    .args
                    .get("cmd")
                    .or_else(|| task.action.args.get("_raw_params")),
            ),
            _ => return,
        };
        let Some(src) = src else { return };
        let Some(text) = node::as_str(src) else {
            return;
        };
        // A script line is `path args...`, split as the script action
        // splits it (`shlex`: a quoted path may hold spaces); only the path
        // is a file.
        let first;
        let name = if task.action.module == "script" {
            first = crate::modules::split_words(text)
                .and_then(|w| w.into_iter().next())
                .unwrap_or_default();
            first.as_str()
        } else {
            text
        };
        if name.is_empty() || node::is_template(name) {
            return;
        }
        let mut bases: Vec<PathBuf> = Vec::with_capacity(3);
        if let Some(role) = &task.role {
            bases.push(role.path.clone());
        }
        if let Some(file_dir) = Path::new(&*task.span.file).parent() {
            bases.push(file_dir.to_path_buf());
        }
        bases.push(playbook_dir.to_path_buf());
        let candidates: Vec<PathBuf> = if Path::new(name).is_absolute() {
            vec![PathBuf::from(name)]
        } else {
            bases
                .iter()
                .flat_map(|b| [b.join(sub).join(name), b.join(name)])
                .collect()
        };
        if candidates.iter().any(|c| c.exists()) {
            return;
        }
        let mut searched: Vec<String> =
            candidates.iter().map(|c| c.display().to_string()).collect();
        searched.dedup();
        self.errors.push(PlaybookError::MissingSource {
            module: task.action.module.clone(),
            src: name.to_owned(),
            searched,
            span: src.span.clone(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{at, parse_tree};
    use super::*;

    #[test]
    fn finds_role_and_playbook_relative_sources() {
        let (_d, pb) = parse_tree(&[
            (
                "site.yml",
                "- hosts: all\n  roles: [r]\n  tasks:\n    - script: files/s.sh --flag\n    - copy: src=plain.txt dest=/x\n    - copy:\n        src: /nonexistent/abs\n        dest: /y\n        remote_src: yes\n    - template:\n        src: \"{{ t }}.j2\"\n        dest: /z\n",
            ),
            ("files/s.sh", "#!/bin/sh\n"),
            ("files/plain.txt", "x"),
            ("roles/r/tasks/main.yml", "- template: src=sub/a.j2 dest=/a\n- template:\n    src: gone.j2\n    dest: /b\n"),
            ("roles/r/templates/sub/a.j2", "x"),
        ]);
        let pb = pb.unwrap_or_else(|e| panic!("{e}"));
        let errors = missing_sources(&pb);
        assert_eq!(errors.len(), 1, "{errors:?}");
        match &errors[0] {
            PlaybookError::MissingSource {
                module,
                src,
                searched,
                span,
            } => {
                assert_eq!((module.as_str(), src.as_str()), ("template", "gone.j2"));
                assert!(searched[0].ends_with("roles/r/templates/gone.j2"));
                assert_eq!(at(span), (3, 10));
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
