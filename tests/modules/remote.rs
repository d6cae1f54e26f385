//! `TransportRemote`, the executor's `Remote` over a real transport:
//! environment, become, put and fetch.

use super::NASTY;
use crate::harness::{Fleet, Os, SUDO_USER};
use engine::modules::Remote;
use engine::run::remote::TransportRemote;
use engine::transport::{connect, Become, BecomeMethod, Privilege};
use std::os::unix::fs::MetadataExt;

#[test]
fn remote_applies_env_and_become_and_moves_files() {
    let fleet = Fleet::builder().host(Os::Flatcar).start();
    let host = &fleet.hosts()[0];
    let mut spec = fleet.spec(host);
    spec.user = Some(SUDO_USER.to_owned());
    spec.become_ = Some(Become {
        method: BecomeMethod::Sudo,
        user: "root".into(),
        password: None,
        flags: None,
        exe: None,
    });
    let mut t = connect(&spec, &fleet.connect_options()).unwrap();

    let mut user = TransportRemote::new(t.as_mut()).env(vec![("GREETING".into(), NASTY.into())]);
    let out = user
        .exec("id -un; printf '%s' \"$GREETING\"", None)
        .unwrap();
    assert_eq!(out.stdout_str(), format!("{SUDO_USER}\n{NASTY}"));
    let out = user.exec("cat", Some(b"from stdin")).unwrap();
    assert_eq!(out.stdout, b"from stdin");

    let mut root = TransportRemote::new(t.as_mut()).privilege(Privilege::Become);
    assert_eq!(root.exec("id -u", None).unwrap().stdout_str(), "0\n");
    // A plain name: the transport's put cannot take a path that needs
    // quoting yet (its EXIT trap nests the quoted temp name in single
    // quotes); the modules write files through `exec` instead.
    let dest = "/etc/remote-put.bin".to_owned();
    let data: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    root.put(&data, &dest, Some(0o600)).unwrap();
    let on_host = host.root().join(dest.trim_start_matches('/'));
    assert_eq!(std::fs::read(&on_host).unwrap(), data);
    let md = std::fs::metadata(&on_host).unwrap();
    assert_eq!((md.uid(), md.mode() & 0o7777), (0, 0o600));
    assert_eq!(root.fetch(&dest).unwrap(), data);
    assert!(root.fetch("/etc/no-such-file").is_err());
}
