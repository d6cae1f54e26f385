//! The `known_hosts` file format as OpenSSH reads it (sshd(8), "SSH_KNOWN_HOSTS
//! FILE FORMAT"), and the lookup of one host in it. Pure: no I/O, no
//! libssh2; [`super::trust`] decides what to do with the answer.
//!
//! - markers: `@revoked` (this key must never be accepted) and
//!   `@cert-authority` (the key is a CA that signs host certificates);
//! - host fields: comma-separated patterns with `*` and `?` wildcards and
//!   `!` negation, matched case-insensitively; `[host]:port` for ports
//!   other than 22; hashed names (`|1|salt|hash`, HMAC-SHA1, as written by
//!   `HashKnownHosts` and `ssh-keygen -H`);
//! - a line that does not parse is skipped, as OpenSSH skips it.

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use base64::Engine;
use sha1::{Digest, Sha1};
use std::path::{Path, PathBuf};

/// What a line's marker says about its key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Marker {
    /// A host key.
    None,
    /// `@revoked`: never accept this key.
    Revoked,
    /// `@cert-authority`: a CA for host certificates.
    CertAuthority,
}

/// One parsed line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    /// Its marker.
    pub(crate) marker: Marker,
    /// The host field as written.
    pub(crate) hosts: String,
    /// The key type as written (`ssh-ed25519`, ...).
    pub(crate) key_type: String,
    /// The decoded key blob.
    pub(crate) key: Vec<u8>,
    /// Where it was read.
    pub(crate) file: PathBuf,
    /// 1-based line number.
    pub(crate) line: usize,
}

impl Entry {
    /// `file:line`, as OpenSSH names an offending entry.
    pub(crate) fn location(&self) -> String {
        format!("{}:{}", self.file.display(), self.line)
    }
}

/// Parses `text` (the contents of `file`); lines that do not parse are
/// left out.
pub(crate) fn parse(text: &str, file: &Path) -> Vec<Entry> {
    text.lines()
        .enumerate()
        .filter_map(|(i, line)| parse_line(line, file, i + 1))
        .collect()
}

fn parse_line(line: &str, file: &Path, number: usize) -> Option<Entry> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let mut words = line.split_whitespace();
    let mut first = words.next()?;
    let marker = match first {
        "@revoked" => Marker::Revoked,
        "@cert-authority" => Marker::CertAuthority,
        m if m.starts_with('@') => return None,
        _ => Marker::None,
    };
    if marker != Marker::None {
        first = words.next()?;
    }
    let key_type = words.next()?;
    let key = STANDARD.decode(words.next()?).ok()?;
    // The blob names its own type; a line whose two names disagree is
    // corrupt (OpenSSH refuses to load it too).
    if blob_type(&key)? != key_type {
        return None;
    }
    Some(Entry {
        marker,
        hosts: first.to_owned(),
        key_type: key_type.to_owned(),
        key,
        file: file.to_path_buf(),
        line: number,
    })
}

/// The type name at the start of an SSH public key blob.
pub(crate) fn blob_type(blob: &[u8]) -> Option<&str> {
    let len = u32::from_be_bytes(blob.get(..4)?.try_into().ok()?) as usize;
    std::str::from_utf8(blob.get(4..4 + len)?).ok()
}

/// The name a host is looked up under: `host`, or `[host]:port` off 22.
pub(crate) fn lookup_name(address: &str, port: u16) -> String {
    if port == 22 {
        address.to_owned()
    } else {
        format!("[{address}]:{port}")
    }
}

/// Whether an entry's host field covers `name` (a [`lookup_name`]).
pub(crate) fn host_matches(hosts: &str, name: &str) -> bool {
    if let Some(hashed) = hosts.strip_prefix("|1|") {
        return hashed_matches(hashed, name);
    }
    let name = name.to_ascii_lowercase();
    let mut found = false;
    for pattern in hosts.split(',') {
        let (negated, pattern) = match pattern.strip_prefix('!') {
            Some(p) => (true, p),
            None => (false, pattern),
        };
        if wildcard(pattern.to_ascii_lowercase().as_bytes(), name.as_bytes()) {
            if negated {
                return false;
            }
            found = true;
        }
    }
    found
}

/// `salt|hash` (both base64): HMAC-SHA1(salt, name) == hash.
fn hashed_matches(hashed: &str, name: &str) -> bool {
    let Some((salt, hash)) = hashed.split_once('|') else {
        return false;
    };
    let (Ok(salt), Ok(hash)) = (STANDARD.decode(salt), STANDARD.decode(hash)) else {
        return false;
    };
    hmac_sha1(&salt, name.as_bytes()).as_slice() == hash.as_slice()
}

/// HMAC (RFC 2104) over SHA-1, block size 64.
fn hmac_sha1(key: &[u8], message: &[u8]) -> [u8; 20] {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..20].copy_from_slice(&Sha1::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.map(|b| b ^ byte);
    let inner = Sha1::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    Sha1::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

/// A hashed host field for `name` with `salt` (20 bytes), as
/// `HashKnownHosts` writes it.
#[cfg(test)]
pub(crate) fn hash_name(name: &str, salt: &[u8]) -> String {
    format!(
        "|1|{}|{}",
        STANDARD.encode(salt),
        STANDARD.encode(hmac_sha1(salt, name.as_bytes()))
    )
}

/// OpenSSH's `match_pattern`: `*` any run, `?` any one byte.
fn wildcard(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == b'?' || c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

/// What the known hosts say about a presented key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Lookup<'a> {
    /// A host key entry for this host holds exactly this key.
    Known(&'a Entry),
    /// An `@revoked` entry covering this host holds this key.
    Revoked(&'a Entry),
    /// The host is known, with other keys only: this entry (of the
    /// presented key's type when there is one) is the offending one.
    Changed(&'a Entry),
    /// Nothing about this host, except possibly a CA for it.
    Unknown {
        /// An `@cert-authority` entry covering the host.
        ca: Option<&'a Entry>,
    },
}

/// Looks `key` up for `name` in `entries`, with OpenSSH's precedence:
/// revoked first, then a matching key, then a changed key.
pub(crate) fn lookup<'a>(entries: &'a [Entry], name: &str, key: &[u8]) -> Lookup<'a> {
    let covering = || entries.iter().filter(|e| host_matches(&e.hosts, name));
    if let Some(e) = covering().find(|e| e.marker == Marker::Revoked && e.key == key) {
        return Lookup::Revoked(e);
    }
    let mut plain = covering().filter(|e| e.marker == Marker::None);
    if let Some(e) = plain.clone().find(|e| e.key == key) {
        return Lookup::Known(e);
    }
    let kind = blob_type(key);
    if let Some(e) = plain.clone().find(|e| Some(e.key_type.as_str()) == kind) {
        return Lookup::Changed(e);
    }
    if let Some(e) = plain.next() {
        return Lookup::Changed(e);
    }
    Lookup::Unknown {
        ca: covering().find(|e| e.marker == Marker::CertAuthority),
    }
}

/// The host key algorithms libssh2 may negotiate, reordered as OpenSSH
/// does: first those of the key types known for `name` (so a host known
/// only by its ECDSA or RSA key presents that key), then the rest, in
/// `default` order. Certificate algorithms are left out: host
/// certificates are not verified here.
pub(crate) fn preferred_algorithms(entries: &[Entry], name: &str, default: &[&str]) -> String {
    let known: Vec<&str> = entries
        .iter()
        .filter(|e| e.marker == Marker::None && host_matches(&e.hosts, name))
        .map(|e| e.key_type.as_str())
        .collect();
    let algorithms = default.iter().copied().filter(|a| !a.contains("-cert-"));
    let (first, rest): (Vec<&str>, Vec<&str>) =
        algorithms.partition(|a| known.iter().any(|k| algorithm_key_type(a) == *k));
    let mut all = first;
    all.extend(rest);
    all.join(",")
}

/// The key type an algorithm signs with (`rsa-sha2-256` uses `ssh-rsa` keys).
fn algorithm_key_type(algorithm: &str) -> &str {
    match algorithm {
        "rsa-sha2-256" | "rsa-sha2-512" => "ssh-rsa",
        other => other,
    }
}

/// `SHA256:` fingerprint of a key blob, as OpenSSH prints it.
pub(crate) fn fingerprint(key: &[u8]) -> String {
    format!(
        "SHA256:{}",
        STANDARD_NO_PAD.encode(sha2::Sha256::digest(key))
    )
}

/// OpenSSH's short name of a key type (`ED25519`, `ECDSA`, `RSA`).
pub(crate) fn type_label(key_type: &str) -> &str {
    match key_type {
        "ssh-ed25519" => "ED25519",
        "ssh-rsa" => "RSA",
        "ssh-dss" => "DSA",
        t if t.starts_with("ecdsa-") => "ECDSA",
        t => t,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blob(kind: &str, body: &[u8]) -> Vec<u8> {
        let mut b = (kind.len() as u32).to_be_bytes().to_vec();
        b.extend_from_slice(kind.as_bytes());
        b.extend_from_slice(body);
        b
    }

    fn line(prefix: &str, kind: &str, body: &[u8]) -> String {
        format!(
            "{prefix} {kind} {} comment",
            STANDARD.encode(blob(kind, body))
        )
    }

    #[test]
    fn patterns_negation_ports_and_case() {
        assert!(host_matches("a.example,10.0.0.5", "10.0.0.5"));
        assert!(host_matches("*.Example.COM", "web1.example.com"));
        assert!(host_matches("web?", "web7"));
        assert!(!host_matches("web?", "web17"));
        assert!(!host_matches(
            "*.example.com,!bad.example.com",
            "bad.example.com"
        ));
        assert!(host_matches(
            "[10.0.0.5]:2222",
            &lookup_name("10.0.0.5", 2222)
        ));
        assert!(!host_matches("10.0.0.5", &lookup_name("10.0.0.5", 2222)));
        assert!(host_matches("[10.0.0.*]:2222", "[10.0.0.9]:2222"));
        assert!(host_matches("*", "[10.0.0.9]:2222"));
    }

    #[test]
    fn hashed_names_match_what_ssh_keygen_writes() {
        // `ssh-keygen -H` output for `127.0.0.7`, recorded.
        let hashed = "|1|oq+cJDURsml7zunr3rPQ49HvbF0=|OfmbQptR60GprMBeHJ9y+Z8eP6g=";
        assert!(host_matches(hashed, "[127.0.0.7]:2222"));
        assert!(!host_matches(hashed, "127.0.0.7"));
        let made = hash_name("10.1.2.3", &[7u8; 20]);
        assert!(host_matches(&made, "10.1.2.3"));
        assert!(!host_matches(&made, "10.1.2.4"));
        assert!(!host_matches("|1|garbage", "x"));
    }

    #[test]
    fn markers_and_bad_lines() {
        let text = [
            line("@revoked *", "ssh-ed25519", b"stolen"),
            line("@cert-authority *.corp", "ssh-ed25519", b"ca"),
            line("@bogus x", "ssh-ed25519", b"x"),
            "# comment".to_owned(),
            "host ssh-ed25519 !!!notbase64".to_owned(),
            format!(
                "host ssh-rsa {}",
                STANDARD.encode(blob("ssh-ed25519", b"k"))
            ),
            line("host", "ecdsa-sha2-nistp256", b"ok"),
        ]
        .join("\n");
        let entries = parse(&text, Path::new("kh"));
        let kinds: Vec<_> = entries.iter().map(|e| (e.marker, e.line)).collect();
        assert_eq!(
            kinds,
            [
                (Marker::Revoked, 1),
                (Marker::CertAuthority, 2),
                (Marker::None, 7)
            ]
        );
        assert_eq!(entries[2].location(), "kh:7");
    }

    #[test]
    fn lookup_precedence() {
        let ed = blob("ssh-ed25519", b"host-ed");
        let ec = blob("ecdsa-sha2-nistp256", b"host-ec");
        let text = [
            line("10.0.0.1", "ecdsa-sha2-nistp256", b"host-ec"),
            line("10.0.0.2", "ssh-ed25519", b"old-ed"),
            line("10.0.0.2", "ecdsa-sha2-nistp256", b"host-ec"),
            line("@revoked *", "ssh-ed25519", b"stolen"),
            line("@cert-authority 10.0.0.*", "ssh-ed25519", b"ca"),
        ]
        .join("\n");
        let e = parse(&text, Path::new("kh"));
        assert!(matches!(lookup(&e, "10.0.0.1", &ec), Lookup::Known(x) if x.line == 1));
        // Known by ECDSA only, presenting ED25519: changed, as OpenSSH says.
        assert!(matches!(lookup(&e, "10.0.0.1", &ed), Lookup::Changed(x) if x.line == 1));
        // The offending entry is the one of the presented type.
        assert!(matches!(lookup(&e, "10.0.0.2", &ed), Lookup::Changed(x) if x.line == 2));
        let stolen = blob("ssh-ed25519", b"stolen");
        assert!(matches!(lookup(&e, "10.0.0.1", &stolen), Lookup::Revoked(x) if x.line == 4));
        assert!(matches!(
            lookup(&e, "10.0.0.3", &ed),
            Lookup::Unknown { ca: Some(x) } if x.line == 5
        ));
        assert_eq!(lookup(&e, "10.9.0.3", &ed), Lookup::Unknown { ca: None });
    }

    #[test]
    fn algorithms_of_known_key_types_come_first() {
        let default = [
            "ssh-ed25519-cert-v01@openssh.com",
            "ssh-ed25519",
            "ecdsa-sha2-nistp256",
            "rsa-sha2-512",
            "rsa-sha2-256",
            "ssh-rsa",
        ];
        let e = parse(
            &[
                line("a", "ecdsa-sha2-nistp256", b"k"),
                line("b", "ssh-rsa", b"k"),
            ]
            .join("\n"),
            Path::new("kh"),
        );
        assert_eq!(
            preferred_algorithms(&e, "a", &default),
            "ecdsa-sha2-nistp256,ssh-ed25519,rsa-sha2-512,rsa-sha2-256,ssh-rsa"
        );
        assert_eq!(
            preferred_algorithms(&e, "b", &default),
            "rsa-sha2-512,rsa-sha2-256,ssh-rsa,ssh-ed25519,ecdsa-sha2-nistp256"
        );
        assert_eq!(
            preferred_algorithms(&e, "c", &default),
            "ssh-ed25519,ecdsa-sha2-nistp256,rsa-sha2-512,rsa-sha2-256,ssh-rsa"
        );
    }

    #[test]
    fn wildcards() {
        assert!(wildcard(b"*", b""));
        assert!(wildcard(b"a*b*c", b"aXXbYc"));
        assert!(!wildcard(b"a*b*c", b"aXXbY"));
        assert!(wildcard(b"**?", b"x"));
    }
}
