//! Terminal colours as `ansible-playbook` uses them.
//!
//! The colours are ansible-core 2.19's `COLOR_*` defaults
//! (`config/base.yml`) mapped to SGR codes by `constants.COLOR_CODES`, and
//! applied the way `ansible.utils.color.stringc` does: each line of a
//! message wrapped on its own (`ESC[<code>m line ESC[0m`), so a line never
//! carries a colour into the next. Whether to colour at all is the
//! caller's decision (`NO_COLOR`, `--no-color`, not a terminal): the
//! library reads no environment.

/// A colour of Ansible's palette, named by what it marks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Color {
    /// `COLOR_OK`: green.
    Ok,
    /// `COLOR_CHANGED`: yellow.
    Changed,
    /// `COLOR_SKIP` and `COLOR_INCLUDED`: cyan.
    Skip,
    /// `COLOR_ERROR`: red.
    Error,
    /// `COLOR_UNREACHABLE`: bright red.
    Unreachable,
    /// `COLOR_WARN`: bright purple.
    Warn,
    /// `COLOR_DEBUG`: dark gray.
    Debug,
    /// `COLOR_VERBOSE`: blue.
    Verbose,
    /// `COLOR_DIFF_ADD`: green.
    DiffAdd,
    /// `COLOR_DIFF_REMOVE`: red.
    DiffRemove,
    /// `COLOR_DIFF_LINES`: cyan.
    DiffLines,
}

impl Color {
    /// The SGR parameters of `constants.COLOR_CODES` for this colour.
    pub fn sgr(self) -> &'static str {
        match self {
            Color::Ok | Color::DiffAdd => "0;32",
            Color::Changed => "0;33",
            Color::Skip | Color::DiffLines => "0;36",
            Color::Error | Color::DiffRemove => "0;31",
            Color::Unreachable => "1;31",
            Color::Warn => "1;35",
            Color::Debug => "1;30",
            Color::Verbose => "0;34",
        }
    }
}

/// Colours text, or leaves it alone when colour is off.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Painter {
    enabled: bool,
}

impl Painter {
    /// A painter that colours when `enabled`.
    pub fn new(enabled: bool) -> Painter {
        Painter { enabled }
    }

    /// Whether this painter colours.
    pub fn enabled(self) -> bool {
        self.enabled
    }

    /// `text` in `color`, line by line, as `stringc` does; a trailing
    /// newline stays outside the colour.
    pub fn paint(self, text: &str, color: Color) -> String {
        if !self.enabled || text.is_empty() {
            return text.to_owned();
        }
        let (body, newline) = match text.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (text, ""),
        };
        let painted: Vec<String> = body
            .split('\n')
            .map(|l| format!("\x1b[{}m{l}\x1b[0m", color.sgr()))
            .collect();
        format!("{}{newline}", painted.join("\n"))
    }

    /// A unified diff with `+`, `-` and `@@` lines coloured, as the
    /// callback's `_get_diff` does.
    pub fn diff(self, text: &str) -> String {
        if !self.enabled {
            return text.to_owned();
        }
        let mut out = String::with_capacity(text.len() + 64);
        for line in text.split_inclusive('\n') {
            let color = if line.starts_with('+') {
                Some(Color::DiffAdd)
            } else if line.starts_with('-') {
                Some(Color::DiffRemove)
            } else if line.starts_with("@@") {
                Some(Color::DiffLines)
            } else {
                None
            };
            match color {
                Some(c) => out.push_str(&self.paint(line, c)),
                None => out.push_str(line),
            }
        }
        out
    }
}

/// Removes SGR colour sequences (`ESC [ ... m`) from `text`: the run log
/// and tests read the same words a terminal shows, without the codes.
pub fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' && chars.peek() == Some(&'[') {
            chars.next();
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_line_is_wrapped_like_stringc() {
        let p = Painter::new(true);
        assert_eq!(
            p.paint("ok: [h]\n", Color::Ok),
            "\x1b[0;32mok: [h]\x1b[0m\n"
        );
        assert_eq!(
            p.paint("a\nb", Color::Unreachable),
            "\x1b[1;31ma\x1b[0m\n\x1b[1;31mb\x1b[0m"
        );
        assert_eq!(Painter::new(false).paint("x\n", Color::Error), "x\n");
        assert_eq!(strip_ansi(&p.paint("a\nb\n", Color::Warn)), "a\nb\n");
    }

    #[test]
    fn diff_lines_are_coloured_by_their_sign() {
        let p = Painter::new(true);
        let d = p.diff("--- before\n+++ after\n@@ -1 +1 @@\n-a\n+b\n c\n");
        assert!(d.contains("\x1b[0;31m-a\x1b[0m\n"));
        assert!(d.contains("\x1b[0;32m+b\x1b[0m\n"));
        assert!(d.contains("\x1b[0;36m@@ -1 +1 @@\x1b[0m\n"));
        assert!(d.ends_with(" c\n"));
    }
}
