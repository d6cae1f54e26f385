//! # engine: Ansible-compatible provisioning, natively over SSH
//!
//! `engine` reads Ansible inventories (YAML, INI, directories with
//! `group_vars/` and `host_vars/`) and Ansible-style playbooks and roles,
//! compiles them into per-host task graphs, and runs them in parallel over
//! SSH with modules rendered as shell on the target: no Python and no agent
//! on the hosts. It is the library behind the `konvoy-image` CLI and has no
//! CLI dependencies when built with `default-features = false`.
//!
//! The pipeline is **load → parse → compile → run → report**:
//!
//! - [`config`]: `ansible.cfg` and `ANSIBLE_*` settings, as ansible-core reads them;
//! - [`yaml`]: YAML 1.1 as PyYAML reads it, with spans;
//! - [`inventory`]: inventories, host patterns, inventory-side variables;
//! - [`image`]: image files and `--overrides`;
//! - [`playbook`]: plays, roles, blocks and tasks as written (parse only);
//! - [`template`]: Jinja on minijinja with Ansible's filters and tests;
//! - [`plan`]: per-host task graphs, static checks;
//! - [`catalog`]: the module, option, filter, test and lookup names Ansible knows;
//! - [`modules`]: one file per Ansible module, probe + apply as shell;
//! - [`facts`]: Ansible facts from one shell script per host;
//! - [`transport`]: SSH (`ssh2`, one session per host) and local;
//! - [`run`]: the parallel executor;
//! - [`report`]: events, Ansible's output, recap, JSON.
//!
//! The library never prints, exits or reads the process environment on its
//! own: callers pass options in and receive events through a reporter.

#![deny(missing_docs)]

pub mod catalog;
pub mod config;
pub mod error;
pub mod facts;
pub mod image;
pub mod inventory;
pub mod job;
pub mod modules;
pub mod plan;
pub mod playbook;
mod pyre;
pub mod report;
pub mod run;
pub mod shell;
pub mod source;
pub mod template;
pub mod transport;
pub mod value;
pub mod yaml;

pub use error::Error;
pub use source::{Span, Warning};
pub use value::Value;
