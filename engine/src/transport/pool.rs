//! File descriptors for SSH sessions, shared by the whole process.
//!
//! Every open session holds at least one descriptor (its socket; a jump
//! host's relay a few more), and a run keeps each host's session open
//! between tasks. With hundreds of hosts that would exhaust
//! `RLIMIT_NOFILE` and turn healthy hosts "unreachable". So sessions are
//! budgeted here: the budget is the descriptor limit minus a reserve for
//! everything else the process opens (files, logs, pipes). A session that
//! does not fit evicts the least recently used *idle* session of another
//! host (its owner reconnects on next use, unnoticed), or waits until one
//! goes idle. Only after [`WAIT_LIMIT`] of waiting is a connection refused,
//! with [`super::TransportError::Exhausted`], never as "unreachable".
//!
//! Opening sessions is also throttled ([`OPENING`] at once): a handshake
//! costs the host a process and both sides some CPU, and hundreds at once
//! on a small controller would run past the connect timeout and report
//! healthy hosts as unreachable.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

/// Descriptors kept for everything that is not a session.
const RESERVE_MIN: usize = 64;

/// Sessions being opened at once, per CPU.
const OPENING_PER_CPU: usize = 4;

/// The longest a connection waits for a descriptor before it fails.
pub(crate) const WAIT_LIMIT: Duration = Duration::from_secs(600);

/// A session that can be closed from outside while its owner is idle.
pub(crate) trait Evict: Send + Sync {
    /// Closes the session unless its owner is using it right now; gives
    /// what must be dropped (outside the pool's lock).
    fn try_evict(&self) -> Option<Box<dyn Send>>;
    /// When the owner last used it (a [`tick`]).
    fn last_use(&self) -> u64;
}

struct State {
    used: usize,
    limit: usize,
    sessions: Vec<Weak<dyn Evict>>,
}

/// The process-wide budget.
pub(crate) struct Pool {
    state: Mutex<State>,
    freed: Condvar,
    opening: Mutex<usize>,
    opened: Condvar,
    open_limit: usize,
}

/// Descriptors held by one session; returned when dropped.
#[derive(Debug)]
pub(crate) struct Permit {
    fds: usize,
}

impl Drop for Permit {
    fn drop(&mut self) {
        let pool = pool();
        let mut st = pool.state.lock().unwrap_or_else(|p| p.into_inner());
        st.used = st.used.saturating_sub(self.fds);
        drop(st);
        pool.freed.notify_all();
    }
}

/// A slot among the sessions being opened; released when dropped.
pub(crate) struct Opening(());

impl Drop for Opening {
    fn drop(&mut self) {
        let pool = pool();
        let mut n = pool.opening.lock().unwrap_or_else(|p| p.into_inner());
        *n = n.saturating_sub(1);
        drop(n);
        pool.opened.notify_one();
    }
}

/// The current soft and hard `RLIMIT_NOFILE`.
pub fn fd_limits() -> (u64, u64) {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we pass.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
        return (1024, 1024);
    }
    (lim.rlim_cur, lim.rlim_max)
}

/// Raises the soft `RLIMIT_NOFILE` to the hard limit, as OpenSSH-based
/// tools run at scale need; returns the soft limit in force afterwards.
/// Call it before the first connection: the session budget is sized once.
pub fn raise_fd_limit() -> u64 {
    let (soft, hard) = fd_limits();
    if soft < hard {
        let lim = libc::rlimit {
            rlim_cur: hard,
            rlim_max: hard,
        };
        // SAFETY: setrlimit reads the struct we pass.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) } == 0 {
            return hard;
        }
    }
    soft
}

/// The session budget for a descriptor limit.
pub(crate) fn budget(nofile: u64) -> usize {
    let nofile = usize::try_from(nofile).unwrap_or(usize::MAX).min(1 << 20);
    let reserve = RESERVE_MIN.max(nofile / 8);
    nofile.saturating_sub(reserve).max(8)
}

fn pool() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(|| {
        let cpus = std::thread::available_parallelism().map_or(2, |n| n.get());
        Pool {
            state: Mutex::new(State {
                used: 0,
                limit: budget(fd_limits().0),
                sessions: Vec::new(),
            }),
            freed: Condvar::new(),
            opening: Mutex::new(0),
            opened: Condvar::new(),
            open_limit: (cpus * OPENING_PER_CPU).max(8),
        }
    })
}

/// A monotonic use counter for [`Evict::last_use`].
pub(crate) fn tick() -> u64 {
    static TICK: AtomicU64 = AtomicU64::new(1);
    TICK.fetch_add(1, Ordering::Relaxed)
}

/// Waits for a slot to open a session (bounded by [`WAIT_LIMIT`]).
pub(crate) fn opening() -> Opening {
    let pool = pool();
    let deadline = Instant::now() + WAIT_LIMIT;
    let mut n = pool.opening.lock().unwrap_or_else(|p| p.into_inner());
    while *n >= pool.open_limit && Instant::now() < deadline {
        n = pool
            .opened
            .wait_timeout(n, Duration::from_millis(200))
            .unwrap_or_else(|p| p.into_inner())
            .0;
    }
    *n += 1;
    Opening(())
}

/// Reserves `fds` descriptors for a new session, evicting idle sessions
/// of other hosts when the budget is spent. `Err` with the budget after
/// [`WAIT_LIMIT`].
pub(crate) fn acquire(fds: usize) -> Result<Permit, usize> {
    let pool = pool();
    let deadline = Instant::now() + WAIT_LIMIT;
    loop {
        let mut st = pool.state.lock().unwrap_or_else(|p| p.into_inner());
        if st.used + fds <= st.limit {
            st.used += fds;
            return Ok(Permit { fds });
        }
        let evicted = evict_one(&mut st);
        let limit = st.limit;
        if evicted.0.is_none() {
            if Instant::now() >= deadline {
                drop(st);
                drop(evicted);
                return Err(limit);
            }
            // Nothing idle: wait for a session to end or go idle.
            let _ = pool
                .freed
                .wait_timeout(st, Duration::from_millis(50))
                .unwrap_or_else(|p| p.into_inner());
            continue;
        }
        drop(st);
        // Dropping the session returns its permit (which takes the lock).
        drop(evicted);
    }
}

/// Closes a descriptor's worth of idle session, or a few of them, after a
/// failure that says descriptors ran out anyway (another part of the
/// process opened many). True when something was closed.
pub(crate) fn shed() -> bool {
    let pool = pool();
    let mut st = pool.state.lock().unwrap_or_else(|p| p.into_inner());
    let evicted = evict_one(&mut st);
    drop(st);
    evicted.0.is_some()
}

/// Registers a session so that others may evict it while it is idle.
pub(crate) fn register(session: Weak<dyn Evict>) {
    let pool = pool();
    let mut st = pool.state.lock().unwrap_or_else(|p| p.into_inner());
    st.sessions.retain(|w| w.strong_count() > 0);
    st.sessions.push(session);
}

/// What an eviction leaves to drop once the pool's lock is released
/// (dropping a session returns its permit, which takes the lock).
type Evicted = (Option<Box<dyn Send>>, Vec<Arc<dyn Evict>>);

/// Takes the least recently used idle session out.
fn evict_one(st: &mut State) -> Evicted {
    st.sessions.retain(|w| w.strong_count() > 0);
    let mut candidates: Vec<Arc<dyn Evict>> =
        st.sessions.iter().filter_map(Weak::upgrade).collect();
    candidates.sort_by_key(|s| s.last_use());
    let taken = candidates.iter().find_map(|s| s.try_evict());
    (taken, candidates)
}

/// The budget and what is in use now: `(used, limit)`.
pub fn session_budget() -> (usize, usize) {
    let st = pool().state.lock().unwrap_or_else(|p| p.into_inner());
    (st.used, st.limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_keeps_a_reserve() {
        assert_eq!(budget(1024), 896);
        assert_eq!(budget(150), 86);
        assert_eq!(budget(20), 8);
        assert_eq!(budget(1 << 20), (1 << 20) - (1 << 17));
    }
}
