//! Applies sent ahead: on a loop, the applies of the next items travel in
//! the command of the item before them, so a loop of N changing items
//! costs about one round trip instead of N.
//!
//! Why this keeps a run's results those of a run item by item:
//! - Ansible runs every item of a loop whatever the earlier ones gave
//!   (a failed item does not stop the next), so only the order of the
//!   commands on the host and each item's decision matter.
//! - Order: only modules whose one apply is their last command
//!   ([`crate::modules::Module::FINAL_APPLY`]) carry or are carried, so on
//!   the host item k's apply runs right after item k-1's, as it would.
//! - Decision: the item's module is run here on the controller, on the
//!   item's own variables (the loop's `register` of the item before is
//!   not known yet, so an item whose conditions or arguments read it is
//!   not sent ahead), its probes answered from the answers the host gave
//!   before ([`super::probe_cache`]). On the host, right before the
//!   item's apply, the same probes run again and the apply runs only if
//!   their output is byte for byte the output the decision read (a
//!   SHA-256 of both); otherwise the chain stops there and the item runs
//!   by itself later. A wrong guess costs bytes, never a different result.
//! - When the item's turn comes, its module runs as always: its probes
//!   get the answers the host gave right before its apply, and its apply,
//!   which must be the very text sent ahead, gets that apply's output
//!   instead of being sent again.
//!
//! Not for loops that wait between items (`pause`), stop early
//! (`break_when`), retry (`until`), time out, run in the background, run
//! in check mode, hide their output (`no_log`), delegate or become with
//! `su` (its terminal may change the bytes); nor for an apply with stdin
//! of its own.
//!
//! What it does not keep: a `command`/`shell` item taken from the batch
//! reports the time of taking it as its `start`/`end`/`delta` (its
//! command ran earlier, in the batch); and when the connection breaks in
//! the middle of the batch, the items it carried may have run on the host
//! and run again when their turn comes (item by item, a broken connection
//! costs only the item it broke).

use super::env::TaskEnv;
use super::eval::{first_false, no_log, LoopSettings};
use super::host::HostState;
use super::invocation::{item_vars, prepare, task_id};
use super::prefetch::{framed, parse_frame, split_facts};
use super::probe_cache::ProbeContext;
use super::work::Work;
use crate::modules::{ExecOutput, ModuleContext, ModuleError, Remote, RunMode};
use crate::plan::TaskStep;
use crate::shell::quote;
use crate::template::Vars;
use crate::transport::{BecomeMethod, Privilege};
use crate::value::Value;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, VecDeque};

/// At most this many items travel in one command ...
pub(crate) const MAX_ITEMS: usize = 32;

/// ... or this many bytes of their scripts.
const MAX_BYTES: usize = 128 * 1024;

/// One loop item to apply ahead.
#[derive(Clone, Debug)]
pub(crate) struct Planned {
    /// The item's index in the loop.
    pub index: usize,
    /// The probes its decision read, with the answers it read.
    pub guard: Vec<(String, ExecOutput)>,
    /// Its apply.
    pub script: String,
}

/// Items to apply ahead, all sent in one context.
#[derive(Clone, Debug)]
pub(crate) struct Chain {
    /// How they are sent (the carrying apply's context must be this).
    pub context: ProbeContext,
    /// In loop order.
    pub steps: Vec<Planned>,
}

/// One item applied ahead, as the host answered.
#[derive(Clone, Debug)]
pub(crate) struct Applied {
    /// The item's index in the loop.
    pub index: usize,
    /// What its probes answered right before its apply.
    pub answers: Vec<(String, ExecOutput)>,
    /// The apply that ran.
    pub script: String,
    /// Its output; `None` when it ran but its output did not arrive
    /// whole.
    pub output: Option<ExecOutput>,
}

/// A host's applies sent ahead and not yet taken by their items.
#[derive(Debug, Default)]
pub(crate) struct Ahead {
    /// What the next carrying apply takes (set before each item).
    pub plan: Option<Chain>,
    /// The loop item now running.
    pub item: Option<usize>,
    /// The task they belong to ([`task_id`]) and their context.
    pub owner: Option<(usize, ProbeContext)>,
    /// In loop order.
    pub applied: VecDeque<Applied>,
    /// The host's write stamp after the last of them was sent or taken:
    /// the next one's answers hold while it is still the stamp.
    pub stamp: (u64, u64),
}

impl Ahead {
    /// The item `index` of `task` in `context`, if it was applied ahead.
    pub(crate) fn take(
        &mut self,
        task: &TaskStep,
        context: &ProbeContext,
        index: usize,
    ) -> Option<Applied> {
        let (t, c) = self.owner.as_ref()?;
        if *t != task_id(task) || c != context {
            return None;
        }
        // An item before this one that did not take its apply (its host
        // could not be reached when its turn came) never will.
        while self.applied.front().is_some_and(|a| a.index < index) {
            self.applied.pop_front();
        }
        match self.applied.front() {
            Some(a) if a.index == index => self.applied.pop_front(),
            _ => None,
        }
    }

    /// Forgets everything (the loop ended).
    pub(crate) fn clear(&mut self) {
        *self = Ahead::default();
    }
}

/// The items from `from` on of the loop `task` on `items`, whose applies
/// may travel in the apply of the item before `from` (see the module
/// docs); `None` when there are none.
#[allow(clippy::too_many_arguments)]
pub(crate) fn plan(
    env: &TaskEnv<'_>,
    st: &mut HostState,
    task: &TaskStep,
    ls: &LoopSettings,
    vars: &Vars,
    from: usize,
    items: &[Value],
) -> Option<Chain> {
    let eligible = env.opts.apply_batching
        && env.opts.command_timeout == 0
        && task.module.final_apply()
        && task.until.is_none()
        && task.async_.is_none()
        && task.timeout.is_none()
        && task.delegate_to.is_none()
        && task.reach_error.is_none()
        && task.loop_control.break_when.is_empty()
        && ls.pause <= 0.0
        && !task
            .register
            .as_deref()
            .is_some_and(|r| reads(env, task, vars, r));
    if !eligible {
        return None;
    }
    let mut chain: Option<Chain> = None;
    let mut bytes = 0;
    for index in from..items.len().min(from + MAX_ITEMS) {
        let iv = item_vars(ls, vars, index, items);
        match first_false(env.templar, &task.when, &iv) {
            // Skipped: nothing goes to the host; the chain goes past it.
            Ok(Some(_)) => continue,
            Ok(None) => {}
            Err(_) => break,
        }
        if no_log(env.templar, task, &iv) {
            break;
        }
        let Some((context, step)) = decide(env, st, task, &iv, index) else {
            break;
        };
        bytes += step.script.len() + step.guard.iter().map(|(p, _)| p.len()).sum::<usize>();
        if bytes > MAX_BYTES {
            break;
        }
        match &mut chain {
            None => {
                chain = Some(Chain {
                    context,
                    steps: vec![step],
                })
            }
            Some(c) if c.context == context => c.steps.push(step),
            Some(_) => break,
        }
    }
    chain
}

/// The item's module run on the controller against what the host
/// answered before: its apply and the probes it read; `None` when it
/// asks for anything else (a probe not answered yet, a transfer, stdin)
/// or applies nothing.
fn decide(
    env: &TaskEnv<'_>,
    st: &mut HostState,
    task: &TaskStep,
    vars: &Vars,
    index: usize,
) -> Option<(ProbeContext, Planned)> {
    let Ok(Work::Host(w)) = prepare(env, st, task, vars) else {
        return None;
    };
    let su = w
        .target
        .spec
        .become_
        .as_ref()
        .is_some_and(|b| b.method == BecomeMethod::Su);
    if w.mode != RunMode::Apply
        || w.timeout.is_some()
        || (su && w.target.privilege == Privilege::Become)
    {
        return None;
    }
    let module = w.module.as_ref().ok()?;
    let context = ProbeContext {
        spec: w.target.spec.clone(),
        privilege: w.target.privilege,
        environment: w.environment.clone(),
    };
    let mut capture = Capture {
        answers: st
            .probe_cache
            .answers(
                &context.spec,
                context.privilege,
                &context.environment,
                &st.meter,
            )
            .clone(),
        read: Vec::new(),
        apply: None,
        other: false,
    };
    let mut scratch = HashMap::new();
    let mut ctx = ModuleContext {
        host: &st.name,
        remote: &mut capture,
        mode: w.mode,
        diff: w.diff,
        search_paths: &task.search_paths,
        templar: env.templar,
        vars,
        probe_cache: &mut scratch,
        commands: 0,
    };
    let _ = module.run(&mut ctx);
    if capture.other {
        return None;
    }
    let script = capture.apply?;
    Some((
        context,
        Planned {
            index,
            guard: capture.read,
            script,
        },
    ))
}

/// Whether the conditions, arguments or `environment:` of `task` read
/// `name`, directly or through the variables they read (a few levels
/// deep); `true` when that cannot be told.
fn reads(env: &TaskEnv<'_>, task: &TaskStep, vars: &Vars, name: &str) -> bool {
    let mut texts: Vec<(String, bool)> = task.when.iter().map(|w| (w.text.clone(), true)).collect();
    let mut strings = Vec::new();
    collect(&Value::Map(task.args.clone()), &mut strings);
    task.environment
        .iter()
        .for_each(|v| collect(v, &mut strings));
    if let Some(v) = &task.no_log {
        collect(v, &mut strings);
    }
    if let Some(v) = &task.check_mode {
        collect(v, &mut strings);
    }
    texts.extend(strings.into_iter().map(|s| (s, false)));
    texts
        .iter()
        .any(|(t, cond)| text_reads(env, vars, t, *cond, name, 0))
}

fn text_reads(
    env: &TaskEnv<'_>,
    vars: &Vars,
    text: &str,
    conditional: bool,
    name: &str,
    depth: usize,
) -> bool {
    if !conditional && !crate::template::Templar::is_template(text) {
        return false;
    }
    if depth > 4 {
        return true;
    }
    let Ok(names) = env.templar.variables(text, conditional) else {
        return true;
    };
    names.iter().any(|n| {
        n == name
            || vars.raw(n).is_some_and(|v| {
                let mut inner = Vec::new();
                collect(v, &mut inner);
                inner
                    .iter()
                    .any(|s| text_reads(env, vars, s, false, name, depth + 1))
            })
    })
}

/// Every string inside `v`, keys included.
fn collect(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Str(s) | Value::Unsafe(s) => out.push(s.clone()),
        Value::List(l) => l.iter().for_each(|x| collect(x, out)),
        Value::Map(m) => m.iter().for_each(|(k, x)| {
            out.push(k.clone());
            collect(x, out)
        }),
        _ => {}
    }
}

/// The host as [`decide`] lets a module see it: probes answered from what
/// the host answered before, the first apply kept, nothing sent.
struct Capture {
    answers: HashMap<String, ExecOutput>,
    read: Vec<(String, ExecOutput)>,
    apply: Option<String>,
    /// Asked for something that cannot travel ahead.
    other: bool,
}

impl Capture {
    fn stop() -> ModuleError {
        ModuleError::Probe("not sent (apply ahead)".into())
    }
}

impl Remote for Capture {
    fn probe(&mut self, script: &str) -> Result<ExecOutput, ModuleError> {
        if self.apply.is_some() {
            self.other = true;
            return Err(Self::stop());
        }
        match self.answers.get(script) {
            Some(out) => {
                if !self.read.iter().any(|(p, _)| p == script) {
                    self.read.push((script.to_owned(), out.clone()));
                }
                Ok(out.clone())
            }
            None => {
                self.other = true;
                Err(Self::stop())
            }
        }
    }

    fn exec(&mut self, script: &str, stdin: Option<&[u8]>) -> Result<ExecOutput, ModuleError> {
        if stdin.is_some() || self.apply.is_some() {
            self.other = true;
        } else {
            self.apply = Some(script.to_owned());
        }
        Err(Self::stop())
    }

    fn put(&mut self, _data: &[u8], _dest: &str, _mode: Option<u32>) -> Result<(), ModuleError> {
        self.other = true;
        Err(Self::stop())
    }

    fn fetch(&mut self, _path: &str) -> Result<Vec<u8>, ModuleError> {
        self.other = true;
        Err(Self::stop())
    }
}

/// The SHA-256 (hex) of probe answers framed as the host frames them.
fn digest(answers: &[(String, ExecOutput)]) -> String {
    let mut h = Sha256::new();
    for (_, out) in answers {
        h.update(
            format!(
                "@@konvoy {} {} {}\n",
                out.rc,
                out.stdout.len(),
                out.stderr.len()
            )
            .as_bytes(),
        );
        h.update(&out.stdout);
        h.update(&out.stderr);
    }
    hex::encode(h.finalize())
}

/// The carrying `apply`, then the separator line, then each step: its
/// probes again (framed, into a file), and when their SHA-256 is the
/// one the decision read, `GO`, its apply framed (and its probes'
/// answers); else `STOP` and nothing more (`pad`: see
/// [`super::prefetch::framed`]). The command exits with the
/// carrying apply's status; the apply starts on the first line, so the
/// shell's messages name the same line numbers.
pub(crate) fn script(apply: &str, steps: &[Planned], separator: &str, pad: usize) -> String {
    let mut chain = String::from(
        "d=$(mktemp -d /dev/shm/.konvoy.XXXXXX 2>/dev/null || mktemp -d) || exit 0\n\
         trap 'rm -rf \"$d\"' EXIT\n",
    );
    for step in steps {
        chain.push_str(": >\"$d/g\"\n");
        if !step.guard.is_empty() {
            chain.push_str("{\n");
            for (probe, _) in &step.guard {
                chain.push_str(&framed(probe, pad));
            }
            chain.push_str("} >\"$d/g\"\n");
            chain.push_str(&format!(
                "h=$(sha256sum <\"$d/g\") || {{ printf 'STOP\\n'; exit 0; }}\n\
                 [ \"${{h%% *}}\" = {} ] || {{ printf 'STOP\\n'; exit 0; }}\n",
                digest(&step.guard)
            ));
        }
        chain.push_str("printf 'GO\\n'\ncat \"$d/g\"\n");
        chain.push_str(&framed(&step.script, pad));
    }
    format!(
        "( {apply}\n)\nkonvoy_rc=$?\nprintf '\\n\\036%s\\n' {sep}\n(\n{chain}) </dev/null 2>/dev/null\nexit $konvoy_rc\n",
        sep = quote(separator),
    )
}

/// The carrying apply's own output and the steps that ran, from the
/// output of [`script`].
pub(crate) fn split(
    out: ExecOutput,
    separator: &str,
    steps: &[Planned],
) -> (ExecOutput, Vec<Applied>) {
    let Some((mine, mut rest)) = split_facts(&out.stdout, separator) else {
        return (out, Vec::new());
    };
    let mine = mine.to_vec();
    let mut applied = Vec::new();
    for step in steps {
        let Some(after) = rest.strip_prefix(b"GO\n") else {
            break;
        };
        // From here on the step ran: its output is kept, or marked lost.
        let mut answers = Vec::new();
        let mut at = after;
        let mut whole = true;
        for (probe, _) in &step.guard {
            match parse_frame(at) {
                Some((one, r)) => {
                    answers.push((probe.clone(), one));
                    at = r;
                }
                None => {
                    whole = false;
                    break;
                }
            }
        }
        let output = whole.then(|| parse_frame(at)).flatten();
        applied.push(Applied {
            index: step.index,
            answers,
            script: step.script.clone(),
            output: output.as_ref().map(|(o, _)| o.clone()),
        });
        // Nothing after a lost output can be read.
        let Some((_, r)) = output else { break };
        rest = r;
    }
    let apply = ExecOutput {
        stdout: mine,
        stderr: out.stderr,
        rc: out.rc,
    };
    (apply, applied)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::run::remote::local_sh::sh;

    /// The carrying apply keeps its stdin, output and status; each step
    /// runs after it, in order, with its own output and status; a step
    /// whose probes answer otherwise than its decision read stops the
    /// chain before its apply runs.
    #[test]
    fn steps_run_in_order_and_a_changed_answer_stops_the_chain() {
        let dir = std::env::temp_dir().join(format!("konvoy-ahead-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let log = dir.join("log");
        let log = log.display();
        let first = format!("cat > {log}; printf 'first'; echo err >&2; exit 3");
        let probe = format!("cat {log}");
        let step = |i: usize, guard: Vec<(String, ExecOutput)>| Planned {
            index: i,
            guard,
            script: format!("echo {i} >> {log}; echo out{i}; echo e{i} >&2; exit {i}"),
        };
        // Step 1 expects the log as the carrying apply leaves it; step 2
        // expects it unchanged by step 1, which it is not.
        let after_first = ExecOutput {
            stdout: b"in".to_vec(),
            stderr: vec![],
            rc: 0,
        };
        let steps = vec![
            step(1, vec![(probe.clone(), after_first.clone())]),
            step(2, vec![(probe.clone(), after_first.clone())]),
        ];
        let out = sh(&script(&first, &steps, "sep-1", 0), b"in");
        let (mine, applied) = split(out, "sep-1", &steps);
        assert_eq!(mine.stdout, b"first");
        assert_eq!(mine.stderr, b"err\n");
        assert_eq!(mine.rc, 3);
        assert_eq!(applied.len(), 1);
        assert_eq!(applied[0].index, 1);
        assert_eq!(applied[0].answers, vec![(probe.clone(), after_first)]);
        let o = applied[0].output.clone().expect("output arrives");
        assert_eq!(
            (o.stdout, o.stderr, o.rc),
            (b"out1\n".to_vec(), b"e1\n".to_vec(), 1)
        );
        assert_eq!(std::fs::read_to_string(dir.join("log")).unwrap(), "in1\n");
        // With no probes to check, every step runs.
        let steps = vec![step(4, vec![]), step(5, vec![])];
        let out = sh(&script("true", &steps, "sep-2", 0), b"");
        let (_, applied) = split(out, "sep-2", &steps);
        assert_eq!(applied.iter().map(|a| a.index).collect::<Vec<_>>(), [4, 5]);
        assert_eq!(
            std::fs::read_to_string(dir.join("log")).unwrap(),
            "in1\n4\n5\n"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A step that started (`GO`) but whose output did not arrive whole
    /// is kept as run, its output lost; nothing after it is read.
    #[test]
    fn a_step_cut_short_is_kept_as_run_with_its_output_lost() {
        let steps: Vec<Planned> = (1..=2)
            .map(|i| Planned {
                index: i,
                guard: vec![],
                script: format!("echo {i}"),
            })
            .collect();
        let out = ExecOutput {
            stdout: b"mine\n\x1esep\nGO\n@@konvoy 0 9 0\nshort".to_vec(),
            stderr: vec![],
            rc: 0,
        };
        let (mine, applied) = split(out, "sep", &steps);
        assert_eq!(mine.stdout, b"mine");
        assert_eq!(applied.len(), 1);
        assert!(applied[0].output.is_none());
    }
}
