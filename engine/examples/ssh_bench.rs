//! Benchmark: N no-op commands per host on real test hosts, over this
//! crate's SSH transport (one session per host, hosts in parallel) and
//! over ansible-core with pipelining and ControlPersist on the same hosts.
//!
//! Run through `benches/ssh-vs-ansible.sh` (needs root: it starts sshd test
//! hosts with the integration tests' harness).
//!
//! ```text
//! ssh_bench [--hosts 20] [--commands 50] [--no-ansible] [--adhoc]
//! ```
//!
//! `--adhoc` compares with `ansible all -m command -a true` run N times
//! instead of one playbook of N `command: true` tasks (the playbook is the
//! default because it is the faster of the two for Ansible).

#[path = "../../tests/harness/mod.rs"]
mod harness;

use engine::transport::{connect, ExecRequest};
use harness::{Fleet, Os};
use rayon::prelude::*;
use std::process::Command;
use std::time::{Duration, Instant};

struct Args {
    hosts: usize,
    commands: usize,
    ansible: bool,
    adhoc: bool,
}

fn parse_args() -> Args {
    let mut args = Args {
        hosts: 20,
        commands: 50,
        ansible: true,
        adhoc: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut number = |name: &str| -> usize {
            it.next()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{name} needs a number"))
        };
        match a.as_str() {
            "--hosts" => args.hosts = number("--hosts"),
            "--commands" => args.commands = number("--commands"),
            "--no-ansible" => args.ansible = false,
            "--adhoc" => args.adhoc = true,
            other => panic!("unknown argument `{other}`"),
        }
    }
    args
}

fn main() {
    let args = parse_args();
    eprintln!("starting {} test hosts ...", args.hosts);
    let fleet = Fleet::builder().hosts(args.hosts, Os::Debian).start();

    let ours = run_transport(&fleet, args.commands);
    println!(
        "konvoy transport: {} hosts x {} commands in {:.2} s ({:.1} ms per command per host)",
        args.hosts,
        args.commands,
        ours.as_secs_f64(),
        ours.as_secs_f64() * 1000.0 / args.commands as f64
    );
    let batched = run_transport_batched(&fleet, args.commands);
    println!(
        "konvoy transport, the {} commands sent as one `sh -s` script per host: {:.2} s",
        args.commands,
        batched.as_secs_f64()
    );
    if !args.ansible {
        return;
    }
    let theirs = run_ansible(&fleet, &args);
    let how = if args.adhoc {
        format!("{} x `ansible all -m command -a true`", args.commands)
    } else {
        format!("playbook of {} `command: true` tasks", args.commands)
    };
    println!(
        "ansible-core ({how}, pipelining, ControlPersist, forks {}): {:.2} s",
        args.hosts,
        theirs.as_secs_f64()
    );
    println!(
        "ratio: ansible / konvoy = {:.1}x",
        theirs.as_secs_f64() / ours.as_secs_f64()
    );
}

/// Connect (handshake, host key, auth) and run `true` N times per host,
/// one session per host, all hosts at once.
fn run_transport(fleet: &Fleet, commands: usize) -> Duration {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(fleet.hosts().len().max(1))
        .build()
        .expect("a thread pool");
    let opts = fleet.connect_options();
    let started = Instant::now();
    pool.install(|| {
        fleet.hosts().par_iter().with_max_len(1).for_each(|host| {
            let mut t = connect(&fleet.spec(host), &opts).expect("connect");
            let req = ExecRequest::new("true");
            for _ in 0..commands {
                let out = t.exec(&req).expect("exec");
                assert_eq!(out.rc, 0);
            }
            t.close();
        });
    });
    started.elapsed()
}

/// The same work as one script per host on one channel: what probe
/// batching in the executor will buy.
fn run_transport_batched(fleet: &Fleet, commands: usize) -> Duration {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(fleet.hosts().len().max(1))
        .build()
        .expect("a thread pool");
    let opts = fleet.connect_options();
    let script = "true\n".repeat(commands);
    let started = Instant::now();
    pool.install(|| {
        fleet.hosts().par_iter().with_max_len(1).for_each(|host| {
            let mut t = connect(&fleet.spec(host), &opts).expect("connect");
            let out = t
                .exec(&ExecRequest::new("/bin/sh -s").stdin(script.as_bytes()))
                .expect("exec");
            assert_eq!(out.rc, 0);
            t.close();
        });
    });
    started.elapsed()
}

fn run_ansible(fleet: &Fleet, args: &Args) -> Duration {
    let dir = fleet.dir().join("ansible");
    std::fs::create_dir_all(dir.join("cp")).expect("create the ansible dir");
    let mut inventory = fleet.inventory_yaml();
    inventory.push_str("    ansible_python_interpreter: /usr/bin/python3\n");
    std::fs::write(dir.join("inventory.yaml"), inventory).expect("write the inventory");
    let mut playbook = String::from("- hosts: all\n  gather_facts: false\n  tasks:\n");
    for i in 0..args.commands {
        playbook.push_str(&format!("    - name: no-op {i}\n      command: 'true'\n"));
    }
    std::fs::write(dir.join("playbook.yaml"), playbook).expect("write the playbook");
    let ansible = |program: &str| {
        let mut cmd = Command::new(program);
        cmd.current_dir(&dir)
            .env("ANSIBLE_PIPELINING", "True")
            .env(
                "ANSIBLE_SSH_ARGS",
                "-C -o ControlMaster=auto -o ControlPersist=60s",
            )
            .env("ANSIBLE_CONTROL_PATH_DIR", dir.join("cp"))
            .env("ANSIBLE_FORKS", args.hosts.to_string())
            .env("ANSIBLE_LOCAL_TEMP", dir.join("tmp"))
            .env("ANSIBLE_NOCOLOR", "1")
            .arg("-i")
            .arg("inventory.yaml");
        cmd
    };
    let check = |out: std::process::Output, what: &str| {
        assert!(
            out.status.success(),
            "{what} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let started = Instant::now();
    if args.adhoc {
        for _ in 0..args.commands {
            let out = ansible("ansible")
                .args(["all", "-m", "command", "-a", "true"])
                .output()
                .expect("run ansible");
            check(out, "ansible");
        }
    } else {
        let out = ansible("ansible-playbook")
            .arg("playbook.yaml")
            .output()
            .expect("run ansible-playbook");
        check(out, "ansible-playbook");
    }
    started.elapsed()
}
