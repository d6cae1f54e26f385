//! The text `ansible-playbook` prints for `--list-tasks`, `--list-hosts`
//! and `--syntax-check` (ansible-core 2.19.14, byte for byte).
//!
//! Facts this follows (measured on the golden cases in
//! `tests/golden/playbook/`):
//! - Each play prints `  play #N (<hosts>): <name>\tTAGS: [<play tags>]`;
//!   the play tags are joined by `,` (no space) in Python set order, which
//!   varies between runs; we print them sorted.
//! - `--list-hosts` prints the patterns as a Python list repr and the hosts
//!   in the caller's order (Ansible prints a set, in no stable order).
//! - `--list-tasks` walks `pre_tasks`, roles (dependencies first), `tasks`,
//!   `post_tasks`; only the `block:` part of blocks (never `rescue` or
//!   `always`); includes print as the include itself. A named task prints
//!   `role : name` inside a role, an unnamed one its action as written.
//!   Tags are the union of the task's and its parents', sorted, joined by
//!   `, `. Tasks not selected by `--tags`/`--skip-tags` are left out.

use super::block::Block;
use super::node::Spanned;
use super::play::Play;
use super::playbook::Playbook;
use super::role::RoleUse;
use super::task::{Task, TaskItem};
use std::collections::BTreeSet;
use std::fmt::Write;

/// `--tags` / `--skip-tags`, as given on the command line (split on commas).
#[derive(Clone, Debug, PartialEq)]
pub struct TagSelection {
    /// `--tags` (default `all`).
    pub only: Vec<String>,
    /// `--skip-tags`.
    pub skip: Vec<String>,
}

impl Default for TagSelection {
    fn default() -> TagSelection {
        TagSelection {
            only: vec!["all".to_owned()],
            skip: Vec::new(),
        }
    }
}

impl TagSelection {
    /// Whether a task with these effective tags is selected, by Ansible's
    /// rules: `always` runs unless skipped by name, `never` runs only when
    /// asked for by name, `all`, `tagged` and `untagged` are special.
    pub fn selects(&self, tags: &BTreeSet<&str>) -> bool {
        let untagged = tags.is_empty();
        let has = |t: &str| tags.contains(t) || (untagged && t == "untagged");
        let any_of = |list: &[String]| list.iter().any(|t| has(t));
        let mut run = true;
        if !self.only.is_empty() {
            let only_all = self.only.iter().any(|t| t == "all");
            let only_tagged = self.only.iter().any(|t| t == "tagged");
            run = has("always")
                || (only_all && !has("never"))
                || any_of(&self.only)
                || (only_tagged && !untagged && !has("never"));
        }
        if run && !self.skip.is_empty() {
            let skip_all = self.skip.iter().any(|t| t == "all");
            let skip_tagged = self.skip.iter().any(|t| t == "tagged");
            if skip_all {
                run = has("always") && !self.skip.iter().any(|t| t == "always");
            } else if any_of(&self.skip) || (skip_tagged && !untagged) {
                run = false;
            }
        }
        run
    }
}

/// `ansible-playbook --syntax-check` output for a playbook that parsed.
pub fn syntax_check(playbook: &Playbook) -> String {
    format!("\nplaybook: {}\n", playbook.path.display())
}

/// `ansible-playbook --list-hosts` output; `hosts_per_play[i]` are the hosts
/// play `i` matches (the caller resolves patterns against the inventory).
pub fn list_hosts(playbook: &Playbook, hosts_per_play: &[Vec<String>]) -> String {
    render(playbook, Some(hosts_per_play), None)
}

/// `ansible-playbook --list-tasks` output (with `--list-hosts` too when
/// `hosts_per_play` is given).
///
/// Ansible templates a play's `name` (and `hosts`) with the play's
/// variables before listing, but prints task names raw. This layer does not
/// template: a caller that wants `play {{ x }}` shown as `play X` renders
/// [`Play::name`] in place before calling.
pub fn list_tasks(
    playbook: &Playbook,
    hosts_per_play: Option<&[Vec<String>]>,
    tags: &TagSelection,
) -> String {
    render(playbook, hosts_per_play, Some(tags))
}

fn render(pb: &Playbook, hosts: Option<&[Vec<String>]>, tags: Option<&TagSelection>) -> String {
    let mut out = syntax_check(pb);
    for (i, play) in pb.plays.iter().enumerate() {
        let play_tags: BTreeSet<&str> = play
            .keywords
            .tags
            .iter()
            .map(|t| t.value.as_str())
            .collect();
        let joined: Vec<&str> = play_tags.iter().copied().collect();
        let _ = write!(
            out,
            "\n  play #{} ({}): {}\tTAGS: [{}]\n",
            i + 1,
            play.hosts_text(),
            play.display_name(),
            joined.join(",")
        );
        if let Some(hosts) = hosts {
            let empty = Vec::new();
            let list = hosts.get(i).unwrap_or(&empty);
            let patterns: Vec<String> = play.hosts.iter().map(|h| py_repr(&h.value)).collect();
            let _ = writeln!(out, "    pattern: [{}]", patterns.join(", "));
            let _ = writeln!(out, "    hosts ({}):", list.len());
            for h in list {
                let _ = writeln!(out, "      {h}");
            }
        }
        if let Some(selection) = tags {
            out.push_str("    tasks:\n");
            let mut lister = Lister {
                out: &mut out,
                selection,
                inherited: play_tags.clone(),
            };
            lister.play(play);
        }
    }
    out
}

struct Lister<'a, 'p> {
    out: &'a mut String,
    selection: &'a TagSelection,
    inherited: BTreeSet<&'p str>,
}

impl<'p> Lister<'_, 'p> {
    fn play(&mut self, play: &'p Play) {
        self.items(&play.pre_tasks);
        for role in &play.roles {
            self.role_use(role);
        }
        self.items(&play.tasks);
        self.items(&play.post_tasks);
    }

    fn items(&mut self, items: &'p [TaskItem]) {
        for item in items {
            match item {
                TaskItem::Task(t) => self.task(t),
                TaskItem::Block(b) => self.block(b),
                TaskItem::IncludeTasks(i) => self.task(&i.task),
                TaskItem::IncludeRole(i) => self.line(&i.task, i.display_name()),
            }
        }
    }

    fn with_tags(&mut self, tags: &'p [Spanned<String>], inner: impl FnOnce(&mut Self)) {
        let saved = self.inherited.clone();
        self.inherited.extend(tags.iter().map(|t| t.value.as_str()));
        inner(self);
        self.inherited = saved;
    }

    fn role_use(&mut self, role: &'p RoleUse) {
        self.with_tags(&role.keywords.tags, |me| {
            for dep in &role.role.dependencies {
                me.role_use(dep);
            }
            me.items(&role.role.tasks);
        });
    }

    fn block(&mut self, block: &'p Block) {
        self.with_tags(&block.keywords.tags, |me| me.items(&block.block));
    }

    fn task(&mut self, task: &'p Task) {
        self.line(task, task.display_name());
    }

    fn line(&mut self, task: &'p Task, name: String) {
        let mut tags = self.inherited.clone();
        tags.extend(task.keywords.tags.iter().map(|t| t.value.as_str()));
        if !self.selection.selects(&tags) {
            return;
        }
        let joined: Vec<&str> = tags.into_iter().collect();
        let _ = writeln!(self.out, "      {name}\tTAGS: [{}]", joined.join(", "));
    }
}

/// Python's `repr()` of a string.
fn py_repr(s: &str) -> String {
    crate::value::py_str_repr(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sel(only: &[&str], skip: &[&str]) -> TagSelection {
        TagSelection {
            only: only.iter().map(|s| s.to_string()).collect(),
            skip: skip.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn tags<'a>(list: &[&'a str]) -> BTreeSet<&'a str> {
        list.iter().copied().collect()
    }

    // The rules below are the ones the golden cases in
    // tests/golden/playbook/ (tags-*, skip-*) show ansible-playbook using.
    #[test]
    fn tag_selection_rules() {
        let all = TagSelection::default();
        assert!(all.selects(&tags(&[])));
        assert!(all.selects(&tags(&["x"])));
        assert!(!all.selects(&tags(&["never"])));
        assert!(all.selects(&tags(&["never", "always"])));
        assert!(sel(&["never"], &[]).selects(&tags(&["never"])));
        assert!(sel(&["x"], &[]).selects(&tags(&["always"])));
        assert!(!sel(&["x"], &[]).selects(&tags(&["y"])));
        assert!(sel(&["tagged"], &[]).selects(&tags(&["y"])));
        assert!(!sel(&["tagged"], &[]).selects(&tags(&[])));
        assert!(sel(&["untagged"], &[]).selects(&tags(&[])));
        assert!(!sel(&["all"], &["x"]).selects(&tags(&["x", "y"])));
        assert!(!sel(&["all"], &["tagged"]).selects(&tags(&["x"])));
        assert!(sel(&["all"], &["all"]).selects(&tags(&["always"])));
        assert!(!sel(&["all"], &["all", "always"]).selects(&tags(&["always"])));
        assert!(!sel(&["all"], &["always"]).selects(&tags(&["always"])));
    }

    #[test]
    fn python_repr_of_patterns() {
        assert_eq!(py_repr("web"), "'web'");
        assert_eq!(py_repr("it's"), "\"it's\"");
        assert_eq!(py_repr("a'b\"c"), "'a\\'b\"c'");
        assert_eq!(py_repr("a\\b\n"), "'a\\\\b\\n'");
    }
}
