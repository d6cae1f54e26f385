//! `rpm_key`: a GPG public key in the rpm database.
//!
//! Supported: `key` (a URL, a path on the host, or a key id), `state`
//! (present/absent), `fingerprint` (one or a list; the key must carry all
//! of them), `validate_certs`. As in Ansible, the key id comes from
//! `gpg --with-colons` on the key file (in a throw-away `GNUPGHOME`, so the
//! host's keyrings are not touched), and a key counts as imported when
//! `gpg-pubkey-<last 8 hex digits of the id>` is installed. URLs are
//! fetched on the host with curl or wget, with the task's proxy
//! environment. One probe fetches, reads the id and checks the database;
//! unchanged costs that command, changed one more (`rpm --import` or
//! `rpm --erase --allmatches`). The result has Ansible's only key,
//! `changed`.

use super::args::{ArgError, ArgMap};
use super::context::ModuleContext;
use super::outcome::{ModuleError, Outcome};
use super::yum_probe::FETCH_FN;
use super::Module;
use crate::shell::{quote, Cmd};

/// Where the key comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeySource {
    /// Downloaded on the host.
    Url(String),
    /// A file on the host.
    File(String),
    /// A key id (upper-case hex, no `0x`): enough to remove or to check.
    Id(String),
}

/// Arguments of `rpm_key`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RpmKeyArgs {
    /// The key.
    pub key: KeySource,
    /// Import (`true`) or remove.
    pub present: bool,
    /// Fingerprints the key must have (upper case, no spaces).
    pub fingerprints: Vec<String>,
    /// `validate_certs: no`.
    pub insecure: bool,
}

/// The `rpm_key` module.
pub struct RpmKeyModule;

impl Module for RpmKeyModule {
    type Args = RpmKeyArgs;
    const PROBES: bool = true;

    fn parse(args: &mut ArgMap) -> Result<RpmKeyArgs, ArgError> {
        let key = args.required_str(&["key"])?;
        let present = args.choice(&["state"], &["present", "absent"])?.as_deref() != Some("absent");
        let fingerprints = args
            .list(&["fingerprint"])?
            .unwrap_or_default()
            .into_iter()
            .map(|f| f.replace(' ', "").to_uppercase())
            .collect();
        let insecure = args.bool(&["validate_certs"])? == Some(false);
        args.finish(&["key", "state", "fingerprint", "validate_certs"])?;
        let key = if key.contains("://") {
            KeySource::Url(key)
        } else if is_keyid(&key) {
            KeySource::Id(normalize_keyid(&key))
        } else {
            KeySource::File(key)
        };
        Ok(RpmKeyArgs {
            key,
            present,
            fingerprints,
            insecure,
        })
    }

    /// A key at a URL is fetched by the probe: not offered for batching,
    /// so the download runs with the task's environment (proxies).
    fn probes(a: &RpmKeyArgs) -> Vec<String> {
        match a.key {
            KeySource::Url(_) => Vec::new(),
            _ => vec![probe_script(a)],
        }
    }

    fn run(a: &RpmKeyArgs, ctx: &mut ModuleContext<'_>) -> Result<Outcome, ModuleError> {
        let out = ctx.probe(&probe_script(a))?;
        let p = parse_probe(&out.stdout_str());
        if let Some(e) = p.error {
            return Ok(Outcome::failed(e));
        }
        let Some(keyid) = p.keyid else {
            return Ok(Outcome::failed("Unexpected gpg output"));
        };
        match (a.present, p.imported) {
            (true, true) | (false, false) => return Ok(Outcome::ok()),
            _ => {}
        }
        if a.present {
            if let KeySource::Id(_) = a.key {
                return Ok(Outcome::failed(
                    "When importing a key, a valid file must be given",
                ));
            }
            if !a.fingerprints.iter().all(|f| p.fingerprints.contains(f)) {
                return Ok(Outcome::failed(format!(
                    "The specified fingerprint, '{}', does not match any key fingerprints in '{}'",
                    a.fingerprints.join(", "),
                    p.fingerprints.join(", ")
                )));
            }
        }
        if ctx.check_mode() {
            return Ok(Outcome::changed());
        }
        let script = if a.present {
            import_script(a)
        } else {
            Cmd::new("rpm --erase --allmatches")
                .arg(format!("gpg-pubkey-{}", short_id(&keyid)))
                .into_string()
        };
        let out = ctx.apply(&script, None)?;
        if out.rc != 0 {
            return Ok(Outcome::failed(out.stderr_str().trim().to_owned()));
        }
        Ok(Outcome::changed())
    }
}

/// Ansible's test: optional `0x`, then at least 8 hex digits.
fn is_keyid(s: &str) -> bool {
    let s = s.strip_prefix("0x").or(s.strip_prefix("0X")).unwrap_or(s);
    s.len() >= 8 && s.chars().all(|c| c.is_ascii_hexdigit())
}

fn normalize_keyid(s: &str) -> String {
    let s = s.trim().to_uppercase();
    s.strip_prefix("0X").map(str::to_owned).unwrap_or(s)
}

/// The version of the `gpg-pubkey` package: the id's last 8 digits.
fn short_id(keyid: &str) -> String {
    keyid[keyid.len().saturating_sub(8)..].to_lowercase()
}

/// Sets `$f` to the key file (downloading a URL to a temp file removed
/// on exit); prints `E<TAB>msg` and exits on failure.
fn key_file_lines(a: &RpmKeyArgs) -> String {
    let mut s = String::from(FETCH_FN);
    if a.insecure {
        s.push_str("insecure=1\n");
    }
    match &a.key {
        KeySource::Url(u) => {
            s.push_str("u=");
            s.push_str(&quote(u));
            s.push_str("\nf=$(mktemp) || exit 1\ntrap 'rm -f \"$f\"' EXIT\n");
            s.push_str("if ! e=$(fetch \"$u\" \"$f\" 2>&1); then printf 'E\\t%s\\n' \"failed to fetch key at $u , error was: $e\" | tr '\\n' ' '; echo; exit 0; fi\n");
            s.push_str("grep -q 'BEGIN PGP PUBLIC KEY BLOCK' \"$f\" || { printf 'E\\t%s\\n' \"Not a public key: $u\"; exit 0; }\n");
        }
        KeySource::File(p) => {
            s.push_str("u=\nf=");
            s.push_str(&quote(p));
            s.push_str(
                "\n[ -f \"$f\" ] || { printf 'E\\t%s\\n' \"Not a valid key $f\"; exit 0; }\n",
            );
        }
        KeySource::Id(_) => {}
    }
    s
}

/// The probe: key id and fingerprints from gpg, and whether rpm has it.
fn probe_script(a: &RpmKeyArgs) -> String {
    let mut s = key_file_lines(a);
    match &a.key {
        KeySource::Id(id) => {
            s.push_str("printf 'K\\t%s\\n' ");
            s.push_str(&quote(id));
            s.push_str("\nid=");
            s.push_str(&quote(&short_id(id)));
            s.push('\n');
        }
        _ => {
            s.push_str("g=$(command -v gpg || command -v gpg2) || { printf 'E\\t%s\\n' 'Failed to find required executable gpg'; exit 0; }\n");
            s.push_str("h=$(mktemp -d) || exit 1\ntrap 'rm -rf \"$h\"; [ -n \"$u\" ] && rm -f \"$f\"' EXIT\n");
            s.push_str("out=$(GNUPGHOME=\"$h\" \"$g\" --no-tty --batch --with-colons --fixed-list-mode --with-fingerprint \"$f\" 2>/dev/null)\n");
            s.push_str("printf '%s\\n' \"$out\" | awk -F: '$1==\"pub\"&&!k{print \"K\\t\" $5; k=1} $1==\"fpr\"{print \"F\\t\" $10}'\n");
            s.push_str("id=$(printf '%s\\n' \"$out\" | awk -F: '$1==\"pub\"{print tolower(substr($5, length($5)-7)); exit}')\n");
            s.push_str("[ -n \"$id\" ] || exit 0\n");
        }
    }
    s.push_str(
        "if rpm -q \"gpg-pubkey-$id\" >/dev/null 2>&1; then echo 'I 1'; else echo 'I 0'; fi\n",
    );
    s
}

/// The import: the file again (a URL is fetched again).
fn import_script(a: &RpmKeyArgs) -> String {
    let mut s = key_file_lines(a);
    s.push_str("e=$(rpm --import \"$f\" 2>&1) || { printf '%s\\n' \"$e\" >&2; exit 1; }\n");
    s
}

#[derive(Default)]
struct KeyProbe {
    keyid: Option<String>,
    fingerprints: Vec<String>,
    imported: bool,
    error: Option<String>,
}

fn parse_probe(out: &str) -> KeyProbe {
    let mut p = KeyProbe::default();
    for line in out.lines() {
        if let Some(k) = line.strip_prefix("K\t") {
            p.keyid = Some(k.trim().to_uppercase()).filter(|k| k.len() >= 8);
        } else if let Some(f) = line.strip_prefix("F\t") {
            p.fingerprints.push(f.trim().to_uppercase());
        } else if line == "I 1" {
            p.imported = true;
        } else if let Some(e) = line.strip_prefix("E\t") {
            p.error = Some(e.trim().to_owned());
        }
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_ids_are_recognised() {
        assert!(is_keyid("0xDEADBEEF"));
        assert!(is_keyid("3228467c"));
        assert!(!is_keyid("/etc/pki/key"));
        assert_eq!(normalize_keyid("0xdeadbeef"), "DEADBEEF");
        assert_eq!(short_id("0123456789ABCDEF"), "89abcdef");
    }

    #[test]
    fn probe_output_is_read() {
        // Shape of gpg 2.2's colon output as the probe reduces it.
        let p =
            parse_probe("K\t6A2FAEA2352C64E5\nF\t91E97D7C4A5E96F17F3E888F6A2FAEA2352C64E5\nI 0\n");
        assert_eq!(p.keyid.as_deref(), Some("6A2FAEA2352C64E5"));
        assert_eq!(p.fingerprints.len(), 1);
        assert!(!p.imported);
    }
}
