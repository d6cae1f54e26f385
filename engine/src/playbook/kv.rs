//! Free-form arguments: splitting `k=v` strings as ansible-core 2.19's
//! `split_args`/`parse_kv` do (behaviour measured, pinned by a differential
//! test against `tests/golden/playbook-kv/expected.json`).
//!
//! - Words are split on single spaces; quotes and Jinja blocks (`{{ }}`,
//!   `{% %}`, `{# #}`) hold a word together. For the free-form modules
//!   (`command`, `shell`, `script`, `raw`) only the keys `creates removes
//!   chdir executable warn stdin stdin_add_newline strip_empty_ends` are
//!   taken out of the text; the rest stays in `_raw_params`. Other modules
//!   take every `k=v` word, and the remaining words form `_raw_params`
//!   (`include_vars: f.yml`).
//! - Values have backslash escapes decoded and one pair of outer quotes
//!   removed; raw words keep their quotes.
//! - Pairs of a plain one-line scalar get their own spans ([`PairLocator`]).

use super::error::PlaybookError;
use crate::source::Span;

/// The keys a free-form module's command line may carry.
pub(crate) const FREE_FORM_KEYS: &[&str] = &[
    "creates",
    "removes",
    "chdir",
    "executable",
    "warn",
    "stdin",
    "stdin_add_newline",
    "strip_empty_ends",
];

/// Finds where each `k=v` pair of a free-form string was written, so an
/// error about one argument points at it and not at the whole line.
///
/// Only possible when the scalar's source is its text (a plain or
/// escape-free single-line scalar: the span's length equals the text's);
/// otherwise every pair gets the scalar's span.
pub(crate) struct PairLocator<'a> {
    text: &'a str,
    span: &'a Span,
    exact: bool,
    cursor: usize,
}

impl<'a> PairLocator<'a> {
    pub(crate) fn new(text: &'a str, span: &'a Span) -> PairLocator<'a> {
        let exact = span.len as usize == text.len() && !text.contains('\n');
        PairLocator {
            text,
            span,
            exact,
            cursor: 0,
        }
    }

    /// The span of the next `key=...` word, starting at the key.
    pub(crate) fn pair(&mut self, key: &str) -> Span {
        if !self.exact {
            return self.span.clone();
        }
        let needle = format!("{key}=");
        let Some(found) = self.text[self.cursor..].find(&needle) else {
            return self.span.clone();
        };
        let start = self.cursor + found;
        let end = self.text[start..]
            .find(' ')
            .map_or(self.text.len(), |e| start + e);
        self.cursor = end;
        let chars_before = self.text[..start].chars().count() as u32;
        Span {
            file: self.span.file.clone(),
            line: self.span.line,
            column: self.span.column + chars_before,
            offset: self.span.offset + start as u32,
            len: (end - start) as u32,
        }
    }
}

/// Splits an argument string into parameters as Ansible's `split_args`
/// does (behaviour measured on ansible-core 2.19.14):
/// - lines split on `\n`, words on single spaces (tabs are not separators);
/// - a word that opens a quote or a Jinja block is joined with the next
///   words (by a space, or by the newline across lines) until it closes;
///   a quote preceded by a backslash does not count;
/// - an empty word (a run of spaces) adds a space to the previous
///   parameter, except the first word of a line;
/// - a lone `\` word outside quotes is dropped and continues the line;
///   otherwise each line but the last gives its last parameter a `\n`.
fn split_args(text: &str, span: &Span) -> Result<Vec<String>, PlaybookError> {
    let mut params: Vec<String> = Vec::new();
    let mut quote: Option<char> = None;
    let mut depth = [0usize; 3];
    let lines: Vec<&str> = text.split('\n').collect();
    for (li, line) in lines.iter().enumerate() {
        let mut continued = false;
        for (wi, word) in line.split(' ').enumerate() {
            let inside = quote.is_some() || depth.iter().any(|d| *d > 0);
            if inside {
                let last = params.last_mut().map_or_else(String::new, std::mem::take);
                let sep = if wi == 0 { "" } else { " " };
                let joined = last + sep + word;
                match params.last_mut() {
                    Some(l) => *l = joined,
                    None => params.push(joined),
                }
            } else if word == "\\" {
                continued = true;
                continue;
            } else if word.is_empty() {
                if wi > 0 {
                    match params.last_mut() {
                        Some(l) => l.push(' '),
                        None => params.push(" ".to_owned()),
                    }
                }
            } else {
                params.push(word.to_owned());
            }
            quote = quote_state(word, quote);
            for (d, (open, close)) in
                depth
                    .iter_mut()
                    .zip([("{{", "}}"), ("{%", "%}"), ("{#", "#}")])
            {
                let (o, c) = (word.matches(open).count(), word.matches(close).count());
                if o != c {
                    *d = (*d + o).saturating_sub(c);
                }
            }
        }
        if li + 1 < lines.len() && !continued {
            match params.last_mut() {
                Some(l) => l.push('\n'),
                None => params.push("\n".to_owned()),
            }
        }
    }
    if quote.is_some() || depth.iter().any(|d| *d > 0) {
        return Err(PlaybookError::MalformedArgs {
            text: text.to_owned(),
            reason: "an unbalanced jinja2 block or quotes",
            span: span.clone(),
        });
    }
    Ok(params)
}

/// The quote left open after `word`, starting from `quote`: an unescaped
/// `"` or `'` opens when none is open and closes its own kind.
fn quote_state(word: &str, mut quote: Option<char>) -> Option<char> {
    let mut prev = None;
    for c in word.chars() {
        if (c == '"' || c == '\'') && prev != Some('\\') {
            match quote {
                Some(q) if q == c => quote = None,
                None => quote = Some(c),
                Some(_) => {}
            }
        }
        prev = Some(c);
    }
    quote
}

/// Joins parameters back: by a space, or directly after a newline.
fn join_args(params: &[String]) -> String {
    let mut out = String::new();
    for p in params {
        if !out.is_empty() && !out.ends_with('\n') {
            out.push(' ');
        }
        out.push_str(p);
    }
    out
}

/// Removes one pair of matching outer quotes (not when the closing one is
/// escaped).
fn unquote(v: &str) -> &str {
    let b = v.as_bytes();
    if b.len() >= 2
        && (b[0] == b'"' || b[0] == b'\'')
        && b[b.len() - 1] == b[0]
        && b[b.len() - 2] != b'\\'
    {
        &v[1..v.len() - 1]
    } else {
        v
    }
}

/// Decodes Python-style backslash escapes (`\n`, `\t`, `\\`, `\"`, `\'`,
/// `\xNN`, `\uNNNN`, ...); an unknown escape stays as written.
fn decode_escapes(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    let mut chars = v.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let simple = match chars.peek() {
            Some('n') => Some('\n'),
            Some('t') => Some('\t'),
            Some('r') => Some('\r'),
            Some('a') => Some('\u{7}'),
            Some('b') => Some('\u{8}'),
            Some('f') => Some('\u{c}'),
            Some('v') => Some('\u{b}'),
            Some('\\') => Some('\\'),
            Some('"') => Some('"'),
            Some('\'') => Some('\''),
            _ => None,
        };
        if let Some(decoded) = simple {
            chars.next();
            out.push(decoded);
            continue;
        }
        let width = match chars.peek() {
            Some('x') => 2,
            Some('u') => 4,
            Some('U') => 8,
            _ => 0,
        };
        if width > 0 {
            let rest: String = chars.clone().skip(1).take(width).collect();
            let code = (rest.len() == width && rest.chars().all(|h| h.is_ascii_hexdigit()))
                .then(|| u32::from_str_radix(&rest, 16).ok())
                .flatten()
                .and_then(char::from_u32);
            if let Some(decoded) = code {
                for _ in 0..=width {
                    chars.next();
                }
                out.push(decoded);
                continue;
            }
        }
        out.push('\\');
    }
    out
}

type KvSplit = (Vec<(String, String)>, Option<String>);

/// Splits `action: name k=v ...` into the module name and the rest, as
/// ansible-core's `ModuleArgsParser._split_module_string` does: the first
/// parameter of [`split_args`] (so a templated name such as `{{ m }}`
/// stays whole), stripped, and the others joined by single spaces.
pub(crate) fn split_module_string(
    text: &str,
    span: &Span,
) -> Result<(String, String), PlaybookError> {
    let params = split_args(text, span)?;
    let mut params = params.into_iter();
    let name = params.next().unwrap_or_default().trim().to_owned();
    Ok((name, params.collect::<Vec<_>>().join(" ")))
}

/// Splits `text` into `k=v` pairs and the remaining free-form text, as
/// Ansible's `parse_kv` does.
pub(crate) fn split_kv(text: &str, free_form: bool, span: &Span) -> Result<KvSplit, PlaybookError> {
    let params = split_args(text, span)?;
    let mut pairs = Vec::new();
    let mut raw: Vec<String> = Vec::new();
    // A raw word keeps its text, except that a word with no pair in it
    // loses the backslash of each `\=`.
    let raw_word = |param: &str| param.replace("\\=", "=");
    for param in &params {
        let decoded = decode_escapes(param);
        // The split is at the first unescaped `=` after the first character
        // (`=x=1` is key `=x`; `=x` is no pair).
        let pos = decoded
            .char_indices()
            .skip(1)
            .find(|&(i, c)| c == '=' && !decoded[..i].ends_with('\\'))
            .map(|(i, _)| i);
        let Some(pos) = pos else {
            raw.push(raw_word(param));
            continue;
        };
        let (key, value) = (&decoded[..pos], &decoded[pos + 1..]);
        if free_form && !FREE_FORM_KEYS.contains(&key) {
            raw.push(param.clone());
            continue;
        }
        pairs.push((key.trim().to_owned(), unquote(value.trim()).to_owned()));
    }
    let raw = (!raw.is_empty()).then(|| join_args(&raw));
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
    /// As ansible-core 2.19.14's `_split_module_string` splits them.
    #[test]
    fn module_string_keeps_a_templated_name_whole() {
        let split = |t: &str| split_module_string(t, &Span::file("t.yml")).expect("splits");
        assert_eq!(
            split("{{ m }} msg='a b'"),
            ("{{ m }}".into(), "msg='a b'".into())
        );
        assert_eq!(
            split("copy  src=a dest=b"),
            ("copy".into(), "src=a dest=b".into())
        );
        assert_eq!(split("ping"), ("ping".into(), String::new()));
        assert_eq!(
            split("{{ a }}{{ b }}"),
            ("{{ a }}{{ b }}".into(), String::new())
        );
    }

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

    /// Differential test: `tests/golden/playbook-kv/expected.json` holds
    /// what ansible-core 2.19.14's `parse_kv` returned for curated and
    /// random strings (`tests/golden/regen-playbook.sh` regenerates it).
    #[test]
    fn matches_ansible_parse_kv() {
        let cases: serde_json::Value = serde_json::from_str(include_str!(
            "../../../tests/golden/playbook-kv/expected.json"
        ))
        .expect("expected.json is JSON");
        let cases = cases.as_array().expect("a list of cases");
        assert!(cases.len() > 400);
        let mut failures = Vec::new();
        for case in cases {
            let text = case["text"].as_str().expect("text");
            for (key, free) in [("free_form", true), ("kv", false)] {
                let expected = &case[key];
                let actual = match split_kv(text, free, &Span::file("t")) {
                    Err(_) => serde_json::json!({"error": "AnsibleParserError"}),
                    Ok((pairs, raw)) => {
                        let mut map = serde_json::Map::new();
                        for (k, v) in pairs {
                            map.insert(k, serde_json::Value::String(v));
                        }
                        if let Some(raw) = raw {
                            map.insert("_raw_params".into(), serde_json::Value::String(raw));
                        }
                        serde_json::Value::Object(map)
                    }
                };
                if &actual != expected {
                    failures.push(format!(
                        "{text:?} ({key}): expected {expected}, got {actual}"
                    ));
                }
            }
        }
        assert!(
            failures.is_empty(),
            "{} mismatches:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }
}
