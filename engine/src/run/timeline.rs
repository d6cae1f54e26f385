//! [`Timeline`]: a play's tasks in the order a host that fails nowhere
//! meets them, across blocks, roles and static imports, so the lookahead
//! can see past the end of the block a host is in.

use super::invocation::task_id;
use crate::plan::{Step, TaskStep};
use std::collections::HashMap;
use std::sync::Arc;

/// One position of a timeline.
pub(crate) enum Mark {
    /// A task.
    Task(Arc<TaskStep>),
    /// Notified handlers run here.
    Flush,
    /// Unknown until run (a dynamic include): nothing is seen past it.
    Stop,
}

/// The order of a play's tasks (see the module docs). `rescue` sections
/// are left out: they run only after a failure, and a failure ends every
/// lookahead.
pub(crate) struct Timeline {
    marks: Vec<Mark>,
    index: HashMap<usize, usize>,
}

impl Timeline {
    /// The timeline of `steps`.
    pub(crate) fn of(steps: &[Step]) -> Timeline {
        let mut t = Timeline {
            marks: Vec::new(),
            index: HashMap::new(),
        };
        t.add(steps);
        t
    }

    fn add(&mut self, steps: &[Step]) {
        for step in steps {
            match step {
                Step::Task(task) => {
                    self.index.entry(task_id(task)).or_insert(self.marks.len());
                    self.marks.push(Mark::Task(task.clone()));
                }
                Step::Block(b) => {
                    self.add(&b.block);
                    self.add(&b.always);
                }
                Step::Include(_) => self.marks.push(Mark::Stop),
                Step::FlushHandlers | Step::MetaFlushHandlers(_) => self.marks.push(Mark::Flush),
            }
        }
    }

    /// Where `task` is, when it is part of this timeline.
    pub(crate) fn position(&self, task: &TaskStep) -> Option<usize> {
        self.index.get(&task_id(task)).copied()
    }

    /// Every position, in order.
    pub(crate) fn marks(&self) -> &[Mark] {
        &self.marks
    }
}
