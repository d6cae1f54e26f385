//! `targets.txt`: which of ansible-core's integration targets the harness
//! runs, how, and why the others are out of scope.
//!
//! One target a line, fields separated by ` | `:
//!
//! ```text
//! lineinfile      | in  | role                                   | note
//! blocks          | in  | main.yml; block_fail.yml -e x=1        | note
//! apt             | out | -                                      | network: installs from Debian's mirrors
//! ```
//!
//! `role` runs the target the way ansible-test does (a play with
//! `hosts: testhost`, `gather_facts: true`, `vars: {output_dir: …}`,
//! `roles: [target]`); otherwise the field lists the playbook runs of the
//! target's `runme.sh`, `;`-separated, each a playbook and its flags, run
//! in the target's directory. `-i ../../inventory` (ansible-test's
//! inventory) or no `-i` means the harness's inventory with `testhost`.

/// How a target is run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum How {
    Role,
    Runs(Vec<Vec<String>>),
}

/// One manifest line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Target {
    pub(crate) name: String,
    /// `None`: in scope; `Some(reason)`: out of scope.
    pub(crate) out_of_scope: Option<String>,
    pub(crate) how: How,
    pub(crate) note: String,
}

/// Reads the manifest text; errors name the line.
pub(crate) fn parse(text: &str) -> Result<Vec<Target>, String> {
    let mut out: Vec<Target> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = |why: &str| format!("targets.txt:{}: {why}: `{line}`", n + 1);
        let fields: Vec<&str> = line.split('|').map(str::trim).collect();
        if fields.len() < 3 {
            return Err(bad("expected `name | in|out | how | note`"));
        }
        let name = fields[0].to_owned();
        if out.iter().any(|t| t.name == name) {
            return Err(bad("listed twice"));
        }
        let note = fields.get(3).copied().unwrap_or("").to_owned();
        let (out_of_scope, how) = match fields[1] {
            "in" => {
                let how = match fields[2] {
                    "role" => How::Role,
                    runs => How::Runs(
                        runs.split(';')
                            .map(|r| r.split_whitespace().map(str::to_owned).collect())
                            .filter(|r: &Vec<String>| !r.is_empty())
                            .collect(),
                    ),
                };
                if how == How::Runs(Vec::new()) {
                    return Err(bad("no runs"));
                }
                (None, how)
            }
            "out" => {
                if note.is_empty() {
                    return Err(bad("an out-of-scope target needs its reason"));
                }
                (Some(note.clone()), How::Runs(Vec::new()))
            }
            _ => return Err(bad("scope must be `in` or `out`")),
        };
        out.push(Target {
            name,
            out_of_scope,
            how,
            note,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_all_three_shapes() {
        let t = parse(
            "# c\nlineinfile | in | role | x\nblocks | in | main.yml; fail.yml -e a=1 |\n\
             apt | out | - | network\n",
        )
        .unwrap();
        assert_eq!(t[0].how, How::Role);
        assert_eq!(
            t[1].how,
            How::Runs(vec![
                vec!["main.yml".into()],
                vec!["fail.yml".into(), "-e".into(), "a=1".into()]
            ])
        );
        assert_eq!(t[2].out_of_scope.as_deref(), Some("network"));
        assert!(parse("apt | out | - |\n").is_err());
        assert!(parse("a | in | role\na | in | role\n").is_err());
    }
}
