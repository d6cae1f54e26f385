//! Loading and printing a generated 1 MB inventory-like YAML document.
//!
//! `cargo bench --bench yaml` reports the loader's throughput (criterion's
//! `Throughput::Bytes`) and the time to print the same data as
//! `ansible-inventory --list` JSON and `--yaml`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use engine::value::JsonOptions;
use engine::yaml::{dump, load_str, DumpStyle};
use std::fmt::Write;
use std::hint::black_box;

/// About 1 MB of YAML shaped like a large inventory: groups of hosts with
/// typed variables (ints, bools, octal modes, quoted strings, lists).
fn document() -> String {
    let mut text = String::from(
        "all:\n  vars:\n    ansible_user: centos\n    ansible_port: 22\n  children:\n",
    );
    let mut host = 0;
    let mut group = 0;
    while text.len() < 1_000_000 {
        writeln!(text, "    group{group:03}:\n      vars:\n        role: \"worker-{group}\"\n        enabled: yes\n      hosts:").ok();
        for _ in 0..50 {
            writeln!(
                text,
                "        host{host:05}.example.com:\n          ansible_host: 10.{}.{}.{}\n          node_pool: pool-{}\n          mode: 0644\n          weight: 1.5\n          labels: [a, 'b', \"c\"]\n          comment: 'it''s host {host}'",
                host / 65536 % 256,
                host / 256 % 256,
                host % 256,
                host % 7,
            )
            .ok();
            host += 1;
        }
        group += 1;
    }
    text
}

fn bench(c: &mut Criterion) {
    let text = document();
    let mut group = c.benchmark_group("yaml");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("load_1mb", |b| {
        b.iter(|| load_str(black_box(&text), "bench.yml").expect("loads"))
    });
    let (doc, _) = load_str(&text, "bench.yml").expect("loads").single();
    let value = doc.expect("a document").to_value();
    let list = JsonOptions {
        indent: Some(4),
        sort_keys: true,
        ensure_ascii: false,
    };
    group.bench_function("to_json_indent4_sorted", |b| {
        b.iter(|| black_box(&value).to_json(list))
    });
    group.bench_function("dump_block", |b| {
        b.iter(|| dump(black_box(&value), DumpStyle::Block))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
