//! Role argument specs: the validation task ansible-core puts first in a
//! role's tasks when the role declares `argument_specs` for the entry point
//! being loaded (`main`, or the `tasks_from` name).
//!
//! Measured on ansible-core 2.19.14: the specs come from
//! `meta/argument_specs.{yml,yaml}`, else from `argument_specs` in
//! `meta/main.yml`; the task is named `Validating arguments against arg spec
//! '<entry>'`, plus ` - <short_description>` when the entry has one, runs
//! `validate_argument_spec` and is tagged `always`.

use super::action::Action;
use super::keywords::Keywords;
use super::loader::Loader;
use super::node::Spanned;
use super::role::RoleInfo;
use super::task::{Task, TaskItem};
use crate::yaml::{Mapping, Node, NodeKind};
use indexmap::IndexMap;
use std::path::Path;
use std::sync::Arc;

impl Loader {
    /// The validation task for `entry` (`tasks_from` without extension, or
    /// `main`), if the role declares a spec for it. `meta` is the loaded
    /// `meta/main` document.
    pub(crate) fn argument_spec_task(
        &mut self,
        dir: &Path,
        meta: Option<&Node>,
        entry: &str,
        role: &Arc<RoleInfo>,
    ) -> Option<TaskItem> {
        let from_file = ["argument_specs.yml", "argument_specs.yaml"]
            .iter()
            .map(|f| dir.join("meta").join(f))
            .find(|p| p.is_file())
            .and_then(|p| self.load_yaml(&p));
        let specs_doc = from_file.as_ref().or(meta)?;
        let specs = specs_doc.get("argument_specs")?;
        let spec = specs.get(entry)?;
        let mut name = format!("Validating arguments against arg spec '{entry}'");
        if let Some(desc) = spec.get("short_description").and_then(Node::as_str) {
            name.push_str(" - ");
            name.push_str(desc);
        }
        let span = spec.span.clone();
        let options = spec.get("options").cloned().unwrap_or_else(|| Node {
            kind: NodeKind::Map(Mapping::default()),
            span: span.clone(),
        });
        let mut args = IndexMap::new();
        args.insert("argument_spec".to_owned(), options);
        let keywords = Keywords {
            tags: vec![Spanned::new("always".to_owned(), span.clone())],
            ..Keywords::default()
        };
        Some(TaskItem::Task(Task {
            name: Some(Spanned::new(name, span.clone())),
            action: Action {
                module: "validate_argument_spec".to_owned(),
                written: "ansible.builtin.validate_argument_spec".to_owned(),
                span: span.clone(),
                args,
            },
            keywords,
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
            role: Some(role.clone()),
            span,
        }))
    }
}

/// The entry point name: `tasks_from` as written (measured: `other.yml`
/// does not select the spec `other`), else `main`.
pub(crate) fn entry_point(tasks_from: Option<&str>) -> &str {
    tasks_from.unwrap_or("main")
}
