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
    /// Run an Ansible-style playbook as `ansible-playbook` does.
    Playbook(PlaybookArgs),
    /// Prepare hosts for Kubernetes from an image file (containerd,
    /// kubeadm, kubelet, CNI, kernel settings).
    Provision(ProvisionArgs),
    /// Print the version, the git commit and the default Kubernetes and
    /// containerd versions.
    Version,
    /// Print a shell completion script (`source <(konvoy-image completion bash)`).
    Completion(CompletionArgs),
    /// Print the manual page (roff) to standard output.
    Man,
}

/// `konvoy-image completion SHELL`.
#[derive(Debug, Args)]
pub(crate) struct CompletionArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub(crate) shell: clap_complete::Shell,
}

/// Flags shared by `playbook` and `provision` that shape the run: those of
/// `ansible-playbook` (settings from `ansible.cfg` and `ANSIBLE_*` fill
/// what is not given), then konvoy-image's own.
#[derive(Debug, Args)]
pub(crate) struct RunFlags {
    /// Only hosts matching this pattern.
    #[arg(short = 'l', long, value_name = "PATTERN")]
    pub(crate) limit: Option<String>,
    /// Change nothing; report what would change.
    #[arg(short = 'C', long)]
    pub(crate) check: bool,
    /// Show unified diffs of files that change.
    #[arg(short = 'D', long)]
    pub(crate) diff: bool,
    /// Hosts worked on in parallel (default: `forks` of ansible.cfg, else
    /// all hosts, up to 50).
    #[arg(short = 'f', long, value_name = "N")]
    pub(crate) forks: Option<usize>,
    /// More output (repeat for more; adds to `verbosity` of ansible.cfg).
    #[arg(short = 'v', long = "verbose", action = clap::ArgAction::Count)]
    pub(crate) verbose: u8,
    /// Connect as this user.
    #[arg(short = 'u', long = "user", value_name = "REMOTE_USER")]
    pub(crate) user: Option<String>,
    /// Authenticate the connection with this private key file.
    #[arg(
        long = "private-key",
        visible_alias = "key-file",
        value_name = "PRIVATE_KEY_FILE"
    )]
    pub(crate) private_key: Option<PathBuf>,
    /// Connection type: `ssh` (also `smart`, `paramiko`) or `local`.
    #[arg(short = 'c', long, value_name = "CONNECTION")]
    pub(crate) connection: Option<String>,
    /// SSH connection timeout in seconds (Ansible's `-T`; before 0.2 this
    /// flag was the per-command timeout, now `--command-timeout`).
    #[arg(short = 'T', long, value_name = "TIMEOUT")]
    pub(crate) timeout: Option<String>,
    /// OpenSSH options for every connection (`-o StrictHostKeyChecking=no`,
    /// `-o UserKnownHostsFile=...`, `-J bastion`).
    #[arg(long, value_name = "SSH_COMMON_ARGS", allow_hyphen_values = true)]
    pub(crate) ssh_common_args: Option<String>,
    /// OpenSSH options for ssh only (the same options are understood).
    #[arg(long, value_name = "SSH_EXTRA_ARGS", allow_hyphen_values = true)]
    pub(crate) ssh_extra_args: Option<String>,
    /// Options for sftp only: refused unless empty (files travel over the
    /// SSH session, not sftp).
    #[arg(long, value_name = "SFTP_EXTRA_ARGS", allow_hyphen_values = true)]
    pub(crate) sftp_extra_args: Option<String>,
    /// Options for scp only: refused unless empty (files travel over the
    /// SSH session, not scp).
    #[arg(long, value_name = "SCP_EXTRA_ARGS", allow_hyphen_values = true)]
    pub(crate) scp_extra_args: Option<String>,
    /// Ask for the connection (SSH) password on the terminal.
    #[arg(
        short = 'k',
        long = "ask-pass",
        conflicts_with = "connection_password_file"
    )]
    pub(crate) ask_pass: bool,
    /// Read the connection password from FILE (`-` for stdin; an
    /// executable file is run and its output used).
    #[arg(
        long,
        visible_alias = "conn-pass-file",
        value_name = "CONNECTION_PASSWORD_FILE"
    )]
    pub(crate) connection_password_file: Option<PathBuf>,
    /// Run operations with become (sudo by default).
    #[arg(short = 'b', long = "become")]
    pub(crate) become_: bool,
    /// Become method: `sudo` or `su`.
    #[arg(long, value_name = "BECOME_METHOD")]
    pub(crate) become_method: Option<String>,
    /// Become this user (default root).
    #[arg(long, value_name = "BECOME_USER")]
    pub(crate) become_user: Option<String>,
    /// Ask for the become password on the terminal.
    #[arg(
        short = 'K',
        long = "ask-become-pass",
        conflicts_with = "become_password_file"
    )]
    pub(crate) ask_become_pass: bool,
    /// Read the become password from FILE (`-` for stdin; an executable
    /// file is run and its output used).
    #[arg(
        long,
        visible_alias = "become-pass-file",
        value_name = "BECOME_PASSWORD_FILE"
    )]
    pub(crate) become_password_file: Option<PathBuf>,
    /// Run notified handlers even on hosts where a task failed.
    #[arg(long)]
    pub(crate) force_handlers: bool,
    /// Clear the fact cache: facts are never cached between runs, so there
    /// is nothing to clear (accepted for compatibility).
    #[arg(long)]
    pub(crate) flush_cache: bool,
    /// Print the settings in effect (ansible.cfg, `ANSIBLE_*`, flags) with
    /// where each comes from, then exit without running.
    #[arg(long)]
    pub(crate) print_config: bool,
    /// Per-command timeout in seconds (0: none). Not Ansible's `-T`.
    #[arg(long, value_name = "SECONDS", default_value_t = 0)]
    pub(crate) command_timeout: u64,
    /// Also write one JSON object per event to FILE.
    #[arg(long, value_name = "FILE")]
    pub(crate) json_log: Option<PathBuf>,
    /// Print per host after the recap: round trips (SSH commands),
    /// bytes sent and received, and time in connect, facts, probes,
    /// applies and transfers.
    #[arg(long)]
    pub(crate) stats: bool,
    /// No colour, even on a terminal (also `NO_COLOR`, `ANSIBLE_NOCOLOR`).
    #[arg(long)]
    pub(crate) no_color: bool,
    /// Where run folders go (default `./konvoy-runs`): one folder per run
    /// with the log, `events.jsonl`, the variables, the inventory and the
    /// command line.
    #[arg(long, value_name = "DIR")]
    pub(crate) work_dir: Option<PathBuf>,
    /// Write no run folder.
    #[arg(long)]
    pub(crate) no_run_log: bool,
    /// Print task and play durations after the recap (also with `-v`).
    #[arg(long)]
    pub(crate) profile: bool,
    /// Refuse a playbook that uses a module or option Ansible has and
    /// konvoy-image does not implement (by default it is announced, and
    /// only a task a host reaches fails).
    #[arg(long)]
    pub(crate) strict: bool,
    /// Work on shard K of N only: the hosts are split deterministically
    /// (by position in the inventory sorted by name), so N runs of the same
    /// command with K = 1..N cover every host exactly once.
    #[arg(long, value_name = "K/N")]
    pub(crate) shard: Option<engine::inventory::Shard>,
}

/// `konvoy-image playbook`: the flags of `ansible-playbook`.
#[derive(Debug, Args)]
pub(crate) struct PlaybookArgs {
    /// Inventory source (repeatable; default: `inventory` of ansible.cfg,
    /// else `/etc/ansible/hosts`).
    #[arg(
        short = 'i',
        long = "inventory",
        visible_alias = "inventory-file",
        value_name = "SRC"
    )]
    pub(crate) inventory: Vec<String>,
    /// The playbook file.
    pub(crate) playbook: PathBuf,
    /// Extra variables: `k=v`, JSON, or `@file` (repeatable; later wins).
    #[arg(short = 'e', long = "extra-vars", value_name = "VARS")]
    pub(crate) extra_vars: Vec<String>,
    /// Only tasks with these tags (comma-separated, repeatable).
    #[arg(short = 't', long, value_delimiter = ',')]
    pub(crate) tags: Vec<String>,
    /// Skip tasks with these tags.
    #[arg(long, value_delimiter = ',')]
    pub(crate) skip_tags: Vec<String>,
    /// Start at the first task with this name (`role : name` too; glob
    /// patterns allowed); earlier tasks do not run.
    #[arg(long, value_name = "TASK")]
    pub(crate) start_at_task: Option<String>,
    /// List the tasks that would run, then exit.
    #[arg(long)]
    pub(crate) list_tasks: bool,
    /// List the hosts each play would run on, then exit.
    #[arg(long)]
    pub(crate) list_hosts: bool,
    /// Check the playbook's syntax, then exit.
    #[arg(long)]
    pub(crate) syntax_check: bool,
    /// Run settings.
    #[command(flatten)]
    pub(crate) run: RunFlags,
}

/// `konvoy-image provision`: the arguments of the original tool.
#[derive(Debug, Args)]
pub(crate) struct ProvisionArgs {
    /// The image for every host: a file (`images/generic/rocky-9.yaml`), or
    /// the name of an image built into the binary (`rocky-9`, `centos-7`,
    /// `flatcar`, ...). A file on disk wins over the built-in one of the
    /// same path. Without it, each host gets the image of its own OS, from
    /// its facts (konvoy-image-builder v1.5's `provision`).
    pub(crate) image: Option<PathBuf>,
    /// The built-in image for every host (`rocky-9`, `centos-7`, ...).
    #[arg(long, value_name = "NAME", conflicts_with = "image")]
    pub(crate) os: Option<String>,
    /// konvoy-image-builder's provider (`packer_builder_type`). Only the
    /// empty one is supported: provider tasks (cloud agents, cloud-init)
    /// belong to image builds, and a non-empty value is refused.
    #[arg(long, value_name = "NAME")]
    pub(crate) provider: Option<String>,
    /// Inventory: a file, a directory or `host1,host2,` (repeatable).
    #[arg(
        long = "inventory-file",
        short = 'i',
        value_name = "SRC",
        required = true
    )]
    pub(crate) inventory: Vec<String>,
    /// Extra YAML files merged over the image (repeatable, in order); a
    /// name alone (`proxy`) or `images/overrides/...` not on disk is a
    /// built-in override.
    #[arg(long, value_name = "FILE", value_delimiter = ',')]
    pub(crate) overrides: Vec<PathBuf>,
    /// Extra variables: `k=v`, JSON, or `@file` (repeatable; later wins).
    #[arg(long = "extra-vars", short = 'e', value_name = "VARS")]
    pub(crate) extra_vars: Vec<String>,
    /// Kubernetes version (also sets `kubernetes_full_version`).
    #[arg(long, value_name = "VERSION")]
    pub(crate) kubernetes_version: Option<String>,
    /// containerd version.
    #[arg(long, value_name = "VERSION")]
    pub(crate) containerd_version: Option<String>,
    /// Registry mirror for containerd (`https://mirror.example:5000`).
    #[arg(long, value_name = "URL")]
    pub(crate) registry_mirror_url: Option<String>,
    /// CA certificate of the registry mirror (a file on this machine).
    #[arg(long, value_name = "FILE")]
    pub(crate) registry_mirror_cacert: Option<PathBuf>,
    /// The provisioning playbook (default: `playbooks/provision.yaml` on
    /// disk when present, else the built-in one).
    #[arg(long, value_name = "FILE")]
    pub(crate) playbook: Option<PathBuf>,
    /// Run settings.
    #[command(flatten)]
    pub(crate) run: RunFlags,
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
