//! The one place a host's traffic is seen: every command, `put` and
//! `fetch` the executor sends goes through [`Traced`], the wrapper
//! [`super::connection::session`] lends each session through. It reports
//! each round trip as an [`Event::Command`] (shown at `-vvv`, written to
//! the JSON log) and adds it to the host's [`Meter`], which `--stats`
//! prints after the recap.
//!
//! What a round trip is *for* (facts, a probe, an apply) is known to the
//! code that sends it, not to the transport: that code marks the meter's
//! phase ([`Meter::phase`]) for as long as it sends; transfers are
//! classified by their kind and session opening by
//! [`super::connection::session`] itself.
//!
//! A `no_log` task's commands are shown as [`HIDDEN`], as a whole: a
//! module renders its arguments into its script, so no part of the text
//! is safe to show.

use crate::report::{CommandTrace, Event, Reporter, Traffic};
use crate::transport::{
    Become, ExecOutput, ExecRequest, Privilege, PutOptions, Transport, TransportError,
};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What a `no_log` task's command text is replaced with.
pub(crate) const HIDDEN: &str = "(command hidden: the task has no_log)";

/// What a round trip is for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Fact gathering.
    Facts,
    /// Read-only probes (a batch, or a module's own probe).
    Probes,
    /// Anything that may change the host.
    #[default]
    Applies,
}

/// One host's counters and the context of what it sends now.
///
/// Interior mutability: while a module runs, both the session's wrapper
/// and the module's remote (which marks its probes) hold it. Locks and
/// atomics rather than cells only because a lent session must be `Send`;
/// one host's work runs on one thread at a time, so nothing contends.
///
/// It also counts the round trips that may have changed a host, so that
/// answers read ahead of time ([`super::probe_cache`]) are known to be
/// still good: an apply or a `put` on one of the host's own sessions, and
/// run-wide, one sent for this host's task to another host (`delegate_to`),
/// which may have changed any host.
#[derive(Debug, Default)]
pub(crate) struct Meter {
    host: String,
    traffic: Mutex<Traffic>,
    phase: Mutex<Phase>,
    no_log: AtomicBool,
    writes: AtomicU64,
    foreign: Arc<AtomicU64>,
}

impl Meter {
    /// The meter of `host`; `foreign` is shared by every host of the run.
    pub(crate) fn new(host: &str, foreign: Arc<AtomicU64>) -> Meter {
        Meter {
            host: host.to_owned(),
            foreign,
            ..Meter::default()
        }
    }

    /// Counts a write that was sent earlier, in another command, and
    /// is taken now (see `ahead.rs`): answers read before it are stale.
    pub(crate) fn wrote(&self) {
        self.writes.fetch_add(1, Ordering::AcqRel);
    }

    /// Changes so far: this host's own writes and the run's writes to
    /// other hosts. Equal stamps mean nothing was written in between.
    pub(crate) fn stamp(&self) -> (u64, u64) {
        (
            self.writes.load(Ordering::Acquire),
            self.foreign.load(Ordering::Acquire),
        )
    }

    /// The counters so far.
    pub(crate) fn traffic(&self) -> Traffic {
        *self.traffic.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Marks what follows as `phase` until the guard is dropped.
    pub(crate) fn phase(&self, phase: Phase) -> PhaseGuard<'_> {
        PhaseGuard {
            meter: self,
            before: std::mem::replace(&mut *self.lock_phase(), phase),
        }
    }

    /// Whether the commands sent from now on belong to a `no_log` task.
    pub(crate) fn set_no_log(&self, no_log: bool) {
        self.no_log.store(no_log, Ordering::Relaxed);
    }

    /// Counts a session opened in `took`.
    pub(crate) fn connected(&self, took: Duration) {
        self.update(|t| {
            t.connects += 1;
            t.connect_time += took;
        });
    }

    fn update(&self, f: impl FnOnce(&mut Traffic)) {
        f(&mut self.traffic.lock().unwrap_or_else(|e| e.into_inner()));
    }

    fn lock_phase(&self) -> std::sync::MutexGuard<'_, Phase> {
        self.phase.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Restores the meter's previous phase when dropped.
pub(crate) struct PhaseGuard<'m> {
    meter: &'m Meter,
    before: Phase,
}

impl Drop for PhaseGuard<'_> {
    fn drop(&mut self) {
        *self.meter.lock_phase() = self.before;
    }
}

/// What a round trip was.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Exec,
    Put,
    Fetch,
}

/// A session as lent to one piece of work: forwards everything to the
/// real transport, reporting and counting each round trip.
pub(crate) struct Traced<'s> {
    inner: &'s mut dyn Transport,
    meter: &'s Meter,
    reporter: &'s dyn Reporter,
    local: bool,
}

impl<'s> Traced<'s> {
    /// Wraps `inner`, counting into `meter` and reporting to `reporter`;
    /// `local`: the session runs on the controller (not SSH).
    pub(crate) fn new(
        inner: &'s mut dyn Transport,
        meter: &'s Meter,
        reporter: &'s dyn Reporter,
        local: bool,
    ) -> Traced<'s> {
        Traced {
            inner,
            meter,
            reporter,
            local,
        }
    }

    /// Reports one round trip and adds it to the meter.
    fn record(&self, text: &str, rc: Option<i32>, took: Duration, kind: Kind) {
        let phase = *self.meter.lock_phase();
        if kind == Kind::Put || (kind == Kind::Exec && phase == Phase::Applies) {
            let counter = if self.inner.host() == self.meter.host {
                &self.meter.writes
            } else {
                &*self.meter.foreign
            };
            counter.fetch_add(1, Ordering::AcqRel);
        }
        let transfer = kind != Kind::Exec;
        let local = self.local;
        self.meter.update(|t| {
            if local {
                t.local_commands += 1;
            } else {
                t.commands += 1;
            }
            let slot = match (transfer, phase) {
                (true, _) => {
                    t.transfers += u64::from(!local);
                    &mut t.transfers_time
                }
                (false, Phase::Facts) => &mut t.facts_time,
                (false, Phase::Probes) => &mut t.probes_time,
                (false, Phase::Applies) => &mut t.applies_time,
            };
            *slot += took;
        });
        let command = if self.meter.no_log.load(Ordering::Relaxed) {
            HIDDEN.to_owned()
        } else {
            text.to_owned()
        };
        self.reporter.event(&Event::Command(Box::new(CommandTrace {
            host: self.inner.host().to_owned(),
            command,
            rc,
            duration: took,
        })));
    }
}

impl Transport for Traced<'_> {
    fn host(&self) -> &str {
        self.inner.host()
    }

    fn exec(&mut self, req: &ExecRequest) -> Result<ExecOutput, TransportError> {
        let sent = req.command.len()
            + req
                .env
                .iter()
                .map(|(k, v)| k.len() + v.len() + 2)
                .sum::<usize>()
            + req.stdin.as_ref().map_or(0, Vec::len);
        let started = Instant::now();
        let out = self.inner.exec(req);
        let took = started.elapsed();
        let received = out.as_ref().map_or(0, |o| o.stdout.len() + o.stderr.len());
        self.meter.update(|t| {
            t.bytes_sent += sent as u64;
            t.bytes_received += received as u64;
        });
        self.record(
            &req.command,
            out.as_ref().ok().map(|o| o.rc),
            took,
            Kind::Exec,
        );
        out
    }

    fn put(
        &mut self,
        src: &mut dyn std::io::Read,
        size: u64,
        dest: &str,
        opts: &PutOptions,
    ) -> Result<(), TransportError> {
        let started = Instant::now();
        let out = self.inner.put(src, size, dest, opts);
        let took = started.elapsed();
        self.meter.update(|t| t.bytes_sent += size);
        let rc = out.as_ref().ok().map(|()| 0);
        self.record(&format!("put {dest} ({size} bytes)"), rc, took, Kind::Put);
        out
    }

    fn fetch(
        &mut self,
        src: &str,
        out: &mut dyn std::io::Write,
        privilege: Privilege,
    ) -> Result<u64, TransportError> {
        let started = Instant::now();
        let got = self.inner.fetch(src, out, privilege);
        let took = started.elapsed();
        let size = *got.as_ref().unwrap_or(&0);
        self.meter.update(|t| t.bytes_received += size);
        let rc = got.as_ref().ok().map(|_| 0);
        self.record(
            &format!("fetch {src} ({size} bytes)"),
            rc,
            took,
            Kind::Fetch,
        );
        got
    }

    fn take_warnings(&mut self) -> Vec<String> {
        self.inner.take_warnings()
    }

    fn take_details(&mut self) -> Vec<String> {
        self.inner.take_details()
    }

    fn close(&mut self) {
        self.inner.close();
    }

    fn set_become(&mut self, become_: Option<Become>) {
        self.inner.set_become(become_);
    }
}
