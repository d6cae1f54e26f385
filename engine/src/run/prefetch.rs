//! Probe batching: the read-only probes of the next tasks of a host, sent
//! as one script on one channel, so a host already in the wanted state
//! answers a whole run of tasks in one round trip instead of one each
//! (50 checks as 50 channels took 3.6 s here; as one script, 71 ms).
//!
//! Safe by construction: results are keyed by the exact probe text, so a
//! task whose arguments render differently at run time simply misses; any
//! command that changes the host clears the cache
//! ([`crate::modules::ModuleContext::apply`]). Batching starts only after
//! a task that changed nothing, so a cold run, where most tasks change
//! the host, does not pay for probes it would throw away.

use super::connection;
use super::env::TaskEnv;
use super::host::HostState;
use super::invocation::{prepare_ahead, task_id};
use super::remote::TransportRemote;
use super::vars::task_vars;
use super::work::Work;
use crate::modules::{ExecOutput, Remote};
use crate::plan::{Step, TaskStep};
use crate::shell::quote;
use std::sync::Arc;

/// At most this many probes go into one batch.
const MAX_PROBES: usize = 64;

/// A batch stops growing past this many bytes of probe text (any size
/// reaches the host, on stdin; this bounds what one round trip carries).
const MAX_BATCH_BYTES: usize = 256 * 1024;

/// How far ahead to look, in tasks.
const WINDOW: usize = 32;

/// Fills `st`'s probe cache with the probes of the plain tasks at the
/// head of `steps` (up to the first block, include or flush), when worth it.
/// The invocations it prepares for that are kept for the tasks to run.
pub(crate) fn prefetch(env: &TaskEnv<'_>, st: &mut HostState, steps: &[Step]) {
    if !st.converged || !st.active() {
        return;
    }
    let Some(Step::Task(first)) = steps.first() else {
        return;
    };
    // Which of the next tasks could share a batch: cheap checks first, so
    // a run of controller-side tasks costs nothing here.
    let window: Vec<&Arc<TaskStep>> = steps
        .iter()
        .take(WINDOW)
        .map_while(|s| match s {
            // A module without probes (command, shell, ...) runs on the host
            // and clears the cache: probes past it would be thrown away.
            // Controller-side actions (set_fact, debug, ...) leave it alone.
            Step::Task(t)
                if t.delegate_to.is_none()
                    && t.become_ == first.become_
                    && t.environment == first.environment
                    && (t.module.has_probes() || t.module.leaves_host_alone()) =>
            {
                Some(t)
            }
            _ => None,
        })
        .collect();
    let covered: Vec<usize> = window.iter().map(|t| task_id(t)).collect();
    let candidates: Vec<&Arc<TaskStep>> = window
        .into_iter()
        .filter(|t| t.module.has_probes())
        .collect();
    // Still inside the last batch: its answers are in the cache. Past it,
    // what is left there (probes of tasks that were skipped) is dropped.
    if st.batched.contains(&task_id(first)) {
        return;
    }
    st.probe_cache.clear();
    st.batched.clear();
    let epoch = st.vars_epoch();
    st.prepared
        .retain(|id, p| covered.contains(id) && p.epoch == epoch);
    if candidates.len() < 2 {
        return;
    }
    let mut scripts: Vec<String> = Vec::new();
    let mut bytes = 0;
    for t in candidates {
        if !st
            .prepared
            .get(&task_id(t))
            .is_some_and(|p| p.valid_for(st.vars_epoch(), t))
        {
            let vars = task_vars(env.pv, st, Some(t));
            if let Some(p) = prepare_ahead(env, st, t, &vars) {
                st.prepared.insert(task_id(t), p);
            }
        }
        for w in st
            .prepared
            .get(&task_id(t))
            .into_iter()
            .flat_map(|p| p.invocations.iter().flatten())
        {
            if let Ok(Work::Host(h)) = w {
                for p in h.module.as_ref().map(|m| m.probes()).unwrap_or_default() {
                    if !scripts.contains(&p) && bytes + p.len() <= MAX_BATCH_BYTES {
                        bytes += p.len();
                        scripts.push(p);
                    }
                }
            }
        }
        if scripts.len() >= MAX_PROBES || bytes >= MAX_BATCH_BYTES {
            break;
        }
    }
    if scripts.len() < 2 {
        return;
    }
    // Probes run as the tasks will: same connection, same become, same
    // environment (a proxy in `environment:` can matter to a probe).
    let Some(work) = st
        .prepared
        .values()
        .flat_map(|p| p.invocations.iter().flatten())
        .find_map(|w| match w {
            Ok(Work::Host(h)) if h.module.is_ok() => Some(h),
            _ => None,
        })
    else {
        return;
    };
    let (spec, privilege, environment) = (
        work.target.spec.clone(),
        work.target.privilege,
        work.environment.clone(),
    );
    let Ok(t) = connection::session(env, &mut st.sessions, &spec) else {
        return;
    };
    let mut remote = TransportRemote::new(t)
        .privilege(privilege)
        .env(environment);
    let Ok(out) = remote.exec(&batch_script(&scripts), None) else {
        return;
    };
    st.commands += 1;
    if let Some(outputs) = parse_batch(&out.stdout, scripts.len()) {
        st.probe_cache.extend(scripts.into_iter().zip(outputs));
        st.batched = covered;
    }
}

/// One script running every probe in its own subshell, framing each
/// result as `@@konvoy RC OUTLEN ERRLEN\n` followed by the raw bytes.
/// `eval` rather than `sh -c`: the probe text stays out of every process's
/// argv, and a probe that does not parse fails alone.
pub(crate) fn batch_script(probes: &[String]) -> String {
    // Scratch space in /dev/shm (memory) where there is one: a probe must
    // leave no trace on the host's disk, not even a directory's mtime.
    let mut s = String::from(
        "d=$(mktemp -d /dev/shm/.konvoy.XXXXXX 2>/dev/null || mktemp -d) || exit 1\n\
         trap 'rm -rf \"$d\"' EXIT\n",
    );
    for p in probes {
        s.push_str(&format!(
            "(eval {}) >\"$d/o\" 2>\"$d/e\" </dev/null; rc=$?\n\
             printf '@@konvoy %d %d %d\\n' \"$rc\" \"$(wc -c <\"$d/o\")\" \"$(wc -c <\"$d/e\")\"\n\
             cat \"$d/o\" \"$d/e\"\n",
            quote(p)
        ));
    }
    s
}

/// Splits a batch's output back into one [`ExecOutput`] per probe.
pub(crate) fn parse_batch(mut out: &[u8], n: usize) -> Option<Vec<ExecOutput>> {
    let mut res = Vec::with_capacity(n);
    for _ in 0..n {
        let nl = out.iter().position(|b| *b == b'\n')?;
        let header = std::str::from_utf8(&out[..nl]).ok()?;
        let mut f = header.strip_prefix("@@konvoy ")?.split(' ');
        let rc: i32 = f.next()?.parse().ok()?;
        let ol: usize = f.next()?.trim().parse().ok()?;
        let el: usize = f.next()?.trim().parse().ok()?;
        out = &out[nl + 1..];
        if out.len() < ol + el {
            return None;
        }
        res.push(ExecOutput {
            stdout: out[..ol].to_vec(),
            stderr: out[ol..ol + el].to_vec(),
            rc,
        });
        out = &out[ol + el..];
    }
    Some(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The framing survives any bytes a probe prints, run by the real `sh`.
    #[test]
    fn batch_round_trips_through_real_sh() {
        let probes = vec![
            "printf 'a\\n@@konvoy 0 1 1\\nb'; echo err >&2; exit 3".to_owned(),
            "printf '\\0\\377'".to_owned(),
            "true".to_owned(),
            "if then".to_owned(),
            "d=/nonexistent; exit 4".to_owned(),
        ];
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(batch_script(&probes))
            .output()
            .unwrap();
        let got = parse_batch(&out.stdout, 5).expect("parses");
        assert_eq!(got[0].stdout, b"a\n@@konvoy 0 1 1\nb");
        assert_eq!(got[0].stderr, b"err\n");
        assert_eq!(got[0].rc, 3);
        assert_eq!(got[1].stdout, b"\0\xff");
        assert_eq!(
            got[2],
            ExecOutput {
                stdout: vec![],
                stderr: vec![],
                rc: 0
            }
        );
        // A probe that does not parse fails alone; one that changes the
        // batch's variables does not disturb it.
        assert_eq!(got[3].rc, 2);
        assert_eq!(got[4].rc, 4);
        assert!(parse_batch(b"garbage", 1).is_none());
    }
}
