//! Probe batching: the probes a converged host will be asked for next,
//! found by the lookahead ([`super::lookahead`]) across blocks, roles and
//! handler flush points, read in one script per connection so a host
//! already in the wanted state answers a whole play in a round trip or two
//! instead of one per task (50 checks as 50 channels took 3.6 s here; as
//! one script, 71 ms).
//!
//! Safe by construction: answers are kept by exact probe text and how it
//! was sent, and only while nothing has written to the host
//! ([`super::probe_cache`]); a task whose arguments render differently at
//! run time simply misses. Batching starts only after a task that changed
//! nothing, so a cold run, where most tasks change the host, does not pay
//! for probes it would throw away.
//!
//! Each lookahead that finds probes missing is followed by a batch, and
//! then by another lookahead, which now sees the results of the tasks
//! those probes answered (a `stat` registered and read by a later `when`):
//! a converged play is read in as many round trips as its probes have
//! levels of dependence on each other's answers.

use super::connection;
use super::env::TaskEnv;
use super::host::HostState;
use super::lookahead::{look, look_next, Wanted};
use super::piggyback::Piggyback;
use super::remote::TransportRemote;
use super::timeline::Timeline;
use super::trace::Phase;
use crate::modules::{ExecOutput, Remote};
use crate::plan::Step;
use crate::shell::quote;
use crate::transport::env_lines;

/// At most this many lookahead-and-batch rounds at one point of a play.
const MAX_ROUNDS: usize = 6;

/// Where the last lookahead of a host looked, and when.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Seen {
    /// The timeline (its address: one per play or include).
    marks: usize,
    /// The positions it simulated.
    range: std::ops::Range<usize>,
    /// The host's meter stamp then.
    stamp: (u64, u64),
}

/// Reads ahead the probes of the tasks after `steps[0]` for `st` (see the
/// module docs). `timeline` is the play's; `steps` the list being walked,
/// used alone when its first task is not in the timeline (a dynamic
/// include).
pub(crate) fn prefetch(env: &TaskEnv<'_>, st: &mut HostState, timeline: &Timeline, steps: &[Step]) {
    st.piggyback = None;
    if !st.active() || st.jobs.iter().any(|j| !j.is_finished()) {
        // A background job may be changing the host right now.
        return;
    }
    let Some(Step::Task(first)) = steps.first() else {
        return;
    };
    let own;
    let (marks, start) = match timeline.position(first) {
        Some(i) => (timeline.marks(), i),
        None => {
            own = Timeline::of(steps);
            (own.marks(), 0)
        }
    };
    if !st.converged {
        // The next task's probes ride on this one's apply.
        if env.opts.apply_batching {
            st.piggyback = look_next(env, st, marks, start + 1)
                .and_then(|w| Piggyback::new(w.context, w.probes, w.hidden));
        }
        return;
    }
    let at = marks.as_ptr() as usize;
    if st
        .lookahead
        .as_ref()
        .is_some_and(|s| s.marks == at && s.range.contains(&start) && s.stamp == st.meter.stamp())
    {
        return;
    }
    for _ in 0..MAX_ROUNDS {
        let found = look(env, st, marks, start, false);
        st.lookahead = Some(Seen {
            marks: at,
            range: start..found.end,
            stamp: st.meter.stamp(),
        });
        if found.wanted.iter().all(|w| w.probes.is_empty()) {
            break;
        }
        if !found.wanted.iter().all(|w| read(env, st, w)) {
            break;
        }
    }
    let changes_here = st.lookahead.as_ref().is_some_and(|s| s.range.end == start);
    if env.opts.apply_batching && changes_here {
        // The lookahead stopped at this task: it changes the host, and
        // the next task's probes, read afresh (what is cached now will
        // be stale), ride on its apply.
        let cached = std::mem::take(&mut st.probe_cache);
        let next = look_next(env, st, marks, start + 1);
        st.probe_cache = cached;
        st.piggyback = next.and_then(|w| Piggyback::new(w.context, w.probes, w.hidden));
    }
}

/// The probes worth reading with the facts of `st`, before its play
/// starts: what a lookahead without facts finds from the first task of
/// `steps` (tasks that read facts are left for later), in the first
/// context that wants any.
pub(crate) fn before_facts(
    env: &TaskEnv<'_>,
    st: &mut HostState,
    timeline: &Timeline,
    steps: &[Step],
) -> Option<Wanted> {
    let own = Timeline::of(steps);
    let first = own.marks().iter().find_map(|m| match m {
        super::timeline::Mark::Task(t) => Some(t.clone()),
        _ => None,
    })?;
    let (marks, start) = match timeline.position(&first) {
        Some(i) => (timeline.marks(), i),
        None => (own.marks(), 0),
    };
    look(env, st, marks, start, true)
        .wanted
        .into_iter()
        .find(|w| !w.probes.is_empty())
}

/// Reads one context's probes in one script; `false` when that failed
/// (the tasks then probe for themselves, and report what went wrong).
fn read(env: &TaskEnv<'_>, st: &mut HostState, wanted: &Wanted) -> bool {
    if wanted.probes.is_empty() {
        return true;
    }
    let c = &wanted.context;
    let out = {
        let _probes = st.meter.phase(Phase::Probes);
        st.meter.set_no_log(wanted.hidden);
        let Ok(mut t) = connection::session(env, &mut st.sessions, &st.meter, &c.spec) else {
            return false;
        };
        TransportRemote::new(&mut t)
            .privilege(c.privilege)
            .env(c.environment.clone())
            .exec(
                &batch_script(&wanted.probes, env_lines(&c.environment)),
                None,
            )
    };
    let Ok(out) = out else {
        return false;
    };
    let Some(outputs) = parse_batch(&out.stdout, wanted.probes.len()) else {
        return false;
    };
    let answers = wanted.probes.iter().cloned().zip(outputs);
    st.probe_cache.insert(c, answers, &st.meter);
    true
}

/// One script running every probe in its own subshell, framing each
/// result as `@@konvoy RC OUTLEN ERRLEN\n` followed by the raw bytes.
/// `eval` rather than `sh -c`: the probe text stays out of every process's
/// argv, and a probe that does not parse fails alone. `pad`: the lines an
/// environment takes before a command sent alone ([`framed`]).
pub(crate) fn batch_script(probes: &[String], pad: usize) -> String {
    // Scratch space in /dev/shm (memory) where there is one: a probe must
    // leave no trace on the host's disk, not even a directory's mtime.
    let mut s = format!(
        "# konvoy-image probe batch: {} read-only probes, results framed\n\
         d=$(mktemp -d /dev/shm/.konvoy.XXXXXX 2>/dev/null || mktemp -d) || exit 1\n\
         trap 'rm -rf \"$d\"' EXIT\n",
        probes.len()
    );
    for p in probes {
        s.push_str(&framed(p, pad));
    }
    s
}

/// Fact gathering and a batch of probes in one script (one round trip):
/// the fact script first, as it runs alone (in a subshell, the login
/// environment, no stdin), then a line naming `separator`, then the
/// probes, with their environment read from stdin ([`env_script`]) so
/// its values stay out of the command text.
pub(crate) fn facts_and_probes_script(probes: &[String], separator: &str, pad: usize) -> String {
    format!(
        "# konvoy-image facts, then {} probes\n(\n{}\n) </dev/null\n\
         printf '\\n\\036%s\\n' {}\neval \"$(cat)\"\n{}",
        probes.len(),
        crate::facts::gather_script(),
        quote(separator),
        batch_script(probes, pad)
    )
}

/// `export K='V'` lines for the probes of [`facts_and_probes_script`];
/// `None` when a name could not be exported.
pub(crate) fn env_script(env: &[(String, String)]) -> Option<Vec<u8>> {
    let mut s = String::new();
    for (k, v) in env {
        let name_ok = !k.is_empty()
            && !k.starts_with(|c: char| c.is_ascii_digit())
            && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !name_ok {
            return None;
        }
        s.push_str(&format!("export {k}={}\n", quote(v)));
    }
    Some(s.into_bytes())
}

/// The fact script's output and the batch's, split at `separator`.
pub(crate) fn split_facts<'o>(out: &'o [u8], separator: &str) -> Option<(&'o [u8], &'o [u8])> {
    let mark = format!("\n\x1e{separator}\n");
    let at = out.windows(mark.len()).position(|w| w == mark.as_bytes())?;
    Some((&out[..at], &out[at + mark.len()..]))
}

/// Splits a batch's output back into one [`ExecOutput`] per probe.
pub(crate) fn parse_batch(mut out: &[u8], n: usize) -> Option<Vec<ExecOutput>> {
    let mut res = Vec::with_capacity(n);
    for _ in 0..n {
        let (one, rest) = parse_frame(out)?;
        res.push(one);
        out = rest;
    }
    Some(res)
}

/// One `@@konvoy RC OUTLEN ERRLEN` frame from the start of `out` (as
/// [`batch_script`] prints it), and what follows it.
pub(crate) fn parse_frame(out: &[u8]) -> Option<(ExecOutput, &[u8])> {
    let nl = out.iter().position(|b| *b == b'\n')?;
    let header = std::str::from_utf8(&out[..nl]).ok()?;
    let mut f = header.strip_prefix("@@konvoy ")?.split(' ');
    let rc: i32 = f.next()?.parse().ok()?;
    let ol: usize = f.next()?.trim().parse().ok()?;
    let el: usize = f.next()?.trim().parse().ok()?;
    let out = &out[nl + 1..];
    if out.len() < ol + el {
        return None;
    }
    let one = ExecOutput {
        stdout: out[..ol].to_vec(),
        stderr: out[ol..ol + el].to_vec(),
        rc,
    };
    Some((one, &out[ol + el..]))
}

/// The shell text that runs `script` (quoted, through `eval`, in a
/// subshell with no stdin) into `$d/o` and `$d/e` and prints its frame.
/// The script starts `pad` lines down, where it starts when sent alone
/// after its environment's `export`s, so a shell message naming one of
/// its lines (`sh: 7: foo: not found`) reads the same either way.
pub(crate) fn framed(script: &str, pad: usize) -> String {
    let script = format!("{}{script}", "\n".repeat(pad));
    format!(
        "(eval {}) >\"$d/o\" 2>\"$d/e\" </dev/null; rc=$?\n\
         printf '@@konvoy %d %d %d\\n' \"$rc\" \"$(wc -c <\"$d/o\")\" \"$(wc -c <\"$d/e\")\"\n\
         cat \"$d/o\" \"$d/e\"\n",
        quote(&script)
    )
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
            .arg(batch_script(&probes, 0))
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
