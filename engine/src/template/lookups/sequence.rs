//! `sequence`: numbers formatted as strings (`with_sequence`), as
//! ansible-core 2.19's plugin makes them.
//!
//! A term is either the shortcut `[start-]end[/stride][:format]` or
//! `k=v` words (`start end count stride format`, split as `parse_kv`
//! splits them); keyword arguments give the defaults of every term, and
//! alone they make one sequence. Numbers are Ansible's `integer` options
//! (`int(Decimal(text))`: `010` is ten, `0x10` is refused, as in
//! ansible-core), `format` is Python's `%`. Error texts are the plugin's.
//!
//! Deviation: a sequence longer than ten million items is refused
//! instead of exhausting memory.

use super::{lookup_failed, term_text};
use crate::template::percent::pyformat;
use minijinja::value::Kwargs;
use minijinja::{Error, Value};
use std::sync::LazyLock;

/// The plugin's `SHORTCUT` pattern.
static SHORTCUT: LazyLock<regex::Regex> = LazyLock::new(|| {
    let num = "(0?x?[0-9a-f]+)";
    regex::Regex::new(&format!("(?i)^({num}-)?{num}(/{num})?(:(.+))?$"))
        .expect("the shortcut pattern is valid")
});

const LIMIT: i64 = 10_000_000;

/// The options of one term.
#[derive(Debug, Clone)]
struct Options {
    start: i64,
    end: Option<i64>,
    count: Option<i64>,
    stride: i64,
    format: String,
}

fn failed(message: impl std::fmt::Display) -> Error {
    lookup_failed("sequence", message)
}

/// `set_option` of an `integer` option.
fn integer(name: &str, origin: &str, value: &str) -> Result<i64, Error> {
    crate::config::value::integer(value).ok_or_else(|| {
        failed(format_args!(
            "Config '{name}' for 'sequence' lookup plugin from '{origin}' has an invalid value: \
             Invalid value provided for 'integer': {}",
            crate::value::Value::from(value).py_repr()
        ))
    })
}

impl Options {
    fn set(&mut self, name: &str, value: &str) -> Result<(), Error> {
        match name {
            "start" => self.start = integer(name, "Direct", value)?,
            "end" => self.end = Some(integer(name, "Direct", value)?),
            "count" => self.count = Some(integer(name, "Direct", value)?),
            "stride" => self.stride = integer(name, "Direct", value)?,
            _ => self.format = value.to_owned(),
        }
        Ok(())
    }

    /// `parse_simple_args`: whether `term` is the shortcut form.
    fn shortcut(&mut self, term: &str) -> Result<bool, Error> {
        let Some(c) = SHORTCUT.captures(term) else {
            return Ok(false);
        };
        for (name, group) in [("start", 2), ("end", 3), ("stride", 5), ("format", 7)] {
            if let Some(m) = c.get(group) {
                self.set(name, m.as_str())?;
            }
        }
        Ok(true)
    }

    /// `parse_kv_args`.
    fn key_values(&mut self, term: &str) -> Result<(), Error> {
        let span = crate::source::Span::file("sequence");
        let (pairs, raw) = crate::playbook::kv::split_kv(term, false, &span).map_err(|e| {
            failed(format_args!(
                "unknown error parsing with_sequence arguments: {}: Error was: {e}",
                crate::value::Value::from(term).py_repr()
            ))
        })?;
        let mut unknown: Vec<String> = Vec::new();
        for (key, value) in pairs {
            if ["start", "end", "stride", "count", "format"].contains(&key.as_str()) {
                self.set(&key, &value)?;
            } else if !unknown.contains(&key) {
                unknown.push(key);
            }
        }
        if raw.is_some() {
            unknown.push("_raw_params".into());
        }
        if !unknown.is_empty() {
            let list = crate::value::Value::List(unknown.into_iter().map(Into::into).collect());
            return Err(failed(format_args!(
                "unrecognized arguments to with_sequence: {}",
                list.py_repr()
            )));
        }
        Ok(())
    }

    /// `sanity_check` and `generate_sequence`.
    fn generate(mut self, out: &mut Vec<Value>) -> Result<(), Error> {
        let end = match (self.end, self.count) {
            (None, None) => return Err(failed("must specify count or end in with_sequence")),
            (Some(_), Some(_)) => {
                return Err(failed("can't specify both count and end in with_sequence"))
            }
            (_, Some(0)) => return Ok(()),
            (_, Some(count)) => self.start + count * self.stride - 1,
            (Some(end), None) => end,
        };
        self.end = Some(end);
        if self.stride > 0 && end < self.start {
            return Err(failed("to count backwards make stride negative"));
        }
        if self.stride < 0 && end > self.start {
            return Err(failed("to count forward don't make stride negative"));
        }
        if self.stride == 0 {
            return Ok(());
        }
        if self.format.matches('%').count() != 1 {
            return Err(failed(format_args!(
                "bad formatting string: {}",
                self.format
            )));
        }
        // Python's `range(start, end + adjust, stride)`.
        let stop = end + self.stride.signum();
        if (stop - self.start) / self.stride > LIMIT {
            return Err(failed(format_args!("more than {LIMIT} items")));
        }
        let mut i = self.start;
        while (self.stride > 0 && i < stop) || (self.stride < 0 && i > stop) {
            let formatted = pyformat(&self.format, Value::from(i)).map_err(|_| {
                failed(format_args!(
                    "problem formatting {i} with {}",
                    crate::value::Value::from(self.format.as_str()).py_repr()
                ))
            })?;
            out.push(Value::from(formatted));
            i += self.stride;
        }
        Ok(())
    }
}

pub(super) fn sequence(terms: &[Value], kwargs: &Kwargs) -> Result<Vec<Value>, Error> {
    let mut defaults = Options {
        start: 1,
        end: None,
        count: None,
        stride: 1,
        format: "%d".into(),
    };
    let mut any_kwarg = false;
    for name in ["start", "end", "count", "stride", "format"] {
        if let Some(v) = kwargs.get::<Option<Value>>(name)? {
            any_kwarg = true;
            defaults.set(name, &term_text(&v))?;
        }
    }
    let mut specs: Vec<String> = terms.iter().map(term_text).collect();
    if specs.is_empty() && any_kwarg {
        specs.push(String::new());
    }
    let mut out = Vec::new();
    for spec in specs {
        let mut options = defaults.clone();
        if !options.shortcut(&spec)? {
            options.key_values(&spec)?;
        }
        options.generate(&mut out)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seq(term: &str) -> Result<Vec<String>, String> {
        let kwargs = Kwargs::from_iter(std::iter::empty::<(&str, Value)>());
        sequence(&[Value::from(term)], &kwargs)
            .map(|v| {
                v.iter()
                    .map(|x| x.as_str().unwrap_or("?").to_owned())
                    .collect()
            })
            .map_err(|e| e.detail().unwrap_or_default().to_owned())
    }

    // Expected values are ansible-core 2.19.14's `q('sequence', term)`.
    #[test]
    fn shortcut_and_key_value_forms_give_ansibles_items() {
        let cases: &[(&str, &[&str])] = &[
            ("4", &["1", "2", "3", "4"]),
            ("2-6/2", &["2", "4", "6"]),
            ("7-8:host%02d", &["host07", "host08"]),
            ("010-012", &["10", "11", "12"]),
            ("start=011 end=13", &["11", "12", "13"]),
            ("start=1 count=5 stride=2", &["1", "3", "5", "7", "9"]),
            ("5:a%sb", &["a1b", "a2b", "a3b", "a4b", "a5b"]),
            ("end=3 format=%5.2f", &[" 1.00", " 2.00", " 3.00"]),
            ("start=1 end=3 format=\"x %d\"", &["x 1", "x 2", "x 3"]),
            ("start=3 end=0 stride=-1", &["3", "2", "1", "0"]),
            ("end=3 stride=0", &[]),
            ("count=0", &[]),
        ];
        for (term, want) in cases {
            let want: Vec<String> = want.iter().map(|s| s.to_string()).collect();
            assert_eq!(seq(term), Ok(want), "{term}");
        }
    }

    #[test]
    fn bad_terms_fail_in_ansibles_words() {
        let prefix = "The lookup plugin 'sequence' failed: ";
        let cases = [
            ("1-0x12", "Config 'end' for 'sequence' lookup plugin from 'Direct' has an invalid value: Invalid value provided for 'integer': '0x12'"),
            ("start=A end=3", "Config 'start' for 'sequence' lookup plugin from 'Direct' has an invalid value: Invalid value provided for 'integer': 'A'"),
            ("A-4/2", "Config 'start' for 'sequence' lookup plugin from 'Direct' has an invalid value: Invalid value provided for 'integer': 'A'"),
            ("start=0 junk=3", "unrecognized arguments to with_sequence: ['junk']"),
            ("count=3 end=4", "can't specify both count and end in with_sequence"),
            ("start=5 end=1", "to count backwards make stride negative"),
            ("3-1", "to count backwards make stride negative"),
            ("start=1 end=5 stride=-1", "to count forward don't make stride negative"),
            ("end=3 format=%d%d", "bad formatting string: %d%d"),
            ("", "must specify count or end in with_sequence"),
        ];
        for (term, want) in cases {
            assert_eq!(seq(term), Err(format!("{prefix}{want}")), "{term}");
        }
    }
}
