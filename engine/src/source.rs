//! Where a piece of input came from: [`Span`] and [`Warning`].
//!
//! Every value loaded from a file keeps its [`Span`], so an error found much
//! later (a bad module argument, an undefined variable in a template) can
//! still say `file:line:column`. Spans own an `Arc<str>` of the file name
//! instead of borrowing a source arena, so errors are `'static + Send` and
//! cross rayon threads freely.

use std::fmt;
use std::sync::Arc;

/// A position in a loaded file: 1-based line and column, plus the byte
/// offset and length so a renderer can underline the exact text.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    /// The file as the user named it (relative paths stay relative).
    pub file: Arc<str>,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
    /// Byte offset of the first character.
    pub offset: u32,
    /// Length in bytes (0 when unknown).
    pub len: u32,
}

impl Span {
    /// A span at `line:column` of `file` with no known extent.
    pub fn new(file: Arc<str>, line: u32, column: u32) -> Span {
        Span {
            file,
            line,
            column,
            offset: 0,
            len: 0,
        }
    }

    /// A span that names only a file (for errors about the file as a whole).
    pub fn file(file: impl Into<Arc<str>>) -> Span {
        Span::new(file.into(), 1, 1)
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// A problem that does not stop loading (Ansible prints these as
/// `[WARNING]: ...` and goes on): a duplicate YAML key, an invalid group name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    /// Where, when the warning is about a place in a file.
    pub span: Option<Span>,
    /// What, in Ansible's words where Ansible has them.
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.span {
            Some(span) => write!(f, "{span}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}
