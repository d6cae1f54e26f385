//! Parses a playbook, prints what `ansible-playbook --list-tasks` prints,
//! and reports how long a parse takes (mean over N loads).
//!
//! `cargo run --release --example playbook_parse -- PLAYBOOK [N]`

use engine::playbook::{list_tasks, load_playbook, TagSelection};
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first().map(Path::new) else {
        eprintln!("usage: playbook_parse PLAYBOOK [LOADS]");
        return ExitCode::from(2);
    };
    let loads: u32 = args
        .get(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(100)
        .max(1);
    let playbook = match load_playbook(path) {
        Ok(pb) => pb,
        Err(errors) => {
            eprintln!("{errors}");
            return ExitCode::from(4);
        }
    };
    print!("{}", list_tasks(&playbook, None, &TagSelection::default()));
    let start = Instant::now();
    for _ in 0..loads {
        if load_playbook(path).is_err() {
            return ExitCode::from(4);
        }
    }
    eprintln!(
        "parse: {:?} per load (mean of {loads})",
        start.elapsed() / loads
    );
    ExitCode::SUCCESS
}
