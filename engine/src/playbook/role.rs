//! Roles: finding a role's directory, loading its `tasks/ handlers/
//! defaults/ vars/ meta/` files and its dependencies, and role entries
//! (`roles:` items, `meta/main.yml` dependencies) with their keywords.
//!
//! Search order for role `x` (ansible-core 2.19): `<playbook dir>/roles/x`,
//! each `roles_path` entry, the requiring role's parent directory (for
//! dependencies), `<playbook dir>/x`, then `x` as a path. The first
//! directory that exists wins; a miss lists every path tried.
//!
//! Main files are `main` with extension `.yml`, `.yaml`, `.json` or none;
//! `defaults/` and `vars/` may hold a `main/` directory whose files merge.

use super::block::{Block, BlockOrigin};
use super::error::PlaybookError;
use super::keyword_table::Object;
use super::keywords::{self, Keywords};
use super::loader::{Loader, Scope};
use super::node::{self, Spanned};
use super::task::TaskItem;
use crate::source::Span;
use crate::yaml::{Mapping, Node, NodeKind};
use indexmap::IndexMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A role's identity, shared by all its tasks.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RoleInfo {
    /// The role's name (the last path component), as output shows it.
    pub name: String,
    /// The role's directory (`role_path`).
    pub path: PathBuf,
}

/// Which files of a role to load instead of `main` (`tasks_from`, ...).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct RoleFrom {
    /// `tasks_from`.
    pub tasks_from: Option<String>,
    /// `vars_from`.
    pub vars_from: Option<String>,
    /// `defaults_from`.
    pub defaults_from: Option<String>,
    /// `handlers_from`.
    pub handlers_from: Option<String>,
}

/// A loaded role.
#[derive(Clone, Debug, PartialEq)]
pub struct Role {
    /// Name and directory.
    pub info: Arc<RoleInfo>,
    /// `tasks/main` (or `tasks_from`), parsed.
    pub tasks: Vec<TaskItem>,
    /// `handlers/main` (or `handlers_from`), parsed.
    pub handlers: Vec<TaskItem>,
    /// `defaults/main`, as written (lowest precedence variables).
    pub defaults: Option<Node>,
    /// `vars/main`, as written.
    pub vars: Option<Node>,
    /// `meta/main.yml` `dependencies`, loaded, in order.
    pub dependencies: Vec<RoleUse>,
    /// `meta/main.yml` `collections`: where the role's short module names
    /// are looked up first.
    pub collections: Vec<Spanned<String>>,
    /// `meta/main.yml` `allow_duplicates`.
    pub allow_duplicates: bool,
    /// `files/`, the search root of `copy`/`script` `src`, if present.
    pub files_dir: Option<PathBuf>,
    /// `templates/`, the search root of `template` `src`, if present.
    pub templates_dir: Option<PathBuf>,
}

/// One use of a role: a `roles:` entry or a dependency, with the keywords
/// and parameters given there.
#[derive(Clone, Debug, PartialEq)]
pub struct RoleUse {
    /// The role.
    pub role: Arc<Role>,
    /// Keywords on the entry (`when`, `tags`, `vars`, `become`, ...).
    pub keywords: Keywords,
    /// Role parameters: every other key of the entry.
    pub params: IndexMap<String, Node>,
    /// Where the entry is.
    pub span: Span,
}

impl RoleUse {
    /// The tasks this use runs, as one block: dependencies first, then the
    /// role's tasks, under the entry's keywords.
    pub fn as_block(&self) -> Block {
        Block::implicit(
            BlockOrigin::ImportRole(self.role.clone()),
            self.keywords.clone(),
            role_tasks(&self.role),
            None,
            self.span.clone(),
        )
    }
}

/// A role's dependencies (each as a block) followed by its own tasks.
fn role_tasks(role: &Role) -> Vec<TaskItem> {
    let mut body: Vec<TaskItem> = role
        .dependencies
        .iter()
        .map(|d| TaskItem::Block(d.as_block()))
        .collect();
    body.extend(role.tasks.iter().cloned());
    body
}

const EXTENSIONS: &[&str] = &["yml", "yaml", "json"];

/// `dir/name` with the first extension that exists (`name` as given first).
fn find_main(dir: &Path, name: &str) -> Option<PathBuf> {
    let plain = dir.join(name);
    if Path::new(name).extension().is_some() && plain.is_file() {
        return Some(plain);
    }
    EXTENSIONS
        .iter()
        .map(|ext| dir.join(format!("{name}.{ext}")))
        .chain(std::iter::once(plain))
        .find(|p| p.is_file())
}

impl Loader {
    /// The directories searched for role `name`, in order.
    fn role_candidates(&self, name: &str, scope: &Scope) -> Vec<PathBuf> {
        let mut c = vec![self.playbook_dir.join("roles").join(name)];
        c.extend(self.options.roles_path.iter().map(|p| p.join(name)));
        if let Some(parent) = scope.role.as_ref().and_then(|r| r.path.parent()) {
            c.push(parent.join(name));
        }
        c.push(self.playbook_dir.join(name));
        c.push(PathBuf::from(name));
        c.dedup();
        c
    }

    /// Finds and loads role `name` (cached per directory and entry points).
    pub(crate) fn load_role(
        &mut self,
        name: &Spanned<String>,
        from: RoleFrom,
        scope: &Scope,
    ) -> Option<Arc<Role>> {
        let candidates = self.role_candidates(&name.value, scope);
        let Some(found) = candidates.iter().position(|c| c.is_dir()) else {
            self.error(PlaybookError::MissingRole {
                name: name.value.clone(),
                searched: candidates.iter().map(|c| c.display().to_string()).collect(),
                span: name.span.clone(),
            });
            return None;
        };
        let dir = candidates[found].clone();
        // Ansible keeps the name as written (`../x`, `/abs/x`) when a search
        // directory joined with it exists; only its last resort, the name
        // as a path of its own, names the role after the directory.
        let shown = if found + 1 == candidates.len() {
            Path::new(&name.value)
                .file_name()
                .map_or_else(|| name.value.clone(), |n| n.to_string_lossy().into_owned())
        } else {
            name.value.clone()
        };
        let key = (dir.clone(), from);
        if let Some(role) = self.role_cache.get(&key) {
            return Some(role.clone());
        }
        // A role may import itself with other entry points
        // (`tasks_from`); only the same ones again would never end.
        if self.role_stack.contains(&key) {
            self.error(PlaybookError::RecursiveRole {
                name: name.value.clone(),
                span: name.span.clone(),
            });
            return None;
        }
        self.role_stack.push(key.clone());
        let role = self.read_role(&shown, &dir, &key.1, &name.span);
        self.role_stack.pop();
        let role = Arc::new(role);
        self.role_cache.insert(key, role.clone());
        Some(role)
    }

    fn read_role(&mut self, name: &str, dir: &Path, from: &RoleFrom, span: &Span) -> Role {
        let info = Arc::new(RoleInfo {
            name: name.to_owned(),
            path: dir.to_path_buf(),
        });
        let scope = Scope {
            dir: dir.join("tasks"),
            role: Some(info.clone()),
            handlers: false,
        };
        let (dependencies, allow_duplicates, meta) = self.role_meta(dir, &scope);
        let entry = super::argspec::entry_point(from.tasks_from.as_deref());
        let mut tasks: Vec<TaskItem> = self
            .argument_spec_task(dir, meta.as_ref(), entry, &info)
            .into_iter()
            .collect();
        tasks.extend(self.role_task_file(dir, "tasks", from.tasks_from.as_deref(), &scope, span));
        let handler_scope = Scope {
            handlers: true,
            ..scope.clone()
        };
        let handlers = self.role_task_file(
            dir,
            "handlers",
            from.handlers_from.as_deref(),
            &handler_scope,
            span,
        );
        let defaults = self.role_vars(dir, "defaults", from.defaults_from.as_deref(), span);
        let vars = self.role_vars(dir, "vars", from.vars_from.as_deref(), span);
        let sub = |d: &str| Some(dir.join(d)).filter(|p| p.is_dir());
        let collections = match meta.as_ref().and_then(|m| m.get("collections")) {
            Some(n) => node::string_list("collections", n).unwrap_or_else(|e| {
                self.error(e);
                Vec::new()
            }),
            None => Vec::new(),
        };
        Role {
            info,
            collections,
            tasks,
            handlers,
            defaults,
            vars,
            dependencies,
            allow_duplicates,
            files_dir: sub("files"),
            templates_dir: sub("templates"),
        }
    }

    fn role_task_file(
        &mut self,
        dir: &Path,
        sub: &str,
        from: Option<&str>,
        scope: &Scope,
        span: &Span,
    ) -> Vec<TaskItem> {
        let base = dir.join(sub);
        match find_main(&base, from.unwrap_or("main")) {
            Some(path) => self.load_task_file(&path, scope, span),
            None if from.is_some() => {
                self.error(PlaybookError::MissingTaskFile {
                    file: from.unwrap_or_default().to_owned(),
                    searched: vec![base.join(from.unwrap_or_default()).display().to_string()],
                    span: span.clone(),
                });
                Vec::new()
            }
            None => Vec::new(),
        }
    }

    /// `defaults/` or `vars/`: one main file, or a `main/` directory whose
    /// files (sorted by name) merge, later keys winning.
    fn role_vars(
        &mut self,
        dir: &Path,
        sub: &str,
        from: Option<&str>,
        span: &Span,
    ) -> Option<Node> {
        let base = dir.join(sub);
        let name = from.unwrap_or("main");
        if let Some(path) = find_main(&base, name) {
            return self.load_yaml(&path);
        }
        let main_dir = base.join(name);
        if main_dir.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(&main_dir)
                .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
                .unwrap_or_default();
            files.retain(|p| p.is_file());
            files.sort();
            let mut merged = Mapping::default();
            for f in files {
                if let Some(Node {
                    kind: NodeKind::Map(m),
                    ..
                }) = self.load_yaml(&f)
                {
                    merged.entries.extend(m.entries);
                }
            }
            return Some(Node {
                kind: NodeKind::Map(merged),
                span: Span::file(main_dir.display().to_string()),
            });
        }
        if from.is_some() {
            self.error(PlaybookError::MissingTaskFile {
                file: name.to_owned(),
                searched: vec![base.join(name).display().to_string()],
                span: span.clone(),
            });
        }
        None
    }

    /// `meta/main`: dependencies, `allow_duplicates`, and the document
    /// itself (it may hold `argument_specs`).
    fn role_meta(&mut self, dir: &Path, scope: &Scope) -> (Vec<RoleUse>, bool, Option<Node>) {
        let Some(path) = find_main(&dir.join("meta"), "main") else {
            return (Vec::new(), false, None);
        };
        let Some(doc) = self.load_yaml(&path) else {
            return (Vec::new(), false, None);
        };
        let NodeKind::Map(meta) = &doc.kind else {
            return (Vec::new(), false, None);
        };
        let allow_duplicates = match meta.entries.get("allow_duplicates") {
            Some(e) => match node::flag("allow_duplicates", &e.value) {
                Ok(Spanned {
                    value: node::Flag::Bool(b),
                    ..
                }) => b,
                Ok(_) => false,
                Err(err) => {
                    self.error(err);
                    false
                }
            },
            None => false,
        };
        let deps = match meta.entries.get("dependencies") {
            Some(e) => match node::task_list("dependencies", &e.value) {
                Ok(items) => self.parse_role_list(items, scope),
                Err(err) => {
                    self.error(err);
                    Vec::new()
                }
            },
            None => Vec::new(),
        };
        (deps, allow_duplicates, Some(doc))
    }

    /// Parses `roles:` entries (or dependencies) and loads each role.
    pub(crate) fn parse_role_list(&mut self, items: &[Node], scope: &Scope) -> Vec<RoleUse> {
        items
            .iter()
            .filter_map(|item| self.parse_role_entry(item, scope))
            .collect()
    }

    fn parse_role_entry(&mut self, item: &Node, scope: &Scope) -> Option<RoleUse> {
        let mut keywords = Keywords::default();
        let mut params = IndexMap::new();
        let name = match &item.kind {
            NodeKind::Map(map) => {
                let name_entry = map.entries.get("role").or_else(|| map.entries.get("name"));
                let Some(entry) = name_entry else {
                    self.error(PlaybookError::BadKeywordType {
                        keyword: "role".to_owned(),
                        expected: "a role name (`role:` or `name:`)",
                        found: "nothing",
                        span: item.span.clone(),
                    });
                    return None;
                };
                let name = match node::string("role", &entry.value) {
                    Ok(n) => n,
                    Err(e) => {
                        self.error(e);
                        return None;
                    }
                };
                for (key, e) in &map.entries {
                    if key == "role" || key == "name" {
                        continue;
                    }
                    match keywords::admit(Object::Role, key, &e.key_span) {
                        Ok(true) => {
                            if let Err(err) = keywords.set(key, &e.value) {
                                self.error(err);
                            }
                        }
                        Ok(false) => {
                            params.insert(key.clone(), e.value.clone());
                        }
                        Err(err) => self.error(err),
                    }
                }
                name
            }
            _ => match node::string("role", item) {
                Ok(n) => n,
                Err(e) => {
                    self.error(e);
                    return None;
                }
            },
        };
        let role = self.load_role(&name, RoleFrom::default(), scope)?;
        Some(RoleUse {
            role,
            keywords,
            params,
            span: item.span.clone(),
        })
    }

    /// The tasks an `import_role` expands to: dependencies, then the role's.
    pub(crate) fn role_body(&self, role: &Role) -> Vec<TaskItem> {
        role_tasks(role)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{at, errors_of, parse_tree};
    use super::super::{BlockOrigin, TaskItem};
    use super::*;

    #[test]
    fn role_files_dependencies_and_keywords() {
        let (dir, pb) = parse_tree(&[
            (
                "site.yml",
                "- hosts: all\n  roles:\n    - role: app\n      when: enabled\n      tags: [t]\n      become: true\n      vars: {a: 1}\n      port_param: 8080\n",
            ),
            ("roles/app/tasks/main.yaml", "- name: app task\n  debug:\n"),
            ("roles/app/handlers/main.yml", "- name: restart app\n  debug:\n"),
            ("roles/app/defaults/main.json", "{\"x\": 1}"),
            ("roles/app/vars/main", "y: 2\n"),
            ("roles/app/meta/main.yml", "allow_duplicates: true\ndependencies:\n  - base\n  - {role: other, tags: dep}\n"),
            ("roles/app/templates/a.j2", "x"),
            ("roles/app/files/f", "x"),
            ("roles/base/tasks/main.yml", "- debug:\n"),
            ("other/tasks/main.yml", "- debug:\n"),
        ]);
        let pb = pb.expect("parses");
        let use_ = &pb.plays[0].roles[0];
        let role = &use_.role;
        assert_eq!(role.info.name, "app");
        assert_eq!(role.info.path, dir.path().join("roles/app"));
        assert_eq!(role.tasks.len(), 1);
        assert_eq!(role.handlers.len(), 1);
        assert!(role.defaults.as_ref().is_some_and(|d| d.get("x").is_some()));
        assert!(role.vars.as_ref().is_some_and(|d| d.get("y").is_some()));
        assert!(role.allow_duplicates);
        assert_eq!(
            role.templates_dir,
            Some(dir.path().join("roles/app/templates"))
        );
        assert_eq!(role.files_dir, Some(dir.path().join("roles/app/files")));
        // `other` is found next to the playbook, after roles/.
        let deps: Vec<_> = role
            .dependencies
            .iter()
            .map(|d| d.role.info.name.as_str())
            .collect();
        assert_eq!(deps, ["base", "other"]);
        assert_eq!(role.dependencies[1].keywords.tags[0].value, "dep");
        assert_eq!(use_.keywords.when.len(), 1);
        assert!(use_.keywords.become_.is_some());
        assert!(use_.params.contains_key("port_param"));
        let TaskItem::Task(t) = &role.tasks[0] else {
            panic!("task")
        };
        assert_eq!(t.display_name(), "app : app task");
        let block = use_.as_block();
        assert!(matches!(block.origin, BlockOrigin::ImportRole(_)));
        assert_eq!(block.block.len(), 3, "two dependencies then one task");
    }

    #[test]
    fn missing_role_lists_the_search_paths() {
        let errors = errors_of(&[("site.yml", "- hosts: all\n  roles:\n    - nope\n")]);
        match &errors[0] {
            PlaybookError::MissingRole {
                name,
                searched,
                span,
            } => {
                assert_eq!(name, "nope");
                assert_eq!(searched.len(), 3);
                assert!(searched[0].ends_with("roles/nope"));
                assert_eq!(at(span), (3, 7));
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn roles_path_is_searched() {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::create_dir_all(dir.path().join("shared/r/tasks")).expect("mkdir");
        std::fs::write(dir.path().join("shared/r/tasks/main.yml"), "- debug:\n").expect("w");
        std::fs::create_dir_all(dir.path().join("pb")).expect("mkdir");
        let site = dir.path().join("pb/site.yml");
        std::fs::write(&site, "- hosts: all\n  roles: [r]\n").expect("w");
        let options = super::super::LoadOptions {
            roles_path: vec![dir.path().join("shared")],
            ..Default::default()
        };
        let pb = super::super::load_playbook_with(&site, &options).expect("parses");
        assert_eq!(
            pb.plays[0].roles[0].role.info.path,
            dir.path().join("shared/r")
        );
    }

    #[test]
    fn dependency_cycle_is_an_error() {
        let errors = errors_of(&[
            ("site.yml", "- hosts: all\n  roles: [a]\n"),
            ("roles/a/meta/main.yml", "dependencies: [b]\n"),
            ("roles/b/meta/main.yml", "dependencies: [a]\n"),
        ]);
        assert!(matches!(&errors[0], PlaybookError::RecursiveRole { name, .. } if name == "a"));
    }

    #[test]
    fn defaults_main_directory_merges() {
        let (_d, pb) = parse_tree(&[
            ("site.yml", "- hosts: all\n  roles: [r]\n"),
            ("roles/r/defaults/main/a.yml", "x: 1\ny: 1\n"),
            ("roles/r/defaults/main/b.yml", "y: 2\n"),
        ]);
        let pb = pb.expect("parses");
        let d = pb.plays[0].roles[0]
            .role
            .defaults
            .clone()
            .expect("defaults");
        assert_eq!(d.get("y").map(|n| n.kind.clone()), Some(NodeKind::Int(2)));
        assert!(d.get("x").is_some());
    }
}
