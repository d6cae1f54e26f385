//! The KIB-like fixture tree (`tests/fixtures/playbooks/kib/`, written for
//! these tests after the feature census of KIB's provisioning playbooks)
//! parses into the structure its files describe. The tree uses the bare
//! `include:` that ansible-core 2.16 removed, so it has no golden output
//! from ansible-core 2.19; its listing is checked against the structure.

use engine::playbook::{
    self, BlockOrigin, Condition, Flag, IncludeKind, LoopKind, Play, TagSelection, TaskItem,
};
use std::path::Path;

const PROVISION: &str = "tests/fixtures/playbooks/kib/provision.yaml";

fn load() -> playbook::Playbook {
    playbook::load_playbook(Path::new(PROVISION)).unwrap_or_else(|e| panic!("{e}"))
}

fn count_tasks(items: &[TaskItem]) -> usize {
    items
        .iter()
        .map(|i| match i {
            TaskItem::Task(_) | TaskItem::IncludeTasks(_) | TaskItem::IncludeRole(_) => 1,
            TaskItem::Block(b) => {
                count_tasks(&b.block) + count_tasks(&b.rescue) + count_tasks(&b.always)
            }
        })
        .sum()
}

fn role<'p>(play: &'p Play, name: &str) -> &'p playbook::RoleUse {
    play.roles
        .iter()
        .find(|r| r.role.info.name == name)
        .unwrap_or_else(|| panic!("role {name} in play"))
}

#[test]
fn plays_and_import_playbook() {
    let pb = load();
    let names: Vec<String> = pb.plays.iter().map(Play::display_name).collect();
    assert_eq!(
        names,
        [
            "Prepare Ansible - Flatcar Python setup",
            "Provision",
            "Validate"
        ]
    );
    let validate = &pb.plays[2];
    assert_eq!(validate.keywords.tags[0].value, "validate");
    assert_eq!(validate.serial.len(), 1);
    assert_eq!(
        pb.plays[1]
            .keywords
            .become_
            .as_ref()
            .map(|b| b.value.clone()),
        Some(Flag::Bool(true))
    );
    assert_eq!(
        pb.plays[1]
            .keywords
            .environment
            .as_ref()
            .and_then(|e| e.as_str()),
        Some("{{ default_env }}")
    );
}

#[test]
fn every_literal_source_exists() {
    let pb = load();
    let missing = playbook::missing_sources(&pb);
    assert!(missing.is_empty(), "{missing:?}");
}

#[test]
fn first_play_free_form_and_fqcn() {
    let pb = load();
    let tasks = &pb.plays[0].tasks;
    let TaskItem::Task(script) = &tasks[0] else {
        panic!("script task")
    };
    assert_eq!(script.action.module, "script");
    assert_eq!(
        script.action.args["_raw_params"].as_str(),
        Some("files/no-update-flatcar.sh")
    );
    assert_eq!(
        script.changed_when.as_ref().map(|c| c[0].value.clone()),
        Some(Condition::Literal(false))
    );
    let TaskItem::Task(set_fact) = &tasks[2] else {
        panic!("set_fact task")
    };
    assert_eq!(set_fact.action.module, "set_fact");
    assert_eq!(set_fact.action.written, "ansible.builtin.set_fact");
    assert_eq!(
        set_fact.action.args["ansible_python_interpreter"].as_str(),
        Some("/opt/bin/python")
    );
}

#[test]
fn roles_with_dependencies_defaults_and_handlers() {
    let pb = load();
    let play = &pb.plays[1];
    let order: Vec<&str> = play
        .roles
        .iter()
        .map(|r| r.role.info.name.as_str())
        .collect();
    assert_eq!(
        order,
        [
            "packages",
            "config",
            "networking",
            "images",
            "sysprep",
            "gpu"
        ]
    );
    let packages = role(play, "packages");
    assert_eq!(packages.role.dependencies[0].role.info.name, "common");
    assert_eq!(
        packages.role.dependencies[0].keywords.tags[0].value,
        "common"
    );
    assert!(packages
        .role
        .defaults
        .as_ref()
        .is_some_and(|d| d.get("containerd_flatcar_bins").is_some()));
    let handler_names: Vec<String> = packages
        .role
        .handlers
        .iter()
        .filter_map(|h| match h {
            TaskItem::Task(t) => t.name.as_ref().map(|n| n.value.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        handler_names,
        ["reload systemd", "restart containerd", "enable auditd"]
    );
    let TaskItem::Task(restart) = &packages.role.handlers[1] else {
        panic!("handler")
    };
    assert_eq!(restart.listen[0].value, "containerd config changed");
    assert!(role(play, "config").role.templates_dir.is_some());
    assert!(role(play, "networking").role.files_dir.is_some());
    assert_eq!(role(play, "images").keywords.when.len(), 1);
}

#[test]
fn includes_follow_their_rules() {
    let pb = load();
    let play = &pb.plays[1];
    let tasks = &role(play, "packages").role.tasks;
    // Static bare includes become blocks with their `when`.
    let TaskItem::Block(repo) = &tasks[2] else {
        panic!("static include")
    };
    assert!(matches!(&repo.origin, BlockOrigin::ImportTasks(p) if p.ends_with("repo.yaml")));
    assert_eq!(repo.keywords.when.len(), 1);
    let TaskItem::Block(install) = &tasks[3] else {
        panic!("static include")
    };
    assert_eq!(count_tasks(&install.block), 4);
    let TaskItem::Task(stale) = &install.block[2] else {
        panic!("task")
    };
    assert_eq!(
        stale.loop_.as_ref().map(|l| l.kind.clone()),
        Some(LoopKind::With("items".into()))
    );
    // A templated bare include stays dynamic.
    assert!(matches!(&tasks[4], TaskItem::IncludeTasks(i) if i.kind == IncludeKind::Include));
    let images = &role(play, "images").role.tasks;
    assert!(
        matches!(&images[1], TaskItem::Block(b) if matches!(b.origin, BlockOrigin::ImportTasks(_)))
    );
    let TaskItem::IncludeTasks(pull) = &images[2] else {
        panic!("include_tasks")
    };
    assert_eq!(pull.kind, IncludeKind::IncludeTasks);
    assert!(pull.task.loop_.is_some());
    assert!(pull
        .task
        .keywords
        .vars
        .as_ref()
        .is_some_and(|v| v.get("image_name").is_some()));
    let gpu = &role(play, "gpu").role.tasks;
    let TaskItem::Block(headers) = &gpu[0] else {
        panic!("block")
    };
    assert_eq!(
        (
            headers.block.len(),
            headers.rescue.len(),
            headers.always.len()
        ),
        (2, 1, 1)
    );
}

#[test]
fn listing_walks_roles_dependencies_and_imports() {
    let pb = load();
    let text = playbook::list_tasks(&pb, None, &TagSelection::default());
    let play2: Vec<&str> = text
        .split("\n\n")
        .find(|s| s.contains("play #2"))
        .expect("play 2")
        .lines()
        .collect();
    assert_eq!(play2[2], "      include centos vars\tTAGS: []");
    assert_eq!(
        play2[3],
        "      common : create packages dir\tTAGS: [common]"
    );
    assert!(play2.contains(&"      packages : add kubernetes repo\tTAGS: []"));
    assert!(play2.contains(&"      config : crictl config\tTAGS: [config, crictl]"));
    assert!(play2.contains(&"      sysprep : apt clean\tTAGS: []"));
    // rescue/always are not listed, as ansible-playbook does not list them.
    assert!(!text.contains("vault repo"));
    assert_eq!(
        play2.last(),
        Some(&"      report done\tTAGS: [always, report]")
    );
    // `never` hides the assert in the default selection.
    assert!(!text.contains("assert"));
}
