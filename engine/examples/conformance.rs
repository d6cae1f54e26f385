//! The full conformance run (`tests/conformance/run.sh` calls it): every
//! in-scope target of `tests/conformance/targets.txt`, with
//! `ansible-playbook` and `konvoy-image playbook` on twin test hosts.
//!
//! ```text
//! conformance [--jobs N] [--only T1,T2] [--recorded] [--timeout SECS]
//! ```
//!
//! Without `--only` it writes `docs/conformance.md`; when ansible-core ran
//! live it also records its side in `tests/conformance/oracle/`. With
//! `--recorded`, ansible-core's side is read from those files instead (our
//! side only: minutes instead of an hour). Needs root (test hosts), the
//! sdist unpacked by `tests/conformance/fetch-targets.sh`, and the
//! `konvoy-image` binary built next to this example.

#[path = "../../tests/harness/mod.rs"]
#[allow(unreachable_pub, missing_docs)]
mod harness;

#[path = "../../tests/conformance/driver/mod.rs"]
#[allow(unreachable_pub, missing_docs)]
mod driver;

use driver::manifest::Target;
use driver::outcome::{verdict, Outcome};
use driver::report::{render, Row};
use driver::{run_side, twin_hosts, Login, Paths, Side};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Duration;

struct Options {
    jobs: usize,
    only: Option<Vec<String>>,
    recorded: bool,
    timeout: u64,
}

fn options() -> Result<Options, String> {
    let mut o = Options {
        jobs: 2,
        only: None,
        recorded: false,
        timeout: 900,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |flag: &str| args.next().ok_or(format!("{flag} needs a value"));
        match a.as_str() {
            "--jobs" => o.jobs = value("--jobs")?.parse().map_err(|_| "bad --jobs")?,
            "--timeout" => o.timeout = value("--timeout")?.parse().map_err(|_| "bad --timeout")?,
            "--only" => {
                o.only = Some(value("--only")?.split(',').map(str::to_owned).collect());
            }
            "--recorded" => o.recorded = true,
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(o)
}

fn main() -> ExitCode {
    let opts = match options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("conformance: {e}\nusage: conformance [--jobs N] [--only T1,T2] [--recorded] [--timeout SECS]");
            return ExitCode::from(2);
        }
    };
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let exe = std::env::current_exe().expect("own path");
    let konvoy = exe
        .parent()
        .and_then(|d| d.parent())
        .map(|d| d.join("konvoy-image"))
        .expect("target dir");
    let paths = Paths {
        targets: Paths::default_targets(&repo),
        work: repo.join("target/conformance/work"),
        konvoy,
        timeout: Duration::from_secs(opts.timeout),
        repo,
    };
    if !paths.targets.is_dir() {
        eprintln!(
            "conformance: no targets at {}: run tests/conformance/fetch-targets.sh",
            paths.targets.display()
        );
        return ExitCode::FAILURE;
    }
    let manifest = match std::fs::read_to_string(paths.manifest())
        .map_err(|e| e.to_string())
        .and_then(|t| driver::manifest::parse(&t))
    {
        Ok(m) => m,
        Err(e) => {
            eprintln!("conformance: {e}");
            return ExitCode::FAILURE;
        }
    };
    let chosen: Vec<Target> = manifest
        .iter()
        .filter(|t| t.out_of_scope.is_none())
        .filter(|t| opts.only.as_ref().is_none_or(|o| o.contains(&t.name)))
        .cloned()
        .collect();
    let queue = Mutex::new(chosen.clone().into_iter().enumerate());
    let rows: Mutex<Vec<(usize, Row)>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..opts.jobs.max(1) {
            scope.spawn(|| loop {
                let next = queue.lock().expect("queue").next();
                let Some((i, target)) = next else { break };
                let row = run_target(&paths, &target, opts.recorded);
                eprintln!(
                    "conformance: {:<28} ansible ok={:<4} ours ok={:<4} {} {}",
                    target.name,
                    row.ansible.recap.ok,
                    row.ours.recap.ok,
                    if row.verdict.pass { "pass" } else { "FAIL" },
                    row.verdict.first_difference
                );
                rows.lock().expect("rows").push((i, row));
            });
        }
    });
    drop(rows);
    // The page covers every in-scope target with both sides on record, so
    // a run of a few targets (`--only`) refreshes their rows only.
    let rows: Vec<Row> = manifest
        .iter()
        .filter(|t| t.out_of_scope.is_none())
        .filter_map(|t| {
            let ansible = read_outcome(&paths.oracle(&t.name)).ok()?;
            let ours = read_outcome(&ours_record(&paths, &t.name)).ok()?;
            let verdict = verdict(&ansible, &ours);
            Some(Row {
                target: t.clone(),
                ansible,
                ours,
                verdict,
            })
        })
        .collect();
    let passing = rows.iter().filter(|r| r.verdict.pass).count();
    println!(
        "{} targets, {} passing; ok tasks: ansible-core {}, konvoy-image {}",
        rows.len(),
        passing,
        rows.iter().map(|r| r.ansible.recap.ok).sum::<u32>(),
        rows.iter().map(|r| r.ours.recap.ok).sum::<u32>()
    );
    for r in rows.iter().filter(|r| r.verdict.pass) {
        println!("pass {}", r.target.name);
    }
    let doc = paths.repo.join("docs/conformance.md");
    let _ = std::fs::create_dir_all(doc.parent().expect("docs"));
    if let Err(e) = std::fs::write(&doc, render(&rows, &manifest)) {
        eprintln!("conformance: cannot write {}: {e}", doc.display());
        return ExitCode::FAILURE;
    }
    eprintln!("conformance: wrote {}", doc.display());
    ExitCode::SUCCESS
}

/// Our side's last result of a target (under `target/`, not committed).
fn ours_record(paths: &Paths, target: &str) -> PathBuf {
    paths
        .repo
        .join("target/conformance/results")
        .join(format!("{target}.txt"))
}

fn read_outcome(path: &std::path::Path) -> Result<Outcome, String> {
    std::fs::read_to_string(path)
        .map_err(|e| format!("{}: {e}", path.display()))
        .and_then(|t| Outcome::from_oracle(&t))
}

fn run_target(paths: &Paths, target: &Target, recorded: bool) -> Row {
    let fleet = twin_hosts();
    let ansible = if recorded {
        read_outcome(&paths.oracle(&target.name)).unwrap_or_else(|e| {
            let mut o = Outcome::default();
            o.add_run(&format!("error: no recorded ansible-core run: {e}\n"), -2);
            o
        })
    } else {
        let o = run_side(
            paths,
            target,
            Side::Ansible,
            &Login::of(&fleet, &fleet.hosts()[1]),
        );
        let oracle = paths.oracle(&target.name);
        let _ = std::fs::create_dir_all(oracle.parent().expect("oracle dir"));
        if let Err(e) = std::fs::write(&oracle, o.to_oracle("ansible-core 2.19.14", &target.name)) {
            eprintln!("conformance: cannot write {}: {e}", oracle.display());
        }
        o
    };
    let ours = run_side(
        paths,
        target,
        Side::Ours,
        &Login::of(&fleet, &fleet.hosts()[0]),
    );
    let record = ours_record(paths, &target.name);
    let _ = std::fs::create_dir_all(record.parent().expect("results dir"));
    let _ = std::fs::write(&record, ours.to_oracle("konvoy-image", &target.name));
    let verdict = verdict(&ansible, &ours);
    Row {
        target: target.clone(),
        ansible,
        ours,
        verdict,
    }
}
