//! [`FactsError`]: why a probe's output could not become facts.

/// The probe's output is not what the gather script prints.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FactsError {
    /// No section marker at all: the script did not run (a login banner or
    /// an error message came back instead).
    #[error("fact probe output has no sections; it starts with `{start}`")]
    NotProbeOutput {
        /// The first bytes of the output, lossily decoded.
        start: String,
    },
    /// The final `end` section is missing: the script stopped early.
    #[error("fact probe output is truncated after section `{last}`")]
    Truncated {
        /// The last section that arrived.
        last: String,
    },
    /// A section that every run prints is missing.
    #[error("fact probe output lacks the `{section}` section")]
    MissingSection {
        /// The section's name.
        section: &'static str,
    },
}
