//! [`StatusBoard`]: what the live status line under the output says about
//! the running task: hosts done, failed, unreachable and still running,
//! the slowest running hosts with their elapsed time.
//!
//! It is fed the same events as the printer. Which hosts are running is
//! known from [`Event::HostTaskStart`]; an executor that does not emit it
//! still gets a line with the task's elapsed time and the counts.

use super::event::{Event, Status};
use indexmap::IndexMap;
use std::time::{Duration, Instant};

/// The state of the running task (see the module docs).
#[derive(Debug, Default)]
pub struct StatusBoard {
    task: Option<(String, Instant)>,
    running: IndexMap<String, Instant>,
    done: u32,
    failed: u32,
    unreachable: u32,
    finished: bool,
}

impl StatusBoard {
    /// An empty board (nothing running, no line).
    pub fn new() -> StatusBoard {
        StatusBoard::default()
    }

    /// Updates the board with one event.
    pub fn update(&mut self, event: &Event) {
        match event {
            Event::TaskStart { name, .. } => {
                self.task = Some((name.clone(), Instant::now()));
                self.running.clear();
                self.done = 0;
                self.failed = 0;
                self.unreachable = 0;
            }
            Event::HostTaskStart { host, task } => {
                if self.task.as_ref().is_none_or(|(t, _)| t != task) {
                    // A `free` play: hosts run different tasks at once.
                    self.task = Some((task.clone(), Instant::now()));
                }
                self.running.insert(host.clone(), Instant::now());
            }
            Event::HostResult(r) => {
                self.running.shift_remove(&r.host);
                self.done += 1;
                match r.status {
                    Status::Failed if !r.ignored => self.failed += 1,
                    Status::Unreachable => self.unreachable += 1,
                    _ => {}
                }
            }
            Event::PlayStart { .. } => {
                self.task = None;
                self.running.clear();
            }
            Event::Recap(_) | Event::RunEnd { .. } => {
                self.task = None;
                self.running.clear();
                self.finished = true;
            }
            _ => {}
        }
    }

    /// The hosts still running the task, slowest first, with elapsed time.
    pub fn running(&self) -> Vec<(String, Duration)> {
        let now = Instant::now();
        let mut v: Vec<(String, Duration)> = self
            .running
            .iter()
            .map(|(h, t)| (h.clone(), now.duration_since(*t)))
            .collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        v
    }

    /// The running task's banner name.
    pub fn task(&self) -> Option<&str> {
        self.task.as_ref().map(|(t, _)| t.as_str())
    }

    /// Whether the run is over (no line is drawn again).
    pub fn finished(&self) -> bool {
        self.finished
    }

    /// The status line, at most `width` characters, or `None` when no
    /// task is running.
    pub fn line(&self, width: usize) -> Option<String> {
        let (task, since) = self.task.as_ref()?;
        if self.finished {
            return None;
        }
        let mut line = format!(
            "[{}] {} | {} done, {} failed, {} unreachable",
            task,
            secs(since.elapsed()),
            self.done,
            self.failed,
            self.unreachable
        );
        let running = self.running();
        if !running.is_empty() {
            line.push_str(&format!(", {} running:", running.len()));
            for (i, (host, d)) in running.iter().enumerate() {
                let item = format!(" {host} {}", secs(*d));
                let more = format!(" +{} more", running.len() - i);
                let room = width.saturating_sub(line.chars().count());
                if item.chars().count() + more.chars().count() > room && i + 1 < running.len() {
                    line.push_str(&more);
                    break;
                }
                line.push_str(&item);
            }
        }
        Some(truncate(&line, width))
    }
}

fn secs(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 60 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

/// The first `width` characters (a status line must never wrap: a
/// wrapped line cannot be cleared with one carriage return).
fn truncate(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(width.saturating_sub(1)).collect();
    out.push('~');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::HostResult;
    use crate::value::Map;

    #[test]
    fn counts_and_running_hosts() {
        let mut b = StatusBoard::new();
        assert_eq!(b.line(80), None);
        b.update(&Event::TaskStart {
            name: "sleep".into(),
            handler: false,
        });
        for h in ["node1", "node2", "node3"] {
            b.update(&Event::HostTaskStart {
                host: h.into(),
                task: "sleep".into(),
            });
        }
        b.update(&Event::HostResult(Box::new(HostResult::new(
            "node2",
            "sleep",
            Status::Failed,
            Map::new(),
        ))));
        let line = b.line(200).expect("a line");
        assert!(
            line.starts_with(
                "[sleep] 0s | 1 done, 1 failed, 0 unreachable, 2 running: node1 0s node3 0s"
            ),
            "{line}"
        );
        let short = b.line(60).expect("a line");
        assert!(short.chars().count() <= 60, "{short}");
        b.update(&Event::RunEnd {
            exit_code: 0,
            interrupted: false,
        });
        assert_eq!(b.line(80), None);
    }
}
