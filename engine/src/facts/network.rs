//! `default_ipv4`, `default_ipv6`, `all_ipv4_addresses` and
//! `all_ipv6_addresses` (Ansible's Linux network collector).
//!
//! The default interfaces are what `ip -4 route get 8.8.8.8` and
//! `ip -6 route get 2404:6800:400a:800::1012` name (route lookups: no
//! packet is sent). Addresses come from one `ip -o addr show` instead of
//! Ansible's two `ip addr show` calls per interface; they are grouped per
//! interface in `/sys/class/net` directory order, primaries before
//! secondaries, which is the order Ansible appends them in.
//!
//! Not produced: `interfaces` and the per-interface facts (`ansible_eth0`),
//! `locally_reachable_ips`.

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

/// One `inet` or `inet6` line of `ip -o addr show`.
#[derive(Debug, Clone, PartialEq)]
struct Addr {
    device: String,
    v6: bool,
    address: String,
    prefix: String,
    /// IPv4 broadcast, or `""`.
    broadcast: String,
    /// IPv6 scope.
    scope: String,
    /// The label ending an IPv4 line (`eth0`, `eth0:1`).
    label: String,
    secondary: bool,
}

impl Addr {
    fn parse(line: &str) -> Option<Addr> {
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
        let v6 = match words.first() {
            Some(&"inet") => false,
            Some(&"inet6") => true,
            _ => return None,
        };
        let mut addr = Addr {
            device,
            v6,
            address: String::new(),
            prefix: String::new(),
            broadcast: String::new(),
            scope: String::new(),
            label: (*words.last()?).to_owned(),
            secondary: words.contains(&"secondary"),
        };
        if v6 && words.get(2) == Some(&"peer") {
            addr.address = (*words.get(1)?).to_owned();
            addr.prefix = words.get(3)?.split_once('/')?.1.to_owned();
            addr.scope = (*words.get(5)?).to_owned();
        } else if v6 {
            let (address, prefix) = words.get(1)?.split_once('/')?;
            (addr.address, addr.prefix) = (address.to_owned(), prefix.to_owned());
            addr.scope = (*words.get(3)?).to_owned();
        } else {
            (addr.address, addr.prefix) = match words.get(1)?.split_once('/') {
                Some((a, p)) => (a.to_owned(), p.to_owned()),
                None => ((*words.get(1)?).to_owned(), "32".to_owned()),
            };
            if words.len() > 3 && words[2] == "brd" {
                addr.broadcast = words[3].to_owned();
            }
        }
        Some(addr)
    }
}

/// The interface, source address and gateway of `ip route get TARGET`.
fn default_route(s: &Sections<'_>, section: &str, target: &str) -> Map {
    let mut default = Map::new();
    if let Some(first) = s.lines(section).first() {
        let words: Vec<&str> = first.split_whitespace().collect();
        if words.first() == Some(&target) {
            for pair in words.windows(2) {
                let key = match pair[0] {
                    "dev" => "interface",
                    "src" => "address",
                    "via" if pair[1] != target => "gateway",
                    _ => continue,
                };
                default.insert(key.into(), pair[1].into());
            }
        }
    }
    default
}

/// Adds `default_ipv4`, `default_ipv6`, `all_ipv4_addresses` and
/// `all_ipv6_addresses`; nothing without `ip`, as in Ansible.
pub(crate) fn addresses(s: &Sections<'_>, facts: &mut Map) {
    if !s.has("route4") {
        return;
    }
    let mut default4 = default_route(s, "route4", "8.8.8.8");
    let mut default6 = default_route(s, "route6", "2404:6800:400a:800::1012");
    let devices: Vec<NetDev> = s
        .lines("netdev")
        .iter()
        .filter_map(|l| NetDev::parse(l))
        .collect();
    let addrs: Vec<Addr> = s
        .lines("addr")
        .iter()
        .filter_map(|l| Addr::parse(l))
        .collect();
    let (mut all4, mut all6) = (Vec::new(), Vec::new());
    // Ansible lists each interface's primary addresses (all IPv6 ones
    // included), then its IPv4 secondaries.
    for dev in &devices {
        for secondary in [false, true] {
            for addr in addrs
                .iter()
                .filter(|a| a.device == dev.name && a.secondary == secondary)
            {
                let (default, all, local) = if addr.v6 {
                    (&mut default6, &mut all6, addr.address == "::1")
                } else {
                    (&mut default4, &mut all4, addr.address.starts_with("127."))
                };
                if default.get("address").and_then(Value::as_str) == Some(addr.address.as_str()) {
                    add_details(default, addr, dev);
                }
                if !local {
                    all.push(Value::from(addr.address.as_str()));
                }
            }
        }
    }
    facts.insert("default_ipv4".into(), Value::Map(default4));
    facts.insert("all_ipv4_addresses".into(), Value::List(all4));
    if s.has("route6") {
        facts.insert("default_ipv6".into(), Value::Map(default6));
    } else {
        facts.insert("default_ipv6".into(), Value::Map(Map::new()));
    }
    facts.insert("all_ipv6_addresses".into(), Value::List(all6));
}

fn add_details(default: &mut Map, addr: &Addr, dev: &NetDev) {
    if addr.v6 {
        default.insert("prefix".into(), addr.prefix.as_str().into());
        default.insert("scope".into(), addr.scope.as_str().into());
    } else {
        let prefix: u32 = addr.prefix.parse().unwrap_or(32).min(32);
        let mask = if prefix == 0 {
            0
        } else {
            u32::MAX << (32 - prefix)
        };
        let address: u32 = addr.address.parse::<Ipv4Addr>().map_or(0, u32::from);
        default.insert("broadcast".into(), addr.broadcast.as_str().into());
        default.insert("netmask".into(), Ipv4Addr::from(mask).to_string().into());
        default.insert(
            "network".into(),
            Ipv4Addr::from(address & mask).to_string().into(),
        );
        default.insert("prefix".into(), addr.prefix.as_str().into());
    }
    default.insert("macaddress".into(), dev.mac.as_str().into());
    default.insert("mtu".into(), dev.mtu.map_or(Value::Null, Value::Int));
    default.insert("type".into(), dev.kind.into());
    if !addr.v6 {
        default.insert("alias".into(), addr.label.as_str().into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inet_line_from_ip_oneline() {
        // Recorded on Debian 12 (iproute2 6.1).
        let i = Addr::parse(
            "4: eth0    inet 192.0.2.2/24 brd 192.0.2.255 scope global eth0\\       valid_lft forever preferred_lft forever",
        )
        .unwrap();
        assert_eq!(i.device, "eth0");
        assert_eq!(i.address, "192.0.2.2");
        assert_eq!(i.prefix, "24");
        assert_eq!(i.broadcast, "192.0.2.255");
        assert_eq!(i.label, "eth0");
        assert!(!i.secondary);
        let v6 = Addr::parse(
            "4: eth0    inet6 fd00::2/64 scope global nodad \\       valid_lft forever",
        )
        .unwrap();
        assert!(v6.v6);
        assert_eq!(
            (v6.address.as_str(), v6.prefix.as_str(), v6.scope.as_str()),
            ("fd00::2", "64", "global")
        );
    }
}
