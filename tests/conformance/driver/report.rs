//! `docs/conformance.md`: the table the full run writes.

use super::manifest::{How, Target};
use super::outcome::{Outcome, Verdict};
use std::fmt::Write as _;

/// One in-scope target's result.
pub(crate) struct Row {
    pub(crate) target: Target,
    pub(crate) ansible: Outcome,
    pub(crate) ours: Outcome,
    pub(crate) verdict: Verdict,
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn how(t: &Target) -> String {
    match &t.how {
        How::Role => "role".into(),
        How::Runs(runs) => format!(
            "runme: {}",
            runs.iter()
                .map(|r| format!("`{}`", r.join(" ")))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The whole page.
pub(crate) fn render(rows: &[Row], all: &[Target]) -> String {
    let passing = rows.iter().filter(|r| r.verdict.pass).count();
    let ansible_ok: u32 = rows.iter().map(|r| r.ansible.recap.ok).sum();
    let ours_ok: u32 = rows.iter().map(|r| r.ours.recap.ok).sum();
    let out_of_scope: Vec<&Target> = all.iter().filter(|t| t.out_of_scope.is_some()).collect();
    let mut s = String::new();
    let _ = write!(
        s,
        "# Conformance with ansible-core {ver}\n\n\
         Ansible's own integration targets (`test/integration/targets/` of the ansible-core \
         {ver} sdist on PyPI) run with `konvoy-image playbook` on a real test host and with \
         `ansible-playbook` on a twin host. A target **passes** when we fail no task \
         ansible-core does not and our ok count is at least 95 % of its \
         (`/work/shared/reference/ansible-targets.md`).\n\n\
         Regenerate (needs root, about an hour on 2 cores): `tests/conformance/run.sh`. \
         The manifest is `tests/conformance/targets.txt`; the stand-ins for ansible-test's \
         helper roles are in `tests/conformance/roles/`; ansible-core's side of each \
         target is recorded in `tests/conformance/oracle/`; `cargo test conformance::` \
         checks that the targets in `tests/conformance/passing.txt` still pass.\n\n\
         **{n} targets in scope, {passing} passing; ok tasks: ansible-core {ansible_ok}, \
         konvoy-image {ours_ok}.** {out} targets out of scope (listed below with the reason).\n\n\
         | target | how it is run | ansible ok / failed | ours ok / failed | result | first difference |\n\
         | --- | --- | --- | --- | --- | --- |\n",
        ver = super::ANSIBLE_CORE,
        n = rows.len(),
        out = out_of_scope.len(),
    );
    for r in rows {
        let result = if r.verdict.pass {
            "pass".to_owned()
        } else {
            format!("FAIL: {}", r.verdict.reason)
        };
        let _ = writeln!(
            s,
            "| `{}` | {} | {} / {} | {} / {} | {} | {} |",
            r.target.name,
            cell(&how(&r.target)),
            r.ansible.recap.ok,
            r.ansible.recap.failed + r.ansible.recap.unreachable,
            r.ours.recap.ok,
            r.ours.recap.failed + r.ours.recap.unreachable,
            cell(&result),
            cell(&r.verdict.first_difference),
        );
    }
    let notes: Vec<&Row> = rows.iter().filter(|r| !r.target.note.is_empty()).collect();
    if !notes.is_empty() {
        s.push_str("\n## Notes on how targets are run\n\n");
        for r in notes {
            let _ = writeln!(s, "- `{}`: {}", r.target.name, r.target.note);
        }
    }
    s.push_str("\n## Out of scope\n\n| target | reason |\n| --- | --- |\n");
    for t in out_of_scope {
        let _ = writeln!(
            s,
            "| `{}` | {} |",
            t.name,
            cell(t.out_of_scope.as_deref().unwrap_or(""))
        );
    }
    s
}
