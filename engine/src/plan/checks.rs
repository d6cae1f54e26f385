//! Static checks run before any connection: every problem a playbook has
//! that can be seen without a host, collected in one pass.
//!
//! Errors (the run does not start):
//! - a module, option, filter, test or lookup name that neither this
//!   engine nor Ansible knows ([`crate::catalog`]): a typo. Each module's
//!   [`crate::modules::Module::parse`] is run on the arguments as written
//!   to find the options it does not take;
//! - a Jinja syntax error in a templated play, role or block keyword, a
//!   task's name or other keywords.
//!
//! Unknown modules are reported by [`super::compile`]; the caller merges
//! both lists (see [`crate::job::PlaybookJob::prepare_checked`]).
//!
//! Warnings (the run goes on): a Jinja syntax error in a task's
//! arguments, `when`/`changed_when`/`failed_when`/`until` or loop, or in a
//! `template` task's file (at the file's own line and column): ansible-core
//! fails only the task a host reaches, so `ignore_errors`, `rescue` and a
//! `when` that skips it behave as for any failure (an error under
//! `--strict`); a `template`/`copy`/`script` `src` that
//! exists nowhere Ansible looks ([`crate::playbook::missing_sources`]); a
//! module, option, filter, test or lookup
//! Ansible has and this engine lacks (an error under `--strict`); a value
//! the module's parser rejects (for literal arguments: the task fails when
//! a host reaches it, as in Ansible); a variable no source can define, in
//! the playbook or in a template file. Ansible
//! only fails when such a template is rendered, and a task skipped by
//! `when` never renders its arguments, so calling it an error would reject
//! playbooks Ansible runs; the names every source can define are listed in
//! [`super::names`].
//!
//! `include_tasks` files and `include_role` roles with literal names are
//! loaded and checked too (their `src` files only for template syntax);
//! templated includes are only known at run time.

use super::error::PlanError;
use super::module_args::{has_template, parse_args};
use super::names::{self, Known};
use super::template_files::{self, Scan};
use crate::catalog::{catalog, ModuleDoc, ModuleKnown};
use crate::inventory::Inventory;
use crate::modules::{ArgError, ArgMap, ModuleName};
use crate::playbook::{self, Condition, Keywords, Play, Playbook, Role, RoleUse, Task, TaskItem};
use crate::source::Span;
use crate::template::{PluginKind, Templar, TemplateError};
use crate::value::Map;
use crate::yaml::{Node, NodeKind};
use std::collections::HashSet;
use std::path::PathBuf;

/// What the static checks found.
#[derive(Debug, Default)]
pub struct Checked {
    /// Problems that stop the run.
    pub errors: Vec<PlanError>,
    /// Problems Ansible would only hit at run time, if at all.
    pub warnings: Vec<PlanError>,
    /// Every variable name the playbook, its roles and their template
    /// files read (for telling which image or override keys nothing uses).
    pub reads: std::collections::BTreeSet<String>,
}

/// Runs every static check on `pb`. `inventory` and `extra_vars` are
/// sources of variable names.
pub fn check(pb: &Playbook, inventory: &Inventory, extra_vars: &Map) -> Checked {
    let known = Known::collect(pb, inventory, extra_vars);
    let mut c = Checker {
        out: Checked::default(),
        known,
        templar: Templar::new(),
        roles_seen: HashSet::new(),
        playbook_dir: names::playbook_dir(pb),
        included: HashSet::new(),
        templates_seen: HashSet::new(),
        defaults_depth: 0,
        collections: false,
        at_run_time: false,
    };
    for e in playbook::missing_sources(pb) {
        if let playbook::PlaybookError::MissingSource {
            module,
            src,
            mut searched,
            span,
        } = e
        {
            let mut seen = HashSet::new();
            searched.retain(|s| seen.insert(s.clone()));
            // Ansible fails such a task when a host reaches it (targets
            // test exactly that under `ignore_errors`): announced here.
            c.out.warnings.push(PlanError::MissingSource {
                module,
                src,
                searched,
                span,
            });
        }
    }
    for play in &pb.plays {
        c.play(play);
    }
    // A role used twice (`roles:` and `include_role`) is reported once.
    for list in [&mut c.out.errors, &mut c.out.warnings] {
        let mut kept: Vec<PlanError> = Vec::with_capacity(list.len());
        for e in list.drain(..) {
            if !kept.contains(&e) {
                kept.push(e);
            }
        }
        *list = kept;
    }
    c.out
}

/// 1 when `k` sets `module_defaults`.
fn defaults(k: &Keywords) -> usize {
    usize::from(k.module_defaults.is_some())
}

struct Checker {
    out: Checked,
    known: Known,
    templar: Templar,
    roles_seen: HashSet<PathBuf>,
    playbook_dir: PathBuf,
    /// Literal `include_tasks` files already checked.
    included: HashSet<PathBuf>,
    /// Template files already checked.
    templates_seen: HashSet<PathBuf>,
    /// Enclosing objects with `module_defaults`: a task's arguments may
    /// then be completed at run time, so only unknown keys are errors.
    defaults_depth: usize,
    /// A `collections:` keyword was seen: a short module name may be an
    /// installed collection's, which the compiler resolves.
    collections: bool,
    /// The text being checked is one a host evaluates when it reaches the
    /// task (its arguments, conditions, loop): a syntax error there fails
    /// only that task, as in ansible-core, so it is a warning.
    at_run_time: bool,
}

impl Checker {
    fn play(&mut self, play: &Play) {
        for h in &play.hosts {
            self.text(&h.value, &h.span, false, "play");
        }
        self.keywords(&play.keywords, "play", false);
        let d = defaults(&play.keywords);
        self.defaults_depth += d;
        for list in [
            &play.pre_tasks,
            &play.tasks,
            &play.post_tasks,
            &play.handlers,
        ] {
            self.items(list);
        }
        for r in &play.roles {
            self.role_use(r);
        }
        self.defaults_depth -= d;
    }

    fn role_use(&mut self, r: &RoleUse) {
        let label = format!("role `{}`", r.role.info.name);
        self.keywords(&r.keywords, &label, false);
        for v in r.params.values() {
            self.node(v, &label);
        }
        if !self.roles_seen.insert(r.role.info.path.clone()) {
            return;
        }
        let d = defaults(&r.keywords);
        self.defaults_depth += d;
        self.role(&r.role, &label);
        self.defaults_depth -= d;
    }

    fn role(&mut self, role: &Role, label: &str) {
        self.collections |= !role.collections.is_empty();
        for d in &role.dependencies {
            self.role_use(d);
        }
        for n in [&role.defaults, &role.vars].into_iter().flatten() {
            self.node(n, label);
        }
        self.items(&role.tasks);
        self.items(&role.handlers);
    }

    fn items(&mut self, items: &[TaskItem]) {
        for item in items {
            match item {
                TaskItem::Task(t) => self.task(t, true),
                TaskItem::Block(b) => {
                    let label = match &b.name {
                        Some(n) => format!("block `{}`", n.value),
                        None => "block".to_owned(),
                    };
                    self.keywords(&b.keywords, &label, false);
                    let d = defaults(&b.keywords);
                    self.defaults_depth += d;
                    for list in [&b.block, &b.rescue, &b.always] {
                        self.items(list);
                    }
                    self.defaults_depth -= d;
                }
                TaskItem::IncludeTasks(i) => {
                    self.task(&i.task, false);
                    self.text(&i.file.value, &i.file.span, false, &task_label(&i.task));
                    if let Some(items) =
                        names::literal_include(i, &self.playbook_dir, &mut self.included)
                    {
                        self.items(&items);
                    }
                }
                TaskItem::IncludeRole(r) => {
                    self.task(&r.task, false);
                    if let Some(role) =
                        names::literal_role(r, &self.playbook_dir, &mut self.included)
                    {
                        self.role(&role, &format!("role `{}`", role.info.name));
                    }
                }
            }
        }
    }

    /// `task`: `k` is a task's, whose `when` a host evaluates on reaching
    /// it.
    fn keywords(&mut self, k: &Keywords, label: &str, task: bool) {
        self.collections |= !k.collections.is_empty();
        self.at_run_time = task;
        for c in &k.when {
            self.condition(&c.value, &c.span, label);
        }
        self.at_run_time = false;
        for n in [&k.vars, &k.environment].into_iter().flatten() {
            self.node(n, label);
        }
        let strings = [
            &k.become_user,
            &k.delegate_to,
            &k.become_method,
            &k.become_flags,
            &k.become_exe,
            &k.remote_user,
            &k.connection,
        ];
        for s in strings.into_iter().flatten() {
            self.text(&s.value, &s.span, false, label);
        }
        for n in [&k.port, &k.throttle, &k.timeout].into_iter().flatten() {
            self.node(n, label);
        }
        let flags = [
            &k.become_,
            &k.check_mode,
            &k.diff,
            &k.no_log,
            &k.run_once,
            &k.ignore_errors,
            &k.ignore_unreachable,
            &k.any_errors_fatal,
            &k.delegate_facts,
        ];
        for f in flags.into_iter().flatten() {
            if let playbook::Flag::Template(t) = &f.value {
                self.text(t, &f.span, false, label);
            }
        }
    }

    fn task(&mut self, t: &Task, check_args: bool) {
        let label = task_label(t);
        if let Some(n) = &t.name {
            self.text(&n.value, &n.span, false, &label);
        }
        self.keywords(&t.keywords, &label, true);
        self.at_run_time = true;
        let conditions = t
            .until
            .iter()
            .chain(t.changed_when.iter().flatten())
            .chain(t.failed_when.iter().flatten());
        for c in conditions {
            self.condition(&c.value, &c.span, &label);
        }
        if let Some(l) = &t.loop_ {
            self.node(&l.items, &label);
            if let playbook::LoopKind::With(name) = &l.kind {
                self.plugin(PluginKind::Lookup, name, &l.span, &label);
            }
        }
        self.at_run_time = false;
        for n in [&t.retries, &t.delay, &t.async_, &t.poll]
            .into_iter()
            .flatten()
        {
            self.node(n, &label);
        }
        if let Some(n) = t.loop_control.as_ref().and_then(|c| c.pause.as_ref()) {
            self.node(n, &label);
        }
        if let Some(n) = t.loop_control.as_ref().and_then(|c| c.label.as_ref()) {
            self.node(n, &label);
        }
        self.at_run_time = true;
        for v in t.action.args.values() {
            self.node(v, &label);
        }
        self.at_run_time = false;
        if t.action.is_templated() {
            // The module is known per host only: its name's template is
            // checked here, its arguments by the module it resolves to.
            self.text(&t.action.written, &t.action.span, false, &label);
        } else if check_args {
            self.arguments(t, &label);
            self.template_file(t, &label);
        }
    }

    /// The file of a `template` task: syntax, and variables it reads.
    fn template_file(&mut self, t: &Task, label: &str) {
        let Some(path) = template_files::source_of(t, &self.playbook_dir) else {
            return;
        };
        if !self.templates_seen.insert(path.clone()) {
            return;
        }
        match template_files::scan(&path, &self.templar) {
            // Ansible fails the task when a host renders the file.
            Some(Scan::Syntax(message, span)) => {
                self.out.warnings.push(PlanError::TemplateSyntax {
                    message,
                    task: label.to_owned(),
                    span,
                })
            }
            Some(Scan::Reads(reads)) => {
                for (name, span) in reads {
                    self.out.reads.insert(name.clone());
                    if !self.known.defines(&name) {
                        self.out.warnings.push(PlanError::UndefinedVariable {
                            name,
                            task: label.to_owned(),
                            span,
                        });
                    }
                }
            }
            None => {}
        }
    }

    /// The task's module and arguments, judged against what this engine
    /// implements and what Ansible knows ([`crate::catalog`]): a name
    /// neither knows is an error (a typo); one only Ansible knows is a
    /// gap, announced as a warning.
    fn arguments(&mut self, t: &Task, label: &str) {
        let mut dirs = vec![self.playbook_dir.clone()];
        dirs.extend(t.role.as_ref().map(|r| r.path.clone()));
        let Some(module) = super::resolve::resolve(&t.action.module, &dirs) else {
            if self.collections && !t.action.module.contains('.') {
                // Resolved (or refused) by the compiler, which follows
                // `collections:`.
                return;
            }
            self.out.errors.push(PlanError::UnknownModule {
                name: t.action.written.clone(),
                task: label.to_owned(),
                span: t.action.span.clone(),
                suggestion: ModuleName::suggest(&t.action.module),
            });
            return;
        };
        let doc = match catalog().module(&t.action.module) {
            ModuleKnown::Documented(d) => Some(d),
            _ => None,
        };
        if !module.is_implemented() {
            self.gap(
                format!("module `{}`", module.as_str()),
                label,
                &t.action.span,
            );
            for key in t.action.args.keys() {
                self.option(t, label, doc, key, "");
            }
            return;
        }
        if let Some(b) = module.builtin() {
            let Some(options) = b.options() else {
                return;
            };
            for key in t.action.args.keys() {
                if !options.contains(&key.as_str()) {
                    self.option(t, label, doc, key, &options.join(", "));
                }
            }
            return;
        }
        let mut args: Map = t
            .action
            .args
            .iter()
            .map(|(k, v)| (k.clone(), v.to_value()))
            .collect();
        let templated = t.action.args.values().any(has_template);
        // A templated value can only be judged per host: when the parser
        // rejects one, drop it and parse again, so that an unsupported key
        // further on is still found. An option only Ansible has is
        // announced and dropped likewise (at most once per argument).
        let err = loop {
            let Some(Err(err)) = parse_args(module, ArgMap::new(args.clone())) else {
                return;
            };
            let name = match &err {
                ArgError::Type { name, .. } | ArgError::Choice { name, .. } => {
                    Some(name).filter(|n| t.action.args.get(*n).is_some_and(has_template))
                }
                ArgError::Unknown { name, .. } if name == "_raw_params" => {
                    self.raw_params(t, label);
                    Some(name)
                }
                // Ansible's internal arguments are no typos: the module's
                // argument spec refuses them when a host reaches the task.
                ArgError::Unknown { name, .. }
                    if name.starts_with('_') && !doc.is_some_and(|d| d.accepts(name)) =>
                {
                    let span = t.action.args.get(name).map(|n| n.span.clone());
                    self.out.warnings.push(PlanError::BadArgument {
                        module: t.action.written.clone(),
                        task: label.to_owned(),
                        error: err.clone(),
                        suggestion: None,
                        span: span.unwrap_or_else(|| t.action.span.clone()),
                    });
                    Some(name)
                }
                ArgError::Unknown { name, .. } if doc.is_some_and(|d| d.accepts(name)) => {
                    let span = t.action.args.get(name).map(|n| n.span.clone());
                    let what = format!("option `{name}` of module `{}`", module.as_str());
                    self.gap(what, label, &span.unwrap_or_else(|| t.action.span.clone()));
                    Some(name)
                }
                _ => None,
            };
            match name {
                Some(n) => {
                    args.shift_remove(n.as_str());
                }
                None => break err,
            }
        };
        let span = match &err {
            ArgError::Unknown { name, .. } => t.action.args.get(name).map(|n| n.span.clone()),
            ArgError::Type { name, .. } | ArgError::Choice { name, .. } => {
                t.action.args.get(name).map(|n| n.span.clone())
            }
            _ => None,
        };
        let completed = self.defaults_depth + defaults(&t.keywords) > 0;
        if (templated || completed) && !matches!(err, ArgError::Unknown { .. }) {
            return;
        }
        let suggestion = match &err {
            ArgError::Unknown { name, supported } => {
                let names: Vec<&str> = doc.iter().flat_map(|d| d.all_names()).collect();
                names::closest(name, &format!("{supported}, {}", names.join(", ")))
            }
            _ => None,
        };
        let unknown = matches!(err, ArgError::Unknown { .. });
        let found = PlanError::BadArgument {
            module: t.action.written.clone(),
            task: label.to_owned(),
            error: err,
            suggestion,
            span: span.unwrap_or_else(|| t.action.span.clone()),
        };
        // A name nobody knows is a typo: refused now. A value the module
        // rejects (a missing argument, a bad choice) fails where Ansible
        // fails it: at the task, when a host reaches it.
        if unknown {
            self.out.errors.push(found);
        } else {
            self.out.warnings.push(found);
        }
    }

    /// An argument `key` this engine does not honour for the task's
    /// module: a gap when Ansible documents it, else a typo.
    fn option(
        &mut self,
        t: &Task,
        label: &str,
        doc: Option<&ModuleDoc>,
        key: &str,
        supported: &str,
    ) {
        let span = t
            .action
            .args
            .get(key)
            .map_or_else(|| t.action.span.clone(), |n| n.span.clone());
        match doc {
            Some(_) if key == "_raw_params" => self.raw_params(t, label),
            Some(d) if !d.accepts(key) => {
                let names: Vec<&str> = d.all_names().collect();
                self.out.errors.push(PlanError::BadArgument {
                    module: t.action.written.clone(),
                    task: label.to_owned(),
                    error: ArgError::Unknown {
                        name: key.to_owned(),
                        supported: names.join(", "),
                    },
                    suggestion: names::closest(key, &names.join(", ")),
                    span,
                });
            }
            _ if supported.is_empty() => {}
            _ => {
                let module = t.action.module.rsplit('.').next().unwrap_or_default();
                self.gap(format!("option `{key}` of module `{module}`"), label, &span);
            }
        }
    }

    /// A filter, test or lookup the template uses: fine when this engine
    /// has it, a gap when only Ansible has it, else a typo.
    fn plugin(&mut self, kind: PluginKind, name: &str, span: &Span, label: &str) {
        // A name that is itself a template is only known when rendered.
        if Templar::is_template(name) || self.templar.implements(kind, name) {
            return;
        }
        if catalog().has_plugin(kind, name) {
            self.gap(format!("{kind} `{name}`"), label, span);
            return;
        }
        let names = catalog().plugin_names(kind).join(", ");
        self.out.errors.push(PlanError::UnknownPlugin {
            kind,
            name: name.to_owned(),
            task: label.to_owned(),
            span: span.clone(),
            suggestion: names::closest(name, &names),
        });
    }

    /// Free-form text for a module that takes none: Ansible fails the
    /// task when a host reaches it, so a warning here.
    fn raw_params(&mut self, t: &Task, label: &str) {
        let Some(msg) = catalog().no_raw_params(&t.action.module) else {
            return;
        };
        // A lone template may render to the arguments ("arg splat").
        let raw = t.action.args.get("_raw_params").and_then(Node::as_str);
        if raw.is_some_and(crate::template::Templar::is_template) {
            return;
        }
        let span = t
            .action
            .args
            .get("_raw_params")
            .map_or_else(|| t.action.span.clone(), |n| n.span.clone());
        self.out.warnings.push(PlanError::BadArgument {
            module: t.action.written.clone(),
            task: label.to_owned(),
            error: ArgError::Invalid(msg),
            suggestion: None,
            span,
        });
    }

    /// Announces a gap: a warning, or an error under `--strict` (decided
    /// by the caller, see [`crate::job::PlaybookJob::prepare_checked`]).
    fn gap(&mut self, what: String, label: &str, span: &Span) {
        self.out.warnings.push(PlanError::NotImplemented {
            what,
            task: label.to_owned(),
            span: span.clone(),
        });
    }

    /// Every string inside `node` that is a template.
    fn node(&mut self, node: &Node, label: &str) {
        match &node.kind {
            NodeKind::Str(s) => self.text(s, &node.span, false, label),
            NodeKind::Seq(items) => {
                for n in items {
                    self.node(n, label);
                }
            }
            NodeKind::Map(m) => {
                for (_, n) in m.iter() {
                    self.node(n, label);
                }
            }
            _ => {}
        }
    }

    fn condition(&mut self, c: &Condition, span: &Span, label: &str) {
        if let Condition::Expr(s) = c {
            self.text(s, span, true, label);
        }
    }

    /// Syntax and undefined-variable checks of one template text.
    fn text(&mut self, text: &str, span: &Span, conditional: bool, label: &str) {
        if !conditional && !Templar::is_template(text) {
            return;
        }
        match self.templar.variables(text, conditional) {
            Err(TemplateError::Syntax { message, .. }) => {
                let e = PlanError::TemplateSyntax {
                    message,
                    task: label.to_owned(),
                    span: span.clone(),
                };
                if self.at_run_time {
                    self.out.warnings.push(e);
                } else {
                    self.out.errors.push(e);
                }
            }
            Err(_) => {}
            Ok(vars) => {
                for (kind, name) in self.templar.plugins(text, conditional) {
                    self.plugin(kind, &name, span, label);
                }
                for name in vars {
                    self.out.reads.insert(name.clone());
                    if !self.known.defines(&name) && !names::optional_use(text, &name) {
                        self.out.warnings.push(PlanError::UndefinedVariable {
                            name,
                            task: label.to_owned(),
                            span: span.clone(),
                        });
                    }
                }
            }
        }
    }
}

/// How a task is named in messages: its name, else its action.
fn task_label(t: &Task) -> String {
    format!("task `{}`", t.display_name())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::playbook::testing::parse_tree;

    fn checked(files: &[(&str, &str)], inventory: &str) -> Checked {
        let (_dir, pb) = parse_tree(files);
        let pb = pb.unwrap_or_else(|e| panic!("{e}"));
        let inv = Inventory::from_ini_str(inventory, "inline").expect("inventory");
        check(&pb, &inv, &Map::new())
    }

    fn at(span: Option<&Span>) -> (u32, u32) {
        span.map(|s| (s.line, s.column)).unwrap_or_default()
    }

    #[test]
    fn bad_arguments_point_at_the_value() {
        let c = checked(
            &[(
                "site.yml",
                "- hosts: all\n  tasks:\n    - copy: content=x dest=/x mdoe=1\n    - file:\n        path: \"{{ p }}\"\n        state: \"{{ s }}\"\n    - file: path=/x state=nope\n",
            )],
            "h1 p=/y s=touch\n",
        );
        assert_eq!(c.errors.len(), 1, "{:?}", c.errors);
        match &c.errors[0] {
            PlanError::BadArgument {
                error: ArgError::Unknown { name, .. },
                suggestion,
                span,
                ..
            } => {
                assert_eq!(
                    (name.as_str(), suggestion.as_deref()),
                    ("mdoe", Some("mode"))
                );
                assert_eq!(at(Some(span)), (3, 31));
            }
            other => panic!("unexpected {other:?}"),
        }
        // A bad value fails the task when a host reaches it, as in Ansible.
        assert_eq!(c.warnings.len(), 1, "{:?}", c.warnings);
        assert!(matches!(
            &c.warnings[0],
            PlanError::BadArgument { error: ArgError::Choice { name, .. }, .. } if name == "state"
        ));
    }

    #[test]
    fn syntax_errors_in_tasks_warn_and_elsewhere_refuse() {
        let c = checked(
            &[(
                "site.yml",
                "- hosts: all\n  remote_user: \"{{ u | }}\"\n  tasks:\n    - debug: msg=\"{{ a | }}\"\n      when: a ==\n      become_user: \"{{ b | }}\"\n",
            )],
            "h1 a=1 u=1 b=1\n",
        );
        let syntax = |list: &[PlanError]| -> Vec<(u32, u32)> {
            list.iter()
                .filter(|e| matches!(e, PlanError::TemplateSyntax { .. }))
                .map(|e| at(e.span()))
                .collect()
        };
        // A task's arguments and `when` fail the task a host reaches;
        // a play keyword and a task's `become_user` refuse the playbook.
        assert_eq!(syntax(&c.warnings), [(5, 13), (4, 14)]);
        assert_eq!(syntax(&c.errors), [(2, 16), (6, 20)]);
    }

    #[test]
    fn undefined_names_are_warnings_and_every_source_counts() {
        let c = checked(
            &[
                (
                    "site.yml",
                    "- hosts: all\n  vars_files: [v.yml]\n  roles: [r]\n  tasks:\n    - set_fact: {fact1: 1}\n    - include_vars: more.yml\n    - debug: msg=\"{{ inv }} {{ fromfile }} {{ fact1 }} {{ more }} {{ reg }} {{ d }} {{ rv }} {{ ansible_os_family }} {{ groups }} {{ it }} {{ idx }} {{ nope }}\"\n      register: reg\n      loop: [1]\n      loop_control: {loop_var: it, index_var: idx}\n",
                ),
                ("v.yml", "fromfile: 1\n"),
                ("more.yml", "more: 1\n"),
                ("roles/r/defaults/main.yml", "d: 1\n"),
                ("roles/r/vars/main.yml", "rv: 1\n"),
                ("roles/r/tasks/main.yml", "- debug: msg=\"{{ q | default(1) }}\"\n"),
            ],
            "h1 inv=1\n",
        );
        assert!(c.errors.is_empty(), "{:?}", c.errors);
        let names: Vec<_> = c
            .warnings
            .iter()
            .map(|w| match w {
                PlanError::UndefinedVariable { name, .. } => name.as_str(),
                other => panic!("unexpected {other:?}"),
            })
            .collect();
        assert_eq!(names, ["nope"]);
    }

    #[test]
    fn literal_includes_are_checked_and_define_names() {
        let c = checked(
            &[
                (
                    "site.yml",
                    "- hosts: all\n  tasks:\n    - include_tasks: inc.yml\n    - debug: msg=\"{{ from_inc.rc }}\"\n",
                ),
                (
                    "inc.yml",
                    "- command: \"true\"\n  register: from_inc\n- file: path=/x stat=touch\n- include_tasks: inc.yml\n",
                ),
            ],
            "h1\n",
        );
        assert!(c.warnings.is_empty(), "{:?}", c.warnings);
        assert_eq!(c.errors.len(), 1, "{:?}", c.errors);
        let text = c.errors[0].to_string();
        assert!(
            text.contains("inc.yml:3:17: unsupported argument `stat`"),
            "{text}"
        );
    }

    #[test]
    fn template_files_warn_at_the_first_use() {
        let c = checked(
            &[
                (
                    "site.yml",
                    "- hosts: all\n  tasks:\n    - template: src=t.j2 dest=/t\n",
                ),
                (
                    "templates/t.j2",
                    "#jinja2: trim_blocks: False\n{% for u in users %}\n{{ u }} {{ missing_x }} {{ opt | default(1) }}\n{% endfor %}\n",
                ),
            ],
            "h1 users=[]\n",
        );
        assert!(c.errors.is_empty(), "{:?}", c.errors);
        assert_eq!(c.warnings.len(), 1, "{:?}", c.warnings);
        let w = &c.warnings[0];
        assert!(matches!(w, PlanError::UndefinedVariable { name, .. } if name == "missing_x"));
        let span = w.span().expect("span");
        assert!(span.file.ends_with("templates/t.j2"));
        assert_eq!((span.line, span.column, span.len), (3, 12, 9));
    }

    #[test]
    fn literal_include_roles_are_checked_and_define_names() {
        let c = checked(
            &[
                (
                    "site.yml",
                    "- hosts: all\n  tasks:\n    - include_role: {name: r}\n    - debug: msg=\"{{ r_default }} {{ r_reg.rc }}\"\n",
                ),
                ("roles/r/defaults/main.yml", "r_default: 1\n"),
                (
                    "roles/r/tasks/main.yml",
                    "- command: \"true\"\n  register: r_reg\n- copy: dest=/x content=y bogus=1\n",
                ),
            ],
            "h1\n",
        );
        assert!(c.warnings.is_empty(), "{:?}", c.warnings);
        assert_eq!(c.errors.len(), 1, "{:?}", c.errors);
        assert!(matches!(
            &c.errors[0],
            PlanError::BadArgument { error: ArgError::Unknown { name, .. }, .. } if name == "bogus"
        ));
    }
}
