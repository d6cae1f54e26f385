//! The YAML loader never panics, and what it loads survives a round trip
//! through every printer: `dump` (each style) read back gives the same data,
//! and `to_json`/`py_repr` do not panic.
#![no_main]

use engine::value::JsonOptions;
use engine::yaml::{dump, load_str, DumpStyle, YamlError};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(loaded) = load_str(text, "fuzz.yml") else {
        return;
    };
    for doc in &loaded.docs {
        let value = doc.to_value();
        let sorted = JsonOptions {
            sort_keys: true,
            ..JsonOptions::default()
        };
        let repr = value.to_json(sorted);
        if repr.contains(['\u{2028}', '\u{2029}']) {
            // libyaml's output treats them as line breaks, the YAML 1.2
            // reader as content (see tests/yaml/robust.rs).
            continue;
        }
        let _ = value.py_repr();
        let _ = value.py_str();
        let _ = value.to_json(JsonOptions::default());
        for style in [DumpStyle::Block, DumpStyle::Flow, DumpStyle::Nice { indent: 4 }] {
            let text = dump(&value, style);
            if serde_json::from_str::<serde::de::IgnoredAny>(&text).is_ok() {
                // A root scalar such as `1e3` reads back as JSON, as in
                // Ansible (JSON first): no round trip to check.
                continue;
            }
            let again = match load_str(&text, "dumped.yml") {
                Ok(again) => again,
                // libyaml writes `{v: -42 -}`; the YAML 1.2 parser rejects
                // it (see tests/yaml/robust.rs).
                Err(YamlError::Syntax { message, .. })
                    if message.starts_with("plain scalar cannot start with '-'") =>
                {
                    continue
                }
                Err(e) => panic!("dump output does not load: {e}\n{text}"),
            };
            let (doc, _) = again.single();
            // Unsafe strings print as strings and keys come out sorted:
            // compare JSON with sorted keys.
            let round = doc.map(|d| d.to_value().to_json(sorted));
            assert_eq!(round.as_deref(), Some(repr.as_str()), "{style:?}:\n{text}");
        }
    }
});
