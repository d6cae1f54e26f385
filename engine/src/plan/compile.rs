//! Compiling a parsed playbook into [`Plan`]s: roles and static imports
//! flattened, keywords pushed down, modules resolved, vars files loaded.

use super::defaults::{self, ModuleDefault};
use super::error::{PlanError, PlanErrors};
use super::keyword_use::KeywordUse;
use super::types::*;
use crate::modules::ModuleName;
use crate::playbook::keyword_table::Keyword;
use crate::playbook::{
    self, Block, BlockOrigin, Condition, Flag, Include, IncludeRole, Keywords, LoopKind, Play,
    Role, RoleInfo, RoleUse, SerialStep, Spanned, Task, TaskItem,
};
use crate::value::{Map, Value};
use crate::yaml::Node;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Keywords in force at a point of the tree (innermost wins; `when` and
/// `tags` accumulate).
#[derive(Clone, Default)]
struct Inherit {
    when: Vec<When>,
    tags: Vec<String>,
    vars: Map,
    environment: Vec<Value>,
    become_: BecomeKeywords,
    connection: ConnectionKeywords,
    ignore_errors: Option<Value>,
    ignore_unreachable: Option<Value>,
    check_mode: Option<Value>,
    diff: Option<bool>,
    no_log: Option<Value>,
    run_once: Option<Value>,
    any_errors_fatal: Option<bool>,
    delegate_to: Option<String>,
    delegate_facts: Option<Value>,
    /// The first boolean keyword in force whose literal is not a boolean.
    keyword_error: Option<String>,
    throttle: Option<Value>,
    timeout: Option<Value>,
    module_defaults: Vec<ModuleDefault>,
    collections: Vec<String>,
    /// A block's `notify`, for its tasks that set none.
    notify: Option<Vec<String>>,
    role: Option<Arc<RoleCtx>>,
    playbook_dir: PathBuf,
    /// The keywords carried so far (see [`KeywordUse`]).
    used: KeywordUse,
}

struct Compiler {
    errors: Vec<PlanError>,
    /// Where installed collections are (for `collections:`).
    roots: Vec<PathBuf>,
}

/// Compiles a parsed playbook.
///
/// # Errors
/// Every static problem found (unknown modules, bad vars), all at once.
pub fn compile(pb: &playbook::Playbook) -> Result<Plan, PlanErrors> {
    let playbook_dir = pb.path.parent().map(Path::to_path_buf).unwrap_or_default();
    let playbook_dir = if playbook_dir.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        playbook_dir
    };
    let mut c = Compiler {
        errors: Vec::new(),
        roots: defaults::collection_roots(&playbook_dir),
    };
    let plays = pb.plays.iter().map(|p| c.play(p, &playbook_dir)).collect();
    if c.errors.is_empty() {
        Ok(Plan {
            plays,
            playbook_dir,
        })
    } else {
        Err(PlanErrors(c.errors))
    }
}

/// One expansion of a dynamic include, compiled.
#[derive(Debug)]
pub struct Included {
    /// Its steps.
    pub steps: Vec<Step>,
    /// For a role, its handlers (its dependencies' first), which Ansible's
    /// `IncludeRole.get_block_list` appends to the play's.
    pub handlers: Vec<Handler>,
    /// The roles it adds to the play's (`ansible_play_role_names`): the
    /// included role, and those `import_role` brings in with it.
    pub role_names: Vec<String>,
    /// Their dependencies (`ansible_dependent_role_names`).
    pub dependent_role_names: Vec<String>,
}

/// Compiles a dynamically included task file (or role) for one expansion:
/// its steps, and for a role its handlers (its dependencies' first), which
/// Ansible's `IncludeRole.get_block_list` appends to the play's handlers
/// each time the include is processed.
///
/// # Errors
/// The file could not be loaded or compiled; the text says why.
pub fn compile_include(
    inc: &IncludeStep,
    file: &str,
    from: &playbook::RoleFrom,
    params: &Map,
) -> Result<Included, String> {
    let mut inh = inherit_of(&inc.inherit);
    let mut c = Compiler {
        errors: Vec::new(),
        roots: defaults::collection_roots(&inh.playbook_dir),
    };
    for (k, v) in params {
        inh.vars.insert(k.clone(), v.clone());
    }
    let mut handlers = Vec::new();
    let mut roles = RoleNames::default();
    let steps = if inc.is_role {
        let name = Spanned::new(file.to_owned(), inc.task.span.clone());
        let requiring = inh.role.as_ref().map(|r| {
            Arc::new(RoleInfo {
                name: r.name.clone(),
                path: r.path.clone(),
            })
        });
        let role = playbook::load_role(
            &name,
            from.clone(),
            &inh.playbook_dir,
            requiring,
            &Default::default(),
        )
        .map_err(|e| e.to_string())?;
        roles.role(&role);
        let outer = inh.clone();
        let ctx = role_ctx(&mut c, &role, include_params(&inh), inh.role.as_deref());
        inh.role = Some(ctx);
        inh.collections = role_collections(&role);
        let mut steps = Vec::new();
        for d in &role.dependencies {
            steps.extend(c.role_use(d, &inh));
            c.role_handlers(d, &outer, &mut Vec::new(), &mut handlers);
        }
        steps.extend(c.items(&role.tasks, &inh));
        let hs = c.items(&role.handlers, &inh);
        flatten_into(&hs, &mut handlers);
        steps
    } else {
        let base = inc.base_dir.clone();
        let path = if Path::new(file).is_absolute() {
            PathBuf::from(file)
        } else {
            base.join(file)
        };
        let path = if path.exists() {
            path
        } else {
            inh.playbook_dir.join(file)
        };
        let role_info = inh.role.as_ref().map(|r| {
            Arc::new(RoleInfo {
                name: r.name.clone(),
                path: r.path.clone(),
            })
        });
        let items =
            playbook::load_tasks_file(&path, role_info, &inh.playbook_dir, &Default::default())
                .map_err(|e| e.to_string())?;
        roles.imports(&items);
        c.items(&items, &inh)
    };
    if c.errors.is_empty() {
        Ok(Included {
            steps,
            handlers,
            role_names: roles.named,
            dependent_role_names: roles.dependencies.into_iter().collect(),
        })
    } else {
        Err(PlanErrors(c.errors).to_string())
    }
}

fn inherit_of(t: &TaskStep) -> Inherit {
    Inherit {
        when: Vec::new(),
        tags: t.tags.clone(),
        vars: t.vars.clone(),
        environment: t.environment.clone(),
        become_: t.become_.clone(),
        connection: t.connection.clone(),
        ignore_errors: t.ignore_errors.clone(),
        ignore_unreachable: t.ignore_unreachable.clone(),
        check_mode: t.check_mode.clone(),
        diff: t.diff,
        no_log: t.no_log.clone(),
        run_once: t.run_once.clone(),
        any_errors_fatal: t.any_errors_fatal,
        delegate_to: t.delegate_to.clone(),
        delegate_facts: t.delegate_facts.clone(),
        keyword_error: t.reach_error.clone(),
        throttle: t.throttle.clone(),
        timeout: t.timeout.clone(),
        module_defaults: t.module_defaults.clone(),
        collections: t.collections.clone(),
        used: t.keywords.clone(),
        notify: (!t.notify.is_empty()).then(|| t.notify.clone()),
        role: t.role.clone(),
        playbook_dir: t
            .search_paths
            .last()
            .cloned()
            .unwrap_or_else(|| PathBuf::from(".")),
    }
}

/// A flag as the template layer reads it at run time. A literal that is
/// not a boolean never gets there: the task fails first (see
/// [`TaskStep::reach_error`]).
fn flag_value(f: &Spanned<Flag>) -> Value {
    match &f.value {
        Flag::Bool(b) => Value::Bool(*b),
        Flag::Template(s) => Value::Str(s.clone()),
        Flag::NotBool(_) => Value::Bool(false),
    }
}

fn flag_bool(f: &Option<Spanned<Flag>>) -> Option<bool> {
    match f.as_ref().map(|f| &f.value) {
        Some(Flag::Bool(b)) => Some(*b),
        _ => None,
    }
}

fn cond_text(c: &Spanned<Condition>) -> String {
    match &c.value {
        Condition::Literal(true) => "True".into(),
        Condition::Literal(false) => "False".into(),
        Condition::Expr(s) => s.clone(),
    }
}

fn when_of(c: &Spanned<Condition>) -> When {
    When {
        text: cond_text(c),
        literal: matches!(c.value, Condition::Literal(_)),
    }
}

impl Compiler {
    fn map_of(&mut self, node: Option<&Node>, what: &str) -> Map {
        match node.map(|n| (n, n.to_value())) {
            None | Some((_, Value::Null)) => Map::new(),
            Some((_, Value::Map(m))) => m,
            Some((n, _)) => {
                self.errors.push(PlanError::NotAMapping {
                    what: what.into(),
                    found: n.kind_name(),
                    span: n.span.clone(),
                });
                Map::new()
            }
        }
    }

    fn apply(&mut self, inh: &Inherit, k: &Keywords) -> Inherit {
        let mut n = inh.clone();
        let mut mark = |present: bool, k: Keyword| {
            if present {
                n.used.mark_set(k);
            }
        };
        mark(!k.when.is_empty(), Keyword::When);
        mark(!k.tags.is_empty(), Keyword::Tags);
        mark(k.vars.is_some(), Keyword::Vars);
        mark(k.environment.is_some(), Keyword::Environment);
        mark(k.become_.is_some(), Keyword::Become);
        mark(k.become_user.is_some(), Keyword::BecomeUser);
        mark(k.become_method.is_some(), Keyword::BecomeMethod);
        mark(k.become_flags.is_some(), Keyword::BecomeFlags);
        mark(k.become_exe.is_some(), Keyword::BecomeExe);
        mark(k.connection.is_some(), Keyword::Connection);
        mark(k.remote_user.is_some(), Keyword::RemoteUser);
        mark(k.port.is_some(), Keyword::Port);
        mark(k.ignore_errors.is_some(), Keyword::IgnoreErrors);
        mark(k.ignore_unreachable.is_some(), Keyword::IgnoreUnreachable);
        mark(k.check_mode.is_some(), Keyword::CheckMode);
        mark(k.diff.is_some(), Keyword::Diff);
        mark(k.no_log.is_some(), Keyword::NoLog);
        mark(k.run_once.is_some(), Keyword::RunOnce);
        mark(k.delegate_to.is_some(), Keyword::DelegateTo);
        mark(k.delegate_facts.is_some(), Keyword::DelegateFacts);
        mark(!k.notify.is_empty(), Keyword::Notify);
        mark(k.any_errors_fatal.is_some(), Keyword::AnyErrorsFatal);
        mark(k.timeout.is_some(), Keyword::Timeout);
        mark(k.throttle.is_some(), Keyword::Throttle);
        mark(k.module_defaults.is_some(), Keyword::ModuleDefaults);
        mark(!k.collections.is_empty(), Keyword::Collections);
        for (flag, keyword) in [(&k.diff, "diff"), (&k.any_errors_fatal, "any_errors_fatal")] {
            self.literal_flag(flag, keyword);
        }
        // ansible-core post-validates a task's keywords when a host reaches
        // it: the first that is not a boolean fails it there.
        for (flag, keyword) in [
            (&k.become_, "become"),
            (&k.check_mode, "check_mode"),
            (&k.delegate_facts, "delegate_facts"),
            (&k.diff, "diff"),
            (&k.ignore_errors, "ignore_errors"),
            (&k.ignore_unreachable, "ignore_unreachable"),
            (&k.no_log, "no_log"),
            (&k.run_once, "run_once"),
            (&k.any_errors_fatal, "any_errors_fatal"),
        ] {
            if n.keyword_error.is_none() {
                n.keyword_error = flag.as_ref().and_then(|f| f.value.error(keyword));
            }
        }
        n.when.extend(k.when.iter().map(when_of));
        for t in &k.tags {
            if !n.tags.contains(&t.value) {
                n.tags.push(t.value.clone());
            }
        }
        let vars = self.map_of(k.vars.as_ref(), "vars");
        n.vars.extend(vars);
        if let Some(e) = &k.environment {
            n.environment.push(e.to_value());
        }
        if let Some(b) = &k.become_ {
            n.become_.become_ = Some(flag_value(b));
        }
        if let Some(u) = &k.become_user {
            n.become_.user = Some(u.value.clone());
        }
        if let Some(m) = &k.become_method {
            n.become_.method = Some(m.value.clone());
        }
        if let Some(f) = &k.become_flags {
            n.become_.flags = Some(f.value.clone());
        }
        if let Some(e) = &k.become_exe {
            n.become_.exe = Some(e.value.clone());
        }
        if let Some(c) = &k.connection {
            n.connection.connection = Some(c.value.clone());
        }
        if let Some(u) = &k.remote_user {
            n.connection.remote_user = Some(u.value.clone());
        }
        if let Some(p) = &k.port {
            n.connection.port = Some(p.to_value());
        }
        if let Some(f) = &k.ignore_errors {
            n.ignore_errors = Some(flag_value(f));
        }
        if let Some(f) = &k.ignore_unreachable {
            n.ignore_unreachable = Some(flag_value(f));
        }
        if let Some(f) = &k.check_mode {
            n.check_mode = Some(flag_value(f));
        }
        if let Some(b) = flag_bool(&k.diff) {
            n.diff = Some(b);
        }
        if let Some(f) = &k.no_log {
            n.no_log = Some(flag_value(f));
        }
        if let Some(f) = &k.run_once {
            n.run_once = Some(flag_value(f));
        }
        if let Some(b) = flag_bool(&k.any_errors_fatal) {
            n.any_errors_fatal = Some(b);
        }
        if let Some(d) = &k.delegate_to {
            n.delegate_to = Some(d.value.clone());
        }
        if let Some(f) = &k.delegate_facts {
            n.delegate_facts = Some(flag_value(f));
        }
        if let Some(md) = &k.module_defaults {
            match defaults::parse(md) {
                Ok(entries) => n.module_defaults.extend(entries),
                Err(e) => self.errors.push(*e),
            }
        }
        if !k.collections.is_empty() {
            n.collections = k.collections.iter().map(|c| c.value.clone()).collect();
        }
        if let Some(t) = &k.throttle {
            n.throttle = Some(t.to_value());
        }
        if let Some(t) = &k.timeout {
            n.timeout = Some(t.to_value());
        }
        if !k.notify.is_empty() {
            n.notify = Some(k.notify.iter().map(|s| s.value.clone()).collect());
        }
        n
    }

    /// A flag the plan needs as a boolean: a template there is refused
    /// rather than dropped.
    fn literal_flag(&mut self, flag: &Option<Spanned<Flag>>, keyword: &'static str) {
        if let Some(Spanned {
            value: Flag::Template(_),
            span,
        }) = flag
        {
            self.errors.push(PlanError::TemplatedFlag {
                keyword,
                span: span.clone(),
            });
        }
    }

    fn play(&mut self, p: &Play, playbook_dir: &Path) -> PlayPlan {
        let root = Inherit {
            playbook_dir: playbook_dir.to_path_buf(),
            ..Inherit::default()
        };
        let mut inh = self.apply(&root, &p.keywords);
        self.literal_flag(&p.gather_facts, "gather_facts");
        self.literal_flag(&p.force_handlers, "force_handlers");
        let mut used = KeywordUse::default();
        for (present, k) in [
            (true, Keyword::Hosts),
            (p.name.is_some(), Keyword::Name),
            (p.gather_facts.is_some(), Keyword::GatherFacts),
            (p.fact_path.is_some(), Keyword::FactPath),
            (p.gather_timeout.is_some(), Keyword::GatherTimeout),
            (!p.serial.is_empty(), Keyword::Serial),
            (p.strategy.is_some(), Keyword::Strategy),
            (p.max_fail_percentage.is_some(), Keyword::MaxFailPercentage),
            (p.force_handlers.is_some(), Keyword::ForceHandlers),
            (
                p.keywords.any_errors_fatal.is_some(),
                Keyword::AnyErrorsFatal,
            ),
            (p.order.is_some(), Keyword::Order),
            (p.keywords.vars.is_some(), Keyword::Vars),
        ] {
            if present {
                used.mark_set(k);
            }
        }
        // Play vars live at their own precedence level, not as task vars:
        // read from the play, not from its tasks.
        let mut vars = std::mem::take(&mut inh.vars);
        let mut without_vars = KeywordUse::default();
        for k in inh.used.carried() {
            if k != Keyword::Vars {
                without_vars.mark_set(k);
            }
        }
        inh.used = without_vars;
        let strategy_template = p
            .strategy
            .as_ref()
            .filter(|s| s.value.contains("{{") || s.value.contains("{%"))
            .map(|s| s.value.clone());
        if let Some(s) = p.strategy.as_ref().filter(|_| strategy_template.is_none()) {
            if !matches!(
                s.value.as_str(),
                "linear" | "free" | "ansible.builtin.linear" | "ansible.builtin.free"
            ) {
                self.errors.push(PlanError::UnsupportedValue {
                    keyword: "strategy",
                    value: s.value.clone(),
                    supported: "`linear`, `free`",
                    span: s.span.clone(),
                });
            }
        }
        for f in &p.vars_files {
            vars.extend(self.vars_file(f, &p.dir));
        }
        // The play's roles are public: what they export every task sees.
        for r in &p.roles {
            vars.extend(super::role_vars::exports(&r.role));
        }
        let (role_names, dependent_role_names) = play_roles(p);
        let mut steps = self.items(&p.pre_tasks, &inh);
        steps.push(Step::FlushHandlers);
        for r in &p.roles {
            steps.extend(self.role_use(r, &inh));
        }
        steps.extend(self.items(&p.tasks, &inh));
        steps.push(Step::FlushHandlers);
        steps.extend(self.items(&p.post_tasks, &inh));
        steps.push(Step::FlushHandlers);
        // As `Play::all_handlers`: roles' (dependencies first), the play's
        // own, then those of roles `import_role` brings into the tasks;
        // each role's once.
        let mut handlers = Vec::new();
        let mut seen = Vec::new();
        for r in &p.roles {
            self.role_handlers(r, &inh, &mut seen, &mut handlers);
        }
        let hs = self.items(&p.handlers, &inh);
        flatten_into(&hs, &mut handlers);
        for list in [&p.pre_tasks, &p.tasks, &p.post_tasks] {
            self.imported_handlers(list, &inh, &mut seen, &mut handlers);
        }
        let mut gather = gather_step(&inh, &p.span);
        if let Some(fp) = &p.fact_path {
            gather
                .args
                .insert("fact_path".into(), Value::Str(fp.value.clone()));
        }
        // `gather_timeout` bounds ansible-core's slow collectors (mounts,
        // hardware), whose facts the probe does not read: an int, or a
        // template, changes nothing here, as `setup`'s option does not.
        if let Some(t) = &p.gather_timeout {
            let v = t.to_value();
            let text = crate::report::python_str(&v);
            let int = matches!(v, Value::Int(_)) || text.trim().parse::<i64>().is_ok();
            if !int && !text.contains("{{") {
                self.errors.push(PlanError::InvalidKeyword {
                    message: format!(
                        "Error processing keyword 'gather_timeout': The value {} could not be converted to 'int'.",
                        crate::report::python_repr(&v)
                    ),
                    span: t.span.clone(),
                });
            }
        }
        let gather = Arc::new(gather);
        PlayPlan {
            name: p.display_name(),
            hosts: p.hosts_text(),
            gather_facts: flag_bool(&p.gather_facts).unwrap_or(true),
            vars,
            serial: p
                .serial
                .iter()
                .map(|s| match &s.value {
                    SerialStep::Count(n) => Serial::Count(*n),
                    SerialStep::Percent(f) => Serial::Percent(*f),
                    SerialStep::Template(t) => Serial::Template(t.clone()),
                })
                .collect(),
            order: self.order(p.order.as_ref()),
            any_errors_fatal: flag_bool(&p.keywords.any_errors_fatal).unwrap_or(false),
            strategy: match p.strategy.as_ref().map(|s| s.value.as_str()) {
                Some("free" | "ansible.builtin.free") => Strategy::Free,
                _ => Strategy::Linear,
            },
            strategy_template,
            max_fail_percentage: p
                .max_fail_percentage
                .as_ref()
                .and_then(|n| match n.to_value() {
                    Value::Int(i) => Some(i as f64),
                    Value::Float(f) => Some(f),
                    Value::Str(s) => s.trim().trim_end_matches('%').parse().ok(),
                    _ => None,
                }),
            force_handlers: flag_bool(&p.force_handlers).unwrap_or(false),
            steps,
            handlers,
            gather: Some(gather),
            keywords: used,
            span: Some(p.span.clone()),
            role_names,
            dependent_role_names,
        }
    }

    /// `order:`; Ansible's values only, written literally.
    fn order(&mut self, order: Option<&Spanned<String>>) -> HostOrder {
        let Some(o) = order else {
            return HostOrder::Inventory;
        };
        match o.value.as_str() {
            "inventory" => HostOrder::Inventory,
            "reverse_inventory" => HostOrder::ReverseInventory,
            "sorted" => HostOrder::Sorted,
            "reverse_sorted" => HostOrder::ReverseSorted,
            "shuffle" => HostOrder::Shuffle,
            other => {
                let message = if other.contains("{{") || other.contains("{%") {
                    "a templated `order` is not supported: write one of inventory, \
                     reverse_inventory, sorted, reverse_sorted, shuffle"
                        .to_owned()
                } else {
                    format!("Invalid 'order' specified for inventory hosts: {other}")
                };
                self.errors.push(PlanError::InvalidKeyword {
                    message,
                    span: o.span.clone(),
                });
                HostOrder::Inventory
            }
        }
    }

    fn vars_file(&mut self, f: &Node, dir: &Path) -> Map {
        // A list entry means "the first of these files that exists".
        let names: Vec<String> = match f.to_value() {
            Value::List(l) => l
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            v => v.as_str().map(|s| vec![s.to_owned()]).unwrap_or_default(),
        };
        let Some(path) = super::vars_files::find(dir, &names) else {
            self.errors.push(PlanError::VarsFile {
                file: names.join(", "),
                message: "not found (templated vars_files names are not supported)".into(),
                span: f.span.clone(),
            });
            return Map::new();
        };
        match crate::yaml::load_file(&path) {
            Err(e) => {
                self.errors.push(PlanError::VarsFile {
                    file: path.display().to_string(),
                    message: e.to_string(),
                    span: f.span.clone(),
                });
                Map::new()
            }
            Ok(l) => {
                let (doc, _) = l.single();
                let value = doc.as_ref().map_or(Value::Null, Node::to_value);
                super::vars_files::contents(value).unwrap_or_else(|| {
                    self.errors.push(PlanError::VarsFile {
                        file: path.display().to_string(),
                        message: "Invalid variable file contents: variable files must contain \
                                  either a dictionary of variables, or a list of dictionaries"
                            .into(),
                        span: f.span.clone(),
                    });
                    Map::new()
                })
            }
        }
    }

    fn role_use(&mut self, r: &RoleUse, inh: &Inherit) -> Vec<Step> {
        let mut params = inherited_params(inh);
        params.extend(r.params.iter().map(|(k, v)| (k.clone(), v.to_value())));
        let ctx = role_ctx(self, &r.role, params, inh.role.as_deref());
        let mut inner = self.apply(inh, &r.keywords);
        inner.role = Some(ctx);
        inner.collections = role_collections(&r.role);
        let mut steps = Vec::new();
        for d in &r.role.dependencies {
            steps.extend(self.role_use(d, &inner));
        }
        steps.extend(self.items(&r.role.tasks, &inner));
        steps
    }

    fn role_handlers(
        &mut self,
        r: &RoleUse,
        inh: &Inherit,
        seen: &mut Vec<PathBuf>,
        out: &mut Vec<Handler>,
    ) {
        for d in &r.role.dependencies {
            self.role_handlers(d, inh, seen, out);
        }
        if seen.contains(&r.role.info.path) {
            return;
        }
        seen.push(r.role.info.path.clone());
        let mut inner = inh.clone();
        inner.role = Some(role_ctx(self, &r.role, Map::new(), inh.role.as_deref()));
        inner.collections = role_collections(&r.role);
        let hs = self.items(&r.role.handlers, &inner);
        flatten_into(&hs, out);
    }

    /// Handlers of the roles `import_role` brings into `items` (nested
    /// ones, such as an imported role's dependencies, first), compiled in
    /// the import's context as Ansible parents them to the import.
    fn imported_handlers(
        &mut self,
        items: &[TaskItem],
        inh: &Inherit,
        seen: &mut Vec<PathBuf>,
        out: &mut Vec<Handler>,
    ) {
        for item in items {
            let TaskItem::Block(b) = item else { continue };
            let mut inner = self.apply(inh, &b.keywords);
            let imported = match &b.origin {
                BlockOrigin::ImportRole(role) => {
                    if inner.role.as_ref().map(|r| &r.path) != Some(&role.info.path) {
                        let params = include_params(&inner);
                        inner.role = Some(role_ctx(self, role, params, inner.role.as_deref()));
                        inner.collections = role_collections(role);
                    }
                    Some(role)
                }
                _ => None,
            };
            for list in [&b.block, &b.rescue, &b.always] {
                self.imported_handlers(list, &inner, seen, out);
            }
            if let Some(role) = imported {
                if !seen.contains(&role.info.path) {
                    seen.push(role.info.path.clone());
                    let hs = self.items(&role.handlers, &inner);
                    flatten_into(&hs, out);
                }
            }
        }
    }

    fn items(&mut self, items: &[TaskItem], inh: &Inherit) -> Vec<Step> {
        items.iter().filter_map(|i| self.item(i, inh)).collect()
    }

    fn item(&mut self, item: &TaskItem, inh: &Inherit) -> Option<Step> {
        match item {
            TaskItem::Task(t) => self.task(t, inh),
            TaskItem::Block(b) => Some(self.block(b, inh)),
            TaskItem::IncludeTasks(i) => self.include(i, inh),
            TaskItem::IncludeRole(r) => self.include_role(r, inh),
        }
    }

    fn block(&mut self, b: &Block, inh: &Inherit) -> Step {
        let mut inner = self.apply(inh, &b.keywords);
        if let BlockOrigin::ImportRole(role) = &b.origin {
            // An imported role gets its own context under the role in
            // force, even when it is that role (a role importing its own
            // other entry points stacks itself in
            // `ansible_parent_role_names`, as ansible-core does).
            let params = include_params(&inner);
            inner.role = Some(role_ctx(self, role, params, inner.role.as_deref()));
            inner.collections = role_collections(role);
        }
        Step::Block(Arc::new(BlockStep {
            block: self.items(&b.block, &inner),
            rescue: self.items(&b.rescue, &inner),
            always: self.items(&b.always, &inner),
            name: b.name.as_ref().map(|n| n.value.clone()),
        }))
    }

    fn task(&mut self, t: &Task, inh: &Inherit) -> Option<Step> {
        if t.action.module == "meta"
            && t.action.args.get("_raw_params").and_then(Node::as_str) == Some("flush_handlers")
        {
            // Named as any task: `role : name`, the action when unnamed.
            let name = t
                .name
                .as_ref()
                .map_or(t.action.written.clone(), |n| n.value.clone());
            let role = inh
                .role
                .as_ref()
                .map(|r| r.name.clone())
                .or_else(|| t.role.as_ref().map(|r| r.name.clone()));
            let banner = match role {
                Some(r) => format!("{r} : {name}"),
                None => name,
            };
            return Some(Step::MetaFlushHandlers(banner));
        }
        let mut dirs = vec![inh.playbook_dir.clone()];
        dirs.extend(inh.role.as_ref().map(|r| r.path.clone()));
        dirs.extend(t.role.as_ref().map(|r| r.path.clone()));
        let module = if t.action.is_templated() {
            // Resolved per host when one reaches the task (see
            // `TaskStep::module_is_templated`); until then a stand-in
            // that nothing runs.
            ModuleName::unimplemented(&t.action.written)
        } else {
            match super::resolve::module_of(&t.action.written, &inh.collections, &self.roots, &dirs)
            {
                Ok(m) => m,
                Err(name) => {
                    // Not one of ours and not one Ansible (or a library/
                    // dir, an installed collection) has: a typo, refused.
                    self.errors.push(PlanError::UnknownModule {
                        suggestion: (name == t.action.written)
                            .then(|| ModuleName::suggest(&t.action.module))
                            .flatten(),
                        name,
                        task: format!("task `{}`", t.display_name()),
                        span: t.action.span.clone(),
                    });
                    return None;
                }
            }
        };
        Some(Step::Task(Arc::new(self.task_step(t, inh, module))))
    }

    fn task_step(&mut self, t: &Task, inh: &Inherit, module: ModuleName) -> TaskStep {
        let inner = self.apply(inh, &t.keywords);
        let role = match (&inner.role, &t.role) {
            (Some(r), _) => Some(r.clone()),
            (None, Some(info)) => Some(Arc::new(RoleCtx {
                name: info.name.clone(),
                path: info.path.clone(),
                ..RoleCtx::default()
            })),
            (None, None) => None,
        };
        let lc = t.loop_control.as_ref();
        let mut used = inner.used.clone();
        for (present, k) in [
            (t.name.is_some(), Keyword::Name),
            (t.register.is_some(), Keyword::Register),
            (!t.until.is_empty(), Keyword::Until),
            (t.retries.is_some(), Keyword::Retries),
            (t.delay.is_some(), Keyword::Delay),
            (t.changed_when.is_some(), Keyword::ChangedWhen),
            (t.failed_when.is_some(), Keyword::FailedWhen),
            (!t.notify.is_empty(), Keyword::Notify),
            (!t.listen.is_empty(), Keyword::Listen),
            (lc.is_some(), Keyword::LoopControl),
            (t.async_.is_some(), Keyword::Async),
            (t.poll.is_some(), Keyword::Poll),
            (
                matches!(&t.loop_, Some(l) if l.kind == LoopKind::Loop),
                Keyword::Loop,
            ),
            (
                matches!(&t.loop_, Some(l) if l.kind != LoopKind::Loop),
                Keyword::WithLookup,
            ),
        ] {
            if present {
                used.mark_set(k);
            }
        }
        TaskStep {
            name: t.name.as_ref().map(|n| n.value.clone()),
            action: t.action.written.clone(),
            module,
            args: t
                .action
                .args
                .iter()
                .map(|(k, v)| (k.clone(), v.to_value()))
                .collect(),
            span: t.span.clone(),
            when: inner.when.clone(),
            loop_: t.loop_.as_ref().map(|l| LoopSpec {
                lookup: match &l.kind {
                    LoopKind::Loop => None,
                    LoopKind::With(n) => Some(n.clone()),
                },
                items: l.items.to_value(),
                subdir: ["template", "var", "file"]
                    .into_iter()
                    .find(|s| t.action.written.contains(s))
                    .map_or("files", |s| match s {
                        "template" => "templates",
                        "var" => "vars",
                        _ => "files",
                    }),
            }),
            loop_control: LoopControl {
                loop_var: lc
                    .and_then(|c| c.loop_var.as_ref())
                    .map(|s| s.value.clone()),
                index_var: lc
                    .and_then(|c| c.index_var.as_ref())
                    .map(|s| s.value.clone()),
                label: lc
                    .and_then(|c| c.label.as_ref())
                    .map(|n| crate::report::python_str(&n.to_value())),
                pause: lc.and_then(|c| c.pause.as_ref()).map(Node::to_value),
                extended: lc.and_then(|c| c.extended.as_ref()).map(flag_value),
                extended_allitems: lc
                    .and_then(|c| c.extended_allitems.as_ref())
                    .map(flag_value),
                break_when: lc
                    .map(|c| c.break_when.iter().map(cond_text).collect())
                    .unwrap_or_default(),
            },
            register: t.register.as_ref().map(|r| r.value.clone()),
            changed_when: t
                .changed_when
                .as_ref()
                .map(|v| v.iter().map(cond_text).collect()),
            failed_when: t
                .failed_when
                .as_ref()
                .map(|v| v.iter().map(cond_text).collect()),
            until: (!t.until.is_empty()).then(|| t.until.iter().map(cond_text).collect()),
            retries: t.retries.as_ref().map(Node::to_value),
            delay: t.delay.as_ref().map(Node::to_value),
            ignore_errors: inner.ignore_errors.clone(),
            ignore_unreachable: inner.ignore_unreachable.clone(),
            // A task's own `notify` replaces its block's (ansible-core
            // inherits list keywords without extending them).
            notify: if t.notify.is_empty() {
                inner.notify.clone().unwrap_or_default()
            } else {
                t.notify.iter().map(|n| n.value.clone()).collect()
            },
            listen: t.listen.iter().map(|n| n.value.clone()).collect(),
            tags: inner.tags.clone(),
            delegate_to: inner.delegate_to.clone(),
            delegate_facts: inner.delegate_facts.clone(),
            reach_error: inner.keyword_error.clone(),
            run_once: inner.run_once.clone(),
            any_errors_fatal: inner.any_errors_fatal,
            check_mode: inner.check_mode.clone(),
            diff: inner.diff,
            no_log: inner.no_log.clone(),
            vars: inner.vars.clone(),
            environment: inner.environment.clone(),
            become_: inner.become_.clone(),
            module_defaults: inner.module_defaults.clone(),
            collections: inner.collections.clone(),
            throttle: inner.throttle.clone(),
            timeout: inner.timeout.clone(),
            async_: t.async_.as_ref().map(Node::to_value),
            poll: t.poll.as_ref().map(Node::to_value),
            connection: inner.connection.clone(),
            keywords: used,
            search_paths: search_paths(role.as_deref(), &inner.playbook_dir),
            role,
        }
    }

    fn include(&mut self, i: &Include, inh: &Inherit) -> Option<Step> {
        let task = Arc::new(self.task_step(&i.task, inh, ModuleName::META));
        let mut parent = inh.clone();
        parent.when.clear();
        let inherit = Arc::new(TaskStep {
            when: Vec::new(),
            ..self.task_step(&i.task, &parent, ModuleName::META)
        });
        Some(Step::Include(Arc::new(IncludeStep {
            task,
            target: i.file.value.clone(),
            is_role: false,
            from: Default::default(),
            inherit,
            base_dir: i.base_dir.clone(),
        })))
    }

    fn include_role(&mut self, r: &IncludeRole, inh: &Inherit) -> Option<Step> {
        let task = Arc::new(self.task_step(&r.task, inh, ModuleName::META));
        let inherit = Arc::new(TaskStep {
            when: Vec::new(),
            ..self.task_step(&r.task, inh, ModuleName::META)
        });
        Some(Step::Include(Arc::new(IncludeStep {
            task,
            target: r.name.value.clone(),
            is_role: true,
            from: r.from.clone(),
            inherit,
            base_dir: inh.playbook_dir.clone(),
        })))
    }
}

/// The roles a play names (`roles:`, then `import_role` in its task
/// lists) and all their dependencies, as ansible-core's `play.roles`
/// holds them when the play starts (an `include_role` adds its role when
/// it runs: see [`Included`]).
fn play_roles(p: &Play) -> (Vec<String>, Vec<String>) {
    let mut names = RoleNames::default();
    for r in &p.roles {
        names.role(&r.role);
    }
    for list in [&p.pre_tasks, &p.tasks, &p.post_tasks] {
        names.imports(list);
    }
    (names.named, names.dependencies.into_iter().collect())
}

/// Role names in the order ansible-core appends roles to `play.roles` as
/// it loads them (a role, then the roles `import_role` brings in among its
/// tasks), and their dependencies, each once.
#[derive(Default)]
struct RoleNames {
    named: Vec<String>,
    dependencies: std::collections::BTreeSet<String>,
}

impl RoleNames {
    fn role(&mut self, role: &Role) {
        self.named.push(role.info.name.clone());
        self.depends(role);
        self.imports(&role.tasks);
    }

    fn depends(&mut self, role: &Role) {
        for d in &role.dependencies {
            self.dependencies.insert(d.role.info.name.clone());
            self.depends(&d.role);
            self.imports(&d.role.tasks);
        }
    }

    fn imports(&mut self, items: &[TaskItem]) {
        for item in items {
            if let TaskItem::Block(b) = item {
                if let BlockOrigin::ImportRole(role) = &b.origin {
                    // Its tasks are this block's: not looked at twice.
                    self.named.push(role.info.name.clone());
                    self.depends(role);
                }
                for list in [&b.block, &b.rescue, &b.always] {
                    self.imports(list);
                }
            }
        }
    }
}

/// A role's tasks look up short module names in its own `meta/main.yml`
/// `collections`, never in the play's (Ansible's rule).
fn role_collections(role: &Role) -> Vec<String> {
    role.collections.iter().map(|c| c.value.clone()).collect()
}

/// The implicit `Gathering Facts` task of a play: the play's keywords in
/// force, nothing else (ansible-core makes it a task of the play too).
fn gather_step(inh: &Inherit, span: &crate::source::Span) -> TaskStep {
    TaskStep {
        name: Some("Gathering Facts".into()),
        action: "ansible.builtin.gather_facts".into(),
        module: ModuleName::META,
        args: Map::new(),
        span: span.clone(),
        when: Vec::new(),
        loop_: None,
        loop_control: LoopControl::default(),
        register: None,
        changed_when: None,
        failed_when: None,
        until: None,
        retries: None,
        delay: None,
        ignore_errors: inh.ignore_errors.clone(),
        ignore_unreachable: inh.ignore_unreachable.clone(),
        notify: Vec::new(),
        listen: Vec::new(),
        tags: vec!["always".into()],
        delegate_to: None,
        delegate_facts: None,
        reach_error: None,
        run_once: None,
        any_errors_fatal: inh.any_errors_fatal,
        check_mode: inh.check_mode.clone(),
        diff: inh.diff,
        no_log: inh.no_log.clone(),
        vars: Map::new(),
        environment: inh.environment.clone(),
        become_: inh.become_.clone(),
        connection: inh.connection.clone(),
        module_defaults: inh.module_defaults.clone(),
        collections: inh.collections.clone(),
        throttle: inh.throttle.clone(),
        timeout: inh.timeout.clone(),
        async_: None,
        poll: None,
        keywords: inh.used.clone(),
        role: None,
        search_paths: search_paths(None, &inh.playbook_dir),
    }
}

/// The role params a role inherits from the roles above it (Ansible's
/// `Role.get_role_params(dep_chain)`: every parent's params, outermost
/// first, then the role's own on top): a dependency, or a role imported
/// from a role's tasks, sees the params its parent was given.
fn inherited_params(inh: &Inherit) -> Map {
    inh.role
        .as_ref()
        .map(|parent| parent.params.clone())
        .unwrap_or_default()
}

/// The params of a role `include_role` or `import_role` brings in: the
/// including role's own, with it in front of `ansible_parent_role_names`
/// and `ansible_parent_role_paths` (ansible-core's
/// `IncludeRole.get_include_params`; a dependency gets no such names).
fn include_params(inh: &Inherit) -> Map {
    let Some(parent) = inh.role.as_ref() else {
        return Map::new();
    };
    let mut params = parent.params.clone();
    let path = std::path::absolute(&parent.path).unwrap_or_else(|_| parent.path.clone());
    for (key, value) in [
        ("ansible_parent_role_names", parent.name.clone()),
        ("ansible_parent_role_paths", path.display().to_string()),
    ] {
        let mut list = match params.get(key) {
            Some(Value::List(l)) => l.clone(),
            _ => Vec::new(),
        };
        list.insert(0, Value::Str(value));
        params.insert(key.into(), Value::List(list));
    }
    params
}

/// The context of `role` run under `parent` (the role whose dependency it
/// is or whose tasks bring it in; `None` at play level).
fn role_ctx(c: &mut Compiler, role: &Role, params: Map, parent: Option<&RoleCtx>) -> Arc<RoleCtx> {
    let own = c.map_of(role.vars.as_ref(), "vars/main");
    let inherited = parent.map(|p| p.chain_vars.clone()).unwrap_or_default();
    let mut vars = inherited.clone();
    vars.extend(super::role_vars::exports(role));
    let mut chain_vars = inherited;
    chain_vars.extend(own);
    Arc::new(RoleCtx {
        name: role.info.name.clone(),
        path: role.info.path.clone(),
        defaults: c.map_of(role.defaults.as_ref(), "defaults/main"),
        vars,
        chain_vars,
        params,
    })
}

/// Where `copy`/`template`/`script` look for `src`: the role's `files/`
/// and `templates/`, the role itself, then the playbook's own dirs.
fn search_paths(role: Option<&RoleCtx>, playbook_dir: &Path) -> Vec<PathBuf> {
    let mut v = Vec::new();
    if let Some(r) = role {
        v.push(r.path.join("files"));
        v.push(r.path.join("templates"));
        v.push(r.path.join("tasks"));
        v.push(r.path.clone());
    }
    v.push(playbook_dir.join("files"));
    v.push(playbook_dir.join("templates"));
    v.push(playbook_dir.to_path_buf());
    v
}

/// Handlers are tasks or includes: blocks inside `handlers:` contribute
/// theirs.
fn flatten_into(steps: &[Step], out: &mut Vec<Handler>) {
    for s in steps {
        match s {
            Step::Task(t) => out.push(Handler::Task(t.clone())),
            Step::Include(i) => out.push(Handler::Include(i.clone())),
            Step::Block(b) => {
                flatten_into(&b.block, out);
                flatten_into(&b.always, out);
            }
            Step::FlushHandlers | Step::MetaFlushHandlers(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::playbook::testing::parse_tree;

    fn strategy(name: &str) -> Result<Strategy, PlanErrors> {
        let text = format!("- hosts: all\n  strategy: {name}\n  tasks: []\n");
        let (_dir, pb) = parse_tree(&[("site.yml", &text)]);
        compile(&pb.expect("parses")).map(|p| p.plays[0].strategy)
    }

    /// The strategy plugins' short and fully qualified names both name
    /// them, as in ansible-core; any other name is refused before a run.
    #[test]
    fn strategies_by_short_and_qualified_name() {
        assert_eq!(strategy("free").ok(), Some(Strategy::Free));
        assert_eq!(strategy("ansible.builtin.free").ok(), Some(Strategy::Free));
        assert_eq!(strategy("linear").ok(), Some(Strategy::Linear));
        assert_eq!(
            strategy("ansible.builtin.linear").ok(),
            Some(Strategy::Linear)
        );
        assert!(strategy("host_pinned").is_err());
    }

    /// A play's `gather_timeout` is an int (or a template); anything else
    /// stops the run before any host, in ansible-core's words.
    #[test]
    fn gather_timeout_must_be_an_int() {
        let play = |t: &str| {
            let text = format!("- hosts: all\n  gather_timeout: {t}\n  tasks: []\n");
            let (_dir, pb) = parse_tree(&[("site.yml", &text)]);
            compile(&pb.expect("parses"))
                .map(|_| ())
                .map_err(|e| e.to_string())
        };
        assert!(play("5").is_ok());
        assert!(play("'{{ n }}'").is_ok());
        let e = play("soon").expect_err("refused");
        assert!(
            e.contains("Error processing keyword 'gather_timeout': The value 'soon' could not be converted to 'int'."),
            "{e}"
        );
    }
}
