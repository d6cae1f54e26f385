//! [`Task`] and [`TaskItem`]: one entry of a task list, as written.
//!
//! A task mapping holds keywords (tables in [`super::keywords`]) and exactly
//! one action key; what that action is decides the item: a module call, a
//! static import (expanded here, see [`super::include`]), a dynamic include
//! (kept for run time) or, with `block:`, a [`Block`].

use super::action::Action;
use super::block::Block;
use super::error::PlaybookError;
use super::include::{Include, IncludeRole};
use super::keyword_table::Object;
use super::keywords::{self, Condition, Keywords};
use super::node::{self, Flag, Spanned};
use super::role::RoleInfo;
use crate::source::Span;
use crate::yaml::{MapEntry, Mapping, Node, NodeKind};
use std::sync::Arc;

/// One entry of a task list, ready for the planner to walk.
#[derive(Clone, Debug, PartialEq)]
pub enum TaskItem {
    /// A module call.
    Task(Task),
    /// `block:` (also what static imports expand to).
    Block(Block),
    /// `include_tasks:` (or a bare `include:` that must stay dynamic, or an
    /// `import_tasks:` whose file name is templated): loaded at run time.
    IncludeTasks(Include),
    /// `include_role:` (or `import_role:` with a templated name).
    IncludeRole(IncludeRole),
}

/// How a task loops.
#[derive(Clone, Debug, PartialEq)]
pub enum LoopKind {
    /// `loop:` (no flattening).
    Loop,
    /// `with_<lookup>:`; the lookup's name (`items`, `dict`, `fileglob`, ...).
    With(String),
}

/// A task's loop: its kind and the items expression as written.
#[derive(Clone, Debug, PartialEq)]
pub struct Loop {
    /// `loop` or which `with_` lookup.
    pub kind: LoopKind,
    /// The items: a list, or a template string.
    pub items: Node,
    /// Where the loop keyword is.
    pub span: Span,
}

/// `loop_control:`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LoopControl {
    /// `loop_var` (default `item`).
    pub loop_var: Option<Spanned<String>>,
    /// `index_var`.
    pub index_var: Option<Spanned<String>>,
    /// `label`, a template.
    pub label: Option<Node>,
    /// `pause` in seconds.
    pub pause: Option<Node>,
    /// `extended` (`ansible_loop`).
    pub extended: Option<Spanned<Flag>>,
    /// `extended_allitems`.
    pub extended_allitems: Option<Spanned<Flag>>,
    /// `break_when`.
    pub break_when: Vec<Spanned<Condition>>,
}

/// A task (or handler) that calls one module.
#[derive(Clone, Debug, PartialEq)]
pub struct Task {
    /// `name`, if written and not empty.
    pub name: Option<Spanned<String>>,
    /// The module and its arguments.
    pub action: Action,
    /// Shared keywords (`when`, `tags`, `become`, `vars`, ...).
    pub keywords: Keywords,
    /// `loop`/`with_*`.
    pub loop_: Option<Loop>,
    /// `loop_control`.
    pub loop_control: Option<LoopControl>,
    /// `register`.
    pub register: Option<Spanned<String>>,
    /// `until` (all must hold).
    pub until: Vec<Spanned<Condition>>,
    /// `retries`.
    pub retries: Option<Node>,
    /// `delay`.
    pub delay: Option<Node>,
    /// `changed_when`; `None` when not written.
    pub changed_when: Option<Vec<Spanned<Condition>>>,
    /// `failed_when`; `None` when not written.
    pub failed_when: Option<Vec<Spanned<Condition>>>,
    /// `notify`: handler names or `listen` topics.
    pub notify: Vec<Spanned<String>>,
    /// `listen` (handlers).
    pub listen: Vec<Spanned<String>>,
    /// `async` (parsed; the engine may reject it).
    pub async_: Option<Node>,
    /// `poll`.
    pub poll: Option<Node>,
    /// The role this task belongs to, for `role : name` output and paths.
    pub role: Option<Arc<RoleInfo>>,
    /// Where the task mapping starts.
    pub span: Span,
}

impl Task {
    /// The name Ansible shows: `name`, prefixed `role : ` inside a role;
    /// the action as written when unnamed.
    pub fn display_name(&self) -> String {
        match (&self.name, &self.role) {
            (Some(n), Some(r)) => format!("{} : {}", r.name, n.value),
            (Some(n), None) => n.value.clone(),
            (None, _) => self.action.written.clone(),
        }
    }
}

/// What a task-like mapping names as its action, found before parsing the
/// rest: `(action key or "action"/"local_action", its span)`.
fn find_action<'m>(
    map: &'m Mapping,
    span: &Span,
) -> Result<(&'m str, &'m MapEntry), PlaybookError> {
    let mut found: Option<(&str, &MapEntry)> = None;
    for (key, entry) in &map.entries {
        let is_action = !keywords::is_task_keyword(key) || key == "action" || key == "local_action";
        if !is_action {
            continue;
        }
        if let Some((first, _)) = &found {
            return Err(PlaybookError::ConflictingActions {
                first: (*first).to_owned(),
                second: key.clone(),
                span: entry.key_span.clone(),
            });
        }
        found = Some((key.as_str(), entry));
    }
    found.ok_or_else(|| PlaybookError::NoAction { span: span.clone() })
}

/// Parses a task mapping (not a block) into a [`Task`]; includes and
/// imports are recognised by the caller from `action.module`.
pub(crate) fn parse_task(
    map: &Mapping,
    span: &Span,
    object: Object,
    role: Option<&Arc<RoleInfo>>,
    errors: &mut Vec<PlaybookError>,
) -> Option<Task> {
    let (action_key, action_entry) = match find_action(map, span) {
        Ok(found) => found,
        Err(e) => {
            errors.push(e);
            return None;
        }
    };
    let args = map.entries.get("args").map(|e| &e.value);
    let action_node = &action_entry.value;
    let action = match action_key {
        "action" | "local_action" => Action::parse_action_keyword(action_key, action_node, args),
        _ => Action::parse(action_key, action_entry.key_span.clone(), action_node, args),
    };
    let action = match action {
        Ok(a) => a,
        Err(e) => {
            errors.push(e);
            return None;
        }
    };
    let mut task = Task {
        name: None,
        action,
        keywords: Keywords::default(),
        loop_: None,
        loop_control: None,
        register: None,
        until: Vec::new(),
        retries: None,
        delay: None,
        changed_when: None,
        failed_when: None,
        notify: Vec::new(),
        listen: Vec::new(),
        async_: None,
        poll: None,
        role: role.cloned(),
        span: span.clone(),
    };
    if action_key == "local_action" {
        task.keywords.delegate_to = Some(Spanned::new("localhost".to_owned(), span.clone()));
    }
    for (key, entry) in &map.entries {
        if key == action_key || key == "args" {
            continue;
        }
        if let Err(e) = set_task_key(&mut task, object, key, entry.key_span.clone(), &entry.value) {
            errors.push(e);
        }
    }
    Some(task)
}

fn set_task_key(
    task: &mut Task,
    object: Object,
    key: &str,
    key_span: Span,
    value: &Node,
) -> Result<(), PlaybookError> {
    keywords::admit_only(object, key, &key_span)?;
    match key {
        "name" => task.name = node::opt_string(key, value)?.filter(|n| !n.value.is_empty()),
        "register" => task.register = node::opt_string(key, value)?,
        "until" => task.until = keywords::conditions(key, value)?,
        "retries" => task.retries = Some(value.clone()),
        "delay" => task.delay = Some(value.clone()),
        "changed_when" => task.changed_when = Some(keywords::conditions(key, value)?),
        "failed_when" => task.failed_when = Some(keywords::conditions(key, value)?),
        "notify" => task.notify = node::string_list(key, value)?,
        "listen" => task.listen = node::string_list(key, value)?,
        "async" => task.async_ = Some(value.clone()),
        "poll" => task.poll = Some(value.clone()),
        "loop_control" => task.loop_control = Some(parse_loop_control(value)?),
        "loop" => set_loop(task, LoopKind::Loop, key_span, value)?,
        _ if key.starts_with("with_") => {
            let lookup = LoopKind::With(key["with_".len()..].to_owned());
            set_loop(task, lookup, key_span, value)?
        }
        _ => {
            if !task.keywords.set(key, value)? {
                // find_action let this key through as a keyword.
                return Err(PlaybookError::UnknownKeyword {
                    keyword: key.to_owned(),
                    object: "Task",
                    span: key_span,
                });
            }
        }
    }
    Ok(())
}

fn set_loop(
    task: &mut Task,
    kind: LoopKind,
    span: Span,
    value: &Node,
) -> Result<(), PlaybookError> {
    if let Some(first) = &task.loop_ {
        return Err(PlaybookError::DuplicateLoop {
            first: first.span.clone(),
            span,
        });
    }
    task.loop_ = Some(Loop {
        kind,
        items: value.clone(),
        span,
    });
    Ok(())
}

fn parse_loop_control(value: &Node) -> Result<LoopControl, PlaybookError> {
    let mut lc = LoopControl::default();
    if matches!(value.kind, NodeKind::Null) {
        return Ok(lc);
    }
    for (key, entry) in &node::mapping("loop_control", value)?.entries {
        let v = &entry.value;
        match key.as_str() {
            "loop_var" => lc.loop_var = node::opt_string(key, v)?,
            "index_var" => lc.index_var = node::opt_string(key, v)?,
            "label" => lc.label = Some(v.clone()),
            "pause" => lc.pause = Some(v.clone()),
            "extended" => lc.extended = Some(node::flag(key, v)?),
            "extended_allitems" => lc.extended_allitems = Some(node::flag(key, v)?),
            "break_when" => lc.break_when = keywords::conditions(key, v)?,
            _ => {
                return Err(PlaybookError::UnknownKeyword {
                    keyword: key.clone(),
                    object: "LoopControl",
                    span: entry.key_span.clone(),
                })
            }
        }
    }
    Ok(lc)
}

#[cfg(test)]
mod tests {
    use super::super::testing::{at, one_task, play_tasks};
    use super::*;

    fn expr(c: &Spanned<Condition>) -> &str {
        match &c.value {
            Condition::Expr(e) => e,
            Condition::Literal(_) => panic!("expected an expression"),
        }
    }

    #[test]
    fn name_and_action() {
        let t = one_task("    - name: hello\n      ansible.builtin.debug:\n        msg: hi\n");
        assert_eq!(t.name.as_ref().map(|n| n.value.as_str()), Some("hello"));
        assert_eq!(t.action.module, "debug");
        assert_eq!(t.action.written, "ansible.builtin.debug");
        assert_eq!(at(&t.action.span), (4, 7));
        assert_eq!(t.action.args["msg"].as_str(), Some("hi"));
        assert_eq!(t.display_name(), "hello");
        let unnamed = one_task("    - ansible.builtin.ping:\n");
        assert_eq!(unnamed.display_name(), "ansible.builtin.ping");
    }

    #[test]
    fn when_forms() {
        let t = one_task("    - debug:\n      when: x is defined\n");
        assert_eq!(expr(&t.keywords.when[0]), "x is defined");
        assert_eq!(at(&t.keywords.when[0].span), (4, 13));
        let t = one_task("    - debug:\n      when: false\n");
        assert_eq!(t.keywords.when[0].value, Condition::Literal(false));
        let t = one_task("    - debug:\n      when:\n        - a\n        - b | bool\n");
        assert_eq!(t.keywords.when.len(), 2);
        assert_eq!(expr(&t.keywords.when[1]), "b | bool");
        assert_eq!(at(&t.keywords.when[1].span), (6, 11));
    }

    #[test]
    fn loops() {
        let t = one_task("    - debug: msg={{ item }}\n      loop: [1, 2]\n");
        let l = t.loop_.expect("loop");
        assert_eq!(l.kind, LoopKind::Loop);
        assert!(matches!(l.items.kind, NodeKind::Seq(ref s) if s.len() == 2));
        for lookup in [
            "items",
            "dict",
            "list",
            "fileglob",
            "first_found",
            "sequence",
        ] {
            let t = one_task(&format!(
                "    - debug:\n      with_{lookup}: \"{{{{ x }}}}\"\n"
            ));
            let l = t.loop_.expect("with_ loop");
            assert_eq!(l.kind, LoopKind::With(lookup.to_owned()));
            assert_eq!(l.items.as_str(), Some("{{ x }}"));
        }
    }

    #[test]
    fn loop_control() {
        let t = one_task(
            "    - debug:\n      loop: [1]\n      loop_control:\n        loop_var: pkg\n        index_var: i\n        label: \"{{ pkg }}\"\n        pause: 2\n        extended: yes\n",
        );
        let lc = t.loop_control.expect("loop_control");
        assert_eq!(lc.loop_var.map(|v| v.value), Some("pkg".to_owned()));
        assert_eq!(lc.index_var.map(|v| v.value), Some("i".to_owned()));
        assert_eq!(
            lc.label.and_then(|l| l.as_str().map(str::to_owned)),
            Some("{{ pkg }}".to_owned())
        );
        assert_eq!(lc.pause.map(|p| p.kind), Some(NodeKind::Int(2)));
        assert_eq!(lc.extended.map(|e| e.value), Some(Flag::Bool(true)));
    }

    #[test]
    fn results_and_retries() {
        let t = one_task(
            "    - command: ls\n      register: out\n      until: out is success\n      retries: 5\n      delay: 3\n      changed_when: false\n      failed_when:\n        - out.rc not in [0, 1]\n",
        );
        assert_eq!(t.register.map(|r| r.value), Some("out".to_owned()));
        assert_eq!(expr(&t.until[0]), "out is success");
        assert_eq!(t.retries.map(|r| r.kind), Some(NodeKind::Int(5)));
        assert_eq!(t.delay.map(|r| r.kind), Some(NodeKind::Int(3)));
        assert_eq!(
            t.changed_when.expect("changed_when")[0].value,
            Condition::Literal(false)
        );
        assert_eq!(
            expr(&t.failed_when.expect("failed_when")[0]),
            "out.rc not in [0, 1]"
        );
    }

    #[test]
    fn flags_typed_and_templated() {
        let t = one_task(
            "    - debug:\n      ignore_errors: yes\n      ignore_unreachable: true\n      run_once: \"{{ once }}\"\n      check_mode: no\n      diff: false\n      no_log: True\n",
        );
        let k = &t.keywords;
        let v = |f: &Option<Spanned<Flag>>| f.as_ref().map(|f| f.value.clone());
        assert_eq!(v(&k.ignore_errors), Some(Flag::Bool(true)));
        assert_eq!(v(&k.ignore_unreachable), Some(Flag::Bool(true)));
        assert_eq!(
            v(&k.run_once),
            Some(Flag::Template("{{ once }}".to_owned()))
        );
        assert_eq!(v(&k.check_mode), Some(Flag::Bool(false)));
        assert_eq!(v(&k.diff), Some(Flag::Bool(false)));
        assert_eq!(v(&k.no_log), Some(Flag::Bool(true)));
    }

    #[test]
    fn notify_listen_tags() {
        let t = one_task("    - debug:\n      notify: restart x\n      tags: a, b,c\n");
        assert_eq!(
            t.notify
                .iter()
                .map(|n| n.value.as_str())
                .collect::<Vec<_>>(),
            ["restart x"]
        );
        let tags: Vec<_> = t.keywords.tags.iter().map(|n| n.value.as_str()).collect();
        assert_eq!(tags, ["a", "b", "c"]);
        let t = one_task("    - debug:\n      notify: [h1, h2]\n      tags: [x, 7]\n");
        assert_eq!(t.notify.len(), 2);
        let tags: Vec<_> = t.keywords.tags.iter().map(|n| n.value.as_str()).collect();
        assert_eq!(tags, ["x", "7"]);
    }

    #[test]
    fn connection_and_privilege() {
        let t = one_task("    - debug:\n      delegate_to: localhost\n      become: true\n");
        let k = &t.keywords;
        let s = |f: &Option<Spanned<String>>| f.as_ref().map(|f| f.value.clone());
        assert_eq!(s(&k.delegate_to).as_deref(), Some("localhost"));
        assert_eq!(
            k.become_.as_ref().map(|b| b.value.clone()),
            Some(Flag::Bool(true))
        );
    }

    #[test]
    fn vars_environment_args_and_misc() {
        let t = one_task(
            "    - command: ls\n      args:\n        chdir: /tmp\n        warn: false\n      vars:\n        a: 1\n      environment:\n        HTTP_PROXY: \"\"\n",
        );
        assert_eq!(t.action.args["chdir"].as_str(), Some("/tmp"));
        assert_eq!(t.action.args["warn"].kind, NodeKind::Bool(false));
        assert_eq!(
            t.action.raw_params().map(|r| r.value.to_owned()),
            Some("ls".to_owned())
        );
        assert!(t
            .keywords
            .vars
            .as_ref()
            .is_some_and(|v| v.get("a").is_some()));
        assert!(t.keywords.environment.is_some());
    }

    #[test]
    fn module_args_win_over_args_keyword() {
        // ansible-core 2.19: {'command': {'cmd': 'ls'}, 'args': {'cmd': 'pwd', 'chdir': '/'}}
        // parses to {'cmd': 'ls', 'chdir': '/'}.
        let t = one_task(
            "    - command:\n        cmd: ls\n      args:\n        cmd: pwd\n        chdir: /\n",
        );
        assert_eq!(t.action.args["cmd"].as_str(), Some("ls"));
        assert_eq!(t.action.args["chdir"].as_str(), Some("/"));
    }

    #[test]
    fn free_form_and_kv_forms() {
        let t = one_task("    - command: ls -l creates=/x chdir=/y\n");
        assert_eq!(t.action.args["_raw_params"].as_str(), Some("ls -l"));
        // Each pair points at its own text in the line.
        assert_eq!(at(&t.action.args["creates"].span), (3, 22));
        assert_eq!(at(&t.action.args["chdir"].span), (3, 33));
        assert_eq!(t.action.args["chdir"].span.len, "chdir=/y".len() as u32);
        let copy = one_task("    - copy: \"src=a dest=\\\"b c\\\"\"\n");
        assert_eq!(copy.action.args["dest"].as_str(), Some("b c"));
        assert_eq!(
            at(&copy.action.args["dest"].span),
            (3, 13),
            "escaped scalar: whole span"
        );
        assert_eq!(t.action.args["creates"].as_str(), Some("/x"));
        assert_eq!(t.action.args["chdir"].as_str(), Some("/y"));
        let t = one_task("    - set_fact: a=1 b=\"x y\"\n");
        assert_eq!(t.action.args["a"].as_str(), Some("1"));
        assert_eq!(t.action.args["b"].as_str(), Some("x y"));
        assert!(!t.action.args.contains_key("_raw_params"));
        let t = one_task("    - include_vars: vars/x.yml\n");
        assert_eq!(t.action.args["_raw_params"].as_str(), Some("vars/x.yml"));
    }

    #[test]
    fn action_and_local_action() {
        let t = one_task("    - action: copy src=a dest=b\n");
        assert_eq!(t.action.module, "copy");
        assert_eq!(t.action.args["dest"].as_str(), Some("b"));
        let t = one_task("    - local_action:\n        module: command\n        cmd: ls\n");
        assert_eq!(t.action.module, "command");
        assert_eq!(
            t.keywords.delegate_to.map(|d| d.value),
            Some("localhost".to_owned())
        );
    }

    /// As ansible-core 2.19.14's `ModuleArgsParser` parses them: a
    /// templated name stays whole and its `k=v` text is split as for a
    /// module that is not free-form (`x=1` leaves `command`'s text too);
    /// in the mapping form the name's `k=v` wins over the other keys,
    /// which win over `args:`.
    #[test]
    fn templated_action_names_stay_whole() {
        let t = one_task("    - action: \"{{ m }} msg='a b' echo\"\n");
        assert_eq!(t.action.module, "{{ m }}");
        assert!(t.action.is_templated());
        assert_eq!(t.action.args["msg"].as_str(), Some("a b"));
        assert_eq!(t.action.args["_raw_params"].as_str(), Some("echo"));
        let t = one_task(
            "    - action:\n        module: \"{{ m }} src=a\"\n        src: z\n        dest: b\n      args:\n        dest: y\n        mode: '0644'\n",
        );
        assert_eq!(t.action.written, "{{ m }}");
        assert_eq!(t.action.args["src"].as_str(), Some("a"));
        assert_eq!(t.action.args["dest"].as_str(), Some("b"));
        assert_eq!(t.action.args["mode"].as_str(), Some("0644"));
        let t = one_task("    - action: copy src=a\n");
        assert!(!t.action.is_templated());
    }

    #[test]
    fn blocks_keep_their_parts() {
        let items = play_tasks(
            "    - name: b\n      when: x\n      become: true\n      block:\n        - debug:\n      rescue:\n        - debug:\n        - debug:\n      always:\n        - debug:\n",
        )
        .expect("parses");
        let TaskItem::Block(b) = &items[0] else {
            panic!("expected a block")
        };
        assert_eq!((b.block.len(), b.rescue.len(), b.always.len()), (1, 2, 1));
        assert_eq!(b.keywords.when.len(), 1);
        assert_eq!(b.name.as_ref().map(|n| n.value.as_str()), Some("b"));
    }
}
