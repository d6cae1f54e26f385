//! `iptables`: one rule, a chain's policy, a flush, or a chain, with the
//! `iptables`/`ip6tables` commands as Ansible's module drives them.
//!
//! Every option of ansible-core 2.19's module is supported; the rule's
//! arguments are built in the module's order (`construct_rule`), a rule
//! is looked for with `-C` and added with `-A`/`-I` or removed with `-D`.
//! The `wait` option is passed as given (iptables 1.6 or later, which
//! takes seconds, is assumed). Results: `ip_version`, `table`, `chain`,
//! `flush`, `rule`, `state`, `chain_management`, `wait`.

use super::args::{ArgError, ArgMap};
use super::capture::{Records, Script};
use super::context::ModuleContext;
use super::outcome::{ModuleError, Outcome};
use super::Module;
use crate::shell::quote;
use crate::value::Value;

/// Arguments of `iptables`.
#[derive(Debug, Clone, Default)]
pub struct IptablesArgs {
    table: String,
    present: bool,
    insert: bool,
    ip_version: String,
    chain: Option<String>,
    rule_num: Option<String>,
    wait: Option<String>,
    flush: bool,
    policy: Option<String>,
    chain_management: bool,
    numeric: bool,
    rule: Vec<String>,
    command_rule: Vec<String>,
    log_with_other_jump: bool,
}

/// The `iptables` module.
pub struct IptablesModule;

const STR_OPTS: &[&str] = &[
    "protocol",
    "source",
    "destination",
    "to_source",
    "to_destination",
    "jump",
    "gateway",
    "log_prefix",
    "log_level",
    "goto",
    "in_interface",
    "out_interface",
    "fragment",
    "set_counters",
    "source_port",
    "destination_port",
    "to_ports",
    "set_dscp_mark",
    "set_dscp_mark_class",
    "comment",
    "src_range",
    "dst_range",
    "match_set",
    "match_set_flags",
    "limit",
    "limit_burst",
    "uid_owner",
    "gid_owner",
    "reject_with",
    "icmp_type",
];

impl Module for IptablesModule {
    type Args = IptablesArgs;
    const PROBES: bool = true;

    fn parse(args: &mut ArgMap) -> Result<IptablesArgs, ArgError> {
        let mut p = std::collections::HashMap::new();
        for k in STR_OPTS {
            if let Some(v) = args.str(&[k])? {
                p.insert(*k, v);
            }
        }
        if let Some(l) = p.get("log_level") {
            let ok = [
                "0", "1", "2", "3", "4", "5", "6", "7", "emerg", "alert", "crit", "error",
                "warning", "notice", "info", "debug",
            ];
            if !ok.contains(&l.as_str()) {
                return Err(ArgError::Choice {
                    name: "log_level".into(),
                    choices: ok.join(", "),
                    got: l.clone(),
                });
            }
        }
        let list = |args: &mut ArgMap, k: &str| -> Result<Vec<String>, ArgError> {
            Ok(args.list(&[k])?.unwrap_or_default())
        };
        let matches = list(args, "match")?;
        let ports = list(args, "destination_ports")?;
        let ctstate = list(args, "ctstate")?;
        let tcp_flags = args.map(&["tcp_flags"])?;
        let syn = args
            .choice(&["syn"], &["ignore", "match", "negate"])?
            .unwrap_or_else(|| "ignore".into());
        let ip_version = args
            .choice(&["ip_version"], &["ipv4", "ipv6", "both"])?
            .unwrap_or_else(|| "ipv4".into());
        let flush = args.bool(&["flush"])?.unwrap_or(false);
        let policy = args.choice(&["policy"], &["ACCEPT", "DROP", "QUEUE", "RETURN"])?;
        let chain = args.str(&["chain"])?;
        if p.contains_key("set_dscp_mark") && p.contains_key("set_dscp_mark_class") {
            return Err(ArgError::Invalid(
                "parameters are mutually exclusive: set_dscp_mark|set_dscp_mark_class".into(),
            ));
        }
        if flush && policy.is_some() {
            return Err(ArgError::Invalid(
                "parameters are mutually exclusive: flush|policy".into(),
            ));
        }
        for k in ["set_dscp_mark", "set_dscp_mark_class"] {
            if p.contains_key(k) && !p.contains_key("jump") {
                return Err(ArgError::Invalid(format!(
                    "missing parameter(s) required by '{k}': jump"
                )));
            }
        }
        if p.get("jump").is_some_and(|j| j == "TEE" || j == "tee") && !p.contains_key("gateway") {
            let j = p.get("jump").cloned().unwrap_or_default();
            return Err(ArgError::Invalid(format!(
                "jump is {j} but all of the following are missing: gateway"
            )));
        }
        if !flush && chain.is_none() {
            return Err(ArgError::Invalid(
                "flush is False but all of the following are missing: chain".into(),
            ));
        }
        let logging = p.contains_key("log_prefix") || p.contains_key("log_level");
        let log_without_jump = logging && !p.contains_key("jump");
        let log_with_other_jump = logging && p.get("jump").is_some_and(|j| j != "LOG");
        let parsed = IptablesArgs {
            table: args
                .choice(&["table"], &["filter", "nat", "mangle", "raw", "security"])?
                .unwrap_or_else(|| "filter".into()),
            present: args.choice(&["state"], &["absent", "present"])?.as_deref() != Some("absent"),
            insert: args.choice(&["action"], &["append", "insert"])?.as_deref() == Some("insert"),
            rule: construct_rule(
                &p,
                &matches,
                &ports,
                &ctstate,
                tcp_flags.as_ref(),
                &syn,
                &ip_version,
            ),
            // Logging options without a jump: the module reports the rule
            // as given but runs it with `-j LOG` (it sets the jump after
            // building the reported rule).
            command_rule: {
                let mut q = p.clone();
                if log_without_jump {
                    q.insert("jump", "LOG".to_owned());
                }
                construct_rule(
                    &q,
                    &matches,
                    &ports,
                    &ctstate,
                    tcp_flags.as_ref(),
                    &syn,
                    &ip_version,
                )
            },
            ip_version,
            chain,
            rule_num: args.str(&["rule_num"])?,
            wait: args.str(&["wait"])?,
            flush,
            policy,
            chain_management: args.bool(&["chain_management"])?.unwrap_or(false),
            numeric: args.bool(&["numeric"])?.unwrap_or(false),
            log_with_other_jump,
        };
        let mut names: Vec<&str> = STR_OPTS.to_vec();
        names.extend([
            "table",
            "state",
            "action",
            "ip_version",
            "chain",
            "rule_num",
            "wait",
            "match",
            "tcp_flags",
            "destination_ports",
            "ctstate",
            "syn",
            "flush",
            "policy",
            "chain_management",
            "numeric",
        ]);
        args.finish(&names)?;
        Ok(parsed)
    }

    fn probes(a: &IptablesArgs) -> Vec<String> {
        vec![probe(a).text().to_owned()]
    }

    fn run(a: &IptablesArgs, ctx: &mut ModuleContext<'_>) -> Result<Outcome, ModuleError> {
        let opt = |v: &Option<String>| v.clone().map(Value::Str).unwrap_or(Value::Null);
        let mut o = Outcome::ok()
            .with("failed", Value::Bool(false))
            .with("ip_version", a.ip_version.as_str())
            .with("table", a.table.as_str())
            .with("chain", opt(&a.chain))
            .with("flush", a.flush)
            .with("rule", a.rule.join(" "))
            .with("state", if a.present { "present" } else { "absent" })
            .with("chain_management", a.chain_management)
            .with("wait", opt(&a.wait));
        if a.log_with_other_jump {
            return Ok(Outcome::fail_json(
                "Logging options can only be used with the LOG jump target.",
            ));
        }
        let r = Records::parse(&ctx.probe(probe(a).text())?.stdout)?;
        let mut changed = false;
        let mut s = Script::new();
        let policy_re = regex::Regex::new(r"\(policy ([A-Z]+)\)").expect("valid regex");
        for (i, bin) in binaries(a).iter().enumerate() {
            if !r.succeeded(&format!("bin{i}")) {
                return Ok(Outcome::fail_json(format!(
                    "Failed to find required executable \"{bin}\" in paths: {}",
                    r.out_ok("path").unwrap_or("").trim()
                )));
            }
            let tag = |t: &str| format!("{t}{i}");
            if a.flush {
                changed = true;
                s = s.capture_or_stop(leak(tag("act")), &command(bin, "-F", a, false));
            } else if let Some(policy) = &a.policy {
                let list = r.get(&tag("list")).cloned().unwrap_or_default();
                if !list.ok() {
                    return Ok(check_rc_fail(&command(bin, "-L", a, false), &list));
                }
                let header = list.out.split('\n').next().unwrap_or("");
                let Some(current) = policy_re.captures(header).map(|c| c[1].to_owned()) else {
                    return Ok(Outcome::fail_json("Can't detect current policy"));
                };
                if current != *policy {
                    changed = true;
                    s = s.capture_or_stop(
                        leak(tag("act")),
                        &format!("{} {}", command(bin, "-P", a, false), quote(policy)),
                    );
                }
            } else if a.rule.is_empty() {
                let present = r.succeeded(&tag("list"));
                if a.present != present {
                    changed = true;
                    if a.chain_management {
                        let flag = if a.present { "-N" } else { "-X" };
                        s = s.capture_or_stop(leak(tag("act")), &command(bin, flag, a, false));
                    }
                }
            } else {
                let present = r.succeeded(&tag("check"));
                if present != a.present {
                    changed = true;
                    let flag = match (a.present, a.insert) {
                        (true, true) => "-I",
                        (true, false) => "-A",
                        _ => "-D",
                    };
                    s = s.capture_or_stop(leak(tag("act")), &command(bin, flag, a, true));
                }
            }
        }
        if !ctx.check_mode() && !s.is_empty() {
            let rec = Records::parse(&ctx.apply(s.text(), None)?.stdout)?;
            for i in 0..binaries(a).len() {
                if let Some(c) = rec.get(&format!("act{i}")).filter(|c| !c.ok()) {
                    return Ok(check_rc_fail("", c));
                }
            }
        }
        o.changed = changed;
        Ok(o)
    }
}

/// Tags are `&'static str` in [`Script`]; the few per-binary ones are
/// interned here.
fn leak(s: String) -> &'static str {
    match s.as_str() {
        "act0" => "act0",
        "act1" => "act1",
        _ => "act",
    }
}

/// `run_command(..., check_rc=True)` failing.
fn check_rc_fail(cmd: &str, c: &super::capture::Captured) -> Outcome {
    let mut o = Outcome::fail_json(c.err.trim_end().to_owned())
        .with("rc", Value::Int(c.rc.into()))
        .with("stdout", c.out.as_str())
        .with("stderr", c.err.as_str());
    if !cmd.is_empty() {
        o = o.with("cmd", cmd);
    }
    o
}

fn binaries(a: &IptablesArgs) -> Vec<&'static str> {
    match a.ip_version.as_str() {
        "both" => vec!["iptables", "ip6tables"],
        "ipv6" => vec!["ip6tables"],
        _ => vec!["iptables"],
    }
}

/// `push_arguments`.
fn command(bin: &str, action: &str, a: &IptablesArgs, rule: bool) -> String {
    let mut words: Vec<String> = vec![
        bin.to_owned(),
        "-t".into(),
        a.table.clone(),
        action.into(),
        a.chain.clone().unwrap_or_default(),
    ];
    if action == "-I" {
        if let Some(n) = a.rule_num.as_ref().filter(|n| !n.is_empty()) {
            words.push(n.clone());
        }
    }
    if let Some(w) = a.wait.as_ref().filter(|w| !w.is_empty()) {
        words.push("-w".into());
        words.push(w.clone());
    }
    if rule {
        words.extend(a.command_rule.iter().cloned());
    }
    if action == "-L" && a.numeric {
        words.push("--numeric".into());
    }
    words
        .iter()
        .map(|w| quote(w).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

fn probe(a: &IptablesArgs) -> Script {
    let mut s = Script::new().capture("path", "printf %s \"$PATH\"");
    for (i, bin) in binaries(a).iter().enumerate() {
        let b = format!("bin{i}");
        s = s.capture(leak_bin(&b), &format!("command -v {bin}"));
        if a.flush {
            continue;
        }
        if a.policy.is_some() || a.rule.is_empty() {
            s = s.capture(leak_list(i), &command(bin, "-L", a, false));
        } else {
            s = s.capture(leak_check(i), &command(bin, "-C", a, true));
        }
    }
    s
}

fn leak_bin(s: &str) -> &'static str {
    if s == "bin1" {
        "bin1"
    } else {
        "bin0"
    }
}

fn leak_list(i: usize) -> &'static str {
    if i == 1 {
        "list1"
    } else {
        "list0"
    }
}

fn leak_check(i: usize) -> &'static str {
    if i == 1 {
        "check1"
    } else {
        "check0"
    }
}

/// `construct_rule`, in the module's order.
fn construct_rule(
    p: &std::collections::HashMap<&str, String>,
    matches: &[String],
    ports: &[String],
    ctstate: &[String],
    tcp_flags: Option<&crate::value::Map>,
    syn: &str,
    ip_version: &str,
) -> Vec<String> {
    let mut rule: Vec<String> = Vec::new();
    let get = |k: &str| p.get(k).cloned();
    let param = |rule: &mut Vec<String>, v: Option<String>, flag: &str, _list: bool| {
        if let Some(v) = v {
            if let Some(rest) = v.strip_prefix('!') {
                rule.extend(["!".to_owned(), flag.to_owned(), rest.to_owned()]);
            } else {
                rule.extend([flag.to_owned(), v]);
            }
        }
    };
    let jump = get("jump");
    param(&mut rule, get("protocol"), "-p", false);
    param(&mut rule, get("source"), "-s", false);
    param(&mut rule, get("destination"), "-d", false);
    for m in matches {
        // `append_param` with a list: each match, `!` negating it.
        if let Some(rest) = m.strip_prefix('!') {
            rule.extend(["!".into(), "-m".into(), rest.to_owned()]);
        } else {
            rule.extend(["-m".into(), m.clone()]);
        }
    }
    if let Some(f) = tcp_flags {
        let list = |k: &str| {
            f.get(k).and_then(Value::as_list).map(|l| {
                l.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect::<Vec<_>>()
                    .join(",")
            })
        };
        if let (Some(fl), Some(set)) = (list("flags"), list("flags_set")) {
            rule.extend(["--tcp-flags".into(), fl, set]);
        }
    }
    param(&mut rule, jump.clone(), "-j", false);
    if jump
        .as_deref()
        .is_some_and(|j| j.eq_ignore_ascii_case("tee"))
    {
        param(&mut rule, get("gateway"), "--gateway", false);
    }
    param(&mut rule, get("log_prefix"), "--log-prefix", false);
    param(&mut rule, get("log_level"), "--log-level", false);
    param(&mut rule, get("to_destination"), "--to-destination", false);
    if !ports.is_empty() {
        rule.extend([
            "-m".into(),
            "multiport".into(),
            "--dports".into(),
            ports.join(","),
        ]);
    }
    param(&mut rule, get("to_source"), "--to-source", false);
    param(&mut rule, get("goto"), "-g", false);
    param(&mut rule, get("in_interface"), "-i", false);
    param(&mut rule, get("out_interface"), "-o", false);
    param(&mut rule, get("fragment"), "-f", false);
    param(&mut rule, get("set_counters"), "-c", false);
    param(&mut rule, get("source_port"), "--source-port", false);
    param(
        &mut rule,
        get("destination_port"),
        "--destination-port",
        false,
    );
    param(&mut rule, get("to_ports"), "--to-ports", false);
    param(&mut rule, get("set_dscp_mark"), "--set-dscp", false);
    let not_dscp = jump
        .as_deref()
        .is_some_and(|j| !j.eq_ignore_ascii_case("dscp"));
    if get("set_dscp_mark").is_some_and(|v| !v.is_empty()) && not_dscp {
        rule.extend(["-j".into(), "DSCP".into()]);
    }
    param(
        &mut rule,
        get("set_dscp_mark_class"),
        "--set-dscp-class",
        false,
    );
    if get("set_dscp_mark_class").is_some_and(|v| !v.is_empty()) && not_dscp {
        rule.extend(["-j".into(), "DSCP".into()]);
    }
    match syn {
        "match" => rule.push("--syn".into()),
        "negate" => rule.extend(["!".into(), "--syn".into()]),
        _ => {}
    }
    let csv = |rule: &mut Vec<String>, flag: &str| {
        if !ctstate.is_empty() {
            rule.extend([flag.to_owned(), ctstate.join(",")]);
        }
    };
    if matches.iter().any(|m| m == "conntrack") {
        csv(&mut rule, "--ctstate");
    } else if matches.iter().any(|m| m == "state") {
        csv(&mut rule, "--state");
    } else if !ctstate.is_empty() {
        rule.extend(["-m".into(), "conntrack".into()]);
        csv(&mut rule, "--ctstate");
    }
    let nonempty = |k: &str| get(k).filter(|v| !v.is_empty());
    if matches.iter().any(|m| m == "iprange") {
        param(&mut rule, get("src_range"), "--src-range", false);
        param(&mut rule, get("dst_range"), "--dst-range", false);
    } else if nonempty("src_range").is_some() || nonempty("dst_range").is_some() {
        rule.extend(["-m".into(), "iprange".into()]);
        param(&mut rule, get("src_range"), "--src-range", false);
        param(&mut rule, get("dst_range"), "--dst-range", false);
    }
    let set_flags = |rule: &mut Vec<String>| {
        // `append_match_flag(rule, 'match', flags, False)`: the flags value
        // is the flag itself.
        if let Some(f) = get("match_set_flags") {
            rule.push(f);
        }
    };
    if matches.iter().any(|m| m == "set") {
        param(&mut rule, get("match_set"), "--match-set", false);
        set_flags(&mut rule);
    } else if nonempty("match_set").is_some() {
        rule.extend(["-m".into(), "set".into()]);
        param(&mut rule, get("match_set"), "--match-set", false);
        set_flags(&mut rule);
    }
    if nonempty("limit").is_some() || nonempty("limit_burst").is_some() {
        rule.extend(["-m".into(), "limit".into()]);
    }
    param(&mut rule, get("limit"), "--limit", false);
    param(&mut rule, get("limit_burst"), "--limit-burst", false);
    for k in ["uid_owner", "gid_owner"] {
        if let Some(v) = nonempty(k) {
            rule.extend(["-m".into(), "owner".into()]);
            let flag = if k == "uid_owner" {
                "--uid-owner"
            } else {
                "--gid-owner"
            };
            // `append_match_flag` with the owner value ('match'/'negate').
            if v == "match" {
                rule.push(flag.into());
            } else if v == "negate" {
                rule.extend(["!".into(), flag.into()]);
            }
            param(&mut rule, Some(v), flag, false);
        }
    }
    if jump.is_none() {
        if nonempty("reject_with").is_some() {
            rule.extend(["-j".into(), "REJECT".into()]);
        }
        if nonempty("set_dscp_mark_class").is_some() {
            rule.extend(["-j".into(), "DSCP".into()]);
        }
        if nonempty("set_dscp_mark").is_some() {
            rule.extend(["-j".into(), "DSCP".into()]);
        }
    }
    param(&mut rule, get("reject_with"), "--reject-with", false);
    let icmp = match ip_version {
        "ipv6" => "--icmpv6-type",
        "both" => "--icmp-type --icmpv6-type",
        _ => "--icmp-type",
    };
    param(&mut rule, get("icmp_type"), icmp, false);
    if nonempty("comment").is_some() {
        rule.extend(["-m".into(), "comment".into()]);
    }
    param(&mut rule, get("comment"), "--comment", false);
    rule
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_are_built_in_the_module_order() {
        let mut p = std::collections::HashMap::new();
        p.insert("protocol", "tcp".to_owned());
        p.insert("jump", "ACCEPT".to_owned());
        p.insert("destination_port", "22".to_owned());
        p.insert("comment", "ssh in".to_owned());
        p.insert("source", "!10.0.0.0/8".to_owned());
        let r = construct_rule(
            &p,
            &["tcp".into()],
            &[],
            &["NEW".into()],
            None,
            "ignore",
            "ipv4",
        );
        assert_eq!(
            r.join(" "),
            "-p tcp ! -s 10.0.0.0/8 -m tcp -j ACCEPT --destination-port 22 -m conntrack --ctstate NEW -m comment --comment ssh in"
        );
    }
}
