//! Module arguments for the static checks: each module's own parser run
//! on the arguments as written.

use crate::modules::{self, ArgError, ArgMap, ModuleName};
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
pub(super) fn parse_args(name: ModuleName, mut args: ArgMap) -> Option<Result<(), ArgError>> {
    fn p<M: Module>(args: &mut ArgMap) -> Result<(), ArgError> {
        M::parse(args).map(drop)
    }
    use modules::*;
    let a = &mut args;
    Some(match name {
        ModuleName::Command => p::<command::CommandModule>(a),
        ModuleName::Shell => p::<command::ShellModule>(a),
        ModuleName::Raw => p::<command::RawModule>(a),
        ModuleName::File => p::<file::FileModule>(a),
        ModuleName::Copy => p::<copy::CopyModule>(a),
        ModuleName::Template => p::<template::TemplateModule>(a),
        ModuleName::Lineinfile => p::<lineinfile::LineinfileModule>(a),
        ModuleName::Blockinfile => p::<blockinfile::BlockinfileModule>(a),
        ModuleName::Replace => p::<replace::ReplaceModule>(a),
        ModuleName::Stat => p::<stat::StatModule>(a),
        ModuleName::Find => p::<find::FindModule>(a),
        ModuleName::GetUrl => p::<get_url::GetUrlModule>(a),
        ModuleName::Unarchive => p::<unarchive::UnarchiveModule>(a),
        ModuleName::Script => p::<script::ScriptModule>(a),
        ModuleName::WaitFor => p::<wait_for::WaitForModule>(a),
        ModuleName::Sysctl => p::<sysctl::SysctlModule>(a),
        ModuleName::Modprobe => p::<modprobe::ModprobeModule>(a),
        ModuleName::Service | ModuleName::Systemd => p::<service::ServiceModule>(a),
        ModuleName::Yum | ModuleName::Dnf | ModuleName::Package => p::<yum::YumModule>(a),
        ModuleName::YumRepository => p::<yum_repository::YumRepositoryModule>(a),
        ModuleName::RpmKey => p::<rpm_key::RpmKeyModule>(a),
        _ => return None,
    })
}
