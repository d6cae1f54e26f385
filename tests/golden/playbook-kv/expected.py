# Writes expected.json: ansible-core's parse_kv (ansible.parsing.splitter)
# on every string of inputs.json plus 400 random strings (fixed seed), in
# free-form (check_raw=True) and k=v (check_raw=False) mode. Run by
# tests/golden/regen-playbook.sh with the installed ansible-core 2.19.14.
import json
import os
import random

from ansible.parsing.splitter import parse_kv

here = os.path.dirname(os.path.abspath(__file__))
texts = json.load(open(os.path.join(here, "inputs.json")))
rng = random.Random(20261125)
alphabet = ["a", "b", "k", " ", " ", " ", "=", "=", "\"", "'", "\\", "\n", "\t",
            "{{", "}}", "{%", "%}", "{#", "#}", "é", "creates", "chdir", "/x", "x=1 "]
for _ in range(400):
    texts.append("".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 14))))
out = []
for text in texts:
    row = {"text": text}
    for key, raw in (("free_form", True), ("kv", False)):
        try:
            row[key] = parse_kv(text, check_raw=raw)
        except Exception as e:  # the parser's own error, recorded by name
            row[key] = {"error": type(e).__name__}
    out.append(row)
with open(os.path.join(here, "expected.json"), "w") as f:
    json.dump(out, f, indent=1, ensure_ascii=False)
    f.write("\n")
