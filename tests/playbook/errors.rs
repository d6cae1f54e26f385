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
