//! [`Timings`]: how long each task and play took, printed after the recap
//! in the shape of Ansible's `profile_tasks` callback (which KIB enabled
//! with `-v`): the slowest tasks first, `name ---- 1.23s`, 20 at most,
//! then every play.
//!
//! A task lasts from its banner to the next banner (or the recap): for the
//! linear strategy that is the time its slowest host took.

use super::event::Event;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

/// Tasks shown at most, as `profile_tasks`' default `output_limit`.
pub(crate) const TASK_LIMIT: usize = 20;

/// Durations of the tasks and plays of a run (see the module docs).
#[derive(Debug)]
pub struct Timings {
    started: Instant,
    tasks: Vec<(String, Instant, Option<Duration>)>,
    plays: Vec<(String, Instant, Option<Duration>)>,
}

impl Default for Timings {
    fn default() -> Timings {
        Timings {
            started: Instant::now(),
            tasks: Vec::new(),
            plays: Vec::new(),
        }
    }
}

fn close(list: &mut [(String, Instant, Option<Duration>)], now: Instant) {
    if let Some((_, start, d @ None)) = list.last_mut() {
        *d = Some(now.duration_since(*start));
    }
}

impl Timings {
    /// Starts timing now.
    pub fn new() -> Timings {
        Timings::default()
    }

    /// Updates the timings with one event.
    pub fn update(&mut self, event: &Event) {
        let now = Instant::now();
        match event {
            Event::TaskStart { name, .. } => {
                close(&mut self.tasks, now);
                self.tasks.push((name.clone(), now, None));
            }
            Event::PlayStart { name } => {
                close(&mut self.tasks, now);
                close(&mut self.plays, now);
                self.plays.push((name.clone(), now, None));
            }
            Event::Recap(_) | Event::RunEnd { .. } => {
                close(&mut self.tasks, now);
                close(&mut self.plays, now);
            }
            _ => {}
        }
    }

    /// The summary, lines `columns` wide (79 as Ansible's minimum).
    pub fn render(&self, columns: usize) -> String {
        let total = self.started.elapsed();
        let mut out = String::new();
        let title = format!("TASK DURATIONS (total {})", hms(total));
        let _ = writeln!(
            out,
            "\n{title} {}",
            "*".repeat(columns.saturating_sub(title.len() + 1).max(3))
        );
        let _ = writeln!(out, "{}", "=".repeat(columns));
        let mut tasks: Vec<&(String, Instant, Option<Duration>)> = self.tasks.iter().collect();
        tasks.sort_by_key(|t| std::cmp::Reverse(t.2));
        for (name, _, d) in tasks.into_iter().take(TASK_LIMIT) {
            out.push_str(&line(name, d.unwrap_or_default(), columns));
        }
        let _ = writeln!(out, "{}", "=".repeat(columns));
        for (name, _, d) in &self.plays {
            out.push_str(&line(
                &format!("PLAY [{name}]"),
                d.unwrap_or_default(),
                columns,
            ));
        }
        out
    }
}

/// `name ------ 1.23s`, as `profile_tasks` pads it.
fn line(name: &str, d: Duration, columns: usize) -> String {
    let w = columns.saturating_sub(9);
    format!(
        "{:-<w$}{:->9}\n",
        format!("{name} "),
        format!(" {:.2}s", d.as_secs_f64())
    )
}

/// `0:00:05.678`, as Python prints a `timedelta` rounded to milliseconds.
fn hms(d: Duration) -> String {
    let ms = d.as_millis();
    format!(
        "{}:{:02}:{:02}.{:03}",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_padded_like_profile_tasks() {
        assert_eq!(
            line("command", Duration::from_millis(2040), 79),
            format!("command {} 2.04s\n", "-".repeat(79 - 8 - 6))
        );
        assert_eq!(hms(Duration::from_millis(3_723_004)), "1:02:03.004");
        let mut t = Timings::new();
        t.update(&Event::PlayStart { name: "p".into() });
        t.update(&Event::TaskStart {
            name: "a".into(),
            handler: false,
        });
        t.update(&Event::Recap(Default::default()));
        let text = t.render(79);
        assert!(text.contains("\na ---"), "{text}");
        assert!(text.contains("\nPLAY [p] ---"), "{text}");
    }
}
