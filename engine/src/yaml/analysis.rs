//! Which quoting styles libyaml's emitter allows for a scalar, and which it
//! picks: the part of [`super::dump`] that decides between `plain`,
//! `'single'` and `"double"`.

use super::emitter::{is_break, is_printable};

/// How a scalar is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ScalarStyle {
    Plain,
    Single,
    Double,
}

/// What the emitter learns from a scalar's characters.
#[derive(Debug, Default)]
pub(super) struct Analysis {
    empty: bool,
    multiline: bool,
    flow_plain: bool,
    block_plain: bool,
    single_quoted: bool,
}

impl Analysis {
    /// Scans `text` once: indicators that would be misread, leading and
    /// trailing white space, line breaks, unprintable characters.
    pub(super) fn of(text: &str) -> Analysis {
        if text.is_empty() {
            return Analysis {
                empty: true,
                multiline: false,
                flow_plain: false,
                block_plain: true,
                single_quoted: true,
            };
        }
        let mut flow_indicators = text.starts_with("---") || text.starts_with("...");
        let mut block_indicators = flow_indicators;
        let (mut line_breaks, mut special) = (false, false);
        let (mut leading_space, mut leading_break) = (false, false);
        let (mut trailing_space, mut trailing_break) = (false, false);
        let (mut break_space, mut space_break) = (false, false);
        let (mut previous_space, mut previous_break) = (false, false);
        let mut preceded_by_blank = true;
        let last = text.chars().count() - 1;
        let mut chars = text.chars().enumerate().peekable();
        while let Some((i, c)) = chars.next() {
            let followed_by_blank = chars.peek().is_none_or(|&(_, n)| is_blank(n));
            if i == 0 {
                match c {
                    '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\''
                    | '"' | '%' | '@' | '`' => {
                        flow_indicators = true;
                        block_indicators = true;
                    }
                    '?' | ':' => {
                        flow_indicators = true;
                        block_indicators |= followed_by_blank;
                    }
                    '-' if followed_by_blank => {
                        flow_indicators = true;
                        block_indicators = true;
                    }
                    _ => {}
                }
            } else {
                match c {
                    ',' | '?' | '[' | ']' | '{' | '}' => flow_indicators = true,
                    ':' => {
                        flow_indicators = true;
                        block_indicators |= followed_by_blank;
                    }
                    '#' if preceded_by_blank => {
                        flow_indicators = true;
                        block_indicators = true;
                    }
                    _ => {}
                }
            }
            if !is_printable(c) {
                special = true;
            }
            if is_break(c) {
                line_breaks = true;
            }
            if c == ' ' {
                leading_space |= i == 0;
                trailing_space |= i == last;
                break_space |= previous_break;
                previous_space = true;
                previous_break = false;
            } else if is_break(c) {
                leading_break |= i == 0;
                trailing_break |= i == last;
                space_break |= previous_space;
                previous_space = false;
                previous_break = true;
            } else {
                previous_space = false;
                previous_break = false;
            }
            preceded_by_blank = is_blank(c);
        }
        let mut a = Analysis {
            empty: false,
            multiline: line_breaks,
            flow_plain: true,
            block_plain: true,
            single_quoted: true,
        };
        if leading_space || leading_break || trailing_space || trailing_break {
            a.flow_plain = false;
            a.block_plain = false;
        }
        if break_space {
            a.flow_plain = false;
            a.block_plain = false;
            a.single_quoted = false;
        }
        if space_break || special {
            a.flow_plain = false;
            a.block_plain = false;
            a.single_quoted = false;
        }
        if line_breaks {
            a.flow_plain = false;
            a.block_plain = false;
        }
        if flow_indicators {
            a.flow_plain = false;
        }
        if block_indicators {
            a.block_plain = false;
        }
        a
    }

    /// libyaml's choice for a scalar with no requested style.
    /// `plain_implicit`: the plain text reads back as the same type.
    pub(super) fn style(
        &self,
        in_flow: bool,
        simple_key: bool,
        plain_implicit: bool,
    ) -> ScalarStyle {
        let mut style = ScalarStyle::Plain;
        if simple_key && self.multiline {
            style = ScalarStyle::Double;
        }
        if style == ScalarStyle::Plain {
            let plain_allowed = if in_flow {
                self.flow_plain
            } else {
                self.block_plain
            };
            if !plain_allowed || (self.empty && (in_flow || simple_key)) || !plain_implicit {
                style = ScalarStyle::Single;
            }
        }
        if style == ScalarStyle::Single && !self.single_quoted {
            style = ScalarStyle::Double;
        }
        style
    }
}

/// Space, tab, a line break, or the end of the text.
fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t' || is_break(c)
}
