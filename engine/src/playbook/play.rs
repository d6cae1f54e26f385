//! [`Play`]: one play of a playbook, with its task sections and roles.

use super::error::PlaybookError;
use super::keyword_table::Object;
use super::keywords::{self, Keywords};
use super::loader::{Loader, Scope};
use super::node::{self, Flag, Spanned};
use super::role::RoleUse;
use super::task::TaskItem;
use crate::source::Span;
use crate::yaml::{Mapping, Node, NodeKind};
use std::path::PathBuf;

/// One step of `serial`.
#[derive(Clone, Debug, PartialEq)]
pub enum SerialStep {
    /// A number of hosts.
    Count(i64),
    /// A percentage of the play's hosts (`"30%"`).
    Percent(f64),
    /// A template, decided when the play starts.
    Template(String),
}

/// A play as written.
#[derive(Clone, Debug, PartialEq)]
pub struct Play {
    /// `name`, if written and not empty.
    pub name: Option<Spanned<String>>,
    /// `hosts`: one entry per list item; a string stays one entry
    /// (`"web,db"`), as Ansible keeps it.
    pub hosts: Vec<Spanned<String>>,
    /// Shared keywords (`become`, `vars`, `environment`, `tags`, ...).
    pub keywords: Keywords,
    /// `gather_facts` (default: true).
    pub gather_facts: Option<Spanned<Flag>>,
    /// `fact_path`: where the gathering reads local facts.
    pub fact_path: Option<Spanned<String>>,
    /// `gather_subset`, as written.
    pub gather_subset: Option<Node>,
    /// `gather_timeout`, as written.
    pub gather_timeout: Option<Node>,
    /// `vars_files` entries as written (an inner list means "first that exists").
    pub vars_files: Vec<Node>,
    /// `vars_prompt`, as written (parsed only).
    pub vars_prompt: Option<Node>,
    /// `pre_tasks`.
    pub pre_tasks: Vec<TaskItem>,
    /// `roles`, loaded.
    pub roles: Vec<RoleUse>,
    /// `tasks`.
    pub tasks: Vec<TaskItem>,
    /// `post_tasks`.
    pub post_tasks: Vec<TaskItem>,
    /// `handlers`.
    pub handlers: Vec<TaskItem>,
    /// `serial` (empty: all hosts at once).
    pub serial: Vec<Spanned<SerialStep>>,
    /// `strategy`.
    pub strategy: Option<Spanned<String>>,
    /// `order`.
    pub order: Option<Spanned<String>>,
    /// `max_fail_percentage`.
    pub max_fail_percentage: Option<Node>,
    /// `force_handlers`.
    pub force_handlers: Option<Spanned<Flag>>,
    /// Directory of the playbook file holding the play (`playbook_dir`).
    pub dir: PathBuf,
    /// Where the play starts.
    pub span: Span,
}

impl Play {
    /// The name Ansible shows: `name`, else the host patterns joined by `,`.
    pub fn display_name(&self) -> String {
        match &self.name {
            Some(n) => n.value.clone(),
            None => self.hosts_text(),
        }
    }

    /// Every handler of the play in the order Ansible runs them (measured,
    /// ansible-core 2.19): handlers of `roles:` (each role's dependencies
    /// first), then the play's own `handlers:`, then those of roles brought
    /// in by `import_role` in `pre_tasks`/`tasks`/`post_tasks`. A role's
    /// handlers appear once however often the role is used.
    pub fn all_handlers(&self) -> Vec<&TaskItem> {
        let mut seen: Vec<&std::path::Path> = Vec::new();
        let mut out: Vec<&TaskItem> = Vec::new();
        for role in &self.roles {
            role_handlers(role, &mut seen, &mut out);
        }
        out.extend(self.handlers.iter());
        for list in [&self.pre_tasks, &self.tasks, &self.post_tasks] {
            imported_role_handlers(list, &mut seen, &mut out);
        }
        out
    }

    /// The host patterns joined by `,` (as `--list-tasks` headers show them).
    pub fn hosts_text(&self) -> String {
        let parts: Vec<&str> = self.hosts.iter().map(|h| h.value.as_str()).collect();
        parts.join(",")
    }
}

fn role_handlers<'p>(
    role: &'p RoleUse,
    seen: &mut Vec<&'p std::path::Path>,
    out: &mut Vec<&'p TaskItem>,
) {
    for dep in &role.role.dependencies {
        role_handlers(dep, seen, out);
    }
    push_role_handlers(&role.role, seen, out);
}

fn push_role_handlers<'p>(
    role: &'p super::role::Role,
    seen: &mut Vec<&'p std::path::Path>,
    out: &mut Vec<&'p TaskItem>,
) {
    if !seen.contains(&role.info.path.as_path()) {
        seen.push(&role.info.path);
        out.extend(role.handlers.iter());
    }
}

fn imported_role_handlers<'p>(
    items: &'p [TaskItem],
    seen: &mut Vec<&'p std::path::Path>,
    out: &mut Vec<&'p TaskItem>,
) {
    for item in items {
        let TaskItem::Block(block) = item else {
            continue;
        };
        for list in [&block.block, &block.rescue, &block.always] {
            imported_role_handlers(list, seen, out);
        }
        if let super::block::BlockOrigin::ImportRole(role) = &block.origin {
            push_role_handlers(role, seen, out);
        }
    }
}

fn parse_hosts(node: &Node) -> Result<Vec<Spanned<String>>, PlaybookError> {
    match &node.kind {
        NodeKind::Seq(items) => items.iter().map(|n| node::string("hosts", n)).collect(),
        NodeKind::Null => Ok(Vec::new()),
        NodeKind::Map(_) => Err(node::bad_type("hosts", "a string or list", node)),
        _ => node::string("hosts", node).map(|h| vec![h]),
    }
}

fn serial_step(node: &Node) -> Result<Spanned<SerialStep>, PlaybookError> {
    let step = match &node.kind {
        NodeKind::Int(i) => SerialStep::Count(*i),
        NodeKind::Str(s) if node::is_template(s) => SerialStep::Template(s.clone()),
        NodeKind::Str(s) => {
            let t = s.trim();
            if let Some(p) = t
                .strip_suffix('%')
                .and_then(|p| p.trim().parse::<f64>().ok())
            {
                SerialStep::Percent(p)
            } else if let Ok(i) = t.parse::<i64>() {
                SerialStep::Count(i)
            } else {
                return Err(node::bad_type("serial", "an integer or a percentage", node));
            }
        }
        _ => {
            return Err(node::bad_type(
                "serial",
                "an integer, a percentage or a list",
                node,
            ))
        }
    };
    Ok(Spanned::new(step, node.span.clone()))
}

fn parse_serial(node: &Node) -> Result<Vec<Spanned<SerialStep>>, PlaybookError> {
    match &node.kind {
        NodeKind::Null => Ok(Vec::new()),
        NodeKind::Seq(items) => items.iter().map(serial_step).collect(),
        _ => Ok(vec![serial_step(node)?]),
    }
}

impl Loader {
    /// Parses one play mapping.
    pub(crate) fn parse_play(&mut self, map: &Mapping, span: &Span, dir: PathBuf) -> Play {
        let mut play = Play {
            name: None,
            hosts: Vec::new(),
            keywords: Keywords::default(),
            gather_facts: None,
            fact_path: None,
            gather_subset: None,
            gather_timeout: None,
            vars_files: Vec::new(),
            vars_prompt: None,
            pre_tasks: Vec::new(),
            roles: Vec::new(),
            tasks: Vec::new(),
            post_tasks: Vec::new(),
            handlers: Vec::new(),
            serial: Vec::new(),
            strategy: None,
            order: None,
            max_fail_percentage: None,
            force_handlers: None,
            dir: dir.clone(),
            span: span.clone(),
        };
        let scope = Scope {
            dir,
            role: None,
            handlers: false,
        };
        for (key, entry) in &map.entries {
            if let Err(e) = self.set_play_key(&mut play, key, &entry.key_span, &entry.value, &scope)
            {
                self.error(e);
            }
        }
        if play.hosts.is_empty() && !map.entries.contains_key("hosts") {
            self.error(PlaybookError::MissingHosts { span: span.clone() });
        }
        play
    }

    fn set_play_key(
        &mut self,
        play: &mut Play,
        key: &str,
        key_span: &Span,
        value: &Node,
        scope: &Scope,
    ) -> Result<(), PlaybookError> {
        let flag = |v: &Node| node::flag(key, v).map(Some);
        keywords::admit_only(Object::Play, key, key_span)?;
        match key {
            "name" => play.name = node::opt_string(key, value)?.filter(|n| !n.value.is_empty()),
            "hosts" => play.hosts = parse_hosts(value)?,
            "gather_facts" => play.gather_facts = flag(value)?,
            "gather_subset" => play.gather_subset = Some(value.clone()),
            "gather_timeout" => play.gather_timeout = Some(value.clone()),
            "fact_path" => play.fact_path = Some(node::string(key, value)?),
            "vars_files" => {
                play.vars_files = match &value.kind {
                    NodeKind::Null => Vec::new(),
                    NodeKind::Seq(items) => items.clone(),
                    _ => vec![value.clone()],
                }
            }
            "vars_prompt" => play.vars_prompt = Some(value.clone()),
            "pre_tasks" | "tasks" | "post_tasks" | "handlers" => {
                let items = node::task_list(key, value)?;
                let scope = Scope {
                    handlers: key == "handlers",
                    ..scope.clone()
                };
                let parsed = self.parse_task_list(items, &scope);
                match key {
                    "pre_tasks" => play.pre_tasks = parsed,
                    "tasks" => play.tasks = parsed,
                    "post_tasks" => play.post_tasks = parsed,
                    _ => play.handlers = parsed,
                }
            }
            "roles" => {
                let items = node::task_list(key, value)?;
                play.roles = self.parse_role_list(items, scope);
            }
            "serial" => play.serial = parse_serial(value)?,
            "strategy" => play.strategy = node::opt_string(key, value)?,
            "order" => play.order = node::opt_string(key, value)?,
            "max_fail_percentage" => play.max_fail_percentage = Some(value.clone()),
            "force_handlers" => play.force_handlers = flag(value)?,
            _ => {
                if !play.keywords.set(key, value)? {
                    // The table lists a play keyword nothing stores.
                    return Err(PlaybookError::UnknownKeyword {
                        keyword: key.to_owned(),
                        object: "Play",
                        span: key_span.clone(),
                    });
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::parse_tree;
    use super::*;

    #[test]
    fn play_keywords() {
        let (_d, pb) = parse_tree(&[
            (
                "site.yml",
                "- name: p\n  hosts: [web, db]\n  become: yes\n  gather_facts: false\n  vars: {a: 1}\n  vars_files: [x.yml, [a.yml, b.yml]]\n  environment: \"{{ env }}\"\n  serial: [1, \"30%\", \"{{ n }}\"]\n  strategy: linear\n  any_errors_fatal: true\n  max_fail_percentage: 20\n  ignore_unreachable: true\n  force_handlers: true\n  check_mode: false\n  diff: true\n  tags: [a]\n  pre_tasks: [{debug: }]\n  tasks: [{debug: }]\n  post_tasks: [{debug: }]\n  handlers: [{name: h, debug: }]\n",
            ),
        ]);
        let pb = pb.unwrap_or_else(|e| panic!("{e}"));
        let p = &pb.plays[0];
        assert_eq!(p.display_name(), "p");
        assert_eq!(p.hosts_text(), "web,db");
        assert_eq!(
            p.gather_facts.as_ref().map(|g| g.value.clone()),
            Some(Flag::Bool(false))
        );
        assert_eq!(p.vars_files.len(), 2);
        let serial: Vec<_> = p.serial.iter().map(|s| s.value.clone()).collect();
        assert_eq!(
            serial,
            [
                SerialStep::Count(1),
                SerialStep::Percent(30.0),
                SerialStep::Template("{{ n }}".into())
            ]
        );
        assert_eq!(
            p.strategy.as_ref().map(|s| s.value.as_str()),
            Some("linear")
        );
        assert!(p.max_fail_percentage.is_some() && p.force_handlers.is_some());
        assert!(p.keywords.any_errors_fatal.is_some() && p.keywords.ignore_unreachable.is_some());
        assert_eq!(
            p.keywords.environment.as_ref().and_then(|e| e.as_str()),
            Some("{{ env }}")
        );
        assert_eq!(
            (
                p.pre_tasks.len(),
                p.tasks.len(),
                p.post_tasks.len(),
                p.handlers.len()
            ),
            (1, 1, 1, 1)
        );
    }

    /// A keyword the table refuses is an error at the key, with the
    /// reason, and every one in the file is reported.
    #[test]
    fn refused_keywords_are_errors_at_the_key() {
        use super::super::testing::{at, errors_of};
        let errors = errors_of(&[(
            "site.yml",
            "- hosts: all\n  debugger: always\n  tasks:\n    - debug:\n      debugger: on_failed\n    - block:\n        - debug:\n      debugger: never\n  roles:\n    - role: r\n      debugger: never\n- import_playbook: other.yml\n  become: true\n",
        ), ("roles/r/tasks/main.yml", "- debug:\n"), ("other.yml", "- hosts: all\n")]);
        let got: Vec<(String, &str, (u32, u32))> = errors
            .iter()
            .map(|e| match e {
                PlaybookError::RefusedKeyword {
                    keyword,
                    object,
                    span,
                    ..
                } => (keyword.clone(), *object, at(span)),
                other => panic!("unexpected {other}"),
            })
            .collect();
        assert_eq!(
            got,
            [
                ("debugger".to_owned(), "Play", (2, 3)),
                ("debugger".to_owned(), "Task", (5, 7)),
                ("debugger".to_owned(), "Block", (8, 7)),
                ("debugger".to_owned(), "Role", (11, 7)),
                ("become".to_owned(), "PlaybookInclude", (13, 3)),
            ]
        );
        assert_eq!(
            errors[0].to_string(),
            format!(
                "{}: `debugger` on a Play is not supported: the interactive task debugger is not supported",
                errors[0].span()
            )
        );
    }

    /// `listen` is a handler keyword; on a task it is no keyword at all
    /// (ansible-core 2.19: "'listen' is not a valid attribute for a Task").
    #[test]
    fn listen_only_on_handlers() {
        use super::super::testing::errors_of;
        let (_d, pb) = parse_tree(&[(
            "site.yml",
            "- hosts: all\n  handlers:\n    - name: h\n      debug:\n      listen: topic\n",
        )]);
        let pb = pb.unwrap_or_else(|e| panic!("{e}"));
        assert!(
            matches!(&pb.plays[0].handlers[0], TaskItem::Task(t) if t.listen[0].value == "topic")
        );
        let errors = errors_of(&[(
            "site.yml",
            "- hosts: all\n  tasks:\n    - debug:\n      listen: topic\n",
        )]);
        assert!(
            matches!(&errors[0], PlaybookError::UnknownKeyword { keyword, object: "Task", .. } if keyword == "listen"),
            "{errors:?}"
        );
    }

    #[test]
    fn handlers_in_ansible_order() {
        let (_d, pb) = parse_tree(&[
            (
                "site.yml",
                "- hosts: all\n  roles: [r]\n  tasks:\n    - import_role: name=r2\n  handlers:\n    - {name: h_play, debug: }\n",
            ),
            ("roles/r/handlers/main.yml", "- {name: h_role, debug: }\n"),
            ("roles/r2/handlers/main.yml", "- {name: h_r2, debug: }\n"),
            ("roles/r2/meta/main.yml", "dependencies: [d]\n"),
            ("roles/d/handlers/main.yml", "- {name: h_dep, debug: }\n"),
        ]);
        let pb = pb.unwrap_or_else(|e| panic!("{e}"));
        let names: Vec<String> = pb.plays[0]
            .all_handlers()
            .iter()
            .filter_map(|h| match h {
                TaskItem::Task(t) => Some(t.display_name()),
                _ => None,
            })
            .collect();
        // The order ansible-playbook 2.19.14 ran these handlers in.
        assert_eq!(names, ["r : h_role", "h_play", "d : h_dep", "r2 : h_r2"]);
    }

    #[test]
    fn unnamed_play_is_named_after_its_hosts() {
        let (_d, pb) = parse_tree(&[("site.yml", "- hosts: db,w1\n  name: \"\"\n")]);
        let pb = pb.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(pb.plays[0].display_name(), "db,w1");
        assert_eq!(pb.plays[0].hosts.len(), 1);
    }

    #[test]
    fn import_playbook_is_relative_to_the_importer() {
        let (_d, pb) = parse_tree(&[
            (
                "site.yml",
                "- hosts: a\n- import_playbook: sub/more.yml\n  tags: imp\n  vars: {a: 2}\n- include: sub/more.yml\n",
            ),
            ("sub/more.yml", "- hosts: b\n  roles: [r]\n  vars: {a: 1}\n"),
            ("sub/roles/r/tasks/main.yml", "- debug:\n"),
        ]);
        let pb = pb.unwrap_or_else(|e| panic!("{e}"));
        // The legacy play-level `include:` imports too.
        assert_eq!(pb.plays.len(), 3);
        assert_eq!(pb.plays[1].keywords.tags[0].value, "imp");
        assert!(pb.plays[1].dir.ends_with("sub"));
        // The import's vars come last, so they win (as measured in 2.19).
        let vars = pb.plays[1]
            .keywords
            .vars
            .as_ref()
            .and_then(|v| v.as_seq())
            .expect("vars list");
        assert_eq!(vars.len(), 2);
        assert_eq!(
            vars[1].get("a").map(|n| n.kind.clone()),
            Some(NodeKind::Int(2))
        );
    }
}
