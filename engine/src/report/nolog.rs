//! [`NoLogTasks`]: marks the results of `no_log: true` tasks so that every
//! reporter behind it shows Ansible's censored result instead.
//!
//! The executor may set [`HostResult::no_log`] itself; this wrapper also
//! sets it from the compiled plan, by the task's source span, so a plan's
//! `no_log` tasks are censored whatever the executor does. Tasks of
//! dynamic includes are not in the static plan: for those the executor's
//! flag is what counts.

use super::event::{Event, HostResult};
use super::Reporter;
use crate::plan::{Plan, Step};
use crate::source::Span;
use std::collections::HashSet;

/// Censors `no_log` results before passing events on (see the module docs).
pub struct NoLogTasks<R: Reporter> {
    spans: HashSet<Span>,
    inner: R,
}

impl<R: Reporter> NoLogTasks<R> {
    /// Wraps `inner`; the `no_log` tasks and handlers are read from `plan`.
    pub fn new(plan: &Plan, inner: R) -> NoLogTasks<R> {
        let mut spans = HashSet::new();
        for play in &plan.plays {
            collect(&play.steps, &mut spans);
            for h in &play.handlers {
                if h.no_log {
                    spans.insert(h.span.clone());
                }
            }
        }
        NoLogTasks { spans, inner }
    }

    /// The wrapped reporter.
    pub fn inner(&self) -> &R {
        &self.inner
    }
}

fn collect(steps: &[Step], spans: &mut HashSet<Span>) {
    for step in steps {
        match step {
            Step::Task(t) if t.no_log => {
                spans.insert(t.span.clone());
            }
            Step::Block(b) => {
                collect(&b.block, spans);
                collect(&b.rescue, spans);
                collect(&b.always, spans);
            }
            _ => {}
        }
    }
}

impl<R: Reporter> Reporter for NoLogTasks<R> {
    fn event(&self, event: &Event) {
        if let Event::HostResult(r) = event {
            let hidden = r.origin.as_ref().is_some_and(|o| self.spans.contains(o));
            if hidden && !r.no_log {
                let marked = HostResult {
                    no_log: true,
                    ..(**r).clone()
                };
                self.inner.event(&Event::HostResult(Box::new(marked)));
                return;
            }
        }
        self.inner.event(event);
    }
}
