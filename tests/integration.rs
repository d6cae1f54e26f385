//! The one integration test binary; modules below are grouped by feature.

mod checks;
mod cli;
mod config;
mod conformance;
mod facts;
mod flow;
mod fuzz;
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
