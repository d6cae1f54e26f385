//! [`ConfigError`]: an `ansible.cfg`, `ANSIBLE_*` variable or flag that
//! stops the run before any host is touched.

use super::ini::IniError;
use super::Origin;
use crate::source::Span;

/// One problem with the settings.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ConfigError {
    /// The config file does not parse (Ansible: "Error reading config file").
    #[error("error reading config file: {0}")]
    Ini(#[from] IniError),
    /// The config file cannot be read, or is not an `.ini`/`.cfg` file.
    #[error("config file `{path}`: {message}")]
    File {
        /// The file.
        path: String,
        /// Why.
        message: String,
    },
    /// A value that does not convert to the setting's type, or is not one
    /// of its choices.
    #[error("{}: {} has an invalid value for `{setting}`: {reason}", origin.place(), origin.written())]
    Invalid {
        /// The setting (`DEFAULT_FORKS`, `connection/ssh: timeout`).
        setting: String,
        /// Where the value is written.
        origin: Box<Origin>,
        /// Why it is invalid.
        reason: String,
    },
    /// A setting konvoy-image does not do, set to something other than
    /// Ansible's default.
    #[error(
        "{}: {} is set to `{value}`, which konvoy-image does not support (`{setting}`): {reason}",
        origin.place(),
        origin.written()
    )]
    Unsupported {
        /// The setting.
        setting: String,
        /// Where it is set.
        origin: Box<Origin>,
        /// The value as written.
        value: String,
        /// Why it is not supported.
        reason: String,
    },
}

impl ConfigError {
    /// Where the problem is written, when it is in a file.
    pub fn span(&self) -> Option<&Span> {
        match self {
            ConfigError::Ini(e) => Some(e.span()),
            ConfigError::Invalid { origin, .. } | ConfigError::Unsupported { origin, .. } => {
                origin.span()
            }
            ConfigError::File { .. } => None,
        }
    }
}

/// Every problem found, in the order found (all are shown at once).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
pub struct ConfigErrors(pub Vec<ConfigError>);
