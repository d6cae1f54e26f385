//! [`Playbook`]: the plays of a playbook file, `import_playbook` resolved
//! (relative to the importing file) and flattened in order.

use super::error::PlaybookError;
use super::loader::Loader;
use super::node;
use super::play::Play;
use crate::source::{Span, Warning};
use crate::yaml::{Node, NodeKind};
use std::path::{Path, PathBuf};

/// A parsed playbook: every play, imports expanded.
#[derive(Clone, Debug, PartialEq)]
pub struct Playbook {
    /// The playbook path as the caller gave it (output prints it verbatim).
    pub path: PathBuf,
    /// The plays in run order.
    pub plays: Vec<Play>,
    /// Non-fatal problems found while loading (duplicate keys, ...).
    pub warnings: Vec<Warning>,
}

impl Loader {
    /// Loads a playbook file's plays, expanding `import_playbook`.
    pub(crate) fn load_playbook_file(&mut self, path: &Path, span: &Span) -> Vec<Play> {
        if self.file_stack.iter().any(|p| p == path) {
            self.error(PlaybookError::RecursiveImport {
                file: path.display().to_string(),
                span: span.clone(),
            });
            return Vec::new();
        }
        let Some(doc) = self.load_yaml(path) else {
            return Vec::new();
        };
        self.file_stack.push(path.to_path_buf());
        let plays = self.plays_from_node(&doc, path);
        self.file_stack.pop();
        plays
    }

    /// The plays of a loaded playbook document (`path` names the file).
    pub(crate) fn plays_from_node(&mut self, doc: &Node, path: &Path) -> Vec<Play> {
        let entries = match &doc.kind {
            NodeKind::Seq(items) if !items.is_empty() => items,
            NodeKind::Null => {
                self.error(PlaybookError::EmptyPlaybook {
                    span: Span::file(path.display().to_string()),
                });
                return Vec::new();
            }
            NodeKind::Seq(_) => {
                self.error(PlaybookError::NoPlays {
                    span: doc.span.clone(),
                });
                return Vec::new();
            }
            _ => {
                self.error(node::bad_type("playbook", "a list of plays", doc));
                return Vec::new();
            }
        };
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        // Roles and files of an imported playbook are found next to it
        // (measured: ansible-core 2.19 searches `<imported dir>/roles`).
        let outer = std::mem::replace(&mut self.playbook_dir, dir_of(path));
        let mut plays = Vec::with_capacity(entries.len());
        for entry in entries {
            self.playbook_entry(entry, &dir, &mut plays);
        }
        self.playbook_dir = outer;
        plays
    }

    /// A templated `import_playbook` name, rendered as ansible-core
    /// renders it while loading: with the `-e` values and the import's
    /// own `vars:` (no inventory, no host).
    fn import_name(&self, name: &str, vars: Option<&Node>) -> Result<String, String> {
        let mut all = match vars.map(Node::to_value) {
            Some(crate::value::Value::Map(m)) => m,
            _ => crate::value::Map::new(),
        };
        all.extend(
            self.options
                .extra_vars
                .iter()
                .map(|(k, v)| (k.clone(), v.clone())),
        );
        let vars = crate::template::Vars::new(std::sync::Arc::new(all));
        crate::template::Templar::new()
            .render_string(name, &vars)
            .map_err(|e| e.to_string())
    }

    fn playbook_entry(&mut self, entry: &Node, dir: &Path, plays: &mut Vec<Play>) {
        let NodeKind::Map(map) = &entry.kind else {
            self.error(node::bad_type("play", "a mapping", entry));
            return;
        };
        // A bare `include:` at the play level was the pre-2.4 spelling of
        // `import_playbook` (removed with `include` in 2.16; accepted here).
        let import_key = [
            "import_playbook",
            "ansible.builtin.import_playbook",
            "ansible.legacy.import_playbook",
            "include",
        ]
        .into_iter()
        .find(|k| map.entries.contains_key(*k));
        let import = import_key.and_then(|k| map.entries.get(k));
        let Some(import) = import else {
            plays.push(self.parse_play(map, &entry.span, dir.to_path_buf()));
            return;
        };
        let mut file = match node::string("import_playbook", &import.value) {
            Ok(f) => f,
            Err(e) => return self.error(e),
        };
        if node::is_template(&file.value) {
            let vars = map.entries.get("vars").map(|e| &e.value);
            match self.import_name(&file.value, vars) {
                Ok(name) => file.value = name,
                Err(message) => {
                    return self.error(PlaybookError::ImportName {
                        file: file.value,
                        message,
                        span: file.span,
                    })
                }
            }
        }
        // The import's own keywords (`tags`, `vars`, `when`) reach every
        // imported play.
        let mut keywords = super::Keywords::default();
        for (key, e) in &map.entries {
            if Some(key.as_str()) == import_key {
                continue;
            }
            let admitted = super::keywords::admit_only(
                super::keyword_table::Object::PlaybookInclude,
                key,
                &e.key_span,
            );
            match admitted.and_then(|()| keywords.set(key, &e.value)) {
                Ok(true) => {}
                Ok(false) => self.error(PlaybookError::UnknownKeyword {
                    keyword: key.clone(),
                    object: "PlaybookInclude",
                    span: e.key_span.clone(),
                }),
                Err(err) => self.error(err),
            }
        }
        let target = dir.join(&file.value);
        if !target.is_file() {
            return self.error(PlaybookError::MissingTaskFile {
                file: file.value,
                searched: vec![target.display().to_string()],
                span: file.span,
            });
        }
        let imported = self.load_playbook_file(&target, &file.span);
        for mut play in imported {
            let mut tags = keywords.tags.clone();
            tags.append(&mut play.keywords.tags);
            play.keywords.tags = tags;
            let mut when = keywords.when.clone();
            when.append(&mut play.keywords.when);
            play.keywords.when = when;
            play.keywords.vars = merge_vars(play.keywords.vars.take(), keywords.vars.as_ref());
            plays.push(play);
        }
    }
}

/// A play's `vars` with an `import_playbook`'s `vars` on top (measured:
/// the import's values win over the play's), as the list-of-mappings form
/// `vars` already allows (later mappings win).
fn merge_vars(play: Option<Node>, import: Option<&Node>) -> Option<Node> {
    let Some(import) = import else { return play };
    let Some(play) = play else {
        return Some(import.clone());
    };
    let span = play.span.clone();
    let mut items = match play.kind {
        NodeKind::Seq(items) => items,
        kind => vec![Node {
            kind,
            span: span.clone(),
        }],
    };
    items.push(import.clone());
    Some(Node {
        kind: NodeKind::Seq(items),
        span,
    })
}

/// The directory relative names in `path` resolve against.
pub(crate) fn dir_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

#[cfg(test)]
mod tests {
    //! Fuzz-style safety: arbitrary YAML shapes never panic the parser.
    use super::super::list::{list_tasks, TagSelection};
    use super::super::loader::Scope;
    use super::super::{kv, LoadOptions};
    use super::*;
    use crate::yaml::{MapEntry, Mapping};

    /// xorshift64*: deterministic, so a failure reproduces.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    const KEYS: &[&str] = &[
        "hosts",
        "name",
        "tasks",
        "pre_tasks",
        "post_tasks",
        "handlers",
        "roles",
        "role",
        "block",
        "rescue",
        "always",
        "when",
        "loop",
        "with_items",
        "with_dict",
        "loop_control",
        "loop_var",
        "register",
        "until",
        "retries",
        "notify",
        "listen",
        "tags",
        "vars",
        "environment",
        "become",
        "args",
        "action",
        "local_action",
        "module",
        "debug",
        "command",
        "shell",
        "set_fact",
        "import_tasks",
        "include_tasks",
        "include",
        "import_role",
        "include_role",
        "import_playbook",
        "file",
        "tasks_from",
        "apply",
        "serial",
        "gather_facts",
        "vars_files",
        "delegate_to",
        "changed_when",
        "failed_when",
        "ansible.builtin.copy",
        "dependencies",
        "x",
        "",
    ];

    const TEXT: &[&str] = &[
        "",
        "a",
        "{{ x }}",
        "a=1 b='2'",
        "echo \"x",
        "k=",
        "=v",
        "{% if %}",
        "é=ü \\é",
        "30%",
        "yes",
        "x.yml",
        "roles/x",
        "/abs/none",
        "'",
        "a\nb=c\n",
        "{{",
        "}}",
    ];

    fn node(rng: &mut Rng, depth: u32) -> Node {
        let span = Span::new("fuzz.yml".into(), 1 + rng.below(50) as u32, 1);
        let pick = if depth == 0 {
            rng.below(6)
        } else {
            rng.below(8)
        };
        let kind = match pick {
            0 => NodeKind::Null,
            1 => NodeKind::Bool(rng.below(2) == 1),
            2 => NodeKind::Int(rng.next() as i64),
            3 => NodeKind::Float(f64::from_bits(rng.next())),
            4 | 5 => NodeKind::Str(TEXT[rng.below(TEXT.len())].to_owned()),
            6 => NodeKind::Seq((0..rng.below(4)).map(|_| node(rng, depth - 1)).collect()),
            _ => {
                let mut m = Mapping::default();
                for _ in 0..rng.below(5) {
                    let key = KEYS[rng.below(KEYS.len())].to_owned();
                    let value = node(rng, depth - 1);
                    let key_span = value.span.clone();
                    m.entries.insert(key, MapEntry { key_span, value });
                }
                NodeKind::Map(m)
            }
        };
        Node { kind, span }
    }

    #[test]
    fn arbitrary_shapes_never_panic() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("site.yml");
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let mut parsed = 0;
        for _ in 0..3000 {
            let doc = node(&mut rng, 5);
            let mut loader = Loader::new(LoadOptions::default(), dir.path().to_path_buf());
            let plays = loader.plays_from_node(&doc, &path);
            let scope = Scope {
                dir: dir.path().to_path_buf(),
                role: None,
                handlers: false,
            };
            if let NodeKind::Seq(items) = &doc.kind {
                let _ = loader.parse_task_list(items, &scope);
                let _ = loader.parse_role_list(items, &scope);
            }
            parsed += plays.len();
            let pb = Playbook {
                path: path.clone(),
                plays,
                warnings: Vec::new(),
            };
            let _ = list_tasks(&pb, Some(&[]), &TagSelection::default());
        }
        // The shapes reached the play parser, not only the top-level check.
        assert!(parsed > 0);
    }

    #[test]
    fn arbitrary_free_form_text_never_panics() {
        let alphabet: Vec<char> = "ab =\"'\\{}%#\n\t éü✓".chars().collect();
        let mut rng = Rng(42);
        let span = Span::file("f.yml");
        for _ in 0..20_000 {
            let len = rng.below(24);
            let text: String = (0..len)
                .map(|_| alphabet[rng.below(alphabet.len())])
                .collect();
            for free in [true, false] {
                // Fidelity is checked against Ansible in action.rs (even an
                // empty key, `\t=x`, is what Ansible gives); here, only that
                // any text splits or errors without panicking.
                if let Ok((pairs, raw)) = kv::split_kv(&text, free, &span) {
                    assert!(pairs.len() + usize::from(raw.is_some()) <= text.len() + 1);
                }
            }
        }
    }
}
