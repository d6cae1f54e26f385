//! The closed table of playbook keywords: every keyword ansible-core
//! 2.19.14 has on a play, a role entry, a block, a task, a handler and an
//! `import_playbook` entry, each either honoured with Ansible's semantics
//! or refused (with the reason) when the playbook is parsed, before any
//! host is touched.
//!
//! This table is the parser's only list of keywords: a key is a keyword of
//! an object exactly when the table has a row for it ([`lookup`]). A
//! refused keyword is a [`super::PlaybookError::RefusedKeyword`] at the
//! key's file:line:column. Nothing is parsed and then dropped.
//!
//! Checked three ways (see the tests at the end and
//! `tests/keywords/ansible-keywords.py`): the set of (object, keyword)
//! pairs equals what the installed ansible-core declares; every honoured
//! row names a test that exists; `docs/compatibility.md` is rendered from
//! this table.
//!
//! To honour a keyword:
//! 1. store it in the plan (`plan/compile.rs`) and mark it carried there
//!    (`KeywordUse::mark_set` on the task or play that holds it);
//! 2. apply it in the run and mark it read where its value is used
//!    (`task.keywords.read(Keyword::…)`);
//! 3. give it a sample in `tests/run/keyword_use.rs` (that test fails on
//!    an honoured keyword that is carried and never read);
//! 4. add the test that compares it with ansible-playbook (`tests/run/twin.rs`
//!    runs both on twin hosts) and change its row to [`Status::Honoured`]
//!    naming that test. `docs/compatibility.md` follows
//!    (`UPDATE_DOCS=1 cargo test --lib keyword_table`).

use std::fmt;

/// The kinds of playbook objects that take keywords.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Object {
    /// A play.
    Play,
    /// A role entry (`roles:` item, `meta/main.yml` dependency).
    Role,
    /// A `block:` (also what static imports become).
    Block,
    /// A task of `tasks:`/`pre_tasks:`/`post_tasks:` or a task file.
    Task,
    /// A task under `handlers:` (or a role's `handlers/`).
    Handler,
    /// An `import_playbook:` entry.
    PlaybookInclude,
}

impl Object {
    /// Every object kind, in the order documentation lists them.
    pub const ALL: [Object; 6] = [
        Object::Play,
        Object::Role,
        Object::Block,
        Object::Task,
        Object::Handler,
        Object::PlaybookInclude,
    ];

    /// The class name ansible-core uses (and its messages show).
    pub fn name(self) -> &'static str {
        match self {
            Object::Play => "Play",
            Object::Role => "Role",
            Object::Block => "Block",
            Object::Task => "Task",
            Object::Handler => "Handler",
            Object::PlaybookInclude => "PlaybookInclude",
        }
    }
}

impl fmt::Display for Object {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

macro_rules! keywords {
    ($($variant:ident = $name:literal,)*) => {
        /// One playbook keyword (a `with_<lookup>` loop is [`Keyword::WithLookup`]).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Keyword {
            $(
                #[doc = concat!("`", $name, "`")]
                $variant,
            )*
        }

        impl Keyword {
            /// Every keyword, alphabetically.
            pub const ALL: &'static [Keyword] = &[$(Keyword::$variant,)*];

            /// The keyword as written (`with_<lookup_plugin>` for loops).
            pub fn name(self) -> &'static str {
                match self {
                    $(Keyword::$variant => $name,)*
                }
            }
        }
    };
}

keywords! {
    Action = "action",
    Always = "always",
    AnyErrorsFatal = "any_errors_fatal",
    Args = "args",
    Async = "async",
    Become = "become",
    BecomeExe = "become_exe",
    BecomeFlags = "become_flags",
    BecomeMethod = "become_method",
    BecomeUser = "become_user",
    Block = "block",
    ChangedWhen = "changed_when",
    CheckMode = "check_mode",
    Collections = "collections",
    Connection = "connection",
    Debugger = "debugger",
    Delay = "delay",
    DelegateFacts = "delegate_facts",
    DelegateTo = "delegate_to",
    Diff = "diff",
    Environment = "environment",
    FactPath = "fact_path",
    FailedWhen = "failed_when",
    ForceHandlers = "force_handlers",
    GatherFacts = "gather_facts",
    GatherSubset = "gather_subset",
    GatherTimeout = "gather_timeout",
    Handlers = "handlers",
    Hosts = "hosts",
    IgnoreErrors = "ignore_errors",
    IgnoreUnreachable = "ignore_unreachable",
    ImportPlaybook = "import_playbook",
    Listen = "listen",
    LocalAction = "local_action",
    Loop = "loop",
    LoopControl = "loop_control",
    MaxFailPercentage = "max_fail_percentage",
    ModuleDefaults = "module_defaults",
    Name = "name",
    NoLog = "no_log",
    Notify = "notify",
    Order = "order",
    Poll = "poll",
    Port = "port",
    PostTasks = "post_tasks",
    PreTasks = "pre_tasks",
    Register = "register",
    RemoteUser = "remote_user",
    Rescue = "rescue",
    Retries = "retries",
    Roles = "roles",
    RunOnce = "run_once",
    Serial = "serial",
    Strategy = "strategy",
    Tags = "tags",
    Tasks = "tasks",
    Throttle = "throttle",
    Timeout = "timeout",
    Until = "until",
    Vars = "vars",
    VarsFiles = "vars_files",
    VarsPrompt = "vars_prompt",
    When = "when",
    WithLookup = "with_<lookup_plugin>",
}

impl Keyword {
    /// The keyword a key of a playbook object is (`with_items` is
    /// [`Keyword::WithLookup`]); `None` for any other key.
    pub fn from_key(key: &str) -> Option<Keyword> {
        if key.starts_with("with_") && key.len() > "with_".len() {
            return Some(Keyword::WithLookup);
        }
        Keyword::ALL.iter().copied().find(|k| k.name() == key)
    }
}

impl fmt::Display for Keyword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What this engine does with a keyword on some objects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Read and applied with Ansible's semantics; `test` is the test that
    /// shows it (against ansible-playbook where the effect is visible).
    Honoured {
        /// The name of the test function that proves it.
        test: &'static str,
    },
    /// Refused when the playbook is parsed, for this reason.
    Refused(&'static str),
    /// Accepted, and changes nothing, as in ansible-core (the reason says
    /// why there is nothing to do).
    NoEffect(&'static str),
}

/// One row: a keyword, the objects it applies to, and its status there.
/// A keyword may have several rows when its status differs by object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Row {
    /// The keyword.
    pub keyword: Keyword,
    /// The objects this row covers.
    pub objects: &'static [Object],
    /// What happens to it there.
    pub status: Status,
}

use Object::{Block as B, Handler as H, Play as P, PlaybookInclude as I, Role as R, Task as T};

/// Every object.
const ALL: &[Object] = &[P, R, B, T, H, I];
/// Objects that run tasks (not an `import_playbook` entry).
const NOT_IMPORT: &[Object] = &[P, R, B, T, H];
/// Objects inside a play.
const IN_PLAY: &[Object] = &[R, B, T, H];
/// Task-like objects.
const TASKS: &[Object] = &[T, H];

const fn honoured(keyword: Keyword, objects: &'static [Object], test: &'static str) -> Row {
    Row {
        keyword,
        objects,
        status: Status::Honoured { test },
    }
}

const fn refused(keyword: Keyword, objects: &'static [Object], reason: &'static str) -> Row {
    Row {
        keyword,
        objects,
        status: Status::Refused(reason),
    }
}

/// ansible-core 2.19 passes only `vars`, `tags` and `when` of an
/// `import_playbook` entry on to the imported plays.
const IMPORT_IGNORES: &str = "ansible-core 2.19 ignores it on `import_playbook` (only `vars`, `tags` and `when` reach the imported plays); set it on the imported plays";

use Keyword as K;

/// The table. Rows are sorted by keyword; `(object, keyword)` pairs are
/// unique (checked by a test).
pub static TABLE: &[Row] = &[
    honoured(K::Action, TASKS, "action_and_local_action"),
    honoured(K::Always, &[B], "every_golden_run_matches_ansible"),
    honoured(
        K::AnyErrorsFatal,
        NOT_IMPORT,
        "any_errors_fatal_on_a_block_or_task_fails_every_host",
    ),
    refused(K::AnyErrorsFatal, &[I], IMPORT_IGNORES),
    honoured(K::Args, TASKS, "every_golden_run_matches_ansible"),
    honoured(
        K::Async,
        TASKS,
        "poll_zero_returns_at_once_and_async_status_reads_and_cleans_the_job",
    ),
    honoured(
        K::Become,
        NOT_IMPORT,
        "become_user_runs_as_that_user_at_every_level",
    ),
    refused(K::Become, &[I], IMPORT_IGNORES),
    honoured(K::BecomeExe, NOT_IMPORT, "become_method_su_flags_and_exe"),
    refused(K::BecomeExe, &[I], IMPORT_IGNORES),
    honoured(K::BecomeFlags, NOT_IMPORT, "become_method_su_flags_and_exe"),
    refused(K::BecomeFlags, &[I], IMPORT_IGNORES),
    honoured(
        K::BecomeMethod,
        NOT_IMPORT,
        "become_method_su_flags_and_exe",
    ),
    refused(K::BecomeMethod, &[I], IMPORT_IGNORES),
    honoured(
        K::BecomeUser,
        NOT_IMPORT,
        "become_user_runs_as_that_user_at_every_level",
    ),
    refused(K::BecomeUser, &[I], IMPORT_IGNORES),
    honoured(K::Block, &[B], "every_golden_run_matches_ansible"),
    honoured(K::ChangedWhen, TASKS, "every_golden_run_matches_ansible"),
    honoured(
        K::CheckMode,
        NOT_IMPORT,
        "check_mode_changes_nothing_on_any_host_and_counts_like_ansible",
    ),
    refused(K::CheckMode, &[I], IMPORT_IGNORES),
    honoured(
        K::Collections,
        &[P, B, T, H],
        "module_defaults_fill_what_the_task_leaves_unset",
    ),
    Row {
        keyword: K::Collections,
        objects: &[R],
        status: Status::NoEffect(
            "ansible-core resets a role's collections to its `meta/main.yml` list",
        ),
    },
    honoured(
        K::Connection,
        NOT_IMPORT,
        "connection_local_at_play_level_runs_on_the_controller",
    ),
    refused(K::Connection, &[I], IMPORT_IGNORES),
    refused(
        K::Debugger,
        NOT_IMPORT,
        "the interactive task debugger is not supported",
    ),
    refused(K::Debugger, &[I], IMPORT_IGNORES),
    honoured(K::Delay, TASKS, "every_golden_run_matches_ansible"),
    honoured(
        K::DelegateFacts,
        IN_PLAY,
        "delegate_facts_give_the_facts_to_the_delegate",
    ),
    honoured(
        K::DelegateTo,
        IN_PLAY,
        "delegate_to_another_inventory_host_runs_there",
    ),
    honoured(K::Diff, NOT_IMPORT, "every_golden_run_matches_ansible"),
    refused(K::Diff, &[I], IMPORT_IGNORES),
    honoured(
        K::Environment,
        NOT_IMPORT,
        "provision_from_an_empty_dir_with_only_the_binary_keeps_a_clean_record",
    ),
    refused(K::Environment, &[I], IMPORT_IGNORES),
    honoured(K::FactPath, &[P], "local_facts_read_as_ansible_reads_them"),
    honoured(K::FailedWhen, TASKS, "every_golden_run_matches_ansible"),
    honoured(K::ForceHandlers, &[P], "every_golden_run_matches_ansible"),
    honoured(K::GatherFacts, &[P], "every_golden_run_matches_ansible"),
    refused(
        K::GatherSubset,
        &[P],
        "fact subsets are not supported: facts are always gathered whole",
    ),
    honoured(
        K::GatherTimeout,
        &[P],
        "setup_options_that_are_accepted_give_ansibles_facts",
    ),
    honoured(K::Handlers, &[P], "every_golden_run_matches_ansible"),
    honoured(K::Hosts, &[P], "every_golden_run_matches_ansible"),
    honoured(
        K::IgnoreErrors,
        NOT_IMPORT,
        "every_golden_run_matches_ansible",
    ),
    refused(K::IgnoreErrors, &[I], IMPORT_IGNORES),
    honoured(
        K::IgnoreUnreachable,
        NOT_IMPORT,
        "stopped_sshd_is_unreachable_and_the_rest_succeed",
    ),
    refused(K::IgnoreUnreachable, &[I], IMPORT_IGNORES),
    honoured(
        K::ImportPlaybook,
        &[I],
        "import_playbook_is_relative_to_the_importer",
    ),
    honoured(K::Listen, &[H], "every_golden_run_matches_ansible"),
    honoured(K::LocalAction, TASKS, "action_and_local_action"),
    honoured(K::Loop, TASKS, "every_golden_run_matches_ansible"),
    honoured(K::LoopControl, TASKS, "every_golden_run_matches_ansible"),
    honoured(
        K::MaxFailPercentage,
        &[P],
        "max_fail_percentage_aborts_when_exceeded",
    ),
    honoured(
        K::ModuleDefaults,
        NOT_IMPORT,
        "module_defaults_fill_what_the_task_leaves_unset",
    ),
    refused(K::ModuleDefaults, &[I], IMPORT_IGNORES),
    honoured(K::Name, &[P, R, T, H], "every_golden_run_matches_ansible"),
    Row {
        keyword: K::Name,
        objects: &[B, I],
        status: Status::NoEffect(
            "ansible-core shows the name of a block or an `import_playbook` nowhere",
        ),
    },
    honoured(
        K::NoLog,
        NOT_IMPORT,
        "no_log_results_are_censored_as_ansible_censors_them_at_every_verbosity",
    ),
    refused(K::NoLog, &[I], IMPORT_IGNORES),
    honoured(
        K::Notify,
        &[B, T, H],
        "a_block_notify_reaches_its_tasks_handlers",
    ),
    honoured(
        K::Order,
        &[P],
        "order_and_templated_serial_choose_who_goes_first",
    ),
    honoured(
        K::Poll,
        TASKS,
        "poll_waits_for_the_job_and_fails_when_it_outlives_async",
    ),
    honoured(
        K::Port,
        NOT_IMPORT,
        "remote_user_and_port_keywords_reach_the_host",
    ),
    refused(K::Port, &[I], IMPORT_IGNORES),
    honoured(K::PostTasks, &[P], "every_golden_run_matches_ansible"),
    honoured(K::PreTasks, &[P], "every_golden_run_matches_ansible"),
    honoured(K::Register, TASKS, "every_golden_run_matches_ansible"),
    honoured(
        K::RemoteUser,
        NOT_IMPORT,
        "remote_user_and_port_keywords_reach_the_host",
    ),
    refused(K::RemoteUser, &[I], IMPORT_IGNORES),
    honoured(K::Rescue, &[B], "every_golden_run_matches_ansible"),
    honoured(K::Retries, TASKS, "every_golden_run_matches_ansible"),
    honoured(
        K::Roles,
        &[P],
        "roles_templates_vars_files_and_handlers_work_over_ssh",
    ),
    honoured(
        K::RunOnce,
        NOT_IMPORT,
        "provision_from_an_empty_dir_with_only_the_binary_keeps_a_clean_record",
    ),
    refused(K::RunOnce, &[I], IMPORT_IGNORES),
    honoured(K::Serial, &[P], "serial_runs_the_play_batch_by_batch"),
    honoured(
        K::Strategy,
        &[P],
        "free_strategy_runs_every_host_through_the_play",
    ),
    honoured(K::Tags, ALL, "cli_listing_matches_ansible_playbook"),
    honoured(K::Tasks, &[P], "every_golden_run_matches_ansible"),
    honoured(
        K::Throttle,
        NOT_IMPORT,
        "throttle_never_lets_two_hosts_run_the_task_at_once",
    ),
    refused(K::Throttle, &[I], IMPORT_IGNORES),
    honoured(
        K::Timeout,
        NOT_IMPORT,
        "a_task_timeout_fails_the_attempt_in_time_as_ansible_does",
    ),
    refused(K::Timeout, &[I], IMPORT_IGNORES),
    honoured(K::Until, TASKS, "every_golden_run_matches_ansible"),
    honoured(K::Vars, ALL, "every_golden_run_matches_ansible"),
    honoured(
        K::VarsFiles,
        &[P],
        "roles_templates_vars_files_and_handlers_work_over_ssh",
    ),
    refused(
        K::VarsPrompt,
        &[P],
        "prompting for variables is not supported; pass them with `-e`",
    ),
    honoured(K::When, IN_PLAY, "every_golden_run_matches_ansible"),
    honoured(K::When, &[I], "import_playbook_is_relative_to_the_importer"),
    honoured(K::WithLookup, TASKS, "every_golden_run_matches_ansible"),
];

/// The row for `keyword` on `object`, if it is a keyword of that object.
pub fn row(object: Object, keyword: Keyword) -> Option<&'static Row> {
    TABLE
        .iter()
        .find(|r| r.keyword == keyword && r.objects.contains(&object))
}

/// The row for the key `key` of an `object` (`with_items` finds the
/// `with_<lookup_plugin>` row); `None` when `key` is no keyword of it.
pub fn lookup(object: Object, key: &str) -> Option<&'static Row> {
    row(object, Keyword::from_key(key)?)
}

/// Whether `key` is a keyword of `object`, honoured or refused.
pub fn is_keyword(object: Object, key: &str) -> bool {
    lookup(object, key).is_some()
}

const DOC_BEGIN: &str = "<!-- keyword-table:begin (generated from engine/src/playbook/keyword_table.rs; UPDATE_DOCS=1 cargo test --lib keyword_table regenerates) -->";
const DOC_END: &str = "<!-- keyword-table:end -->";

/// The Markdown section `docs/compatibility.md` holds between its
/// keyword-table markers.
pub fn render_markdown() -> String {
    let mut out = String::new();
    out.push_str(DOC_BEGIN);
    out.push_str(
        "\n\n| Keyword | Objects | Status | Proof or reason |\n| --- | --- | --- | --- |\n",
    );
    for r in TABLE {
        let objects: Vec<&str> = r.objects.iter().map(|o| o.name()).collect();
        let (status, why) = match r.status {
            Status::Honoured { test } => ("honoured", format!("test `{test}`")),
            Status::Refused(reason) => ("**refused**", reason.replace('|', "\\|")),
            Status::NoEffect(reason) => ("no effect", reason.replace('|', "\\|")),
        };
        out.push_str(&format!(
            "| `{}` | {} | {status} | {why} |\n",
            r.keyword,
            objects.join(", ")
        ));
    }
    let count = |f: fn(&Status) -> bool| {
        TABLE
            .iter()
            .filter(|r| f(&r.status))
            .map(|r| r.objects.len())
            .sum::<usize>()
    };
    out.push_str(&format!(
        "\n{} (object, keyword) pairs honoured, {} refused, {} accepted with no effect (as in Ansible).\n\n",
        count(|s| matches!(s, Status::Honoured { .. })),
        count(|s| matches!(s, Status::Refused(_))),
        count(|s| matches!(s, Status::NoEffect(_)))
    ));
    out.push_str(DOC_END);
    out
}

/// `doc` with its keyword-table section replaced by [`render_markdown`]
/// (appended when `doc` has none).
pub fn splice_markdown(doc: &str) -> String {
    let section = render_markdown();
    match (doc.find(DOC_BEGIN), doc.find(DOC_END)) {
        (Some(b), Some(e)) if e > b => {
            format!("{}{section}{}", &doc[..b], &doc[e + DOC_END.len()..])
        }
        _ => format!("{doc}{section}\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::path::{Path, PathBuf};

    fn repo() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
    }

    fn ours() -> BTreeSet<(String, String)> {
        let mut set = BTreeSet::new();
        for r in TABLE {
            for o in r.objects {
                let fresh = set.insert((o.name().to_owned(), r.keyword.name().to_owned()));
                assert!(fresh, "{o} {} has two rows", r.keyword);
            }
        }
        set
    }

    /// The table covers exactly the keywords ansible-core 2.19.14 declares
    /// (recorded by `tests/keywords/ansible-keywords.py`; the integration
    /// test `keyword_list_matches_the_installed_ansible_core` re-runs it).
    #[test]
    fn table_matches_ansible_core_keywords() {
        let text = std::fs::read_to_string(repo().join("tests/keywords/ansible-keywords.txt"))
            .expect("read tests/keywords/ansible-keywords.txt");
        assert!(text.starts_with("# ansible-core 2.19.14\n"), "{text:.40}");
        let truth: BTreeSet<(String, String)> = text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(|l| {
                let (o, k) = l.split_once(' ').expect("`Object keyword` lines");
                (o.to_owned(), k.to_owned())
            })
            .collect();
        let ours = ours();
        let missing: Vec<_> = truth.difference(&ours).collect();
        let extra: Vec<_> = ours.difference(&truth).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "keyword table differs from ansible-core: missing {missing:?}, not in ansible-core {extra:?}"
        );
    }

    #[test]
    fn rows_are_sorted_and_every_keyword_has_one() {
        let mut last = None;
        for r in TABLE {
            assert!(last <= Some(r.keyword), "{} is out of order", r.keyword);
            last = Some(r.keyword);
        }
        for k in Keyword::ALL {
            assert!(TABLE.iter().any(|r| r.keyword == *k), "{k} has no row");
        }
    }

    #[test]
    fn lookups() {
        assert_eq!(
            lookup(Object::Task, "with_items").map(|r| r.keyword),
            Some(Keyword::WithLookup)
        );
        assert!(lookup(Object::Task, "with_").is_none());
        assert!(lookup(Object::Task, "copy").is_none());
        assert!(lookup(Object::Task, "listen").is_none());
        assert!(lookup(Object::Handler, "listen").is_some());
        assert!(lookup(Object::Play, "when").is_none());
        assert!(matches!(
            lookup(Object::Play, "debugger").map(|r| r.status),
            Some(Status::Refused(_))
        ));
    }

    /// Every honoured row names a test function that exists.
    #[test]
    fn every_honoured_row_names_an_existing_test() {
        let mut sources = String::new();
        for dir in ["tests", "engine/src", "cli/src"] {
            collect_rs(&repo().join(dir), &mut sources);
        }
        for r in TABLE {
            if let Status::Honoured { test } = r.status {
                assert!(
                    sources.contains(&format!("fn {test}(")),
                    "{}: test `{test}` not found",
                    r.keyword
                );
            }
        }
    }

    fn collect_rs(dir: &Path, out: &mut String) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                collect_rs(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push_str(&std::fs::read_to_string(&p).unwrap_or_default());
            }
        }
    }

    /// `docs/compatibility.md` shows this table (UPDATE_DOCS=1 rewrites it).
    #[test]
    fn compatibility_doc_is_current() {
        let path = repo().join("docs/compatibility.md");
        let doc = std::fs::read_to_string(&path).unwrap_or_default();
        let want = splice_markdown(&doc);
        if std::env::var_os("UPDATE_DOCS").is_some() {
            std::fs::write(&path, &want).expect("write docs/compatibility.md");
            return;
        }
        assert!(
            doc == want,
            "docs/compatibility.md is stale: run `UPDATE_DOCS=1 cargo test --lib keyword_table`"
        );
    }
}
