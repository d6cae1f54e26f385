//! Bad input: every error is one line, `file:line:column: what was
//! expected`, and nothing panics.

use engine::inventory::{Inventory, InventoryError};
use std::path::Path;

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write input");
    path.display().to_string()
}

fn load_err(path: &str) -> String {
    match Inventory::load(&[path]) {
        Ok(_) => panic!("{path} loaded, expected an error"),
        Err(e) => {
            let text = e.to_string();
            assert!(!text.contains('\n'), "error is not one line: {text}");
            text
        }
    }
}

#[test]
fn malformed_yaml_names_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "hosts.yml", "all:\n  hosts:\n    h1: [1, 2\n");
    let e = load_err(&p);
    assert!(e.starts_with(&format!("{p}:")), "{e}");
    let pos: Vec<&str> = e[p.len() + 1..].splitn(3, ':').collect();
    assert!(
        pos[0].parse::<u32>().is_ok() && pos[1].parse::<u32>().is_ok(),
        "{e}"
    );
}

#[test]
fn yaml_hosts_as_list_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "hosts.yml",
        "all:\n  hosts:\n    - a\n    - b\n",
    );
    let e = load_err(&p);
    assert_eq!(
        e,
        format!("{p}:3:5: expected a mapping of hosts for `hosts`, found a sequence")
    );
}

#[test]
fn malformed_ini_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "hosts.ini", "[web]\nh1\n[web:bogus]\n");
    assert_eq!(
        load_err(&p),
        format!(
            "{p}:3:1: section `[web:bogus]` has an unknown type: expected `vars` or `children`"
        )
    );
    let p = write(dir.path(), "h2.ini", "[web]\n  h1 ansible_port\n");
    assert_eq!(
        load_err(&p),
        format!("{p}:2:3: expected `key=value` host variable assignment, found `ansible_port`")
    );
    let p = write(dir.path(), "h3.ini", "[web]\nh1 x=\"open\n");
    assert!(load_err(&p).starts_with(&format!(
        "{p}:2:1: expected a host line with balanced quotes"
    )));
    let p = write(dir.path(), "h4.ini", "[web]\nh1:\n");
    assert!(load_err(&p).starts_with(&format!("{p}:2:1: invalid host pattern `h1:`")));
    let p = write(dir.path(), "h5.ini", "[web:vars]\nx=1\n");
    assert!(load_err(&p).starts_with(&format!(
        "{p}:1:1: section `[web:vars]` is for a group that is never defined"
    )));
}

#[test]
fn group_that_is_its_own_ancestor_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "loop.ini",
        "[a:children]\nb\n[b:children]\nc\n[c:children]\na\n",
    );
    let e = load_err(&p);
    assert_eq!(e, format!("{p}:6:1: adding group `a` to `c` creates a loop: expected a group that is not its own ancestor"));
    let p = write(
        dir.path(),
        "self.yml",
        "all:\n  children:\n    a:\n      children:\n        a:\n",
    );
    assert!(load_err(&p).contains("adding group `a` to `a` creates a loop"));
}

#[test]
fn bad_ranges_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    for (line, expected) in [
        (
            "web[01:100]",
            "expected begin and end of equal length when begin has a leading zero",
        ),
        ("web[c:a]", "expected begin <= end in an alphabetic range"),
        ("web[1:]", "expected an end value after `:`"),
        (
            "web[1:x]",
            "expected numbers (or single letters) as bounds and a positive step",
        ),
    ] {
        let p = write(dir.path(), "r.ini", &format!("[g]\n{line}\n"));
        assert_eq!(
            load_err(&p),
            format!("{p}:2:1: bad host range in `{line}`: {expected}")
        );
    }
    let p = write(dir.path(), "r.yml", "all:\n  hosts:\n    web[5:1:0]:\n");
    assert!(load_err(&p).starts_with(&format!("{p}:3:5: bad host range")));
}

#[test]
fn unreadable_and_missing_sources_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.ini").display().to_string();
    assert!(matches!(
        Inventory::load(&[&missing]),
        Err(InventoryError::SourceNotFound { .. })
    ));
    let p = write(dir.path(), "bin.ini", "");
    std::fs::write(&p, [0xff, 0xfe, b'\n']).unwrap();
    assert!(load_err(&p).starts_with(&format!("{p}:1:1: cannot read: expected UTF-8 text")));
    let gv = dir.path().join("group_vars");
    std::fs::create_dir(&gv).unwrap();
    write(&gv, "all.yml", "- a list\n");
    let p = write(dir.path(), "ok.ini", "h1\n");
    assert_eq!(
        load_err(&p),
        format!(
            "{}:1:1: vars file must hold a mapping, found list",
            gv.join("all.yml").display()
        )
    );
}

/// Inventory errors are rendered as playbook errors are: the message, the
/// place, the source line and a caret under the column.
#[test]
fn cli_shows_the_source_line_with_a_caret_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "hosts.ini", "[web]\nweb[01:100]\n");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_konvoy-image"))
        .args(["inventory", "-i", &p, "--list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        err,
        format!(
            "error: bad host range in `web[01:100]`: expected begin and end of equal length \
             when begin has a leading zero\n --> {p}:2:1\n  |\n2 | web[01:100]\n  | ^\n"
        )
    );
}

#[test]
fn garbage_never_panics() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = [
        "[",
        "]",
        "[]",
        "[:]",
        "[a:b:c]",
        "h[",
        "h]",
        "h[[1:2]]",
        "h[1:2:3:4]",
        "=",
        "h =",
        "h x==",
        "[g:children]\n\n",
        "all:\n  - x",
        "all: [",
        "{",
        "---\n---\n",
        "h \"",
        "h '",
        "[g]\n---",
        "h[0:99999999999999999999]",
        "h[-1:2]",
        "h[1:2:-1]",
        "10.0.0.[1:300]",
        "[::1]]",
        "a:b:c:d",
    ];
    for (i, text) in inputs.iter().enumerate() {
        for ext in ["ini", "yml", ""] {
            let name = if ext.is_empty() {
                format!("f{i}")
            } else {
                format!("f{i}.{ext}")
            };
            let p = write(dir.path(), &name, text);
            if let Err(e) = Inventory::load(&[&p]) {
                assert!(!e.to_string().contains('\n'), "{name}: {e}");
            }
            std::fs::remove_file(dir.path().join(&name)).unwrap();
        }
    }
}
