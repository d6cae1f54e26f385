//! The one integration test binary; modules below are grouped by feature.

mod checks;
mod conformance;
mod facts;
mod harness;
mod inventory;
mod modules;
mod playbook;
mod provision;
mod run;
mod template;
mod transport;
mod yaml;
