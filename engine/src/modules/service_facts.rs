//! `service_facts`: the host's services as `ansible_facts.services`
//! (name → `name`, `state`, `status`, `source`), which the executor merges
//! into the host's facts. As Ansible on Linux: SysV scripts from
//! `service --status-all` (when there is no `chkconfig` or OpenRC), Red Hat
//! style from `chkconfig` and `service NAME status`, then systemd units
//! from `systemctl list-units` and `list-unit-files` when systemd manages
//! the host; later sources override earlier ones. One read-only command.
//!
//! Not implemented: upstart (`initctl`) and OpenRC listings (those hosts
//! get the other sources only), AIX, BSD.

use super::args::{ArgError, ArgMap};
use super::context::ModuleContext;
use super::outcome::{ModuleError, Outcome};
use super::Module;
use crate::value::{Map, Value};

/// The `service_facts` module (no arguments).
pub struct ServiceFactsModule;

const SCRIPT: &str = r#"loc=C; for l in C.utf8 C.UTF-8 en_US.utf8 en_US.UTF-8; do
  if locale -a 2>/dev/null | grep -qx "$l"; then loc=$l; break; fi; done
export LANG=$loc LC_ALL=$loc
svc=$(command -v service); chk=$(command -v chkconfig); rcs=$(command -v rc-status)
if [ -n "$svc" ] && [ -z "$chk" ] && [ -z "$rcs" ]; then
  o=$("$svc" --status-all 2>/dev/null); rc=$?
  if [ "$rc" = 4 ] && [ ! -e /etc/init.d ]; then :; else
    echo "@@sysv $rc"; printf '%s\n' "$o"; echo @@end; fi
fi
if [ -n "$chk" ]; then
  echo @@rh; "$chk" 2>/dev/null | while IFS= read -r line; do
    n=${line%%[ 	]*}
    case "$line" in *" 3:on"*) st=enabled;; *) st=disabled;; esac
    case "$line" in *" 0:o"*" 6:o"*) "$svc" "$n" status >/dev/null 2>&1; echo "rh $n $st $?";; esac
  done; echo @@end
fi
sd=$(command -v systemctl)
if [ -n "$sd" ]; then
  m=no
  for c in /run/systemd/system/ /dev/.run/systemd/ /dev/.systemd/; do [ -e "$c" ] && m=yes; done
  [ "$m" = no ] && [ "$(cat /proc/1/comm 2>/dev/null)" = systemd ] && m=yes
  if [ "$m" = yes ]; then
    u=$("$sd" list-units --no-pager --type service --all --plain 2>/dev/null)
    echo @@units; printf '%s\n' "$u" | grep '\.service'; echo @@end
    f=$("$sd" list-unit-files --no-pager --type service --all 2>/dev/null)
    echo @@files; printf '%s\n' "$f" | grep '\.service'; echo @@end
    names=$(printf '%s\n' "$u" | grep '\.service' | awk '{print $1}')
    echo @@show
    for n in $(printf '%s\n' "$f" | grep '\.service' | awk '{print $1}'); do
      printf '%s\n' "$names" | grep -qxF -- "$n" && continue
      s=$("$sd" show "$n" --property=ActiveState 2>/dev/null) && [ -n "$s" ] && echo "$n ${s#ActiveState=}" || echo "$n unknown"
    done
    echo @@end
  fi
fi
exit 0
"#;

impl Module for ServiceFactsModule {
    type Args = ();
    const PROBES: bool = true;

    fn parse(args: &mut ArgMap) -> Result<(), ArgError> {
        args.finish(&[])
    }

    fn probes(_: &()) -> Vec<String> {
        vec![SCRIPT.to_owned()]
    }

    fn run(_: &(), ctx: &mut ModuleContext<'_>) -> Result<Outcome, ModuleError> {
        let out = ctx.probe(SCRIPT)?.stdout_str();
        let services = parse(&out);
        if services.is_empty() {
            let mut o = Outcome::ok().with(
                "msg",
                "Failed to find any services. This can be due to privileges or some other configuration issue.",
            );
            o.skipped = true;
            return Ok(o);
        }
        let mut facts = Map::new();
        facts.insert("services".into(), Value::Map(services));
        Ok(Outcome::ok().with("ansible_facts", Value::Map(facts)))
    }
}

fn entry(name: &str, state: &str, status: Option<&str>, source: &str) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), Value::from(name));
    m.insert("state".into(), Value::from(state));
    if let Some(s) = status {
        m.insert("status".into(), Value::from(s));
    }
    m.insert("source".into(), Value::from(source));
    Value::Map(m)
}

const BAD_STATES: &[&str] = &["not-found", "masked", "failed"];

/// Reads the probe's sections into the `services` map.
fn parse(out: &str) -> Map {
    let mut services = Map::new();
    let mut section = "";
    for line in out.lines() {
        if line == "@@end" {
            section = "";
            continue;
        }
        if let Some(s) = line.strip_prefix("@@") {
            section = s.split_whitespace().next().unwrap_or("");
            continue;
        }
        match section {
            "sysv" => {
                // `^\s*\[ (\+|\-) \]\s+(.+)$`
                let t = line.trim_start();
                let Some(rest) = t.strip_prefix("[ ") else {
                    continue;
                };
                let (sign, name) = (rest.chars().next(), rest.get(1..).unwrap_or(""));
                let Some(after) = name.strip_prefix(" ]") else {
                    continue;
                };
                if !after.starts_with(char::is_whitespace) || !matches!(sign, Some('+' | '-')) {
                    continue;
                }
                let name = after.trim_start();
                if name.is_empty() {
                    continue;
                }
                let state = if sign == Some('+') {
                    "running"
                } else {
                    "stopped"
                };
                services.insert(name.to_owned(), entry(name, state, None, "sysv"));
            }
            "rh" => {
                let f: Vec<&str> = line.split_whitespace().collect();
                if let ["rh", name, status, rc] = f[..] {
                    let state = if rc == "0" { "running" } else { "stopped" };
                    services.insert((*name).to_owned(), entry(name, state, Some(status), "sysv"));
                }
            }
            "units" => {
                let f: Vec<&str> = line.split_whitespace().collect();
                if f.len() < 4 {
                    continue;
                }
                let head = &f[..f.len() - 1];
                let status = BAD_STATES
                    .iter()
                    .find(|b| head.contains(b))
                    .copied()
                    .unwrap_or(f[2]);
                let state = if f[3] == "running" {
                    "running"
                } else {
                    "stopped"
                };
                services.insert(f[0].to_owned(), entry(f[0], state, Some(status), "systemd"));
            }
            "files" => {
                let f: Vec<&str> = line.split_whitespace().collect();
                let [name, status, ..] = f[..] else { continue };
                match services.get_mut(name) {
                    Some(Value::Map(m)) => {
                        let bad = m
                            .get("status")
                            .and_then(Value::as_str)
                            .is_some_and(|s| BAD_STATES.contains(&s));
                        if !bad {
                            m.insert("status".into(), Value::from(status));
                        }
                    }
                    _ => {
                        // Filled in by the `show` section.
                        services.insert(
                            name.to_owned(),
                            entry(name, "unknown", Some(status), "systemd"),
                        );
                    }
                }
            }
            "show" => {
                let (name, state) = line.split_once(' ').unwrap_or((line, "unknown"));
                if let Some(Value::Map(m)) = services.get_mut(name) {
                    m.insert("state".into(), Value::from(state.trim_end()));
                }
            }
            _ => {}
        }
    }
    services
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_merge_as_ansible() {
        let out = "@@sysv 0\n [ + ]  ssh\n [ - ]  konvoy-svc\n@@end\n\
                   @@units\nssh.service loaded active running OpenBSD\nx.service not-found inactive dead x.service\n@@end\n\
                   @@files\nssh.service enabled enabled\ny.service disabled enabled\nx.service masked enabled\n@@end\n\
                   @@show\ny.service inactive\n@@end\n";
        let s = parse(out);
        let get = |n: &str, k: &str| match &s[n] {
            Value::Map(m) => m.get(k).and_then(Value::as_str).unwrap_or("").to_owned(),
            _ => String::new(),
        };
        assert_eq!(get("ssh", "state"), "running");
        assert_eq!(get("konvoy-svc", "source"), "sysv");
        assert_eq!(get("ssh.service", "status"), "enabled");
        assert_eq!(get("x.service", "status"), "not-found");
        assert_eq!(get("y.service", "state"), "inactive");
    }
}
