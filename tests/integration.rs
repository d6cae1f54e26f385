//! The one integration test binary; modules below are grouped by feature.

mod harness;
mod modules;
mod template;
mod transport;
mod yaml;
