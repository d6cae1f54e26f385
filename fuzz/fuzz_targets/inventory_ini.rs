//! Fuzzes the INI inventory parser and everything after it (ranges,
//! reconcile, host patterns, `--list` output): any input must give an
//! inventory or an error, never a panic.
#![no_main]

use engine::inventory::{Inventory, ListOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(inv) = Inventory::from_ini_str(text, "fuzz.ini") {
        let _ = inv.to_list_json(&ListOptions::default());
        let _ = inv.to_graph("all", &ListOptions::default());
        if let Some(first) = text.lines().next() {
            let _ = inv.select(first);
        }
        for host in inv.hosts() {
            let _ = engine::inventory::connection_spec(host.name(), &inv.host_vars(host.name()));
        }
    }
});
