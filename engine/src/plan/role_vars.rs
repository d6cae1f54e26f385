//! A role's variables as ansible-core's `Role.get_vars` assembles them.
//!
//! For a task of role R whose dependency chain (the roles above it) is
//! P1..Pn: each parent's `vars/main` (outermost first), then the
//! variables R's dependencies export (each dependency's own exports, then
//! its `vars/main`, in run order), then R's `vars/main`. A play's
//! `roles:` are public, so their exports (the same without the chain)
//! are visible to every task of the play, above `vars_files`
//! (`VariableManager.get_vars`: "all exported vars from all roles in the
//! play"). `private_role_vars` is refused by the config table.

use crate::playbook::Role;
use crate::value::{Map, Value};

/// `vars/main` as a mapping (a bad one is reported where the role's own
/// context is built; here it contributes nothing).
pub(super) fn own(role: &Role) -> Map {
    match role.vars.as_ref().map(crate::yaml::Node::to_value) {
        Some(Value::Map(m)) => m,
        _ => Map::new(),
    }
}

/// What `role` exports (`get_vars(only_exports=True)` without a chain):
/// its dependencies' exports, then its own `vars/main`.
pub(super) fn exports(role: &Role) -> Map {
    let mut m = Map::new();
    for d in &role.dependencies {
        m.extend(exports(&d.role));
    }
    m.extend(own(role));
    m
}

#[cfg(test)]
mod tests {
    use crate::plan::{RoleCtx, Step};
    use crate::value::Value;
    use std::sync::Arc;

    fn s(v: &str) -> Value {
        Value::Str(v.into())
    }

    /// ansible-core's own `var_precedence` layout in small: a parent
    /// with three dependencies, the first with one of its own.
    #[test]
    fn dependencies_export_and_parents_pass_down_their_vars() {
        let d = tempfile::tempdir().unwrap();
        let role = |name: &str, vars: &str, meta: Option<&str>| {
            let r = d.path().join("roles").join(name);
            std::fs::create_dir_all(r.join("vars")).unwrap();
            std::fs::create_dir_all(r.join("tasks")).unwrap();
            std::fs::write(r.join("vars/main.yml"), vars).unwrap();
            let show =
                "- debug: msg=\"{{ v }} {{ p | default('') }} {{ only_top | default('') }}\"\n";
            std::fs::write(r.join("tasks/main.yml"), show).unwrap();
            if let Some(m) = meta {
                std::fs::create_dir_all(r.join("meta")).unwrap();
                std::fs::write(r.join("meta/main.yml"), m).unwrap();
            }
        };
        role("dep", "v: dep\n", None);
        role(
            "one",
            "v: one\nonly_top: one\n",
            Some("dependencies: [dep]\n"),
        );
        role("two", "v: two\n", None);
        role(
            "top",
            "only_top: top\n",
            Some("dependencies:\n  - {role: one, p: p1}\n  - two\n"),
        );
        std::fs::write(
            d.path().join("site.yml"),
            "- hosts: all\n  vars: {v: play}\n  roles: [{role: top, p: top}]\n  tasks: [{debug: }]\n",
        )
        .unwrap();
        let pb = crate::playbook::load_playbook(&d.path().join("site.yml")).unwrap();
        let plan = crate::plan::compile(&pb).unwrap();
        let play = &plan.plays[0];
        // The play's roles export `two`'s value (the last) to every task.
        assert_eq!(play.vars.get("v"), Some(&s("two")));
        fn roles(steps: &[Step], out: &mut Vec<Arc<RoleCtx>>) {
            for st in steps {
                match st {
                    Step::Task(t) => out.extend(t.role.clone()),
                    Step::Block(b) => {
                        for l in [&b.block, &b.rescue, &b.always] {
                            roles(l, out);
                        }
                    }
                    _ => {}
                }
            }
        }
        let mut roles_seen = Vec::new();
        roles(&play.steps, &mut roles_seen);
        let roles = roles_seen;
        let by = |n: &str| roles.iter().find(|r| r.name == n).unwrap();
        // `dep` runs under `one` under `top`: top's and one's vars/main
        // come first, its own last; `one`'s param reaches it.
        assert_eq!(by("dep").vars.get("v"), Some(&s("dep")));
        assert_eq!(by("dep").vars.get("only_top"), Some(&s("one")));
        assert_eq!(by("dep").params.get("p"), Some(&s("p1")));
        assert_eq!(by("two").params.get("p"), Some(&s("top")));
        // `top` sees what its dependencies export, its own on top.
        assert_eq!(by("top").vars.get("v"), Some(&s("two")));
        assert_eq!(by("top").vars.get("only_top"), Some(&s("top")));
    }
}
