#!/bin/sh
# Regenerates shapes.rs: runs ansible-playbook (ansible-core 2.19.14) on
# localhost with the tasks below and prints, for each registered result,
# its keys and JSON types as Rust constants.
#
# Keys Ansible reports that our modules deliberately omit are dropped here
# (and listed in shapes.rs): the per-module `diff` list (our diff is the
# callback's text), `invocation`, and stat's optional mime/attribute keys.
set -eu
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/t"
echo hello > "$work/t/src.txt"
cat > "$work/p.yml" <<YAML
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - {file: {path: $work/t/d, state: directory, mode: "0750"}, register: file_directory}
    - {file: {path: $work/t/f, state: touch}, register: file_touch}
    - {file: {path: $work/t/l, state: link, src: $work/t/f}, register: file_link}
    - {file: {path: $work/t/h, state: hard, src: $work/t/f}, register: file_hard}
    - {file: {path: $work/t/h, state: absent}, register: file_absent}
    - {copy: {content: "abc\n", dest: $work/t/c, mode: "0600"}, register: copy_changed}
    - {copy: {content: "abc\n", dest: $work/t/c, mode: "0600"}, register: copy_unchanged}
    - {template: {src: $work/t/src.txt, dest: $work/t/tpl}, register: template_changed}
    - {template: {src: $work/t/src.txt, dest: $work/t/tpl}, register: template_unchanged}
    - {stat: {path: $work/t/c}, register: stat_file}
    - {stat: {path: $work/t/l}, register: stat_link}
    - {stat: {path: $work/t/nope}, register: stat_missing}
    - {lineinfile: {path: $work/t/c, line: xyz}, register: lineinfile}
    - {blockinfile: {path: $work/t/c, block: b1}, register: blockinfile}
    - {replace: {path: $work/t/c, regexp: b1, replace: B1}, register: replace}
    - {find: {paths: $work/t, patterns: "*.txt"}, register: find}
    - copy:
        dest: $work/res.json
        content: "{{ {'file_directory': file_directory, 'file_touch': file_touch, 'file_link': file_link, 'file_hard': file_hard, 'file_absent': file_absent, 'copy_changed': copy_changed, 'copy_unchanged': copy_unchanged, 'template_changed': template_changed, 'template_unchanged': template_unchanged, 'stat_file': stat_file.stat, 'stat_link': stat_link.stat, 'stat_missing': stat_missing.stat, 'lineinfile': lineinfile, 'blockinfile': blockinfile, 'replace': replace, 'find': find, 'find_entry': find.files[0]} | to_json }}"
YAML
ANSIBLE_NOCOLOR=1 ansible-playbook "$work/p.yml" > /dev/null 2>&1
python3 - "$work/res.json" <<'PY'
import json, sys
res = json.load(open(sys.argv[1]))
drop = {"invocation", "diff", "failed", "changed",
        "attr_flags", "attributes", "block_size", "blocks", "charset",
        "device_type", "mimetype", "version"}
ty = {str: "str", int: "int", float: "float", bool: "bool", list: "list", dict: "dict", type(None): "null"}
print("//! Result keys and JSON types of ansible-core 2.19.14's modules, generated")
print("//! by `gen_ansible_shapes.sh` (do not edit). Dropped on purpose: the")
print("//! modules' `diff` list, `invocation`, and stat's mime/attribute keys.")
print()
for name, r in res.items():
    keys = sorted((k, ty[type(v)]) for k, v in r.items() if k not in drop)
    body = ", ".join('("%s", "%s")' % kv for kv in keys)
    print("pub(crate) const %s: &[(&str, &str)] = &[%s];" % (name.upper(), body))
PY
