//! `default_ipv4` and `all_ipv4_addresses` (Ansible's Linux network
//! collector, IPv4 part).
//!
//! The default interface is what `ip -4 route get 8.8.8.8` names (a route
//! lookup: no packet is sent). Addresses come from one `ip -o -4 addr show`
//! instead of Ansible's two `ip addr show` calls per interface; they are
//! grouped per interface in `/sys/class/net` directory order, primaries
//! before secondaries, which is the order Ansible appends them in.
//!
//! Not produced: `default_ipv6`, `all_ipv6_addresses`, `interfaces` and the
//! per-interface facts (`ansible_eth0`), `locally_reachable_ips`.

use std::net::Ipv4Addr;

use super::parse::Sections;
use crate::value::{Map, Value};

/// One line of the probe's `netdev` section: sysfs data of an interface.
#[derive(Debug, Clone, PartialEq)]
struct NetDev {
    name: String,
    mac: String,
    mtu: Option<i64>,
    kind: &'static str,
}

impl NetDev {
    fn parse(line: &str) -> Option<NetDev> {
        let mut f = line.split('\t');
        let name = f.next().filter(|n| !n.is_empty())?.to_owned();
        let mac = f.next().unwrap_or("").to_owned();
        let mtu = f.next().and_then(|m| m.parse().ok());
        let sys_type = f.next().unwrap_or("");
        let kind = match f.next().unwrap_or("") {
            "bridge" => "bridge",
            "bonding" => "bonding",
            _ => match sys_type {
                "1" => "ether",
                "32" => "infiniband",
                "512" => "ppp",
                "772" => "loopback",
                "65534" => "tunnel",
                _ => "unknown",
            },
        };
        Some(NetDev {
            name,
            mac,
            mtu,
            kind,
        })
    }
}

/// One `inet` line of `ip -o -4 addr show`.
#[derive(Debug, Clone, PartialEq)]
struct Inet {
    device: String,
    address: String,
    prefix: String,
    broadcast: String,
    label: String,
    secondary: bool,
}

impl Inet {
    fn parse(line: &str) -> Option<Inet> {
        // `2: eth0    inet 10.0.0.5/24 brd 10.0.0.255 scope global eth0\       valid_lft ...`
        let line = line.split('\\').next()?;
        let mut words = line.split_whitespace();
        words.next()?; // index
        let device = words
            .next()?
            .trim_end_matches(':')
            .split('@')
            .next()?
            .to_owned();
        let words: Vec<&str> = words.collect();
        if words.first() != Some(&"inet") {
            return None;
        }
        let (address, prefix) = match words.get(1)?.split_once('/') {
            Some((a, p)) => (a.to_owned(), p.to_owned()),
            None => ((*words.get(1)?).to_owned(), "32".to_owned()),
        };
        let broadcast = if words.len() > 3 && words[2] == "brd" {
            words[3].to_owned()
        } else {
            String::new()
        };
        Some(Inet {
            device,
            address,
            prefix,
            broadcast,
            label: (*words.last()?).to_owned(),
            secondary: words.contains(&"secondary"),
        })
    }
}

/// Adds `default_ipv4` and `all_ipv4_addresses`; nothing without `ip`, as
/// in Ansible.
pub(crate) fn ipv4(s: &Sections<'_>, facts: &mut Map) {
    if !s.has("route4") {
        return;
    }
    let mut default = Map::new();
    if let Some(first) = s.lines("route4").first() {
        let words: Vec<&str> = first.split_whitespace().collect();
        if words.first() == Some(&"8.8.8.8") {
            for pair in words.windows(2) {
                match pair[0] {
                    "dev" => _ = default.insert("interface".into(), pair[1].into()),
                    "src" => _ = default.insert("address".into(), pair[1].into()),
                    "via" if pair[1] != "8.8.8.8" => {
                        _ = default.insert("gateway".into(), pair[1].into())
                    }
                    _ => {}
                }
            }
        }
    }
    let devices: Vec<NetDev> = s
        .lines("netdev")
        .iter()
        .filter_map(|l| NetDev::parse(l))
        .collect();
    let inets: Vec<Inet> = s
        .lines("addr4")
        .iter()
        .filter_map(|l| Inet::parse(l))
        .collect();
    let mut all = Vec::new();
    for dev in &devices {
        for secondary in [false, true] {
            for inet in inets
                .iter()
                .filter(|i| i.device == dev.name && i.secondary == secondary)
            {
                let default_address = default.get("address").and_then(Value::as_str);
                if default_address == Some(inet.address.as_str()) {
                    add_details(&mut default, inet, dev);
                }
                if !inet.address.starts_with("127.") {
                    all.push(Value::from(inet.address.as_str()));
                }
            }
        }
    }
    // Ansible sorts neither; key order here is its insertion order.
    facts.insert("default_ipv4".into(), Value::Map(default));
    facts.insert("all_ipv4_addresses".into(), Value::List(all));
}

fn add_details(default: &mut Map, inet: &Inet, dev: &NetDev) {
    let prefix: u32 = inet.prefix.parse().unwrap_or(32).min(32);
    let mask = if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - prefix)
    };
    let address: u32 = inet.address.parse::<Ipv4Addr>().map_or(0, u32::from);
    default.insert("broadcast".into(), inet.broadcast.as_str().into());
    default.insert("netmask".into(), Ipv4Addr::from(mask).to_string().into());
    default.insert(
        "network".into(),
        Ipv4Addr::from(address & mask).to_string().into(),
    );
    default.insert("prefix".into(), inet.prefix.as_str().into());
    default.insert("macaddress".into(), dev.mac.as_str().into());
    default.insert("mtu".into(), dev.mtu.map_or(Value::Null, Value::Int));
    default.insert("type".into(), dev.kind.into());
    default.insert("alias".into(), inet.label.as_str().into());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inet_line_from_ip_oneline() {
        // Recorded on Debian 12 (iproute2 6.1).
        let i = Inet::parse(
            "4: eth0    inet 192.0.2.2/24 brd 192.0.2.255 scope global eth0\\       valid_lft forever preferred_lft forever",
        )
        .unwrap();
        assert_eq!(i.device, "eth0");
        assert_eq!(i.address, "192.0.2.2");
        assert_eq!(i.prefix, "24");
        assert_eq!(i.broadcast, "192.0.2.255");
        assert_eq!(i.label, "eth0");
        assert!(!i.secondary);
    }
}
