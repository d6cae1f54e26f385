//! Host key checking with Ansible's meaning of `host_key_checking`:
//! strict (default: the key must be known), accept-new (record unknown
//! keys, refuse changed ones) and off.
//!
//! Each `known_hosts` line is handed to libssh2 on its own, so one line it
//! cannot parse (`@cert-authority`, a security-key type) does not make the
//! whole file unusable. libssh2 matches hashed (`|1|`) entries and
//! `[host]:port` for non-default ports.

use super::spec::{ConnectionSpec, HostKeyChecking};
use super::{ConnectOptions, TransportError};
use base64::Engine;
use ssh2::{CheckResult, HashType, HostKeyType, KnownHostFileKind, Session};
use std::io::Write;
use std::sync::Mutex;

/// Serialises appends from the threads of one run (one line per write).
static APPEND: Mutex<()> = Mutex::new(());

/// Checks the key `session` was offered against the known hosts.
pub(crate) fn verify(
    session: &Session,
    spec: &ConnectionSpec,
    opts: &ConnectOptions,
) -> Result<(), TransportError> {
    if spec.host_key_checking == HostKeyChecking::Off {
        return Ok(());
    }
    let fingerprint = fingerprint(session);
    let Some((key, kind)) = session.host_key() else {
        return Err(TransportError::UnknownHostKey {
            host: spec.name.clone(),
            fingerprint,
        });
    };
    let mut known = session
        .known_hosts()
        .map_err(|e| TransportError::Connection {
            host: spec.name.clone(),
            stage: "host key check",
            source: e.into(),
        })?;
    for path in files(spec, opts) {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(source) => {
                return Err(TransportError::KnownHostsFile {
                    host: spec.name.clone(),
                    path: path.to_path_buf(),
                    source,
                })
            }
        };
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with('@') {
                continue;
            }
            // A line libssh2 cannot parse is ignored, as OpenSSH ignores it.
            let _ = known.read_str(line, KnownHostFileKind::OpenSSH);
        }
    }
    match known.check_port(&spec.address, spec.port, key) {
        CheckResult::Match => Ok(()),
        CheckResult::Mismatch => Err(TransportError::HostKeyMismatch {
            host: spec.name.clone(),
            fingerprint,
        }),
        CheckResult::NotFound | CheckResult::Failure => match spec.host_key_checking {
            HostKeyChecking::AcceptNew => record(spec, opts, key, kind),
            _ => Err(TransportError::UnknownHostKey {
                host: spec.name.clone(),
                fingerprint,
            }),
        },
    }
}

/// `SHA256:` fingerprint as OpenSSH prints it (unpadded base64), without
/// the prefix.
pub(crate) fn fingerprint(session: &Session) -> String {
    session
        .host_key_hash(HashType::Sha256)
        .map(|h| base64::engine::general_purpose::STANDARD_NO_PAD.encode(h))
        .unwrap_or_default()
}

/// Appends the key to the first known_hosts file (accept-new).
fn record(
    spec: &ConnectionSpec,
    opts: &ConnectOptions,
    key: &[u8],
    kind: HostKeyType,
) -> Result<(), TransportError> {
    let Some(path) = files(spec, opts).first().copied() else {
        return Ok(());
    };
    if path == std::path::Path::new("/dev/null") {
        return Ok(());
    }
    let name = if spec.port == 22 {
        spec.address.clone()
    } else {
        format!("[{}]:{}", spec.address, spec.port)
    };
    let type_name = match kind {
        HostKeyType::Rsa => "ssh-rsa",
        HostKeyType::Dss => "ssh-dss",
        HostKeyType::Ecdsa256 => "ecdsa-sha2-nistp256",
        HostKeyType::Ecdsa384 => "ecdsa-sha2-nistp384",
        HostKeyType::Ecdsa521 => "ecdsa-sha2-nistp521",
        HostKeyType::Ed25519 => "ssh-ed25519",
        HostKeyType::Unknown => return Ok(()),
    };
    let line = format!(
        "{name} {type_name} {}\n",
        base64::engine::general_purpose::STANDARD.encode(key)
    );
    let _guard = APPEND.lock().unwrap_or_else(|p| p.into_inner());
    let file_err = |source| TransportError::KnownHostsFile {
        host: spec.name.clone(),
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(file_err)?;
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(file_err)?;
    file.write_all(line.as_bytes()).map_err(file_err)
}

/// The known_hosts files for this host: the spec's own
/// (`UserKnownHostsFile`) when it names one, else the run's.
fn files<'a>(spec: &'a ConnectionSpec, opts: &'a ConnectOptions) -> Vec<&'a std::path::Path> {
    match &spec.known_hosts_file {
        Some(f) => vec![f.as_path()],
        None => opts.known_hosts.iter().map(|p| p.as_path()).collect(),
    }
}
