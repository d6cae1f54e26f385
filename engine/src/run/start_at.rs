//! `--start-at-task`: a play's steps from the first task that matches,
//! as Ansible's `PlayIterator` positions each host.
//!
//! A task matches when its name (as written) or the name Ansible shows
//! (`role : name`, or the action of an unnamed task) equals the pattern
//! or matches it as a glob (`fnmatch`). Only tasks the plan holds are
//! candidates: tasks of dynamic includes are not known yet ("can only
//! follow static includes"). Inside a block the rest of the section
//! runs, then the block's later sections as Ansible's iterator would
//! from that position.

use crate::inventory::fnmatch;
use crate::plan::{BlockStep, Step, TaskStep};
use std::sync::Arc;

/// Whether `t` is the task `pattern` names.
fn matches(t: &TaskStep, pattern: &str) -> bool {
    let shown = t.banner(None);
    let names = t.name.iter().map(String::as_str).chain([shown.as_str()]);
    for n in names {
        if n == pattern || fnmatch(pattern, n) {
            return true;
        }
    }
    false
}

/// Where a batch starts and how often it gathers facts first.
pub(crate) struct Start {
    /// The steps from the matching task on.
    pub steps: Vec<Step>,
    /// Fact gatherings before them. ansible-core 2.19's iterator resets a
    /// host found at the very first task it yields to its setup state
    /// without moving past the setup block, so that block's `Gathering
    /// Facts` then runs as a task too (measured): with facts gathered the
    /// first task yielded is `Gathering Facts` itself (matching it
    /// gathers twice); without, it is the play's first task (matching it
    /// gathers once, although the play says not to).
    pub gathers: usize,
}

/// The batch's start for `pattern`; `None` when no task matches.
pub(crate) fn start(steps: &[Step], gather_facts: bool, pattern: &str) -> Option<Start> {
    const SETUP: &str = "Gathering Facts";
    if gather_facts && (SETUP == pattern || fnmatch(pattern, SETUP)) {
        return Some(Start {
            steps: steps.to_vec(),
            gathers: 2,
        });
    }
    let rest = from_task(steps, pattern)?;
    let gathers = if gather_facts {
        1
    } else {
        usize::from(first_matches(steps, pattern) == Some(true))
    };
    Some(Start {
        steps: rest,
        gathers,
    })
}

/// Whether the first task the iterator yields (the first task of the
/// first block section; implicit handler flushes yield nothing) matches
/// `pattern`; `None` when there is no task.
fn first_matches(steps: &[Step], pattern: &str) -> Option<bool> {
    for step in steps {
        match step {
            Step::Task(t) => return Some(matches(t, pattern)),
            Step::Include(inc) => return Some(matches(&inc.task, pattern)),
            Step::MetaFlushHandlers(name) => {
                return Some(name == pattern || fnmatch(pattern, name))
            }
            Step::Block(b) => {
                if let Some(m) =
                    first_matches(&b.block, pattern).or_else(|| first_matches(&b.always, pattern))
                {
                    return Some(m);
                }
            }
            Step::FlushHandlers => {}
        }
    }
    None
}

/// `steps` from the first task matching `pattern`; `None` when no task
/// matches.
pub(crate) fn from_task(steps: &[Step], pattern: &str) -> Option<Vec<Step>> {
    for (i, step) in steps.iter().enumerate() {
        let here = match step {
            Step::Task(t) => matches(t, pattern),
            Step::Include(inc) => matches(&inc.task, pattern),
            Step::MetaFlushHandlers(name) => name == pattern || fnmatch(pattern, name),
            Step::Block(b) => {
                if let Some(inner) = in_block(b, pattern) {
                    let mut out = vec![Step::Block(Arc::new(inner))];
                    out.extend(steps[i + 1..].iter().cloned());
                    return Some(out);
                }
                false
            }
            Step::FlushHandlers => false,
        };
        if here {
            return Some(steps[i..].to_vec());
        }
    }
    None
}

/// A block entered at the matching task: the rest of the section it is
/// in, then what follows that section.
fn in_block(b: &BlockStep, pattern: &str) -> Option<BlockStep> {
    if let Some(rest) = from_task(&b.block, pattern) {
        return Some(BlockStep {
            block: rest,
            ..b.clone()
        });
    }
    // Positioned in `rescue` (or `always`), the iterator runs that
    // section's remaining tasks as they come.
    if let Some(rest) = from_task(&b.rescue, pattern) {
        return Some(BlockStep {
            block: rest,
            rescue: Vec::new(),
            always: b.always.clone(),
            name: b.name.clone(),
        });
    }
    from_task(&b.always, pattern).map(|rest| BlockStep {
        block: Vec::new(),
        rescue: Vec::new(),
        always: rest,
        name: b.name.clone(),
    })
}
