//! Runs a small playbook on this machine over the local transport, with
//! Ansible's output: the whole pipeline (load, parse, compile, run,
//! report) in a dozen lines of library calls.
//!
//! `cargo run --example run_local`

use engine::job::PlaybookJob;
use engine::report::{AnsiblePrinter, Fanout};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir().join(format!("konvoy-example-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let playbook = dir.join("site.yml");
    std::fs::write(
        &playbook,
        r#"- hosts: all
  gather_facts: true
  tasks:
    - name: say where we are
      debug:
        msg: "{{ inventory_hostname }} runs {{ ansible_distribution }} {{ ansible_distribution_version }}"
    - name: write a file once
      copy:
        dest: "{{ playbook_dir }}/hello.txt"
        content: "hello\n"
"#,
    )?;
    let job = PlaybookJob {
        inventory: vec!["localhost,".into()],
        playbook,
        extra_vars: vec!["ansible_connection=local".into()],
        ..Default::default()
    };
    let summary = job.run(&Fanout::new().with(AnsiblePrinter::new(std::io::stdout(), 0)))?;
    std::fs::remove_dir_all(&dir)?;
    std::process::exit(summary.exit_code);
}
