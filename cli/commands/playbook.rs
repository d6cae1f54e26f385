//! `konvoy-image playbook`: `ansible-playbook`'s flags, output and exit codes.

use crate::args::{PlaybookArgs, RunFlags};
use crate::session::Session;
use engine::inventory::Inventory;
use engine::job::PlaybookJob;
use engine::modules::RunMode;
use engine::playbook::{self, TagSelection};
use engine::report::NoLogTasks;
use engine::run::RunOptions;
use engine::transport::ConnectOptions;
use std::process::ExitCode;

pub(crate) fn run(args: &PlaybookArgs) -> anyhow::Result<ExitCode> {
    if args.syntax_check || args.list_tasks || args.list_hosts {
        return list(args);
    }
    let mut options = run_options(&args.run)?;
    options.tags = args.tags.clone();
    options.skip_tags = args.skip_tags.clone();
    options.start_at_task = args.start_at_task.clone();
    let session = Session::start(&args.run, options.cancel.clone(), &args.extra_vars)?;
    register_secrets(&session, &options);
    let job = PlaybookJob {
        inventory: args.inventory.clone(),
        playbook: args.playbook.clone(),
        extra_vars: args.extra_vars.clone(),
        options,
    };
    let prepared = match job.prepare_checked() {
        Ok(p) => p,
        Err(e) => return Ok(session.fail(&e.into())),
    };
    if let Err(e) = session.record_inventory(&prepared.inventory, &prepared.plan.playbook_dir) {
        return Ok(session.fail(&e));
    }
    session.warn(&prepared.warnings);
    let reporter = NoLogTasks::new(&prepared.plan, session.reporter());
    match job.run_prepared(&prepared, &reporter) {
        Ok(summary) => Ok(session.finish(&summary, &args.run)),
        Err(e) => Ok(session.fail(&e.into())),
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
fn list(args: &PlaybookArgs) -> anyhow::Result<ExitCode> {
    let pb = playbook::load_playbook(&args.playbook)?;
    engine::plan::compile(&pb)?;
    if args.syntax_check {
        print!("{}", playbook::syntax_check(&pb));
        return Ok(ExitCode::SUCCESS);
    }
    let inventory = Inventory::load(&args.inventory)?;
    let mut hosts = Vec::new();
    for play in &pb.plays {
        let selected =
            inventory.select_with_limit(&play.hosts_text(), args.run.limit.as_deref())?;
        hosts.push(match args.run.shard {
            Some(shard) => shard.filter(&inventory, selected),
            None => selected,
        });
    }
    let tags = TagSelection {
        only: if args.tags.is_empty() {
            vec!["all".into()]
        } else {
            args.tags.clone()
        },
        skip: args.skip_tags.clone(),
    };
    let text = if args.list_tasks {
        playbook::list_tasks(&pb, args.list_hosts.then_some(&hosts[..]), &tags)
    } else {
        playbook::list_hosts(&pb, &hosts)
    };
    print!("{text}");
    Ok(ExitCode::SUCCESS)
}

/// Run options from the shared flags (signals are the session's).
pub(crate) fn run_options(flags: &RunFlags) -> anyhow::Result<RunOptions> {
    Ok(RunOptions {
        forks: flags.forks,
        mode: if flags.check {
            RunMode::Check
        } else {
            RunMode::Apply
        },
        diff: flags.diff,
        verbosity: flags.verbose,
        limit: flags.limit.clone(),
        shard: flags.shard,
        command_timeout: flags.timeout,
        connect: ConnectOptions::from_env(),
        ..RunOptions::default()
    })
}
