#!/usr/bin/env python3
"""Prints every playbook keyword of the installed ansible-core, one
`<Object> <keyword>` line each, sorted: the truth that
engine/src/playbook/keyword_table.rs is checked against.

The rules are those of ansible-core's own keyword documentation
(hacking/build_library/.../dump_keywords.py): an object's keywords are its
FieldAttributes minus private ones, an attribute reached through an alias
is listed by its alias (`async_val` is written `async`), `loop_with` is
written `with_<lookup_plugin>`, and an object with `action` also has
`local_action`. Handler is listed too: a task list entry under
`handlers:` accepts `listen` on top of the task keywords; and so is
PlaybookInclude (an `import_playbook:` entry).
"""
import ansible
from ansible.playbook.block import Block
from ansible.playbook.handler import Handler
from ansible.playbook.play import Play
from ansible.playbook.playbook_include import PlaybookInclude
from ansible.playbook.role import Role
from ansible.playbook.task import Task


def keywords(cls):
    names = set()
    for name, attr in cls.fattributes.items():
        if attr.private:
            continue
        if attr.alias and attr.alias != name:
            continue  # listed under its alias
        names.add(name)
    if "action" in names:
        names.add("local_action")
    if "loop" in names:
        names.add("with_<lookup_plugin>")
    return sorted(names)


def main():
    print(f"# ansible-core {ansible.__version__}")
    for cls in (Play, Role, Block, Task, Handler, PlaybookInclude):
        for name in keywords(cls):
            print(f"{cls.__name__} {name}")


if __name__ == "__main__":
    main()
