//! [`Block`]: `block`/`rescue`/`always` with keywords their tasks inherit.
//!
//! Static imports become blocks too: an `import_tasks` with `when` and
//! `tags` behaves exactly like a block holding the imported tasks with that
//! `when` and those `tags` (each task evaluates the condition itself).

use super::keyword_table::Object;
use super::keywords::Keywords;
use super::loader::{Loader, Scope};
use super::node::{self, Spanned};
use super::role::{Role, RoleInfo};
use super::task::TaskItem;
use super::PlaybookError;
use crate::source::Span;
use crate::yaml::Mapping;
use std::path::PathBuf;
use std::sync::Arc;

/// Where a block came from.
#[derive(Clone, Debug, PartialEq)]
pub enum BlockOrigin {
    /// A `block:` the user wrote.
    Written,
    /// A static `import_tasks:` (or static bare `include:`) of this file.
    ImportTasks(PathBuf),
    /// A static `import_role:` of this role.
    ImportRole(Arc<Role>),
}

/// A block of tasks with their shared keywords.
#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    /// `name` (blocks may be named; it is never printed).
    pub name: Option<Spanned<String>>,
    /// Keywords inherited by every task inside.
    pub keywords: Keywords,
    /// `block:`.
    pub block: Vec<TaskItem>,
    /// `rescue:`, run when a task of `block` fails.
    pub rescue: Vec<TaskItem>,
    /// `always:`, run in every case.
    pub always: Vec<TaskItem>,
    /// A written block or an expanded import.
    pub origin: BlockOrigin,
    /// The role this block belongs to.
    pub role: Option<Arc<RoleInfo>>,
    /// Where the block (or the import) starts.
    pub span: Span,
}

impl Block {
    /// A block made by the parser around imported tasks.
    pub(crate) fn implicit(
        origin: BlockOrigin,
        keywords: Keywords,
        tasks: Vec<TaskItem>,
        role: Option<Arc<RoleInfo>>,
        span: Span,
    ) -> Block {
        Block {
            name: None,
            keywords,
            block: tasks,
            rescue: Vec::new(),
            always: Vec::new(),
            origin,
            role,
            span,
        }
    }
}

/// Parses a mapping that has `block`, `rescue` or `always`.
pub(crate) fn parse_block(loader: &mut Loader, map: &Mapping, span: &Span, scope: &Scope) -> Block {
    let mut block = Block::implicit(
        BlockOrigin::Written,
        Keywords::default(),
        Vec::new(),
        scope.role.clone(),
        span.clone(),
    );
    for (key, entry) in &map.entries {
        let value = &entry.value;
        match super::keywords::admit_only(Object::Block, key, &entry.key_span) {
            Ok(()) => {}
            Err(e) => {
                loader.error(e);
                continue;
            }
        }
        let parts = match key.as_str() {
            "block" => Some(&mut block.block),
            "rescue" => Some(&mut block.rescue),
            "always" => Some(&mut block.always),
            _ => None,
        };
        if let Some(list) = parts {
            match node::task_list(key, value) {
                Ok(items) => *list = loader.parse_task_list(items, scope),
                Err(e) => loader.error(e),
            }
            continue;
        }
        let result = match key.as_str() {
            "name" => node::opt_string(key, value).map(|n| {
                block.name = n;
                true
            }),
            _ => block.keywords.set(key, value),
        };
        match result {
            Ok(true) => {}
            Ok(false) => loader.error(PlaybookError::UnknownKeyword {
                keyword: key.clone(),
                object: "Block",
                span: entry.key_span.clone(),
            }),
            Err(e) => loader.error(e),
        }
    }
    block
}
