//! The YAML loader and printers against real Ansible.
//!
//! `load_cases.txt` and `dump_cases.txt` hold the inputs (cases separated by
//! `#### name` lines); `load_expected.json` and `dump_expected.json` hold
//! what ansible-core 2.19 (its `AnsibleLoader`, PyYAML 6 with libyaml,
//! `AnsibleDumper`, `json.dumps`) produced for them, written by
//! `python3 tests/yaml/regen.py`. A case named `[deviation: X]` documents a
//! deliberate difference: `X` is the error variant we return instead (or
//! `accepted` where we load it differently: what Ansible rejects, or `NaN`
//! in JSON, which Python's `json.loads` reads as a float and we as YAML).

mod dump;
mod load;
mod robust;

/// The cases of one `*_cases.txt` file: (name, text).
fn cases(text: &str) -> Vec<(&str, &str)> {
    text.split("#### ")
        .skip(1)
        .map(|chunk| {
            let (name, body) = chunk.split_once('\n').unwrap_or((chunk, ""));
            (name.trim(), body)
        })
        .collect()
}
