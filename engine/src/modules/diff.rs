//! Diff text for `--diff`, as Ansible's callback prints it: a unified
//! diff (3 lines of context) of the before/after text, or of the
//! before/after dicts rendered as sorted, 4-space-indented JSON.

use crate::value::{Map, Value};
use std::fmt::Write as _;

/// Lines of context around each change (Ansible's `DIFF_CONTEXT`).
const CONTEXT: usize = 3;

/// Above this many cells the line matcher gives up and reports the
/// differing middle as one replacement (keeps huge files cheap).
const MAX_CELLS: usize = 4_000_000;

/// The unified diff of two texts with the `--- before[: H]` /
/// `+++ after[: H]` header, followed by the blank line the callback
/// prints; empty when the texts are equal.
pub(crate) fn unified(
    before: &str,
    after: &str,
    before_header: Option<&str>,
    after_header: Option<&str>,
) -> String {
    if before == after {
        return String::new();
    }
    let a = split_lines(before);
    let b = split_lines(after);
    let ops = opcodes(&a, &b);
    let mut out = String::new();
    match before_header {
        Some(h) => {
            let _ = writeln!(out, "--- before: {h}");
        }
        None => out.push_str("--- before\n"),
    }
    match after_header {
        Some(h) => {
            let _ = writeln!(out, "+++ after: {h}");
        }
        None => out.push_str("+++ after\n"),
    }
    for hunk in group(&ops) {
        let (a0, a1, b0, b1) = (
            hunk[0].1,
            hunk[hunk.len() - 1].2,
            hunk[0].3,
            hunk[hunk.len() - 1].4,
        );
        let _ = writeln!(out, "@@ -{} +{} @@", range(a0, a1), range(b0, b1));
        for &(tag, i1, i2, j1, j2) in &hunk {
            match tag {
                Tag::Equal => (i1..i2).for_each(|i| push_line(&mut out, ' ', a[i])),
                Tag::Change => {
                    (i1..i2).for_each(|i| push_line(&mut out, '-', a[i]));
                    (j1..j2).for_each(|j| push_line(&mut out, '+', b[j]));
                }
            }
        }
    }
    out.push('\n');
    out
}

/// The diff of two dicts the file module reports (`before`/`after`).
pub(crate) fn dicts(before: &Map, after: &Map) -> String {
    unified(&json_sorted(before), &json_sorted(after), None, None)
}

fn json_sorted(m: &Map) -> String {
    let sorted: std::collections::BTreeMap<&String, &Value> = m.iter().collect();
    let json = serde_json::Map::from_iter(sorted.into_iter().map(|(k, v)| (k.clone(), to_json(v))));
    let mut buf = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, fmt);
    let _ = serde::Serialize::serialize(&serde_json::Value::Object(json), &mut ser);
    buf.push(b'\n');
    String::from_utf8_lossy(&buf).into_owned()
}

/// A value as JSON (Python's `json.dumps` order: insertion).
pub(crate) fn to_json(v: &Value) -> serde_json::Value {
    v.to_serde_json()
}

/// Lines with their endings; a last line without one carries the
/// "No newline" marker, as the callback adds it.
fn split_lines(s: &str) -> Vec<&str> {
    s.split_inclusive('\n').collect()
}

fn push_line(out: &mut String, sign: char, line: &str) {
    out.push(sign);
    out.push_str(line);
    if !line.ends_with('\n') {
        out.push_str("\n\\ No newline at end of file\n");
    }
}

fn range(start: usize, stop: usize) -> String {
    let len = stop - start;
    match len {
        1 => format!("{}", start + 1),
        0 => format!("{start},0"),
        _ => format!("{},{len}", start + 1),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tag {
    Equal,
    Change,
}

type Op = (Tag, usize, usize, usize, usize);

/// Equal and changed runs covering both sequences, from a longest common
/// subsequence of lines.
fn opcodes(a: &[&str], b: &[&str]) -> Vec<Op> {
    let pre = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suf = a[pre..]
        .iter()
        .rev()
        .zip(b[pre..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (ma, mb) = (&a[pre..a.len() - suf], &b[pre..b.len() - suf]);
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    if !ma.is_empty() && !mb.is_empty() && ma.len() * mb.len() <= MAX_CELLS {
        let (n, m) = (ma.len(), mb.len());
        let mut t = vec![0u32; (n + 1) * (m + 1)];
        for i in (0..n).rev() {
            for j in (0..m).rev() {
                t[i * (m + 1) + j] = if ma[i] == mb[j] {
                    t[(i + 1) * (m + 1) + j + 1] + 1
                } else {
                    t[(i + 1) * (m + 1) + j].max(t[i * (m + 1) + j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < n && j < m {
            if ma[i] == mb[j] {
                pairs.push((pre + i, pre + j));
                i += 1;
                j += 1;
            } else if t[(i + 1) * (m + 1) + j] >= t[i * (m + 1) + j + 1] {
                i += 1;
            } else {
                j += 1;
            }
        }
    }
    let mut ops = Vec::new();
    let (mut i, mut j) = (pre, pre);
    let push_eq = |ops: &mut Vec<Op>, i0: usize, i1: usize, j0: usize| {
        if i1 > i0 {
            match ops.last_mut() {
                Some((Tag::Equal, _, e, _, f)) if *e == i0 => {
                    *e = i1;
                    *f = j0 + (i1 - i0);
                }
                _ => ops.push((Tag::Equal, i0, i1, j0, j0 + (i1 - i0))),
            }
        }
    };
    push_eq(&mut ops, 0, pre, 0);
    for (pi, pj) in pairs
        .into_iter()
        .chain(std::iter::once((a.len() - suf, b.len() - suf)))
    {
        if pi > i || pj > j {
            ops.push((Tag::Change, i, pi, j, pj));
        }
        i = pi;
        j = pj;
        if i < a.len() - suf {
            push_eq(&mut ops, i, i + 1, j);
            i += 1;
            j += 1;
        }
    }
    push_eq(&mut ops, a.len() - suf, a.len(), b.len() - suf);
    ops
}

/// Groups opcodes into hunks with `CONTEXT` lines around each change.
fn group(ops: &[Op]) -> Vec<Vec<Op>> {
    let mut codes = ops.to_vec();
    if codes.is_empty() {
        return Vec::new();
    }
    if let Some(first) = codes.first_mut() {
        if first.0 == Tag::Equal {
            first.1 = first.1.max(first.2.saturating_sub(CONTEXT));
            first.3 = first.3.max(first.4.saturating_sub(CONTEXT));
        }
    }
    if let Some(last) = codes.last_mut() {
        if last.0 == Tag::Equal {
            last.2 = last.2.min(last.1 + CONTEXT);
            last.4 = last.4.min(last.3 + CONTEXT);
        }
    }
    let mut groups = Vec::new();
    let mut cur: Vec<Op> = Vec::new();
    for (tag, i1, i2, j1, j2) in codes {
        if tag == Tag::Equal && i2 - i1 > 2 * CONTEXT {
            cur.push((tag, i1, i1 + CONTEXT, j1, j1 + CONTEXT));
            groups.push(std::mem::take(&mut cur));
            cur.push((tag, i2 - CONTEXT, i2, j2 - CONTEXT, j2));
            continue;
        }
        cur.push((tag, i1, i2, j1, j2));
    }
    if !(cur.is_empty() || cur.len() == 1 && cur[0].0 == Tag::Equal) {
        groups.push(cur);
    }
    groups.retain(|g| g.iter().any(|o| o.0 == Tag::Change));
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected texts printed by ansible-playbook 2.19.14 --diff (copy,
    // lineinfile, file) on the same inputs.
    #[test]
    fn new_file_and_changed_line() {
        assert_eq!(
            unified("", "abc\n", None, Some("/t/c")),
            "--- before\n+++ after: /t/c\n@@ -0,0 +1 @@\n+abc\n\n"
        );
        assert_eq!(
            unified("abc\n", "abd\n", Some("/t/c"), Some("/t/c")),
            "--- before: /t/c\n+++ after: /t/c\n@@ -1 +1 @@\n-abc\n+abd\n\n"
        );
        assert_eq!(
            unified("a\nb\nc\n", "A\nb\nc\n", Some("x"), Some("x")),
            "--- before: x\n+++ after: x\n@@ -1,3 +1,3 @@\n-a\n+A\n b\n c\n\n"
        );
    }

    #[test]
    fn far_apart_changes_make_two_hunks() {
        let before: String = (1..=20).map(|i| format!("{i}\n")).collect();
        let after: String = (1..=20)
            .map(|i| match i {
                2 => "two\n".to_owned(),
                19 => "nineteen\n".to_owned(),
                _ => format!("{i}\n"),
            })
            .collect();
        let d = unified(&before, &after, None, None);
        assert_eq!(d.matches("@@ ").count(), 2, "{d}");
        assert!(
            d.contains("@@ -1,5 +1,5 @@\n 1\n-2\n+two\n 3\n 4\n 5\n"),
            "{d}"
        );
        assert!(
            d.contains("@@ -16,5 +16,5 @@\n 16\n 17\n 18\n-19\n+nineteen\n 20\n"),
            "{d}"
        );
    }

    #[test]
    fn dict_diff_is_sorted_json() {
        let mut b = Map::new();
        b.insert("path".into(), "/t/d".into());
        b.insert("mode".into(), "0750".into());
        let mut a = b.clone();
        a.insert("mode".into(), "0700".into());
        assert_eq!(
            dicts(&b, &a),
            "--- before\n+++ after\n@@ -1,4 +1,4 @@\n {\n-    \"mode\": \"0750\",\n+    \"mode\": \"0700\",\n     \"path\": \"/t/d\"\n }\n\n"
        );
    }
}
