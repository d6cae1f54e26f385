//! `konvoy-image`: the thin command line over the `engine` library.

mod args;
mod commands;
mod compat;
mod content;
mod errors;
mod options;
mod prompt;
mod runlog;
mod session;
mod signals;

use clap::{CommandFactory, FromArgMatches};
use std::process::ExitCode;

fn main() -> ExitCode {
    let argv = match compat::normalise(std::env::args_os().collect()) {
        Ok(a) => a,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let version = commands::version::static_text();
    let matches = args::Cli::command()
        .version(version)
        .long_version(version)
        .get_matches_from(argv);
    let cli = match args::Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => e.exit(),
    };
    // Hundreds of hosts need descriptors: the soft limit goes up to the
    // hard one before any session opens (the engine sizes its session
    // budget from it once).
    engine::transport::raise_fd_limit();
    match commands::run(cli) {
        Ok(code) => code,
        Err(err) => errors::report(&err),
    }
}
