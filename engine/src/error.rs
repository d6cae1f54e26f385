//! [`Error`]: one variant per layer, each wrapping that layer's own error.

/// Any error the engine returns.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A YAML file did not load.
    #[error(transparent)]
    Yaml(#[from] crate::yaml::YamlError),
    /// An inventory did not load, or a host pattern did not resolve.
    #[error(transparent)]
    Inventory(#[from] crate::inventory::InventoryError),
}
