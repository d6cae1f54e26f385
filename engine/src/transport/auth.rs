//! Authentication: key files (ed25519, RSA, ECDSA; encrypted ones with the
//! passphrase from [`ConnectOptions::key_passphrase`]), the ssh-agent, and
//! passwords, in OpenSSH's order (public key before password).
//!
//! When everything fails the error lists what was tried (methods and key
//! paths, never a secret), which is what a user needs to fix a wrong key
//! or user.

use super::spec::ConnectionSpec;
use super::{AgentUse, ConnectOptions, TransportError};
use ssh2::Session;
use std::path::Path;

/// Authenticates `user` on `session` and names the method that worked
/// (shown at `-vvvv`), or explains why none did.
pub(crate) fn authenticate(
    session: &Session,
    spec: &ConnectionSpec,
    opts: &ConnectOptions,
    user: &str,
    allow_password: bool,
) -> Result<String, TransportError> {
    let mut tried: Vec<String> = Vec::new();
    // Asking for the methods also tries the `none` method.
    let offered = match session.auth_methods(user) {
        Ok(methods) => methods.to_owned(),
        Err(_) if session.authenticated() => return Ok("none".to_owned()),
        Err(e) => {
            return Err(TransportError::Connection {
                host: spec.name.clone(),
                stage: "authentication",
                source: e.into(),
            })
        }
    };
    let offers = |m: &str| offered.split(',').any(|o| o == m);
    let passphrase = opts.key_passphrase.as_ref().map(|p| p.expose());

    if offers("publickey") {
        let keys: Vec<&Path> = match &spec.private_key_file {
            Some(key) => vec![key.as_path()],
            None => opts
                .default_identities
                .iter()
                .map(|p| p.as_path())
                .filter(|p| p.exists())
                .collect(),
        };
        for key in keys {
            if !key.exists() {
                tried.push(format!("key `{}` (file not found)", key.display()));
                continue;
            }
            // libssh2 reports any failure to read the key as "cannot be
            // read or decrypted": a controller out of descriptors would
            // look like a wrong passphrase. Opening it first keeps that
            // cause (retried by `ssh::open`, named if it persists).
            if let Err(source) = std::fs::File::open(key) {
                if matches!(source.raw_os_error(), Some(libc::EMFILE | libc::ENFILE)) {
                    return Err(TransportError::Unreachable {
                        host: spec.name.clone(),
                        address: format!("{}:{}", spec.address, spec.port),
                        source,
                    });
                }
            }
            match session.userauth_pubkey_file(user, None, key, passphrase) {
                Ok(()) if session.authenticated() => {
                    return Ok(format!("publickey, key `{}`", key.display()))
                }
                Ok(()) => tried.push(format!("key `{}`", key.display())),
                Err(e) => tried.push(format!("key `{}` ({})", key.display(), key_failure(&e))),
            }
        }
        if let AgentUse::Socket(socket) = &opts.agent {
            match agent_auth(session, user, socket) {
                Ok(true) => return Ok(format!("publickey, ssh-agent `{}`", socket.display())),
                Ok(false) => tried.push(format!(
                    "ssh-agent `{}` (no key accepted)",
                    socket.display()
                )),
                Err(e) => tried.push(format!(
                    "ssh-agent `{}` ({})",
                    socket.display(),
                    e.message()
                )),
            }
        }
    }
    if let Some(password) = &spec.password {
        if !allow_password {
            tried.push("password (disabled: the host key is not trusted)".to_owned());
        } else if offers("password") {
            match session.userauth_password(user, password.expose()) {
                Ok(()) if session.authenticated() => return Ok("password".to_owned()),
                _ => tried.push("password".to_owned()),
            }
        } else {
            tried.push("password (not offered by the server)".to_owned());
        }
    }
    if tried.is_empty() {
        tried.push(format!(
            "nothing: no key file or password; server offers `{offered}`"
        ));
    }
    Err(TransportError::Auth {
        host: spec.name.clone(),
        user: user.to_owned(),
        tried: tried.join(", "),
    })
}

/// Offers every identity of the agent at `socket`; true once one works.
fn agent_auth(session: &Session, user: &str, socket: &Path) -> Result<bool, ssh2::Error> {
    let mut agent = session.agent()?;
    agent.set_identity_path(socket)?;
    agent.connect()?;
    agent.list_identities()?;
    for identity in agent.identities()? {
        if agent.userauth(user, &identity).is_ok() && session.authenticated() {
            let _ = agent.disconnect();
            return Ok(true);
        }
    }
    let _ = agent.disconnect();
    Ok(false)
}

/// Why a key did not work, in words a user can act on.
fn key_failure(e: &ssh2::Error) -> &str {
    match e.code() {
        // LIBSSH2_ERROR_AUTHENTICATION_FAILED, LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED
        ssh2::ErrorCode::Session(-18) | ssh2::ErrorCode::Session(-19) => "refused by the server",
        // LIBSSH2_ERROR_FILE: unreadable, or encrypted with another passphrase
        ssh2::ErrorCode::Session(-16) => "cannot be read or decrypted; check the passphrase",
        _ => e.message(),
    }
}
