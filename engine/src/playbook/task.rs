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
use super::keywords::{self, Condition, Keywords};
use super::node::{self, Flag, Spanned};
use super::role::RoleInfo;
use crate::source::Span;
use crate::yaml::{Mapping, Node, NodeKind};
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
fn find_action<'m>(map: &'m Mapping, span: &Span) -> Result<(&'m str, Span), PlaybookError> {
    let mut found: Option<(&str, Span)> = None;
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
        found = Some((key.as_str(), entry.key_span.clone()));
    }
    found.ok_or_else(|| PlaybookError::NoAction { span: span.clone() })
}

/// Parses a task mapping (not a block) into a [`Task`]; includes and
/// imports are recognised by the caller from `action.module`.
pub(crate) fn parse_task(
    map: &Mapping,
    span: &Span,
    role: Option<&Arc<RoleInfo>>,
    errors: &mut Vec<PlaybookError>,
) -> Option<Task> {
    let (action_key, action_span) = match find_action(map, span) {
        Ok(found) => found,
        Err(e) => {
            errors.push(e);
            return None;
        }
    };
    let args = map.entries.get("args").map(|e| &e.value);
    let action_node = &map.entries[action_key].value;
    let action = match action_key {
        "action" | "local_action" => Action::parse_action_keyword(action_key, action_node, args),
        _ => Action::parse(action_key, action_span, action_node, args),
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
        if let Err(e) = set_task_key(&mut task, key, entry.key_span.clone(), &entry.value) {
            errors.push(e);
        }
    }
    Some(task)
}

fn set_task_key(
    task: &mut Task,
    key: &str,
    key_span: Span,
    value: &Node,
) -> Result<(), PlaybookError> {
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
