//! The variable names some source could define, for the static
//! "no source defines `x`" check ([`super::checks`]).
//!
//! A name counts as defined when any source defines it for any host,
//! anywhere in the playbook: the check answers "could this ever be
//! defined", not "is it defined at this task", so it has no false alarms
//! from ordering (a `set_fact` in a later play, a fact from another host).
//! Sources: inventory variables of every host (with `group_vars`/`host_vars`
//! beside the playbook), extra vars, play `vars` and `vars_files`, role
//! defaults, vars and parameters, block/task/include `vars`, `register`
//! names, `set_fact` keys, `include_vars` files (a templated file name
//! turns the check off, since it could define anything), loop variables,
//! facts (every `ansible_*` name) and Ansible's magic variables.

use crate::inventory::Inventory;
use crate::playbook::{
    self, Include, IncludeRole, Keywords, Play, Playbook, Role, RoleUse, Task, TaskItem,
};
use crate::template::Templar;
use crate::value::{Map, Value};
use crate::yaml::{Node, NodeKind};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Magic variables and other names the engine always provides.
const MAGIC: &[&str] = &[
    "hostvars",
    "groups",
    "group_names",
    "inventory_hostname",
    "inventory_hostname_short",
    "inventory_dir",
    "inventory_file",
    "playbook_dir",
    "play_hosts",
    "role_path",
    "role_name",
    "role_names",
    "omit",
    "item",
    "vars",
    "environment",
];

/// Every name some source could define.
pub(crate) struct Known {
    names: HashSet<String>,
    playbook_dir: PathBuf,
    included: HashSet<PathBuf>,
    /// A source with unknowable names exists (a templated `include_vars`).
    open: bool,
}

impl Known {
    /// Collects the names of every source of `pb`, `inventory` and `extra`.
    pub(crate) fn collect(pb: &Playbook, inventory: &Inventory, extra: &Map) -> Known {
        let dir = pb.path.parent().filter(|d| !d.as_os_str().is_empty());
        let mut k = Known {
            names: MAGIC.iter().map(|s| (*s).to_owned()).collect(),
            playbook_dir: playbook_dir(pb),
            included: HashSet::new(),
            open: false,
        };
        k.names.extend(extra.keys().cloned());
        let hosts = inventory.hosts().map(|h| h.name().to_owned());
        for host in hosts.chain(["localhost".to_owned()]) {
            match inventory.host_vars_with_playbook(&host, dir) {
                Ok(vars) => k.names.extend(vars.keys().cloned()),
                Err(_) => k.names.extend(inventory.host_vars(&host).keys().cloned()),
            }
        }
        for play in &pb.plays {
            k.play(play);
        }
        k
    }

    /// Whether some source could define `name`.
    pub(crate) fn defines(&self, name: &str) -> bool {
        self.open || name.starts_with("ansible_") || self.names.contains(name)
    }

    fn play(&mut self, play: &Play) {
        self.keywords(&play.keywords);
        for f in &play.vars_files {
            let files: Vec<String> = match f.to_value() {
                Value::List(l) => l
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect(),
                v => v.as_str().map(str::to_owned).into_iter().collect(),
            };
            if let Some(path) = super::vars_files::find(&play.dir, &files) {
                self.file(&path);
            }
        }
        for list in [
            &play.pre_tasks,
            &play.tasks,
            &play.post_tasks,
            &play.handlers,
        ] {
            self.items(list);
        }
        for r in &play.roles {
            self.role_use(r);
        }
    }

    fn role_use(&mut self, r: &RoleUse) {
        self.keywords(&r.keywords);
        self.names.extend(r.params.keys().cloned());
        self.role(&r.role);
    }

    fn role(&mut self, role: &Role) {
        for n in [&role.defaults, &role.vars].into_iter().flatten() {
            self.mapping_keys(n);
        }
        for d in &role.dependencies {
            self.role_use(d);
        }
        self.items(&role.tasks);
        self.items(&role.handlers);
    }

    fn items(&mut self, items: &[TaskItem]) {
        for item in items {
            match item {
                TaskItem::Task(t) => self.task(t),
                TaskItem::Block(b) => {
                    self.keywords(&b.keywords);
                    for list in [&b.block, &b.rescue, &b.always] {
                        self.items(list);
                    }
                }
                TaskItem::IncludeTasks(i) => {
                    self.task(&i.task);
                    match literal_include(i, &self.playbook_dir, &mut self.included) {
                        Some(items) => self.items(&items),
                        // A templated file name could define anything.
                        None => self.open |= Templar::is_template(&i.file.value),
                    }
                }
                TaskItem::IncludeRole(r) => {
                    self.task(&r.task);
                    match literal_role(r, &self.playbook_dir, &mut self.included) {
                        Some(role) => self.role(&role),
                        // A role known only at run time could define anything.
                        None => self.open = true,
                    }
                }
            }
        }
    }

    fn keywords(&mut self, k: &Keywords) {
        if let Some(v) = &k.vars {
            self.mapping_keys(v);
        }
    }

    fn task(&mut self, t: &Task) {
        self.keywords(&t.keywords);
        if let Some(r) = &t.register {
            self.names.insert(r.value.clone());
        }
        let lc = t.loop_control.as_ref();
        for v in [
            lc.and_then(|c| c.loop_var.as_ref()),
            lc.and_then(|c| c.index_var.as_ref()),
        ]
        .into_iter()
        .flatten()
        {
            self.names.insert(v.value.clone());
        }
        match t.action.module.as_str() {
            "set_fact" => {
                self.names.extend(t.action.args.keys().cloned());
            }
            "include_vars" => {
                if let Some(n) = t.action.args.get("name").and_then(Node::as_str) {
                    self.names.insert(n.to_owned());
                    return;
                }
                let file = ["file", "_raw_params"]
                    .iter()
                    .find_map(|k| t.action.args.get(*k).and_then(Node::as_str));
                match file {
                    Some(f) if !Templar::is_template(f) => {
                        let base = Path::new(&*t.span.file).parent().unwrap_or(Path::new("."));
                        let mut candidates = vec![base.join("../vars").join(f), base.join(f)];
                        if let Some(r) = &t.role {
                            candidates.insert(0, r.path.join("vars").join(f));
                        }
                        match candidates.into_iter().find(|p| p.exists()) {
                            Some(p) => self.file(&p),
                            None => self.open = true,
                        }
                    }
                    _ => self.open = true,
                }
            }
            _ => {}
        }
    }

    /// The top-level keys of a YAML vars file, when it loads.
    fn file(&mut self, path: &Path) {
        if let Ok(loaded) = crate::yaml::load_file(path) {
            if let (Some(doc), _) = loaded.single() {
                self.mapping_keys(&doc);
            }
        }
    }

    /// Keys of a mapping, or of each mapping in a list of mappings.
    fn mapping_keys(&mut self, node: &Node) {
        match &node.kind {
            NodeKind::Map(m) => self.names.extend(m.iter().map(|(k, _)| k.to_owned())),
            NodeKind::Seq(items) => {
                for n in items {
                    self.mapping_keys(n);
                }
            }
            _ => {}
        }
    }
}

/// The directory of the top playbook (`.` when it is a bare file name).
pub(crate) fn playbook_dir(pb: &Playbook) -> PathBuf {
    match pb.path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The tasks of an `include_tasks` whose file name is literal, loaded as
/// the run would load them; `None` when templated, missing, broken, or
/// already in `seen` (each file is walked once, which also stops loops).
pub(crate) fn literal_include(
    i: &Include,
    playbook_dir: &Path,
    seen: &mut HashSet<PathBuf>,
) -> Option<Vec<TaskItem>> {
    if Templar::is_template(&i.file.value) {
        return None;
    }
    let path = playbook::resolve_include(i, &i.file.value, playbook_dir).ok()?;
    if !seen.insert(path.clone()) {
        return None;
    }
    playbook::load_tasks_file(
        &path,
        i.task.role.clone(),
        playbook_dir,
        &Default::default(),
    )
    .ok()
}

/// The role of an `include_role` whose name and `*_from` are literal,
/// loaded as the run would load it; `None` when templated, missing or
/// broken. A role already in `seen` (by directory) loads again: each use
/// may pick other `*_from` files.
pub(crate) fn literal_role(
    r: &IncludeRole,
    playbook_dir: &Path,
    seen: &mut HashSet<PathBuf>,
) -> Option<Arc<Role>> {
    let from = &r.from;
    let names = [
        Some(&r.name.value),
        from.tasks_from.as_ref(),
        from.vars_from.as_ref(),
        from.defaults_from.as_ref(),
        from.handlers_from.as_ref(),
    ];
    if names.iter().flatten().any(|n| Templar::is_template(n)) {
        return None;
    }
    let role = playbook::load_role(
        &r.name,
        from.clone(),
        playbook_dir,
        r.task.role.clone(),
        &Default::default(),
    )
    .ok()?;
    // A role including itself would recurse forever.
    let key = role
        .info
        .path
        .join(from.tasks_from.as_deref().unwrap_or("main"));
    seen.insert(key).then_some(role)
}

/// Whether `text` uses `name` only where an undefined value is fine at
/// least once: `name is defined`, `name is not defined`, `name is
/// undefined`, `name | default(...)` (also after an attribute chain,
/// `name.a['b'] | d(...)`). A textual scan, not a parse: a use inside a
/// string literal counts too, which can only hide a warning.
pub(crate) fn optional_use(text: &str, name: &str) -> bool {
    let bytes = text.as_bytes();
    let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut from = 0;
    while let Some(pos) = text[from..].find(name).map(|p| p + from) {
        from = pos + name.len();
        if pos > 0 && (ident(bytes[pos - 1]) || bytes[pos - 1] == b'.') {
            continue;
        }
        if bytes.get(from).copied().is_some_and(ident) {
            continue;
        }
        if guarded(&text[from..]) {
            return true;
        }
    }
    false
}

/// Whether `rest` (the text after a name) starts with an attribute chain
/// followed by a definedness test or a `default` filter.
fn guarded(rest: &str) -> bool {
    let mut s = rest;
    loop {
        let t = s.trim_start();
        if let Some(after) = t.strip_prefix('.') {
            let n = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            s = &after[n..];
        } else if t.starts_with('[') {
            match t.find(']') {
                Some(end) => s = &t[end + 1..],
                None => return false,
            }
        } else {
            s = t;
            break;
        }
    }
    if let Some(r) = word(s, "is") {
        let r = word(r, "not").unwrap_or(r);
        return ["defined", "undefined", "none"]
            .iter()
            .any(|w| word(r, w).is_some());
    }
    if let Some(r) = s.strip_prefix('|') {
        let r = r.trim_start();
        return word(r, "default").is_some() || word(r, "d").is_some();
    }
    false
}

/// `s` without its leading word `w` and the blanks after it.
fn word<'a>(s: &'a str, w: &str) -> Option<&'a str> {
    s.strip_prefix(w)
        .filter(|r| !r.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_'))
        .map(str::trim_start)
}

/// The entry of a comma-separated `list` closest to `name`, if close.
pub(crate) fn closest(name: &str, list: &str) -> Option<String> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| (crate::modules::edit_distance(name, s), s))
        .filter(|(d, s)| *d <= 2.max(s.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, s)| s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guarded_uses_are_optional() {
        assert!(optional_use("x is defined and x", "x"));
        assert!(optional_use("{{ x.a['b'] | default(1) }}", "x"));
        assert!(optional_use("x is not   defined", "x"));
        assert!(optional_use("{{ x|d('') }}", "x"));
        assert!(!optional_use("{{ x }}", "x"));
        assert!(!optional_use("{{ xy is defined }}", "x"));
        assert!(!optional_use("{{ a.x is defined }}", "x"));
        assert!(!optional_use("{{ x | dict2items }}", "x"));
    }

    #[test]
    fn closest_picks_near_names() {
        assert_eq!(closest("srcc", "src, dest, mode").as_deref(), Some("src"));
        assert_eq!(closest("zzzzzz", "src, dest, mode"), None);
    }
}
