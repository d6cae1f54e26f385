//! [`ProbeCache`]: answers to read-only probes fetched ahead of time,
//! kept per host until anything may have changed it.
//!
//! An answer is only good for the exact probe text, sent the same way:
//! the same connection, privilege and environment ([`ProbeCache::answers`]
//! finds the answers of one such context). And only while nothing has
//! written to a host since it was read: the cache carries the host's
//! [`Meter::stamp`] from when it was filled and empties itself the moment
//! the stamp moved (an apply or a `put` on the host, or a delegated write
//! anywhere in the run). So a task served from it gets exactly what its own
//! probe would have answered.

use super::trace::Meter;
use crate::modules::ExecOutput;
use crate::transport::{ConnectionSpec, Privilege};
use std::collections::HashMap;

/// How a probe was sent: its answer holds for this context only.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ProbeContext {
    /// The connection (become settings included).
    pub spec: ConnectionSpec,
    /// Login user or become.
    pub privilege: Privilege,
    /// The task's `environment:`.
    pub environment: Vec<(String, String)>,
}

/// Probe answers by context and text (see the module docs).
#[derive(Debug, Default)]
pub(crate) struct ProbeCache {
    contexts: Vec<(ProbeContext, HashMap<String, ExecOutput>)>,
    stamp: (u64, u64),
}

impl ProbeCache {
    /// Empties the cache when the host may have changed since it was
    /// filled.
    fn refresh(&mut self, meter: &Meter) {
        let now = meter.stamp();
        if self.stamp != now {
            self.contexts.clear();
            self.stamp = now;
        }
    }

    /// The answers for one context, to serve (and be cleared by) a module
    /// run; created empty when there are none.
    pub(crate) fn answers(
        &mut self,
        spec: &ConnectionSpec,
        privilege: Privilege,
        environment: &[(String, String)],
        meter: &Meter,
    ) -> &mut HashMap<String, ExecOutput> {
        self.refresh(meter);
        let at = self.contexts.iter().position(|(c, _)| {
            c.privilege == privilege && c.environment == environment && &c.spec == spec
        });
        let at = at.unwrap_or_else(|| {
            self.contexts.push((
                ProbeContext {
                    spec: spec.clone(),
                    privilege,
                    environment: environment.to_vec(),
                },
                HashMap::new(),
            ));
            self.contexts.len() - 1
        });
        &mut self.contexts[at].1
    }

    /// The answer to `text` in `context`, if the cache still holds one.
    pub(crate) fn get(
        &mut self,
        context: &ProbeContext,
        text: &str,
        meter: &Meter,
    ) -> Option<&ExecOutput> {
        self.refresh(meter);
        self.contexts
            .iter()
            .find(|(c, _)| c == context)
            .and_then(|(_, m)| m.get(text))
    }

    /// Stores answers read now (nothing written since `meter`'s stamp).
    pub(crate) fn insert(
        &mut self,
        context: &ProbeContext,
        answers: impl IntoIterator<Item = (String, ExecOutput)>,
        meter: &Meter,
    ) {
        let map = self.answers(
            &context.spec,
            context.privilege,
            &context.environment,
            meter,
        );
        map.extend(answers);
    }

    /// Forgets every answer (a task retries: it must see the host anew).
    pub(crate) fn clear(&mut self) {
        self.contexts.clear();
    }
}
