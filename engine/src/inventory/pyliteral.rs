//! Python's `ast.literal_eval`, as far as the INI plugin needs it.
//!
//! Ansible types every INI value (host line and `:vars` alike) by trying
//! `ast.literal_eval` and keeping the raw text when that fails. So `80` is an
//! int, `True` a bool, `None` null, `"['a', 'b']"` a list, `0644` a string
//! (not a valid Python 3 literal), `1e3` the float 1000.0, and `80 # web` the
//! int 80 (Python comments are allowed). Tuples and sets become lists,
//! `...` and complex numbers stay text, as Ansible 2.19 does.
//!
//! Deviations, all rare in inventories: integers outside the i64 range,
//! `\N{name}` escapes and complex arithmetic (`1+2j`) keep the raw text.

use crate::value::{Map, Value};

/// The typed value of `text`, or `None` when `literal_eval` would fail.
pub(crate) fn literal_eval(text: &str) -> Option<Value> {
    let mut p = Parser {
        s: text.trim_start_matches([' ', '\t']).as_bytes(),
        i: 0,
        depth: 0,
    };
    let v = p.expr()?;
    p.skip_ws(false);
    (p.i == p.s.len()).then_some(v)
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    /// Skips spaces and comments; newlines only inside brackets.
    fn skip_ws(&mut self, in_brackets: bool) {
        while let Some(c) = self.peek() {
            match c {
                b' ' | b'\t' | b'\x0c' => self.i += 1,
                b'\n' | b'\r' if in_brackets => self.i += 1,
                b'\\' if self.s.get(self.i + 1) == Some(&b'\n') => self.i += 2,
                b'#' => {
                    while self.peek().is_some_and(|c| c != b'\n') {
                        self.i += 1;
                    }
                }
                _ => break,
            }
        }
    }

    fn expr(&mut self) -> Option<Value> {
        self.depth += 1;
        if self.depth > 200 {
            return None;
        }
        let inb = self.depth > 1;
        self.skip_ws(inb);
        let v = match self.peek()? {
            b'[' => {
                self.i += 1;
                Value::List(self.items(b']')?.0)
            }
            b'(' => {
                self.i += 1;
                let (items, trailing_comma) = self.items(b')')?;
                if items.len() == 1 && !trailing_comma {
                    items.into_iter().next()?
                } else {
                    Value::List(items)
                }
            }
            b'{' => {
                self.i += 1;
                self.dict_or_set()?
            }
            b'-' | b'+' => {
                let neg = self.peek() == Some(b'-');
                self.i += 1;
                self.skip_ws(inb);
                // `-(1)` is fine (parentheses only group); `-(1,)` is not.
                let operand = if self.peek() == Some(b'(') {
                    self.expr()?
                } else {
                    self.number()?
                };
                match operand {
                    Value::Int(n) if neg => Value::Int(n.checked_neg()?),
                    Value::Float(f) if neg => Value::Float(-f),
                    v @ (Value::Int(_) | Value::Float(_)) => v,
                    _ => return None,
                }
            }
            b'0'..=b'9' | b'.' => self.number()?,
            _ => self.string_or_name()?,
        };
        self.skip_ws(inb);
        self.depth -= 1;
        Some(v)
    }

    /// Comma-separated expressions up to `close`; also says whether a
    /// trailing comma was present (it makes `(1,)` a tuple).
    fn items(&mut self, close: u8) -> Option<(Vec<Value>, bool)> {
        let mut out = Vec::new();
        let mut trailing = false;
        loop {
            self.skip_ws(true);
            if self.peek()? == close {
                self.i += 1;
                return Some((out, trailing));
            }
            out.push(self.expr()?);
            self.skip_ws(true);
            match self.peek()? {
                b',' => {
                    self.i += 1;
                    trailing = true;
                }
                c if c == close => {
                    self.i += 1;
                    return Some((out, false));
                }
                _ => return None,
            }
        }
    }

    fn dict_or_set(&mut self) -> Option<Value> {
        self.skip_ws(true);
        if self.peek()? == b'}' {
            self.i += 1;
            return Some(Value::Map(Map::new()));
        }
        let first = self.expr()?;
        self.skip_ws(true);
        if self.peek()? != b':' {
            // A set: written order, duplicates dropped.
            let mut items = vec![first];
            loop {
                match self.peek()? {
                    b'}' => {
                        self.i += 1;
                        return Some(Value::List(items));
                    }
                    b',' => {
                        self.i += 1;
                        self.skip_ws(true);
                        if self.peek()? == b'}' {
                            continue;
                        }
                        let v = self.expr()?;
                        if !items.contains(&v) {
                            items.push(v);
                        }
                        self.skip_ws(true);
                    }
                    _ => return None,
                }
            }
        }
        let mut map = Map::new();
        let mut key = first;
        loop {
            self.i += 1; // ':'
            let value = self.expr()?;
            map.insert(key_text(&key)?, value);
            self.skip_ws(true);
            match self.peek()? {
                b'}' => {
                    self.i += 1;
                    return Some(Value::Map(map));
                }
                b',' => {
                    self.i += 1;
                    self.skip_ws(true);
                    if self.peek()? == b'}' {
                        self.i += 1;
                        return Some(Value::Map(map));
                    }
                    key = self.expr()?;
                    self.skip_ws(true);
                    if self.peek()? != b':' {
                        return None;
                    }
                }
                _ => return None,
            }
        }
    }

    fn number(&mut self) -> Option<Value> {
        let start = self.i;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'.')
            || (self.peek().is_some_and(|c| c == b'+' || c == b'-')
                && matches!(self.s.get(self.i.wrapping_sub(1)), Some(b'e' | b'E'))
                && !self.s[start..self.i].starts_with(b"0x")
                && !self.s[start..self.i].starts_with(b"0X"))
        {
            self.i += 1;
        }
        let tok = std::str::from_utf8(&self.s[start..self.i]).ok()?;
        parse_number(tok)
    }

    fn string_or_name(&mut self) -> Option<Value> {
        let start = self.i;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_')
        {
            self.i += 1;
        }
        let word = std::str::from_utf8(&self.s[start..self.i]).ok()?;
        match self.peek() {
            Some(b'\'' | b'"') if word.len() <= 2 => {
                let prefix = word.to_ascii_lowercase();
                let raw = match prefix.as_str() {
                    "" | "u" | "b" => false,
                    "r" | "br" | "rb" => true,
                    _ => return None,
                };
                let bytes = prefix.contains('b');
                let mut text = self.string(raw)?;
                // Adjacent literals concatenate: 'a' 'b' is 'ab'.
                loop {
                    let save = self.i;
                    self.skip_ws(self.depth > 1);
                    let pstart = self.i;
                    while self.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
                        self.i += 1;
                    }
                    let p = std::str::from_utf8(&self.s[pstart..self.i])
                        .ok()?
                        .to_ascii_lowercase();
                    if matches!(self.peek(), Some(b'\'' | b'"'))
                        && matches!(p.as_str(), "" | "u" | "b" | "r" | "br" | "rb")
                    {
                        text.push_str(&self.string(p.contains('r'))?);
                    } else {
                        self.i = save;
                        // Ansible's JSON marks text that came from bytes as unsafe.
                        return Some(if bytes {
                            Value::Unsafe(text)
                        } else {
                            Value::Str(text)
                        });
                    }
                }
            }
            _ => match word {
                "True" => Some(Value::Bool(true)),
                "False" => Some(Value::Bool(false)),
                "None" => Some(Value::Null),
                "set" if self.s[self.i..].starts_with(b"()") => {
                    self.i += 2;
                    Some(Value::List(Vec::new()))
                }
                _ => None,
            },
        }
    }

    /// A quoted string at the cursor (single, double or triple quotes).
    fn string(&mut self, raw: bool) -> Option<String> {
        let q = self.peek()?;
        let triple = self.s[self.i..].starts_with(&[q, q, q]);
        self.i += if triple { 3 } else { 1 };
        let mut out = Vec::new();
        loop {
            let c = self.peek()?;
            if c == q && (!triple || self.s[self.i..].starts_with(&[q, q, q])) {
                self.i += if triple { 3 } else { 1 };
                return String::from_utf8(out).ok();
            }
            if c == b'\n' && !triple {
                return None;
            }
            if c == b'\\' {
                let n = *self.s.get(self.i + 1)?;
                if raw {
                    out.extend_from_slice(&[b'\\', n]);
                    self.i += 2;
                    continue;
                }
                self.i += 2;
                let simple = match n {
                    b'\n' => Some(None),
                    b'\\' => Some(Some(b'\\')),
                    b'\'' => Some(Some(b'\'')),
                    b'"' => Some(Some(b'"')),
                    b'a' => Some(Some(7)),
                    b'b' => Some(Some(8)),
                    b'f' => Some(Some(12)),
                    b'n' => Some(Some(b'\n')),
                    b'r' => Some(Some(b'\r')),
                    b't' => Some(Some(b'\t')),
                    b'v' => Some(Some(11)),
                    _ => None,
                };
                if let Some(byte) = simple {
                    out.extend(byte);
                    continue;
                }
                let code = match n {
                    b'x' => self.hex(2)?,
                    b'u' => self.hex(4)?,
                    b'U' => self.hex(8)?,
                    b'0'..=b'7' => {
                        let mut v = u32::from(n - b'0');
                        for _ in 0..2 {
                            match self.peek() {
                                Some(d @ b'0'..=b'7') => {
                                    v = v * 8 + u32::from(d - b'0');
                                    self.i += 1;
                                }
                                _ => break,
                            }
                        }
                        v
                    }
                    b'N' => return None,
                    _ => {
                        out.extend_from_slice(&[b'\\', n]);
                        continue;
                    }
                };
                let ch = char::from_u32(code)?;
                let mut buf = [0; 4];
                out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                continue;
            }
            out.push(c);
            self.i += 1;
        }
    }

    fn hex(&mut self, n: usize) -> Option<u32> {
        let digits = self.s.get(self.i..self.i + n)?;
        let v = u32::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()?;
        self.i += n;
        Some(v)
    }
}

/// Dict keys as the JSON text Python would print for them.
fn key_text(key: &Value) -> Option<String> {
    Some(match key {
        Value::Str(s) => s.clone(),
        Value::Int(i) => i.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => "null".to_owned(),
        Value::Float(f) => crate::inventory::json::float_repr(*f),
        _ => return None,
    })
}

/// Python 3 numeric literal syntax (no complex).
fn parse_number(tok: &str) -> Option<Value> {
    let underscores_ok =
        |d: &str| !d.starts_with('_') && !d.ends_with('_') && !d.contains("__") && !d.is_empty();
    let lower = tok.to_ascii_lowercase();
    for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] {
        if let Some(d) = lower.strip_prefix(prefix) {
            let d = d.strip_prefix('_').unwrap_or(d);
            if !underscores_ok(d) {
                return None;
            }
            return i64::from_str_radix(&d.replace('_', ""), radix)
                .ok()
                .map(Value::Int);
        }
    }
    let is_float = lower.contains('.') || lower.contains('e');
    if !is_float {
        if !underscores_ok(&lower) || !lower.bytes().all(|b| b.is_ascii_digit() || b == b'_') {
            return None;
        }
        let d = lower.replace('_', "");
        // `0644` is not a Python 3 literal; only all-zero numbers may start with 0.
        if d.len() > 1 && d.starts_with('0') && d.bytes().any(|b| b != b'0') {
            return None;
        }
        return d.parse().ok().map(Value::Int);
    }
    let (mantissa, exp) = match lower.split_once('e') {
        Some((m, e)) => (m, Some(e)),
        None => (lower.as_str(), None),
    };
    let (int_part, frac) = match mantissa.split_once('.') {
        Some((a, b)) => (a, Some(b)),
        None => (mantissa, None),
    };
    let digits = |d: &str| underscores_ok(d) && d.bytes().all(|b| b.is_ascii_digit() || b == b'_');
    let ok_int = int_part.is_empty() || digits(int_part);
    let ok_frac = frac.is_none_or(|f| f.is_empty() || digits(f));
    let ok_exp = exp.is_none_or(|e| digits(e.strip_prefix(['+', '-']).unwrap_or(e)));
    if !ok_int || !ok_frac || !ok_exp || (int_part.is_empty() && frac.is_none_or(str::is_empty)) {
        return None;
    }
    lower.replace('_', "").parse().ok().map(Value::Float)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(s: &str) -> Option<Value> {
        literal_eval(s)
    }

    #[test]
    fn scalars_follow_python() {
        assert_eq!(ev("80"), Some(Value::Int(80)));
        assert_eq!(ev("-5"), Some(Value::Int(-5)));
        assert_eq!(ev("True"), Some(Value::Bool(true)));
        assert_eq!(ev("None"), Some(Value::Null));
        assert_eq!(ev("true"), None);
        assert_eq!(ev("yes"), None);
        assert_eq!(ev("0644"), None);
        assert_eq!(ev("0o644"), Some(Value::Int(420)));
        assert_eq!(ev("0x1F"), Some(Value::Int(31)));
        assert_eq!(ev("1_000"), Some(Value::Int(1000)));
        assert_eq!(ev("1e3"), Some(Value::Float(1000.0)));
        assert_eq!(ev("0.5"), Some(Value::Float(0.5)));
        assert_eq!(ev("80 # web"), Some(Value::Int(80)));
        assert_eq!(ev("hello there # c"), None);
        assert_eq!(ev("10.0.0.1"), None);
        assert_eq!(ev("'0644'"), Some(Value::Str("0644".into())));
        assert_eq!(ev(r#""a\tb""#), Some(Value::Str("a\tb".into())));
        assert_eq!(ev("'a' 'b'"), Some(Value::Str("ab".into())));
        assert_eq!(ev("..."), None);
        assert_eq!(ev("-(1)"), Some(Value::Int(-1)));
        assert_eq!(ev("-(1,)"), None);
        assert_eq!(ev("b'x'"), Some(Value::Unsafe("x".into())));
    }

    #[test]
    fn containers_follow_python() {
        assert_eq!(
            ev("['a', 'b']"),
            Some(Value::List(vec!["a".into(), "b".into()]))
        );
        assert_eq!(ev("(1,2)"), Some(Value::List(vec![1.into(), 2.into()])));
        assert_eq!(ev("(1)"), Some(Value::Int(1)));
        assert_eq!(ev("{1,2,1}"), Some(Value::List(vec![1.into(), 2.into()])));
        let mut m = Map::new();
        m.insert("k".into(), Value::Int(1));
        assert_eq!(ev("{'k': 1}"), Some(Value::Map(m)));
        assert_eq!(ev("[1, 2"), None);
        assert_eq!(ev("{'k' 1}"), None);
    }
}
