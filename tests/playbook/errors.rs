//! Rendered error messages for a tree full of mistakes
//! (`tests/fixtures/playbooks/broken/`): every problem is reported in one
//! parse, each with `file:line:column`.

use engine::playbook;
use std::path::Path;

#[test]
fn every_mistake_is_reported_with_its_place() {
    let errors =
        match playbook::load_playbook(Path::new("tests/fixtures/playbooks/broken/site.yml")) {
            Ok(_) => panic!("the broken tree parsed"),
            Err(e) => e,
        };
    let lines: Vec<String> = errors.to_string().lines().map(str::to_owned).collect();
    let dir = "tests/fixtures/playbooks/broken";
    let expected = [
        format!("{dir}/site.yml:5:7: conflicting action statements: `copy`, `file`"),
        format!("{dir}/site.yml:6:7: no module/action detected in task"),
        format!("{dir}/site.yml:8:14: malformed arguments `echo \"unterminated`: an unbalanced jinja2 block or quotes"),
        format!(
            "{dir}/site.yml:9:21: could not find task file `missing.yml` (searched: {dir}/missing.yml)"
        ),
        format!("{dir}/site.yml:11:15: `notify` expects a string, found a mapping"),
        format!("{dir}/roles/web/tasks/main.yml:3:3: duplicate loop in task (the first is at {dir}/roles/web/tasks/main.yml:2:3)"),
        format!(
            "{dir}/site.yml:14:7: the role `nope` was not found in: {dir}/roles/nope, {dir}/nope, nope"
        ),
        format!("{dir}/site.yml:17:3: `taks` is not a valid attribute for a Play"),
        format!("{dir}/site.yml:15:3: the field `hosts` is required but was not set"),
    ];
    assert_eq!(lines, expected);
}

/// Where ansible-core checks a boolean before any host runs (a play's own
/// `gather_facts`, `loop_control`'s `extended`), a literal that is not a
/// boolean is refused at its place, in Ansible's words; a task keyword's
/// (`ignore_errors: maybe`) fails the task a host reaches instead (see
/// `run::keyword_values`), so it parses.
#[test]
fn a_non_boolean_literal_is_refused_where_ansible_checks_it_before_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site.yml");
    std::fs::write(
        &site,
        "- hosts: all\n  gather_facts: maybe\n  tasks:\n    - debug: msg=a\n      ignore_errors: maybe\n    \
         - debug: msg={{ item }}\n      loop: [1]\n      loop_control:\n        extended: 2\n",
    )
    .unwrap();
    let errors = match playbook::load_playbook(&site) {
        Ok(_) => panic!("`gather_facts: maybe` parsed"),
        Err(e) => e.to_string(),
    };
    let at = site.display();
    assert_eq!(
        errors.lines().collect::<Vec<_>>(),
        [
            format!("{at}:2:17: Error processing keyword 'gather_facts': The value 'maybe' could not be converted to 'bool'."),
            format!("{at}:9:19: Error processing keyword 'extended': The value 2 could not be converted to 'bool'."),
        ]
    );
}
