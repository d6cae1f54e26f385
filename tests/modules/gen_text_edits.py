#!/usr/bin/env python3
"""Regenerates golden/text_edits.json: runs each case below through the real
ansible-core 2.19.14 (ansible-playbook, connection local) and records the
file's content afterwards, `changed`, `failed` and `msg`.

A case: module, args (without `path`), and the file's content before
(None = the file does not exist). The Rust test `text_edit_goldens` replays
every case through our modules and compares.
"""
import json, os, subprocess, sys, tempfile

CASES = [
    # lineinfile
    ("lineinfile", {"line": "c"}, "a\nb\n"),
    ("lineinfile", {"line": "c"}, "a\nb"),
    ("lineinfile", {"line": "b"}, "a\nb\n"),
    ("lineinfile", {"line": "x"}, ""),
    ("lineinfile", {"regexp": "^a", "line": "A"}, "a\nb\nc\n"),
    ("lineinfile", {"regexp": "^a", "line": "A"}, "x\na1\na2\n"),
    ("lineinfile", {"regexp": "^a", "line": "A", "firstmatch": True}, "x\na1\na2\n"),
    ("lineinfile", {"regexp": "^nomatch", "line": "A"}, "x\n"),
    ("lineinfile", {"regexp": "^nomatch", "line": "x"}, "x\n"),
    ("lineinfile", {"search_string": "port", "line": "port=2"}, "a\nport=1\n"),
    ("lineinfile", {"line": "x", "insertafter": "^b"}, "a\nb\nc\n"),
    ("lineinfile", {"line": "x", "insertafter": "^b"}, "a\nb\nx\nc\n"),
    ("lineinfile", {"line": "x", "insertafter": "^[ab]"}, "a\nb\nc\n"),
    ("lineinfile", {"line": "x", "insertafter": "^[ab]", "firstmatch": True}, "a\nb\nc\n"),
    ("lineinfile", {"line": "x", "insertafter": "^c"}, "a\nb\nc"),
    ("lineinfile", {"line": "x", "insertbefore": "^b"}, "a\nb\nc\n"),
    ("lineinfile", {"line": "x", "insertbefore": "^b"}, "a\nx\nb\nc\n"),
    ("lineinfile", {"line": "x", "insertbefore": "BOF"}, "a\n"),
    ("lineinfile", {"line": "x", "insertafter": "^zzz"}, "a\n"),
    ("lineinfile", {"line": "x", "insertbefore": "^zzz"}, "a\n"),
    ("lineinfile", {"regexp": r"^(\w+)=old$", "line": r"\1=new", "backrefs": True}, "k=old\n"),
    ("lineinfile", {"regexp": r"^(\w+)=old$", "line": r"\1=new", "backrefs": True}, "other\n"),
    ("lineinfile", {"regexp": r"^(?P<k>\w+)=(\d+)$", "line": r"\g<k>: \2", "backrefs": True}, "port=22\n"),
    ("lineinfile", {"regexp": "^#", "state": "absent"}, "#a\nb\n#c\n"),
    ("lineinfile", {"line": "b", "state": "absent"}, "a\nb\n"),
    ("lineinfile", {"line": "zz", "state": "absent"}, "a\nb\n"),
    ("lineinfile", {"line": "x"}, None),
    ("lineinfile", {"line": "x", "create": True}, None),
    ("lineinfile", {"line": "x", "state": "absent"}, None),
    ("lineinfile", {"regexp": "", "line": "x"}, "a\nb\n"),
    ("lineinfile", {"search_string": "", "line": "x"}, "a\nb\n"),
    # blockinfile
    ("blockinfile", {"block": "b1\nb2"}, "A\nB\nc\n"),
    ("blockinfile", {"block": "b1\nb2"}, "A\n# BEGIN ANSIBLE MANAGED BLOCK\nb1\nb2\n# END ANSIBLE MANAGED BLOCK\nz\n"),
    ("blockinfile", {"block": "new"}, "A\n# BEGIN ANSIBLE MANAGED BLOCK\nb1\n# END ANSIBLE MANAGED BLOCK\nz\n"),
    ("blockinfile", {"state": "absent"}, "A\n# BEGIN ANSIBLE MANAGED BLOCK\nb1\n# END ANSIBLE MANAGED BLOCK\nz\n"),
    ("blockinfile", {"block": ""}, "A\n# BEGIN ANSIBLE MANAGED BLOCK\nb1\n# END ANSIBLE MANAGED BLOCK\nz\n"),
    ("blockinfile", {"block": "x", "insertbefore": "^B"}, "A\nB\n"),
    ("blockinfile", {"block": "x", "insertafter": "^A"}, "A\nB\nA\nC\n"),
    ("blockinfile", {"block": "x", "insertbefore": "BOF"}, "A\n"),
    ("blockinfile", {"block": "x", "marker": "// {mark} managed", "marker_begin": "start", "marker_end": "stop"}, "A"),
    ("blockinfile", {"block": "x\n"}, "A\n"),
    ("blockinfile", {"block": "x"}, None),
    ("blockinfile", {"block": "x", "create": True}, None),
    ("blockinfile", {"state": "absent"}, None),
    ("blockinfile", {"block": "dos\r\ndos\r\n"}, "unix\n# BEGIN ANSIBLE MANAGED BLOCK\ndos\r\n# END ANSIBLE MANAGED BLOCK\nunix\n"),
    ("blockinfile", {"block": "x"}, "a\n# BEGIN ANSIBLE MANAGED BLOCK\r\nold\n# END ANSIBLE MANAGED BLOCK\r\nz\n"),
    ("blockinfile", {"block": "x"}, "a\rb\r"),
    ("blockinfile", {"block": "x", "insertafter": "(?m)^b\\nc"}, "a\nb\nc\nd\n"),
    ("blockinfile", {"block": "x", "insertbefore": "(?m)^b\\nc"}, "a\nb\nc\nd\n"),
    ("blockinfile", {"block": "x", "insertafter": "^b\\nc"}, "a\nb\nc\nd\n"),
    ("blockinfile", {"block": "x", "insertafter": "b$"}, "a\nb\nc\n"),
    # replace
    ("replace", {"regexp": r"^(\w) = (\d)$", "replace": r"\2 \1"}, "a = 1\nb = 2\nc\n"),
    ("replace", {"regexp": "x", "replace": "y", "after": "START", "before": "END"}, "x START x x END x"),
    ("replace", {"regexp": "x", "replace": "y", "after": "START"}, "x START x x END x"),
    ("replace", {"regexp": "x", "replace": "y", "before": "END"}, "x START x x END x"),
    ("replace", {"regexp": "b", "replace": "b"}, "abc"),
    ("replace", {"regexp": "zz", "replace": "y"}, "abc"),
    ("replace", {"regexp": r"(?<=a)b", "replace": r"[\g<0>]\n"}, "ab cb ab\n"),
    ("replace", {"regexp": "^", "replace": "# "}, "a\nb\n"),
    ("replace", {"regexp": "x", "replace": "y"}, None),
    ("replace", {"regexp": "zz", "replace": "\\D"}, "abc"),
    ("replace", {"regexp": "(a)", "replace": "x\\5"}, "abc"),
]


def run(module, args, before):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "f")
        if before is not None:
            with open(path, "w") as f:
                f.write(before)
        task = {module: dict(args, path=path), "register": "r", "ignore_errors": True}
        dump = {"copy": {"dest": os.path.join(d, "r.json"), "content": "{{ r | to_json }}"}}
        play = [{"hosts": "localhost", "connection": "local", "gather_facts": False, "tasks": [task, dump]}]
        with open(os.path.join(d, "p.yml"), "w") as f:
            json.dump(play, f)
        subprocess.run(["ansible-playbook", os.path.join(d, "p.yml")], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        r = json.load(open(os.path.join(d, "r.json")))
        after = open(path, newline="").read() if os.path.exists(path) else None
        return {"module": module, "args": args, "before": before, "after": after,
                "changed": r.get("changed", False), "failed": r.get("failed", False),
                "msg": r.get("msg", "").replace(path, "{path}"),
                **({"warnings": r["warnings"]} if r.get("warnings") else {})}


out = [run(*c) for c in CASES]
json.dump(out, sys.stdout, indent=1)
print()
