//! Parser positions to [`Span`] numbers, and libyaml's leniency for the
//! indentation of quoted scalars.
//!
//! `saphyr-parser` counts characters; spans carry byte offsets. It also
//! follows YAML 1.2 in rejecting a continuation line of a multi-line quoted
//! scalar that is not indented deeper than its block (`  b: "q\n  r"`),
//! which libyaml, and so Ansible, accepts. Leading white space of such a
//! line is not part of the value, so the loader retries with those lines
//! indented ([`Source::indent_quoted`]) and maps positions back to the
//! user's text here.

use std::borrow::Cow;

/// Spaces inserted at the start of one line.
#[derive(Clone, Copy, Debug)]
struct Patch {
    /// Byte offset of the line start in the original text.
    offset: usize,
    /// 1-based line number.
    line: usize,
    /// Spaces inserted.
    added: usize,
}

/// The text given to the parser, and how it differs from the user's.
pub(crate) struct Source<'t> {
    original: &'t str,
    /// The parsed text: `original` with the patches applied.
    pub(crate) text: Cow<'t, str>,
    /// Turns parser positions into the user's.
    pub(crate) map: Mapper,
}

/// Parser positions (characters in the parsed text) to the user's bytes
/// and columns.
pub(crate) struct Mapper {
    /// Sorted by offset.
    patches: Vec<Patch>,
    /// Bytes dropped before the text (a byte-order mark).
    skipped: usize,
    ascii: bool,
    /// Forward cursor for non-ASCII text: (char index, byte offset).
    cursor: (usize, usize),
}

impl<'t> Source<'t> {
    pub(crate) fn new(original: &'t str, skipped: usize) -> Self {
        Source {
            original,
            text: Cow::Borrowed(original),
            map: Mapper {
                patches: Vec::new(),
                skipped,
                ascii: original.is_ascii(),
                cursor: (0, 0),
            },
        }
    }

    /// Indents the continuation lines of the quoted scalar that starts at
    /// the parser's character `index` (on 0-based column `col`) so that the
    /// parser accepts them. `false` when there is nothing to fix, so the
    /// caller reports the original error.
    pub(crate) fn indent_quoted(&mut self, index: usize, col: usize) -> bool {
        let start = self.map.patched_byte(&self.text, index);
        let text = self.text.as_bytes();
        let Some(&quote) = text.get(start) else {
            return false;
        };
        if quote != b'"' && quote != b'\'' {
            return false;
        }
        let mut new = Vec::new();
        let mut i = start + 1;
        let mut line = 1 + text[..start].iter().filter(|&&c| c == b'\n').count();
        while i < text.len() {
            match text[i] {
                // An escaped character is skipped, but an escaped line
                // break still starts a continuation line.
                b'\\' if quote == b'"' && text.get(i + 1) != Some(&b'\n') => i += 1,
                b'\'' if quote == b'\'' && text.get(i + 1) == Some(&b'\'') => i += 1,
                c if c == quote => break,
                b'\n' => {
                    line += 1;
                    let rest = &text[i + 1..];
                    let indent = rest
                        .iter()
                        .take_while(|&&c| c == b' ' || c == b'\t')
                        .count();
                    // libyaml rejects a document marker here too.
                    let marker = rest.starts_with(b"---") || rest.starts_with(b"...");
                    if indent < col && !marker {
                        new.push((i + 1, line, col - indent));
                    }
                }
                _ => {}
            }
            i += 1;
        }
        if new.is_empty() {
            return false;
        }
        // Convert every position before recording any new patch: they are
        // all positions in the text as it was parsed.
        let new: Vec<Patch> = new
            .into_iter()
            .map(|(patched, line, added)| Patch {
                offset: self.map.original_of_patched(patched),
                line,
                added,
            })
            .collect();
        self.map.patches.extend(new);
        self.map.patches.sort_by_key(|p| p.offset);
        self.rebuild();
        true
    }

    /// libyaml does not check indentation inside a flow collection
    /// (`k: {` ... `}` with the `}` on column 0 loads in Ansible); saphyr
    /// wants such lines deeper than the block the collection sits in.
    /// Indents the line of the parser's character `index` to one column
    /// past the indentation of the line where the outermost open flow
    /// collection starts (character `open`); leading white space inside a
    /// flow collection is not part of any value. `false` when there is
    /// nothing to fix, so the caller reports the original error.
    pub(crate) fn indent_flow_line(&mut self, index: usize, open: usize) -> bool {
        let open = self.map.patched_byte(&self.text, open);
        let at = self.map.patched_byte(&self.text, index);
        let text = self.text.as_bytes();
        let line_start = |b: usize| {
            text[..b.min(text.len())]
                .iter()
                .rposition(|&c| c == b'\n')
                .map_or(0, |p| p + 1)
        };
        let lead = |s: usize| text[s..].iter().take_while(|&&c| c == b' ').count();
        let (here, there) = (line_start(at), line_start(open));
        let (need, have) = (lead(there) + 1, lead(here));
        let line = 1 + text[..here].iter().filter(|&&c| c == b'\n').count();
        if here == there || have >= need || self.map.patches.iter().any(|p| p.line == line) {
            return false;
        }
        let offset = self.map.original_of_patched(here);
        self.map.patches.push(Patch {
            offset,
            line,
            added: need - have,
        });
        self.map.patches.sort_by_key(|p| p.offset);
        self.rebuild();
        true
    }

    fn rebuild(&mut self) {
        let extra: usize = self.map.patches.iter().map(|p| p.added).sum();
        let mut text = String::with_capacity(self.original.len() + extra);
        let mut from = 0;
        for p in &self.map.patches {
            text.push_str(&self.original[from..p.offset]);
            text.extend(std::iter::repeat_n(' ', p.added));
            from = p.offset;
        }
        text.push_str(&self.original[from..]);
        self.text = Cow::Owned(text);
        self.map.cursor = (0, 0);
    }
}

impl Mapper {
    /// Byte offset in the user's file of the parser's character `index`.
    pub(crate) fn offset(&mut self, text: &str, index: usize) -> usize {
        let patched = self.patched_byte(text, index);
        let mut shift = 0;
        for p in &self.patches {
            let at = p.offset + shift;
            if patched < at {
                break;
            }
            if patched < at + p.added {
                return p.offset + self.skipped;
            }
            shift += p.added;
        }
        patched - shift + self.skipped
    }

    /// The user's 1-based column of the parser's 0-based column on `line`.
    pub(crate) fn column(&self, line: usize, col: usize) -> usize {
        let added = self
            .patches
            .iter()
            .find(|p| p.line == line)
            .map_or(0, |p| p.added);
        col.saturating_sub(added) + 1
    }

    fn patched_byte(&mut self, text: &str, index: usize) -> usize {
        if self.ascii {
            return index.min(text.len());
        }
        if index < self.cursor.0 {
            self.cursor = (0, 0);
        }
        let rest = &text[self.cursor.1..];
        let step = rest
            .char_indices()
            .nth(index - self.cursor.0)
            .map_or(rest.len(), |(i, _)| i);
        self.cursor = (index, self.cursor.1 + step);
        self.cursor.1
    }

    fn original_of_patched(&self, patched: usize) -> usize {
        let mut shift = 0;
        for p in &self.patches {
            if patched < p.offset + shift + p.added {
                break;
            }
            shift += p.added;
        }
        patched - shift
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flow_lines_left_of_their_block_are_indented() {
        let mut src = Source::new("a: 1\nk: {\n\"x\": 1\n}\n", 0);
        // `"x"` (character 10) is left of the flow mapping opened at 8.
        assert!(src.indent_flow_line(10, 8));
        assert_eq!(src.text, "a: 1\nk: {\n \"x\": 1\n}\n");
        assert!(src.indent_flow_line(19, 8));
        assert_eq!(src.text, "a: 1\nk: {\n \"x\": 1\n }\n");
        assert_eq!(src.map.column(4, 1), 1);
        // Nothing left to fix on a line already deep enough.
        assert!(!src.indent_flow_line(12, 8));
    }

    #[test]
    fn offsets_map_back_through_patches() {
        let mut src = Source::new("a:\n  b: \"q\n r\"\n", 0);
        assert!(src.indent_quoted(8, 5));
        assert_eq!(src.text, "a:\n  b: \"q\n     r\"\n");
        // `r` is at patched byte 16, original byte 12, column 2.
        assert_eq!(src.map.offset(&src.text, 16), 12);
        assert_eq!(src.map.column(3, 5), 2);
        assert_eq!(src.map.offset(&src.text, 19), 15);
    }

    #[test]
    fn non_ascii_offsets_are_bytes() {
        let mut src = Source::new("é: ü\n", 3);
        assert_eq!(src.map.offset(&src.text, 3), 3 + 4);
    }
}
