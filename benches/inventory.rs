//! Loading and printing a 10,000-host inventory (`--list`), the shape
//! `benches/inventory-vs-ansible.sh` also times against ansible-inventory:
//! 200 groups of 50 hosts written as ranges, 10 parent groups, group vars in
//! the INI file, a `group_vars/` folder (files and per-group folders) and a
//! `host_vars/` folder for 1,000 hosts.

use criterion::{criterion_group, criterion_main, Criterion};
use engine::inventory::{Inventory, ListOptions};
use std::fmt::Write as _;
use std::path::Path;

fn generate(dir: &Path) {
    let mut ini = String::new();
    for g in 0..200 {
        let _ = writeln!(
            ini,
            "[g{g:03}]\nnode-g{g:03}-[01:50].example.internal ansible_user=user{}",
            g % 7
        );
        let _ = writeln!(ini, "[g{g:03}:vars]\nrack=r{}\nweight={g}", g % 13);
    }
    for r in 0..10 {
        let _ = writeln!(ini, "[region{r}:children]");
        for g in r * 20..r * 20 + 20 {
            let _ = writeln!(ini, "g{g:03}");
        }
        let _ = writeln!(ini, "[region{r}:vars]\nregion=region{r}");
    }
    ini.push_str("[all:vars]\nansible_port=22\nansible_become=true\n");
    std::fs::write(dir.join("hosts.ini"), ini).unwrap();
    let gv = dir.join("group_vars");
    let hv = dir.join("host_vars");
    std::fs::create_dir_all(&gv).unwrap();
    std::fs::create_dir_all(&hv).unwrap();
    std::fs::write(
        gv.join("all.yml"),
        "ntp_servers: [0.pool.ntp.org, 1.pool.ntp.org]\nproxy: {http: 'http://proxy:3128', no_proxy: [localhost, 127.0.0.1]}\n",
    )
    .unwrap();
    for g in 0..200 {
        let name = format!("g{g:03}");
        if g % 2 == 1 {
            let d = gv.join(&name);
            std::fs::create_dir_all(&d).unwrap();
            std::fs::write(
                d.join("main.yml"),
                format!("group_id: {g}\nlabels: [a, b, c]\n"),
            )
            .unwrap();
            std::fs::write(
                d.join("extra.yml"),
                format!("extra: {{size: {}, enabled: yes}}\n", g * 10),
            )
            .unwrap();
        } else {
            std::fs::write(
                gv.join(format!("{name}.yml")),
                format!("group_id: {g}\nlabels: [x, y]\n"),
            )
            .unwrap();
        }
        for n in (1..51).step_by(10) {
            let host = format!("node-g{g:03}-{n:02}.example.internal");
            std::fs::write(
                hv.join(format!("{host}.yml")),
                format!(
                    "ansible_host: 10.{}.{}.{n}\nserial_no: S{g:03}{n:02}\n",
                    g / 256,
                    g % 256
                ),
            )
            .unwrap();
        }
    }
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path());
    let src = dir.path().display().to_string();
    let inv = Inventory::load(&[&src]).unwrap();
    assert_eq!(inv.hosts().count(), 10_000);
    let mut group = c.benchmark_group("inventory_10k");
    group.sample_size(20);
    group.bench_function("load", |b| b.iter(|| Inventory::load(&[&src]).unwrap()));
    group.bench_function("list_json", |b| {
        b.iter(|| inv.to_list_json(&ListOptions::default()).unwrap())
    });
    group.bench_function("load_and_list", |b| {
        b.iter(|| {
            let inv = Inventory::load(&[&src]).unwrap();
            inv.to_list_json(&ListOptions::default()).unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
