//! Execution-flow keywords (`timeout`, `async`/`poll`, `throttle`,
//! `order`, `serial`, `loop_control`, `module_defaults`, handlers'
//! `listen`, `--start-at-task`, ...), each run side by side with
//! ansible-playbook 2.19.14 on twin test hosts ([`twin::Twin`]) and
//! compared on exit code, output and the hosts' own state.

#![allow(dead_code)] // the twin API is shared by every file here

mod twin;

mod async_poll;
mod batches;
mod handlers;
mod loop_control;
mod module_defaults;
mod results;
mod start_at;
mod timeout;
