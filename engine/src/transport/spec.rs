//! [`ConnectionSpec`]: how to reach one host, already typed.
//!
//! The inventory layer resolves Ansible's connection variables
//! (`ansible_host`, `ansible_port`, `ansible_user`, key files, become, ...)
//! into this struct; the transport layer only ever sees the struct, never
//! an Ansible variable name.

use crate::shell::Secret;
use std::path::PathBuf;
use std::time::Duration;

/// How to reach one host and how to become another user there.
#[derive(Clone, Debug, PartialEq)]
pub struct ConnectionSpec {
    /// The inventory name (for messages).
    pub name: String,
    /// `local` runs on the controller; `ssh` (and `smart`, `paramiko`) over SSH.
    pub kind: ConnectionKind,
    /// Address to connect to (`ansible_host`, default: the inventory name).
    pub address: String,
    /// TCP port (`ansible_port`, default 22).
    pub port: u16,
    /// Remote user (`ansible_user`; `None`: the local user's name).
    pub user: Option<String>,
    /// Private key file (`ansible_ssh_private_key_file`, `ansible_private_key_file`,
    /// or Konvoy's `ansible_ssh_key_name` when neither is set).
    pub private_key_file: Option<PathBuf>,
    /// SSH password (`ansible_password`, `ansible_ssh_pass`).
    pub password: Option<Secret>,
    /// Connect timeout (`ansible_ssh_timeout`, `ansible_timeout`, default 10 s).
    pub connect_timeout: Duration,
    /// Host key checking (`ansible_host_key_checking`, default strict).
    pub host_key_checking: HostKeyChecking,
    /// Jump host from `-o ProxyJump=` / `-J` in `ansible_ssh_common_args`.
    pub jump: Option<JumpHost>,
    /// `-o UserKnownHostsFile=` in `ansible_ssh_common_args`: replaces the
    /// run's known_hosts files for this host (`/dev/null` = none).
    pub known_hosts_file: Option<PathBuf>,
    /// Privilege escalation, when `ansible_become` is true.
    pub become_: Option<Become>,
}

/// The connection plugin a host uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnectionKind {
    /// OpenSSH-compatible SSH (`ssh`, `smart`, `paramiko`).
    Ssh,
    /// The controller itself (`local`).
    Local,
}

/// Ansible's `host_key_checking`, plus OpenSSH's `accept-new`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostKeyChecking {
    /// The key must be in `known_hosts` (Ansible's default).
    Strict,
    /// An unknown host's key is accepted and recorded; a changed key is refused.
    AcceptNew,
    /// Any key is accepted (`host_key_checking = False`).
    Off,
}

/// A bastion reached first (`ProxyJump`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JumpHost {
    /// Address of the bastion.
    pub address: String,
    /// Port of the bastion.
    pub port: u16,
    /// User on the bastion.
    pub user: Option<String>,
}

/// How to become another user (`ansible_become*`).
#[derive(Clone, Debug, PartialEq)]
pub struct Become {
    /// `sudo` or `su`.
    pub method: BecomeMethod,
    /// Target user (default `root`).
    pub user: String,
    /// Password, sent on stdin only.
    pub password: Option<Secret>,
    /// Flags (`become_flags`); `None`: the method's default (`-H -S -n`
    /// for sudo, none for su).
    pub flags: Option<String>,
    /// The program (`become_exe`); `None`: `sudo` or `su`.
    pub exe: Option<String>,
}

/// Supported become methods.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BecomeMethod {
    /// `sudo` (`-n` without a password, `-S` with one).
    Sudo,
    /// `su`.
    Su,
}
