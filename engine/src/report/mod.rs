//! `report`: what happened during a run, as a stream of [`Event`]s.
//!
//! The executor pushes events into a [`Reporter`]; printers turn the same
//! stream into Ansible's default output ([`AnsiblePrinter`]), JSON lines
//! ([`JsonLines`]) or anything an embedding program wants. The library
//! never prints on its own.
//!
//! Around the stream: [`Redactor`] keeps secrets out of every output
//! (results of `no_log` tasks arrive marked by the executor, and every
//! printer shows [`HostResult::censored`]), [`Progress`] follows which hosts are still running (for a live status
//! line and for what an interrupted run waits for), and [`cause`] words
//! why a host could not be reached.

mod ansible;
pub mod cause;
pub mod clock;
pub mod diagnostic;
mod event;
mod json;
mod profile;
mod progress;
mod recap;
pub mod redact;
mod screen;
mod status;
pub mod style;
mod traffic;

pub use ansible::AnsiblePrinter;
pub use event::{
    AsyncState, CommandTrace, Delegate, DiagnosticEvent, DiagnosticLevel, Event, HostResult,
    ItemResult, RunInfo, Status, CENSORED, CENSORED_ITEM,
};
pub use json::{JsonLines, SCHEMA_VERSION};
pub use profile::Timings;
pub use progress::Progress;
pub use recap::{HostStats, Recap};
pub use redact::Redactor;
pub use status::StatusBoard;
pub use traffic::Traffic;

use std::sync::Mutex;

/// Receives events as the run produces them, from any worker thread.
pub trait Reporter: Send + Sync {
    /// Called once per event, in the order the executor emits them.
    fn event(&self, event: &Event);
}

/// Sends every event to several reporters, in order.
#[derive(Default)]
pub struct Fanout {
    reporters: Vec<Box<dyn Reporter>>,
}

impl Fanout {
    /// An empty fan-out.
    pub fn new() -> Fanout {
        Fanout::default()
    }

    /// Adds a reporter.
    pub fn with(mut self, r: impl Reporter + 'static) -> Fanout {
        self.reporters.push(Box::new(r));
        self
    }
}

impl Reporter for Fanout {
    fn event(&self, event: &Event) {
        for r in &self.reporters {
            r.event(event);
        }
    }
}

/// Keeps every event in memory (for tests and embedding programs).
#[derive(Default)]
pub struct Collect {
    events: Mutex<Vec<Event>>,
}

impl Collect {
    /// An empty collector.
    pub fn new() -> Collect {
        Collect::default()
    }

    /// The events so far.
    pub fn events(&self) -> Vec<Event> {
        self.events.lock().map(|e| e.clone()).unwrap_or_default()
    }
}

impl Reporter for Collect {
    fn event(&self, event: &Event) {
        if let Ok(mut e) = self.events.lock() {
            e.push(event.clone());
        }
    }
}

impl<R: Reporter + ?Sized> Reporter for std::sync::Arc<R> {
    fn event(&self, event: &Event) {
        (**self).event(event)
    }
}

/// Python's `repr()` of a value (as Jinja prints lists and dicts).
pub fn python_repr(v: &crate::value::Value) -> String {
    v.py_repr()
}

/// Python's `str()` of a value: strings as they are, the rest as `repr()`.
pub fn python_str(v: &crate::value::Value) -> String {
    v.py_str()
}
