//! Per-host state that lives for the whole run: variables learned at run
//! time, the transport sessions, where the host stands in the play, and
//! counters.

use super::prefetch::Seen;
use super::probe_cache::ProbeCache;
use super::trace::Meter;
use crate::report::HostStats;
use crate::transport::{ConnectionSpec, Transport};
use crate::value::Map;
use indexmap::IndexSet;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, RwLock};

/// The variables other hosts can see through `hostvars[...]`.
#[derive(Debug, Default)]
pub(crate) struct SharedVars {
    /// Inventory-level vars (levels 3-10), fixed for the run.
    pub inventory: Arc<Map>,
    /// Facts (`ansible_*`, `ansible_facts`) and `set_fact`/registered
    /// results, updated as the host runs.
    pub dynamic: RwLock<Map>,
}

/// Where a host stands in the play.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Standing {
    /// Still taking part.
    Active,
    /// Taken out of the play by a failure. `rescuable`: the failure
    /// happened inside a block whose `rescue` section has not run yet.
    Failed {
        /// A rescue section may still take the host back.
        rescuable: bool,
    },
    /// Could not be reached.
    Unreachable,
    /// `meta: end_host` / `end_play`: out of this play, back in the next.
    Ended,
}

/// An open session and the settings it was opened with.
pub(crate) struct Session {
    /// How it was opened (the key sessions are found by).
    pub spec: ConnectionSpec,
    /// The connection.
    pub transport: Box<dyn Transport>,
}

/// Everything the executor tracks for one host.
pub(crate) struct HostState {
    /// Inventory name.
    pub name: String,
    /// Shared with the `hostvars` table.
    pub shared: Arc<SharedVars>,
    /// Gathered facts, as vars (level 11).
    pub facts: Map,
    /// `include_vars` results (level 18).
    pub included: Map,
    /// `set_fact` and `register` results (level 19).
    pub set_facts: Map,
    /// Open sessions, one per distinct connection setting (opened on
    /// first use, kept for the run).
    pub sessions: Vec<Session>,
    /// Where the host stands in the play.
    pub standing: Standing,
    /// Handlers (names or listen topics) notified and not yet run.
    pub notified: IndexSet<String>,
    /// Handlers (by their index in the play's list) these notifications
    /// resolved to, not yet run.
    pub pending_handlers: std::collections::BTreeSet<usize>,
    /// Recap counters.
    pub stats: HostStats,
    /// Probe answers fetched ahead of time, while still good.
    pub probe_cache: ProbeCache,
    /// Where the last lookahead looked (see `prefetch.rs`).
    pub lookahead: Option<Seen>,
    /// Round trips to this host, their bytes and time (see `trace.rs`).
    pub meter: Meter,
    /// The last task changed nothing: probes of the next ones are worth
    /// fetching in one batch.
    pub converged: bool,
    /// The probes the next apply on this host carries (see
    /// `piggyback.rs`), set before each task and loop item.
    pub piggyback: Option<super::piggyback::Piggyback>,
    /// Background jobs started by `async:` tasks (each ends by its own
    /// `async:` deadline); waited for before the run ends.
    pub jobs: Vec<std::thread::JoinHandle<()>>,
}

impl HostState {
    /// `foreign` is shared by every host of the run: the count of
    /// delegated writes (see [`Meter`]).
    pub(crate) fn new(name: &str, inventory: Arc<Map>, foreign: Arc<AtomicU64>) -> HostState {
        HostState {
            name: name.to_owned(),
            shared: Arc::new(SharedVars {
                inventory,
                dynamic: RwLock::new(Map::new()),
            }),
            facts: Map::new(),
            included: Map::new(),
            set_facts: Map::new(),
            sessions: Vec::new(),
            standing: Standing::Active,
            notified: IndexSet::new(),
            pending_handlers: Default::default(),
            stats: HostStats::default(),
            probe_cache: ProbeCache::default(),
            lookahead: None,
            meter: Meter::new(name, foreign),
            converged: true,
            piggyback: None,
            jobs: Vec::new(),
        }
    }

    /// A detached copy of the host's variables and standing, for the
    /// lookahead to simulate tasks on: its own `hostvars` entry, counters
    /// and meter, no sessions. Nothing done to it reaches this host.
    pub(crate) fn shadow(&self) -> HostState {
        let mut h = HostState::new(
            &self.name,
            self.shared.inventory.clone(),
            Arc::new(AtomicU64::new(0)),
        );
        if let (Ok(mine), Ok(mut theirs)) = (self.shared.dynamic.read(), h.shared.dynamic.write()) {
            *theirs = mine.clone();
        }
        h.facts = self.facts.clone();
        h.included = self.included.clone();
        h.set_facts = self.set_facts.clone();
        h.standing = self.standing;
        h.notified = self.notified.clone();
        h.pending_handlers = self.pending_handlers.clone();
        h
    }

    /// Still taking part in the play.
    pub(crate) fn active(&self) -> bool {
        self.standing == Standing::Active
    }

    /// Could not be reached.
    pub(crate) fn unreachable(&self) -> bool {
        self.standing == Standing::Unreachable
    }

    /// Failed (rescuable or not).
    pub(crate) fn failed(&self) -> bool {
        matches!(self.standing, Standing::Failed { .. })
    }

    /// Takes an active host out of the play with a failure; hosts already
    /// out (unreachable, ended) stay as they are.
    pub(crate) fn fail(&mut self) {
        if self.standing == Standing::Active {
            self.standing = Standing::Failed { rescuable: false };
        }
    }

    /// Stores a `set_fact`/`register` value and publishes it to `hostvars`.
    pub(crate) fn set_fact(&mut self, name: &str, value: crate::value::Value) {
        if let Ok(mut d) = self.shared.dynamic.write() {
            d.insert(name.to_owned(), value.clone());
        }
        self.set_facts.insert(name.to_owned(), value);
    }

    /// Stores `include_vars` results (level 18).
    pub(crate) fn include_vars(&mut self, vars: &Map) {
        for (k, v) in vars {
            self.included.insert(k.clone(), v.clone());
        }
    }

    /// Stores gathered facts and publishes them.
    /// Facts a module returned earlier (`packages`, `services`) stay, as
    /// Ansible's fact cache is updated, not replaced.
    pub(crate) fn set_gathered_facts(&mut self, facts: Map) {
        let keys: Vec<String> = facts.keys().cloned().collect();
        let mut merged = std::mem::take(&mut self.facts);
        for (k, v) in facts {
            match (merged.get_mut(&k), v) {
                (Some(crate::value::Value::Map(old)), crate::value::Value::Map(new))
                    if k == "ansible_facts" =>
                {
                    for (fk, fv) in new {
                        old.insert(fk, fv);
                    }
                }
                (_, v) => {
                    merged.insert(k, v);
                }
            }
        }
        self.facts = merged;
        if let Ok(mut d) = self.shared.dynamic.write() {
            for k in keys {
                if let Some(v) = self.facts.get(&k) {
                    d.insert(k, v.clone());
                }
            }
        }
    }

    /// Merges the `ansible_facts` a module returned (`package_facts`,
    /// `service_facts`, ...) into the host's facts, as Ansible's
    /// `set_host_facts` does: each key replaces the fact of that name,
    /// injected as a variable under its own name and, without an
    /// `ansible_` prefix, in `ansible_facts`.
    pub(crate) fn add_module_facts(&mut self, facts: &Map) {
        let mut namespaced = match self.facts.get("ansible_facts") {
            Some(crate::value::Value::Map(m)) => m.clone(),
            _ => Map::new(),
        };
        for (k, v) in facts {
            let short = k.strip_prefix("ansible_").filter(|_| k != "ansible_local");
            namespaced.insert(short.unwrap_or(k).to_owned(), v.clone());
            self.facts.insert(k.clone(), v.clone());
        }
        let namespaced = crate::value::Value::Map(namespaced);
        self.facts.insert("ansible_facts".into(), namespaced);
        if let Ok(mut d) = self.shared.dynamic.write() {
            for (k, v) in facts {
                d.insert(k.clone(), v.clone());
            }
            if let Some(af) = self.facts.get("ansible_facts") {
                d.insert("ansible_facts".into(), af.clone());
            }
        }
    }

    /// `meta: clear_facts`.
    pub(crate) fn clear_facts(&mut self) {
        self.facts.clear();
    }

    /// Closes and forgets every session (`meta: reset_connection`, or a
    /// connection that broke).
    pub(crate) fn drop_sessions(&mut self) {
        self.sessions.clear();
    }

    /// Waits for this host's `async:` jobs to write their results.
    pub(crate) fn wait_jobs(&mut self) {
        for job in self.jobs.drain(..) {
            let _ = job.join();
        }
    }

    /// Closes every session politely (end of run).
    pub(crate) fn close_sessions(&mut self) {
        for s in &mut self.sessions {
            s.transport.close();
        }
    }
}
