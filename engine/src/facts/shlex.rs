//! Python's `shlex` in POSIX mode, as `distro` uses it to read os-release.

/// Python's `shlex.shlex(text, posix=True)` with `whitespace_split = True`:
/// quotes and backslashes as in POSIX sh, `#` starts a comment even inside
/// a word. An unterminated quote ends the text (Python raises there).
pub(crate) fn words(text: &str) -> Vec<String> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        Space,
        Word,
        Quote(char),
        Escape(Option<char>),
    }
    let is_space = |c: char| matches!(c, ' ' | '\t' | '\r' | '\n');
    let mut words = Vec::new();
    let mut token = String::new();
    let mut quoted = false;
    let mut state = State::Space;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match state {
            State::Space | State::Word => {
                if is_space(c) || c == '#' {
                    if c == '#' {
                        // The rest of the line is a comment.
                        for skipped in chars.by_ref() {
                            if skipped == '\n' {
                                break;
                            }
                        }
                    }
                    if state == State::Word && (!token.is_empty() || quoted) {
                        words.push(std::mem::take(&mut token));
                        quoted = false;
                    }
                    state = State::Space;
                } else if c == '"' || c == '\'' {
                    state = State::Quote(c);
                } else if c == '\\' {
                    state = State::Escape(None);
                } else {
                    token.push(c);
                    state = State::Word;
                }
            }
            State::Quote(q) => {
                if c == q {
                    quoted = true;
                    state = State::Word;
                } else if c == '\\' && q == '"' {
                    state = State::Escape(Some(q));
                } else {
                    token.push(c);
                }
            }
            State::Escape(inside) => {
                // Inside double quotes a backslash stays unless it escapes
                // the quote or itself.
                if let Some(q) = inside {
                    if c != q && c != '\\' {
                        token.push('\\');
                    }
                }
                token.push(c);
                state = inside.map_or(State::Word, State::Quote);
            }
        }
    }
    if state == State::Word && (!token.is_empty() || quoted) {
        words.push(token);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shlex_reads_quotes_escapes_and_comments() {
        let words = words("A=\"x y\" B='a\\b' C=1#c\nD=\"q\\\"\\n\" # x\nE=");
        assert_eq!(words, ["A=x y", "B=a\\b", "C=1", "D=q\"\\n", "E="]);
    }
}
