//! Template files (`template: src=...`) for the static checks: found as
//! the run finds them, parsed for Jinja syntax errors (with the file's own
//! line), and the variables they read located for warnings.

use crate::playbook::Task;
use crate::source::Span;
use crate::template::Templar;
use crate::yaml::Node;
use std::path::{Path, PathBuf};

/// What a template file holds, as the checks need it.
pub(super) enum Scan {
    /// The file does not parse: the parser's message, at its line.
    Syntax(String, Span),
    /// The variables it reads, each at its first use.
    Reads(Vec<(String, Span)>),
}

/// The file a `template` task's literal `src` names, looked for where
/// `playbook::missing_sources` looks (role, task file's dir, playbook dir;
/// under `templates/` first). `None`: not a template task, templated, or
/// missing (reported by that check).
pub(super) fn source_of(t: &Task, playbook_dir: &Path) -> Option<PathBuf> {
    if t.action.module != "template" {
        return None;
    }
    let name = t.action.args.get("src").and_then(Node::as_str)?;
    if Templar::is_template(name) || name.is_empty() {
        return None;
    }
    if Path::new(name).is_absolute() {
        return Some(PathBuf::from(name)).filter(|p| p.is_file());
    }
    let mut bases: Vec<PathBuf> = Vec::with_capacity(3);
    if let Some(role) = &t.role {
        bases.push(role.path.clone());
    }
    if let Some(dir) = Path::new(&*t.span.file).parent() {
        bases.push(dir.to_path_buf());
    }
    bases.push(playbook_dir.to_path_buf());
    bases
        .iter()
        .flat_map(|b| [b.join("templates").join(name), b.join(name)])
        .find(|p| p.is_file())
}

/// Parses the template at `path` (after an optional `#jinja2:` header
/// line); guarded reads (`x is defined`, `x | default`) are left out.
pub(super) fn scan(path: &Path, templar: &Templar) -> Option<Scan> {
    let text = std::fs::read_to_string(path).ok()?;
    let file: std::sync::Arc<str> = path.display().to_string().into();
    let (body, first_line) = match text.strip_prefix("#jinja2:") {
        Some(rest) => (rest.split_once('\n').map_or("", |(_, b)| b), 2),
        None => (text.as_str(), 1),
    };
    // Syntax does not depend on filters or whitespace options: a plain
    // environment parses like the template module's and gives the line.
    if let Err(e) = minijinja::Environment::new().template_from_str(body) {
        let line = u32::try_from(e.line().unwrap_or(1)).unwrap_or(1) + first_line - 1;
        let message = e.detail().unwrap_or("syntax error").to_owned();
        let mut span = Span::new(file, line, 1);
        // The parser's byte range, when it has one, gives column and extent.
        if let Some(r) = e.range().filter(|r| r.start <= body.len()) {
            let line_start = body[..r.start].rfind('\n').map_or(0, |i| i + 1);
            let column = body[line_start..r.start].chars().count() + 1;
            span.column = u32::try_from(column).unwrap_or(1);
            span.len = u32::try_from(r.len()).unwrap_or(0);
        }
        return Some(Scan::Syntax(message, span));
    }
    let names = templar.variables(body, false).ok()?;
    let reads = names
        .into_iter()
        .filter(|name| !super::names::optional_use(body, name))
        .map(|name| {
            let span = first_use(&text, &name, &file);
            (name, span)
        })
        .collect();
    Some(Scan::Reads(reads))
}

/// Where `name` first appears as a word in `text` (line 1 if nowhere).
fn first_use(text: &str, name: &str, file: &std::sync::Arc<str>) -> Span {
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    for (i, line) in text.lines().enumerate() {
        let mut from = 0;
        while let Some(pos) = line[from..].find(name).map(|p| p + from) {
            from = pos + name.len();
            let before = line[..pos].chars().next_back();
            let after = line[from..].chars().next();
            if before.is_some_and(ident) || after.is_some_and(ident) {
                continue;
            }
            let column = line[..pos].chars().count() + 1;
            return Span {
                file: file.clone(),
                line: u32::try_from(i + 1).unwrap_or(u32::MAX),
                column: u32::try_from(column).unwrap_or(u32::MAX),
                offset: 0,
                len: u32::try_from(name.len()).unwrap_or(0),
            };
        }
    }
    Span::new(file.clone(), 1, 1)
}
