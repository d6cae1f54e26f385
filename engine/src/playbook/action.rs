//! [`Action`]: which module a task calls and with what arguments, as
//! written: FQCN normalisation, free-form `k=v` arguments, `args:`,
//! `action:` and `local_action:`.
//!
//! Compatibility (ansible-core 2.19, measured with its `ModuleArgsParser`):
//! - `ansible.builtin.x` and `ansible.legacy.x` name module `x`; the
//!   written form is kept for output (`--list-tasks` prints it).
//! - A string value is split into `k=v` pairs and free-form text as
//!   Ansible's `parse_kv` does (see [`super::kv`]); `command`, `shell`,
//!   `script`, `raw` take only their few keys out of the text.
//! - `args:` is merged under the module's own arguments (the module wins).
//! - `action: name k=v` is split as `_split_module_string` splits it, so a
//!   templated name (`{{ pkg_mgr }}`) stays whole; it is resolved per host
//!   when one reaches the task (`run::action_name`).

use super::error::PlaybookError;
use super::kv::{split_kv, split_module_string, PairLocator};
use super::node::{self, Spanned};
use crate::source::Span;
use crate::yaml::{Node, NodeKind};
use indexmap::IndexMap;

/// The module call of a task, before templating.
#[derive(Clone, Debug, PartialEq)]
pub struct Action {
    /// The module name with `ansible.builtin.`/`ansible.legacy.` removed.
    pub module: String,
    /// The name as written (`ansible.builtin.copy`), for output.
    pub written: String,
    /// Where the module name is.
    pub span: Span,
    /// Arguments, free-form text under `_raw_params`; each value keeps its
    /// node so later errors can point at it.
    pub args: IndexMap<String, Node>,
}

/// Modules whose string argument is a command line, not `k=v` pairs.
const FREE_FORM: &[&str] = &[
    "command",
    "shell",
    "script",
    "raw",
    "win_command",
    "win_shell",
];

/// The short module name: `ansible.builtin.x` and `ansible.legacy.x` are `x`.
pub fn short_name(written: &str) -> &str {
    written
        .strip_prefix("ansible.builtin.")
        .or_else(|| written.strip_prefix("ansible.legacy."))
        .unwrap_or(written)
}

impl Action {
    /// Builds the action for `module: value` (plus the task's `args:`).
    pub(crate) fn parse(
        written: &str,
        key_span: Span,
        value: &Node,
        extra_args: Option<&Node>,
    ) -> Result<Action, PlaybookError> {
        let module = short_name(written).to_owned();
        let mut args = IndexMap::new();
        if let Some(extra) = extra_args {
            match &extra.kind {
                NodeKind::Map(m) => {
                    for (k, e) in &m.entries {
                        args.insert(k.clone(), e.value.clone());
                    }
                }
                NodeKind::Null => {}
                _ => return Err(node::bad_type("args", "a mapping", extra)),
            }
        }
        match &value.kind {
            NodeKind::Map(m) => {
                for (k, e) in &m.entries {
                    args.insert(k.clone(), e.value.clone());
                }
            }
            NodeKind::Null => {}
            NodeKind::Seq(_) => return Err(node::bad_type(written, "a string or mapping", value)),
            _ => {
                let text = node::scalar_text(value).unwrap_or_default();
                let free_form = FREE_FORM.contains(&module.as_str());
                let (pairs, raw) = split_kv(&text, free_form, &value.span)?;
                let mut locate = PairLocator::new(&text, &value.span);
                for (k, v) in pairs {
                    let span = locate.pair(&k);
                    args.insert(k, node::str_node(v, span));
                }
                if let Some(raw) = raw {
                    args.insert(
                        "_raw_params".to_owned(),
                        node::str_node(raw, value.span.clone()),
                    );
                }
            }
        }
        Ok(Action {
            module,
            written: written.to_owned(),
            span: key_span,
            args,
        })
    }

    /// Builds the action for `action: module k=v` / `local_action: ...`
    /// (a string, or a mapping whose `module` holds the name and maybe
    /// `k=v` text, which wins over the mapping's other keys). The name is
    /// split off as ansible-core's `_split_module_string` does, so a
    /// templated name (`{{ pkg_mgr }} name=x`) stays whole: it is resolved
    /// when a host reaches the task, and its `k=v` text is split as for a
    /// module that is not free-form, since the name is not known yet.
    pub(crate) fn parse_action_keyword(
        keyword: &str,
        value: &Node,
        extra_args: Option<&Node>,
    ) -> Result<Action, PlaybookError> {
        match &value.kind {
            NodeKind::Map(m) => {
                let Some(module) = m.entries.get("module") else {
                    return Err(PlaybookError::NoAction {
                        span: value.span.clone(),
                    });
                };
                let text = node::string(keyword, &module.value)?;
                let (name, rest) = split_module_string(&text.value, &text.span)?;
                let mut args = crate::yaml::Mapping::default();
                for (k, e) in &m.entries {
                    if k != "module" {
                        args.entries.insert(k.clone(), e.clone());
                    }
                }
                let args = Node {
                    kind: NodeKind::Map(args),
                    span: value.span.clone(),
                };
                // `args:` under the mapping's keys, under the name's `k=v`.
                let mut action = Action::parse(&name, text.span.clone(), &args, extra_args)?;
                if !rest.is_empty() {
                    let rest = node::str_node(rest, text.span.clone());
                    action
                        .args
                        .extend(Action::parse(&name, text.span, &rest, None)?.args);
                }
                Ok(action)
            }
            _ => {
                let text = node::string(keyword, value)?;
                let (name, rest) = split_module_string(&text.value, &value.span)?;
                if name.is_empty() {
                    return Err(PlaybookError::NoAction {
                        span: value.span.clone(),
                    });
                }
                let rest = if rest.is_empty() {
                    Node {
                        kind: NodeKind::Null,
                        span: value.span.clone(),
                    }
                } else {
                    node::str_node(rest, value.span.clone())
                };
                Action::parse(&name, value.span.clone(), &rest, extra_args)
            }
        }
    }

    /// Whether the module name is a template (`action: "{{ pkg_mgr }}"`),
    /// resolved per host when one reaches the task.
    pub fn is_templated(&self) -> bool {
        crate::template::Templar::is_template(&self.written)
    }

    /// The free-form text (`_raw_params`), if any.
    pub fn raw_params(&self) -> Option<Spanned<&str>> {
        let n = self.args.get("_raw_params")?;
        node::as_str(n).map(|s| Spanned::new(s, n.span.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fqcn_is_normalised() {
        assert_eq!(short_name("ansible.builtin.copy"), "copy");
        assert_eq!(short_name("ansible.legacy.shell"), "shell");
        assert_eq!(short_name("community.general.ufw"), "community.general.ufw");
    }
}
