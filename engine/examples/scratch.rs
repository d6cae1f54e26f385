use engine::modules::ModuleName;
use engine::plan::*;
use engine::report::AnsiblePrinter;
use engine::value::{Map, Value};
use std::sync::Arc;

fn task(name: &str, module: ModuleName, raw: &str) -> TaskStep {
    let mut args = Map::new();
    args.insert("_raw_params".into(), Value::Str(raw.into()));
    TaskStep {
        name: Some(name.into()),
        action: module.as_str().into(),
        module,
        args,
        span: engine::Span::file("x.yml"),
        when: vec![],
        loop_: None,
        loop_control: Default::default(),
        register: None,
        changed_when: None,
        failed_when: None,
        until: None,
        retries: None,
        delay: None,
        ignore_errors: None,
        ignore_unreachable: false,
        notify: vec![],
        listen: vec![],
        tags: vec![],
        delegate_to: None,
        run_once: false,
        check_mode: None,
        diff: None,
        no_log: false,
        vars: Map::new(),
        environment: vec![],
        become_: Default::default(),
        role: None,
        search_paths: vec![],
    }
}

fn main() {
    let inv = engine::inventory::Inventory::load(&["h1,h2"]).unwrap();
    let mut t2 = task("skip", ModuleName::Command, "echo no");
    t2.when = vec!["false".into()];
    let mut t3 = task("loop", ModuleName::Command, "echo hi");
    t3.loop_ = Some(LoopSpec {
        lookup: None,
        items: Value::List(vec!["a".into(), "b".into()]),
    });
    let mut t4 = task("fails", ModuleName::Command, "false");
    t4.ignore_errors = Some(Value::Bool(true));
    let mut t5 = task("notify", ModuleName::Command, "true");
    t5.notify = vec!["h".into()];
    let bad = task("bad", ModuleName::Command, "false");
    let resc = task("rescue", ModuleName::Debug, "");
    let block = BlockStep {
        block: vec![Step::Task(Arc::new(bad))],
        rescue: vec![Step::Task(Arc::new(resc))],
        always: vec![],
        name: None,
    };
    let h = task("h", ModuleName::Command, "echo handler");
    let play = PlayPlan {
        name: "demo".into(),
        hosts: "all".into(),
        gather_facts: true,
        steps: vec![
            Step::Task(Arc::new(task("one", ModuleName::Command, "echo 1"))),
            Step::Task(Arc::new(t2)),
            Step::Task(Arc::new(t3)),
            Step::Task(Arc::new(t4)),
            Step::Task(Arc::new(t5)),
            Step::Block(Arc::new(block)),
            Step::FlushHandlers,
        ],
        handlers: vec![Arc::new(h)],
        ..Default::default()
    };
    let plan = Plan {
        plays: vec![play],
        playbook_dir: "/tmp".into(),
    };
    let p = AnsiblePrinter::new(std::io::stdout(), 0);
    let s = engine::run::run(&plan, &inv, &Default::default(), &p).unwrap();
    println!("exit={}", s.exit_code);
}
