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
use std::sync::{Arc, Mutex, RwLock};

/// The variables other hosts can see through `hostvars[...]`.
#[derive(Debug, Default)]
pub(crate) struct SharedVars {
    /// Inventory-level vars (levels 3-10): fixed unless `group_by` or
    /// `add_host` changes the host's groups or variables (see
    /// [`super::live`]).
    inventory: RwLock<Arc<Map>>,
    /// Facts (`ansible_*`, `ansible_facts`) and `set_fact`/registered
    /// results, updated as the host runs.
    pub dynamic: RwLock<Map>,
    /// Facts other hosts' tasks gave this host (`delegate_facts`), already
    /// in `dynamic`, not yet in the host's own [`HostState`] (see
    /// [`HostState::absorb`]).
    pub inbox: Mutex<Vec<FactWrite>>,
}

/// Facts a task returned, on their way to the host they belong to.
#[derive(Clone, Debug)]
pub(crate) enum FactWrite {
    /// `set_fact` (level 19).
    SetFact(Map),
    /// A module's `ansible_facts` (level 11).
    Module(Map),
    /// `include_vars` (level 18).
    Included(Map),
}

impl SharedVars {
    /// A host's shared variables, starting from its inventory's.
    pub(crate) fn new(inventory: Arc<Map>) -> Arc<SharedVars> {
        Arc::new(SharedVars {
            inventory: RwLock::new(inventory),
            dynamic: RwLock::new(Map::new()),
            inbox: Mutex::new(Vec::new()),
        })
    }

    /// The host's inventory-level variables as they are now.
    pub(crate) fn inventory(&self) -> Arc<Map> {
        match self.inventory.read() {
            Ok(i) => i.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// New inventory-level variables (the host's groups changed).
    pub(crate) fn set_inventory(&self, vars: Map) {
        match self.inventory.write() {
            Ok(mut i) => *i = Arc::new(vars),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(vars),
        }
    }

    /// Gives this host facts from another host's task: `hostvars` shows
    /// them at once; the host's own variables take them at its next
    /// [`HostState::absorb`].
    pub(crate) fn deliver(&self, w: FactWrite) {
        if let Ok(mut d) = self.dynamic.write() {
            match &w {
                FactWrite::SetFact(m) | FactWrite::Included(m) => {
                    d.extend(m.iter().map(|(k, v)| (k.clone(), v.clone())));
                }
                FactWrite::Module(m) => merge_module_facts(&mut d, m),
            }
        }
        if let Ok(mut i) = self.inbox.lock() {
            i.push(w);
        }
    }
}

/// Ansible's `set_host_facts` for a module's `ansible_facts`: each key
/// replaces the fact of that name, injected as a variable under its own
/// name and, without an `ansible_` prefix, in `ansible_facts`.
fn merge_module_facts(into: &mut Map, facts: &Map) {
    let mut namespaced = match into.get("ansible_facts") {
        Some(crate::value::Value::Map(m)) => m.clone(),
        _ => Map::new(),
    };
    for (k, v) in facts {
        let short = k.strip_prefix("ansible_").filter(|_| k != "ansible_local");
        namespaced.insert(short.unwrap_or(k).to_owned(), v.clone());
        into.insert(k.clone(), v.clone());
    }
    into.insert("ansible_facts".into(), crate::value::Value::Map(namespaced));
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
    /// Loop items' applies sent ahead (see `ahead.rs`).
    pub ahead: super::ahead::Ahead,
    /// Background jobs started by `async:` tasks (each ends by its own
    /// `async:` deadline); waited for before the run ends.
    pub jobs: Vec<std::thread::JoinHandle<()>>,
    /// Facts this host's tasks returned for other hosts (`delegate_to` +
    /// `delegate_facts`), by owner, in the order they came; the walk
    /// delivers them when every host has finished the task, so who sees
    /// them when does not depend on thread timing.
    pub outbox: Vec<(String, FactWrite)>,
    /// How many times `meta: clear_host_errors` ran on this host: an
    /// `always` section that saw it run leaves its failed hosts going on.
    pub errors_cleared: u32,
    /// Facts were gathered for this host in this run (a play's gathering
    /// or a `gather_facts` task; `meta: clear_facts` forgets it): what
    /// `gathering = smart` asks before gathering again.
    pub facts_gathered: bool,
}

impl HostState {
    /// `foreign` is shared by every host of the run: the count of
    /// delegated writes (see [`Meter`]).
    pub(crate) fn new(name: &str, inventory: Arc<Map>, foreign: Arc<AtomicU64>) -> HostState {
        HostState::with_shared(name, SharedVars::new(inventory), foreign)
    }

    /// A host whose `hostvars` entry exists already (one `add_host` made).
    pub(crate) fn with_shared(
        name: &str,
        shared: Arc<SharedVars>,
        foreign: Arc<AtomicU64>,
    ) -> HostState {
        HostState {
            name: name.to_owned(),
            shared,
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
            ahead: Default::default(),
            jobs: Vec::new(),
            outbox: Vec::new(),
            errors_cleared: 0,
            facts_gathered: false,
        }
    }

    /// Takes into the host's own variables the facts other hosts' tasks
    /// delivered to it, in delivery order.
    pub(crate) fn absorb(&mut self) {
        let writes = match self.shared.inbox.lock() {
            Ok(mut i) if !i.is_empty() => std::mem::take(&mut *i),
            _ => return,
        };
        for w in writes {
            self.apply(w);
        }
    }

    /// Stores facts a task returned for this host.
    pub(crate) fn apply(&mut self, w: FactWrite) {
        match w {
            FactWrite::SetFact(m) => {
                for (k, v) in m {
                    self.set_fact(&k, v);
                }
            }
            FactWrite::Module(m) => self.add_module_facts(&m),
            FactWrite::Included(m) => self.include_vars(&m),
        }
    }

    /// A detached copy of the host's variables and standing, for the
    /// lookahead to simulate tasks on: its own `hostvars` entry, counters
    /// and meter, no sessions. Nothing done to it reaches this host.
    pub(crate) fn shadow(&self) -> HostState {
        let mut h = HostState::new(
            &self.name,
            self.shared.inventory(),
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

    /// Stores `include_vars` results (level 18) and publishes them
    /// (ansible-core's `set_host_variable`: `hostvars` shows them), except
    /// where a `set_fact` of the same name (level 19) stays in front.
    pub(crate) fn include_vars(&mut self, vars: &Map) {
        if let Ok(mut d) = self.shared.dynamic.write() {
            for (k, v) in vars
                .iter()
                .filter(|(k, _)| !self.set_facts.contains_key(*k))
            {
                d.insert(k.clone(), v.clone());
            }
        }
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
    /// `service_facts`, ...) into the host's facts (see
    /// [`merge_module_facts`]) and publishes them.
    pub(crate) fn add_module_facts(&mut self, facts: &Map) {
        merge_module_facts(&mut self.facts, facts);
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
        self.facts_gathered = false;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;

    fn map(pairs: &[(&str, &str)]) -> Map {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), Value::Str((*v).to_owned())))
            .collect()
    }

    #[test]
    fn delivered_facts_show_in_hostvars_at_once_and_in_the_host_after_absorb() {
        let mut st = HostState::new("x", Arc::new(Map::new()), Arc::default());
        st.shared
            .deliver(FactWrite::Module(map(&[("ansible_hostname", "a")])));
        st.shared
            .deliver(FactWrite::SetFact(map(&[("color", "blue")])));
        st.shared
            .deliver(FactWrite::SetFact(map(&[("color", "red")])));
        let seen = st.shared.dynamic.read().expect("lock").clone();
        assert_eq!(seen.get("color"), Some(&Value::Str("red".into())));
        assert!(st.set_facts.is_empty() && st.facts.is_empty());
        st.absorb();
        assert_eq!(st.set_facts.get("color"), Some(&Value::Str("red".into())));
        let Some(Value::Map(ns)) = st.facts.get("ansible_facts") else {
            panic!("no ansible_facts: {:?}", st.facts);
        };
        assert_eq!(ns.get("hostname"), Some(&Value::Str("a".into())));
        // The host's own view and hostvars agree; the inbox is empty.
        assert_eq!(*st.shared.dynamic.read().expect("lock"), seen);
        assert!(st.shared.inbox.lock().expect("lock").is_empty());
    }
}
