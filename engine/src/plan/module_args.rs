//! Module arguments for the static checks: each module's own parser run
//! on the arguments as written.

use crate::modules::{ArgError, ArgMap, ModuleName};
use crate::template::Templar;
use crate::yaml::{Node, NodeKind};

/// Whether `node` holds a template anywhere inside.
pub(super) fn has_template(node: &Node) -> bool {
    match &node.kind {
        NodeKind::Str(s) => Templar::is_template(s),
        NodeKind::Seq(items) => items.iter().any(has_template),
        NodeKind::Map(m) => m.iter().any(|(_, n)| has_template(n)),
        _ => false,
    }
}

/// Runs module `name`'s argument parser; `None` for actions the executor
/// handles itself (`debug`, `set_fact`, ...), whose arguments it checks.
pub(super) fn parse_args(name: ModuleName, args: ArgMap) -> Option<Result<(), ArgError>> {
    name.host_impl().map(|h| (h.check)(args))
}
