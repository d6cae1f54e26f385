//! [`Screen`]: the printer's output plus an optional live status line
//! kept as the last line of a terminal.
//!
//! The status line is drawn without a newline; before any text is
//! written it is erased (`\r` + `ESC[2K`, erase the whole line), the text
//! is written, then the line is drawn again. Text and status therefore
//! never share a line, and when the run ends the line is erased for good,
//! leaving no debris. A ticker thread redraws it so elapsed times move
//! while every host is busy.

use super::event::Event;
use super::status::StatusBoard;
use super::style::{Color, Painter};
use std::io::Write;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

/// Erase the current line and return to its start.
const ERASE: &str = "\r\x1b[2K";

type Width = Arc<dyn Fn() -> usize + Send + Sync>;

/// Output with an optional status line (see the module docs).
pub(crate) struct Screen<W: Write + Send> {
    out: W,
    status: Option<(StatusBoard, Width, Painter)>,
    drawn: bool,
}

impl<W: Write + Send> Screen<W> {
    pub(crate) fn new(out: W) -> Screen<W> {
        Screen {
            out,
            status: None,
            drawn: false,
        }
    }

    pub(crate) fn enable_status(&mut self, width: Width, painter: Painter) {
        self.status = Some((StatusBoard::new(), width, painter));
    }

    /// Writes the text of `event` (possibly empty), updating the status.
    pub(crate) fn event(&mut self, event: &Event, text: &str) {
        let had_status = self.status.is_some();
        if let Some((board, _, _)) = &mut self.status {
            board.update(event);
        }
        if text.is_empty() && !had_status {
            return;
        }
        self.erase();
        let _ = self.out.write_all(text.as_bytes());
        self.draw();
        let _ = self.out.flush();
    }

    /// Erases and redraws the status line (elapsed times move).
    pub(crate) fn redraw(&mut self) {
        if self.status.is_none() {
            return;
        }
        self.erase();
        self.draw();
        let _ = self.out.flush();
    }

    /// Whether the ticker has nothing left to do.
    fn finished(&self) -> bool {
        self.status.as_ref().is_none_or(|(b, _, _)| b.finished())
    }

    /// Erases the status line and never draws it again.
    pub(crate) fn finish(&mut self) {
        self.erase();
        self.status = None;
        let _ = self.out.flush();
    }

    /// Runs `f` with the line erased, then draws it again.
    pub(crate) fn suspend<T>(&mut self, f: impl FnOnce() -> T) -> T {
        self.erase();
        let _ = self.out.flush();
        let r = f();
        self.draw();
        let _ = self.out.flush();
        r
    }

    fn erase(&mut self) {
        if self.drawn {
            let _ = self.out.write_all(ERASE.as_bytes());
            self.drawn = false;
        }
    }

    fn draw(&mut self) {
        let Some((board, width, painter)) = &self.status else {
            return;
        };
        // One column short of the width: a line that fills the last
        // column makes some terminals wrap the cursor.
        if let Some(line) = board.line(width().saturating_sub(1).max(20)) {
            let _ = self
                .out
                .write_all(painter.paint(&line, Color::Debug).as_bytes());
            self.drawn = true;
        }
    }

    /// Redraws `screen` every `tick` until it is dropped or finished.
    pub(crate) fn start_ticker(screen: Weak<Mutex<Screen<W>>>, tick: Duration)
    where
        W: 'static,
    {
        let spawned = std::thread::Builder::new()
            .name("status-line".into())
            .spawn(move || loop {
                std::thread::sleep(tick);
                let Some(s) = screen.upgrade() else { break };
                let Ok(mut s) = s.lock() else { break };
                if s.finished() {
                    break;
                }
                s.redraw();
            });
        // Without the thread the line is still redrawn on every event.
        drop(spawned);
    }
}
