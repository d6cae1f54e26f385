//! Loading a text: JSON first, as Ansible's `from_yaml` does, then YAML
//! with libyaml's leniency for quoted-scalar indentation.
//!
//! Ansible reads every inventory, vars and playbook file with `json.loads`
//! first and falls back to YAML, so a `.json` (or JSON-looking) file gets
//! JSON's typing (`1e3` is a float there, a string in YAML 1.1) and its
//! silent last-wins duplicate keys. Both paths go through the same event
//! parser so nodes keep their spans.

use super::compose::Builder;
use super::position::Source;
use super::{Loaded, Node, NodeKind, YamlError};
use crate::source::Span;
use saphyr_parser::Parser;
use std::sync::Arc;

/// Loads every document of `text`; see [`super::load_str`].
pub(crate) fn load(text: &str, file: Arc<str>) -> Result<Loaded, YamlError> {
    // PyYAML drops a leading byte-order mark; so does our position mapping.
    let (body, bom) = match text.strip_prefix('\u{feff}') {
        Some(rest) => (rest, '\u{feff}'.len_utf8()),
        None => (text, 0),
    };
    let json = is_json(body);
    let mut source = Source::new(body, bom);
    // Each retry fixes one more quoted scalar (see `position`); a text has
    // at most one per line.
    let retries = body.bytes().filter(|&b| b == b'\n').count() + 1;
    for _ in 0..retries {
        let mut builder = Builder::new(&source.text, &mut source.map, file.clone(), json);
        let mut parser = Parser::new_from_str(&source.text);
        let mut quoted_indent = None;
        let mut flow_indent = None;
        // Open collections: `Some(start)` for a flow one.
        let mut open = FlowStack::default();
        let result = loop {
            let Some(next) = parser.next_event() else {
                break Ok(());
            };
            let (event, span) = match next {
                Ok(ok) => ok,
                Err(e) => {
                    if e.info() == "invalid indentation in quoted scalar" {
                        quoted_indent = Some((e.marker().index(), e.marker().col()));
                    }
                    if matches!(
                        e.info(),
                        "invalid indentation" | "invalid indentation in flow construct"
                    ) {
                        flow_indent = open.outermost().map(|o| (e.marker().index(), o));
                    }
                    break Err(builder.scan_error(&e));
                }
            };
            open.track(&event, span.start.index(), &source.text);
            match builder.event(event, span) {
                Ok(false) => {}
                Ok(true) => break Ok(()),
                Err(e) => break Err(e),
            }
        };
        let loaded = builder.loaded;
        if let (Err(_), Some((index, o)), false) = (&result, flow_indent, json) {
            if source.indent_flow_line(index, o) {
                continue;
            }
        }
        match (result, quoted_indent) {
            (Ok(()), _) => return Ok(loaded),
            // JSON that the YAML parser does not take (surrogate escapes):
            // still JSON, positions reduced to the file.
            (Err(e), _) if json => return from_json(body, &file).ok_or(e)?,
            (Err(e), Some((index, col))) => {
                if !source.indent_quoted(index, col) {
                    return Err(e);
                }
            }
            (Err(e), None) => return Err(e),
        }
    }
    Err(YamlError::Syntax {
        span: Span::file(file),
        message: "invalid indentation in quoted scalar".into(),
    })
}

/// The collections not yet ended while parsing: `Some(start)` (a
/// character index) for a flow one, whose first character is `{` or `[`.
#[derive(Default)]
struct FlowStack {
    open: Vec<Option<usize>>,
    /// Forward cursor over the text: (character index, byte offset).
    cursor: (usize, usize),
}

impl FlowStack {
    fn track(&mut self, event: &saphyr_parser::Event, at: usize, text: &str) {
        use saphyr_parser::Event;
        match event {
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                if at < self.cursor.0 {
                    self.cursor = (0, 0);
                }
                let rest = &text[self.cursor.1..];
                let byte = rest
                    .char_indices()
                    .nth(at - self.cursor.0)
                    .map_or(text.len(), |(i, _)| self.cursor.1 + i);
                self.cursor = (at, byte);
                let first = text.as_bytes().get(byte);
                self.open
                    .push(matches!(first, Some(b'{' | b'[')).then_some(at));
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.open.pop();
            }
            _ => {}
        }
    }

    fn outermost(&self) -> Option<usize> {
        self.open.iter().flatten().next().copied()
    }
}

/// Whether `json.loads` would accept the text (Python also accepts `NaN`
/// and `Infinity`, which we leave to YAML).
fn is_json(text: &str) -> bool {
    // Most YAML fails on its first character; skip the check for texts
    // that cannot start a JSON value.
    let first = text.trim_start().bytes().next();
    matches!(
        first,
        Some(b'{' | b'[' | b'"' | b'-' | b'0'..=b'9' | b't' | b'f' | b'n')
    ) && serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok()
}

/// A JSON text as one document whose nodes all point at the file start;
/// `None` when `serde_json` cannot represent it either.
/// (`serde_json` limits nesting to 128 levels, so the recursion is bounded.)
fn from_json(text: &str, file: &Arc<str>) -> Option<Result<Loaded, YamlError>> {
    let value = serde_json::from_str::<serde_json::Value>(text).ok()?;
    let doc = json_node(&value, &Span::file(file.clone()));
    Some(doc.map(|doc| Loaded {
        docs: vec![doc],
        warnings: Vec::new(),
    }))
}

fn json_node(value: &serde_json::Value, span: &Span) -> Result<Node, YamlError> {
    use serde_json::Value as J;
    let kind = match value {
        J::Null => NodeKind::Null,
        J::Bool(b) => NodeKind::Bool(*b),
        J::Number(n) => match n.as_i64() {
            Some(i) => NodeKind::Int(i),
            None => NodeKind::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        J::String(s) => NodeKind::Str(s.clone()),
        J::Array(items) => NodeKind::Seq(
            items
                .iter()
                .map(|v| json_node(v, span))
                .collect::<Result<_, _>>()?,
        ),
        J::Object(map) => {
            let mut mapping = super::Mapping::default();
            for (k, v) in map {
                let entry = super::MapEntry {
                    key_span: span.clone(),
                    value: json_node(v, span)?,
                };
                mapping.entries.insert(k.clone(), entry);
            }
            // The decoder's markers, as on the main JSON path.
            super::mapping::json_marker(mapping)?
        }
    };
    Ok(Node {
        kind,
        span: span.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::super::load_str;
    use crate::value::Value;

    fn value(text: &str) -> Value {
        let (doc, _) = load_str(text, "t.yml").expect("loads").single();
        doc.expect("a document").to_value()
    }

    #[test]
    fn crlf_line_ends_read_as_lf() {
        // PyYAML gives {'a': 1, 'b': ['x', 'y'], 'c': 'one\ntwo\n', 'd': 'q r',
        // 'e': 'plain folded'} for both.
        let lf = "a: 1\nb: [x, y]\nc: |\n  one\n  two\nd: \"q\n  r\"\ne: plain\n  folded\n";
        let crlf = lf.replace('\n', "\r\n");
        assert_eq!(value(&crlf), value(lf));
        assert_eq!(
            value(lf).py_repr(),
            "{'a': 1, 'b': ['x', 'y'], 'c': 'one\\ntwo\\n', 'd': 'q r', 'e': 'plain folded'}"
        );
    }

    #[test]
    fn json_text_is_read_as_json_first() {
        // Ansible's from_yaml: json.loads first, so 1e3 is a float here and a
        // string in YAML.
        assert_eq!(value("{\"a\": 1e3}").py_repr(), "{'a': 1000.0}");
        assert_eq!(value("{a: 1e3}").py_repr(), "{'a': '1e3'}");
    }

    #[test]
    fn flow_collection_lines_left_of_their_block_load_as_libyaml_does() {
        // PyYAML: {'k': {'a': [1, 2], 'b': {'c': 1}}, 'z': 1}; saphyr alone
        // refuses the lines on column 0 ("invalid indentation").
        let text = "k: {\n\"a\": [1,\n2],\n\"b\": {\"c\": 1\n}\n}\nz: 1\n";
        assert_eq!(
            value(text).py_repr(),
            "{'k': {'a': [1, 2], 'b': {'c': 1}}, 'z': 1}"
        );
        // Positions stay the user's: the error below is on line 5.
        let bad = "k: {\n\"a\": 1\n}\nz: 1\n- x\n";
        let e = load_str(bad, "t.yml").unwrap_err().to_string();
        assert!(e.contains("t.yml:5:"), "{e}");
        // Block content on column 0 outside any flow collection still fails.
        assert!(load_str("k:\n  a: 1\n b: 2\n", "t.yml").is_err());
    }

    #[test]
    fn typed_scalars_and_merge_keys() {
        let v = value("a: yes\nb: '0644'\nc: 0644\nd: [1.5, ~, 2024-01-01]\n<<: {e: 1, a: 2}\n");
        assert_eq!(
            v.py_repr(),
            "{'e': 1, 'a': True, 'b': '0644', 'c': 420, 'd': [1.5, None, datetime.date(2024, 1, 1)]}"
        );
    }
}
