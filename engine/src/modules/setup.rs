//! `setup` (and its action `gather_facts`) as a task: the same facts the
//! play's implicit gathering reads, returned as the module's
//! `ansible_facts`, which the executor stores on the host they belong to
//! (the task's host, or the `delegate_to` host under `delegate_facts`).
//!
//! Supported: `filter` (Ansible's rule: each pattern is an `fnmatch` glob
//! over the fact names as `setup` returns them, `ansible_hostname`; a
//! pattern that does not start with `ansible_`, `facter` or `ohai` also
//! matches with `ansible_` put in front), `gather_subset` only as `all`
//! (facts are always gathered whole: a smaller subset would silently
//! return more than asked, so it fails the task), `gather_timeout`
//! (accepted: it bounds Ansible's slow collectors, such as mounts, which
//! the one short read-only script has no equivalent of), and `fact_path`,
//! where the local facts (`ansible_local`) are read as ansible-core reads
//! them (see `facts/local.rs`).

use super::args::{ArgError, ArgMap};
use super::context::ModuleContext;
use super::debvercmp::fnmatch;
use super::outcome::{ModuleError, Outcome};
use super::Module;
use crate::value::{Map, Value};

/// Ansible's default `fact_path`.
const FACT_PATH: &str = "/etc/ansible/facts.d";

/// Arguments of `setup`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetupArgs {
    /// `filter` patterns (empty: every fact).
    pub filter: Vec<String>,
    /// Where local facts are read (`None`: the default).
    pub fact_path: Option<String>,
}

/// The `setup` module.
pub struct SetupModule;

impl Module for SetupModule {
    type Args = SetupArgs;

    fn parse(args: &mut ArgMap) -> Result<SetupArgs, ArgError> {
        let filter = args.list(&["filter"])?.unwrap_or_default();
        if let Some(subset) = args.list(&["gather_subset"])? {
            if subset.iter().any(|s| s != "all") {
                return Err(ArgError::NotImplemented {
                    module: "setup".into(),
                    name: format!("gather_subset={}", subset.join(",")),
                });
            }
        }
        args.int(&["gather_timeout"])?;
        let fact_path = args.str(&["fact_path"])?.filter(|p| p != FACT_PATH);
        args.finish(&["filter", "gather_subset", "gather_timeout", "fact_path"])?;
        Ok(SetupArgs { filter, fact_path })
    }

    fn run(a: &SetupArgs, ctx: &mut ModuleContext<'_>) -> Result<Outcome, ModuleError> {
        let out = match &a.fact_path {
            None => ctx.remote.exec(crate::facts::gather_script(), None)?,
            Some(p) => ctx
                .remote
                .exec(&crate::facts::gather_script_with_fact_path(p), None)?,
        };
        ctx.commands += 1;
        if out.rc != 0 {
            return Ok(Outcome::failed(format!(
                "fact gathering failed (rc {}): {}",
                out.rc,
                out.stderr_str().trim()
            )));
        }
        let facts = match crate::facts::parse(&out.stdout) {
            Ok(f) => f,
            Err(e) => return Ok(Outcome::failed(format!("fact gathering failed: {e}"))),
        };
        let mut all = facts.to_vars();
        all.shift_remove("ansible_facts");
        Ok(crate::facts::outcome(&facts)
            .with("ansible_facts", Value::Map(filtered(all, &a.filter))))
    }
}

/// The `gather_facts` action: `setup`'s arguments (the action passes them
/// on) and its own `parallel`, which only matters with several fact
/// modules; here there is one.
pub struct GatherFactsModule;

impl Module for GatherFactsModule {
    type Args = SetupArgs;

    fn parse(args: &mut ArgMap) -> Result<SetupArgs, ArgError> {
        args.bool(&["parallel"])?;
        SetupModule::parse(args)
    }

    fn run(a: &SetupArgs, ctx: &mut ModuleContext<'_>) -> Result<Outcome, ModuleError> {
        SetupModule::run(a, ctx)
    }
}

/// Ansible's `AnsibleFactCollector._filter`: the facts whose names match
/// one of `patterns` (all of them when there is none or `*`), pattern by
/// pattern.
fn filtered(facts: Map, patterns: &[String]) -> Map {
    if patterns.is_empty() || patterns == ["*"] {
        return facts;
    }
    let mut found = Map::new();
    for p in patterns {
        let prefixed =
            (!p.starts_with("ansible_") && !p.starts_with("facter") && !p.starts_with("ohai"))
                .then(|| format!("ansible_{p}"));
        for (name, v) in &facts {
            let hit = p.is_empty()
                || fnmatch(name, p)
                || prefixed.as_deref().is_some_and(|g| fnmatch(name, g));
            if hit {
                found.insert(name.clone(), v.clone());
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> Map {
        let mut m = Map::new();
        for k in [
            "ansible_hostname",
            "ansible_distribution",
            "ansible_distribution_version",
            "gather_subset",
            "module_setup",
        ] {
            m.insert(k.into(), Value::Str(k.into()));
        }
        m
    }

    fn names(m: &Map) -> Vec<&str> {
        m.keys().map(String::as_str).collect()
    }

    #[test]
    fn filter_matches_as_ansible_filters() {
        assert_eq!(filtered(facts(), &[]).len(), 5);
        assert_eq!(filtered(facts(), &["*".into()]).len(), 5);
        let f = filtered(facts(), &["hostname".into()]);
        assert_eq!(names(&f), ["ansible_hostname"]);
        let f = filtered(facts(), &["ansible_distribution*".into()]);
        assert_eq!(
            names(&f),
            ["ansible_distribution", "ansible_distribution_version"]
        );
        // Pattern order first, then fact order; no metadata unless asked.
        let f = filtered(facts(), &["hostname".into(), "distribution".into()]);
        assert_eq!(names(&f), ["ansible_hostname", "ansible_distribution"]);
        let f = filtered(facts(), &["module_*".into()]);
        assert_eq!(names(&f), ["module_setup"]);
    }

    #[test]
    fn only_whole_gathering_is_accepted() {
        let parse = |m: Map| SetupModule::parse(&mut ArgMap::new(m));
        let mut m = Map::new();
        m.insert("gather_subset".into(), Value::List(vec!["all".into()]));
        m.insert("filter".into(), Value::Str("ansible_host*".into()));
        assert_eq!(
            parse(m).expect("parses").filter,
            vec!["ansible_host*".to_owned()]
        );
        let mut m = Map::new();
        m.insert("gather_subset".into(), Value::List(vec!["!all".into()]));
        assert!(matches!(parse(m), Err(ArgError::NotImplemented { .. })));
        let mut m = Map::new();
        m.insert("fact_path".into(), Value::Str("/srv/facts".into()));
        assert_eq!(
            parse(m).expect("parses").fact_path.as_deref(),
            Some("/srv/facts")
        );
    }
}
