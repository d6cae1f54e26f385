//! Facts: the distribution logic against ansible-core's own fixtures and
//! its vendored `distro`, the probe script against `ansible -m setup` on
//! this machine and, over SSH, on CentOS 7, CentOS 8, Debian and Flatcar
//! test hosts.

mod distribution;
mod hosts;
mod live;
