//! One module per subcommand: flags → engine options → engine call.

mod inventory;
mod playbook;
mod provision;

use crate::args::{Cli, Command};
use std::process::ExitCode;

/// Runs the parsed command line; the exit code on success.
pub(crate) fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Inventory(args) => inventory::run(&args),
        Command::Playbook(args) => playbook::run(&args),
        Command::Provision(args) => provision::run(&args),
    }
}
