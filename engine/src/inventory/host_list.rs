//! `-i 'host1,host2:2222,'`: Ansible's `host_list` plugin.
//!
//! Items are split on `,` and trimmed; each is `host[:port]` (no ranges:
//! `web[1:2]` is kept as a literal name, as Ansible does) and joins
//! `ungrouped` unless the host already exists.

use super::address::parse_address;
use super::model::{Data, UNGROUPED};

/// Adds the hosts of a comma list to `data`.
pub(crate) fn parse(data: &mut Data, list: &str) {
    for item in list.split(',') {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        let (host, port) = match parse_address(item, false) {
            Some(a) => (a.host, a.port),
            None => (item, None),
        };
        if !data.hosts.contains_key(host) {
            data.add_host(host, Some(UNGROUPED), port, None);
        }
    }
}
