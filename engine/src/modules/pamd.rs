//! `pamd` (`community.general.pamd`): one rule of a PAM service file,
//! edited as community.general's module edits it.
//!
//! Supported: `name`, `type`, `control`, `module_path`, `new_type`,
//! `new_control`, `new_module_path`, `module_arguments`, `state`
//! (`updated`, `before`, `after`, `args_present`, `args_absent`,
//! `absent`), `path`, `backup`. The service is parsed into comments,
//! includes, blank lines and rules; rules print as the module prints them
//! (type padded to 11 columns); a changed file gets the module's
//! `# Updated by Ansible - TIME` line as its second line. The module's
//! list quirks are kept: inserting before/after a rule drops the comments
//! between it and its neighbouring rule. Results: `change_count`,
//! `backupdest`.

use super::args::{ArgError, ArgMap};
use super::capture::{Records, Script};
use super::context::ModuleContext;
use super::outcome::{ModuleError, Outcome};
use super::pathinfo::backup_local_cmd;
use super::write::{replace_step, sealed};
use super::Module;
use crate::shell::quote;
use crate::transport::atomic::Content;
use crate::value::Value;

const VALID_TYPES: &[&str] = &[
    "account",
    "-account",
    "auth",
    "-auth",
    "password",
    "-password",
    "session",
    "-session",
];
const SIMPLE_CONTROLS: &[&str] = &[
    "required",
    "requisite",
    "sufficient",
    "optional",
    "include",
    "substack",
    "definitive",
];
const CONTROL_VALUES: &[&str] = &[
    "success",
    "open_err",
    "symbol_err",
    "service_err",
    "system_err",
    "buf_err",
    "perm_denied",
    "auth_err",
    "cred_insufficient",
    "authinfo_unavail",
    "user_unknown",
    "maxtries",
    "new_authtok_reqd",
    "acct_expired",
    "session_err",
    "cred_unavail",
    "cred_expired",
    "cred_err",
    "no_module_data",
    "conv_err",
    "authtok_err",
    "authtok_recover_err",
    "authtok_lock_busy",
    "authtok_disable_aging",
    "try_again",
    "ignore",
    "abort",
    "authtok_expired",
    "module_unknown",
    "bad_item",
    "conv_again",
    "incomplete",
    "default",
];
const CONTROL_ACTIONS: &[&str] = &["ignore", "bad", "die", "ok", "done", "reset"];

/// Arguments of `pamd`.
#[derive(Debug, Clone)]
pub struct PamdArgs {
    name: String,
    kind: String,
    control: String,
    module_path: String,
    new_type: Option<String>,
    new_control: Option<String>,
    new_module_path: Option<String>,
    module_arguments: Option<Vec<String>>,
    state: String,
    path: String,
    backup: bool,
}

/// The `pamd` module.
pub struct PamdModule;

impl Module for PamdModule {
    type Args = PamdArgs;
    const PROBES: bool = true;

    fn parse(args: &mut ArgMap) -> Result<PamdArgs, ArgError> {
        let parsed = PamdArgs {
            name: args.required_str(&["name"])?,
            kind: args
                .choice(&["type"], VALID_TYPES)?
                .ok_or_else(|| ArgError::Missing("type".into()))?,
            control: args.required_str(&["control"])?,
            module_path: args.required_str(&["module_path"])?,
            new_type: args.choice(&["new_type"], VALID_TYPES)?,
            new_control: args.str(&["new_control"])?,
            new_module_path: args.str(&["new_module_path"])?,
            module_arguments: args.list(&["module_arguments"])?,
            state: args
                .choice(
                    &["state"],
                    &[
                        "absent",
                        "after",
                        "args_absent",
                        "args_present",
                        "before",
                        "updated",
                    ],
                )?
                .unwrap_or_else(|| "updated".into()),
            path: args.str(&["path"])?.unwrap_or_else(|| "/etc/pam.d".into()),
            backup: args.bool(&["backup"])?.unwrap_or(false),
        };
        args.finish(&[
            "name",
            "type",
            "control",
            "module_path",
            "new_type",
            "new_control",
            "new_module_path",
            "module_arguments",
            "state",
            "path",
            "backup",
        ])?;
        let needs: &[&str] = match parsed.state.as_str() {
            "args_present" | "args_absent" => &["module_arguments"],
            "before" | "after" => &["new_control", "new_type", "new_module_path"],
            _ => &[],
        };
        let missing: Vec<&str> = needs
            .iter()
            .copied()
            .filter(|n| match *n {
                "module_arguments" => parsed.module_arguments.is_none(),
                "new_control" => parsed.new_control.is_none(),
                "new_type" => parsed.new_type.is_none(),
                _ => parsed.new_module_path.is_none(),
            })
            .collect();
        if !missing.is_empty() {
            return Err(ArgError::Invalid(format!(
                "state is {} but all of the following are missing: {}",
                parsed.state,
                missing.join(", ")
            )));
        }
        Ok(parsed)
    }

    fn probes(a: &PamdArgs) -> Vec<String> {
        vec![probe(a).text().to_owned()]
    }

    fn run(a: &PamdArgs, ctx: &mut ModuleContext<'_>) -> Result<Outcome, ModuleError> {
        let fname = format!("{}/{}", a.path.trim_end_matches('/'), a.name);
        let r = Records::parse(&ctx.probe(probe(a).text())?.stdout)?;
        let Some(content) = r.get("read").filter(|c| c.ok()).map(|c| c.out.clone()) else {
            let err = r.get("read").map(|c| c.err.clone()).unwrap_or_default();
            let reason = if err.contains("No such file") {
                format!("[Errno 2] No such file or directory: '{fname}'")
            } else if err.contains("Permission denied") {
                format!("[Errno 13] Permission denied: '{fname}'")
            } else {
                err.trim().to_owned()
            };
            return Ok(Outcome::fail_json(format!(
                "Unable to open/read PAM module file {fname} with error {reason}."
            )));
        };
        let mut service = match Service::parse(&content) {
            Ok(s) => s,
            Err(msg) => return Ok(Outcome::fail_json(msg)),
        };
        let new = || {
            Rule::new(
                a.new_type.as_deref().unwrap_or(""),
                a.new_control.as_deref().unwrap_or(""),
                a.new_module_path.as_deref().unwrap_or(""),
                &parse_args(a.module_arguments.as_deref().unwrap_or(&[])),
            )
        };
        let (t, c, p) = (a.kind.as_str(), a.control.as_str(), a.module_path.as_str());
        let changes = match a.state.as_str() {
            "updated" => service.update(t, c, p, a),
            "before" => service.insert_before(t, c, p, new),
            "after" => service.insert_after(t, c, p, new),
            "args_absent" => service.remove_args(
                t,
                c,
                p,
                &parse_args(a.module_arguments.as_deref().unwrap_or(&[])),
            ),
            "args_present" => {
                let args = parse_args(a.module_arguments.as_deref().unwrap_or(&[]));
                if args.iter().any(|x| x.starts_with('[')) {
                    return Ok(Outcome::fail_json(
                        "Unable to process bracketed '[' complex arguments with 'args_present'. Please use 'updated'.",
                    ));
                }
                service.add_args(t, c, p, &args)
            }
            _ => service.remove(t, c, p),
        };
        if let Err(msg) = service.validate() {
            return Ok(Outcome::fail_json(msg));
        }
        let mut o = Outcome::ok()
            .with("change_count", Value::Int(changes as i64))
            .with("backupdest", "");
        o.changed = changes > 0;
        if o.changed && !ctx.check_mode() {
            let mark = format!(
                "# Updated by Ansible - {}",
                r.out_ok("now").unwrap_or("").trim()
            );
            let text = service.render(&mark);
            let mut s = Script::new();
            if a.backup {
                s = s.capture_or_stop("backup", &backup_local_cmd(&fname, false));
            }
            let size = text.len() as u64;
            s = s.capture_or_stop(
                "write",
                &replace_step(&fname, Content::Stdin { size }, "0644", true, false),
            );
            let rec = Records::parse(&ctx.apply(s.text(), Some(&sealed(text.as_bytes())))?.stdout)?;
            for tag in ["backup", "write"] {
                if let Some(c) = rec.get(tag).filter(|c| !c.ok()) {
                    return Ok(Outcome::fail_json(c.err.trim().to_owned()));
                }
            }
            if a.backup {
                o = o.with("backupdest", rec.out_ok("backup").unwrap_or("").to_owned());
            }
        }
        Ok(o)
    }
}

fn probe(a: &PamdArgs) -> Script {
    let fname = format!("{}/{}", a.path.trim_end_matches('/'), a.name);
    Script::new()
        .capture("read", &format!("cat -- {}", quote(&fname)))
        .capture("now", "date +%Y-%m-%dT%H:%M:%S.%6N")
}

/// `parse_module_arguments`: each item split on whitespace, a bracketed
/// run kept whole.
fn parse_args(items: &[String]) -> Vec<String> {
    if items.len() == 1 && items[0].is_empty() {
        return Vec::new();
    }
    let re = regex::Regex::new(r"(\[.*\]|\S*)").expect("valid regex");
    items
        .iter()
        .flat_map(|i| {
            re.find_iter(i)
                .map(|m| m.as_str().to_owned())
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Control {
    Simple(String),
    List(Vec<String>),
}

impl Control {
    fn new(c: &str) -> Control {
        if c.starts_with('[') {
            let c = c.replace(" = ", "=").replace(['[', ']'], "");
            Control::List(c.split(' ').map(str::to_owned).collect())
        } else {
            Control::Simple(c.to_owned())
        }
    }

    fn text(&self) -> String {
        match self {
            Control::Simple(s) => s.clone(),
            Control::List(l) => format!("[{}]", l.join(" ")),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Rule {
    kind: String,
    control: Control,
    path: String,
    args: Vec<String>,
}

impl Rule {
    fn new(kind: &str, control: &str, path: &str, args: &[String]) -> Rule {
        Rule {
            kind: kind.to_owned(),
            control: Control::new(control),
            path: path.to_owned(),
            args: parse_args(args),
        }
    }

    fn matches(&self, kind: &str, control: &str, path: &str) -> bool {
        self.kind == kind && self.control.text() == control && self.path == path
    }

    fn text(&self) -> String {
        let head = format!("{:<11}{} {}", self.kind, self.control.text(), self.path);
        if self.args.is_empty() {
            head
        } else {
            format!("{head} {}", self.args.join(" "))
        }
    }

    fn validate(&self) -> Result<(), String> {
        if !VALID_TYPES.contains(&self.kind.as_str()) {
            return Err(format!(
                "Rule type, {}, is not valid in rule {}",
                self.kind,
                self.text()
            ));
        }
        match &self.control {
            Control::Simple(s) if !SIMPLE_CONTROLS.contains(&s.as_str()) => Err(format!(
                "Rule control, {s}, is not valid in rule {}",
                self.text()
            )),
            Control::List(l) => {
                for c in l {
                    let (value, action) = c.split_once('=').unwrap_or((c, ""));
                    if !CONTROL_VALUES.contains(&value) {
                        return Err(format!(
                            "Rule control value, {value}, is not valid in rule {}",
                            self.text()
                        ));
                    }
                    let unsigned = action.parse::<i64>().is_ok_and(|n| n >= 0);
                    if !CONTROL_ACTIONS.contains(&action) && !unsigned {
                        return Err(format!(
                            "Rule control action, {action}, is not valid in rule {}",
                            self.text()
                        ));
                    }
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Line {
    Comment(String),
    Include(String),
    Empty(String),
    Rule(Rule),
}

impl Line {
    fn rule(&self) -> Option<&Rule> {
        match self {
            Line::Rule(r) => Some(r),
            _ => None,
        }
    }

    fn matches(&self, kind: &str, control: &str, path: &str) -> bool {
        self.rule().is_some_and(|r| r.matches(kind, control, path))
    }

    fn is_blank_or_comment(&self) -> bool {
        matches!(self, Line::Comment(_) | Line::Empty(_))
    }

    fn text(&self) -> String {
        match self {
            Line::Comment(s) | Line::Include(s) | Line::Empty(s) => s.clone(),
            Line::Rule(r) => r.text(),
        }
    }
}

/// The service file as the module's linked list, kept as a vector.
struct Service {
    lines: Vec<Line>,
}

impl Service {
    fn parse(content: &str) -> Result<Service, String> {
        let rule_re = regex::Regex::new(
            r"(?P<t>-?(?:auth|account|session|password))\s+(?P<c>\[.*\]|\S*)\s+(?P<p>\S*)\s*(?P<a>.*)\s*",
        )
        .expect("valid regex");
        let mut lines = Vec::new();
        for line in content.lines() {
            let l = if line.trim_start().starts_with('#') {
                Line::Comment(line.to_owned())
            } else if line.trim_start().starts_with("@include") {
                Line::Include(line.to_owned())
            } else if line.trim().is_empty() {
                Line::Empty(line.to_owned())
            } else {
                let Some(m) = rule_re.captures(line) else {
                    return Err(format!(
                        "unexpected error: cannot parse the PAM line {line:?}"
                    ));
                };
                Line::Rule(Rule::new(&m["t"], &m["c"], &m["p"], &[m["a"].to_owned()]))
            };
            lines.push(l);
        }
        Ok(Service { lines })
    }

    fn positions(&self, kind: &str, control: &str, path: &str) -> Vec<usize> {
        self.lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.matches(kind, control, path))
            .map(|(i, _)| i)
            .collect()
    }

    /// The index of `rule` (tracked by value: rules before it may move).
    fn index_of(&self, rule: &Rule, nth: usize) -> Option<usize> {
        self.lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.rule() == Some(rule))
            .nth(nth)
            .map(|(i, _)| i)
    }

    fn update(&mut self, kind: &str, control: &str, path: &str, a: &PamdArgs) -> usize {
        let new_args = a.module_arguments.as_deref().map(parse_args);
        let mut changes = 0;
        for i in self.positions(kind, control, path) {
            let Line::Rule(r) = &mut self.lines[i] else {
                continue;
            };
            let mut changed = false;
            if let Some(t) = a.new_type.as_ref().filter(|t| !t.is_empty()) {
                if r.kind != *t {
                    r.kind = t.clone();
                    changed = true;
                }
            }
            if let Some(c) = a.new_control.as_ref().filter(|c| !c.is_empty()) {
                if r.control.text() != *c {
                    r.control = Control::new(c);
                    changed = true;
                }
            }
            if let Some(p) = a.new_module_path.as_ref().filter(|p| !p.is_empty()) {
                if r.path != *p {
                    r.path = p.clone();
                    changed = true;
                }
            }
            if let Some(args) = &new_args {
                if r.args != *args {
                    r.args = parse_args(args);
                    changed = true;
                }
            }
            if changed {
                changes += 1;
            }
        }
        changes
    }

    fn targets(&self, kind: &str, control: &str, path: &str) -> Vec<(Rule, usize)> {
        let mut seen: Vec<(Rule, usize)> = Vec::new();
        for i in self.positions(kind, control, path) {
            let r = self.lines[i]
                .rule()
                .cloned()
                .expect("a matching line is a rule");
            let nth = seen.iter().filter(|(x, _)| *x == r).count();
            seen.push((r, nth));
        }
        seen
    }

    fn insert_before(
        &mut self,
        kind: &str,
        control: &str,
        path: &str,
        new: impl Fn() -> Rule,
    ) -> usize {
        let mut changes = 0;
        for (rule, nth) in self.targets(kind, control, path) {
            let Some(cur) = self.index_of(&rule, nth) else {
                continue;
            };
            let n = new();
            let mut prev = cur.checked_sub(1);
            while let Some(p) = prev.filter(|p| self.lines[*p].is_blank_or_comment()) {
                prev = p.checked_sub(1);
            }
            match prev {
                Some(p) if !self.lines[p].matches(&n.kind, &n.control.text(), &n.path) => {
                    // The module links the new rule straight after the
                    // previous rule: the lines in between are dropped.
                    self.lines.splice(p + 1..cur, [Line::Rule(n)]);
                    changes += 1;
                }
                None => {
                    self.lines.insert(cur, Line::Rule(n));
                    changes += 1;
                }
                _ => {}
            }
        }
        changes
    }

    fn insert_after(
        &mut self,
        kind: &str,
        control: &str,
        path: &str,
        new: impl Fn() -> Rule,
    ) -> usize {
        let mut changes = 0;
        for (rule, nth) in self.targets(kind, control, path) {
            let Some(cur) = self.index_of(&rule, nth) else {
                continue;
            };
            let n = new();
            let mut next = cur + 1;
            while next < self.lines.len() && self.lines[next].is_blank_or_comment() {
                next += 1;
            }
            if next < self.lines.len() {
                if !self.lines[next].matches(&n.kind, &n.control.text(), &n.path) {
                    self.lines.splice(cur + 1..next, [Line::Rule(n)]);
                    changes += 1;
                }
            } else {
                // Last rule: appended at the end, and the module's list
                // then skips the lines that followed the rule.
                self.lines.truncate(cur + 1);
                self.lines.push(Line::Rule(n));
                changes += 1;
            }
        }
        changes
    }

    fn add_args(&mut self, kind: &str, control: &str, path: &str, add: &[String]) -> usize {
        let mut changes = 0;
        for i in self.positions(kind, control, path) {
            let Line::Rule(r) = &mut self.lines[i] else {
                continue;
            };
            let split = |args: &[String]| {
                let mut simple: Vec<String> = Vec::new();
                let mut kv: Vec<(String, String)> = Vec::new();
                for a in args.iter().filter(|a| !a.starts_with('[')) {
                    match a.split_once('=') {
                        Some((k, v)) => kv.push((k.to_owned(), v.to_owned())),
                        None => simple.push(a.clone()),
                    }
                }
                (simple, kv)
            };
            let (new_simple, new_kv) = split(add);
            let (cur_simple, cur_kv) = split(&r.args);
            let mut extra: Vec<String> = Vec::new();
            for s in &new_simple {
                if !cur_simple.contains(s) && !extra.contains(s) {
                    extra.push(s.clone());
                }
            }
            for (k, v) in &new_kv {
                if !cur_kv.iter().any(|(ck, _)| ck == k) {
                    extra.push(format!("{k}={v}"));
                }
            }
            let mut changed = !extra.is_empty();
            r.args.extend(extra);
            for (k, v) in &new_kv {
                if let Some((_, cv)) = cur_kv.iter().find(|(ck, _)| ck == k) {
                    if cv != v {
                        if let Some(pos) = r.args.iter().position(|x| *x == format!("{k}={cv}")) {
                            r.args[pos] = format!("{k}={v}");
                        }
                        changed = true;
                    }
                }
            }
            if changed {
                changes += 1;
            }
        }
        changes
    }

    fn remove_args(&mut self, kind: &str, control: &str, path: &str, remove: &[String]) -> usize {
        let mut changes = 0;
        for i in self.positions(kind, control, path) {
            let Line::Rule(r) = &mut self.lines[i] else {
                continue;
            };
            if !r.args.iter().any(|x| remove.contains(x)) {
                continue;
            }
            r.args.retain(|x| !remove.contains(x));
            changes += 1;
        }
        changes
    }

    fn remove(&mut self, kind: &str, control: &str, path: &str) -> usize {
        let before = self.lines.len();
        self.lines.retain(|l| !l.matches(kind, control, path));
        before - self.lines.len()
    }

    fn validate(&self) -> Result<(), String> {
        for l in &self.lines {
            match l {
                Line::Rule(r) => r.validate()?,
                Line::Comment(s) if !s.starts_with('#') => {
                    return Err(format!("Rule is not valid {s}"));
                }
                Line::Include(s) if !s.starts_with("@include") => {
                    return Err(format!("Rule is not valid {s}"));
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// `__str__`: the lines with the `# Updated by Ansible` mark second.
    fn render(&self, mark: &str) -> String {
        let mut lines: Vec<String> = self.lines.iter().map(Line::text).collect();
        if lines.len() <= 1 {
            lines.insert(0, String::new());
            lines.insert(1, mark.to_owned());
        } else if lines[1].starts_with("# Updated by Ansible") {
            lines[1] = mark.to_owned();
        } else {
            lines.insert(1, mark.to_owned());
        }
        format!("{}\n", lines.join("\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_print_and_insert_as_the_module_does() {
        let s = Service::parse(
            "#%PAM-1.0\nauth required pam_env.so\n# c\nauth [success=1 default=ignore] pam_unix.so nullok\n",
        )
        .unwrap();
        assert_eq!(
            s.lines[3].text(),
            "auth       [success=1 default=ignore] pam_unix.so nullok"
        );
        let mut s2 =
            Service::parse("auth required pam_env.so\n# c\nauth sufficient pam_unix.so\n").unwrap();
        let n = s2.insert_before("auth", "sufficient", "pam_unix.so", || {
            Rule::new(
                "auth",
                "required",
                "pam_faildelay.so",
                &["delay=1".to_owned()],
            )
        });
        assert_eq!(n, 1);
        assert_eq!(
            s2.render("# M"),
            "auth       required pam_env.so\n# M\nauth       required pam_faildelay.so delay=1\nauth       sufficient pam_unix.so\n"
        );
        assert_eq!(
            parse_args(&["a=1  b".to_owned(), "[x y] z".to_owned()]),
            ["a=1", "b", "[x y]", "z"]
        );
    }
}
