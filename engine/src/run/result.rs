//! [`TaskResult`]: how one task (or one loop item) ended on one host,
//! typed. Its [`Ending`] and `changed` flag are the only truth about the
//! outcome: Ansible's result dict (what `register` stores, what the
//! printer shows) is rendered from them in one place,
//! [`TaskResult::to_map`], and the event the printer receives is built in
//! one place too, [`TaskRun::event`].

use crate::modules::Outcome;
use crate::report::{HostResult, ItemResult, Status};
use crate::value::{Map, Value};

/// How an attempt ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ending {
    /// It ran (changed or not: see [`TaskResult::changed`]).
    Ran,
    /// A condition was false, or the module skipped itself.
    Skipped,
    /// It failed.
    Failed,
    /// The host could not be reached.
    Unreachable,
}

/// The typed result of one attempt, one loop item, or a whole loop.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct TaskResult {
    /// How it ended.
    pub ending: Ending,
    /// The host was (or would be) changed.
    pub changed: bool,
    /// The other keys of Ansible's result (`rc`, `stdout`, `msg`, ...):
    /// never `changed`, `failed`, `skipped` or `unreachable`.
    pub data: Map,
    /// Reports `failed: false` when it did not fail (results of modules
    /// that ran on the host, of `include_vars`, of a `failed_when`).
    pub reports_failed: bool,
    /// A unified diff for `--diff`.
    pub diff: Option<String>,
    /// Reports no `changed` key (the results of dynamic includes).
    pub bare: bool,
    /// Whose failure it is, for the wording of Ansible's error report.
    pub blame: Blame,
}

/// Whose failure a result is, as Ansible's error report words it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Blame {
    /// The module's, or its action plugin's: the task's module decides
    /// (`Module failed` or `Action failed`).
    #[default]
    Placement,
    /// The executor's, raised as an action failure (`Action failed`: an
    /// `async:` job that did not finish while polled).
    Action,
    /// The task's own (a `timeout:` that expired, a keyword that does not
    /// validate, an action that refuses `async:`): `msg` is the whole
    /// error text, with no kind.
    Task,
}

impl Blame {
    /// A result the task itself failed (timeout, keyword, refusal):
    /// reported before anything else is considered.
    pub(crate) fn is_task(self) -> bool {
        self == Blame::Task
    }
}

const FLAGS: &[&str] = &["changed", "failed", "skipped", "unreachable"];

impl TaskResult {
    fn new(ending: Ending, data: Map) -> TaskResult {
        TaskResult {
            ending,
            changed: false,
            data,
            reports_failed: false,
            diff: None,
            bare: false,
            blame: Blame::Placement,
        }
    }

    /// A failure of the task itself (not of its module), as Ansible's
    /// `AnsibleTaskError` reads: `Task failed: {why}`.
    pub(crate) fn task_error(why: &str) -> TaskResult {
        TaskResult {
            blame: Blame::Task,
            ..TaskResult::failed(format!("Task failed: {why}"))
        }
    }

    /// The task's `timeout:` of `secs` seconds expired (the registered
    /// result carries `timedout` and `exception` as Ansible's does).
    pub(crate) fn timed_out(secs: i64) -> TaskResult {
        let mut r = TaskResult::task_error(&format!("Timed out after {secs} second(s)."));
        let mut t = Map::new();
        t.insert(
            "frame".into(),
            Value::Str(
                "Configure `DISPLAY_TRACEBACK` to see a traceback on timeout errors.".into(),
            ),
        );
        t.insert("period".into(), Value::Int(secs));
        r.set("timedout", Value::Map(t));
        r.set("exception", Value::Str("(traceback unavailable)".into()));
        r
    }

    /// A failure with Ansible's `msg`.
    pub(crate) fn failed(msg: impl Into<String>) -> TaskResult {
        let mut data = Map::new();
        data.insert("msg".into(), Value::Str(msg.into()));
        TaskResult::new(Ending::Failed, data)
    }

    /// The host could not be reached: `msg` says why.
    pub(crate) fn unreachable(msg: impl Into<String>) -> TaskResult {
        let mut data = Map::new();
        data.insert("msg".into(), Value::Str(msg.into()));
        TaskResult::new(Ending::Unreachable, data)
    }

    /// The host could not be reached because of `e`, dialled as `spec`:
    /// the message keeps the error's whole cause chain, names the cause
    /// (refused, DNS, timeout, authentication, host key, descriptors) and
    /// ends a host-key failure with the command that fixes it
    /// ([`crate::report::cause::unreachable_message`]). Worded in
    /// ansible-core 2.19's frame, `Task failed: Failed to connect to the
    /// host via ssh: ...`, which operators and their log filters know.
    pub(crate) fn unreachable_by(
        e: &crate::transport::TransportError,
        spec: &crate::transport::ConnectionSpec,
    ) -> TaskResult {
        let detail = crate::report::cause::unreachable_message(e, Some((&spec.address, spec.port)));
        let via = match spec.kind {
            crate::transport::ConnectionKind::Ssh => "Failed to connect to the host via ssh: ",
            crate::transport::ConnectionKind::Local => "",
        };
        TaskResult::unreachable(format!("Task failed: {via}{detail}"))
    }

    /// Skipped because `condition` was false.
    pub(crate) fn skipped(condition: &crate::plan::When) -> TaskResult {
        let mut data = Map::new();
        data.insert("false_condition".into(), condition.as_written());
        data.insert(
            "skip_reason".into(),
            Value::Str("Conditional result was False".into()),
        );
        TaskResult::new(Ending::Skipped, data)
    }

    /// A dynamic include's result: no `changed` key.
    pub(crate) fn include(ending: Ending, msg: Option<String>) -> TaskResult {
        let mut data = Map::new();
        if let Some(m) = msg {
            data.insert("msg".into(), Value::Str(m));
        }
        TaskResult {
            bare: true,
            ..TaskResult::new(ending, data)
        }
    }

    /// What a module (or a controller action) returned. `on_host`: the
    /// module ran on the host, so its result reports `failed: false` too,
    /// as Ansible's module results do (measured on command/shell).
    pub(crate) fn from_outcome(o: Outcome, on_host: bool) -> TaskResult {
        let mut data = o.result;
        if on_host {
            // Ansible's `_execute_module` splits any module's `stdout` and
            // `stderr` into `*_lines` when the module did not.
            for (key, lines) in [("stdout", "stdout_lines"), ("stderr", "stderr_lines")] {
                if data.contains_key(lines) {
                    continue;
                }
                if let Some(text) = data.get(key).map(|v| v.as_str().unwrap_or("").to_owned()) {
                    let split = splitlines(&text).into_iter().map(Value::Str).collect();
                    data.insert(lines.into(), Value::List(split));
                }
            }
        }
        // A module states `failed: false` itself on some skips (measured).
        let says_not_failed = data.shift_remove("failed") == Some(Value::Bool(false));
        for k in FLAGS {
            data.shift_remove(*k);
        }
        let ending = if o.failed {
            Ending::Failed
        } else if o.skipped {
            Ending::Skipped
        } else {
            Ending::Ran
        };
        TaskResult {
            ending,
            changed: o.changed,
            reports_failed: says_not_failed || (on_host && ending == Ending::Ran),
            data,
            diff: o.diff,
            bare: false,
            blame: Blame::Placement,
        }
    }

    /// The recap's view.
    pub(crate) fn status(&self) -> Status {
        match self.ending {
            Ending::Ran if self.changed => Status::Changed,
            Ending::Ran => Status::Ok,
            Ending::Skipped => Status::Skipped,
            Ending::Failed => Status::Failed,
            Ending::Unreachable => Status::Unreachable,
        }
    }

    /// Marks it failed (an exhausted `until`, a true `failed_when`).
    pub(crate) fn fail(&mut self) {
        self.ending = Ending::Failed;
    }

    /// Sets a result key (never one of the status flags).
    pub(crate) fn set(&mut self, key: &str, value: Value) {
        debug_assert!(!FLAGS.contains(&key), "`{key}` is typed");
        self.data.insert(key.to_owned(), value);
    }

    /// Ansible's result dict: the data keys, then the status flags.
    pub(crate) fn to_map(&self) -> Map {
        let mut m = self.data.clone();
        if !self.bare {
            m.insert("changed".into(), Value::Bool(self.changed));
        }
        match self.ending {
            Ending::Failed => {
                m.insert("failed".into(), Value::Bool(true));
            }
            Ending::Ran | Ending::Skipped if self.reports_failed => {
                m.insert("failed".into(), Value::Bool(false));
            }
            _ => {}
        }
        match self.ending {
            Ending::Skipped => {
                m.insert("skipped".into(), Value::Bool(true));
            }
            Ending::Unreachable => {
                m.insert("unreachable".into(), Value::Bool(true));
            }
            _ => {}
        }
        m
    }
}

/// A result as `register` stores it: every string marked unsafe, so a
/// `{{` in a command's output (or in an error message quoting a
/// template) is never rendered when the variable is read, as Ansible
/// wraps module results.
pub(crate) fn registered(result: Map) -> Value {
    fn mark(v: Value) -> Value {
        match v {
            Value::Str(s) => Value::Unsafe(s),
            Value::List(l) => Value::List(l.into_iter().map(mark).collect()),
            Value::Map(m) => Value::Map(m.into_iter().map(|(k, v)| (k, mark(v))).collect()),
            other => other,
        }
    }
    mark(Value::Map(result))
}

/// One loop item: its result plus the loop keys Ansible adds.
#[derive(Clone, Debug)]
pub(crate) struct ItemRun {
    /// The `(item=...)` label.
    pub label: String,
    /// The item's result.
    pub result: TaskResult,
    /// `item` (or the loop var), `ansible_loop_var`, index keys.
    pub loop_keys: Map,
    /// The item's delegate (`delegate_to` rendered with the item).
    pub delegated_to: Option<crate::report::Delegate>,
}

impl ItemRun {
    /// The item's dict as it appears in `results`.
    pub(crate) fn to_map(&self) -> Map {
        let mut m = self.result.to_map();
        for (k, v) in &self.loop_keys {
            m.insert(k.clone(), v.clone());
        }
        m
    }
}

/// The aggregate of a loop, as Ansible shapes it. A loop over no items is
/// skipped (`skipped_reason: No items in the list`, empty `results`), as
/// ansible-core's TaskExecutor reports it. A failed item makes the loop
/// failed; otherwise an unreachable one makes it unreachable (`All items
/// completed`), as ansible-core's `TaskResult.is_failed` is asked first.
pub(crate) fn loop_result(items: &[ItemRun]) -> TaskResult {
    if items.is_empty() {
        let mut data = Map::new();
        data.insert(
            "skipped_reason".into(),
            Value::Str("No items in the list".into()),
        );
        data.insert("results".into(), Value::List(Vec::new()));
        return TaskResult {
            ending: Ending::Skipped,
            changed: false,
            data,
            reports_failed: false,
            diff: None,
            bare: false,
            blame: Blame::Placement,
        };
    }
    let any_changed = items.iter().any(|i| i.result.changed);
    let any_failed = items.iter().any(|i| i.result.ending == Ending::Failed);
    let all_skipped = !items.is_empty() && items.iter().all(|i| i.result.ending == Ending::Skipped);
    let mut data = Map::new();
    let msg = if any_failed {
        "One or more items failed"
    } else if all_skipped {
        "All items skipped"
    } else {
        "All items completed"
    };
    data.insert("msg".into(), Value::Str(msg.into()));
    data.insert(
        "results".into(),
        Value::List(items.iter().map(|i| Value::Map(i.to_map())).collect()),
    );
    let ending = if any_failed {
        Ending::Failed
    } else if items.iter().any(|i| i.result.ending == Ending::Unreachable) {
        Ending::Unreachable
    } else if all_skipped {
        Ending::Skipped
    } else {
        Ending::Ran
    };
    TaskResult {
        ending,
        changed: any_changed,
        data,
        reports_failed: false,
        diff: None,
        bare: false,
        blame: Blame::Placement,
    }
}

/// How the default callback presents a task's result (decided by the
/// task's action, not by its outcome).
#[derive(Clone, Debug, Default)]
pub(crate) struct Presentation {
    /// Shown with `=> {...}` even when not failed (debug, assert).
    pub show_result: bool,
    /// A `debug` result: only `msg` (or the variable) is shown.
    pub debug_output: bool,
    /// A line printed before the result (`Pausing for N seconds`).
    pub notice: Option<String>,
    /// `Action failed` for controller-side actions.
    pub action_plugin: bool,
    /// Where the task is written.
    pub origin: Option<crate::source::Span>,
    /// The host the task ran on when delegated to another one.
    pub delegated_to: Option<crate::report::Delegate>,
    /// `no_log: true`: every reporter shows Ansible's censored result.
    pub no_log: bool,
    /// Fact gathering: never dumped (`_ansible_verbose_override`).
    pub verbose_override: bool,
}

/// One task's run on one host: the typed result, its loop items, and how
/// to present it.
#[derive(Clone, Debug)]
pub(crate) struct TaskRun {
    /// The (aggregate) result.
    pub result: TaskResult,
    /// Loop items, when the task looped.
    pub items: Vec<ItemRun>,
    /// A failure that `ignore_errors` turned into `ok`.
    pub ignored: bool,
    /// Presentation.
    pub presentation: Presentation,
}

impl TaskRun {
    /// A run with no loop.
    pub(crate) fn single(result: TaskResult) -> TaskRun {
        TaskRun {
            result,
            items: Vec::new(),
            ignored: false,
            presentation: Presentation::default(),
        }
    }

    /// The event for the printer and the other reporters.
    pub(crate) fn event(&self, host: &str, task: &str) -> HostResult {
        let mut hr = HostResult::new(host, task, self.result.status(), self.result.to_map());
        hr.ignored = self.ignored;
        hr.items = self
            .items
            .iter()
            .map(|i| ItemResult {
                label: i.label.clone(),
                status: i.result.status(),
                result: i.to_map(),
                failure_kind: failure_kind(&i.result, &self.presentation),
                delegated_to: i.delegated_to.clone(),
            })
            .collect();
        hr.diffs.extend(self.result.diff.clone());
        let p = &self.presentation;
        hr.show_result = p.show_result;
        hr.debug_output = p.debug_output;
        hr.notice = p.notice.clone();
        hr.origin = p.origin.clone();
        hr.delegated_to = p.delegated_to.clone();
        hr.failure_kind = failure_kind(&self.result, p);
        hr.no_log = p.no_log;
        hr.verbose_override = p.verbose_override;
        hr
    }
}

/// Python's `str.splitlines()`: every line boundary Python knows
/// (`\n`, `\r\n`, `\r`, `\v`, `\f`, `\x1c`-`\x1e`, `\x85`, `\u2028`,
/// `\u2029`), no empty last line for a trailing boundary.
pub(crate) fn splitlines(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push(std::mem::take(&mut cur));
            }
            '\n' | '\x0b' | '\x0c' | '\x1c' | '\x1d' | '\x1e' | '\u{85}' | '\u{2028}'
            | '\u{2029}' => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// How Ansible's error report names a failure: the task's own error
/// (empty: `msg` says it all), an action plugin's, or a module's.
fn failure_kind(r: &TaskResult, p: &Presentation) -> &'static str {
    match r.blame {
        // Unreachable: `msg` reads `Task failed: Failed to connect ...`.
        _ if r.ending == Ending::Unreachable => "",
        Blame::Task => "",
        Blame::Action => "Action failed",
        Blame::Placement if p.action_plugin => "Action failed",
        Blame::Placement => "Module failed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitlines_is_pythons() {
        // Expected values from python3: s.splitlines()
        assert_eq!(splitlines("a\r\nb\rc\n\nd\n"), ["a", "b", "c", "", "d"]);
        assert_eq!(splitlines("(x \r(x 5%\r"), ["(x ", "(x 5%"]);
        assert!(splitlines("").is_empty());
    }

    #[test]
    fn the_dict_follows_the_typed_status() {
        let mut o = Outcome::changed().with("rc", Value::Int(0));
        o.result.insert("failed".into(), Value::Bool(true));
        let r = TaskResult::from_outcome(o, true);
        assert_eq!(r.status(), Status::Changed);
        let m = r.to_map();
        assert_eq!(m.get("failed"), Some(&Value::Bool(false)));
        assert_eq!(m.get("changed"), Some(&Value::Bool(true)));
        let mut f = r.clone();
        f.fail();
        assert_eq!(f.status(), Status::Failed);
        assert_eq!(f.to_map().get("failed"), Some(&Value::Bool(true)));
        let when = |text: &str, literal| crate::plan::When {
            text: text.into(),
            literal,
        };
        let s = TaskResult::skipped(&when("x", false));
        assert_eq!(s.to_map().get("skipped"), Some(&Value::Bool(true)));
        assert!(!s.to_map().contains_key("failed"));
        assert_eq!(s.to_map().get("false_condition"), Some(&Value::from("x")));
        // `when: false` is reported as the boolean, `when: "False"` as written.
        let literal = TaskResult::skipped(&when("False", true)).to_map();
        assert_eq!(literal.get("false_condition"), Some(&Value::Bool(false)));
        let quoted = TaskResult::skipped(&when("False", false)).to_map();
        assert_eq!(quoted.get("false_condition"), Some(&Value::from("False")));
    }
}
