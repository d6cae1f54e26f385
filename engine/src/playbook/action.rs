//! [`Action`]: which module a task calls and with what arguments, as
//! written: FQCN normalisation, free-form `k=v` arguments, `args:`,
//! `action:` and `local_action:`.
//!
//! Compatibility (ansible-core 2.19, measured with its `ModuleArgsParser`):
//! - `ansible.builtin.x` and `ansible.legacy.x` name module `x`; the
//!   written form is kept for output (`--list-tasks` prints it).
//! - A string value is split into whitespace-separated tokens; quotes and
//!   Jinja blocks (`{{ }}`, `{% %}`, `{# #}`) hold a token together. For
//!   `command`, `shell`, `script`, `raw` (the free-form modules) only the
//!   keys `creates removes chdir executable warn stdin stdin_add_newline
//!   strip_empty_ends` are taken out of the text; the rest stays in
//!   `_raw_params`. Other modules take every `k=v` token, and the
//!   remaining words form `_raw_params` (`include_vars: f.yml`).
//! - Values are unquoted (one pair of matching outer quotes) and have
//!   backslash escapes decoded; raw text keeps its quotes.
//! - `args:` is merged under the module's own arguments (the module wins).

use super::error::PlaybookError;
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

/// The keys a free-form module's command line may carry.
const FREE_FORM_KEYS: &[&str] = &[
    "creates",
    "removes",
    "chdir",
    "executable",
    "warn",
    "stdin",
    "stdin_add_newline",
    "strip_empty_ends",
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
                for (k, v) in pairs {
                    args.insert(k, node::str_node(v, value.span.clone()));
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

    /// Builds the action for `action: module k=v` / `local_action: ...`.
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
                let name = node::string(keyword, &module.value)?;
                let mut rest = crate::yaml::Mapping::default();
                for (k, e) in &m.entries {
                    if k != "module" {
                        rest.entries.insert(k.clone(), e.clone());
                    }
                }
                let rest = Node {
                    kind: NodeKind::Map(rest),
                    span: value.span.clone(),
                };
                Action::parse(&name.value, name.span, &rest, extra_args)
            }
            _ => {
                let text = node::string(keyword, value)?.value;
                let text = text.trim_start();
                let (name, rest) = match text.find(char::is_whitespace) {
                    Some(i) => (&text[..i], text[i..].trim_start()),
                    None => (text, ""),
                };
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
                Action::parse(name, value.span.clone(), &rest, extra_args)
            }
        }
    }

    /// The free-form text (`_raw_params`), if any.
    pub fn raw_params(&self) -> Option<Spanned<&str>> {
        let n = self.args.get("_raw_params")?;
        node::as_str(n).map(|s| Spanned::new(s, n.span.clone()))
    }
}

/// One token of an argument string with where its trailing spaces end.
struct Token<'a> {
    text: &'a str,
    /// The token plus the extra spaces after it (all but one separator).
    with_trailing: &'a str,
    /// What separates it from the next token when rejoined: one space, or
    /// the newlines of the original gap.
    sep_after: &'static str,
}

/// Splits on whitespace outside quotes and Jinja blocks.
fn tokenize<'a>(text: &'a str, span: &Span) -> Result<Vec<Token<'a>>, PlaybookError> {
    let malformed = || PlaybookError::MalformedArgs {
        text: text.to_owned(),
        reason: "an unbalanced jinja2 block or quotes",
        span: span.clone(),
    };
    let bytes = text.as_bytes();
    let mut tokens: Vec<(usize, usize)> = Vec::new();
    let mut start: Option<usize> = None;
    let mut quote: Option<u8> = None;
    let mut jinja_depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if let Some(q) = quote {
            if c == b'\\' {
                i += 2;
                continue;
            }
            if c == q {
                quote = None;
            }
            i += 1;
            continue;
        }
        let pair = bytes.get(i..i + 2);
        if matches!(pair, Some(b"{{") | Some(b"{%") | Some(b"{#")) {
            start.get_or_insert(i);
            jinja_depth += 1;
            i += 2;
            continue;
        }
        if jinja_depth > 0 && matches!(pair, Some(b"}}") | Some(b"%}") | Some(b"#}")) {
            jinja_depth -= 1;
            i += 2;
            continue;
        }
        if jinja_depth == 0 && c.is_ascii_whitespace() {
            if let Some(s) = start.take() {
                tokens.push((s, i));
            }
            i += 1;
            continue;
        }
        if jinja_depth == 0 && (c == b'"' || c == b'\'') {
            quote = Some(c);
        }
        start.get_or_insert(i);
        i += 1;
    }
    if quote.is_some() || jinja_depth > 0 {
        return Err(malformed());
    }
    if let Some(s) = start {
        tokens.push((s, bytes.len().min(i)));
    }
    let mut out = Vec::with_capacity(tokens.len());
    for (n, &(s, e)) in tokens.iter().enumerate() {
        let next = tokens.get(n + 1).map_or(e, |t| t.0);
        // Spaces beyond the first separator stay with the token, so that
        // rejoining with one space restores a quoted command's spacing.
        let gap = &text[e..next];
        let extra = if gap.starts_with([' ', '\t']) && !gap.contains('\n') {
            gap.len().saturating_sub(1)
        } else {
            0
        };
        let sep_after = match gap.matches('\n').count() {
            0 => " ",
            1 => "\n",
            _ => "\n\n",
        };
        out.push(Token {
            text: &text[s..e],
            with_trailing: &text[s..e + extra],
            sep_after,
        });
    }
    Ok(out)
}

/// Removes one pair of matching outer quotes.
fn unquote(v: &str) -> &str {
    let b = v.as_bytes();
    if b.len() >= 2 && (b[0] == b'"' || b[0] == b'\'') && b[b.len() - 1] == b[0] {
        &v[1..v.len() - 1]
    } else {
        v
    }
}

/// Decodes Python-style backslash escapes (`\n`, `\t`, `\\`, `\"`, `\'`).
fn decode_escapes(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    let mut chars = v.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('\\') => out.push('\\'),
            Some('"') => out.push('"'),
            Some('\'') => out.push('\''),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

type KvSplit = (Vec<(String, String)>, Option<String>);

/// Splits `text` into `k=v` pairs and the remaining free-form text.
pub(crate) fn split_kv(text: &str, free_form: bool, span: &Span) -> Result<KvSplit, PlaybookError> {
    let tokens = tokenize(text, span)?;
    let mut pairs = Vec::new();
    let mut raw: Vec<&Token<'_>> = Vec::new();
    for token in &tokens {
        let key_value = token
            .text
            .find('=')
            .filter(|&pos| pos > 0)
            .map(|pos| (token.text[..pos].trim(), &token.text[pos + 1..]))
            .filter(|(k, _)| !k.contains(['"', '\'']) && !k.starts_with("{{"));
        match key_value {
            Some((k, v)) if !free_form || FREE_FORM_KEYS.contains(&k) => {
                pairs.push((k.to_owned(), decode_escapes(unquote(v.trim()))));
            }
            _ => raw.push(token),
        }
    }
    let raw = if pairs.is_empty() {
        // Nothing taken out: the text is passed on exactly as written.
        (!text.is_empty()).then(|| text.to_owned())
    } else if raw.is_empty() {
        None
    } else {
        let mut joined = String::with_capacity(text.len());
        for token in raw {
            joined.push_str(token.with_trailing);
            joined.push_str(token.sep_after);
        }
        Some(joined.trim_end().to_owned())
    };
    Ok((pairs, raw))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kv(text: &str, free: bool) -> KvSplit {
        split_kv(text, free, &Span::file("t.yml")).expect("splits")
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    // Expected values below were produced by ansible-core 2.19.14's
    // `ansible.parsing.splitter.parse_kv` on the same strings.
    #[test]
    fn free_form_takes_only_its_keys() {
        let (p, raw) = kv("ls -l creates=/x chdir=/y", true);
        assert_eq!(p, pairs(&[("creates", "/x"), ("chdir", "/y")]));
        assert_eq!(raw.as_deref(), Some("ls -l"));
        let (p, raw) = kv("ls creates=/x foo=bar", true);
        assert_eq!(p, pairs(&[("creates", "/x")]));
        assert_eq!(raw.as_deref(), Some("ls foo=bar"));
    }

    #[test]
    fn untouched_text_keeps_its_spacing() {
        let (p, raw) = kv("  echo   a   ", true);
        assert!(p.is_empty());
        assert_eq!(raw.as_deref(), Some("  echo   a   "));
        let (_, raw) = kv("echo \"a  b\"   c=d  x", true);
        assert_eq!(raw.as_deref(), Some("echo \"a  b\"   c=d  x"));
    }

    #[test]
    fn non_free_form_takes_every_pair() {
        let (p, raw) = kv("echo \"a  b\"   c=d  x", false);
        assert_eq!(p, pairs(&[("c", "d")]));
        assert_eq!(raw.as_deref(), Some("echo \"a  b\"   x"));
        let (p, raw) = kv("a=1 b=\"x y\" c", false);
        assert_eq!(p, pairs(&[("a", "1"), ("b", "x y")]));
        assert_eq!(raw.as_deref(), Some("c"));
        let (p, _) = kv("a==b", false);
        assert_eq!(p, pairs(&[("a", "=b")]));
        let (p, raw) = kv("echo =x", false);
        assert!(p.is_empty());
        assert_eq!(raw.as_deref(), Some("echo =x"));
    }

    #[test]
    fn jinja_and_escapes() {
        let (p, raw) = kv("echo {{ a  b }} x='q'", false);
        assert_eq!(p, pairs(&[("x", "q")]));
        assert_eq!(raw.as_deref(), Some("echo {{ a  b }}"));
        let (p, _) = kv("k=\"a\\nb\"", false);
        assert_eq!(p, pairs(&[("k", "a\nb")]));
        let (p, raw) = kv("echo \"a\\\"b\" c=\"x\\\"y\"", false);
        assert_eq!(p, pairs(&[("c", "x\"y")]));
        assert_eq!(raw.as_deref(), Some("echo \"a\\\"b\""));
    }

    #[test]
    fn multi_line_command_with_key() {
        let (p, raw) = kv("echo a\necho b creates=/z\n", true);
        assert_eq!(p, pairs(&[("creates", "/z")]));
        assert_eq!(raw.as_deref(), Some("echo a\necho b"));
    }

    #[test]
    fn unbalanced_quote_is_an_error() {
        let err = split_kv("echo 'it's'", true, &Span::new("f.yml".into(), 3, 14));
        match err {
            Err(PlaybookError::MalformedArgs { span, .. }) => assert_eq!(span.line, 3),
            other => panic!("expected MalformedArgs, got {other:?}"),
        }
        assert!(split_kv("echo {{ a", false, &Span::file("f")).is_err());
    }

    #[test]
    fn fqcn_is_normalised() {
        assert_eq!(short_name("ansible.builtin.copy"), "copy");
        assert_eq!(short_name("ansible.legacy.shell"), "shell");
        assert_eq!(short_name("community.general.ufw"), "community.general.ufw");
    }
}
