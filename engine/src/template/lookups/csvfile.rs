//! `csvfile`: the `col` field of the first row whose `keycol` field is
//! the key, as ansible-core 2.19's plugin reads a CSV/TSV file (Python's
//! `csv.reader`, excel dialect, with the given delimiter).
//!
//! Options: `col` (1), `keycol` (0), `default`, `delimiter` (`TAB`),
//! `file` (`ansible.csv`), `encoding` (UTF-8 or ISO 8859-1 only), as
//! keyword arguments or as `k=v` words after the key in a term (split as
//! `parse_kv` splits them; they stay in force for later terms, as the
//! plugin's options do). The key keeps any quotes it is written with.

use super::{find, lookup_failed, term_text};
use minijinja::value::{Kwargs, ValueKind};
use minijinja::{Error, Value};

const OPTIONS: &[&str] = &["col", "keycol", "default", "delimiter", "file", "encoding"];

fn failed(message: impl std::fmt::Display) -> Error {
    lookup_failed("csvfile", message)
}

fn py(s: &str) -> String {
    crate::value::Value::from(s).py_repr()
}

#[derive(Debug)]
struct Settings {
    col: i64,
    keycol: i64,
    default: Option<Value>,
    delimiter: String,
    file: String,
    encoding: String,
}

impl Settings {
    fn set(&mut self, name: &str, value: Value) -> Result<(), Error> {
        let int = |v: &Value| -> Result<i64, Error> {
            if let Some(i) = v.as_i64() {
                return Ok(i);
            }
            let text = term_text(v);
            crate::config::value::integer(&text).ok_or_else(|| {
                failed(format_args!(
                    "Config '{name}' for 'csvfile' lookup plugin from 'Direct' has an invalid \
                     value: Invalid value provided for 'int': {}",
                    py(&text)
                ))
            })
        };
        match name {
            "col" => self.col = int(&value)?,
            "keycol" => self.keycol = int(&value)?,
            "default" => self.default = Some(value),
            "delimiter" => self.delimiter = term_text(&value),
            "file" => self.file = term_text(&value),
            _ => self.encoding = term_text(&value),
        }
        Ok(())
    }
}

/// Python's `csv.reader` rows (excel dialect: `"` quotes, `""` inside a
/// quoted field is one `"`, text after a closing quote is kept, a quoted
/// field may span lines). Lines end at `\n`, `\r\n` or `\r` (universal
/// newlines).
fn rows(text: &str, delimiter: char) -> Vec<Vec<String>> {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut rows = Vec::new();
    let mut row: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut at_start = true;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    quoted = false;
                }
            } else {
                field.push(c);
            }
            continue;
        }
        match c {
            '"' if at_start => {
                quoted = true;
                at_start = false;
            }
            '\n' => {
                row.push(std::mem::take(&mut field));
                // An empty line is an empty row.
                if row.len() == 1 && row[0].is_empty() && at_start {
                    row.clear();
                }
                rows.push(std::mem::take(&mut row));
                at_start = true;
            }
            c if c == delimiter => {
                row.push(std::mem::take(&mut field));
                at_start = true;
            }
            c => {
                field.push(c);
                at_start = false;
            }
        }
    }
    if !field.is_empty() || !row.is_empty() || quoted {
        row.push(field);
        rows.push(row);
    }
    rows
}

pub(super) fn csvfile(terms: &[Value], kwargs: &Kwargs) -> Result<Vec<Value>, Error> {
    let mut settings = Settings {
        col: 1,
        keycol: 0,
        default: None,
        delimiter: "TAB".into(),
        file: "ansible.csv".into(),
        encoding: "utf-8".into(),
    };
    for name in OPTIONS {
        if let Some(v) = kwargs.get::<Option<Value>>(name)? {
            settings.set(name, v)?;
        }
    }
    if terms.is_empty() {
        return Err(failed("Search key is required but was not found"));
    }
    let span = crate::source::Span::file("csvfile");
    let mut out = Vec::new();
    for term in terms {
        let (pairs, key) =
            crate::playbook::kv::split_kv(&term_text(term), false, &span).map_err(failed)?;
        let Some(key) = key else {
            return Err(failed("Search key is required but was not found"));
        };
        for (name, value) in pairs {
            if !OPTIONS.contains(&name.as_str()) {
                return Err(failed(format_args!("{} is not a valid option", py(&name))));
            }
            settings.set(&name, Value::from(value))?;
        }
        let delimiter = match settings.delimiter.as_str() {
            "TAB" => "\t",
            d => d,
        };
        let mut delim = delimiter.chars();
        let (Some(delimiter), None) = (delim.next(), delim.next()) else {
            return Err(failed("\"delimiter\" must be a 1-character string"));
        };
        let path = find("csvfile", Some("files"), &settings.file)
            .map_err(|_| failed("expected str, bytes or os.PathLike object, not NoneType"))?;
        let bytes = std::fs::read(&path).map_err(|e| {
            failed(format_args!(
                "reading {}: {e}",
                py(&path.display().to_string())
            ))
        })?;
        let text = super::ini::decode("csvfile", bytes, &settings.encoding)?;
        let field = |row: &[String], i: i64| -> Result<String, Error> {
            // Python indexes from the end for a negative index.
            let at = if i < 0 { row.len() as i64 + i } else { i };
            usize::try_from(at)
                .ok()
                .and_then(|at| row.get(at))
                .cloned()
                .ok_or_else(|| failed("list index out of range"))
        };
        let mut found = None;
        for row in rows(&text, delimiter) {
            if !row.is_empty() && field(&row, settings.keycol)? == key {
                found = Some(Value::from(field(&row, settings.col)?));
                break;
            }
        }
        match found.or_else(|| settings.default.clone()) {
            Some(v) if v.kind() == ValueKind::Seq => out.extend(v.try_iter()?),
            Some(v) if v.is_none() => {}
            Some(v) => out.push(v),
            None => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::rows;

    // As Python's `csv.reader(f, dialect=csv.excel, delimiter=',')` reads
    // the lines of ansible-core's lookup_csvfile target.
    #[test]
    fn rows_read_as_pythons_csv_reader() {
        let text = "# Last,First\nSmith,Jane,1234\n\"German von Lastname\",Demo\nExample,Person,\"crazy email\"@example.com,9876\n\"\"\"The Rock\"\" Johnson\",Dwayne\r\n\nlast,\"multi\nline\"";
        let got = rows(text, ',');
        let want: Vec<Vec<&str>> = vec![
            vec!["# Last", "First"],
            vec!["Smith", "Jane", "1234"],
            vec!["German von Lastname", "Demo"],
            vec!["Example", "Person", "crazy email@example.com", "9876"],
            vec!["\"The Rock\" Johnson", "Dwayne"],
            vec![],
            vec!["last", "multi\nline"],
        ];
        assert_eq!(got, want);
    }
}
