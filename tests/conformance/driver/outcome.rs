//! What one side did with a target, read from the default callback's text
//! output (ours prints it byte for byte as ansible-core does, so one parser
//! reads both), and the `oracle/<target>.txt` files that record
//! ansible-core's side for the CI ratchet.

use std::collections::BTreeMap;
use std::fmt::Write as _;

/// How a task ended on one host.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Status {
    Ok,
    Changed,
    Skipped,
    /// A failure that `ignore_errors` turned into `...ignoring`.
    Ignored,
    Failed,
    Unreachable,
}

impl Status {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Changed => "changed",
            Status::Skipped => "skipped",
            Status::Ignored => "ignored",
            Status::Failed => "failed",
            Status::Unreachable => "unreachable",
        }
    }

    fn parse(s: &str) -> Option<Status> {
        Some(match s {
            "ok" => Status::Ok,
            "changed" => Status::Changed,
            "skipped" => Status::Skipped,
            "ignored" => Status::Ignored,
            "failed" => Status::Failed,
            "unreachable" => Status::Unreachable,
            _ => return None,
        })
    }
}

/// One task on one host (loop items folded: the worst item wins).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TaskResult {
    /// The banner text: `role : task name` (or `HANDLER role : name`).
    pub(crate) name: String,
    pub(crate) host: String,
    pub(crate) status: Status,
    /// The result text after `=>` of the worst line, shortened.
    pub(crate) detail: String,
}

/// The PLAY RECAP, summed over hosts (and over runs).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Recap {
    pub(crate) ok: u32,
    pub(crate) changed: u32,
    pub(crate) unreachable: u32,
    pub(crate) failed: u32,
    pub(crate) skipped: u32,
    pub(crate) rescued: u32,
    pub(crate) ignored: u32,
}

impl Recap {
    const KEYS: [&'static str; 7] = [
        "ok",
        "changed",
        "unreachable",
        "failed",
        "skipped",
        "rescued",
        "ignored",
    ];

    fn field(&mut self, key: &str) -> Option<&mut u32> {
        Some(match key {
            "ok" => &mut self.ok,
            "changed" => &mut self.changed,
            "unreachable" => &mut self.unreachable,
            "failed" => &mut self.failed,
            "skipped" => &mut self.skipped,
            "rescued" => &mut self.rescued,
            "ignored" => &mut self.ignored,
            _ => return None,
        })
    }

    /// Adds `key=N` pairs (a recap line or an oracle line).
    fn add_pairs(&mut self, text: &str) {
        for pair in text.split_whitespace() {
            if let Some((k, v)) = pair.split_once('=') {
                if let (Some(f), Ok(n)) = (self.field(k), v.parse::<u32>()) {
                    *f += n;
                }
            }
        }
    }

    fn add(&mut self, other: &Recap) {
        for k in Recap::KEYS {
            let v = *other.clone().field(k).expect("a recap key");
            *self.field(k).expect("a recap key") += v;
        }
    }

    pub(crate) fn render(&self) -> String {
        let mut me = *self;
        Recap::KEYS
            .iter()
            .map(|k| format!("{k}={}", me.field(k).expect("a recap key")))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Everything one side did with one target (all its runs).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Outcome {
    /// Exit code of each run (-1: killed at the time limit).
    pub(crate) exits: Vec<i32>,
    pub(crate) recap: Recap,
    /// Whether every run printed a PLAY RECAP (a run refused before it
    /// started prints none).
    pub(crate) ran: bool,
    pub(crate) tasks: Vec<TaskResult>,
    /// The first error line of a run that printed no recap.
    pub(crate) refusal: Option<String>,
}

const DETAIL_MAX: usize = 160;

fn shorten(s: &str) -> String {
    let s = s.trim();
    if s.chars().count() <= DETAIL_MAX {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(DETAIL_MAX).collect();
    out.push('…');
    out
}

/// `[host]` or `[host -> delegate]` at the start of `rest`: the host and
/// what follows the closing bracket.
fn host_label(rest: &str) -> Option<(&str, &str)> {
    let rest = rest.strip_prefix('[')?;
    let end = rest.find(']')?;
    let label = &rest[..end];
    let host = label.split(" -> ").next().unwrap_or(label);
    Some((host, &rest[end + 1..]))
}

fn detail_of(after: &str) -> String {
    match after.find("=> ") {
        Some(i) => shorten(&after[i + 3..]),
        None => shorten(after),
    }
}

impl Outcome {
    /// Folds one run's output (stdout and stderr together) into this
    /// outcome.
    pub(crate) fn add_run(&mut self, output: &str, exit: i32) {
        let first_run = self.exits.is_empty();
        self.exits.push(exit);
        let mut banner: Option<String> = None;
        // Per task banner: (host → index in self.tasks), to fold items.
        let mut current: BTreeMap<String, usize> = BTreeMap::new();
        let mut recap_seen = false;
        let mut in_recap = false;
        let mut last_failed: Option<usize> = None;
        for line in output.lines() {
            if let Some(rest) = line
                .strip_prefix("TASK [")
                .or_else(|| line.strip_prefix("RUNNING HANDLER ["))
            {
                let name = rest.rsplit_once("] ").map_or(rest, |(n, _)| n);
                let name = name.strip_suffix(']').unwrap_or(name);
                let name = if line.starts_with("RUNNING") {
                    format!("HANDLER {name}")
                } else {
                    name.to_owned()
                };
                banner = Some(name);
                current.clear();
                last_failed = None;
                continue;
            }
            if line.starts_with("PLAY RECAP") {
                recap_seen = true;
                in_recap = true;
                continue;
            }
            if in_recap {
                if let Some((_, counts)) = line.split_once(" : ") {
                    self.recap.add_pairs(counts);
                    continue;
                }
                if line.trim().is_empty() {
                    continue;
                }
                in_recap = false;
            }
            if line.starts_with("PLAY [") {
                banner = None;
                continue;
            }
            if line.trim() == "...ignoring" {
                if let Some(i) = last_failed.take() {
                    self.tasks[i].status = Status::Ignored;
                }
                continue;
            }
            let Some(name) = banner.clone() else {
                if self.refusal.is_none() && is_error_line(line) {
                    self.refusal = Some(shorten(line));
                }
                continue;
            };
            let (word, rest) = match line.split_once(": ") {
                Some((w, r)) => (w, r),
                None => continue,
            };
            let status = match word {
                "ok" | "included" => Status::Ok,
                "changed" => Status::Changed,
                "skipping" => Status::Skipped,
                "fatal" | "failed" => Status::Failed,
                _ => continue,
            };
            let (host, after) = if word == "included" {
                // `included: FILE for host1, host2`
                let hosts = rest.rsplit_once(" for ").map_or("", |(_, h)| h);
                (hosts.split(", ").next().unwrap_or("").to_owned(), "")
            } else {
                match host_label(rest) {
                    Some((h, a)) => (h.to_owned(), a),
                    None => continue,
                }
            };
            let status = if status == Status::Failed && after.starts_with(": UNREACHABLE!") {
                Status::Unreachable
            } else {
                status
            };
            let detail = detail_of(after);
            match current.get(&host) {
                Some(&i) => {
                    let t = &mut self.tasks[i];
                    if status > t.status {
                        t.status = status;
                        t.detail = detail;
                    }
                    if status >= Status::Failed {
                        last_failed = Some(i);
                    }
                }
                None => {
                    self.tasks.push(TaskResult {
                        name,
                        host: host.clone(),
                        status,
                        detail,
                    });
                    let i = self.tasks.len() - 1;
                    current.insert(host, i);
                    if status >= Status::Failed {
                        last_failed = Some(i);
                    }
                }
            }
        }
        self.ran = (first_run || self.ran) && recap_seen;
        if recap_seen {
            return;
        }
        if self.refusal.is_none() {
            self.refusal = output
                .lines()
                .find(|l| is_error_line(l))
                .or_else(|| output.lines().rfind(|l| !l.trim().is_empty()))
                .map(shorten)
                .or_else(|| Some(format!("no output (exit {exit})")));
        }
    }

    /// Tasks that failed and were not ignored, as `host: name`, counted.
    pub(crate) fn failures(&self) -> BTreeMap<String, u32> {
        let mut out = BTreeMap::new();
        for t in &self.tasks {
            if t.status >= Status::Failed {
                *out.entry(format!("{}: {}", t.host, t.name)).or_insert(0) += 1;
            }
        }
        out
    }

    /// The oracle file text (see `oracle/README.md`).
    pub(crate) fn to_oracle(&self, who: &str, target: &str) -> String {
        let mut s = format!("# {who} on target `{target}`; written by tests/conformance/run.sh\n");
        for e in &self.exits {
            let _ = writeln!(s, "exit {e}");
        }
        let _ = writeln!(s, "recap {}", self.recap.render());
        if let Some(r) = &self.refusal {
            let _ = writeln!(s, "refusal {r}");
        }
        for t in &self.tasks {
            let _ = writeln!(
                s,
                "{}\t{}\t{}\t{}",
                t.status.as_str(),
                t.host,
                t.name,
                t.detail.replace(['\t', '\n'], " ")
            );
        }
        s
    }

    /// Reads an oracle file written by [`Outcome::to_oracle`].
    pub(crate) fn from_oracle(text: &str) -> Result<Outcome, String> {
        let mut o = Outcome {
            ran: true,
            ..Outcome::default()
        };
        for (n, line) in text.lines().enumerate() {
            let bad = || format!("oracle line {}: `{line}`", n + 1);
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            if let Some(e) = line.strip_prefix("exit ") {
                o.exits.push(e.trim().parse().map_err(|_| bad())?);
            } else if let Some(r) = line.strip_prefix("recap ") {
                let mut recap = Recap::default();
                recap.add_pairs(r);
                o.recap.add(&recap);
            } else if let Some(r) = line.strip_prefix("refusal ") {
                o.refusal = Some(r.to_owned());
                o.ran = false;
            } else {
                let mut parts = line.splitn(4, '\t');
                let status = parts.next().and_then(Status::parse).ok_or_else(bad)?;
                let host = parts.next().ok_or_else(bad)?.to_owned();
                let name = parts.next().ok_or_else(bad)?.to_owned();
                let detail = parts.next().unwrap_or("").to_owned();
                o.tasks.push(TaskResult {
                    name,
                    host,
                    status,
                    detail,
                });
            }
        }
        Ok(o)
    }
}

fn is_error_line(line: &str) -> bool {
    let l = line.trim_start();
    l.starts_with("error") || l.starts_with("ERROR") || l.starts_with("[ERROR]")
}

/// The verdict of one target: ansible-core's side against ours.
#[derive(Clone, Debug)]
pub(crate) struct Verdict {
    pub(crate) pass: bool,
    /// Why it fails, shortest first reason (empty when it passes).
    pub(crate) reason: String,
    /// The first task where the two sides differ, shortly.
    pub(crate) first_difference: String,
}

/// ansible-targets.md's rule: we fail no task ansible-core does not, and
/// our ok count is at least 95 % of its.
pub(crate) fn verdict(ansible: &Outcome, ours: &Outcome) -> Verdict {
    let first_difference = first_difference(ansible, ours);
    if !ours.ran {
        return Verdict {
            pass: false,
            reason: "refused before running".into(),
            first_difference,
        };
    }
    let theirs = ansible.failures();
    let extra: Vec<String> = ours
        .failures()
        .into_iter()
        .filter(|(k, n)| theirs.get(k).copied().unwrap_or(0) < *n)
        .map(|(k, _)| k)
        .collect();
    if let Some(first) = extra.first() {
        return Verdict {
            pass: false,
            reason: format!("fails `{first}` (and {} more)", extra.len() - 1),
            first_difference,
        };
    }
    // ok ≥ 95 % of ansible-core's, in integers: 20·ours ≥ 19·theirs.
    if u64::from(ours.recap.ok) * 20 < u64::from(ansible.recap.ok) * 19 {
        return Verdict {
            pass: false,
            reason: format!("ok {} < 95 % of {}", ours.recap.ok, ansible.recap.ok),
            first_difference,
        };
    }
    Verdict {
        pass: true,
        reason: String::new(),
        first_difference,
    }
}

fn first_difference(ansible: &Outcome, ours: &Outcome) -> String {
    if !ours.ran {
        return format!(
            "ours refused: {}",
            ours.refusal.as_deref().unwrap_or("no recap")
        );
    }
    let show = |t: &TaskResult| {
        if t.detail.is_empty() || t.status < Status::Ignored {
            t.status.as_str().to_owned()
        } else {
            format!("{} {}", t.status.as_str(), shorten_to(&t.detail, 70))
        }
    };
    for (a, o) in ansible.tasks.iter().zip(&ours.tasks) {
        if a.name != o.name || a.host != o.host {
            return format!(
                "ansible ran `{}`, ours ran `{}` ({})",
                a.name,
                o.name,
                show(o)
            );
        }
        let same_class = |s: Status| match s {
            Status::Ok | Status::Changed => 0,
            other => other as u8 + 1,
        };
        if same_class(a.status) != same_class(o.status) {
            return format!("`{}`: ansible {}; ours {}", a.name, show(a), show(o));
        }
    }
    match ansible.tasks.len().cmp(&ours.tasks.len()) {
        std::cmp::Ordering::Greater => format!(
            "ours stopped before `{}`",
            ansible.tasks[ours.tasks.len()].name
        ),
        std::cmp::Ordering::Less => {
            format!("ours ran more: `{}`", ours.tasks[ansible.tasks.len()].name)
        }
        std::cmp::Ordering::Equal => String::new(),
    }
}

fn shorten_to(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(n).collect();
        out.push('…');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\
PLAY [testhost] ****************************************************************

TASK [Gathering Facts] *********************************************************
ok: [testhost]

TASK [lineinfile : deploy] *****************************************************
changed: [testhost]

TASK [lineinfile : expected failure] *******************************************
fatal: [testhost]: FAILED! => {\"changed\": false, \"msg\": \"nope\"}
...ignoring

TASK [lineinfile : loop] *******************************************************
ok: [testhost] => (item=a)
failed: [testhost] (item=b) => {\"msg\": \"bad\"}

PLAY RECAP *********************************************************************
testhost                   : ok=3    changed=1    unreachable=0    failed=1    skipped=0    rescued=0    ignored=1   
";

    #[test]
    fn parses_statuses_items_and_recap() {
        let mut o = Outcome::default();
        o.add_run(SAMPLE, 2);
        assert!(o.ran);
        assert_eq!(o.recap.ok, 3);
        assert_eq!(o.recap.ignored, 1);
        let st: Vec<_> = o.tasks.iter().map(|t| t.status).collect();
        assert_eq!(
            st,
            [Status::Ok, Status::Changed, Status::Ignored, Status::Failed]
        );
        assert_eq!(o.tasks[3].detail, "{\"msg\": \"bad\"}");
        let back = Outcome::from_oracle(&o.to_oracle("ansible-core", "x")).unwrap();
        assert_eq!(back.tasks, o.tasks);
        assert_eq!(back.recap, o.recap);
        assert_eq!(back.exits, o.exits);
    }

    #[test]
    fn verdict_rule() {
        let mut a = Outcome::default();
        a.add_run(SAMPLE, 2);
        let same = verdict(&a, &a.clone());
        assert!(same.pass, "{same:?}");
        let mut refused = Outcome::default();
        refused.add_run("error: unknown module `apt`\n  --> x.yml:3:5\n", 4);
        let v = verdict(&a, &refused);
        assert!(!v.pass);
        assert_eq!(
            v.first_difference,
            "ours refused: error: unknown module `apt`"
        );
        let mut extra_fail = a.clone();
        extra_fail.tasks[1].status = Status::Failed;
        let v = verdict(&a, &extra_fail);
        assert!(!v.pass);
        assert!(v.reason.contains("lineinfile : deploy"), "{v:?}");
        assert!(v
            .first_difference
            .starts_with("`lineinfile : deploy`: ansible changed; ours failed"));
    }
}
