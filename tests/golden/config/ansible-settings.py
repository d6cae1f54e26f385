#!/usr/bin/env python3
"""Prints every setting ansible-core can read from ansible.cfg or an ANSIBLE_*
environment variable, one per line, tab-separated:

    scope  name  type  default(JSON)  env names (comma)  ini section.key (comma)

`scope` is `base` for ansible-core's own settings (config/base.yml) or
`<plugin type>/<plugin name>` for the options of a builtin plugin. Rows are
sorted; the output is the data file engine/src/config/ansible-settings.tsv
(see regen-settings.sh) and what tests/config compares it with.
"""
import json
import sys

from ansible import constants as C
from ansible.plugins import loader as L

L.init_plugin_loader()
cm = C.config


def entries(defn):
    env = ",".join(e["name"] for e in defn.get("env") or [])
    ini = ",".join(
        "%s.%s" % (i.get("section", "defaults"), i["key"]) for i in defn.get("ini") or []
    )
    return env, ini


rows = []
for name, defn in cm.get_configuration_definitions().items():
    rows.append(("base", name, defn))
for ptype in ("become", "cache", "callback", "connection", "inventory", "lookup", "shell", "vars"):
    loader = getattr(L, "%s_loader" % ptype)
    for plugin in loader.all(class_only=True):
        pname = plugin._load_name
        for name, defn in cm.get_configuration_definitions(ptype, pname).items():
            rows.append(("%s/%s" % (ptype, pname), name, defn))

out = []
for scope, name, defn in rows:
    env, ini = entries(defn)
    if not env and not ini:
        continue  # not settable from ansible.cfg or the environment
    default = json.dumps(defn.get("default"), sort_keys=True)
    out.append("\t".join([scope, name, str(defn.get("type") or "string"), default, env, ini]))
sys.stdout.write("".join(line + "\n" for line in sorted(set(out))))
