#!/usr/bin/env python3
"""Regenerates the expected data of the YAML tests from real ansible-core.

Run from the repository root with ansible-core 2.19 and PyYAML 6 (libyaml)
importable:

    python3 tests/yaml/regen.py

It reads `load_cases.txt` and `dump_cases.txt` (cases separated by lines
`#### name`), loads every case as Ansible's DataLoader does (`from_yaml`: `json.loads`
first, then its own YAML loader `AnsibleLoader`, text marked trusted), and writes `load_expected.json` and `dump_expected.json`:

- load: the documents as Python `repr()` after turning mapping keys into the
  text `json.dumps` gives them (our maps have string keys) and `!unsafe`
  strings into `{'!unsafe': text}`; the duplicate-key warnings Ansible
  displays; or the exception Ansible raises.
- dump: the same data through `yaml.dump` with Ansible's `AnsibleDumper`
  (libyaml's emitter) as `ansible-inventory --yaml` (block), `to_yaml`
  (flow) and `to_nice_yaml` (indent 4) call it, `json.dumps` variants,
  `repr()` and `str()`.
"""

import datetime
import json
import pathlib
import sys

import yaml
from ansible._internal._datatag._tags import Origin, TrustedAsTemplate
from ansible.parsing.yaml.dumper import AnsibleDumper
from ansible.parsing.yaml.loader import AnsibleLoader
from ansible.parsing.utils.yaml import from_yaml
from ansible.utils.display import Display

HERE = pathlib.Path(__file__).parent
WARNINGS = []


def record_warning(self, msg, *args, obj=None, help_text=None, **kwargs):
    origin = Origin.get_tag(obj) if obj is not None else None
    WARNINGS.append({
        "message": f"{msg} {help_text}" if help_text else msg,
        "line": origin.line_num if origin else None,
        "column": origin.col_num if origin else None,
    })


Display.warning = record_warning


def cases(name):
    text = (HERE / name).read_text()
    out = []
    for chunk in text.split("#### ")[1:]:
        title, _, body = chunk.partition("\n")
        out.append((title.strip(), body))
    return out


def key_text(key):
    if isinstance(key, str):
        return native_str(key)
    if isinstance(key, (datetime.date, datetime.datetime)):
        return key.isoformat()
    return json.dumps(key)


def native_str(s):
    return s.encode("utf-8", "surrogatepass").decode("utf-8", "surrogatepass")


def normalize(value, mark_unsafe):
    """Native Python data with string keys; unsafe strings marked when asked."""
    if isinstance(value, dict):
        return {key_text(k): normalize(v, mark_unsafe) for k, v in value.items()}
    if isinstance(value, list):
        return [normalize(v, mark_unsafe) for v in value]
    if isinstance(value, str):
        text = native_str(value)
        if mark_unsafe and not TrustedAsTemplate.is_tagged_on(value):
            return {"!unsafe": text}
        return text
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, datetime.datetime):
        return datetime.datetime.fromisoformat(value.isoformat())
    if isinstance(value, datetime.date):
        return datetime.date.fromisoformat(value.isoformat())
    return value


def load(text):
    """Ansible's `from_yaml`: JSON first, then YAML (all documents)."""
    trusted = TrustedAsTemplate().tag(text)
    try:
        return [from_yaml(trusted, json_only=True)]
    except Exception:
        return list(yaml.load_all(trusted, Loader=AnsibleLoader))


def regen_load():
    expected = []
    for name, text in cases("load_cases.txt"):
        WARNINGS.clear()
        case = {"name": name}
        try:
            case["docs"] = [repr(normalize(d, True)) for d in load(text)]
        except Exception as e:  # the case expects Ansible to fail
            case["error"] = f"{type(e).__name__}: {str(e).splitlines()[0]}"
        case["warnings"] = list(WARNINGS)
        expected.append(case)
    return expected


def regen_dump():
    expected = []
    for name, text in cases("dump_cases.txt"):
        data = normalize(load(text)[0], False)
        case = {"name": name, "repr": repr(data), "str": str(data)}
        case["block"] = yaml.dump(data, Dumper=AnsibleDumper, default_flow_style=False, allow_unicode=True)
        case["flow"] = yaml.dump(data, Dumper=AnsibleDumper, default_flow_style=None, allow_unicode=True)
        case["nice"] = yaml.dump(data, Dumper=AnsibleDumper, indent=4, default_flow_style=False, allow_unicode=True)
        case["json"] = json.dumps(data, ensure_ascii=False, default=lambda d: d.isoformat())
        case["json_nice"] = json.dumps(data, indent=4, sort_keys=True, ensure_ascii=False, default=lambda d: d.isoformat())
        case["json_ascii"] = json.dumps(data, indent=2, ensure_ascii=True, default=lambda d: d.isoformat())
        expected.append(case)
    return expected


def write(name, data):
    (HERE / name).write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    write("load_expected.json", regen_load())
    write("dump_expected.json", regen_dump())
    sys.exit(0)
