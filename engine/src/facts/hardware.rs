//! Memory and processor facts (Ansible's Linux hardware collector, the
//! `memory` and `cpu` parts): `memtotal_mb`, `memfree_mb`, `swaptotal_mb`,
//! `swapfree_mb`, `memory_mb` with its `real`/`nocache`/`swap` shape, and
//! `processor`, `processor_count`, `processor_cores`,
//! `processor_threads_per_core`, `processor_vcpus`, `processor_nproc`.
//!
//! The probe sends only the `/proc/meminfo` and `/proc/cpuinfo` lines these
//! facts read (no `flags`), so the output stays small on large machines.

use std::collections::BTreeMap;

use super::parse::Sections;
use crate::value::{Map, Value};

/// Adds the memory facts: kB values divided by 1024, rounded down.
pub(crate) fn memory(s: &Sections<'_>, facts: &mut Map) {
    let mut stats: BTreeMap<&str, i64> = BTreeMap::new();
    let text = s.text("meminfo").unwrap_or_default();
    for line in text.lines() {
        let Some((key, rest)) = line.split_once(':') else {
            continue;
        };
        let Some(kb) = rest
            .split_whitespace()
            .next()
            .and_then(|v| v.parse::<i64>().ok())
        else {
            continue;
        };
        let key = match key {
            "MemTotal" => "memtotal",
            "MemFree" => "memfree",
            "SwapTotal" => "swaptotal",
            "SwapFree" => "swapfree",
            "Buffers" => "buffers",
            "Cached" => "cached",
            "SwapCached" => "swapcached",
            _ => continue,
        };
        let mb = kb / 1024;
        if matches!(key, "memtotal" | "memfree" | "swaptotal" | "swapfree") {
            facts.insert(format!("{key}_mb"), mb.into());
        }
        stats.insert(key, mb);
    }
    if stats.is_empty() {
        return;
    }
    let get = |k: &str| stats.get(k).copied();
    let sub = |a: Option<i64>, b: Option<i64>| Some(a? - b?);
    let nocache_free = (|| Some(get("cached")? + get("memfree")? + get("buffers")?))();
    let num = |v: Option<i64>| v.map_or(Value::Null, Value::Int);
    let group = |pairs: &[(&str, Option<i64>)]| {
        Value::Map(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), num(*v)))
                .collect(),
        )
    };
    let memory = [
        (
            "real",
            group(&[
                ("total", get("memtotal")),
                ("used", sub(get("memtotal"), get("memfree"))),
                ("free", get("memfree")),
            ]),
        ),
        (
            "nocache",
            group(&[
                ("free", nocache_free),
                ("used", sub(get("memtotal"), nocache_free)),
            ]),
        ),
        (
            "swap",
            group(&[
                ("total", get("swaptotal")),
                ("free", get("swapfree")),
                ("used", sub(get("swaptotal"), get("swapfree"))),
                ("cached", get("swapcached")),
            ]),
        ),
    ];
    let memory: Map = memory.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    facts.insert("memory_mb".into(), Value::Map(memory));
}

/// Adds the processor facts, counted as Ansible counts them on Linux.
pub(crate) fn cpu(s: &Sections<'_>, architecture: &str, facts: &mut Map) {
    let Some(text) = s.text("cpuinfo") else {
        return;
    };
    let mut processor = Vec::new();
    let (mut i, mut vendor, mut model, mut procs) = (0i64, 0, 0, 0i64);
    let (mut physid, mut coreid) = (String::from("0"), String::from("0"));
    // Insertion-ordered like Python dicts: the first socket and core decide.
    let mut sockets: Vec<(String, i64)> = Vec::new();
    let mut cores: Vec<(String, i64)> = Vec::new();
    let (mut zp, mut zmt) = (0i64, 0i64);
    fn set(list: &mut Vec<(String, i64)>, key: &str, value: i64, only_new: bool) {
        match list.iter_mut().find(|(k, _)| k == key) {
            Some(entry) if !only_new => entry.1 = value,
            Some(_) => {}
            None => list.push((key.to_owned(), value)),
        }
    }
    for line in text.lines() {
        let (key, val) = line
            .split_once(':')
            .map_or((line.trim(), ""), |(k, v)| (k.trim(), v.trim()));
        match key {
            "model name" | "Processor" | "vendor_id" | "cpu" | "Vendor" | "processor" => {
                processor.push(Value::from(val));
                vendor += i64::from(key == "vendor_id");
                model += i64::from(key == "model name");
                procs += i64::from(key == "processor");
                i += 1;
            }
            "physical id" => {
                physid = val.to_owned();
                set(&mut sockets, val, 1, true);
            }
            "core id" => {
                coreid = val.to_owned();
                // Ansible checks `sockets` here, not `cores` (sic).
                if !sockets.iter().any(|(k, _)| k == val) {
                    set(&mut cores, val, 1, false);
                }
            }
            "cpu cores" => set(&mut sockets, &physid, val.parse().unwrap_or(0), false),
            "siblings" => set(&mut cores, &coreid, val.parse().unwrap_or(0), false),
            "# processors" => zp = val.parse().unwrap_or(0),
            "max thread id" => zmt = val.parse::<i64>().unwrap_or(0) + 1,
            "ncpus active" => i = val.parse().unwrap_or(0),
            _ => {}
        }
    }
    if vendor > 0 && vendor == model {
        i = vendor;
    }
    if ["armv", "aarch", "ppc"]
        .iter()
        .any(|p| architecture.starts_with(p))
    {
        i = procs;
    }
    let (count, cores_n, threads, vcpus);
    if architecture == "s390x" {
        count = 1;
        cores_n = if zmt > 0 {
            (zp as f64 / zmt as f64).round_ties_even() as i64
        } else {
            0
        };
        threads = zmt;
        vcpus = zp;
    } else if xen_paravirt(s) {
        // Xen paravirt guests show one line set per vcpu without topology.
        (count, cores_n, threads, vcpus) = (i, i, 1, i);
    } else {
        count = if sockets.is_empty() {
            i
        } else {
            sockets.len() as i64
        };
        cores_n = sockets
            .first()
            .map(|(_, v)| *v)
            .filter(|v| *v != 0)
            .unwrap_or(1);
        let first_core = cores.first().map_or(1, |(_, v)| *v);
        threads = (first_core as f64 / cores_n as f64).round_ties_even() as i64;
        vcpus = threads * count * cores_n;
    }
    let nproc = s.trimmed("nproc").parse::<i64>().unwrap_or(procs);
    facts.insert("processor".into(), Value::List(processor));
    facts.insert("processor_count".into(), count.into());
    facts.insert("processor_cores".into(), cores_n.into());
    facts.insert("processor_threads_per_core".into(), threads.into());
    facts.insert("processor_vcpus".into(), vcpus.into());
    facts.insert("processor_nproc".into(), nproc.into());
}

/// Ansible's Xen paravirt test: on Xen, a `flags` line without `vme`. The
/// probe counts such lines only on Xen hosts.
fn xen_paravirt(s: &Sections<'_>) -> bool {
    s.trimmed("xen_flags_without_vme")
        .parse::<u64>()
        .is_ok_and(|n| n > 0)
}
