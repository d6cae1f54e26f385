//! Per-host state that lives for the whole run: variables learned at run
//! time, the transport session, failure flags and counters.

use crate::modules::ExecOutput;
use crate::report::HostStats;
use crate::transport::{ConnectionSpec, Transport};
use crate::value::Map;
use indexmap::IndexSet;
use std::collections::HashMap;
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
    /// The open session (opened on first use, kept for the run).
    pub transport: Option<Box<dyn Transport>>,
    /// A controller session for `delegate_to: localhost`.
    pub local: Option<Box<dyn Transport>>,
    /// How the session was opened.
    pub spec: Option<ConnectionSpec>,
    /// Removed from the play by a failure.
    pub failed: bool,
    /// Could not be reached.
    pub unreachable: bool,
    /// Failed inside a block that has a rescue section.
    pub block_failed: bool,
    /// Handlers (names or listen topics) notified and not yet run.
    pub notified: IndexSet<String>,
    /// Recap counters.
    pub stats: HostStats,
    /// Probe outputs fetched ahead of time.
    pub probe_cache: HashMap<String, ExecOutput>,
    /// The tasks the cached batch covers (by identity).
    pub batched: Vec<usize>,
    /// Commands sent to this host.
    pub commands: u64,
    /// `meta: end_host` was run.
    pub ended: bool,
    /// The last task changed nothing: probes of the next ones are worth
    /// fetching in one batch.
    pub converged: bool,
}

impl HostState {
    pub(crate) fn new(name: &str, inventory: Arc<Map>) -> HostState {
        HostState {
            name: name.to_owned(),
            shared: Arc::new(SharedVars {
                inventory,
                dynamic: RwLock::new(Map::new()),
            }),
            facts: Map::new(),
            included: Map::new(),
            set_facts: Map::new(),
            transport: None,
            local: None,
            spec: None,
            failed: false,
            unreachable: false,
            block_failed: false,
            notified: IndexSet::new(),
            stats: HostStats::default(),
            probe_cache: HashMap::new(),
            batched: Vec::new(),
            commands: 0,
            ended: false,
            converged: true,
        }
    }

    /// Still taking part in the play.
    pub(crate) fn active(&self) -> bool {
        !self.failed && !self.unreachable && !self.ended
    }

    /// Stores a `set_fact`/`register` value and publishes it to `hostvars`.
    pub(crate) fn set_fact(&mut self, name: &str, value: crate::value::Value) {
        if let Ok(mut d) = self.shared.dynamic.write() {
            d.insert(name.to_owned(), value.clone());
        }
        self.set_facts.insert(name.to_owned(), value);
    }

    /// Stores gathered facts and publishes them.
    pub(crate) fn set_gathered_facts(&mut self, facts: Map) {
        if let Ok(mut d) = self.shared.dynamic.write() {
            for (k, v) in &facts {
                d.insert(k.clone(), v.clone());
            }
        }
        self.facts = facts;
    }
}
