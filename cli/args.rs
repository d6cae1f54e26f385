//! Command-line arguments (clap derive types only). Each subcommand has
//! its own args struct so `provision` and `playbook` slot in beside
//! `inventory`.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Provision pre-provisioned machines with Ansible-compatible inventories
/// and playbooks, natively over SSH.
#[derive(Debug, Parser)]
#[command(name = "konvoy-image", version, about)]
pub(crate) struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Show an inventory as `ansible-inventory` does.
    Inventory(InventoryArgs),
}

/// `konvoy-image inventory`: the flags of `ansible-inventory` 2.19.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("action").required(true).args(["list", "graph", "host"])))]
pub(crate) struct InventoryArgs {
    /// Inventory source: a file, a directory or a `host1,host2,` list
    /// (repeatable; later sources override earlier ones).
    #[arg(short = 'i', long = "inventory", value_name = "SRC", required = true)]
    pub(crate) inventory: Vec<String>,
    /// Print the whole inventory (JSON, or YAML with `--yaml`).
    #[arg(long)]
    pub(crate) list: bool,
    /// Print the group tree, from `all` or from GROUP.
    #[arg(long, value_name = "GROUP", num_args = 0..=1, default_missing_value = "all")]
    pub(crate) graph: Option<String>,
    /// Print the variables of one host.
    #[arg(long, value_name = "HOST")]
    pub(crate) host: Option<String>,
    /// Print YAML instead of JSON (`--list`, `--host`).
    #[arg(short = 'y', long)]
    pub(crate) yaml: bool,
    /// Show variables in the `--graph` output.
    #[arg(long)]
    pub(crate) vars: bool,
    /// Only hosts matching this pattern (`@file` reads patterns from a file).
    #[arg(short = 'l', long, value_name = "PATTERN")]
    pub(crate) limit: Option<String>,
    /// Groups carry their own vars and hosts only theirs, as written.
    #[arg(long)]
    pub(crate) export: bool,
    /// Where the playbook would be: its `group_vars/` and `host_vars/` apply.
    #[arg(long, value_name = "DIR")]
    pub(crate) playbook_dir: Option<PathBuf>,
    /// Write the result to FILE instead of standard output.
    #[arg(long = "output", value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
}
