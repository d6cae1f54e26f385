//! One `playbook` or `provision` run as the operator sees it: the
//! reporters (terminal, `--json-log`, run folder), the secrets they hide,
//! the signals that stop the run, and the exit code.
//!
//! Interrupts (SIGINT, SIGTERM, SIGHUP): the first stops scheduling
//! (running tasks finish) and says which hosts it waits for; the second
//! ends the run at once, after printing the recap of the results so far
//! and closing the run folder. ansible-playbook 2.19.14 exits 99 after
//! "User interrupted execution" on Ctrl-C and dies by the signal on
//! SIGTERM/SIGHUP (measured: exit status 143); so do we.

use crate::args::RunFlags;
use crate::errors;
use crate::options::View;
use crate::runlog::{run_id, RunLog};
use crate::signals;
use engine::inventory::{Inventory, ListOptions, VarsView};
use engine::plan::PlanError;
use engine::report::{
    AnsiblePrinter, DiagnosticEvent, Event, Fanout, JsonLines, Progress, Redactor, Reporter,
    RunInfo,
};
use engine::run::RunSummary;
use std::io::{IsTerminal, Stdout};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// ansible-playbook's exit code after a KeyboardInterrupt (measured).
pub(crate) const INTERRUPTED: u8 = 99;

/// A running command's reporters and stop state (see the module docs).
pub(crate) struct Session {
    redactor: Arc<Redactor>,
    progress: Arc<Progress>,
    printer: Arc<AnsiblePrinter<Stdout>>,
    fan: Arc<Fanout>,
    runlog: Option<RunLog>,
    /// The first stop signal received (0: none).
    stopped_by: Arc<AtomicI32>,
    /// Built-in content extracted for this run, removed on a forced exit.
    cleanup: Arc<Mutex<Option<PathBuf>>>,
}

/// Whether output is coloured, by Ansible's rules: `force_color` wins,
/// then `nocolor` (`ANSIBLE_NOCOLOR`, `NO_COLOR`, ansible.cfg), then
/// whether stdout is a terminal; `--no-color` beats them all.
fn use_color(view: &View, tty: bool) -> bool {
    if view.force_color {
        return true;
    }
    tty && !view.no_color
}

/// Columns of the terminal on stdout (0 when unknown).
fn terminal_columns() -> usize {
    // SAFETY: TIOCGWINSZ fills a winsize; fd 1 is ours to query.
    unsafe {
        let mut ws: libc::winsize = std::mem::zeroed();
        if libc::ioctl(1, libc::TIOCGWINSZ, &mut ws) == 0 {
            usize::from(ws.ws_col)
        } else {
            0
        }
    }
}

impl Session {
    /// Sets up output and signals; records the start of the run. `argv`
    /// is the command line; `extra_vars` the `-e` values, whose secrets
    /// are known before anything is written.
    pub(crate) fn start(
        flags: &RunFlags,
        view: &View,
        cancel: Arc<AtomicBool>,
        extra_vars: &[String],
    ) -> anyhow::Result<Session> {
        let argv: Vec<String> = std::env::args().collect();
        let redactor = Arc::new(Redactor::new());
        for e in extra_vars {
            if let Ok(vars) = engine::image::parse_extra_vars(e) {
                redactor.add_from(&vars);
            }
        }
        let tty =
            std::io::stdout().is_terminal() && std::env::var("TERM").map_or(true, |t| t != "dumb");
        let profile = view.profile || view.verbosity > 0;
        let mut printer = AnsiblePrinter::new(std::io::stdout(), view.verbosity)
            .with_color(use_color(view, tty))
            .with_redactor(redactor.clone())
            .with_profile(profile);
        if tty {
            printer = printer
                .with_columns(terminal_columns().saturating_sub(1))
                .with_status_line(Arc::new(terminal_columns), Duration::from_millis(250));
        }
        let printer = Arc::new(printer);
        let progress = Arc::new(Progress::new());
        let mut fan = Fanout::new().with(progress.clone()).with(printer.clone());
        if let Some(path) = &flags.json_log {
            let f = std::fs::File::create(path)
                .map_err(|e| anyhow::anyhow!("creating {}: {e}", path.display()))?;
            fan = fan
                .with(JsonLines::new(std::io::BufWriter::new(f)).with_redactor(redactor.clone()));
        }
        let id = run_id();
        let runlog = if flags.no_run_log {
            None
        } else {
            let log = RunLog::create(flags.work_dir.as_deref(), &id, redactor.clone())?;
            fan = fan.with(log.events()?).with(log.text(view.verbosity)?);
            log.command_line(&argv)?;
            Some(log)
        };
        let session = Session {
            redactor,
            progress,
            printer,
            fan: Arc::new(fan),
            runlog,
            stopped_by: Arc::new(AtomicI32::new(0)),
            cleanup: Arc::new(Mutex::new(None)),
        };
        session.install_signals(cancel)?;
        session.fan.event(&Event::RunStart(Box::new(RunInfo {
            id,
            argv,
            version: env!("CARGO_PKG_VERSION").to_owned(),
            cwd: std::env::current_dir()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
        })));
        Ok(session)
    }

    fn install_signals(&self, cancel: Arc<AtomicBool>) -> anyhow::Result<()> {
        let fan = self.fan.clone();
        let progress = self.progress.clone();
        let printer = self.printer.clone();
        let stopped_by = self.stopped_by.clone();
        let cleanup = self.cleanup.clone();
        signals::install(move |sig, count| {
            if count == 1 {
                stopped_by.store(sig, Ordering::SeqCst);
                cancel.store(true, Ordering::SeqCst);
                fan.event(&Event::Interrupt {
                    forced: false,
                    waiting_for: progress.waiting_for(),
                });
                return;
            }
            fan.event(&Event::Interrupt {
                forced: true,
                waiting_for: progress.waiting_for(),
            });
            if !progress.recap_seen() {
                fan.event(&Event::Recap(progress.recap()));
            }
            let first = stopped_by.load(Ordering::SeqCst);
            fan.event(&Event::RunEnd {
                exit_code: exit_status(first),
                interrupted: true,
            });
            printer.finish();
            if let Ok(Some(dir)) = cleanup.lock().map(|d| d.clone()) {
                let _ = std::fs::remove_dir_all(dir);
            }
            eprintln!("[ERROR]: User interrupted execution");
            end(first);
        })
        .map_err(|e| anyhow::anyhow!("installing the signal handlers: {e}"))
    }

    /// The reporter every event of the run goes to.
    pub(crate) fn reporter(&self) -> Arc<Fanout> {
        self.fan.clone()
    }

    /// The secrets hidden from every output (add to it as they load).
    pub(crate) fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// The run folder, if one is written.
    pub(crate) fn runlog(&self) -> Option<&RunLog> {
        self.runlog.as_ref()
    }

    /// Remembers a directory to remove if the run is ended at once.
    pub(crate) fn remove_on_forced_exit(&self, dir: Option<&Path>) {
        if let Ok(mut d) = self.cleanup.lock() {
            *d = dir.map(Path::to_path_buf);
        }
    }

    /// Registers the inventory's secrets and records it as resolved.
    pub(crate) fn record_inventory(
        &self,
        inv: &Inventory,
        playbook_dir: &Path,
    ) -> anyhow::Result<()> {
        for host in inv.hosts() {
            if let Ok(vars) = inv.host_vars_with_playbook(host.name(), Some(playbook_dir)) {
                self.redactor.add_from(&vars);
            }
        }
        let Some(log) = &self.runlog else {
            return Ok(());
        };
        let cwd = std::env::current_dir().ok();
        let json = inv.to_list_json(&ListOptions {
            view: VarsView::Merged,
            playbook_dir: Some(playbook_dir),
            cwd: cwd.as_deref(),
            limit: None,
            show_vars: false,
        })?;
        log.json("inventory.json", serde_json::from_str(&json)?)
    }

    /// Shows and records warnings that are plain text (settings).
    pub(crate) fn warn_text(&self, warnings: &[String]) {
        for w in warnings {
            let text = format!("[WARNING]: {}\n", self.redactor.text(w));
            self.printer.suspend(|| eprint!("{text}"));
            self.fan.event(&Event::Diagnostic(Box::new(DiagnosticEvent {
                level: engine::report::DiagnosticLevel::Warning,
                text,
                span: None,
            })));
        }
    }

    /// Shows and records warnings about image and override keys.
    pub(crate) fn warn_diagnostics(&self, warnings: &[engine::image::ImageError]) {
        for w in errors::image_warnings(warnings) {
            self.printer
                .suspend(|| eprint!("{}", self.redactor.text(&w.text)));
            self.fan.event(&Event::Diagnostic(Box::new(DiagnosticEvent {
                text: self.redactor.text(&w.text).into_owned(),
                ..w
            })));
        }
    }

    /// Shows and records static warnings.
    pub(crate) fn warn(&self, warnings: &[PlanError]) {
        for w in errors::warnings(warnings) {
            self.printer
                .suspend(|| eprint!("{}", self.redactor.text(&w.text)));
            self.fan.event(&Event::Diagnostic(Box::new(DiagnosticEvent {
                text: self.redactor.text(&w.text).into_owned(),
                ..w
            })));
        }
    }

    /// The run could not start: prints and records why, ends the record.
    pub(crate) fn fail(self, err: &anyhow::Error) -> ExitCode {
        let r = errors::render(err);
        self.printer.finish();
        eprint!("{}", self.redactor.text(&r.text));
        for e in r.events {
            self.fan.event(&Event::Diagnostic(Box::new(e)));
        }
        self.end(i32::from(r.code))
    }

    /// The run ended: the exit code, `--stats`, the end of the record.
    pub(crate) fn finish(self, summary: &RunSummary, flags: &RunFlags) -> ExitCode {
        if flags.stats {
            for (host, n) in &summary.commands {
                eprintln!("{host}: {n} SSH commands");
            }
        }
        if let Some(task) = &summary.start_at_task_unmatched {
            // ansible-playbook says so after the recap, and exits as the
            // run went (0 when nothing failed).
            self.printer.suspend(|| {
                eprintln!(
                    "[ERROR]: No matching task \"{task}\" found. Note: --start-at-task can only \
                     follow static includes."
                )
            });
        }
        let stopped = self.stopped_by.load(Ordering::SeqCst);
        if stopped == 0 {
            return self.end(summary.exit_code);
        }
        self.printer.finish();
        eprintln!("[ERROR]: User interrupted execution");
        let code = exit_status(stopped);
        self.fan.event(&Event::RunEnd {
            exit_code: code,
            interrupted: true,
        });
        if stopped == libc::SIGINT {
            return ExitCode::from(INTERRUPTED);
        }
        if let Ok(Some(dir)) = self.cleanup.lock().map(|d| d.clone()) {
            let _ = std::fs::remove_dir_all(dir);
        }
        drop(self);
        end(stopped)
    }

    fn end(self, code: i32) -> ExitCode {
        self.fan.event(&Event::RunEnd {
            exit_code: code,
            interrupted: false,
        });
        self.printer.finish();
        ExitCode::from(code.clamp(0, 255) as u8)
    }
}

/// The exit status the process ends with after a stop by `sig`.
fn exit_status(sig: i32) -> i32 {
    if sig == libc::SIGINT {
        i32::from(INTERRUPTED)
    } else {
        128 + sig
    }
}

/// Ends the process after a stop by `sig` (see [`exit_status`]).
fn end(sig: i32) -> ! {
    if sig == libc::SIGINT {
        std::process::exit(i32::from(INTERRUPTED));
    }
    signals::die_by(sig)
}
