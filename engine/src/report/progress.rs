//! [`Progress`]: a reporter that follows the run for whoever must answer
//! "what is it doing now" outside the event stream: which hosts are still
//! running which task (what an interrupted run waits for) and the recap
//! counts so far (the recap of a run stopped at once).

use super::event::{Event, Status};
use super::recap::Recap;
use super::status::StatusBoard;
use super::Reporter;
use std::sync::Mutex;

/// Follows the run (see the module docs).
#[derive(Default)]
pub struct Progress {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    board: StatusBoard,
    recap: Recap,
    recap_seen: bool,
}

impl Progress {
    /// Nothing seen yet.
    pub fn new() -> Progress {
        Progress::default()
    }

    /// The hosts still running a task, slowest first, as
    /// `host (task, 12s)`.
    pub fn waiting_for(&self) -> Vec<String> {
        let Ok(s) = self.state.lock() else {
            return Vec::new();
        };
        let task = s.board.task().unwrap_or("").to_owned();
        s.board
            .running()
            .into_iter()
            .map(|(h, d)| format!("{h} ({task}, {}s)", d.as_secs()))
            .collect()
    }

    /// The recap counts of the results reported so far. `rescued` is not
    /// known from results alone and stays 0.
    pub fn recap(&self) -> Recap {
        self.state
            .lock()
            .map(|s| s.recap.clone())
            .unwrap_or_default()
    }

    /// Whether the executor has reported its own recap.
    pub fn recap_seen(&self) -> bool {
        self.state.lock().is_ok_and(|s| s.recap_seen)
    }
}

impl Reporter for Progress {
    fn event(&self, event: &Event) {
        let Ok(mut s) = self.state.lock() else {
            return;
        };
        s.board.update(event);
        match event {
            Event::HostResult(r) => {
                let c = s.recap.host(&r.host);
                match r.status {
                    Status::Ok => c.ok += 1,
                    Status::Changed => {
                        c.ok += 1;
                        c.changed += 1;
                    }
                    Status::Skipped => c.skipped += 1,
                    Status::Failed if r.ignored => {
                        c.ok += 1;
                        c.ignored += 1;
                    }
                    Status::Failed => c.failed += 1,
                    Status::Unreachable => c.unreachable = 1,
                }
            }
            Event::Recap(r) => {
                s.recap = r.clone();
                s.recap_seen = true;
            }
            _ => {}
        }
    }
}
