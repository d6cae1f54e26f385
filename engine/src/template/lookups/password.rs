//! `password`: a password kept in a controller file, as ansible-core
//! 2.19's plugin keeps it. The first use generates one (`length`, 20, of
//! `chars`, by default letters, digits and `.,:-_`) and writes it to the
//! file (its directory made with mode 0700, the file 0600, a newline
//! after it); later uses read it back. `/dev/null` is never written, so
//! every use generates a new one. With `seed` the password is what
//! Python's `random.Random(seed)` picks, the same as ansible-core's;
//! without, it is drawn from the operating system's random source.
//!
//! A relative path is taken from the playbook's directory, `~` is the
//! home directory. Parameters come as keyword arguments or as `k=v`
//! words after the path (`'creds/db length=15 chars=digits'`).
//!
//! Refused: `encrypt` (and `ident`, which only goes with it): hashing
//! needs passlib's algorithms, which konvoy-image does not have. The
//! refusal comes before the file is touched.

use super::{current_vars, lookup_failed, term_text};
use crate::template::filters::random::PyRandom;
use minijinja::value::{Kwargs, ValueKind};
use minijinja::{Error, Value};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

const PARAMS: &[&str] = &["length", "encrypt", "chars", "ident", "seed"];

fn failed(message: impl std::fmt::Display) -> Error {
    lookup_failed("password", message)
}

/// One term's parameters.
#[derive(Debug, Clone)]
struct Params {
    length: i64,
    chars: Vec<String>,
    seed: Option<Value>,
    encrypt: Option<String>,
}

/// Python's `string` module constants the `chars` names may use.
fn named_chars(name: &str) -> Option<&'static str> {
    const LOWER: &str = "abcdefghijklmnopqrstuvwxyz";
    const UPPER: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    Some(match name {
        "ascii_letters" => "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "ascii_lowercase" => LOWER,
        "ascii_uppercase" => UPPER,
        "digits" => "0123456789",
        "hexdigits" => "0123456789abcdefABCDEF",
        "octdigits" => "01234567",
        "punctuation" => r##"!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~"##,
        "whitespace" => " \t\n\r\x0b\x0c",
        "printable" => "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ \t\n\r\x0b\x0c",
        _ => return None,
    })
}

/// `_gen_candidate_chars`: names expanded, other specs taken as they
/// are, quotes dropped.
fn candidates(specs: &[String]) -> Vec<char> {
    specs
        .iter()
        .flat_map(|s| named_chars(s).unwrap_or(s).chars().collect::<Vec<_>>())
        .filter(|c| *c != '"' && *c != '\'')
        .collect()
}

/// `chars` written as text: comma-separated, `,,` meaning a comma.
fn split_chars(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    if text.contains(",,") {
        out.push(",".to_owned());
    }
    out.extend(
        text.replace(",,", ",")
            .split(',')
            .filter(|c| !c.is_empty())
            .map(str::to_owned),
    );
    out
}

impl Params {
    fn set(&mut self, name: &str, value: Value) -> Result<(), Error> {
        match name {
            "length" => {
                let text = term_text(&value);
                self.length = value
                    .as_i64()
                    .or_else(|| crate::config::value::integer(&text))
                    .ok_or_else(|| {
                        failed(format_args!(
                            "Config 'length' for 'password' lookup plugin from 'Direct' has an \
                             invalid value: Invalid value provided for 'integer': {}",
                            crate::value::Value::from(text.as_str()).py_repr()
                        ))
                    })?;
            }
            "chars" if value.kind() == ValueKind::Seq => {
                self.chars = value.try_iter()?.map(|v| term_text(&v)).collect();
            }
            "chars" => self.chars = split_chars(&term_text(&value)),
            "seed" => self.seed = (!value.is_none()).then_some(value),
            "encrypt" | "ident" => {
                let text = term_text(&value);
                if !value.is_none() && !text.is_empty() {
                    self.encrypt = Some(text);
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// `_parse_parameters`: the path (which may hold spaces) and `k=v` words.
fn parse_term(term: &str, params: &mut Params) -> Result<String, Error> {
    let Some((first, rest)) = term.split_once(' ') else {
        return Ok(term.to_owned());
    };
    let span = crate::source::Span::file("password");
    let (pairs, raw) = crate::playbook::kv::split_kv(rest, false, &span).map_err(failed)?;
    let mut path = first.to_owned();
    if let Some(raw) = raw {
        path = format!("{path} {raw}");
        if !term.starts_with(&path) {
            return Err(failed(
                "Unrecognized value after key=value parameters given to password lookup",
            ));
        }
    }
    let unknown: Vec<&str> = pairs
        .iter()
        .map(|(k, _)| k.as_str())
        .filter(|k| !PARAMS.contains(k))
        .collect();
    if !unknown.is_empty() {
        return Err(failed(format_args!(
            "Unrecognized parameter(s) given to password lookup: {}",
            unknown.join(", ")
        )));
    }
    for (k, v) in pairs {
        params.set(&k, Value::from(v))?;
    }
    Ok(path)
}

/// `SystemRandom().choice`: a uniform index from the OS's random bytes.
fn system_below(n: u64) -> Result<u64, Error> {
    let mut urandom = std::fs::File::open("/dev/urandom")
        .map_err(|e| failed(format_args!("no random source: {e}")))?;
    let bits = 64 - n.leading_zeros();
    loop {
        let mut b = [0u8; 8];
        urandom
            .read_exact(&mut b)
            .map_err(|e| failed(format_args!("no random source: {e}")))?;
        let r = u64::from_le_bytes(b) >> (64 - bits);
        if r < n {
            return Ok(r);
        }
    }
}

/// `random_password(length, chars, seed)`.
fn generate(params: &Params) -> Result<String, Error> {
    let chars = candidates(&params.chars);
    if chars.is_empty() {
        return Err(failed("Cannot choose from an empty sequence"));
    }
    let n = chars.len() as u64;
    let mut seeded = params.seed.as_ref().map(PyRandom::seeded).transpose()?;
    (0..params.length.max(0))
        .map(|_| {
            let i = match &mut seeded {
                Some(rng) => rng.below(n),
                None => system_below(n)?,
            };
            Ok(chars[i as usize])
        })
        .collect()
}

/// `_write_password_file`.
fn write(path: &Path, password: &str) -> Result<(), Error> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
    let io = |e: std::io::Error| failed(format_args!("writing {}: {e}", path.display()));
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(io)?;
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(io)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(io)?;
    f.write_all(format!("{password}\n").as_bytes()).map_err(io)
}

/// The password a file holds (`_parse_content`, without what follows a
/// ` salt=`).
fn stored(path: &Path) -> Result<Option<String>, Error> {
    match std::fs::read(path) {
        Ok(bytes) => {
            let text = String::from_utf8(bytes)
                .map_err(|e| failed(format_args!("reading {}: {e}", path.display())))?;
            let text = text.trim_end();
            Ok(Some(
                text.rsplit_once(" salt=")
                    .map_or(text, |(p, _)| p)
                    .to_owned(),
            ))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(failed(format_args!("reading {}: {e}", path.display()))),
    }
}

/// `path_dwim`: `~` expanded, a relative path joined to the playbook's
/// directory.
fn resolve(relpath: &str) -> Result<PathBuf, Error> {
    if let Some(rest) = relpath.strip_prefix('~') {
        let home = std::env::var("HOME").unwrap_or_default();
        return Ok(PathBuf::from(format!("{home}{rest}")));
    }
    let path = PathBuf::from(relpath);
    if path.is_absolute() {
        return Ok(path);
    }
    let vars = current_vars("password")?;
    let base = vars
        .get("playbook_dir")
        .ok()
        .flatten()
        .map(|v| v.py_str())
        .unwrap_or_else(|| ".".into());
    Ok(Path::new(&base).join(path))
}

pub(super) fn password(terms: &[Value], kwargs: &Kwargs) -> Result<Vec<Value>, Error> {
    let mut defaults = Params {
        length: 20,
        chars: vec!["ascii_letters".into(), "digits".into(), ".,:-_".into()],
        seed: None,
        encrypt: None,
    };
    for name in PARAMS {
        if let Some(v) = kwargs.get::<Option<Value>>(name)? {
            defaults.set(name, v)?;
        }
    }
    let mut out = Vec::with_capacity(terms.len());
    for term in terms {
        let mut params = defaults.clone();
        let relpath = parse_term(&term_text(term), &mut params)?;
        if let Some(method) = &params.encrypt {
            return Err(failed(format_args!(
                "encrypt={method} is not supported by konvoy-image (no password hashing); \
                 hash the password with a filter or a module on the host instead"
            )));
        }
        let path = resolve(&relpath)?;
        let dev_null = path == Path::new("/dev/null");
        let password = match (dev_null, stored(&path)?) {
            (false, Some(p)) => p,
            _ => {
                let p = generate(&params)?;
                if !dev_null {
                    write(&path, &p)?;
                }
                p
            }
        };
        out.push(Value::from(password));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kwargs(pairs: Vec<(&str, Value)>) -> Kwargs {
        Kwargs::from_iter(pairs)
    }

    fn one(term: &str, kw: Vec<(&str, Value)>) -> Result<String, String> {
        password(&[Value::from(term)], &kwargs(kw))
            .map(|v| v[0].as_str().unwrap_or_default().to_owned())
            .map_err(|e| e.detail().unwrap_or_default().to_owned())
    }

    // Expected values are ansible-core 2.19.14's for the same terms.
    #[test]
    fn seeded_passwords_are_ansibles() {
        assert_eq!(
            one("/dev/null seed=foo", vec![]),
            Ok("6JUEsF6-,RiuGZDEWF4r".into())
        );
        assert_eq!(
            one("/dev/null seed=foo length=5 chars=digits,,", vec![]),
            Ok("63421".into())
        );
        let chars = Value::from(vec![Value::from("ascii_lowercase"), Value::from("!")]);
        assert_eq!(
            one(
                "/dev/null",
                vec![
                    ("seed", Value::from("foo")),
                    ("chars", chars),
                    ("length", Value::from(12))
                ]
            ),
            Ok("oxilwhw!eyht".into())
        );
        assert_eq!(
            one(
                "/dev/null seed=7 chars=hexdigits,punctuation length=30",
                vec![]
            ),
            Ok("^;/8D|~c*/#+~f4c?8A;*6?6<AEa>C".into())
        );
        assert_eq!(
            one("/dev/null seed=1 bogus=2", vec![]),
            Err("The lookup plugin 'password' failed: Unrecognized parameter(s) given to password lookup: bogus".into())
        );
    }

    #[test]
    fn a_password_is_written_once_and_read_back() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("kib-password-{}", std::process::id()));
        let file = dir.join("sub/pw");
        let term = format!("{} length=8", file.display());
        let first = one(&term, vec![]).expect("generated");
        assert_eq!(first.chars().count(), 8);
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            format!("{first}\n")
        );
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&file), 0o600);
        assert_eq!(mode(&dir.join("sub")), 0o700);
        assert_eq!(one(&term, vec![]), Ok(first));
        assert!(
            one(&format!("{} encrypt=sha256_crypt", file.display()), vec![])
                .unwrap_err()
                .contains("not supported")
        );
        let _ = std::fs::remove_dir_all(&dir);
        let a = one("/dev/null", vec![]).unwrap();
        assert_ne!(a, one("/dev/null", vec![]).unwrap());
    }
}
