//! `script`: copy a controller-side script to the host and run it there.
//!
//! Supported: free-form `path/to/script args`, or `cmd`; `creates`,
//! `removes`, `chdir`, `executable`. The script is found in the task's
//! search paths (role `files/`, the playbook's dir), uploaded to a
//! private temp file, run, and removed — in one command after the upload.
//! In check mode it is skipped, as Ansible does, unless `creates` or
//! `removes` decide it would not run.

use super::args::{ArgError, ArgMap};
use super::command::split_words;
use super::context::ModuleContext;
use super::outcome::{ModuleError, Outcome};
use super::Module;
use crate::shell::quote;
use crate::value::Value;

/// Arguments of `script`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScriptArgs {
    /// The script (controller path) and its arguments.
    pub argv: Vec<String>,
    /// Skip when this path exists on the host.
    pub creates: Option<String>,
    /// Skip unless this path exists on the host.
    pub removes: Option<String>,
    /// Directory to run in.
    pub chdir: Option<String>,
    /// Interpreter to run the script with.
    pub executable: Option<String>,
}

/// The `script` module.
pub struct ScriptModule;

impl Module for ScriptModule {
    type Args = ScriptArgs;

    fn parse(args: &mut ArgMap) -> Result<ScriptArgs, ArgError> {
        // The script action's own argument spec (required_one_of,
        // mutually_exclusive), with its messages.
        let text = match (args.str(&["_raw_params"])?, args.str(&["cmd"])?) {
            (Some(_), Some(_)) => {
                return Err(ArgError::Invalid(
                    "parameters are mutually exclusive: _raw_params|cmd".into(),
                ))
            }
            (Some(t), None) | (None, Some(t)) => t,
            (None, None) => {
                return Err(ArgError::Invalid(
                    "one of the following is required: _raw_params, cmd".into(),
                ))
            }
        };
        let argv = split_words(&text).ok_or_else(|| {
            ArgError::Invalid(format!("cannot split `{text}`: unbalanced quotes"))
        })?;
        if argv.is_empty() {
            return Err(ArgError::Invalid("no script given".into()));
        }
        let parsed = ScriptArgs {
            argv,
            creates: args.str(&["creates"])?,
            removes: args.str(&["removes"])?,
            chdir: args.str(&["chdir"])?,
            executable: args.str(&["executable"])?,
        };
        args.ignore(&["warn", "decrypt"]);
        args.finish(&["cmd", "creates", "removes", "chdir", "executable"])?;
        Ok(parsed)
    }

    fn run(a: &ScriptArgs, ctx: &mut ModuleContext<'_>) -> Result<Outcome, ModuleError> {
        if let Some(skip) = guard(a, ctx)? {
            return Ok(skip);
        }
        if let Some(d) = a.chdir.as_deref().filter(|d| !d.starts_with('/')) {
            return Ok(Outcome::failed(format!(
                "chdir {d} must be an absolute path for a Unix-aware remote node"
            )));
        }
        if ctx.check_mode() {
            // With `creates`/`removes` the guard above already decided
            // that it would run: Ansible reports a change without running.
            if a.creates.is_some() || a.removes.is_some() {
                return Ok(Outcome::changed());
            }
            let mut o = Outcome::ok().with("msg", "Check mode is not supported for this task.");
            o.skipped = true;
            return Ok(o);
        }
        let local = ctx.find_local(&a.argv[0])?;
        let data = std::fs::read(&local).map_err(|e| ModuleError::LocalFile {
            path: local.display().to_string(),
            message: e.to_string(),
        })?;
        let remote = format!("/tmp/.konvoy-script-{}-{}", std::process::id(), unique());
        ctx.put(&data, &remote, Some(0o700))?;
        let mut s = String::new();
        if let Some(d) = &a.chdir {
            s.push_str(&format!("cd {} || exit 1\n", quote(d)));
        }
        // Ansible puts `executable` before the script as it is written
        // (`python3 -u` is two words): split as the shell would, each word
        // quoted.
        let run = match &a.executable {
            Some(e) => {
                let words = split_words(e).unwrap_or_else(|| vec![e.clone()]);
                let words: Vec<String> = words.iter().map(|w| quote(w).into_owned()).collect();
                format!("{} {}", words.join(" "), quote(&remote))
            }
            None => quote(&remote).into_owned(),
        };
        let args: String = a.argv[1..]
            .iter()
            .map(|w| format!(" {}", quote(w)))
            .collect();
        s.push_str(&format!(
            "{run}{args}\nrc=$?\nrm -f {}\nexit $rc\n",
            quote(&remote)
        ));
        let out = ctx.apply(&s, None)?;
        let stdout = out.stdout_str();
        let stderr = out.stderr_str();
        let lines = |t: &str| Value::List(t.lines().map(|l| Value::Str(l.to_owned())).collect());
        let mut o = Outcome::changed()
            .with("rc", Value::Int(i64::from(out.rc)))
            .with("stdout", stdout.clone())
            .with("stdout_lines", lines(&stdout))
            .with("stderr", stderr.clone())
            .with("stderr_lines", lines(&stderr));
        if out.rc != 0 {
            o = o.failing("non-zero return code");
        }
        Ok(o)
    }
}

/// `creates`/`removes`: one probe; `Some` when the script must not run.
fn guard(a: &ScriptArgs, ctx: &mut ModuleContext<'_>) -> Result<Option<Outcome>, ModuleError> {
    let (path, want_exists) = match (&a.creates, &a.removes) {
        (Some(p), _) => (p, false),
        (None, Some(p)) => (p, true),
        (None, None) => return Ok(None),
    };
    let out = ctx.probe(&format!("[ -e {} ]", quote(path)))?;
    let exists = out.rc == 0;
    if exists == want_exists {
        return Ok(None);
    }
    let why = if exists {
        format!("{path} exists, matching creates option")
    } else {
        format!("{path} does not exist, matching removes option")
    };
    // Ansible's script action reports this as a skip, not as `ok`.
    let mut o = Outcome::ok().with("msg", why);
    o.skipped = true;
    Ok(Some(o))
}

fn unique() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}
