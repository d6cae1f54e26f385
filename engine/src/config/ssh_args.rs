//! The OpenSSH options of `ssh_args`, `ssh_common_args` and
//! `ssh_extra_args` (from `ansible.cfg`, `ANSIBLE_SSH_*ARGS` or the
//! `--ssh-common-args`/`--ssh-extra-args` flags): which ones konvoy-image's
//! own SSH client honours, which ones have nothing to do on it, and which
//! ones it refuses because it would silently not do them.
//!
//! - honoured: `StrictHostKeyChecking`, `UserKnownHostsFile`, `ProxyJump`
//!   (`-J`); they are passed on to the connection settings;
//! - no effect: connection sharing (`ControlMaster`, `ControlPersist`,
//!   `ControlPath`; there is one session per host), `-C`/`Compression`,
//!   keep-alives, `LogLevel`, `-q`/`-v`, `BatchMode` (nothing ever prompts),
//!   and forwarding or authentication methods turned *off* that the client
//!   never uses (`ForwardAgent=no`, `GSSAPIAuthentication=no`, ...);
//! - anything else is refused, naming the option.

/// How an option fares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SshArg {
    /// Passed on; the text to pass (`-o Key=Value`).
    Honoured(String),
    /// Accepted, with nothing to do; the option as written.
    NoEffect(String),
    /// Refused; the option as written and why.
    Refused(String, &'static str),
}

/// Options whose value does not matter to a client with one session per
/// host that never prompts.
const NO_EFFECT: &[&str] = &[
    "controlmaster",
    "controlpersist",
    "controlpath",
    "compression",
    "serveraliveinterval",
    "serveralivecountmax",
    "tcpkeepalive",
    "loglevel",
    "batchmode",
];

/// Options that are no-ops when turned off (the client never does them).
const OFF_IS_NO_EFFECT: &[&str] = &[
    "forwardagent",
    "forwardx11",
    "gssapiauthentication",
    "kbdinteractiveauthentication",
    "challengeresponseauthentication",
];

/// Splits `args` as Ansible's ssh plugin does (shell words) and classifies
/// every option.
pub fn classify(args: &str) -> Vec<SshArg> {
    let words = crate::shell::split_words_lossy(args);
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let w = words[i].as_str();
        i += 1;
        if w.is_empty() {
            continue;
        }
        if let Some(rest) = w.strip_prefix("-o") {
            let opt = if rest.is_empty() {
                i += 1;
                words.get(i - 1).cloned().unwrap_or_default()
            } else {
                rest.to_owned()
            };
            out.push(option(&opt));
            continue;
        }
        if let Some(rest) = w.strip_prefix("-J") {
            let host = if rest.is_empty() {
                i += 1;
                words.get(i - 1).cloned().unwrap_or_default()
            } else {
                rest.to_owned()
            };
            out.push(SshArg::Honoured(format!("-o ProxyJump={host}")));
            continue;
        }
        let written = w.to_owned();
        out.push(match w {
            "-C" | "-q" | "-x" | "-a" => SshArg::NoEffect(written),
            _ if w.starts_with("-v") && w[1..].chars().all(|c| c == 'v') => {
                SshArg::NoEffect(written)
            }
            "-i" => SshArg::Refused(
                written,
                "give the key with `private_key_file` or `--private-key`",
            ),
            "-p" => SshArg::Refused(
                written,
                "give the port with `remote_port` or `ansible_port`",
            ),
            "-l" => SshArg::Refused(written, "give the user with `remote_user` or `-u`"),
            _ => SshArg::Refused(written, "konvoy-image's SSH client has no such option"),
        });
    }
    out
}

/// One `-o` option (`Key=Value`, `Key Value`).
fn option(opt: &str) -> SshArg {
    let (key, value) = match opt.find(['=', ' ', '\t']) {
        Some(pos) => (
            &opt[..pos],
            opt[pos + 1..].trim_start_matches(['=', ' ', '\t']),
        ),
        None => (opt, ""),
    };
    let lower = key.to_ascii_lowercase();
    let written = format!("-o {opt}");
    match lower.as_str() {
        "stricthostkeychecking" | "userknownhostsfile" | "proxyjump" => {
            SshArg::Honoured(format!("-o {key}={value}"))
        }
        k if NO_EFFECT.contains(&k) => SshArg::NoEffect(written),
        k if OFF_IS_NO_EFFECT.contains(&k)
            && matches!(value.to_ascii_lowercase().as_str(), "no" | "off") =>
        {
            SshArg::NoEffect(written)
        }
        "identitiesonly" => SshArg::Refused(
            written,
            "konvoy-image offers the configured key first and the ssh-agent's keys after it",
        ),
        "port" => SshArg::Refused(
            written,
            "give the port with `remote_port` or `ansible_port`",
        ),
        "user" => SshArg::Refused(written, "give the user with `remote_user` or `-u`"),
        "identityfile" => SshArg::Refused(
            written,
            "give the key with `private_key_file` or `--private-key`",
        ),
        _ => SshArg::Refused(
            written,
            "konvoy-image's SSH client does not implement this option",
        ),
    }
}

/// The honoured options of `args`, as one string for the connection
/// settings (`None` when there are none).
pub fn honoured(args: &str) -> Option<String> {
    let kept: Vec<String> = classify(args)
        .into_iter()
        .filter_map(|a| match a {
            SshArg::Honoured(t) => Some(t),
            _ => None,
        })
        .collect();
    (!kept.is_empty()).then(|| kept.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ansible_default_and_kubespray_style_args() {
        let default = classify("-C -o ControlMaster=auto -o ControlPersist=60s");
        assert!(
            default.iter().all(|a| matches!(a, SshArg::NoEffect(_))),
            "{default:?}"
        );
        let args = classify(
            "-o ControlMaster=auto -o ControlPersist=30m -o ConnectionAttempts=100 \
             -o UserKnownHostsFile=/dev/null -oStrictHostKeyChecking=no -J ops@bastion:2222",
        );
        assert_eq!(
            args,
            vec![
                SshArg::NoEffect("-o ControlMaster=auto".into()),
                SshArg::NoEffect("-o ControlPersist=30m".into()),
                SshArg::Refused(
                    "-o ConnectionAttempts=100".into(),
                    "konvoy-image's SSH client does not implement this option"
                ),
                SshArg::Honoured("-o UserKnownHostsFile=/dev/null".into()),
                SshArg::Honoured("-o StrictHostKeyChecking=no".into()),
                SshArg::Honoured("-o ProxyJump=ops@bastion:2222".into()),
            ]
        );
        assert_eq!(
            honoured("-C -o 'StrictHostKeyChecking accept-new' -R 80:x:80").as_deref(),
            Some("-o StrictHostKeyChecking=accept-new")
        );
        assert!(matches!(classify("-R 80:x:80")[0], SshArg::Refused(..)));
        assert!(matches!(
            classify("-o ForwardAgent=yes")[0],
            SshArg::Refused(..)
        ));
        assert!(matches!(
            classify("-o ForwardAgent=no")[0],
            SshArg::NoEffect(..)
        ));
        assert!(matches!(classify("-vvv")[0], SshArg::NoEffect(..)));
    }
}
