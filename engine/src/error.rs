//! [`Error`]: one variant per layer, each wrapping that layer's own error.

/// Any error the engine returns.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A YAML file did not load.
    #[error(transparent)]
    Yaml(#[from] crate::yaml::YamlError),
    /// A host's fact probe output could not be read.
    #[error(transparent)]
    Facts(#[from] crate::facts::FactsError),
}
