//! The keywords every playbook object shares ([`Keywords`]) and the tables
//! of which keys are keywords for tasks, blocks, plays and role entries.
//!
//! A key of a task that is in no table is the task's action (a module
//! name); on a play or block it is an error.

use super::error::PlaybookError;
use super::node::{self, Flag, Spanned};
use crate::yaml::{Node, NodeKind};

/// A `when`/`changed_when`/`failed_when`/`until` condition as written.
#[derive(Clone, Debug, PartialEq)]
pub enum Condition {
    /// A YAML boolean (`when: false`).
    Literal(bool),
    /// A Jinja expression without braces (`x is defined`), or a templated
    /// string (`"{{ x }}"`) kept as written for the template layer.
    Expr(String),
}

/// Keywords shared by plays, roles, blocks and tasks, inherited downwards
/// (the innermost setting wins, `when` and `tags` accumulate).
///
/// Templated values stay raw: strings here are exactly what was written.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Keywords {
    /// `when`, one entry per list item (all must hold).
    pub when: Vec<Spanned<Condition>>,
    /// `tags`, split on commas.
    pub tags: Vec<Spanned<String>>,
    /// `vars`, as written (a mapping, or a list of mappings).
    pub vars: Option<Node>,
    /// `environment`: a mapping, a list of mappings or a template.
    pub environment: Option<Node>,
    /// `become`.
    pub become_: Option<Spanned<Flag>>,
    /// `become_user`.
    pub become_user: Option<Spanned<String>>,
    /// `become_method`.
    pub become_method: Option<Spanned<String>>,
    /// `become_flags`.
    pub become_flags: Option<Spanned<String>>,
    /// `become_exe`.
    pub become_exe: Option<Spanned<String>>,
    /// `remote_user`.
    pub remote_user: Option<Spanned<String>>,
    /// `connection`.
    pub connection: Option<Spanned<String>>,
    /// `port` (an integer or a template).
    pub port: Option<Node>,
    /// `check_mode`.
    pub check_mode: Option<Spanned<Flag>>,
    /// `diff`.
    pub diff: Option<Spanned<Flag>>,
    /// `no_log`.
    pub no_log: Option<Spanned<Flag>>,
    /// `run_once`.
    pub run_once: Option<Spanned<Flag>>,
    /// `ignore_errors`.
    pub ignore_errors: Option<Spanned<Flag>>,
    /// `ignore_unreachable`.
    pub ignore_unreachable: Option<Spanned<Flag>>,
    /// `any_errors_fatal`.
    pub any_errors_fatal: Option<Spanned<Flag>>,
    /// `delegate_to` (a host name or template).
    pub delegate_to: Option<Spanned<String>>,
    /// `delegate_facts`.
    pub delegate_facts: Option<Spanned<Flag>>,
    /// `throttle` (an integer or a template).
    pub throttle: Option<Node>,
    /// `timeout` (an integer or a template).
    pub timeout: Option<Node>,
    /// `module_defaults`, as written.
    pub module_defaults: Option<Node>,
    /// `collections`.
    pub collections: Vec<Spanned<String>>,
}

/// Keys every object with [`Keywords`] accepts, besides `when` (not on plays).
const COMMON: &[&str] = &[
    "tags",
    "vars",
    "environment",
    "become",
    "become_user",
    "become_method",
    "become_flags",
    "become_exe",
    "remote_user",
    "connection",
    "port",
    "check_mode",
    "diff",
    "no_log",
    "run_once",
    "ignore_errors",
    "ignore_unreachable",
    "any_errors_fatal",
    "throttle",
    "timeout",
    "module_defaults",
    "collections",
    "debugger",
    "name",
];

/// Keys only tasks (and handlers) have.
pub(crate) const TASK_ONLY: &[&str] = &[
    "when",
    "delegate_to",
    "delegate_facts",
    "action",
    "local_action",
    "args",
    "async",
    "poll",
    "changed_when",
    "failed_when",
    "until",
    "retries",
    "delay",
    "loop",
    "loop_control",
    "register",
    "notify",
    "listen",
];

/// Keys only blocks have.
pub(crate) const BLOCK_ONLY: &[&str] = &[
    "when",
    "delegate_to",
    "delegate_facts",
    "block",
    "rescue",
    "always",
];

/// Keys only plays have.
pub(crate) const PLAY_ONLY: &[&str] = &[
    "hosts",
    "gather_facts",
    "gather_subset",
    "gather_timeout",
    "fact_path",
    "vars_files",
    "vars_prompt",
    "roles",
    "pre_tasks",
    "tasks",
    "post_tasks",
    "handlers",
    "force_handlers",
    "max_fail_percentage",
    "serial",
    "strategy",
    "order",
];

/// Whether `key` is a keyword of tasks (so not an action).
pub(crate) fn is_task_keyword(key: &str) -> bool {
    COMMON.contains(&key) || TASK_ONLY.contains(&key) || key.starts_with("with_")
}

/// Whether `key` is a keyword of blocks.
pub(crate) fn is_block_keyword(key: &str) -> bool {
    COMMON.contains(&key) || BLOCK_ONLY.contains(&key)
}

/// Whether `key` is a keyword of plays.
pub(crate) fn is_play_keyword(key: &str) -> bool {
    COMMON.contains(&key) || PLAY_ONLY.contains(&key)
}

/// Whether `key` is a keyword of a role entry in `roles:` (others are role
/// parameters).
pub(crate) fn is_role_keyword(key: &str) -> bool {
    (COMMON.contains(&key) && key != "name")
        || matches!(key, "when" | "delegate_to" | "delegate_facts")
}

/// Parses a conditional keyword: a string, a boolean, or a list of them.
pub(crate) fn conditions(
    keyword: &str,
    node: &Node,
) -> Result<Vec<Spanned<Condition>>, PlaybookError> {
    fn one(keyword: &str, node: &Node) -> Result<Spanned<Condition>, PlaybookError> {
        let cond = match &node.kind {
            NodeKind::Bool(b) => Condition::Literal(*b),
            NodeKind::Seq(_) | NodeKind::Map(_) => {
                return Err(node::bad_type(keyword, "a string or boolean", node))
            }
            _ => match node::scalar_text(node) {
                Some(text) => Condition::Expr(text),
                None => Condition::Expr("None".to_owned()),
            },
        };
        Ok(Spanned::new(cond, node.span.clone()))
    }
    match &node.kind {
        NodeKind::Null => Ok(Vec::new()),
        NodeKind::Seq(items) => items.iter().map(|n| one(keyword, n)).collect(),
        _ => Ok(vec![one(keyword, node)?]),
    }
}

/// `vars`: a mapping or a list of mappings (later ones win); null is none.
fn vars(node: &Node) -> Result<Option<Node>, PlaybookError> {
    match &node.kind {
        NodeKind::Null => Ok(None),
        NodeKind::Map(_) => Ok(Some(node.clone())),
        NodeKind::Seq(items) => match items.iter().find(|i| !matches!(i.kind, NodeKind::Map(_))) {
            Some(bad) => Err(node::bad_type("vars", "a mapping", bad)),
            None => Ok(Some(node.clone())),
        },
        _ => Err(node::bad_type(
            "vars",
            "a mapping or a list of mappings",
            node,
        )),
    }
}

impl Keywords {
    /// Takes `key: value` if it is a shared keyword; `Ok(false)` if the key
    /// is not one (the caller decides whether that is an action or an error).
    ///
    /// `name` and `debugger` are accepted and left to the caller / ignored.
    pub(crate) fn set(&mut self, key: &str, value: &Node) -> Result<bool, PlaybookError> {
        let s = |v: &Node| node::opt_string(key, v);
        let f = |v: &Node| node::flag(key, v).map(Some);
        match key {
            "when" => self.when = conditions(key, value)?,
            "tags" => self.tags = node::tags(value)?,
            "vars" => self.vars = vars(value)?,
            "environment" => self.environment = Some(value.clone()),
            "become" => self.become_ = f(value)?,
            "become_user" => self.become_user = s(value)?,
            "become_method" => self.become_method = s(value)?,
            "become_flags" => self.become_flags = s(value)?,
            "become_exe" => self.become_exe = s(value)?,
            "remote_user" => self.remote_user = s(value)?,
            "connection" => self.connection = s(value)?,
            "port" => self.port = Some(value.clone()),
            "check_mode" => self.check_mode = f(value)?,
            "diff" => self.diff = f(value)?,
            "no_log" => self.no_log = f(value)?,
            "run_once" => self.run_once = f(value)?,
            "ignore_errors" => self.ignore_errors = f(value)?,
            "ignore_unreachable" => self.ignore_unreachable = f(value)?,
            "any_errors_fatal" => self.any_errors_fatal = f(value)?,
            "delegate_to" => self.delegate_to = s(value)?,
            "delegate_facts" => self.delegate_facts = f(value)?,
            "throttle" => self.throttle = Some(value.clone()),
            "timeout" => self.timeout = Some(value.clone()),
            "module_defaults" => self.module_defaults = Some(value.clone()),
            "collections" => self.collections = node::string_list(key, value)?,
            "debugger" | "name" => {}
            _ => return Ok(false),
        }
        Ok(true)
    }
}
