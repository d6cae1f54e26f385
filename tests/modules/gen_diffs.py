#!/usr/bin/env python3
"""Regenerates golden/diffs.json: runs the task sequence below with
`ansible-playbook --diff` (ansible-core 2.19.14, connection local, no
colour) and records the diff text the default callback prints for each
task, with the work directory replaced by `{dir}`. The Rust test
`diff_goldens` replays the same sequence with diff mode on and compares
each module's diff text.
"""
import json, os, re, subprocess, sys, tempfile

TASKS = [
    ("copy", {"content": "abc\n", "dest": "{dir}/c"}),
    ("copy", {"content": "abd\n", "dest": "{dir}/c"}),
    ("copy", {"content": "no newline", "dest": "{dir}/c"}),
    ("lineinfile", {"path": "{dir}/x", "line": "c"}),
    ("lineinfile", {"path": "{dir}/x", "regexp": "^a", "line": "A"}),
    ("replace", {"path": "{dir}/x", "regexp": "b", "replace": "B"}),
    ("blockinfile", {"path": "{dir}/x", "block": "q"}),
    ("file", {"path": "{dir}/d", "state": "directory", "mode": "0750"}),
    ("file", {"path": "{dir}/c", "state": "absent"}),
    ("file", {"path": "{dir}/l", "state": "link", "src": "{dir}/x"}),
]
SETUP = {"x": "a\nb\n"}  # files present before the first task
DIRS = ["d"]             # directories present (mode 0755)


def main():
    with tempfile.TemporaryDirectory() as d:
        for name, text in SETUP.items():
            with open(os.path.join(d, name), "w") as f:
                f.write(text)
        for name in DIRS:
            os.mkdir(os.path.join(d, name))
            os.chmod(os.path.join(d, name), 0o755)
        tasks = [{m: json.loads(json.dumps(a).replace("{dir}", d))} for m, a in TASKS]
        play = [{"hosts": "localhost", "connection": "local", "gather_facts": False, "tasks": tasks}]
        pb = os.path.join(d, "p.yml")
        with open(pb, "w") as f:
            json.dump(play, f)
        env = dict(os.environ, ANSIBLE_NOCOLOR="1")
        out = subprocess.run(["ansible-playbook", "--diff", pb], check=True, env=env,
                             capture_output=True, text=True).stdout
        os.remove(pb)
    chunks = re.split(r"^TASK \[.*\] \**\n", out, flags=re.M)[1:]
    diffs = []
    for c in chunks:
        body = re.split(r"^(?:changed|ok): \[localhost\]", c, flags=re.M)[0]
        diffs.append(body.replace(d, "{dir}"))
    assert len(diffs) == len(TASKS), (len(diffs), out)
    cases = [{"module": m, "args": a, "diff": t} for (m, a), t in zip(TASKS, diffs)]
    json.dump({"setup": SETUP, "dirs": DIRS, "cases": cases}, sys.stdout, indent=1)
    print()


main()
