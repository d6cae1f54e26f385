//! Which `ansible.cfg` is read: ansible-core 2.19's `find_ini_config_file`.
//!
//! The first of these that exists and is readable, and only that one:
//! `$ANSIBLE_CONFIG` (a directory means its `ansible.cfg`), `./ansible.cfg`
//! (skipped when the working directory is world-writable, with Ansible's
//! warning), `~/.ansible.cfg`, `/etc/ansible/ansible.cfg`.

use super::value::{self, Context};
use super::ConfigEnv;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

/// The file found (if any) and the world-writable warning (if due).
pub fn config_file(env: &ConfigEnv) -> (Option<PathBuf>, Option<String>) {
    let cx = Context {
        env: &env.vars,
        cwd: &env.cwd,
        home: env.home.as_deref(),
        base: None,
    };
    let mut candidates = Vec::new();
    let from_env = env.vars.get("ANSIBLE_CONFIG").map(|p| {
        let p = value::resolve_path(p, &cx);
        if p.is_dir() {
            p.join("ansible.cfg")
        } else {
            p
        }
    });
    candidates.extend(from_env.clone());
    let cwd_cfg = env.cwd.join("ansible.cfg");
    let world_writable = std::fs::metadata(&env.cwd)
        .map(|m| m.permissions().mode() & 0o002 != 0)
        .unwrap_or(false);
    let mut warn_public = false;
    if world_writable {
        warn_public = cwd_cfg.exists();
    } else {
        candidates.push(cwd_cfg);
    }
    if let Some(home) = &env.home {
        candidates.push(home.join(".ansible.cfg"));
    }
    candidates.push(env.system_config.clone());
    let found = candidates
        .into_iter()
        .find(|p| p.exists() && std::fs::File::open(p).is_ok());
    let warning = (warn_public && found != from_env).then(|| {
        format!(
            "Ansible is being run in a world writable directory ({}), ignoring it as an \
             ansible.cfg source. For more information see \
             https://docs.ansible.com/ansible/devel/reference_appendices/config.html#cfg-in-world-writable-dir",
            env.cwd.display()
        )
    });
    (found, warning)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(dir: &std::path::Path, vars: &[(&str, &str)]) -> ConfigEnv {
        ConfigEnv {
            vars: vars
                .iter()
                .map(|(k, v)| ((*k).into(), (*v).into()))
                .collect(),
            cwd: dir.join("cwd"),
            home: Some(dir.join("home")),
            system_config: dir.join("etc/ansible.cfg"),
        }
    }

    #[test]
    fn first_found_wins_and_world_writable_cwd_is_skipped() {
        let d = tempfile::tempdir().unwrap();
        for sub in ["cwd", "home", "etc", "other"] {
            std::fs::create_dir_all(d.path().join(sub)).unwrap();
        }
        let e = env(d.path(), &[]);
        assert_eq!(config_file(&e), (None, None));
        std::fs::write(d.path().join("etc/ansible.cfg"), "").unwrap();
        assert_eq!(config_file(&e).0, Some(d.path().join("etc/ansible.cfg")));
        std::fs::write(d.path().join("home/.ansible.cfg"), "").unwrap();
        assert_eq!(config_file(&e).0, Some(d.path().join("home/.ansible.cfg")));
        std::fs::write(d.path().join("cwd/ansible.cfg"), "").unwrap();
        assert_eq!(config_file(&e).0, Some(d.path().join("cwd/ansible.cfg")));
        std::fs::write(d.path().join("other/ansible.cfg"), "").unwrap();
        let from_env = env(d.path(), &[("ANSIBLE_CONFIG", "../other")]);
        assert_eq!(
            config_file(&from_env).0,
            Some(d.path().join("other/ansible.cfg"))
        );
        let cwd = d.path().join("cwd");
        std::fs::set_permissions(&cwd, std::fs::Permissions::from_mode(0o777)).unwrap();
        let (found, warning) = config_file(&e);
        assert_eq!(found, Some(d.path().join("home/.ansible.cfg")));
        assert!(warning.unwrap().contains("world writable directory"));
        assert_eq!(
            config_file(&from_env).1,
            None,
            "ANSIBLE_CONFIG wins: no warning"
        );
    }
}
