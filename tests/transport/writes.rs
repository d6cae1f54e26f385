//! Every module that writes a file goes through the one atomic write path
//! (`engine/src/transport/atomic.rs`), shown on a real host by what only
//! that path does: a stale temp file of ours (left by a killed writer) in
//! the destination's directory is swept by the next write there, the new
//! content is in place, and no temp file of any kind stays behind. One
//! run of the real binary per module, each with a stale file planted
//! first.

use crate::harness::{Fleet, Os};
use std::process::Command;

/// (module, directory written, task, file, text the file must hold).
const CASES: &[(&str, &str, &str, &str, &str)] = &[
    (
        "copy",
        "/srv/copy",
        "copy: {content: \"c=1\\n\", dest: /srv/copy/c.conf}",
        "/srv/copy/c.conf",
        "c=1",
    ),
    (
        "template",
        "/srv/tpl",
        "template: {src: t.j2, dest: /srv/tpl/t.conf}",
        "/srv/tpl/t.conf",
        "t=node1",
    ),
    (
        "lineinfile",
        "/srv/lif",
        "lineinfile: {path: /srv/lif/l.conf, line: l=1, create: true}",
        "/srv/lif/l.conf",
        "l=1",
    ),
    (
        "blockinfile",
        "/srv/bif",
        "blockinfile: {path: /srv/bif/b.conf, block: b=1, create: true}",
        "/srv/bif/b.conf",
        "b=1",
    ),
    (
        "replace",
        "/srv/rep",
        "replace: {path: /srv/rep/r.conf, regexp: old, replace: new}",
        "/srv/rep/r.conf",
        "r=new",
    ),
    (
        "sysctl",
        "/etc/sysctl.d",
        "sysctl: {name: vm.swappiness, value: '7', sysctl_file: /etc/sysctl.d/90-w.conf, reload: false}",
        "/etc/sysctl.d/90-w.conf",
        "vm.swappiness=7",
    ),
    (
        "yum_repository",
        "/srv/repos",
        "yum_repository: {name: w, description: w, baseurl: 'http://127.0.0.1/w', reposdir: /srv/repos}",
        "/srv/repos/w.repo",
        "baseurl = http://127.0.0.1/w",
    ),
    (
        "known_hosts",
        "/srv/kh",
        "known_hosts: {path: /srv/kh/known_hosts, name: w.example, key: \"w.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBHY5gxMZjgaYgJqzVdiu8Cmonda+mkwHj6qLy+zMlxy\"}",
        "/srv/kh/known_hosts",
        "w.example ssh-ed25519",
    ),
    (
        "pam_limits",
        "/srv/limits",
        "community.general.pam_limits: {dest: /srv/limits/w.conf, domain: '*', limit_type: soft, limit_item: nofile, value: '65536'}",
        "/srv/limits/w.conf",
        "nofile",
    ),
    (
        "pamd",
        "/etc/pam.d",
        "community.general.pamd: {name: w-service, type: auth, control: requisite, module_path: pam_deny.so, new_control: required}",
        "/etc/pam.d/w-service",
        "required",
    ),
    (
        "selinux",
        "/etc/selinux",
        "ansible.posix.selinux: {state: disabled}",
        "/etc/selinux/config",
        "SELINUX=disabled",
    ),
    (
        "mount",
        "/srv/fstab",
        "ansible.posix.mount: {path: /mnt/w, src: w, fstype: tmpfs, state: present, fstab: /srv/fstab/fstab}",
        "/srv/fstab/fstab",
        "/mnt/w",
    ),
    (
        "cron",
        "/etc/cron.d",
        "cron: {name: w, minute: '0', job: /bin/true, cron_file: w-job, user: root}",
        "/etc/cron.d/w-job",
        "/bin/true",
    ),
    (
        "assemble",
        "/srv/asm",
        "assemble: {src: /srv/parts, dest: /srv/asm/a.conf, remote_src: true}",
        "/srv/asm/a.conf",
        "part=1",
    ),
    (
        "apt_repository",
        "/etc/apt/sources.list.d",
        "apt_repository: {repo: 'deb http://127.0.0.1/w bookworm main', filename: w, update_cache: false}",
        "/etc/apt/sources.list.d/w.list",
        "deb http://127.0.0.1/w bookworm main",
    ),
    (
        "deb822_repository",
        "/etc/apt/sources.list.d",
        "deb822_repository: {name: w2, types: deb, uris: 'http://127.0.0.1/w2', suites: bookworm, components: main}",
        "/etc/apt/sources.list.d/w2.sources",
        "URIs: http://127.0.0.1/w2",
    ),
    (
        "openssh_keypair (public key restored)",
        "/srv/kp",
        "community.crypto.openssh_keypair: {path: /srv/kp/id, type: ed25519}",
        "/srv/kp/id.pub",
        "ssh-ed25519 AAAA",
    ),
];

/// Stale temp files of every shape this tool (or an older version of it)
/// ever left next to a destination, under `root`.
fn temps(root: &std::path::Path) -> String {
    let out = Command::new("find")
        .arg(root)
        .args(["-name", ".konvoy-tmp.*", "-o", "-name", ".konvoy.*"])
        .args(["-o", "-name", ".konvoy-??????"])
        .output()
        .expect("find");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn every_file_writing_module_sweeps_stale_temp_files_and_leaves_none() {
    let fleet = Fleet::builder().host(Os::Debian).start();
    let host = &fleet.hosts()[0];
    let dir = tempfile::tempdir().expect("temp dir");
    fleet.write_inventory(dir.path());
    std::fs::write(dir.path().join("t.j2"), "t={{ inventory_hostname }}\n").expect("t.j2");
    host.sh(
        "mkdir -p /srv/rep /srv/parts /etc/selinux/targeted && echo r=old > /srv/rep/r.conf && \
         echo part=1 > /srv/parts/1 && \
         printf 'SELINUX=enforcing\\nSELINUXTYPE=targeted\\n' > /etc/selinux/config && \
         printf 'auth requisite pam_deny.so\\n' > /etc/pam.d/w-service && \
         mkdir -p /srv/kp && ssh-keygen -q -N '' -t ed25519 -f /srv/kp/id && echo junk > /srv/kp/id.pub",
    );
    for (module, dir_written, task, file, want) in CASES {
        let stale = format!("{dir_written}/.konvoy-tmp.1-1.stale");
        host.sh(&format!("mkdir -p {dir_written} && echo partial > {stale}"));
        let play = format!("- hosts: all\n  gather_facts: false\n  tasks:\n    - {task}\n");
        std::fs::write(dir.path().join("site.yml"), play).expect("site.yml");
        let out = Command::new(env!("CARGO_BIN_EXE_konvoy-image"))
            .current_dir(dir.path())
            .args([
                "playbook",
                "-i",
                "inventory.yaml",
                "--no-run-log",
                "site.yml",
            ])
            .output()
            .expect("run konvoy-image");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && text.contains("changed=1"),
            "{module}: {text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let written = host.sh(&format!("cat {file}"));
        assert!(written.contains(want), "{module}: {file} holds {written:?}");
        assert!(
            !host.root().join(stale.trim_start_matches('/')).exists(),
            "{module}: the stale temp file in {dir_written} was not swept"
        );
        assert_eq!(temps(&host.upper()), "", "{module}: temp files left");
    }
}
