//! Claims must be checked claims: every keyword the keyword table marks
//! honoured, on every object it is honoured on, is written into a small
//! playbook on that object alone, compiled and run (on the controller,
//! `ansible_connection=local`); the compiled task under it (or the play)
//! must carry the keyword and the run must have read it. A keyword parsed
//! and then dropped fails here (see `engine::plan::KeywordUse`).
//!
//! Keywords that shape the plan (`tasks`, `block`, `roles`, `args`, ...)
//! are checked by their effect: the probe task they hold was compiled and
//! ran. Whether each keyword does what Ansible does is the job of the
//! test its row names (twin runs against ansible-playbook).

use engine::job::PlaybookJob;
use engine::plan::{PlayPlan, Step, TaskStep};
use engine::playbook::keyword_table::{Keyword as K, Object, Status, TABLE};
use engine::report::Fanout;
use engine::run::RunOptions;
use std::sync::Arc;

/// Keywords whose effect is the shape of the plan.
fn structural(object: Object, k: K) -> bool {
    matches!(
        k,
        K::Action
            | K::LocalAction
            | K::Args
            | K::Always
            | K::Block
            | K::Rescue
            | K::Handlers
            | K::ImportPlaybook
            | K::PostTasks
            | K::PreTasks
            | K::Roles
            | K::Tasks
            | K::VarsFiles
    ) || (object == Object::Role && k == K::Name)
}

/// The keyword written with a value that lets the probe run (plus the
/// companions it needs, on the same object).
fn sample(k: K) -> Option<&'static str> {
    Some(match k {
        K::AnyErrorsFatal => "any_errors_fatal: true",
        K::Become => "become: true",
        K::BecomeExe => "become_exe: sudo",
        K::BecomeFlags => "become_flags: -H -S -n",
        K::BecomeMethod => "become_method: sudo",
        K::BecomeUser => "become_user: root",
        K::ChangedWhen => "changed_when: false",
        K::CheckMode => "check_mode: false",
        K::Connection => "connection: local",
        K::Delay | K::Retries | K::Until => "until: true\nretries: 1\ndelay: 0",
        K::DelegateTo => "delegate_to: localhost",
        K::DelegateFacts => "delegate_to: localhost\ndelegate_facts: true",
        K::Diff => "diff: false",
        K::Environment => "environment: {KW: x}",
        K::FailedWhen => "failed_when: false",
        K::FactPath => "fact_path: /etc/ansible/facts.d",
        K::GatherTimeout => "gather_timeout: 10",
        K::ForceHandlers => "force_handlers: true",
        K::GatherFacts => "gather_facts: false",
        // Every play has `hosts: all`.
        K::Hosts => "",
        K::IgnoreErrors => "ignore_errors: true",
        K::IgnoreUnreachable => "ignore_unreachable: true",
        K::Listen => "listen: topic",
        K::Loop => "loop: [1]",
        K::LoopControl => "loop: [1]\nloop_control: {loop_var: it}",
        K::MaxFailPercentage => "max_fail_percentage: 50",
        K::Name => "name: named",
        K::NoLog => "no_log: true",
        K::Notify => "notify: h",
        K::Port => "port: 22",
        K::Register => "register: r",
        K::RemoteUser => "remote_user: root",
        K::RunOnce => "run_once: true",
        K::Serial => "serial: 1",
        K::Strategy => "strategy: linear",
        K::Tags => "tags: [kw]",
        K::Vars => "vars: {kw_var: 1}",
        K::When => "when: true",
        K::WithLookup => "with_items: [1]",
        K::Timeout => "timeout: 30",
        K::Throttle => "throttle: 1",
        K::Async | K::Poll => "async: 30\npoll: 1",
        K::ModuleDefaults => "module_defaults: {command: {chdir: /}}",
        K::Collections => "collections: [ansible.builtin]",
        K::Order => "order: sorted",
        _ => return None,
    })
}

fn indent(text: &str, by: usize) -> String {
    text.lines()
        .map(|l| format!("{}{l}\n", " ".repeat(by)))
        .collect()
}

const PROBE: &str = "- name: probe\n  command: \"true\"\n";
const HANDLER_H: &str = "- name: h\n  command: \"true\"\n";

/// The files of a playbook with `k` on `object` (the first is the playbook).
fn scenario(object: Object, k: K) -> Vec<(String, String)> {
    let s = match (object, k) {
        // The probe's own `name: probe` is the keyword here.
        (Object::Task | Object::Handler, K::Name) => "",
        _ => sample(k).unwrap_or(""),
    };
    let play_head = |extra: &str| {
        let gather = if k == K::GatherFacts && object == Object::Play {
            ""
        } else {
            "  gather_facts: false\n"
        };
        format!("- hosts: all\n{gather}{extra}")
    };
    let probe_with = |kw: &str| {
        let mut p = PROBE.to_owned();
        p.push_str(&indent(kw, 2));
        p
    };
    let handlers = |list: &str| format!("  handlers:\n{}", indent(list, 4));
    let tasks = |list: &str| format!("  tasks:\n{}", indent(list, 4));
    let mut files = Vec::new();
    let site = match (object, k) {
        (Object::Play, K::PreTasks | K::PostTasks) => {
            let section = if k == K::PreTasks {
                "pre_tasks"
            } else {
                "post_tasks"
            };
            format!("{}  {section}:\n{}", play_head(""), indent(PROBE, 4))
        }
        (Object::Play, K::Handlers) => format!(
            "{}{}{}",
            play_head(""),
            tasks("- command: \"true\"\n  notify: probe\n"),
            handlers(PROBE)
        ),
        (Object::Play, K::Roles) => {
            files.push(("roles/r/tasks/main.yml".into(), PROBE.into()));
            format!("{}  roles: [r]\n", play_head(""))
        }
        (Object::Play, K::VarsFiles) => {
            files.push(("v.yml".into(), "kw_var: 1\n".into()));
            format!("{}  vars_files: [v.yml]\n{}", play_head(""), tasks(PROBE))
        }
        (Object::Play, _) => format!(
            "{}{}{}{}",
            play_head(&indent(s, 2)),
            tasks(PROBE),
            handlers(HANDLER_H),
            ""
        ),
        (Object::Role, _) => {
            files.push(("roles/r/tasks/main.yml".into(), PROBE.into()));
            let entry = if k == K::Name {
                "- name: r\n".to_owned()
            } else {
                format!("- role: r\n{}", indent(s, 2))
            };
            format!(
                "{}  roles:\n{}{}",
                play_head(""),
                indent(&entry, 4),
                handlers(HANDLER_H)
            )
        }
        (Object::Block, K::Block | K::Always) => {
            let section = if k == K::Block { "block" } else { "always" };
            format!(
                "{}{}",
                play_head(""),
                tasks(&format!("- {section}:\n{}", indent(PROBE, 4)))
            )
        }
        (Object::Block, K::Rescue) => format!(
            "{}{}",
            play_head(""),
            tasks(&format!(
                "- block:\n    - command: \"false\"\n  rescue:\n{}",
                indent(PROBE, 4)
            ))
        ),
        (Object::Block, _) => format!(
            "{}{}{}",
            play_head(""),
            tasks(&format!("- block:\n{}{}", indent(PROBE, 4), indent(s, 2))),
            handlers(HANDLER_H)
        ),
        (Object::Task, K::Action) => format!(
            "{}{}",
            play_head(""),
            tasks("- name: probe\n  action: command true\n")
        ),
        (Object::Task, K::LocalAction) => format!(
            "{}{}",
            play_head(""),
            tasks("- name: probe\n  local_action: command true\n")
        ),
        (Object::Task, K::Args) => format!(
            "{}{}",
            play_head(""),
            tasks("- name: probe\n  command: \"true\"\n  args: {chdir: /}\n")
        ),
        (Object::Task, _) => format!(
            "{}{}{}",
            play_head(""),
            tasks(&probe_with(s)),
            handlers(HANDLER_H)
        ),
        (Object::Handler, _) => {
            let notify = if k == K::Listen { "topic" } else { "probe" };
            format!(
                "{}{}{}",
                play_head(""),
                tasks(&format!("- command: \"true\"\n  notify: {notify}\n")),
                handlers(&format!("{}{HANDLER_H}", probe_with(s)))
            )
        }
        (Object::PlaybookInclude, _) => {
            files.push((
                "inner.yml".into(),
                format!("{}{}", play_head(""), tasks(PROBE)),
            ));
            format!("- import_playbook: inner.yml\n{}", indent(s, 2))
        }
    };
    files.insert(0, ("site.yml".into(), site));
    files
}

fn find_probe(steps: &[Step]) -> Option<Arc<TaskStep>> {
    steps.iter().find_map(|s| match s {
        Step::Task(t) if t.name.as_deref() == Some("probe") => Some(t.clone()),
        Step::Block(b) => find_probe(&b.block)
            .or_else(|| find_probe(&b.rescue))
            .or_else(|| find_probe(&b.always)),
        _ => None,
    })
}

fn probe_of(play: &PlayPlan) -> Option<Arc<TaskStep>> {
    find_probe(&play.steps).or_else(|| {
        play.handlers
            .iter()
            .find(|h| h.task().name.as_deref() == Some("probe"))
            .map(|h| h.task().clone())
    })
}

/// Compiles and runs the scenario; `Err` says what is wrong.
fn check(object: Object, k: K) -> Result<(), String> {
    let dir = tempfile::tempdir().expect("temp dir");
    let files = scenario(object, k);
    for (rel, text) in &files {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }
    let inventory = dir.path().join("hosts");
    std::fs::write(&inventory, "probehost ansible_connection=local\n").expect("write hosts");
    let job = PlaybookJob {
        inventory: vec![inventory.display().to_string()],
        playbook: dir.path().join("site.yml"),
        extra_vars: Vec::new(),
        options: RunOptions::default(),
    };
    let shown = || format!("\n{}", files[0].1);
    let prepared = job
        .prepare_checked()
        .map_err(|e| format!("does not compile: {e}{}", shown()))?;
    let summary = job
        .run_prepared(&prepared, &Fanout::new())
        .map_err(|e| format!("does not run: {e}"))?;
    let play = prepared.plan.plays.first().ok_or("no play")?;
    let probe = probe_of(play).ok_or_else(|| format!("no probe task{}", shown()))?;
    if !probe.keywords.was_read(K::Name) {
        return Err(format!(
            "the probe never ran (exit {}){}",
            summary.exit_code,
            shown()
        ));
    }
    if structural(object, k) {
        return Ok(());
    }
    let nodes = [&probe.keywords, &play.keywords];
    if !nodes.iter().any(|n| n.is_set(k)) {
        return Err(format!("not carried by the plan{}", shown()));
    }
    if !nodes.iter().any(|n| n.is_set(k) && n.was_read(k)) {
        return Err(format!("carried but never read by the run{}", shown()));
    }
    Ok(())
}

#[test]
fn every_honoured_keyword_is_read_by_the_run() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for row in TABLE {
        if !matches!(row.status, Status::Honoured { .. }) {
            continue;
        }
        for &object in row.objects {
            if !structural(object, row.keyword) && sample(row.keyword).is_none() {
                failures.push(format!("{object} {}: no sample here", row.keyword));
                continue;
            }
            checked += 1;
            if let Err(e) = check(object, row.keyword) {
                failures.push(format!("{object} {}: {e}", row.keyword));
            }
        }
    }
    assert!(checked > 100, "only {checked} pairs checked");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
