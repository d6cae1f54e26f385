//! Splits the probe's output into named sections.
//!
//! The script prints, for every section, a newline, the byte `0x1e`, the
//! section's name and a newline, then the raw content. A section therefore
//! ends where the next `\n\x1e` begins, and its content keeps its exact
//! bytes, trailing newline or not. Text before the first marker (a login
//! banner) is ignored. Content containing `\n\x1e` would be cut there; no
//! release file, `/proc` file or command the script reads prints that byte.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::error::FactsError;

const MARKER: u8 = 0x1e;

/// The sections of one probe run, in output order.
#[derive(Debug)]
pub(crate) struct Sections<'a> {
    list: Vec<(&'a str, &'a [u8])>,
}

impl<'a> Sections<'a> {
    /// Splits `output`; fails when there is no section or no final `end`.
    pub(crate) fn split(output: &'a [u8]) -> Result<Sections<'a>, FactsError> {
        let mut starts = Vec::new();
        for (i, pair) in output.windows(2).enumerate() {
            if pair == [b'\n', MARKER] {
                starts.push(i + 2);
            }
        }
        let mut list = Vec::with_capacity(starts.len());
        for (k, &start) in starts.iter().enumerate() {
            let end = starts.get(k + 1).map_or(output.len(), |next| next - 2);
            let body = &output[start..end];
            let (name, content) = match body.iter().position(|&b| b == b'\n') {
                Some(nl) => (&body[..nl], &body[nl + 1..]),
                None => (body, &body[body.len()..]),
            };
            let name = std::str::from_utf8(name).unwrap_or("");
            list.push((name, content));
        }
        match list.last() {
            None => Err(FactsError::NotProbeOutput {
                start: String::from_utf8_lossy(&output[..output.len().min(80)]).into_owned(),
            }),
            Some(&(last, _)) if last != "end" => Err(FactsError::Truncated {
                last: last.to_owned(),
            }),
            Some(_) => Ok(Sections { list }),
        }
    }

    /// The raw content of the first section called `name`.
    pub(crate) fn bytes(&self, name: &str) -> Option<&'a [u8]> {
        self.list.iter().find(|(n, _)| *n == name).map(|&(_, c)| c)
    }

    /// The content of section `name` as text (invalid UTF-8 replaced).
    pub(crate) fn text(&self, name: &str) -> Option<Cow<'a, str>> {
        self.bytes(name).map(String::from_utf8_lossy)
    }

    /// The content of section `name`, trimmed; `""` when absent.
    pub(crate) fn trimmed(&self, name: &str) -> String {
        self.text(name)
            .map(|t| t.trim().to_owned())
            .unwrap_or_default()
    }

    /// The section's lines, empty when absent.
    pub(crate) fn lines(&self, name: &str) -> Vec<String> {
        self.text(name)
            .map(|t| t.lines().map(str::to_owned).collect())
            .unwrap_or_default()
    }

    /// Every `file PATH` section: path → content.
    pub(crate) fn files(&self) -> BTreeMap<String, String> {
        self.list
            .iter()
            .filter_map(|&(name, content)| {
                let path = name.strip_prefix("file ")?;
                Some((
                    path.to_owned(),
                    String::from_utf8_lossy(content).into_owned(),
                ))
            })
            .collect()
    }

    /// Every section's name and raw content, in output order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&'a str, &'a [u8])> + '_ {
        self.list.iter().copied()
    }

    /// Whether section `name` was printed at all.
    pub(crate) fn has(&self, name: &str) -> bool {
        self.bytes(name).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_keep_exact_bytes() {
        let out = b"banner\n\n\x1efile /a\nx\n\n\x1efile /b\ny\n\x1eempty\n\n\x1eend\n";
        let s = Sections::split(out).unwrap();
        let files = s.files();
        assert_eq!(files["/a"], "x\n");
        assert_eq!(files["/b"], "y");
        assert_eq!(s.bytes("empty"), Some(&b""[..]));
        assert!(s.has("end"));
    }

    #[test]
    fn truncated_and_foreign_output_are_errors() {
        assert!(matches!(
            Sections::split(b"\n\x1euname\nLinux\n"),
            Err(FactsError::Truncated { last }) if last == "uname"
        ));
        assert!(matches!(
            Sections::split(b"sh: not found"),
            Err(FactsError::NotProbeOutput { .. })
        ));
    }
}
