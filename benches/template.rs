//! Templating cost on a realistic workload: 1,000 task arguments and
//! conditionals (the shapes KIB's playbooks use) rendered against one
//! host's variables, a fresh per-task overlay every 5 renders (as the
//! executor derives `Vars` per task). Divide the reported time by 1,000
//! for the per-render cost.

use criterion::{criterion_group, criterion_main, Criterion};
use engine::template::{Templar, Vars};
use engine::value::{Map, Value};
use std::hint::black_box;
use std::sync::Arc;

fn host_vars() -> Map {
    let mut facts = Map::new();
    for i in 0..150 {
        facts.insert(format!("fact_{i}"), Value::Str(format!("value {i}")));
    }
    let mut m = Map::new();
    m.insert("ansible_facts".into(), Value::Map(facts));
    m.insert("ansible_os_family".into(), "RedHat".into());
    m.insert("ansible_distribution_major_version".into(), "8".into());
    m.insert("kubernetes_version".into(), "1.29.6".into());
    m.insert("containerd_version".into(), "1.7.13".into());
    m.insert("offline_mode_enabled".into(), "false".into());
    m.insert(
        "kubernetes_full_version".into(),
        "{{ kubernetes_version }}-0".into(),
    );
    m.insert(
        "pkg_dir".into(),
        "/opt/dkp/packages/{{ kubernetes_version }}".into(),
    );
    m.insert("http_proxy".into(), "".into());
    m.insert(
        "registry_mirrors".into(),
        Value::List(vec![
            "https://mirror.example:5000".into(),
            "https://r2.example".into(),
        ]),
    );
    m.insert(
        "probe".into(),
        Value::Map(Map::from_iter([
            ("rc".to_owned(), Value::Int(0)),
            ("failed".to_owned(), Value::Bool(false)),
            ("changed".to_owned(), Value::Bool(false)),
            ("stdout".to_owned(), "active".into()),
        ])),
    );
    m
}

const ARGS: &[&str] = &[
    "{{ pkg_dir }}/kubelet-{{ kubernetes_full_version }}.rpm",
    "{{ kubernetes_version }}",
    "/etc/containerd/config.toml",
    "containerd-{{ containerd_version }}{{ '-3' if ansible_distribution_major_version == '7' }}",
    "{{ registry_mirrors | join(',') }}",
    "{{ http_proxy | default('') }}",
    "{{ item }}",
    "{{ registry_mirrors | map('regex_replace', '^https://', '') | list }}",
    "{{ containerd_version[:3] }}",
    "{{ (kubernetes_version.split('.')[1] | int) + 1 }}",
];

const CONDITIONS: &[&str] = &[
    "ansible_os_family == 'RedHat'",
    "offline_mode_enabled | bool",
    "probe is success",
    "probe.stdout is regex('^act')",
    "kubernetes_version is version('1.28.0', '>=')",
    "http_proxy is defined and http_proxy | length > 0",
    "missing_var is not defined",
    "item in registry_mirrors",
    "probe.rc not in [0, 1]",
    "ansible_distribution_major_version | int >= 8",
];

fn workload(c: &mut Criterion) {
    let templar = Templar::new();
    let base = Vars::new(Arc::new(host_vars()));
    c.bench_function("1000 renders (args + conditionals)", |b| {
        b.iter(|| {
            let mut vars = base.with("item", "https://r2.example".into());
            for i in 0..1000 {
                if i % 5 == 0 {
                    vars = base.with("item", "https://r2.example".into());
                }
                if i % 2 == 0 {
                    let text = ARGS[(i / 2) % ARGS.len()];
                    black_box(templar.render(text, &vars).expect("renders"));
                } else {
                    let cond = CONDITIONS[(i / 2) % CONDITIONS.len()];
                    black_box(templar.condition(cond, &vars).expect("evaluates"));
                }
            }
        })
    });
}

criterion_group!(benches, workload);
criterion_main!(benches);
