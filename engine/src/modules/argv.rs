//! Words of a `command`: split as Python's `shlex` splits free-form text,
//! and expanded as Ansible's `expand_argument_vars` expands them — both
//! without handing user text to a shell as code.

use crate::shell::quote;

pub use crate::shell::split_words;

/// Whether Python's `expandvars`/`expanduser` could change `word`: a `$`
/// before a name or `{`, or a leading `~`. Other words are quoted as-is.
pub(super) fn needs_expansion(word: &str) -> bool {
    word.starts_with('~')
        || word.match_indices('$').any(|(i, _)| {
            word[i + 1..]
                .chars()
                .next()
                .is_some_and(|c| c == '{' || c == '_' || c.is_ascii_alphabetic())
        })
}

/// Builds word `i` in shell variable `__kw{i}` the way Python's
/// `expanduser(expandvars(word))` would on the host: `$NAME` and `${NAME}`
/// become the variable's value when it is set and stay literal when not;
/// a leading `~` or `~user` gets the shell's tilde expansion, which
/// likewise leaves an unknown user literal. Every literal piece is
/// single-quoted, so nothing else in the word reaches the shell as code.
/// Returns the quoted reference to use in the command line.
pub(super) fn expand_word(word: &str, i: usize, prelude: &mut String) -> String {
    let var = format!("__kw{i}");
    let mut rest = word;
    prelude.push_str(&format!("{var}=''\n"));
    if let Some(tail) = word.strip_prefix('~') {
        let end = tail.find('/').unwrap_or(tail.len());
        let user = &tail[..end];
        if user
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        {
            // Unquoted on purpose: only tilde expansion applies to `~user`.
            prelude.push_str(&format!("{var}=~{user}\n"));
            rest = &tail[end..];
        }
    }
    let mut literal = String::new();
    let flush = |literal: &mut String, prelude: &mut String| {
        if !literal.is_empty() {
            prelude.push_str(&format!("{var}=\"${var}\"{}\n", quote(literal)));
            literal.clear();
        }
    };
    while let Some(pos) = rest.find('$') {
        literal.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        let (name, taken) = match after.strip_prefix('{') {
            Some(b) => match b.find('}') {
                Some(close) => (&b[..close], close + 2),
                None => ("", 0),
            },
            None => {
                let n = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                (&after[..n], n)
            }
        };
        let is_ident = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if taken == 0 || !is_ident {
            literal.push('$');
            rest = after;
            continue;
        }
        flush(&mut literal, prelude);
        let original = &rest[pos..pos + 1 + taken];
        prelude.push_str(&format!(
            "if [ -n \"${{{name}+x}}\" ]; then {var}=\"${var}${{{name}}}\"; else {var}=\"${var}\"{}; fi\n",
            quote(original)
        ));
        rest = &after[taken..];
    }
    literal.push_str(rest);
    flush(&mut literal, prelude);
    format!("\"${var}\"")
}
