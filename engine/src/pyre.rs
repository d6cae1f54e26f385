//! Regular expressions as Python's `re` reads them, the one place every
//! user-written pattern is compiled (`~` host patterns, `regex_*` filters,
//! `lineinfile`/`replace`/`blockinfile`, `find`, `wait_for`, `assemble`).
//!
//! `fancy_regex` gives the lookaround and backreferences Python has, and a
//! backtracking limit; but it also has constructs Python does not, and one
//! of them is dangerous: the subroutine call `\g<0>` / `\g0` recurses into
//! the whole pattern, and a fuzzed `~` host pattern using it grew past
//! 4 GiB. Python refuses `\g` in a pattern ("bad escape \g"), so it is
//! refused here with Python's words before compiling.

use fancy_regex::{Regex, RegexBuilder};

/// How a pattern is compiled (Python's `re.I` and `re.M`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub(crate) struct Flags {
    /// `re.IGNORECASE`.
    pub(crate) ignorecase: bool,
    /// `re.MULTILINE`: `^` and `$` at every line.
    pub(crate) multiline: bool,
}

impl Flags {
    /// No flags.
    pub(crate) const NONE: Flags = Flags {
        ignorecase: false,
        multiline: false,
    };
    /// `re.MULTILINE` alone.
    pub(crate) const MULTILINE: Flags = Flags {
        ignorecase: false,
        multiline: true,
    };
}

/// A pattern that does not compile: Python's reason (`bad escape \g at
/// position 3`) or the compiler's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid regular expression `{pattern}`: {reason}")]
pub(crate) struct PatternError {
    /// The pattern as written.
    pub(crate) pattern: String,
    /// Why it does not compile.
    pub(crate) reason: String,
}

impl From<PatternError> for String {
    fn from(e: PatternError) -> String {
        e.to_string()
    }
}

/// Compiles `pattern` with Python `re` semantics.
pub(crate) fn compile(pattern: &str, flags: Flags) -> Result<Regex, PatternError> {
    let error = |reason: String| PatternError {
        pattern: pattern.to_owned(),
        reason,
    };
    refuse_non_python(pattern).map_err(error)?;
    let translated = if flags.multiline {
        pattern.to_owned()
    } else {
        python_dollar(pattern)
    };
    RegexBuilder::new(&translated)
        .case_insensitive(flags.ignorecase)
        .multi_line(flags.multiline)
        .build()
        .map_err(|e| error(e.to_string()))
}

/// Python's `$` without `re.M` matches at the end of the text or before
/// a newline that ends it (`OK$` finds `...OK\n`); the Rust engines' `$`
/// only at the very end. Each unescaped `$` outside a class becomes that
/// lookahead.
fn python_dollar(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars().peekable();
    let mut in_class = false;
    let mut class_start = false;
    while let Some(c) = chars.next() {
        let at_class_start = class_start;
        class_start = false;
        match c {
            '\\' => {
                out.push(c);
                if let Some(n) = chars.next() {
                    out.push(n);
                }
                continue;
            }
            '[' if !in_class => {
                in_class = true;
                class_start = true;
                if chars.peek() == Some(&'^') {
                    out.push(c);
                    out.push(chars.next().unwrap_or('^'));
                    continue;
                }
            }
            ']' if in_class && !at_class_start => in_class = false,
            '$' if !in_class => {
                out.push_str("(?=\\n?\\z)");
                continue;
            }
            _ => {}
        }
        out.push(c);
    }
    out
}

/// Escapes Python's `re` does not accept in a pattern although
/// `fancy_regex` does: `\g` (subroutine calls). Positions are in
/// characters, as Python counts them.
fn refuse_non_python(pattern: &str) -> Result<(), String> {
    let mut chars = pattern.chars().enumerate();
    // What the previous character opened: a repeat has nothing to repeat
    // at the start, after `(` or after `|` (Python's words for it).
    let mut prev: Option<char> = None;
    let mut in_class = false;
    while let Some((at, c)) = chars.next() {
        let nothing_before = matches!(prev, None | Some('|')) || (prev == Some('(') && c != '?');
        if !in_class && nothing_before && matches!(c, '*' | '+' | '?') {
            return Err(format!("nothing to repeat at position {at}"));
        }
        match c {
            '[' if !in_class => in_class = true,
            ']' if in_class && prev != Some('[') => in_class = false,
            _ => {}
        }
        prev = Some(c);
        if c != '\\' {
            continue;
        }
        prev = Some('x');
        if let Some((_, 'g')) = chars.next() {
            return Err(format!("bad escape \\g at position {at}"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeat_of_nothing_is_refused_in_pythons_words() {
        for (pattern, at) in [("*", 0), ("a|+b", 2), ("(*)", 1)] {
            let err = compile(pattern, Flags::NONE).unwrap_err();
            assert_eq!(err.reason, format!("nothing to repeat at position {at}"));
        }
        for ok in ["[*]", "(?:a)*", r"\*", "[(+]", "a*?"] {
            assert!(compile(ok, Flags::NONE).is_ok(), "{ok}");
        }
    }

    #[test]
    fn python_patterns_compile_and_match() {
        let re = compile(r"(?<=a)b\d+(?!x)", Flags::default()).unwrap();
        assert!(re.is_match("ab12").unwrap());
        let re = compile(
            r"^x$",
            Flags {
                ignorecase: true,
                multiline: true,
            },
        )
        .unwrap();
        assert!(re.is_match("a\nX\nb").unwrap());
        // An escaped backslash followed by `g` is a literal `\` then `g`.
        let re = compile(r"a\\g", Flags::default()).unwrap();
        assert!(re.is_match(r"a\g").unwrap());
    }

    #[test]
    fn a_dollar_matches_before_a_final_newline_as_pythons() {
        // re.search('OK$', 'a KO\nOK\n') matches; 'KO$' does not.
        let text = "01/03- KO\n01/04- OK\n";
        assert!(compile("OK$", Flags::NONE).unwrap().is_match(text).unwrap());
        assert!(!compile("KO$", Flags::NONE).unwrap().is_match(text).unwrap());
        assert!(!compile("OK$", Flags::NONE)
            .unwrap()
            .is_match("OK\n\n")
            .unwrap());
        // Escaped or in a class it is a dollar sign.
        assert!(compile(r"a\$b", Flags::NONE)
            .unwrap()
            .is_match("a$b")
            .unwrap());
        assert!(compile("[$]x", Flags::NONE)
            .unwrap()
            .is_match("$x")
            .unwrap());
        assert!(compile("[]$]x", Flags::NONE)
            .unwrap()
            .is_match("$x")
            .unwrap());
        assert_eq!(python_dollar("^a$|[^$]$"), r"^a(?=\n?\z)|[^$](?=\n?\z)");
    }

    #[test]
    fn subroutine_calls_are_refused_as_python_refuses_them() {
        // The fuzzed host pattern that grew past 4 GiB (fuzz/regressions).
        for (pattern, at) in [(r"wd\g0~", 2), (r"(a)\g<1>", 3), (r"\g<0>", 0)] {
            let err = compile(pattern, Flags::default()).unwrap_err();
            assert_eq!(err.reason, format!("bad escape \\g at position {at}"));
        }
    }
}
