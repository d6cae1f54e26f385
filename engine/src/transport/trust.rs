//! Whether to trust the key a host presented, with Ansible's meaning of
//! `host_key_checking` and OpenSSH's behaviour for each case (measured
//! against OpenSSH 9.2):
//!
//! | known_hosts says | strict | accept-new | off |
//! | --- | --- | --- | --- |
//! | this key | connect | connect | connect |
//! | `@revoked` this key | refuse | refuse | warn, no password auth |
//! | other keys for the host | refuse (changed) | refuse (changed) | warn, no password auth |
//! | nothing | refuse | record, warn | record, warn |
//!
//! Before the handshake, [`prepare`] orders the host key algorithms so the
//! host presents a key of a type `known_hosts` holds for it, as OpenSSH
//! does: a host known only by its ECDSA or RSA key is not mistaken for a
//! changed one. Host certificates are not verified: a host trusted only
//! through `@cert-authority` is refused with that reason.

use super::known_hosts::{self, Entry, Lookup};
use super::spec::{ConnectionSpec, HostKeyChecking};
use super::{ConnectOptions, TransportError};
use base64::Engine;
use ssh2::{MethodType, Session};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::Path;
use std::sync::Mutex;

/// Serialises appends from the threads of one run (one line per write).
static APPEND: Mutex<()> = Mutex::new(());

/// The outcome of a check that let the connection go on.
#[derive(Debug, Default)]
pub(crate) struct Trust {
    /// Messages for the operator (a changed or revoked key accepted with
    /// checking off, a key recorded).
    pub(crate) warnings: Vec<String>,
    /// False after a changed or revoked key was accepted: as OpenSSH,
    /// never send a password to a host that may be an impostor.
    pub(crate) allow_password: bool,
}

/// The known_hosts entries for this host's connection: the spec's own file
/// (`UserKnownHostsFile`) when it names one, else the run's. Missing files
/// hold nothing; an unreadable one is an error unless checking is off.
pub(crate) fn load(
    spec: &ConnectionSpec,
    opts: &ConnectOptions,
) -> Result<Vec<Entry>, TransportError> {
    let mut entries = Vec::new();
    for path in files(spec, opts) {
        match std::fs::read(path) {
            Ok(bytes) => entries.extend(known_hosts::parse(&String::from_utf8_lossy(&bytes), path)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(_) if spec.host_key_checking == HostKeyChecking::Off => {}
            Err(source) => {
                return Err(TransportError::KnownHostsFile {
                    host: spec.name.clone(),
                    path: path.to_path_buf(),
                    source,
                })
            }
        }
    }
    Ok(entries)
}

/// Orders the host key algorithms of `session` (before its handshake).
pub(crate) fn prepare(session: &Session, spec: &ConnectionSpec, entries: &[Entry]) {
    let Ok(supported) = session.supported_algs(MethodType::HostKey) else {
        return;
    };
    let name = known_hosts::lookup_name(&spec.address, spec.port);
    let prefs = known_hosts::preferred_algorithms(entries, &name, &supported);
    // Failing to set a preference keeps libssh2's default order.
    let _ = session.method_pref(MethodType::HostKey, &prefs);
}

/// Checks the key `session` was offered (after its handshake).
pub(crate) fn verify(
    session: &Session,
    spec: &ConnectionSpec,
    opts: &ConnectOptions,
    entries: &[Entry],
) -> Result<Trust, TransportError> {
    let Some((key, _)) = session.host_key() else {
        return Err(TransportError::UnknownHostKey {
            host: spec.name.clone(),
            fingerprint: String::new(),
            ca: None,
        });
    };
    let name = known_hosts::lookup_name(&spec.address, spec.port);
    let fingerprint = bare(&known_hosts::fingerprint(key));
    let label = known_hosts::type_label(known_hosts::blob_type(key).unwrap_or("?")).to_owned();
    let off = spec.host_key_checking == HostKeyChecking::Off;
    let mut trust = Trust {
        warnings: Vec::new(),
        allow_password: true,
    };
    match known_hosts::lookup(entries, &name, key) {
        Lookup::Known(_) => {}
        Lookup::Revoked(entry) => {
            let what = format!(
                "The {label} host key for {name} is marked as revoked ({}). This could mean \
                 that a stolen key is being used to impersonate this host.",
                entry.location()
            );
            if !off {
                return Err(TransportError::HostKeyRevoked {
                    host: spec.name.clone(),
                    detail: what,
                });
            }
            trust.allow_password = false;
            trust.warnings.push(format!(
                "REVOKED HOST KEY DETECTED for `{}`! {what} host_key_checking is off: \
                 connecting anyway, password authentication is disabled.",
                spec.name
            ));
        }
        Lookup::Changed(entry) => {
            let known = format!(
                "{} {} at {}",
                known_hosts::type_label(&entry.key_type),
                known_hosts::fingerprint(&entry.key),
                entry.location()
            );
            if !off {
                return Err(TransportError::HostKeyMismatch {
                    host: spec.name.clone(),
                    fingerprint,
                    key_type: label,
                    known,
                });
            }
            trust.allow_password = false;
            trust.warnings.push(format!(
                "REMOTE HOST IDENTIFICATION HAS CHANGED for `{}` ({name})! It presented {label} \
                 SHA256:{fingerprint}; known_hosts has {known}. host_key_checking is off: \
                 connecting anyway, password authentication is disabled.",
                spec.name
            ));
        }
        Lookup::Unknown { ca } => {
            if spec.host_key_checking == HostKeyChecking::Strict {
                return Err(TransportError::UnknownHostKey {
                    host: spec.name.clone(),
                    fingerprint,
                    ca: ca.map(Entry::location),
                });
            }
            trust.warnings.push(record(spec, opts, &name, key, &label));
        }
    }
    Ok(trust)
}

/// `SHA256:abc` without its prefix (the error types keep the bare form).
fn bare(fingerprint: &str) -> String {
    fingerprint.trim_start_matches("SHA256:").to_owned()
}

/// Appends the key to the first known_hosts file, creating its directory
/// (0700) and the file (0600) when missing; returns the message to show.
/// A failure to write is reported, not fatal, as with OpenSSH.
fn record(
    spec: &ConnectionSpec,
    opts: &ConnectOptions,
    name: &str,
    key: &[u8],
    label: &str,
) -> String {
    let Some(path) = files(spec, opts).first().copied() else {
        return format!(
            "`{}` ({label}) is not recorded: no known_hosts file",
            spec.name
        );
    };
    if path == Path::new("/dev/null") {
        return format!(
            "`{}` ({label}) is not recorded: known_hosts is /dev/null",
            spec.name
        );
    }
    let Some(kind) = known_hosts::blob_type(key) else {
        return format!(
            "`{}`: its host key has no type and is not recorded",
            spec.name
        );
    };
    let line = format!(
        "{name} {kind} {}\n",
        base64::engine::general_purpose::STANDARD.encode(key)
    );
    let _guard = APPEND.lock().unwrap_or_else(|p| p.into_inner());
    let written = (|| {
        if let Some(dir) = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty() && !d.exists())
        {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)?;
        }
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)?
            .write_all(line.as_bytes())
    })();
    match written {
        Ok(()) => format!(
            "Permanently added '{name}' ({label}) to the list of known hosts ({}).",
            path.display()
        ),
        Err(e) => format!(
            "Failed to add the host to the list of known hosts ({}): {e}.",
            path.display()
        ),
    }
}

/// The known_hosts files for this host.
fn files<'a>(spec: &'a ConnectionSpec, opts: &'a ConnectOptions) -> Vec<&'a Path> {
    match &spec.known_hosts_file {
        Some(f) => vec![f.as_path()],
        None => opts.known_hosts.iter().map(|p| p.as_path()).collect(),
    }
}
