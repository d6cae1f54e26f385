//! `deb822_repository`: a `/etc/apt/sources.list.d/SLUG.sources` file in
//! deb822 format, written as Ansible's module writes it (fields sorted by
//! option name, Ansible's field names, `yes`/`no` booleans, lists joined
//! by spaces, multi-line values indented with `.` for empty lines), only
//! when its checksum differs; `signed_by` as a key file path on the host,
//! inline key text, or a URL the host downloads into
//! `/etc/apt/keyrings/SLUG.asc|gpg`. `state: absent` removes the file and
//! the slug's keyrings.
//!
//! Every option of ansible-core 2.19 is supported. Results: `repo` (the
//! file's text), `dest`, `key_filename`, as Ansible's.

use super::args::{ArgError, ArgMap, FileMode};
use super::context::ModuleContext;
use super::outcome::{ModuleError, Outcome};
use super::Module;
use crate::shell::quote;
use crate::transport::atomic::{AtomicWrite, Content};
use crate::value::Value;

const KEYRINGS_DIR: &str = "/etc/apt/keyrings";

/// One deb822 field's option value.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Field {
    Bool(bool),
    Int(i64),
    List(Vec<String>),
    Text(String),
}

/// Arguments of `deb822_repository`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deb822Args {
    name: String,
    /// Options in sorted order, `None` values left out.
    fields: Vec<(&'static str, Field)>,
    signed_by: Option<String>,
    mode: FileMode,
    present: bool,
}

const BOOLS: &[&str] = &[
    "allow_downgrade_to_insecure",
    "allow_insecure",
    "allow_weak",
    "by_hash",
    "check_date",
    "check_valid_until",
    "enabled",
    "pdiffs",
    "trusted",
];
const LISTS: &[&str] = &[
    "architectures",
    "components",
    "languages",
    "suites",
    "targets",
    "types",
    "uris",
];

/// The `deb822_repository` module.
pub struct Deb822RepositoryModule;

impl Module for Deb822RepositoryModule {
    type Args = Deb822Args;

    fn parse(args: &mut ArgMap) -> Result<Deb822Args, ArgError> {
        let name = args.required_str(&["name"])?;
        let mut fields: Vec<(&'static str, Field)> = Vec::new();
        for k in BOOLS {
            if let Some(b) = args.bool(&[k])? {
                fields.push((k, Field::Bool(b)));
            }
        }
        for k in LISTS {
            let v = args.list(&[k])?;
            let v = if *k == "types" {
                Some(v.unwrap_or_else(|| vec!["deb".into()]))
            } else {
                v
            };
            if let Some(v) = v {
                if *k == "types" {
                    if let Some(bad) = v.iter().find(|t| *t != "deb" && *t != "deb-src") {
                        return Err(ArgError::Choice {
                            name: "types".into(),
                            choices: "deb, deb-src".into(),
                            got: bad.clone(),
                        });
                    }
                }
                fields.push((k, Field::List(v)));
            }
        }
        if let Some(i) = args.int(&["date_max_future"])? {
            fields.push(("date_max_future", Field::Int(i)));
        }
        if let Some(s) = args.str(&["inrelease_path"])? {
            fields.push(("inrelease_path", Field::Text(s)));
        }
        fields.push(("name", Field::Text(name.clone())));
        let signed_by = args.str(&["signed_by"])?;
        fields.sort_by_key(|(k, _)| *k);
        let a = Deb822Args {
            name,
            fields,
            signed_by,
            mode: args.mode(&["mode"])?.unwrap_or(FileMode::Octal(0o644)),
            present: args.choice(&["state"], &["present", "absent"])?.as_deref() != Some("absent"),
        };
        args.finish(&[
            "allow_downgrade_to_insecure",
            "allow_insecure",
            "allow_weak",
            "architectures",
            "by_hash",
            "check_date",
            "check_valid_until",
            "components",
            "date_max_future",
            "enabled",
            "inrelease_path",
            "languages",
            "name",
            "pdiffs",
            "signed_by",
            "suites",
            "targets",
            "trusted",
            "types",
            "uris",
            "mode",
            "state",
        ])?;
        Ok(a)
    }

    fn run(a: &Deb822Args, ctx: &mut ModuleContext<'_>) -> Result<Outcome, ModuleError> {
        let slug = slug(&a.name);
        let dest = format!("/etc/apt/sources.list.d/{slug}.sources");
        let keyring = |ext: &str| format!("{KEYRINGS_DIR}/{slug}.{ext}");
        if !a.present {
            let paths = [dest.clone(), keyring("asc"), keyring("gpg")];
            let mut probe = String::new();
            for p in &paths {
                probe.push_str(&format!("[ -e {} ] && echo {}\n", quote(p), quote(p)));
            }
            probe.push_str("exit 0\n");
            let present: Vec<String> = ctx
                .probe(&probe)?
                .stdout_str()
                .lines()
                .map(str::to_owned)
                .collect();
            if !present.is_empty() && !ctx.check_mode() {
                let rm: Vec<String> = present.iter().map(|p| quote(p).into_owned()).collect();
                ctx.apply(&format!("rm -f {}", rm.join(" ")), None)?;
            }
            let mut o = Outcome {
                changed: !present.is_empty(),
                ..Outcome::ok()
            }
            .with("repo", Value::Null)
            .with("dest", dest.clone())
            .with("key_filename", keyring("gpg"));
            add_path_info(ctx, &dest, &mut o)?;
            return Ok(o);
        }
        // What the host has: the sources file, and what `signed_by` names.
        let mut probe = format!(
            "d={}\nif [ -f \"$d\" ]; then echo \"dest $(sha256sum < \"$d\" | cut -d' ' -f1) $(stat -c %a \"$d\")\"; fi\n",
            quote(&dest)
        );
        let url = a.signed_by.as_deref().filter(|v| has_scheme(v));
        if let Some(v) = &a.signed_by {
            probe.push_str(&format!("[ -f {} ] && echo isfile\n", quote(v)));
        }
        if let Some(u) = url {
            probe.push_str(&format!(
                "k=$(mktemp) || exit 1\nif {{ command -v curl >/dev/null && curl -fsSL {u} -o \"$k\"; }} || wget -q -O \"$k\" {u}; then\n\
                 \x20 echo \"key $(sha256sum < \"$k\" | cut -d' ' -f1)\"; grep -q -- '-----BEGIN PGP PUBLIC KEY BLOCK-----' \"$k\" && echo armored\n\
                 else echo keyfail; fi\nrm -f \"$k\"\n\
                 for e in asc gpg; do f={dir}/{slug}.$e; [ -f \"$f\" ] && echo \"have $e $(sha256sum < \"$f\" | cut -d' ' -f1) $(stat -c %a \"$f\")\"; done\n\
                 [ -d {dir} ] && echo \"keyrings $(stat -c '%a %U %G' {dir})\"\n",
                u = quote(u),
                dir = KEYRINGS_DIR,
            ));
        }
        probe.push_str("exit 0\n");
        let seen = ctx.probe(&probe)?.stdout_str();
        let word = |k: &str| seen.lines().find_map(|l| l.strip_prefix(k)).map(str::trim);
        let mut changed = false;
        let mut key_filename: Option<String> = None;
        let mut signed_value: Option<String> = None;
        let mut key_script = String::new();
        if let Some(v) = &a.signed_by {
            if seen.lines().any(|l| l == "isfile") {
                key_filename = Some(v.clone());
                signed_value = Some(v.clone());
            } else if let Some(u) = url {
                if seen.lines().any(|l| l == "keyfail") {
                    return Ok(Outcome::failed(format!(
                        "Could not fetch signed_by key: {u}"
                    )));
                }
                let ext = if seen.lines().any(|l| l == "armored") {
                    "asc"
                } else {
                    "gpg"
                };
                let file = keyring(ext);
                let sum = word("key ").unwrap_or("");
                let have = seen
                    .lines()
                    .find_map(|l| l.strip_prefix(&format!("have {ext} ")))
                    .map(|r| r.split_whitespace().collect::<Vec<_>>());
                if have.as_ref().map(|h| h[0]) != Some(sum) {
                    changed = true;
                    if word("keyrings ") != Some("755 root root") {
                        key_script.push_str(&format!(
                            "mkdir -p {KEYRINGS_DIR} && chown root:root {KEYRINGS_DIR} && chmod 0755 {KEYRINGS_DIR}\n"
                        ));
                    }
                    key_script.push_str(&format!(
                        "k=$(mktemp {KEYRINGS_DIR}/.konvoy-XXXXXX) || exit 1\n\
                         if {{ command -v curl >/dev/null && curl -fsSL {u} -o \"$k\"; }} || wget -q -O \"$k\" {u}; then \
                         chmod 0644 \"$k\" && mv -f \"$k\" {f}; else rm -f \"$k\"; exit 1; fi\n",
                        u = quote(u),
                        f = quote(&file)
                    ));
                } else if have.as_ref().map(|h| h[1]) != Some("644") {
                    changed = true;
                    key_script.push_str(&format!("chmod 0644 {}\n", quote(&file)));
                }
                key_filename = Some(file.clone());
                signed_value = Some(file);
            } else {
                signed_value = Some(v.clone());
            }
        }
        let repo = render(&a.fields, signed_value.as_deref());
        let want_sum = sha256_hex(repo.as_bytes());
        let (have_sum, have_mode) = match word("dest ") {
            Some(r) => {
                let mut it = r.split_whitespace();
                (it.next().map(str::to_owned), it.next().map(str::to_owned))
            }
            None => (None, None),
        };
        let mode = a.mode.chmod_arg();
        let mut script = key_script;
        if have_sum.as_deref() != Some(want_sum.as_str()) {
            changed = true;
            // The one atomic write path, in a subshell of its own; the
            // file gets `mode` whether it existed or not.
            let w = AtomicWrite {
                dest: &dest,
                content: Content::Text(&repo),
                mkdir: false,
            };
            script.push_str(&format!(
                "(\nset +e\n{}chmod {} -- \"$t\" || exit 1\n{}) || exit 1\n",
                w.begin(),
                quote(&mode),
                w.commit()
            ));
        } else if !mode_matches(&a.mode, have_mode.as_deref()) {
            changed = true;
            script.push_str(&format!("chmod {} {}\n", quote(&mode), quote(&dest)));
        }
        if !script.is_empty() && !ctx.check_mode() {
            let out = ctx.apply(&format!("set -e\n{script}"), None)?;
            if out.rc != 0 {
                return Ok(Outcome::failed(out.stderr_str().trim_end().to_owned()));
            }
        }
        let mut o = Outcome {
            changed,
            ..Outcome::ok()
        }
        .with("repo", repo)
        .with("dest", dest.clone())
        .with("key_filename", key_filename.map_or(Value::Null, Value::Str));
        add_path_info(ctx, &dest, &mut o)?;
        Ok(o)
    }
}

/// `dest`'s attributes, as Ansible's `exit_json` adds them.
fn add_path_info(
    ctx: &mut ModuleContext<'_>,
    dest: &str,
    o: &mut Outcome,
) -> Result<(), ModuleError> {
    let out = ctx.probe(&super::path_info::script(dest))?;
    super::path_info::add(&out.stdout_str(), &mut o.result);
    Ok(())
}

/// Ansible's slug: lower case, `_` and blanks to `-`, then only
/// `[a-z0-9-]`.
fn slug(name: &str) -> String {
    let lower = name.to_lowercase();
    let mut dashed = String::new();
    let mut in_run = false;
    for c in lower.chars() {
        if c == '_' || c.is_whitespace() {
            if !in_run {
                dashed.push('-');
            }
            in_run = true;
        } else {
            dashed.push(c);
            in_run = false;
        }
    }
    dashed
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')
        .collect()
}

/// `urlparse(v).scheme` is not empty.
fn has_scheme(v: &str) -> bool {
    match v.split_once(':') {
        Some((s, _)) => {
            s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        }
        None => false,
    }
}

/// Python's `str.title()` on ASCII field names.
fn title(s: &str) -> String {
    let mut out = String::new();
    let mut prev_letter = false;
    for c in s.chars() {
        out.push(if prev_letter {
            c.to_ascii_lowercase()
        } else {
            c.to_ascii_uppercase()
        });
        prev_letter = c.is_ascii_alphabetic();
    }
    out
}

fn field_name(k: &str) -> String {
    match k {
        "name" => "X-Repolib-Name".into(),
        "uris" => "URIs".into(),
        other => title(&other.replace('_', "-")),
    }
}

/// The file's text, as python-debian's `Deb822.dump` writes it.
fn render(fields: &[(&'static str, Field)], signed_by: Option<&str>) -> String {
    let mut all: Vec<(&str, String)> = fields
        .iter()
        .map(|(k, f)| {
            let v = match f {
                Field::Bool(b) => (if *b { "yes" } else { "no" }).to_owned(),
                Field::Int(i) => i.to_string(),
                Field::List(l) => l.join(" "),
                Field::Text(t) => t.clone(),
            };
            (*k, v)
        })
        .collect();
    if let Some(s) = signed_by {
        all.push(("signed_by", s.to_owned()));
        all.sort_by_key(|(k, _)| *k);
    }
    let mut out = String::new();
    for (k, v) in all {
        let v = if v.contains('\n') { multiline(&v) } else { v };
        out.push_str(&field_name(k));
        if v.is_empty() || v.starts_with('\n') {
            out.push(':');
        } else {
            out.push_str(": ");
        }
        out.push_str(&v);
        out.push('\n');
    }
    out
}

/// Ansible's `format_multiline`.
fn multiline(v: &str) -> String {
    let lines: Vec<String> = v
        .trim()
        .lines()
        .map(|l| {
            let t = l.trim();
            format!("    {}", if t.is_empty() { "." } else { t })
        })
        .collect();
    format!("\n{}", lines.join("\n"))
}

fn mode_matches(want: &FileMode, have: Option<&str>) -> bool {
    match (want, have.and_then(|h| u32::from_str_radix(h, 8).ok())) {
        (FileMode::Octal(w), Some(h)) => *w == h,
        // A symbolic mode is applied with chmod, which is idempotent.
        (FileMode::Symbolic(_), Some(_)) => true,
        _ => false,
    }
}

fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_like_ansible() {
        assert_eq!(slug("Konvoy Test_repo!"), "konvoy-test-repo");
        assert_eq!(
            field_name("allow_downgrade_to_insecure"),
            "Allow-Downgrade-To-Insecure"
        );
        assert_eq!(field_name("inrelease_path"), "Inrelease-Path");
        let fields = vec![
            ("name", Field::Text("konvoy".into())),
            ("suites", Field::List(vec!["./".into()])),
            ("trusted", Field::Bool(true)),
            ("types", Field::List(vec!["deb".into()])),
            ("uris", Field::List(vec!["file:/srv/apt/main".into()])),
        ];
        assert_eq!(
            render(&fields, Some("-----BEGIN X-----\n\nabc\n-----END X-----\n")),
            "X-Repolib-Name: konvoy\nSigned-By:\n    -----BEGIN X-----\n    .\n    abc\n    -----END X-----\n\
             Suites: ./\nTrusted: yes\nTypes: deb\nURIs: file:/srv/apt/main\n"
        );
        assert!(has_scheme("http://x") && !has_scheme("/etc/x.asc") && !has_scheme("-----BEGIN"));
    }
}
