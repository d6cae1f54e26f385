//! Facts: the distribution logic against ansible-core's own fixtures, the
//! probe script against `ansible -m setup` on this machine.

mod distribution;
mod hosts;
mod live;
