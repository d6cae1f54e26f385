#!/usr/bin/env python3
"""Writes engine/src/catalog/ansible.catalog: the names Ansible knows.

Every module of ansible.builtin and ansible.posix with every option (and
option alias), the community.general / community.crypto modules that real
provisioning content uses with their options, the names of every other
module of those collections, the short-name redirects of ansible-core's
ansible_builtin_runtime.yml and of the collections' meta/runtime.yml, and
every filter, test and lookup name. Names only: no documentation text.

Run with the ansible-core whose behaviour is the reference (2.19.14) and
ANSIBLE_COLLECTIONS_PATH pointing at the collections (tests/conformance
documents where they come from):

    ANSIBLE_COLLECTIONS_PATH=DIR python3 engine/src/catalog/gen-catalog.py
"""
import json
import os
import subprocess
import sys

import ansible
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "ansible.catalog")

# Collections whose every module is catalogued with its options.
FULL = ("ansible.builtin", "ansible.posix")
# Modules of other collections used by the provisioning content this engine
# targets (KIB's provision playbooks, dev-sec's ssh/os hardening roles,
# geerlingguy's security role): catalogued with their options too.
USED = {
    "community.general": [
        "modprobe", "pam_limits", "pamd", "zypper", "zypper_repository",
        "timezone", "ufw", "ini_file", "alternatives", "sefcontext",
        "seport", "locale_gen", "capabilities", "filesystem", "lvol", "lvg",
        "parted", "xfconf", "nmcli", "osx_defaults", "make", "archive",
        "npm", "snap", "flatpak", "homebrew", "openssl_privatekey",
        "htpasswd", "dnf_versionlock", "yum_versionlock", "selinux_permissive",
        "sudoers", "syslogger", "shutdown", "ssh_config", "pids",
    ],
    "community.crypto": ["openssh_keypair", "openssl_privatekey", "x509_certificate"],
}
OTHER = ("community.general", "community.crypto")


def undocumented():
    """Arguments an ansible.builtin module's argument_spec takes that its
    documentation leaves out (`command`'s `executable`, `file`'s
    `_diff_peek`): read from the spec literal in each module's source."""
    import ast

    out = {}
    modules = os.path.join(os.path.dirname(ansible.__file__), "modules")
    for f in sorted(os.listdir(modules)):
        if not f.endswith(".py") or f.startswith("_"):
            continue
        with open(os.path.join(modules, f)) as fh:
            tree = ast.parse(fh.read())
        assigns = {
            n.targets[0].id: n.value
            for n in ast.walk(tree)
            if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name)
        }

        def keys(node):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "dict":
                return [k.arg for k in node.keywords if k.arg]
            if isinstance(node, ast.Dict):
                return [k.value for k in node.keys if isinstance(k, ast.Constant)]
            if isinstance(node, ast.Name) and node.id in assigns:
                return keys(assigns[node.id])
            return []

        for n in ast.walk(tree):
            if isinstance(n, ast.Call):
                for k in n.keywords:
                    if k.arg == "argument_spec":
                        out.setdefault("ansible.builtin." + f[:-3], []).extend(keys(k.value))
    return out


UNDOCUMENTED = undocumented()


def doc(kind, names=None):
    args = ["ansible-doc", "-t", kind, "--json"]
    args += names if names else ["-l"]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def collection_version(fqcn):
    ns, name = fqcn.split(".")
    for base in os.environ.get("ANSIBLE_COLLECTIONS_PATH", "").split(":"):
        manifest = os.path.join(base, "ansible_collections", ns, name, "MANIFEST.json")
        if os.path.exists(manifest):
            with open(manifest) as f:
                return json.load(f)["collection_info"]["version"]
    sys.exit(f"collection {fqcn} not found in ANSIBLE_COLLECTIONS_PATH")


def options_line(fqcn, d):
    opts = []
    documented = set()
    for name, spec in sorted((d.get("options") or {}).items()):
        aliases = spec.get("aliases") or []
        documented.update([name] + aliases)
        opts.append("|".join([name] + sorted(aliases)))
    # `_raw_params` is the free-form text, catalogued as `free_form`.
    opts += [k for k in UNDOCUMENTED.get(fqcn, []) if k not in documented and k != "_raw_params"]
    return f"module {fqcn} " + " ".join(sorted(opts)) if opts else f"module {fqcn} -"


def redirects():
    """Short names and old names that Ansible routes to another module."""
    out = []
    path = os.path.join(os.path.dirname(ansible.__file__), "config", "ansible_builtin_runtime.yml")
    with open(path) as f:
        routing = yaml.safe_load(f)["plugin_routing"]["modules"]
    for short, r in sorted(routing.items()):
        # Only into the catalogued collections: a short name routed to a
        # collection ansible-core alone does not have fails there too.
        target = (r or {}).get("redirect", "")
        if target.rsplit(".", 1)[0] in FULL + OTHER:
            out.append(f"redirect ansible.builtin.{short} {target}")
    for coll in ("ansible.posix",) + OTHER:
        ns, name = coll.split(".")
        for base in os.environ.get("ANSIBLE_COLLECTIONS_PATH", "").split(":"):
            path = os.path.join(base, "ansible_collections", ns, name, "meta", "runtime.yml")
            if os.path.exists(path):
                with open(path) as f:
                    routing = (yaml.safe_load(f) or {}).get("plugin_routing", {}).get("modules", {})
                for old, r in sorted(routing.items()):
                    target = (r or {}).get("redirect", "")
                    if target.rsplit(".", 1)[0] in FULL + OTHER:
                        out.append(f"redirect {coll}.{old} {target}")
                break
    return out


def main():
    listing = doc("module")
    lines = [
        "# Generated by engine/src/catalog/gen-catalog.py; do not edit.",
        f"# ansible-core {ansible.__version__}, "
        + ", ".join(f"{c} {collection_version(c)}" for c in ("ansible.posix",) + OTHER),
    ]
    wanted = [m for m in listing if m.rsplit(".", 1)[0] in FULL]
    for coll, shorts in USED.items():
        wanted += [f"{coll}.{s}" for s in shorts if f"{coll}.{s}" in listing]
    docs = {}
    for i in range(0, len(wanted), 40):
        docs.update(doc("module", wanted[i : i + 40]))
    for fqcn in sorted(listing):
        if fqcn in docs:
            lines.append(options_line(fqcn, docs[fqcn]["doc"]))
        elif fqcn.rsplit(".", 1)[0] in OTHER:
            lines.append(f"module {fqcn} *")
    lines += redirects()
    for kind in ("filter", "test", "lookup"):
        lines += [f"{kind} {name}" for name in sorted(doc(kind))]
    with open(OUT, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {OUT}: {len(lines)} lines")


if __name__ == "__main__":
    main()
