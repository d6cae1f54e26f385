//! The run folder: a record of every `provision` and `playbook` run.
//!
//! `<work dir>/<UTC timestamp>-<id>/` (work dir `./konvoy-runs` unless
//! `--work-dir`) holds:
//! - `command-line.txt`: the command as typed (shell-quoted) and the
//!   working directory;
//! - `events.jsonl`: every event with a timestamp, flushed as it happens
//!   (`docs/events.schema.json`), from run start to run end, pre-run errors
//!   included;
//! - `run.log`: the text output, without colour or status line, with
//!   diagnostics and task durations;
//! - `inventory.json`: the inventory as resolved (`inventory --list`);
//! - `variables.json` (provision): the merged image configuration, each
//!   variable with the file (or flag) that set it.
//!
//! Everything written is redacted: secret-named keys are masked and known
//! secret values are replaced wherever they appear.

use anyhow::{bail, Context};
use engine::report::redact::is_secret_name;
use engine::report::{AnsiblePrinter, JsonLines, Redactor};
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

/// Default parent of run folders.
pub(crate) const DEFAULT_WORK_DIR: &str = "konvoy-runs";

/// One run's folder.
pub(crate) struct RunLog {
    dir: PathBuf,
    redactor: Arc<Redactor>,
}

/// A short id that differs between runs started in the same second.
pub(crate) fn run_id() -> String {
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{:06x}", (nanos ^ (std::process::id() << 12)) & 0xff_ffff)
}

impl RunLog {
    /// Creates `<work_dir>/<timestamp>-<id>/`.
    pub(crate) fn create(
        work_dir: Option<&Path>,
        id: &str,
        redactor: Arc<Redactor>,
    ) -> anyhow::Result<RunLog> {
        let base = work_dir.unwrap_or(Path::new(DEFAULT_WORK_DIR));
        if base.join("ansible_vars.yaml").exists() {
            bail!(
                "`{}` is a konvoy-image-builder work dir (it holds ansible_vars.yaml): \
                 konvoy-image does not reuse it; --work-dir is where run folders are \
                 written. Pass the image and --overrides instead",
                base.display()
            );
        }
        let stamp = engine::report::clock::compact(SystemTime::now());
        let dir = base.join(format!("{stamp}-{id}"));
        std::fs::create_dir_all(&dir).with_context(|| {
            format!(
                "cannot create the run folder `{}` (use --work-dir DIR or --no-run-log)",
                dir.display()
            )
        })?;
        Ok(RunLog { dir, redactor })
    }

    fn create_file(&self, name: &str) -> anyhow::Result<BufWriter<File>> {
        let path = self.dir.join(name);
        let f = File::create(&path).with_context(|| format!("creating {}", path.display()))?;
        Ok(BufWriter::new(f))
    }

    /// `events.jsonl`.
    pub(crate) fn events(&self) -> anyhow::Result<JsonLines<BufWriter<File>>> {
        Ok(JsonLines::new(self.create_file("events.jsonl")?).with_redactor(self.redactor.clone()))
    }

    /// `run.log`.
    pub(crate) fn text(&self, verbosity: u8) -> anyhow::Result<AnsiblePrinter<BufWriter<File>>> {
        Ok(AnsiblePrinter::new(self.create_file("run.log")?, verbosity)
            .with_redactor(self.redactor.clone())
            .with_diagnostics(true)
            .with_profile(true))
    }

    /// `command-line.txt`.
    pub(crate) fn command_line(&self, argv: &[String]) -> anyhow::Result<()> {
        let quoted: Vec<String> = argv
            .iter()
            .map(|a| engine::shell::quote(a).into_owned())
            .collect();
        let cwd = std::env::current_dir()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        self.write(
            "command-line.txt",
            &format!("{}\n# in {cwd}\n", quoted.join(" ")),
        )
    }

    /// Writes `value` as pretty JSON to `name`, redacted.
    pub(crate) fn json(&self, name: &str, mut value: serde_json::Value) -> anyhow::Result<()> {
        redact_json(&mut value, &self.redactor);
        let text = serde_json::to_string_pretty(&value)? + "\n";
        self.write(name, &text)
    }

    fn write(&self, name: &str, text: &str) -> anyhow::Result<()> {
        let path = self.dir.join(name);
        std::fs::write(&path, self.redactor.text(text).as_bytes())
            .with_context(|| format!("writing {}", path.display()))
    }
}

/// Masks secret-named keys and known secret values in a JSON document.
fn redact_json(v: &mut serde_json::Value, r: &Redactor) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                if is_secret_name(k) {
                    mask(x);
                } else {
                    redact_json(x, r);
                }
            }
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(|x| redact_json(x, r)),
        serde_json::Value::String(s) => *s = r.text(s).into_owned(),
        _ => {}
    }
}

fn mask(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(m) => m.values_mut().for_each(mask),
        serde_json::Value::Array(a) => a.iter_mut().for_each(mask),
        serde_json::Value::String(s) if s.is_empty() => {}
        serde_json::Value::Null | serde_json::Value::Bool(_) => {}
        other => *other = serde_json::Value::String(engine::report::redact::MASK.into()),
    }
}
