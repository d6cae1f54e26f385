//! [`Error`]: one variant per layer, each wrapping that layer's own error.

/// Any error the engine returns.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A YAML file did not load.
    #[error(transparent)]
    Yaml(#[from] crate::yaml::YamlError),
    /// Reaching a host, running a command or moving a file failed.
    #[error(transparent)]
    Transport(#[from] crate::transport::TransportError),
    /// A template failed to render or a conditional to evaluate.
    #[error(transparent)]
    Template(#[from] crate::template::TemplateError),
}
