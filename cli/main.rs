//! `konvoy-image`: the thin command line over the `engine` library.

mod args;
mod commands;
mod errors;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    match commands::run(cli) {
        Ok(code) => code,
        Err(err) => errors::report(&err),
    }
}
