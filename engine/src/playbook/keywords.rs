//! The keywords every playbook object shares ([`Keywords`]), and the gate
//! every parser passes a key through ([`admit`]): the keyword table
//! ([`super::keyword_table`]) says whether it is a keyword of that object
//! and whether it is honoured.
//!
//! A key of a task that is no keyword is the task's action (a module
//! name); on a play or block it is an error.

use super::error::PlaybookError;
use super::keyword_table::{self, Object, Status};
use super::node::{self, Flag, Spanned};
use crate::source::Span;
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
    /// `notify` of a block: its tasks that set none notify these.
    pub notify: Vec<Spanned<String>>,
}

/// Consults the keyword table for the key `key` of an `object`:
/// `Ok(true)` for a keyword this engine honours (the caller stores it),
/// `Ok(false)` for a key that is no keyword of that object, and the
/// refusal (at the key) for a keyword it does not honour.
pub(crate) fn admit(object: Object, key: &str, key_span: &Span) -> Result<bool, PlaybookError> {
    match keyword_table::lookup(object, key).map(|r| r.status) {
        None => Ok(false),
        Some(Status::Honoured { .. } | Status::NoEffect(_)) => Ok(true),
        Some(Status::Refused(reason)) => Err(PlaybookError::RefusedKeyword {
            keyword: key.to_owned(),
            object: object.name(),
            reason,
            span: key_span.clone(),
        }),
    }
}

/// Like [`admit`], with "no keyword of this object" an error too.
pub(crate) fn admit_only(object: Object, key: &str, key_span: &Span) -> Result<(), PlaybookError> {
    if admit(object, key, key_span)? {
        Ok(())
    } else {
        Err(PlaybookError::UnknownKeyword {
            keyword: key.to_owned(),
            object: object.name(),
            span: key_span.clone(),
        })
    }
}

/// Whether `key` of a task mapping is a keyword (of tasks or handlers,
/// honoured or not) rather than its action.
pub(crate) fn is_task_keyword(key: &str) -> bool {
    keyword_table::is_keyword(Object::Task, key) || keyword_table::is_keyword(Object::Handler, key)
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

/// A literal keyword value is checked now; a templated one when it is
/// rendered for a host.
fn supported(
    keyword: &str,
    value: Option<Spanned<String>>,
    supported: &'static str,
    ok: impl Fn(&str) -> bool,
) -> Result<Option<Spanned<String>>, PlaybookError> {
    match &value {
        Some(v) if !node::is_template(&v.value) && !ok(&v.value) => {
            Err(PlaybookError::UnsupportedValue {
                keyword: keyword.to_owned(),
                value: v.value.clone(),
                supported,
                span: v.span.clone(),
            })
        }
        _ => Ok(value),
    }
}

impl Keywords {
    /// Takes `key: value` if it is a shared keyword; `Ok(false)` if the key
    /// is not one (the caller decides whether that is an action or an error).
    ///
    /// Callers pass only keys [`admit`] let through; `name` is left to them.
    pub(crate) fn set(&mut self, key: &str, value: &Node) -> Result<bool, PlaybookError> {
        let s = |v: &Node| node::opt_string(key, v);
        let f = |v: &Node| node::keyword_flag(key, v).map(Some);
        match key {
            "when" => self.when = conditions(key, value)?,
            "tags" => self.tags = node::tags(value)?,
            "vars" => self.vars = vars(value)?,
            "environment" => self.environment = Some(value.clone()),
            "become" => self.become_ = f(value)?,
            "become_user" => self.become_user = s(value)?,
            "become_method" => {
                self.become_method = supported(key, s(value)?, "`sudo`, `su`", |m| {
                    crate::inventory::become_method(m).is_some()
                })?
            }
            "become_flags" => self.become_flags = s(value)?,
            "become_exe" => self.become_exe = s(value)?,
            "remote_user" => self.remote_user = s(value)?,
            "connection" => {
                self.connection =
                    supported(key, s(value)?, "`ssh`, `smart`, `paramiko`, `local`", |c| {
                        crate::inventory::connection_kind(c).is_some()
                    })?
            }
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
            "notify" => self.notify = node::string_list(key, value)?,
            "name" => {}
            _ => return Ok(false),
        }
        Ok(true)
    }
}
