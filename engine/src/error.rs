//! [`Error`]: one variant per layer, each wrapping that layer's own error.

/// Any error the engine returns.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `ansible.cfg`, an `ANSIBLE_*` variable or a flag stops the run.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigErrors),
    /// A YAML file did not load.
    #[error(transparent)]
    Yaml(#[from] crate::yaml::YamlError),
    /// An inventory did not load.
    #[error(transparent)]
    Inventory(#[from] crate::inventory::InventoryError),
    /// A playbook did not parse.
    #[error(transparent)]
    Playbook(#[from] crate::playbook::PlaybookErrors),
    /// A playbook did not compile.
    #[error(transparent)]
    Plan(#[from] crate::plan::PlanErrors),
    /// An image or override file did not load.
    #[error(transparent)]
    Image(#[from] crate::image::ImageError),
    /// Keys of image or override files that are refused.
    #[error(transparent)]
    Images(#[from] crate::image::ImageErrors),
    /// The run could not start or stopped as a whole.
    #[error(transparent)]
    Run(#[from] crate::run::RunError),
    /// Reaching a host, running a command or moving a file failed.
    #[error(transparent)]
    Transport(#[from] crate::transport::TransportError),
    /// A template failed to render or a conditional to evaluate.
    #[error(transparent)]
    Template(#[from] crate::template::TemplateError),
    /// A host's fact probe output could not be read.
    #[error(transparent)]
    Facts(#[from] crate::facts::FactsError),
}
