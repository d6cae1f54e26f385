use crate::harness::{Fleet, Os};
use engine::transport::{connect, ExecRequest};

#[test]
fn one_host_runs_a_command() {
    let fleet = Fleet::builder().host(Os::Centos7).start();
    let host = &fleet.hosts()[0];
    let mut t = connect(&fleet.spec(host), &fleet.connect_options()).unwrap();
    let out = t.exec(&ExecRequest::new("cat /etc/os-release; hostname; echo err >&2; exit 3")).unwrap();
    assert!(out.stdout_str().contains("CentOS Linux 7"), "{}", out.stdout_str());
    assert!(out.stdout_str().contains("node1"));
    assert_eq!(out.stderr_str(), "err\n");
    assert_eq!(out.rc, 3);
}
