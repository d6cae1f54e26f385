//! The plan's data types.

use crate::modules::ModuleName;
use crate::source::Span;
use crate::value::{Map, Value};
use std::path::PathBuf;
use std::sync::Arc;

/// One `when` condition: its text for the template layer, and whether it
/// was written as a YAML boolean (`when: false`), which ansible-core
/// reports as one (`false_condition: false`, where the string `"False"`
/// is reported as written).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct When {
    /// The expression (`True`/`False` for a boolean).
    pub text: String,
    /// Written as a YAML boolean.
    pub literal: bool,
}

impl When {
    /// The condition as a skipped result's `false_condition` shows it.
    pub fn as_written(&self) -> Value {
        match self.literal {
            true => Value::Bool(self.text == "True"),
            false => Value::Str(self.text.clone()),
        }
    }
}

impl AsRef<str> for When {
    fn as_ref(&self) -> &str {
        &self.text
    }
}

/// A whole compiled playbook.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// Plays in order (imported playbooks flattened).
    pub plays: Vec<PlayPlan>,
    /// Directory of the top playbook (`playbook_dir`, vars roots).
    pub playbook_dir: PathBuf,
}

impl Plan {
    /// How many plays, from the first, select the same hosts before the
    /// run as when they start: up to the first play that may change the
    /// inventory ([`PlayPlan::may_change_inventory`]), that one included.
    /// The hosts of the others are known only when they start.
    pub fn plays_with_static_hosts(&self) -> usize {
        self.plays
            .iter()
            .position(PlayPlan::may_change_inventory)
            .map_or(self.plays.len(), |i| i + 1)
    }
}

/// How many hosts a `serial` batch holds.
#[derive(Clone, Debug, PartialEq)]
pub enum Serial {
    /// A host count (0 or less: every host left).
    Count(i64),
    /// A percentage of the play's hosts (floor, at least 1).
    Percent(f64),
    /// A template, rendered when the play starts (to a count, a
    /// percentage or a list of them).
    Template(String),
}

/// `order:`: the order a play's hosts are taken in (for batches and for
/// who starts first).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HostOrder {
    /// As the inventory lists them.
    #[default]
    Inventory,
    /// The inventory's order reversed.
    ReverseInventory,
    /// By name.
    Sorted,
    /// By name, descending.
    ReverseSorted,
    /// Random.
    Shuffle,
}

/// Ansible's strategies.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Strategy {
    /// Every host finishes a task before any starts the next.
    #[default]
    Linear,
    /// Each host runs ahead on its own.
    Free,
}

/// One play, ready to run.
#[derive(Clone, Debug, Default)]
pub struct PlayPlan {
    /// The banner name (the host pattern when unnamed).
    pub name: String,
    /// The `hosts:` pattern (may be templated).
    pub hosts: String,
    /// Gather facts first.
    pub gather_facts: bool,
    /// Play `vars` then `vars_files`, raw (templated lazily).
    pub vars: Map,
    /// Batches (`serial`); empty = all hosts at once.
    pub serial: Vec<Serial>,
    /// `order`.
    pub order: HostOrder,
    /// Strategy.
    pub strategy: Strategy,
    /// A templated `strategy:` as written: rendered when the play starts
    /// (play vars and extra vars, as Ansible's `post_validate` does), and
    /// then it replaces [`PlayPlan::strategy`].
    pub strategy_template: Option<String>,
    /// Fail every host of the batch when one fails: the play's
    /// `any_errors_fatal`, else the configured default; a role, block or
    /// task that sets its own wins ([`TaskStep::any_errors_fatal`]).
    pub any_errors_fatal: bool,
    /// Abort when more than this percentage of a batch failed.
    pub max_fail_percentage: Option<f64>,
    /// Run notified handlers even on failed hosts.
    pub force_handlers: bool,
    /// pre_tasks, roles, tasks, post_tasks, with flush points between.
    pub steps: Vec<Step>,
    /// Handlers in definition order (roles' first, as Ansible orders them).
    pub handlers: Vec<Handler>,
    /// The implicit `Gathering Facts` task: the play's own keywords
    /// (`become`, `connection`, `remote_user`, ...) in force, as Ansible
    /// runs fact gathering with them.
    pub gather: Option<Arc<TaskStep>>,
    /// The play-level keywords this play carries (`hosts`, `serial`,
    /// play `vars`, ...) and which of them the run read.
    pub keywords: super::KeywordUse,
    /// Where the play was written.
    pub span: Option<Span>,
    /// The roles the play names (`roles:` and `import_role`), in order:
    /// `ansible_play_role_names`.
    pub role_names: Vec<String>,
    /// Their dependencies, at any depth, sorted and each once:
    /// `ansible_dependent_role_names` (a set in ansible-core).
    pub dependent_role_names: Vec<String>,
}

/// A handler: a task, or an `include_tasks`/`include_role` whose tasks
/// run as handlers for the hosts that notified it (Ansible allows both in
/// `handlers:`).
#[derive(Clone, Debug)]
pub enum Handler {
    /// A task.
    Task(Arc<TaskStep>),
    /// A dynamic include.
    Include(Arc<IncludeStep>),
}

impl PlayPlan {
    /// Whether running this play may change the inventory later plays
    /// select from: a `group_by` or `add_host` task, or a templated module
    /// name or dynamic include (which could be one), among its tasks or
    /// handlers.
    pub fn may_change_inventory(&self) -> bool {
        fn any(steps: &[Step]) -> bool {
            steps.iter().any(|s| match s {
                Step::Task(t) => changes(t),
                Step::Block(b) => any(&b.block) || any(&b.rescue) || any(&b.always),
                Step::Include(_) => true,
                Step::FlushHandlers | Step::MetaFlushHandlers(_) => false,
            })
        }
        fn changes(t: &TaskStep) -> bool {
            use crate::modules::Builtin;
            t.module_is_templated()
                || matches!(
                    t.module.builtin(),
                    Some(Builtin::GroupBy | Builtin::AddHost)
                )
        }
        any(&self.steps)
            || self.handlers.iter().any(|h| match h {
                Handler::Task(t) => changes(t),
                Handler::Include(_) => true,
            })
    }
}

impl Handler {
    /// The handler's own task (for an include, the include task): its
    /// name and `listen` topics are what notifications look for.
    pub fn task(&self) -> &Arc<TaskStep> {
        match self {
            Handler::Task(t) => t,
            Handler::Include(i) => &i.task,
        }
    }
}

/// One step of a play.
#[derive(Clone, Debug)]
pub enum Step {
    /// A task.
    Task(Arc<TaskStep>),
    /// A block with rescue/always sections.
    Block(Arc<BlockStep>),
    /// A dynamic include, expanded per host at run time.
    Include(Arc<IncludeStep>),
    /// The implicit flushes between sections: no banner.
    FlushHandlers,
    /// A written `meta: flush_handlers`: Ansible shows its task banner
    /// (this text: the task's name, or `meta`) before the handlers.
    MetaFlushHandlers(String),
}

/// A block: its sections run as Ansible's do (rescue on failure, always always).
#[derive(Clone, Debug, Default)]
pub struct BlockStep {
    /// The tasks.
    pub block: Vec<Step>,
    /// Run for hosts that failed in `block`.
    pub rescue: Vec<Step>,
    /// Run for every host that entered the block.
    pub always: Vec<Step>,
    /// Name, for messages.
    pub name: Option<String>,
}

/// `become` keywords in force for a task (innermost wins).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BecomeKeywords {
    /// `become:` (raw: may be templated or a YAML bool).
    pub become_: Option<Value>,
    /// `become_user:`.
    pub user: Option<String>,
    /// `become_method:`.
    pub method: Option<String>,
    /// `become_flags:`.
    pub flags: Option<String>,
    /// `become_exe:`.
    pub exe: Option<String>,
}

/// Connection keywords in force for a task (innermost wins), raw.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ConnectionKeywords {
    /// `connection:`.
    pub connection: Option<String>,
    /// `remote_user:`.
    pub remote_user: Option<String>,
    /// `port:` (an integer or a template).
    pub port: Option<Value>,
}

/// The role a task comes from.
#[derive(Clone, Debug, Default)]
pub struct RoleCtx {
    /// Role name (`role : task` in banners).
    pub name: String,
    /// Role directory (`role_path`).
    pub path: PathBuf,
    /// `defaults/main` (lowest precedence).
    pub defaults: Map,
    /// The role's variables (above play vars): the `vars/main` of the
    /// roles above it, what its dependencies export, its own `vars/main`
    /// (see `plan/role_vars.rs`).
    pub vars: Map,
    /// What a role under this one inherits: the `vars/main` of this role
    /// and of the roles above it, outermost first.
    pub chain_vars: Map,
    /// Role params from `roles:` entries (above set_fact).
    pub params: Map,
}

/// A loop (`loop:` or `with_<lookup>:`).
#[derive(Clone, Debug, PartialEq)]
pub struct LoopSpec {
    /// `None` for `loop:`; `Some("items")` for `with_items` (flattens one level), etc.
    pub lookup: Option<String>,
    /// The items expression or list, raw.
    pub items: Value,
    /// Where a `with_first_found` loop looks first: `templates`, `vars`
    /// or `files`, by the first of `template`, `var`, `file` in the
    /// action's name (Ansible's rule; `files` when none is).
    pub subdir: &'static str,
}

/// `loop_control`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LoopControl {
    /// Variable name for the item (default `item`).
    pub loop_var: Option<String>,
    /// Variable name for the index.
    pub index_var: Option<String>,
    /// Label template shown as `(item=...)`.
    pub label: Option<String>,
    /// Seconds between items (raw: a number or a template).
    pub pause: Option<Value>,
    /// Expose `ansible_loop` (raw flag).
    pub extended: Option<Value>,
    /// With `extended`, also `ansible_loop.allitems` (raw flag; default
    /// true).
    pub extended_allitems: Option<Value>,
    /// `break_when`: stop the loop after the first item for which all
    /// of these hold.
    pub break_when: Vec<String>,
}

/// One task with every inherited keyword pushed down onto it.
#[derive(Clone, Debug)]
pub struct TaskStep {
    /// `name:` as written (templated for the banner).
    pub name: Option<String>,
    /// The action as written (`ansible.builtin.copy`), for unnamed banners.
    pub action: String,
    /// The resolved module; for a templated name
    /// ([`TaskStep::module_is_templated`]) a stand-in until the executor
    /// resolves it for the host reaching the task.
    pub module: ModuleName,
    /// Arguments, raw (templated per host, per item).
    pub args: Map,
    /// Where the task is.
    pub span: Span,
    /// All `when` conditions in force (parents' first); all must hold.
    pub when: Vec<When>,
    /// The loop, if any.
    pub loop_: Option<LoopSpec>,
    /// `loop_control`.
    pub loop_control: LoopControl,
    /// `register:` name.
    pub register: Option<String>,
    /// `changed_when` (AND of the list); `Some(vec![])` never happens.
    pub changed_when: Option<Vec<String>>,
    /// `failed_when`.
    pub failed_when: Option<Vec<String>>,
    /// `until` (retry until true).
    pub until: Option<Vec<String>>,
    /// `retries` (raw; default 3 when `until` is set).
    pub retries: Option<Value>,
    /// `delay` seconds (raw; default 5).
    pub delay: Option<Value>,
    /// `ignore_errors` (raw).
    pub ignore_errors: Option<Value>,
    /// `ignore_unreachable`.
    pub ignore_unreachable: Option<Value>,
    /// Handlers to notify on change.
    pub notify: Vec<String>,
    /// For handlers: topics they listen to.
    pub listen: Vec<String>,
    /// Effective tags (inherited included).
    pub tags: Vec<String>,
    /// `delegate_to` (raw).
    pub delegate_to: Option<String>,
    /// `delegate_facts` (raw): the facts the task returns go to the
    /// `delegate_to` host instead of this one.
    pub delegate_facts: Option<Value>,
    /// An error ansible-core's post-validation raises when a host reaches
    /// the task, after its `when`: a boolean keyword in force whose
    /// literal is not a boolean (`diff: yes.`), or a templated module name
    /// that rendered to no module. The task (each loop item) fails with it.
    pub reach_error: Option<String>,
    /// `run_once` (raw: a YAML bool or a template, rendered per host in
    /// batch order before the task runs; see `run::reaching`).
    pub run_once: Option<Value>,
    /// `any_errors_fatal` set on the play or a role, block or task above
    /// (innermost wins): a failure of this task on one host fails every
    /// host of the batch. `None`: [`PlayPlan::any_errors_fatal`].
    pub any_errors_fatal: Option<bool>,
    /// `check_mode` override (raw).
    pub check_mode: Option<Value>,
    /// `diff` override.
    pub diff: Option<bool>,
    /// `no_log` (raw: a YAML bool or a template, rendered per host).
    pub no_log: Option<Value>,
    /// Block and task `vars`, merged (task wins), raw.
    pub vars: Map,
    /// `environment` layers, outermost first (each raw: a map or a template).
    pub environment: Vec<Value>,
    /// Become keywords in force.
    pub become_: BecomeKeywords,
    /// `module_defaults` in force, outermost first (see
    /// [`super::module_defaults_for`]).
    pub module_defaults: Vec<super::ModuleDefault>,
    /// `collections` in force (where short module names of tasks it
    /// includes are looked up).
    pub collections: Vec<String>,
    /// `throttle:` (raw): at most this many hosts run the task at once.
    pub throttle: Option<Value>,
    /// `timeout:` in seconds (raw: an integer or a template); each
    /// attempt of the task must finish within it.
    pub timeout: Option<Value>,
    /// `async:` in seconds (raw): run the module as a background job.
    pub async_: Option<Value>,
    /// `poll:` in seconds (raw): how often to check the job (0: do not
    /// wait for it).
    pub poll: Option<Value>,
    /// Connection keywords in force.
    pub connection: ConnectionKeywords,
    /// The role, when the task comes from one.
    pub role: Option<Arc<RoleCtx>>,
    /// The keywords this task carries and which of them the run read.
    pub keywords: super::KeywordUse,
    /// Directories searched for `src` files (role files/templates, playbook dir).
    pub search_paths: Vec<PathBuf>,
}

impl TaskStep {
    /// Whether the module is named by a template (`action: "{{ m }}"`):
    /// ansible-core renders it per host, with that host's variables, when
    /// the host reaches the task.
    pub fn module_is_templated(&self) -> bool {
        crate::template::Templar::is_template(&self.action)
    }

    /// The banner text before templating: `role : name`, or the action.
    pub fn banner(&self, rendered_name: Option<&str>) -> String {
        let name = rendered_name
            .map(str::to_owned)
            .or_else(|| self.name.clone())
            .unwrap_or_else(|| self.action.clone());
        match &self.role {
            Some(r) => format!("{} : {}", r.name, name),
            None => name,
        }
    }
}

/// `include_tasks` / `include_role`: expanded per host at run time.
#[derive(Clone, Debug)]
pub struct IncludeStep {
    /// The include itself as a task (its `when`, `loop`, `vars`, `name`).
    pub task: Arc<TaskStep>,
    /// The file (raw, may be templated), or the role name for include_role.
    pub target: String,
    /// An `include_role` rather than `include_tasks`.
    pub is_role: bool,
    /// For a role, `tasks_from` and friends as written (may be
    /// templated; rendered per host with the include's name).
    pub from: crate::playbook::RoleFrom,
    /// The keywords the included tasks inherit (as a template task whose
    /// `search_paths` end with the playbook dir).
    pub inherit: Arc<TaskStep>,
    /// Directory relative file names start from.
    pub base_dir: PathBuf,
}
