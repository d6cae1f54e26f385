//! The [`Templar`] API beyond single expressions: error variants and
//! messages, spans, lazy variables, `omit`, `!unsafe`, `hostvars`, the
//! template module's whitespace rules, lookups with search paths, and use
//! from many threads.

use engine::template::{HostVars, Templar, TemplateError, Vars, OMIT};
use engine::value::{Map, Value};
use engine::Span;
use std::collections::HashMap;
use std::sync::Arc;

fn vars(pairs: &[(&str, Value)]) -> Vars {
    let map: Map = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect();
    Vars::new(Arc::new(map))
}

fn s(text: &str) -> Value {
    Value::Str(text.to_owned())
}

#[test]
fn undefined_errors_name_the_variable() {
    let t = Templar::new();
    let v = vars(&[
        (
            "d",
            Value::Map(Map::from_iter([("a".to_owned(), Value::Int(1))])),
        ),
        ("outer", s("{{ inner_missing }}")),
    ]);
    let name = |text: &str| match t.render(text, &v) {
        Err(TemplateError::UndefinedVariable { name, .. }) => name,
        other => panic!("{text}: expected an undefined error, got {other:?}"),
    };
    assert_eq!(name("{{ foo }}"), "foo");
    assert_eq!(name("x {{ foo }} y"), "foo");
    assert_eq!(name("{{ foo + 1 }}"), "foo");
    assert_eq!(name("{{ d.zz }}"), "d.zz");
    // A lazy variable undefined because of another names the root cause.
    assert_eq!(name("{{ outer }}"), "inner_missing");
    match t.condition("foo", &v) {
        Err(TemplateError::UndefinedVariable { name, .. }) => assert_eq!(name, "foo"),
        other => panic!("expected undefined, got {other:?}"),
    }
}

#[test]
fn messages_carry_the_span_of_the_yaml_scalar() {
    let t = Templar::new();
    let span = Span::new("roles/x/tasks/main.yaml".into(), 14, 9);
    let err = t.render_at("{{ foo }}", &vars(&[]), &span).unwrap_err();
    assert_eq!(err.span(), Some(&span));
    assert_eq!(
        err.to_string(),
        "roles/x/tasks/main.yaml:14:9: undefined variable `foo` in `{{ foo }}`"
    );
    let err = t
        .condition("n", &vars(&[("n", Value::Int(1))]))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "conditional result must be a boolean, found a value of type `int` in `n`"
    );
}

#[test]
fn error_variants_name_the_problem() {
    let t = Templar::new();
    let v = vars(&[("a", s("{{ b }}")), ("b", s("{{ a }}"))]);
    assert!(matches!(
        t.render("{{ a }}", &v),
        Err(TemplateError::Recursion { .. })
    ));
    assert!(matches!(
        t.render("{{ 1 + }}", &v),
        Err(TemplateError::Syntax { .. })
    ));
    match t.render("{{ 1 | nosuch }}", &v) {
        Err(TemplateError::Unknown { what, name, .. }) => {
            assert_eq!((what, name.as_str()), ("filter", "nosuch"));
        }
        other => panic!("expected unknown filter, got {other:?}"),
    }
    assert!(matches!(
        t.render("{{ 'a' | regex_replace('(', 'x') }}", &v),
        Err(TemplateError::Evaluation { .. })
    ));
    assert!(matches!(
        t.condition("'yes'", &v),
        Err(TemplateError::NonBooleanConditional { found: "str", .. })
    ));
}

#[test]
fn render_value_keeps_unsafe_and_drops_omit() {
    let t = Templar::new();
    let v = vars(&[("n", Value::Int(3))]);
    let args = Value::Map(Map::from_iter([
        ("count".to_owned(), s("{{ n }}")),
        ("raw".to_owned(), Value::Unsafe("{{ n }}".to_owned())),
        ("mode".to_owned(), s("{{ undefined_mode | default(omit) }}")),
        ("{{ key }}".to_owned(), s("kept")),
    ]));
    let out = t.render_value(&args, &v).unwrap();
    let out = out.as_map().unwrap();
    assert_eq!(out.get("count"), Some(&Value::Int(3)));
    assert_eq!(out.get("raw"), Some(&Value::Unsafe("{{ n }}".to_owned())));
    assert!(!out.contains_key("mode"));
    assert_eq!(out.get("{{ key }}"), Some(&s("kept")));
    assert_eq!(t.render("{{ omit }}", &v).unwrap(), s(OMIT));
}

#[test]
fn lazy_values_see_the_overlay_and_are_cached_per_vars() {
    let t = Templar::new();
    let base = vars(&[
        ("pkg", s("{{ name }}-{{ version }}")),
        ("version", s("1.2")),
    ]);
    let a = base.with("name", s("containerd"));
    let b = base.with("name", s("kubelet"));
    assert_eq!(t.render("{{ pkg }}", &a).unwrap(), s("containerd-1.2"));
    assert_eq!(t.render("{{ pkg }}", &b).unwrap(), s("kubelet-1.2"));
    assert_eq!(a.get("pkg").unwrap(), Some(s("containerd-1.2")));
    assert_eq!(a.get("nosuch").unwrap(), None);
}

struct Inventory(HashMap<String, Vars>);

impl HostVars for Inventory {
    fn host_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.0.keys().cloned().collect();
        names.sort();
        names
    }

    fn vars_of(&self, host: &str) -> Option<Vars> {
        self.0.get(host).cloned()
    }
}

#[test]
fn hostvars_are_lazy_per_host() {
    let t = Templar::new();
    let node1 = vars(&[("ip", s("10.0.0.{{ last }}")), ("last", Value::Int(7))]);
    let inventory = Inventory(HashMap::from([("node1".to_owned(), node1)]));
    let mut v = vars(&[("hosts", Value::List(vec![s("node1")]))]);
    v.set_hostvars(Arc::new(inventory));
    assert_eq!(
        t.render("{{ hostvars['node1'].ip }}", &v).unwrap(),
        s("10.0.0.7")
    );
    assert_eq!(
        t.render("{{ hosts | map('extract', hostvars, 'ip') | list }}", &v)
            .unwrap(),
        Value::List(vec![s("10.0.0.7")])
    );
    assert!(t
        .condition("hostvars['nosuch'] is not defined", &v)
        .unwrap());
}

/// Expected outputs measured with ansible-core 2.19.14: the same sources as
/// role templates, through both the `template` module and
/// `lookup('template')` (identical results).
#[test]
fn template_module_whitespace_and_header() {
    let t = Templar::new();
    let v = vars(&[("items", Value::List(vec![s("a"), s("b")]))]);
    let source = "{% for i in items %}\n  {{ i }}\n{% endfor %}\n";
    assert_eq!(t.render_template(source, "t.j2", &v).unwrap(), "  a\n  b\n");
    let with_header = "#jinja2: trim_blocks: False, lstrip_blocks: True\n{% for i in items %}\n{{ i }}\n  {% endfor %}\n";
    assert_eq!(
        t.render_template(with_header, "t.j2", &v).unwrap(),
        "\na\n\nb\n"
    );
}

#[test]
fn templar_is_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Templar>();
    assert_send_sync::<Vars>();
    let t = Templar::new();
    let base = vars(&[("n", s("{{ 40 + 2 }}"))]);
    std::thread::scope(|scope| {
        for i in 0..4i64 {
            let v = base.with("i", Value::Int(i));
            scope.spawn(move || {
                for _ in 0..50 {
                    assert_eq!(t.render("{{ n + i }}", &v).unwrap(), Value::Int(42 + i));
                }
            });
        }
    });
}

#[test]
fn template_file_errors_point_at_file_and_line() {
    let t = Templar::new();
    let source = "[Service]\nUser={{ user }}\nGroup={{ missing_group }}\n";
    let err = t
        .render_template(
            source,
            "templates/unit.service.j2",
            &vars(&[("user", s("root"))]),
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "templates/unit.service.j2:3:1: undefined variable `missing_group` in `Group={{ missing_group }}`"
    );
    let header = "#jinja2: lstrip_blocks: True\nA\n{{ 1 + }}\n";
    let err = t.render_template(header, "h.j2", &vars(&[])).unwrap_err();
    assert!(matches!(err, TemplateError::Syntax { .. }));
    assert_eq!(err.span().map(|s| s.line), Some(3), "{err}");
}

struct Mirror(Vec<String>);

impl HostVars for Mirror {
    fn host_names(&self) -> Vec<String> {
        self.0.clone()
    }

    fn vars_of(&self, host: &str) -> Option<Vars> {
        // Each host's `x` reads the other host's `x`: a cycle across hosts.
        let other = if host == "a" { "b" } else { "a" };
        let mut v = vars(&[("x", s(&format!("{{{{ hostvars['{other}'].x }}}}")))]);
        v.set_hostvars(Arc::new(Mirror(self.0.clone())));
        Some(v)
    }
}

#[test]
fn cycles_through_hostvars_are_recursion_errors() {
    let t = Templar::new();
    let mut v = vars(&[]);
    v.set_hostvars(Arc::new(Mirror(vec!["a".into(), "b".into()])));
    assert!(matches!(
        t.render("{{ hostvars['a'].x }}", &v),
        Err(TemplateError::Recursion { .. })
    ));
}

#[test]
fn lookup_api_feeds_with_loops() {
    let t = Templar::new();
    let v = vars(&[]);
    let nested = Value::List(vec![s("a"), Value::List(vec![s("b"), s("c")])]);
    assert_eq!(
        t.lookup("items", nested.as_list().unwrap(), &v).unwrap(),
        vec![s("a"), s("b"), s("c")],
        "with_items flattens one level"
    );
    let seq = t
        .lookup("sequence", &[s("start=1 end=3 format=n%d")], &v)
        .unwrap();
    assert_eq!(seq, vec![s("n1"), s("n2"), s("n3")]);
    assert!(matches!(
        t.lookup("nosuch", &[], &v),
        Err(TemplateError::Evaluation { .. })
    ));
    // A lookup Ansible has and this engine lacks says so.
    assert!(matches!(
        t.lookup("config", &[s("DEFAULT_ROLES_PATH")], &v),
        Err(TemplateError::Evaluation { message, .. })
            if message == "lookup plugin `config` is not implemented by konvoy-image"
    ));
    // `with_lines` runs the command on the controller, one item a line;
    // `with_random_choice` picks one term.
    assert_eq!(
        t.lookup("lines", &[s("printf 'a\\nb c\\n'")], &v).unwrap(),
        vec![s("a"), s("b c")]
    );
    assert!(matches!(
        t.lookup("lines", &[s("exit 3")], &v),
        Err(TemplateError::Evaluation { message, .. }) if message.contains("returned 3")
    ));
    let pick = t.lookup("random_choice", &[s("x"), s("y")], &v).unwrap();
    assert!(pick == vec![s("x")] || pick == vec![s("y")], "{pick:?}");
}

#[test]
fn unsafe_values_stay_unsafe_through_templates() {
    let t = Templar::new();
    let v = vars(&[("raw", Value::Unsafe("{{ secret }}".into()))]);
    // Read as data, kept unsafe in a lone expression, printed verbatim.
    assert_eq!(
        t.render("{{ raw }}", &v).unwrap(),
        Value::Unsafe("{{ secret }}".into())
    );
    assert_eq!(t.render("x={{ raw }}", &v).unwrap(), s("x={{ secret }}"));
    assert_eq!(
        v.get("raw").unwrap(),
        Some(Value::Unsafe("{{ secret }}".into()))
    );
}

#[test]
fn syntax_and_unknown_messages_read_well() {
    let t = Templar::new();
    let v = vars(&[]);
    let syntax = t.render("{{ 1 + }}", &v).unwrap_err().to_string();
    assert!(syntax.starts_with("template syntax error: "), "{syntax}");
    assert!(syntax.ends_with("in `{{ 1 + }}`"), "{syntax}");
    assert_eq!(
        t.render("{{ 1 | nosuch }}", &v).unwrap_err().to_string(),
        "unknown filter `nosuch` in `{{ 1 | nosuch }}`"
    );
    assert_eq!(
        t.render("{{ a }}", &vars(&[("a", s("{{ a }}"))]))
            .unwrap_err()
            .to_string(),
        "recursive loop detected while templating variable `a` in `{{ a }}`"
    );
}

#[test]
fn variables_lists_what_a_template_reads() {
    let t = Templar::new();
    assert_eq!(
        t.variables(
            "{{ pkg_dir }}/{{ item.name | default(omit) }}-{{ lookup('env', 'X') }}",
            false
        )
        .unwrap(),
        ["item", "pkg_dir"]
    );
    assert_eq!(
        t.variables(
            "probe is success and version is version(min_version, '>=')",
            true
        )
        .unwrap(),
        ["min_version", "probe", "version"]
    );
    assert_eq!(
        t.variables("{% for x in users %}{{ x.name }}{% endfor %}", false)
            .unwrap(),
        ["users"]
    );
    assert!(t.variables("no templates", false).unwrap().is_empty());
    assert!(matches!(
        t.variables("{{ 1 + }}", false),
        Err(TemplateError::Syntax { .. })
    ));
}

#[test]
fn lookup_results_and_undef_as_ansible_core_returns_them() {
    let t = Templar::new();
    let v = vars(&[]);
    let cond = |e: &str| t.condition(e, &v).unwrap_or_else(|e| panic!("{e}"));
    // An undefined default stays undefined; a missing variable's default is ''.
    assert!(!cond(
        "lookup('env', 'KONVOY_SURELY_UNSET', default=undef()) is defined"
    ));
    assert!(cond("lookup('env', 'KONVOY_SURELY_UNSET') == ''"));
    assert!(cond("undef('a hint') is undefined"));
    // One result is returned as it is, none as an empty list, several
    // strings joined with commas.
    assert_eq!(
        t.render("{{ lookup('items', [7]) }}", &v).expect("render"),
        Value::Int(7)
    );
    assert_eq!(
        t.render("{{ lookup('list', []) }}", &v).expect("render"),
        Value::List(Vec::new())
    );
    assert_eq!(
        t.render("{{ lookup('items', ['a', 'b']) }}", &v)
            .expect("render"),
        s("a,b")
    );
}
