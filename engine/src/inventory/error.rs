//! [`InventoryError`]: why an inventory did not load or a pattern did not
//! resolve.
//!
//! Ansible itself only *warns* when a source fails to parse and goes on with
//! whatever it has (an empty inventory, in the worst case). We stop instead,
//! as Ansible does with `INVENTORY_ANY_UNPARSED_IS_FAILED=True`: a silently
//! empty inventory is how a provisioning run ends up touching no host, or the
//! wrong ones. Every input error carries the `file:line:column` it is about.

use crate::source::Span;
use crate::yaml::YamlError;

/// An inventory source, vars file or host pattern that could not be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum InventoryError {
    /// `-i` names a path that does not exist (and is not a `h1,h2,` list).
    #[error("{path}: inventory source not found: expected a file, a directory or a comma-separated host list")]
    SourceNotFound {
        /// The source as given.
        path: String,
    },
    /// A file or directory exists but could not be read.
    #[error("{span}: cannot read: {message}")]
    Unreadable {
        /// The file.
        span: Span,
        /// The OS error.
        message: String,
    },
    /// A YAML inventory or vars file is not valid YAML.
    #[error(transparent)]
    Yaml(#[from] YamlError),
    /// An INI file is not valid INI inventory syntax (and not YAML either).
    #[error("{span}: {expected}, found `{found}`")]
    IniSyntax {
        /// The offending line.
        span: Span,
        /// What the parser wanted there.
        expected: &'static str,
        /// What it found.
        found: String,
    },
    /// `[name:kind]` with a kind other than `vars` or `children`.
    #[error(
        "{span}: section `[{group}:{kind}]` has an unknown type: expected `vars` or `children`"
    )]
    UnknownSectionType {
        /// The section header.
        span: Span,
        /// The group named in it.
        group: String,
        /// The unknown kind.
        kind: String,
    },
    /// A `[name:vars]` section for a group that is never defined.
    #[error("{span}: section `[{group}:vars]` is for a group that is never defined: expected a `[{group}]` or `[{group}:children]` section")]
    VarsForUndefinedGroup {
        /// The section header.
        span: Span,
        /// The group.
        group: String,
    },
    /// A `[parent:children]` entry that names a group never defined.
    #[error("{span}: section `[{parent}:children]` includes undefined group `{child}`: expected a `[{child}]` section")]
    UndefinedChildGroup {
        /// The child line.
        span: Span,
        /// The parent group.
        parent: String,
        /// The undefined child.
        child: String,
    },
    /// A host pattern Ansible refuses (`host:` with no port, `---`, ...).
    #[error("{span}: invalid host pattern `{pattern}`: {expected}")]
    InvalidHostPattern {
        /// Where.
        span: Span,
        /// The pattern.
        pattern: String,
        /// What a valid one looks like.
        expected: &'static str,
    },
    /// A `[beg:end(:step)]` range that cannot be expanded.
    #[error("{span}: bad host range in `{pattern}`: {expected}")]
    BadRange {
        /// Where.
        span: Span,
        /// The host pattern.
        pattern: String,
        /// What the range must look like.
        expected: &'static str,
    },
    /// Adding a child group would make a group its own ancestor.
    #[error("{span}: adding group `{child}` to `{parent}` creates a loop: expected a group that is not its own ancestor")]
    GroupCycle {
        /// Where the child was added.
        span: Span,
        /// The parent.
        parent: String,
        /// The child.
        child: String,
    },
    /// `ansible_group_priority` that is not an integer.
    #[error(
        "{span}: `ansible_group_priority` of group `{group}` must be an integer, found `{found}`"
    )]
    BadGroupPriority {
        /// Where.
        span: Span,
        /// The group.
        group: String,
        /// The value as given.
        found: String,
    },
    /// A YAML inventory whose structure is not what the YAML plugin takes.
    #[error("{span}: {expected}, found {found}")]
    YamlShape {
        /// The node.
        span: Span,
        /// What the plugin wanted.
        expected: &'static str,
        /// What it found (a type name or a value in backticks).
        found: String,
    },
    /// A source format this engine does not read (`.toml`, plugin configs).
    #[error("{span}: unsupported inventory source: {what}")]
    UnsupportedSource {
        /// The file.
        span: Span,
        /// Which kind.
        what: &'static str,
    },
    /// A `group_vars`/`host_vars` file whose top level is not a mapping.
    #[error("{span}: vars file must hold a mapping, found {found}")]
    VarsNotMapping {
        /// The file.
        span: Span,
        /// The YAML type found.
        found: &'static str,
    },
    /// A host pattern (`hosts:`, `--limit`) that does not compile.
    #[error("invalid host pattern `{pattern}`: {expected}")]
    BadPattern {
        /// The pattern.
        pattern: String,
        /// What was expected.
        expected: String,
    },
    /// `group[N]` past the end of the group.
    #[error("no hosts matched the subscripted pattern `{pattern}`")]
    SubscriptOutOfRange {
        /// The pattern.
        pattern: String,
    },
    /// `--limit @file` naming a file that cannot be read.
    #[error("{path}: cannot read limit file: {message}")]
    LimitFile {
        /// The file.
        path: String,
        /// Why.
        message: String,
    },
    /// A connection variable with a value of the wrong shape.
    #[error("host `{host}`: `{var}` must be {expected}, found `{found}`")]
    BadConnectionVar {
        /// The host.
        host: String,
        /// The variable.
        var: &'static str,
        /// What it must be.
        expected: &'static str,
        /// What it was.
        found: String,
    },
}
