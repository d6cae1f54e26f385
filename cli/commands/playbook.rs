//! `konvoy-image playbook`: `ansible-playbook`'s flags, output and exit codes.

use crate::args::{PlaybookArgs, RunFlags};
use anyhow::Context;
use engine::inventory::Inventory;
use engine::job::PlaybookJob;
use engine::modules::RunMode;
use engine::playbook::{self, TagSelection};
use engine::report::{AnsiblePrinter, Fanout, JsonLines};
use engine::run::{RunOptions, RunSummary};
use engine::transport::ConnectOptions;
use std::process::ExitCode;
use std::sync::atomic::Ordering;

pub(crate) fn run(args: &PlaybookArgs) -> anyhow::Result<ExitCode> {
    if args.syntax_check || args.list_tasks || args.list_hosts {
        return list(args);
    }
    let mut options = run_options(&args.run)?;
    options.tags = args.tags.clone();
    options.skip_tags = args.skip_tags.clone();
    let job = PlaybookJob {
        inventory: args.inventory.clone(),
        playbook: args.playbook.clone(),
        extra_vars: args.extra_vars.clone(),
        options,
    };
    let prepared = job.prepare_checked()?;
    crate::errors::warn(&prepared.warnings);
    let summary = job.run_prepared(&prepared, &reporter(&args.run)?)?;
    Ok(finish(&summary, &args.run))
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
        hosts.push(inventory.select_with_limit(&play.hosts_text(), args.run.limit.as_deref())?);
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

/// Run options from the shared flags; Ctrl-C stops scheduling new work.
pub(crate) fn run_options(flags: &RunFlags) -> anyhow::Result<RunOptions> {
    let options = RunOptions {
        forks: flags.forks,
        mode: if flags.check {
            RunMode::Check
        } else {
            RunMode::Apply
        },
        diff: flags.diff,
        verbosity: flags.verbose,
        limit: flags.limit.clone(),
        command_timeout: flags.timeout,
        connect: ConnectOptions::from_env(),
        ..RunOptions::default()
    };
    let cancel = options.cancel.clone();
    ctrlc::set_handler(move || cancel.store(true, Ordering::Relaxed))
        .context("installing the Ctrl-C handler")?;
    Ok(options)
}

/// Ansible's output on stdout, plus JSON lines when asked for.
pub(crate) fn reporter(flags: &RunFlags) -> anyhow::Result<Fanout> {
    let mut fan = Fanout::new().with(AnsiblePrinter::new(std::io::stdout(), flags.verbose));
    if let Some(path) = &flags.json_log {
        let f =
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
        fan = fan.with(JsonLines::new(std::io::BufWriter::new(f)));
    }
    Ok(fan)
}

/// Prints the optional stats and maps the summary to the exit code.
pub(crate) fn finish(summary: &RunSummary, flags: &RunFlags) -> ExitCode {
    if flags.stats {
        for (host, n) in &summary.commands {
            eprintln!("{host}: {n} SSH commands");
        }
    }
    ExitCode::from(summary.exit_code.clamp(0, 255) as u8)
}
