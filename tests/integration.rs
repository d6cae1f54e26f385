//! The one integration test binary; modules below are grouped by feature.

mod checks;
mod cli;
mod conformance;
mod facts;
mod flow;
mod harness;
mod inventory;
mod modules;
mod playbook;
mod provision;
mod report;
mod run;
mod template;
mod transport;
mod yaml;
