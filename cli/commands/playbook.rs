//! `konvoy-image playbook`: `ansible-playbook`'s flags, output and exit codes.

use crate::args::{PlaybookArgs, RunFlags};
use crate::options::{self, Resolved, Tags, View};
use crate::session::Session;
use engine::inventory::Inventory;
use engine::job::PlaybookJob;
use engine::playbook::{self, LoadOptions, TagSelection};
use engine::run::RunOptions;
use std::process::ExitCode;

pub(crate) fn run(args: &PlaybookArgs) -> anyhow::Result<ExitCode> {
    let tags = Tags {
        only: &args.tags,
        skip: &args.skip_tags,
    };
    let resolved = match options::resolve(&args.run, &args.inventory, &tags) {
        Ok(r) => r,
        Err(e) => {
            return Ok(early_failure(
                &args.run,
                &View::default(),
                &args.extra_vars,
                e.into(),
            ))
        }
    };
    if args.run.print_config {
        print!("{}", resolved.settings.render());
        return Ok(ExitCode::SUCCESS);
    }
    if args.syntax_check || args.list_tasks || args.list_hosts {
        return list(args, &resolved);
    }
    let mut options = match resolved.run_options(&args.run) {
        Ok(o) => o,
        Err(e) => {
            return Ok(early_failure(
                &args.run,
                &resolved.view,
                &args.extra_vars,
                e,
            ))
        }
    };
    let session = Session::start(
        &args.run,
        &resolved.view,
        options.cancel.clone(),
        &args.extra_vars,
    )?;
    session.warn_text(&resolved.settings.warnings);
    options.start_at_task = args.start_at_task.clone();
    register_secrets(&session, &options);
    let job = PlaybookJob {
        inventory: resolved.inventory(),
        playbook: args.playbook.clone(),
        extra_vars: args.extra_vars.clone(),
        options,
    };
    // The inventory's warnings come first, also when the run then stops
    // (a --limit that matches nothing), as in ansible-playbook.
    let inventory = match Inventory::load(&job.inventory) {
        Ok(i) => i,
        Err(e) => return Ok(session.fail(&engine::Error::from(e).into())),
    };
    session.warn_text(&super::inventory::run_warnings(
        &inventory,
        resolved.settings.values.quiet_group_names,
    ));
    let prepared = match job.prepare_with(inventory) {
        Ok(p) => p,
        Err(e) => return Ok(session.fail(&e.into())),
    };
    if let Err(e) = session.record_inventory(&prepared.inventory, &prepared.plan.playbook_dir) {
        return Ok(session.fail(&e));
    }
    session.warn_text(&prepared.host_warnings);
    session.warn(&prepared.warnings);
    match job.run_prepared(&prepared, &*session.reporter()) {
        Ok(summary) => Ok(session.finish(&summary, &args.run)),
        Err(e) => Ok(session.fail(&e.into())),
    }
}

/// A failure before the run could start (settings, passwords): recorded in
/// a run folder like any pre-run error.
pub(crate) fn early_failure(
    flags: &RunFlags,
    view: &View,
    extra_vars: &[String],
    err: anyhow::Error,
) -> ExitCode {
    let cancel = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    match Session::start(flags, view, cancel, extra_vars) {
        Ok(session) => session.fail(&err),
        Err(_) => crate::errors::report(&err),
    }
}

/// The become and SSH passwords given to the run are secrets too.
pub(crate) fn register_secrets(session: &Session, options: &RunOptions) {
    for s in [
        &options.defaults.become_password,
        &options.defaults.connection_password,
    ]
    .into_iter()
    .flatten()
    {
        session.redactor().add(s.expose());
    }
}

/// `--syntax-check`, `--list-tasks`, `--list-hosts`: no host is touched.
fn list(args: &PlaybookArgs, resolved: &Resolved) -> anyhow::Result<ExitCode> {
    let mut extra = engine::value::Map::new();
    for e in &args.extra_vars {
        extra.extend(engine::image::parse_extra_vars(e)?);
    }
    let load = LoadOptions {
        roles_path: resolved.settings.roles_path(resolved.env.home.as_deref()),
        extra_vars: extra.clone(),
    };
    let pb = playbook::load_playbook_with(&args.playbook, &load)?;
    let inventory = Inventory::load(&resolved.inventory())?;
    if args.syntax_check {
        // Every static check of a run, so what passes here is never
        // refused by the run (Ansible's own check is only the parse).
        let errors = engine::job::static_errors(&pb, &inventory, &extra, args.run.strict);
        if !errors.is_empty() {
            return Err(engine::Error::from(engine::plan::PlanErrors(errors)).into());
        }
        print!("{}", playbook::syntax_check(&pb));
        return Ok(ExitCode::SUCCESS);
    }
    engine::plan::compile(&pb)?;
    let options = resolved.list_options(&args.run);
    let patterns: Vec<String> = pb.plays.iter().map(|p| p.hosts_text()).collect();
    let quiet = resolved.settings.values.quiet_group_names;
    for w in super::inventory::run_warnings(&inventory, quiet)
        .into_iter()
        .chain(
            engine::job::check_hosts(&inventory, &patterns, &extra, &options)
                .map_err(engine::Error::from)?,
        )
    {
        eprintln!("[WARNING]: {w}");
    }
    let mut hosts = Vec::new();
    for play in &pb.plays {
        let selected =
            inventory.select_with_limit(&play.hosts_text(), args.run.limit.as_deref())?;
        hosts.push(match args.run.shard {
            Some(shard) => shard.filter(&inventory, selected),
            None => selected,
        });
    }
    let v = &resolved.settings.values;
    let tags = TagSelection {
        only: if v.tags_run.is_empty() {
            vec!["all".into()]
        } else {
            v.tags_run.clone()
        },
        skip: v.tags_skip.clone(),
    };
    let text = if args.list_tasks {
        playbook::list_tasks(&pb, args.list_hosts.then_some(&hosts[..]), &tags)
    } else {
        playbook::list_hosts(&pb, &hosts)
    };
    print!("{text}");
    Ok(ExitCode::SUCCESS)
}
