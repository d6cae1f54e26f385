//! Facts: the distribution logic against ansible-core's own fixtures and
//! against its Python code run on the same inputs; the probe script against
//! `ansible -m setup` on this machine and, over SSH, on CentOS 7, CentOS 8,
//! Debian and Flatcar test hosts.

mod distribution;
mod hosts;
mod live;
mod oracle;
