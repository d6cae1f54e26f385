//! The table of module names: the only place a name maps to a module.

/// Every module the engine implements, plus the actions the executor
/// handles itself (includes, `set_fact`, `meta`, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum ModuleName {
    Command,
    Shell,
    Raw,
    Script,
    File,
    Copy,
    Template,
    Lineinfile,
    Blockinfile,
    Replace,
    Stat,
    Find,
    GetUrl,
    Unarchive,
    Yum,
    Dnf,
    Package,
    YumRepository,
    RpmKey,
    Service,
    Systemd,
    Modprobe,
    Sysctl,
    SetFact,
    Debug,
    Assert,
    Fail,
    IncludeVars,
    WaitFor,
    Meta,
    Pause,
    Setup,
    Ping,
    ValidateArgumentSpec,
}

const TABLE: &[(&str, ModuleName)] = &[
    ("command", ModuleName::Command),
    ("shell", ModuleName::Shell),
    ("raw", ModuleName::Raw),
    ("script", ModuleName::Script),
    ("file", ModuleName::File),
    ("copy", ModuleName::Copy),
    ("template", ModuleName::Template),
    ("lineinfile", ModuleName::Lineinfile),
    ("blockinfile", ModuleName::Blockinfile),
    ("replace", ModuleName::Replace),
    ("stat", ModuleName::Stat),
    ("find", ModuleName::Find),
    ("get_url", ModuleName::GetUrl),
    ("unarchive", ModuleName::Unarchive),
    ("yum", ModuleName::Yum),
    ("dnf", ModuleName::Dnf),
    ("package", ModuleName::Package),
    ("yum_repository", ModuleName::YumRepository),
    ("rpm_key", ModuleName::RpmKey),
    ("service", ModuleName::Service),
    ("systemd", ModuleName::Systemd),
    ("systemd_service", ModuleName::Systemd),
    ("modprobe", ModuleName::Modprobe),
    ("sysctl", ModuleName::Sysctl),
    ("set_fact", ModuleName::SetFact),
    ("debug", ModuleName::Debug),
    ("assert", ModuleName::Assert),
    ("fail", ModuleName::Fail),
    ("include_vars", ModuleName::IncludeVars),
    ("wait_for", ModuleName::WaitFor),
    ("meta", ModuleName::Meta),
    ("pause", ModuleName::Pause),
    ("setup", ModuleName::Setup),
    ("gather_facts", ModuleName::Setup),
    ("ping", ModuleName::Ping),
    ("validate_argument_spec", ModuleName::ValidateArgumentSpec),
];

/// Collections whose modules map onto ours (`ansible.builtin.copy`,
/// `community.general.modprobe`, `ansible.posix.sysctl`, ...).
const PREFIXES: &[&str] = &[
    "ansible.builtin.",
    "ansible.legacy.",
    "community.general.",
    "ansible.posix.",
];

impl ModuleName {
    /// Finds a module by the name a task uses, FQCN or short.
    pub fn lookup(name: &str) -> Option<ModuleName> {
        let short = PREFIXES
            .iter()
            .find_map(|p| name.strip_prefix(p))
            .unwrap_or(name);
        TABLE.iter().find(|(n, _)| *n == short).map(|(_, m)| *m)
    }

    /// The short Ansible name.
    pub fn as_str(self) -> &'static str {
        TABLE
            .iter()
            .find(|(_, m)| *m == self)
            .map(|(n, _)| *n)
            .unwrap_or("unknown")
    }

    /// Every short name, for "did you mean" hints.
    pub fn all_names() -> impl Iterator<Item = &'static str> {
        TABLE.iter().map(|(n, _)| *n)
    }

    /// The closest known name to an unknown one (edit distance ≤ 3).
    pub fn suggest(name: &str) -> Option<&'static str> {
        let short = name.rsplit('.').next().unwrap_or(name);
        ModuleName::all_names()
            .map(|n| (distance(short, n), n))
            .filter(|(d, _)| *d <= 3)
            .min_by_key(|(d, _)| *d)
            .map(|(_, n)| n)
    }
}

/// Levenshtein distance, for "did you mean" hints.
pub(crate) fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fqcn_and_short_names_resolve() {
        assert_eq!(
            ModuleName::lookup("ansible.builtin.copy"),
            Some(ModuleName::Copy)
        );
        assert_eq!(ModuleName::lookup("copy"), Some(ModuleName::Copy));
        assert_eq!(
            ModuleName::lookup("community.general.modprobe"),
            Some(ModuleName::Modprobe)
        );
        assert_eq!(ModuleName::lookup("apt"), None);
        assert_eq!(
            ModuleName::suggest("ansible.builtin.sysctll"),
            Some("sysctl")
        );
    }
}
