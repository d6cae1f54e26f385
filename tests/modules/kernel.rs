//! `sysctl`, `modprobe` and `service`/`systemd` on real test hosts. The
//! host shares the machine's kernel, so these tests never change a live
//! kernel value: sysctl reloads only a key the kernel does not have
//! (`sysctl -e` ignores it), modprobe works on built-in modules (listed in
//! the host's own `modules.builtin`, as the kernel here has no loadable
//! ones), and services run under the host's own systemd.

use super::Bench;
use crate::harness::{Fleet, Os};
use engine::modules::modprobe::ModprobeModule;
use engine::modules::service::ServiceModule;
use engine::modules::sysctl::SysctlModule;
use engine::modules::RunMode;
use engine::value::Value;

#[test]
fn sysctl_persists_a_key_once() {
    let mut b = Bench::start(Os::Centos7);
    let file = "/etc/sysctl.d/99-konvoy-test.conf";
    let args = [
        ("name", Value::from("konvoy.test.key")),
        ("value", Value::Int(1)),
        ("sysctl_file", Value::from(file)),
        ("reload", Value::Bool(false)),
    ];
    b.idempotent::<SysctlModule>(&args, &[file], |b| {
        let text = std::fs::read_to_string(b.on_host(file)).expect("sysctl file written");
        assert_eq!(text, "konvoy.test.key=1\n");
    });
    // A new value replaces the line; absent removes it.
    let run = b.run::<SysctlModule>(
        &[
            ("name", Value::from("konvoy.test.key")),
            ("value", Value::from("2")),
            ("sysctl_file", Value::from(file)),
            ("reload", Value::Bool(false)),
        ],
        RunMode::Apply,
        false,
    );
    assert!(run.outcome.changed);
    assert_eq!(
        std::fs::read_to_string(b.on_host(file)).unwrap(),
        "konvoy.test.key=2\n"
    );
    let run = b.run::<SysctlModule>(
        &[
            ("name", Value::from("konvoy.test.key")),
            ("state", Value::from("absent")),
            ("sysctl_file", Value::from(file)),
            ("reload", Value::Bool(false)),
        ],
        RunMode::Apply,
        false,
    );
    assert!(run.outcome.changed);
    assert_eq!(std::fs::read_to_string(b.on_host(file)).unwrap(), "");
}

#[test]
fn sysctl_reload_failure_is_reported() {
    let mut b = Bench::start(Os::Centos8);
    let run = b.run::<SysctlModule>(
        &[
            ("name", Value::from("konvoy.no.such.key")),
            ("value", Value::Int(1)),
            ("sysctl_file", Value::from("/etc/sysctl.d/bad.conf")),
        ],
        RunMode::Apply,
        false,
    );
    assert!(run.outcome.failed, "{:?}", run.outcome);
    let msg = run.outcome.result["msg"].as_str().unwrap().to_owned();
    assert!(msg.contains("Failed to reload sysctl"), "{msg}");
}

fn with_builtin_modules(b: &Bench) {
    b.host().sh(
        "d=/lib/modules/$(uname -r); mkdir -p \"$d\" && \
         printf 'kernel/net/bridge/br_netfilter.ko\\nkernel/fs/overlayfs/overlay.ko\\n' > \"$d/modules.builtin\" && \
         depmod -b / 2>/dev/null || true",
    );
}

#[test]
fn modprobe_loads_builtins_and_persists_them() {
    let mut b = Bench::start(Os::Flatcar);
    with_builtin_modules(&b);
    let conf = "/etc/modules-load.d/br_netfilter.conf";
    let args = [
        ("name", Value::from("br_netfilter")),
        ("persistent", Value::from("present")),
    ];
    b.idempotent::<ModprobeModule>(&args, &[conf], |b| {
        assert_eq!(
            std::fs::read_to_string(b.on_host(conf)).unwrap(),
            "br_netfilter\n"
        );
    });
    // A module the kernel does not have fails with modprobe's message.
    let run = b.run::<ModprobeModule>(
        &[("name", Value::from("konvoy_no_such_module"))],
        RunMode::Apply,
        false,
    );
    assert!(run.outcome.failed, "{:?}", run.outcome);
    assert!(run.outcome.result["msg"]
        .as_str()
        .unwrap()
        .contains("konvoy_no_such_module"));
}

#[test]
fn service_starts_and_enables_a_unit_under_real_systemd() {
    let fleet = Fleet::builder().host(Os::Centos8).systemd(true).start();
    let mut b = Bench::on(fleet);
    b.host().sh(
        "printf '[Unit]\\nDescription=konvoy test\\n[Service]\\nExecStart=/bin/sleep infinity\\n[Install]\\nWantedBy=multi-user.target\\n' \
         > /usr/lib/systemd/system/konvoy-test.service && systemctl daemon-reload",
    );
    let args = [
        ("name", Value::from("konvoy-test")),
        ("state", Value::from("started")),
        ("enabled", Value::Bool(true)),
    ];
    let link = "/etc/systemd/system/multi-user.target.wants/konvoy-test.service";
    let first = b.idempotent::<ServiceModule>(&args, &[link], |b| {
        assert_eq!(
            b.host().sh("systemctl is-active konvoy-test").trim(),
            "active"
        );
        assert_eq!(
            b.host().sh("systemctl is-enabled konvoy-test").trim(),
            "enabled"
        );
    });
    // The keys Ansible's systemd/service document: name, state, enabled
    // and `status` (systemctl's properties).
    assert_eq!(first.result["name"], Value::from("konvoy-test"));
    assert_eq!(first.result["state"], Value::from("started"));
    assert_eq!(first.result["enabled"], Value::Bool(true));
    let status = first.result["status"].as_map().expect("status is a dict");
    assert!(
        status.contains_key("ActiveState") && status.contains_key("UnitFileState"),
        "{status:?}"
    );
    // restarted always acts; stopped stops.
    let r = b.run::<ServiceModule>(
        &[
            ("name", Value::from("konvoy-test")),
            ("state", Value::from("restarted")),
        ],
        RunMode::Apply,
        false,
    );
    assert!(r.outcome.changed && !r.outcome.failed, "{:?}", r.outcome);
    let s = b.run::<ServiceModule>(
        &[
            ("name", Value::from("konvoy-test")),
            ("state", Value::from("stopped")),
        ],
        RunMode::Apply,
        false,
    );
    assert!(s.outcome.changed, "{:?}", s.outcome);
    assert_ne!(
        b.host()
            .exec_direct("systemctl is-active konvoy-test")
            .status
            .code(),
        Some(0)
    );
    let masked = b.run::<ServiceModule>(
        &[
            ("name", Value::from("konvoy-test")),
            ("masked", Value::Bool(true)),
        ],
        RunMode::Apply,
        false,
    );
    assert!(
        masked.outcome.changed && !masked.outcome.failed,
        "{:?}",
        masked.outcome
    );
    assert_eq!(
        b.host()
            .exec_direct("systemctl is-enabled konvoy-test")
            .stdout,
        b"masked\n"
    );
}
