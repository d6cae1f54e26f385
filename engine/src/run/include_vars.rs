//! `include_vars`, as ansible-core 2.19's action plugin does it: a `file`
//! found by Ansible's search (`_find_needle('vars', …)`: the role, the
//! task file's directory, then the playbook's, each with `vars/` first),
//! or every YAML/JSON file of a `dir` (the role's `vars/`, else next to
//! the task file) in sorted walk order, with `depth`, `files_matching`,
//! `ignore_files`, `extensions`, `ignore_unknown_extensions`, `name` and
//! `hash_behaviour`. Failures keep Ansible's `message` key.

use crate::modules::Outcome;
use crate::plan::TaskStep;
use crate::template::Vars;
use crate::value::{Map, Value};
use std::path::{Path, PathBuf};

/// What the task asked for, read from its rendered arguments.
struct Request {
    file: Option<String>,
    dir: Option<String>,
    depth: usize,
    matching: Option<regex::Regex>,
    ignore: Vec<String>,
    extensions: Vec<String>,
    ignore_unknown: bool,
}

fn text(v: &Value) -> String {
    crate::report::python_str(v)
}

fn request(args: &Map) -> Result<Request, String> {
    let get = |k: &str| args.get(k).filter(|v| **v != Value::Null);
    let dir = get("dir").map(text);
    // A `file:` that rendered to nothing (a lookup with errors=ignore) is
    // looked for all the same, and not found.
    let file = get("file")
        .or_else(|| get("_raw_params"))
        .map(|v| text(v).trim_end_matches('\n').to_owned())
        .or_else(|| args.contains_key("file").then(String::new));
    if dir.is_some() && get("file").is_some() {
        return Err(
            "You are mixing file only and dir only arguments, these are incompatible".into(),
        );
    }
    if dir.is_none() && file.is_none() {
        return Err("one of `file`, `dir` or a file name is required".into());
    }
    let list = |k: &str| -> Vec<String> {
        match get(k) {
            None => Vec::new(),
            Some(Value::List(l)) => l.iter().map(text).collect(),
            Some(v) => text(v).split_whitespace().map(str::to_owned).collect(),
        }
    };
    let extensions = match get("extensions") {
        None => vec!["json".into(), "yaml".into(), "yml".into()],
        Some(_) => list("extensions"),
    };
    let matching = match get("files_matching").map(text) {
        None => None,
        Some(p) => Some(
            regex::Regex::new(&p).map_err(|e| format!("Invalid regular expression: {p}: {e}"))?,
        ),
    };
    Ok(Request {
        file,
        dir,
        depth: get("depth")
            .and_then(|v| text(v).trim().parse().ok())
            .unwrap_or(0),
        matching,
        ignore: list("ignore_files"),
        extensions,
        ignore_unknown: get("ignore_unknown_extensions")
            .and_then(crate::modules::parse_bool)
            .unwrap_or(false),
    })
}

/// Ansible's `_is_role`: a directory that looks like a role.
fn is_role(path: &Path) -> bool {
    [
        "tasks/main.yml",
        "tasks/main.yaml",
        "tasks/main",
        "meta/main.yml",
        "meta/main.yaml",
    ]
    .iter()
    .any(|f| path.join(f).exists())
        || ["main.yml", "main.yaml", "main"]
            .iter()
            .any(|f| path.join(f).exists())
}

/// `path_dwim_relative_stack(task.get_search_path(), 'vars', source)`:
/// every candidate, in Ansible's order.
fn candidates(task: &TaskStep, source: &str) -> Vec<PathBuf> {
    if source.starts_with('/') {
        return vec![PathBuf::from(source)];
    }
    let mut paths: Vec<PathBuf> = Vec::new();
    if let Some(r) = &task.role {
        paths.push(r.path.clone());
    }
    let task_dir = Path::new(&*task.span.file)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    if !paths.contains(&task_dir) {
        paths.push(task_dir);
    }
    let uses_dir = source.split('/').next() == Some("vars");
    let mut search = Vec::new();
    for p in &paths {
        let base = p.parent().unwrap_or(Path::new(""));
        if is_role(p) && base.ends_with("tasks") {
            search.push(
                base.parent()
                    .unwrap_or(Path::new(""))
                    .join("vars")
                    .join(source),
            );
            search.push(base.join(source));
        }
        if !uses_dir {
            search.push(p.join("vars").join(source));
        }
        search.push(p.join(source));
    }
    let basedir = task
        .search_paths
        .last()
        .cloned()
        .unwrap_or_else(|| PathBuf::from("."));
    if !uses_dir {
        search.push(basedir.join("vars").join(source));
    }
    search.push(basedir.join(source));
    search
}

/// The directory a `dir:` names.
fn root_dir(task: &TaskStep, dir: &str) -> PathBuf {
    if dir.starts_with('/') {
        return PathBuf::from(dir);
    }
    match &task.role {
        Some(r) if dir.split('/').next() == Some("vars") => {
            let p = r.path.join(dir);
            if p.exists() {
                p
            } else {
                PathBuf::from(dir)
            }
        }
        Some(r) => r.path.join("vars").join(dir),
        None => Path::new(&*task.span.file)
            .parent()
            .unwrap_or(Path::new(""))
            .join(dir),
    }
}

/// Loads one vars file: a mapping (empty files count as `{}`).
fn load(path: &Path) -> Result<Map, String> {
    let loaded = crate::yaml::load_file(path).map_err(|e| e.to_string())?;
    let (doc, _) = loaded.single();
    match doc.map(|d| d.to_value()) {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Map(m)) => Ok(m),
        Some(_) => Err(format!(
            "{} must be stored as a dictionary/hash",
            path.display()
        )),
    }
}

/// Every file under `root`, directories in sorted order of their path,
/// files sorted within each, down to `depth` levels (0: all).
fn walk(root: &Path, depth: usize) -> Vec<PathBuf> {
    let mut dirs = vec![root.to_path_buf()];
    let mut i = 0;
    // Bounded by the tree itself; a symlink loop is cut by the depth of
    // 64 levels Ansible's os.walk would also not survive.
    while i < dirs.len() && dirs.len() < 100_000 {
        let d = dirs[i].clone();
        i += 1;
        let level = d.strip_prefix(root).map_or(0, |r| r.components().count()) + 1;
        if level >= 64 {
            continue;
        }
        if let Ok(rd) = std::fs::read_dir(&d) {
            dirs.extend(
                rd.filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.is_dir()),
            );
        }
    }
    dirs.sort();
    let mut files = Vec::new();
    for d in dirs {
        let level = d.strip_prefix(root).map_or(0, |r| r.components().count()) + 1;
        if depth != 0 && level > depth {
            continue;
        }
        let mut here: Vec<PathBuf> = std::fs::read_dir(&d)
            .map(|rd| {
                rd.filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| !p.is_dir())
                    .collect()
            })
            .unwrap_or_default();
        here.sort_by_key(|p| p.file_name().map(|n| n.to_os_string()));
        files.extend(here);
    }
    files
}

/// Runs the action; returns the outcome and the variables to include.
pub(crate) fn run(task: &TaskStep, args: &Map, vars: &Vars) -> Result<(Outcome, Map), String> {
    let req = request(args)?;
    let mut included: Vec<String> = Vec::new();
    let mut results = Map::new();
    let mut failure: Option<String> = None;
    if let Some(dir) = &req.dir {
        let root = root_dir(task, dir);
        if !root.exists() {
            failure = Some(format!("{} directory does not exist", root.display()));
        } else if !root.is_dir() {
            failure = Some(format!("{} is not a directory", root.display()));
        } else {
            for f in walk(&root, req.depth) {
                let name = f
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let ignored = req.ignore.iter().any(|pat| {
                    regex::Regex::new(&format!("{pat}$")).is_ok_and(|re| re.is_match(&name))
                });
                if ignored || req.matching.as_ref().is_some_and(|m| !m.is_match(&name)) {
                    continue;
                }
                // Python's splitext: no extension is the empty one.
                let ext = Path::new(&name)
                    .extension()
                    .map_or_else(String::new, |e| e.to_string_lossy().into_owned());
                if !req.extensions.contains(&ext) {
                    if req.ignore_unknown {
                        continue;
                    }
                    failure = Some(format!(
                        "{} does not have a valid extension: {}",
                        f.display(),
                        req.extensions.join(", ")
                    ));
                    break;
                }
                match load(&f) {
                    Ok(m) => {
                        included.push(f.display().to_string());
                        results.extend(m);
                    }
                    Err(e) => {
                        failure = Some(e);
                        break;
                    }
                }
            }
        }
    } else if req.file.as_deref() == Some("") {
        // No name at all (a lookup that found nothing): Ansible searches
        // nowhere.
        failure = Some(
            "Could not find file on the Ansible Controller.\nIf you are using a module and expect the file to exist on the remote, see the remote_src option"
                .into(),
        );
    } else if let Some(file) = &req.file {
        let search = candidates(task, file);
        match search.iter().find(|p| p.exists()) {
            Some(p) => {
                let shown = std::fs::canonicalize(p).unwrap_or_else(|_| p.clone());
                match load(p) {
                    Ok(m) => {
                        included.push(shown.display().to_string());
                        results.extend(m);
                    }
                    Err(e) => failure = Some(e),
                }
            }
            None => {
                let list: Vec<String> = search.iter().map(|p| p.display().to_string()).collect();
                failure = Some(format!(
                    "Could not find or access '{file}'\nSearched in:\n\t{} on the Ansible Controller.\nIf you are using a module and expect the file to exist on the remote, see the remote_src option",
                    list.join("\n\t")
                ));
            }
        }
    }
    if let Some(name) = args.get("name").filter(|v| **v != Value::Null).map(text) {
        results = std::iter::once((name, Value::Map(results))).collect();
    }
    if failure.is_none() && args.get("hash_behaviour").map(text).as_deref() == Some("merge") {
        for (k, v) in results.iter_mut() {
            if let Ok(Some(old)) = vars.get(k) {
                *v = merge(&old, v);
            }
        }
    }
    let files = Value::List(included.into_iter().map(Value::Str).collect());
    let mut o = Outcome::ok();
    if let Some(msg) = failure {
        o.failed = true;
        o.result.insert("message".into(), Value::Str(msg));
        o.result.insert("ansible_included_var_files".into(), files);
        o.result
            .insert("ansible_facts".into(), Value::Map(Map::new()));
        return Ok((o, Map::new()));
    }
    o.result.insert("ansible_included_var_files".into(), files);
    o.result
        .insert("ansible_facts".into(), Value::Map(results.clone()));
    Ok((o, results))
}

/// `combine_vars(..., merge=True)`: dictionaries merged recursively, the
/// new value winning everywhere else.
fn merge(old: &Value, new: &Value) -> Value {
    match (old, new) {
        (Value::Map(a), Value::Map(b)) => {
            let mut out = a.clone();
            for (k, v) in b {
                let merged = match out.get(k) {
                    Some(prev) => merge(prev, v),
                    None => v.clone(),
                };
                out.insert(k.clone(), merged);
            }
            Value::Map(out)
        }
        _ => new.clone(),
    }
}
