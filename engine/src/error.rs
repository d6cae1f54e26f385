//! [`Error`]: one variant per layer, each wrapping that layer's own error.

/// Any error the engine returns.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A YAML file did not load.
    #[error(transparent)]
    Yaml(#[from] crate::yaml::YamlError),
    /// A playbook, task file or role did not parse (every problem found).
    #[error(transparent)]
    Playbook(#[from] crate::playbook::PlaybookErrors),
}
