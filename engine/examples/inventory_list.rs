//! Loads an inventory and prints each host with its address and groups.
//!
//! `cargo run --example inventory_list -- inventories/hosts.ini [VAR]`
//! prints, for every host, `name address groups` and, when VAR is given,
//! that variable's merged value (as JSON).

use engine::inventory::{connection_spec, Inventory};
use engine::value::JsonOptions;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let source = args
        .next()
        .unwrap_or_else(|| "inventories/hosts.ini".to_owned());
    let var = args.next();
    let inv = Inventory::load(&[source])?;
    for w in inv.warnings() {
        eprintln!("[WARNING]: {}", w.message);
    }
    for host in inv.hosts() {
        let vars = inv.host_vars(host.name());
        let spec = connection_spec(host.name(), &vars)?;
        let mut line = format!(
            "{} {}:{} [{}]",
            host.name(),
            spec.address,
            spec.port,
            inv.group_names(host.name()).join(",")
        );
        if let Some(var) = &var {
            let value = vars.get(var).map_or_else(
                || "undefined".to_owned(),
                |v| v.to_json(JsonOptions::default()),
            );
            line.push_str(&format!(" {var}={value}"));
        }
        println!("{line}");
    }
    Ok(())
}
