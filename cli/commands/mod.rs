//! One module per subcommand: flags → engine options → engine call.

pub(crate) mod inventory;
mod playbook;
mod provision;
pub(crate) mod version;

use crate::args::{Cli, Command};
use clap::CommandFactory;
use std::process::ExitCode;

/// Runs the parsed command line; the exit code on success.
pub(crate) fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Inventory(args) => inventory::run(&args),
        Command::Playbook(args) => playbook::run(&args),
        Command::Provision(args) => provision::run(&args),
        Command::Version => Ok(version::run()),
        Command::Completion(args) => {
            let mut cmd = Cli::command();
            clap_complete::generate(args.shell, &mut cmd, "konvoy-image", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Command::Man => {
            let cmd = Cli::command().version(version::static_text());
            clap_mangen::Man::new(cmd).render(&mut std::io::stdout())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
